"""Whether order times carry a time of day, so no page claims an hour the file never had."""

from __future__ import annotations

import pandas as pd

__all__ = ["has_times"]


def has_times(timestamps: pd.Series) -> bool:
    """True when any timestamp has a time of day other than midnight."""
    stamps = pd.to_datetime(timestamps).dropna()
    return bool((stamps != stamps.dt.normalize()).any())
