"""The models behind each forecast: the Theta method with a classical seasonal decomposition, TSB for slow
movers, and last season shifted to the current level. Arrays in, arrays out (one series, no dates)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Theta", "base_forecast", "candidate", "choose_method", "seasonal_naive_level"]

_ALPHAS = np.linspace(0.02, 0.98, 25)
_CLOSED = 0.05  # a season index below this (5% of an average period) marks a closed day or week
_INTERMITTENT = 0.3  # share of zero periods above which a series is treated as a slow mover


def _seasonal_indices(y: np.ndarray, m: int) -> tuple[str, np.ndarray] | None:
    """Seasonal pattern by classical decomposition: ('mul', indices) for series that are never negative,
    ('add', offsets) when some periods are (e.g. net of returns); None when the season is not significant."""
    n = len(y)
    if m < 2 or n < 2 * m:
        return None
    centred = y - y.mean()
    denom = (centred**2).sum()
    if denom == 0:
        return None
    acf = np.array([(centred[k:] * centred[:-k]).sum() / denom for k in range(1, m + 1)])
    limit = 1.645 * np.sqrt((1 + 2 * (acf[:-1] ** 2).sum()) / n)
    if abs(acf[-1]) <= limit:
        return None
    kernel = np.ones(m) / m if m % 2 else np.r_[0.5, np.ones(m - 1), 0.5] / m
    trend = np.convolve(y, kernel, mode="same")
    half = len(kernel) // 2
    trend[:half], trend[-half:] = np.nan, np.nan
    # Multiplicative whenever the series is never negative (weeks when the shop was shut are left out): a closed weekday then
    # gets an index near 0 (and a forecast of 0), which an additive offset learned over a year cannot give.
    multiplicative = bool(np.all(y >= 0) and np.nanmean(trend) > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        detrended = np.where(trend > 0, y / trend, np.nan) if multiplicative else y - trend
    by_position = np.r_[detrended, np.full(-n % m, np.nan)].reshape(-1, m)  # row = one season, column = position
    if np.isnan(by_position).all(axis=0).any():
        return None
    pattern = np.nanmean(by_position, axis=0)
    return ("mul", pattern / pattern.mean()) if multiplicative else ("add", pattern - pattern.mean())


def _ses(x: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Simple exponential smoothing with the alpha that minimises in-sample squared one-step errors.

    All candidate alphas run side by side (one pass over time), which keeps thousands of series fast.
    Returns (alpha, last level, one-step fitted values)."""
    known = np.isfinite(x)  # a closed period (season index ~0) says nothing about the level: skipped
    levels = np.full(len(_ALPHAS), x[known][0] if known.any() else 0.0, dtype=float)
    fitted = np.empty((len(x), len(_ALPHAS)))
    for t, value in enumerate(x):
        fitted[t] = levels
        if known[t]:
            levels = _ALPHAS * value + (1 - _ALPHAS) * levels
    known[0] = False
    sse = ((x[known, None] - fitted[known]) ** 2).sum(axis=0)
    best = int(np.argmin(sse))
    return float(_ALPHAS[best]), float(levels[best]), fitted[:, best]


@dataclass
class Theta:
    """A fitted Theta model of one series (multiplicative season when it is significant)."""

    season: tuple[str, np.ndarray] | None
    alpha: float
    level: float
    slope: float
    n: int
    fitted: np.ndarray  # one-step in-sample fits, season included

    @classmethod
    def fit(cls, y: np.ndarray, m: int) -> Theta:
        season = _seasonal_indices(y, m)
        x = _deseason(y, season, 0, m)
        known = np.isfinite(x)
        slope = np.polyfit(np.flatnonzero(known), x[known], 1)[0] if known.sum() > 2 else 0.0
        alpha, level, fitted = _ses(x)
        return cls(season, alpha, level, slope, len(y), _reseason(fitted, season, 0, m))

    def predict(self, horizon: int, m: int) -> np.ndarray:
        h = np.arange(1, horizon + 1)
        drift = self.slope / 2 * (h - 1 + 1 / self.alpha - (1 - self.alpha) ** self.n / self.alpha)
        return _reseason(self.level + drift, self.season, self.n, m)


def _deseason(y: np.ndarray, season, start: int, m: int) -> np.ndarray:
    if season is None:
        return y
    kind, pattern = season
    part = pattern[(start + np.arange(len(y))) % m]
    if kind == "mul":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(part > _CLOSED, y / part, np.nan)
    return y - part


def _reseason(x: np.ndarray, season, start: int, m: int) -> np.ndarray:
    if season is None:
        return x
    kind, pattern = season
    part = pattern[(start + np.arange(len(x))) % m]
    return x * part if kind == "mul" else x + part


def _tsb(y: np.ndarray, horizon: int, alpha: float = 0.1, beta: float = 0.1) -> np.ndarray:
    """Teunter-Syntetos-Babai: smoothed chance of a sale x smoothed size of a sale, flat over the horizon."""
    chance = float((y > 0).mean())
    size = float(y[y > 0].mean()) if (y > 0).any() else 0.0
    for value in y:
        chance += beta * ((value > 0) - chance)
        if value > 0:
            size += alpha * (value - size)
    return np.full(horizon, chance * size)


def seasonal_naive_level(y: np.ndarray, horizon: int, m: int) -> np.ndarray | None:
    """Last season's values shifted by how much the recent level moved against a season before; None when the
    series is shorter than a season plus a few periods."""
    k = m if m <= 12 else m // 6  # a full week (or year of months); 8 weeks of a yearly weekly season
    if m < 2 or len(y) < m + k:
        return None
    shift = y[-k:].mean() - y[len(y) - m - k : len(y) - m].mean()
    return y[len(y) - m + (np.arange(horizon) % m)] + shift


def candidate(y: np.ndarray, horizon: int, m: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(forecast, one-step in-sample fits) by one method: 'tsb', 'theta', 'seasonal' (last season shifted to
    the current level) or 'average' (of theta and seasonal)."""
    if method == "tsb":
        flat = _tsb(y, horizon)
        return flat, np.full(len(y), flat[0])
    model = Theta.fit(y, m)
    if method == "theta":
        return model.predict(horizon, m), model.fitted
    seasonal = seasonal_naive_level(y, horizon, m)
    if method == "seasonal":
        return seasonal, model.fitted
    return (model.predict(horizon, m) + seasonal) / 2, model.fitted


def choose_method(y: np.ndarray, horizon: int, m: int) -> str:
    """TSB for slow movers. For a yearly season (weekly or monthly data) with a year of history, the average of
    Theta and last year shifted to the current level: last year's same weeks carry holidays and the yearly
    shape that a short decomposition misses (on Walmart weekly the average beat both, and per-series picking
    by recent error did worse; see benchmarks/forecast.py). Otherwise Theta, whose decomposition already
    learns a weekly pattern from many weeks rather than repeating the last one."""
    if (y == 0).mean() > _INTERMITTENT:
        return "tsb"
    return "average" if m >= 12 and seasonal_naive_level(y, horizon, m) is not None else "theta"


def base_forecast(y: np.ndarray, horizon: int, m: int, method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(forecast, one-step in-sample fits) of one series without outside factors, by `method` or, when None,
    the default for the series (see choose_method)."""
    return candidate(y, horizon, m, method or choose_method(y, horizon, m))
