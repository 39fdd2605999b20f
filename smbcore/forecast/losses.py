"""How far a forecast missed, the one rule the accuracy check, the factor choice and the benchmarks use."""

from __future__ import annotations

import numpy as np

__all__ = ["seasonal_scale", "mase"]


def seasonal_scale(history, season: int) -> float:
    """The typical miss of 'same as one season ago' inside `history` (values in time order): the mean absolute
    difference between each value and the one `season` periods before. Lag 1 when the history is not longer
    than a season or repeats it exactly; NaN when even that is 0 (a constant history: nothing to scale by)."""
    y = np.asarray(history, dtype=float)
    if season >= 1 and len(y) > season:
        seasonal = float(np.mean(np.abs(y[season:] - y[:-season])))
        if seasonal > 0:
            return seasonal
    step = float(np.mean(np.abs(np.diff(y)))) if len(y) > 1 else 0.0
    return step if step > 0 else float("nan")


def mase(actual, predicted, history, season: int) -> float:
    """Mean absolute scaled error: the mean absolute miss of `predicted` on `actual` (same length) over
    `seasonal_scale(history, season)`. Below 1 beats 'same as one season ago' on the history; NaN when the scale
    is undefined or a prediction is missing."""
    miss = np.abs(np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float))
    return float(np.mean(miss) / seasonal_scale(history, season)) if len(miss) else float("nan")
