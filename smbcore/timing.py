"""Whether a file's timestamps carry a time of day: one rule for every page that makes hour-of-day claims
(busiest hours, send hour, rota hours). A file with dates only has every timestamp at midnight."""

from __future__ import annotations

import pandas as pd

__all__ = ["has_times"]


def has_times(timestamps: pd.Series) -> bool:
    """True when the timestamps say at what time of day things happened.

    timestamps: datetimes (missing values are ignored). Dates without times arrive as 00:00:00; a file has
    times when fewer than half of its timestamps fall exactly on midnight (a shop open round the clock has about
    one in 1,440 at 00:00:00). No timestamps at all: False."""
    values = pd.to_datetime(pd.Series(timestamps), errors="coerce").dropna()
    if values.empty:
        return False
    at_midnight = (values == values.dt.normalize()).mean()
    return bool(at_midnight < 0.5)
