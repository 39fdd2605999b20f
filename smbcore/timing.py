"""Facts about the times in a history: whether it records times of day at all."""

__all__ = ["has_times"]

import pandas as pd


def has_times(timestamps: pd.Series) -> bool:
    """True when any timestamp has a time of day other than midnight."""
    stamps = pd.to_datetime(pd.Series(timestamps)).dropna()
    return bool((stamps != stamps.dt.normalize()).any())
