"""The models behind each forecast: the Theta method with a classical seasonal decomposition, Holt's damped
trend on the same seasonally adjusted series, TSB for slow movers, and last season(s) shifted to the current
level; each series gets one of them or a combination (see `choose_method`). Arrays in, arrays out (one
series, no dates)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Theta", "base_forecast", "candidate", "choose_method", "seasonal_naive_level"]

_ALPHAS = np.linspace(0.02, 0.98, 25)
_CLOSED = 0.05  # a season index below this (5% of an average period) marks a closed day or week
_INTERMITTENT = 0.3  # share of zero periods above which a series is treated as a slow mover
_SIZE_CAP = 2.0  # a slow mover's sale counts at most this many times its median sale (one bulk order is not the level)
_SEASONS_BACK = 2  # last season and the one before (when the history has it) make the seasonal-naive path
_PROFILE_SEASONS = 8  # full seasons a slow mover needs before its weekday pattern is used
_PROFILE_SALES = 5  # ... and days with a sale per weekday on average
_CLOSURES = 0.05  # below this share of periods at 0, a period at 0 was a closure (a holiday shutdown)


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
        x = _adjusted(y, season, m)
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


def _adjusted(y: np.ndarray, season, m: int) -> np.ndarray:
    """The seasonally adjusted series the level and trend are learned from. In a series that sells on nearly
    every open period (fewer than `_CLOSURES` of them at 0), a period at 0 was a closure (a holiday shutdown):
    it is skipped like a closed weekday, so it pulls neither the level nor the trend down."""
    x = _deseason(y, season, 0, m)
    if (y == 0).mean() < _CLOSURES:
        x = np.where(y == 0, np.nan, x)
    return x


def _reseason(x: np.ndarray, season, start: int, m: int) -> np.ndarray:
    if season is None:
        return x
    kind, pattern = season
    part = pattern[(start + np.arange(len(x))) % m]
    return x * part if kind == "mul" else x + part


def _size_cap(sales: np.ndarray) -> float:
    """The largest a slow mover's sale counts as: Tukey's far-out fence (third quartile + 3 x the interquartile
    range), at least `_SIZE_CAP` x the median sale. A one-off bulk order lies far beyond it; ordinary lumpy sales
    (most 1-3 units, now and then 8) do not, so the forecast keeps their true average (capping at twice the median
    forecast a shop selling 3 a sale on average 17% short)."""
    if not len(sales):
        return 0.0
    q1, median, q3 = np.quantile(sales, [0.25, 0.5, 0.75])
    return float(max(_SIZE_CAP * median, q3 + 3 * (q3 - q1)))


def _tsb(y: np.ndarray, horizon: int, alpha: float = 0.1, beta: float = 0.1) -> np.ndarray:
    """Teunter-Syntetos-Babai: smoothed chance of a sale x smoothed size of a sale, flat over the horizon.
    A sale above `_SIZE_CAP` times the median sale counts at that cap: one bulk order does not set the level
    (on Online Retail's countries the forecast's error fell by a tenth; see benchmarks/results/forecast.md)."""
    sales = y[y > 0]
    chance = float((y > 0).mean())
    cap = _size_cap(sales)
    size = float(np.minimum(sales, cap).mean()) if len(sales) else 0.0
    for value in y:
        chance += beta * ((value > 0) - chance)
        if value > 0:
            size += alpha * (min(value, cap) - size)
    return np.full(horizon, chance * size)


def seasonal_naive_level(y: np.ndarray, horizon: int, m: int) -> np.ndarray | None:
    """Last season's values shifted by how much the recent level moved against a season before; None when the
    series is shorter than a season plus a few periods. With two seasons of history, the mean of the last two
    seasons' values, each shifted the same way: one year's one-off weeks count half (on Walmart weekly this cut
    the error by 4% on the validation period)."""
    k = m if m <= 12 else m // 6  # a full week (or year of months); 8 weeks of a yearly weekly season
    if m < 2 or len(y) < m + k:
        return None
    n, steps = len(y), np.arange(horizon) % m
    recent = y[-k:].mean()
    paths = []
    for back in range(1, _SEASONS_BACK + 1):
        lag = back * m
        if n < lag + k:
            break
        paths.append(y[n - lag + steps] + recent - y[n - lag - k : n - lag].mean())
    return np.mean(paths, axis=0)


_GRID_ALPHA = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9])
_GRID_BETA = np.array([0.01, 0.05, 0.1, 0.2])
_GRID_PHI = np.array([0.8, 0.9, 0.95, 0.98])
_A, _B, _P = (g.ravel() for g in np.meshgrid(_GRID_ALPHA, _GRID_BETA, _GRID_PHI, indexing="ij"))


def _damped(x: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Holt's linear trend with a damped slope (Gardner & McKenzie) on an adjusted series (NaN = closed,
    skipped): every (alpha, beta, phi) of a small grid runs side by side and the one with the least squared
    one-step error is kept. Returns (forecast, one-step fits)."""
    known = np.flatnonzero(np.isfinite(x))
    if len(known) < 4:
        level = x[known].mean() if len(known) else 0.0
        return np.full(horizon, level), np.full(len(x), level)
    level = np.full(len(_A), x[known[0]], dtype=float)
    slope = np.full(len(_A), (x[known[min(3, len(known) - 1)]] - x[known[0]]) / max(min(3, len(known) - 1), 1))
    fitted = np.full((len(x), len(_A)), np.nan)
    for t in range(known[0] + 1, len(x)):
        guess = level + _P * slope
        fitted[t] = guess
        if np.isfinite(x[t]):
            new_level = guess + _A * (x[t] - guess)
            slope = _P * slope + _B * (new_level - level - _P * slope)
            level = new_level
        else:
            level, slope = guess, _P * slope
    use = known[known > known[0]]
    sse = ((x[use, None] - fitted[use]) ** 2).sum(axis=0)
    best = int(np.argmin(sse))
    damping = np.cumsum(_P[best] ** np.arange(1, horizon + 1))
    return level[best] + damping * slope[best], fitted[:, best]


def _profile(y: np.ndarray, m: int) -> np.ndarray | None:
    """Each position's share of a season's sales (1 = average) over the whole history, for slow movers with
    a short season (a weekday pattern). None for long seasons, without `_PROFILE_SEASONS` full seasons, or with
    fewer than `_PROFILE_SALES` days with a sale per position on average: a product sold now and then keeps a
    flat forecast rather than a weekday pattern drawn from a handful of sales."""
    if m < 2 or m >= 12 or len(y) < _PROFILE_SEASONS * m:
        return None
    start = len(y) % m  # whole seasons ending at the last value, so positions line up with the end
    whole = y[start:].reshape(-1, m)
    expected = (whole > 0).sum() / m
    if expected < _PROFILE_SALES:
        return None
    by_position = np.roll(np.clip(whole, 0, None).mean(axis=0), start)  # position p of the series = index % m
    total = by_position.mean()
    return by_position / total if total > 0 else None


def _seasonal_part(y: np.ndarray, horizon: int, m: int) -> np.ndarray | None:
    """The seasonal-naive member of the daily combination: last week's same days as they were (a week is too
    short to measure a level shift against); for yearly seasons last year(s) shifted (`seasonal_naive_level`)."""
    if m >= 12:
        return seasonal_naive_level(y, horizon, m)
    if m < 2 or len(y) < m:
        return None
    return y[len(y) - m + (np.arange(horizon) % m)].astype(float)


def candidate(y: np.ndarray, horizon: int, m: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(forecast, one-step in-sample fits) by one method: 'tsb' (with the weekday pattern of a slow mover),
    'theta', 'damped' (Holt's damped trend on the Theta model's seasonally adjusted series), 'seasonal' (last
    season(s) at the current level), 'average' (of theta and seasonal) or 'combo' (per step the median of
    theta, damped and last season's same day). A method that needs a season the history lacks falls back to
    theta (combo: the mean of theta and damped)."""
    if method == "tsb":
        profile = _profile(y, m)
        if profile is None:
            flat = _tsb(y, horizon)
            return flat, np.full(len(y), flat[0])
        past = profile[np.arange(len(y)) % m]  # TSB on sales adjusted for the weekday, so the cap compares like days
        flat = _tsb(np.divide(y, past, out=np.zeros(len(y)), where=past > 0), horizon)
        return flat * profile[(len(y) + np.arange(horizon)) % m], flat[0] * past
    model = Theta.fit(y, m)
    theta = model.predict(horizon, m)
    if method == "theta":
        return theta, model.fitted
    if method in ("seasonal", "average"):
        seasonal = seasonal_naive_level(y, horizon, m)
        if seasonal is None:
            return theta, model.fitted
        return (seasonal if method == "seasonal" else (theta + seasonal) / 2), model.fitted
    path, fit = _damped(_adjusted(y, model.season, m), horizon)
    damped = _reseason(path, model.season, len(y), m)
    if method == "damped":
        return damped, _reseason(fit, model.season, 0, m)
    members = [theta, damped, _seasonal_part(y, horizon, m)]
    return np.median([p for p in members if p is not None], axis=0), model.fitted


def choose_method(y: np.ndarray, horizon: int, m: int) -> str:
    """TSB for slow movers. For a yearly season (weekly or monthly data) with a year of history, the average of
    Theta and the last two years shifted to the current level: last year's same weeks carry holidays and the
    yearly shape that a short decomposition misses (on Walmart weekly the average beat both, and per-series
    picking by recent error did worse). For a weekly season (daily data), the median of Theta, damped trend
    and last week's same day (the M4 lesson: a combination is steadier than any one member; on the daily
    cases it beat Theta alone on the validation period). Otherwise Theta. See benchmarks/results/forecast.md."""
    if (y == 0).mean() > _INTERMITTENT:
        return "tsb"
    if m >= 12:
        return "average" if seasonal_naive_level(y, horizon, m) is not None else "theta"
    return "combo" if m >= 2 else "theta"


def base_forecast(y: np.ndarray, horizon: int, m: int, method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(forecast, one-step in-sample fits) of one series without outside factors, by `method` or, when None,
    the default for the series (see choose_method)."""
    return candidate(y, horizon, m, method or choose_method(y, horizon, m))
