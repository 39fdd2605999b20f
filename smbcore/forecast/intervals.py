"""Forecast intervals as wide as the series' own past errors: rolling-origin misses at each step ahead."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from smbcore.forecast.models import candidate, seasonal_naive_level

__all__ = ["step_errors", "interval_widths"]

_ORIGINS = 8  # rolling origins used to measure this series' own errors


def step_errors(y: np.ndarray, horizon: int, m: int, method: str) -> np.ndarray:
    """Errors (actual - forecast) at each step ahead from rolling origins at the end of the series:
    an array origins x horizon (NaN where an origin has fewer steps left)."""
    origins = [len(y) - horizon - k for k in range(_ORIGINS)]
    origins = [o for o in origins if o >= max(2 * m, 8)] or [o for o in origins if o >= 4][:2]
    errors = np.full((max(len(origins), 1), horizon), np.nan)
    for row, origin in enumerate(origins):
        needs_season = method in ("seasonal", "average")
        usable = "theta" if needs_season and seasonal_naive_level(y[:origin], horizon, m) is None else method
        path, _ = candidate(y[:origin], horizon, m, usable)
        actual = y[origin : origin + horizon]
        errors[row, : len(actual)] = actual - path[: len(actual)]
    return errors


def interval_widths(y: np.ndarray, fitted: np.ndarray, horizon: int, m: int, levels, method: str) -> dict[int, tuple]:
    """Lower/upper offsets per level and step. The rolling-origin errors of every step, each divided by the
    square root of its step, are pooled, and the band at step h is their `level` quantile (of absolute size)
    times sqrt(h): pooling steps and origins gives far more errors than one step's few origins, so the bands
    are steadier (on the benchmark cases their coverage came closer to the level asked for than per-step
    quantiles did; see benchmarks/results). With fewer than 6 errors, the one-step spread grown the same way."""
    errors = step_errors(y, horizon, m, method)
    steps = np.arange(1, horizon + 1)
    scaled = np.abs(errors / np.sqrt(steps))[np.isfinite(errors)]
    residuals = (y[1:] - fitted[1:])[np.isfinite(fitted[1:])] if len(y) > 2 else np.zeros(0)
    one_step = float(np.std(residuals)) if len(residuals) else 0.0
    out = {}
    for level in levels:
        if scaled.size >= 6:
            width = np.quantile(scaled, level / 100) * np.sqrt(steps)
        else:
            width = norm.ppf(0.5 + level / 200) * one_step * np.sqrt(steps)
        out[level] = (width, width)
    return out
