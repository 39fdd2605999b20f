"""Sales and demand forecasts per series: season, trend, holidays and outside factors, with intervals that are
as wide as this shop's own past forecast errors.

The model for each series is the Theta method (Assimakopoulos & Nikolopoulos, 2000; the M3 winner): remove the
season (classical decomposition), forecast the adjusted series with simple exponential smoothing plus half the
long-run trend, put the season back. Outside factors and holidays are then fitted on what the season and level
do not explain (ridge regression), so each factor gets an effect in the series' own units. Slow movers (many
zero periods) get TSB, an intermittent-demand method. Intervals come from rolling-origin errors at each step
ahead, so they widen with the horizon. No forecast goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

__all__ = [
    "forecast",
    "backtest",
    "season_length",
    "infer_freq",
    "series_from_transactions",
    "holiday_dates",
    "fill_future_factors",
    "ForecastError",
]

_ALPHAS = np.linspace(0.02, 0.98, 25)
_ORIGINS = 8  # rolling origins used to measure this series' own errors
_INTERMITTENT = 0.3  # share of zero periods above which a series is treated as a slow mover


class ForecastError(ValueError):
    """A history that cannot be forecast as given; the message says why and what to do."""


def infer_freq(dates: pd.Series) -> str:
    """'D' for daily data, 'W-XXX' for weekly data (anchored on the weekday the dates fall on), 'MS' monthly."""
    unique = pd.DatetimeIndex(pd.Series(dates).dropna().unique()).sort_values()
    if len(unique) < 2:
        raise ForecastError("A forecast needs at least two dates; this history has fewer.")
    step = pd.Series(unique).diff().dt.days.median()
    if step >= 28:
        return "MS"
    if step >= 6:
        return "W-" + unique[-1].day_name()[:3].upper()
    return "D"


def season_length(freq: str) -> int:
    """Periods in the main season: 7 for days (the week), 52 for weeks and 12 for months (the year)."""
    return 7 if freq == "D" else 12 if freq == "MS" else 52


def _seasonal_indices(y: np.ndarray, m: int) -> tuple[str, np.ndarray] | None:
    """Seasonal pattern by classical decomposition: ('mul', indices) for positive series, ('add', offsets) when
    there are zero or negative periods (e.g. closed days); None when the season is not significant."""
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
    multiplicative = bool(np.all(y > 0))
    detrended = y / trend if multiplicative else y - trend
    positions = np.arange(n) % m
    pattern = np.array([np.nanmean(detrended[positions == p]) for p in range(m)])
    if np.any(~np.isfinite(pattern)):
        return None
    return ("mul", pattern / pattern.mean()) if multiplicative else ("add", pattern - pattern.mean())


def _ses(x: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Simple exponential smoothing with the alpha that minimises in-sample squared one-step errors.

    All candidate alphas run side by side (one pass over time), which keeps thousands of series fast.
    Returns (alpha, last level, one-step fitted values)."""
    levels = np.full(len(_ALPHAS), x[0], dtype=float)
    fitted = np.empty((len(x), len(_ALPHAS)))
    for t, value in enumerate(x):
        fitted[t] = levels
        levels = _ALPHAS * value + (1 - _ALPHAS) * levels
    sse = ((x[1:, None] - fitted[1:]) ** 2).sum(axis=0)
    best = int(np.argmin(sse))
    return float(_ALPHAS[best]), float(levels[best]), fitted[:, best]


@dataclass
class _Theta:
    """A fitted Theta model of one series (multiplicative season when it is significant)."""

    season: tuple[str, np.ndarray] | None
    alpha: float
    level: float
    slope: float
    n: int
    fitted: np.ndarray  # one-step in-sample fits, season included

    @classmethod
    def fit(cls, y: np.ndarray, m: int) -> _Theta:
        season = _seasonal_indices(y, m)
        x = _deseason(y, season, 0, m)
        slope = np.polyfit(np.arange(len(x)), x, 1)[0] if len(x) > 2 else 0.0
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
    return y / part if kind == "mul" else y - part


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


def _seasonal_naive_level(y: np.ndarray, horizon: int, m: int) -> np.ndarray | None:
    """Last season's values shifted by how much the recent level moved against a season before; None when the
    series is shorter than a season plus a few periods."""
    k = m if m <= 12 else m // 6  # a full week (or year of months); 8 weeks of a yearly weekly season
    if m < 2 or len(y) < m + k:
        return None
    shift = y[-k:].mean() - y[len(y) - m - k : len(y) - m].mean()
    return y[len(y) - m + (np.arange(horizon) % m)] + shift


def _candidate(y: np.ndarray, horizon: int, m: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(forecast, one-step in-sample fits) by one method: 'tsb', 'theta', 'seasonal' (last season shifted to
    the current level) or 'average' (of theta and seasonal)."""
    if method == "tsb":
        flat = _tsb(y, horizon)
        return flat, np.full(len(y), flat[0])
    model = _Theta.fit(y, m)
    if method == "theta":
        return model.predict(horizon, m), model.fitted
    seasonal = _seasonal_naive_level(y, horizon, m)
    if method == "seasonal":
        return seasonal, model.fitted
    return (model.predict(horizon, m) + seasonal) / 2, model.fitted


def _choose(y: np.ndarray, horizon: int, m: int) -> str:
    """TSB for slow movers. For a yearly season (weekly or monthly data) with a year of history, the average of
    Theta and last year shifted to the current level: last year's same weeks carry holidays and the yearly
    shape that a short decomposition misses (on Walmart weekly the average beat both, and per-series picking
    by recent error did worse; see benchmarks/forecast.py). Otherwise Theta, whose decomposition already
    learns a weekly pattern from many weeks rather than repeating the last one."""
    if (y == 0).mean() > _INTERMITTENT:
        return "tsb"
    return "average" if m >= 12 and _seasonal_naive_level(y, horizon, m) is not None else "theta"


def _base_forecast(y: np.ndarray, horizon: int, m: int, method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(forecast, one-step in-sample fits) of one series without outside factors, by `method` or, when None,
    the default for the series (see _choose)."""
    return _candidate(y, horizon, m, method or _choose(y, horizon, m))


def _step_errors(y: np.ndarray, horizon: int, m: int, method: str) -> np.ndarray:
    """Errors (actual - forecast) at each step ahead from rolling origins at the end of the series:
    an array origins x horizon (NaN where an origin has fewer steps left)."""
    origins = [len(y) - horizon - k for k in range(_ORIGINS)]
    origins = [o for o in origins if o >= max(2 * m, 8)] or [o for o in origins if o >= 4][:2]
    errors = np.full((max(len(origins), 1), horizon), np.nan)
    for row, origin in enumerate(origins):
        needs_season = method in ("seasonal", "average")
        usable = "theta" if needs_season and _seasonal_naive_level(y[:origin], horizon, m) is None else method
        path, _ = _candidate(y[:origin], horizon, m, usable)
        actual = y[origin : origin + horizon]
        errors[row, : len(actual)] = actual - path[: len(actual)]
    return errors


def _interval_widths(y: np.ndarray, fitted: np.ndarray, horizon: int, m: int, levels, method: str) -> dict[int, tuple]:
    """Lower/upper offsets per level and step: rolling-origin error quantiles where at least 3 origins reach
    that step, else the one-step spread grown with the square root of the step; never narrower later on."""
    errors = _step_errors(y, horizon, m, method)
    one_step = float(np.std(y[1:] - fitted[1:])) if len(y) > 2 else 0.0
    steps = np.arange(1, horizon + 1)
    enough = np.isfinite(errors).sum(axis=0) >= 3
    out = {}
    for level in levels:
        tail = (100 - level) / 200
        floor = norm.ppf(1 - tail) * one_step * np.sqrt(steps)
        lo, hi = floor.copy(), floor.copy()
        if enough.any():
            lo[enough] = -np.nanquantile(errors[:, enough], tail, axis=0)
            hi[enough] = np.nanquantile(errors[:, enough], 1 - tail, axis=0)
        out[level] = (np.maximum.accumulate(np.clip(lo, 0, None)), np.maximum.accumulate(np.clip(hi, 0, None)))
    return out


def _regular(history: pd.DataFrame, freq: str) -> dict[str, pd.Series]:
    """Each series on a regular grid from its first to its last date; missing periods count as 0 sales."""
    series = {}
    for sid, part in history.groupby("series_id", sort=True):
        values = part.groupby("date")["y"].sum()
        grid = pd.date_range(values.index.min(), values.index.max(), freq=freq)
        series[str(sid)] = values.reindex(grid, fill_value=0.0).astype(float)
    return series


def _factor_frame(
    dates: pd.DatetimeIndex, sid: str, table: pd.DataFrame | None, columns: list[str], holidays: set | None, freq: str
) -> pd.DataFrame:
    frame = pd.DataFrame(index=dates)
    if table is not None and columns:
        part = table[table["series_id"].astype(str) == sid] if "series_id" in table else table
        part = part.groupby("date")[columns].mean()
        frame = frame.join(part, how="left")
    if holidays:
        # A row dated d covers d up to the next row's date (a day, or the week starting d).
        days = pd.DatetimeIndex(sorted(holidays))
        step = pd.Timedelta(days={"D": 1, "MS": 31}.get(freq, 7))
        row = dates.searchsorted(days, side="right") - 1
        inside = (row >= 0) & (days < dates[np.clip(row, 0, None)] + step)
        flag = np.zeros(len(dates))
        flag[row[inside]] = 1.0
        frame["holiday"] = flag
    return frame


def forecast(
    history: pd.DataFrame,
    horizon: int,
    freq: str | None = None,
    external: pd.DataFrame | None = None,
    future_external: pd.DataFrame | None = None,
    holidays=None,
    levels: tuple[int, ...] = (80, 95),
) -> pd.DataFrame:
    """Forecast every series `horizon` periods past its last date.

    history: series_id, date, y (one or many series; several rows on a date are added up).
    external / future_external: date (and series_id when per series) plus factor columns for the past and the
    forecast periods. A factor with no future values uses a stated fallback: its average for the same period of
    the season (e.g. weather) when a year of history exists, else its last value (e.g. prices).
    holidays: dates of holidays (any iterable of dates); they become a 0/1 factor.
    Returns columns: series_id, date, yhat, yhat_lo_<level>, yhat_hi_<level> for each level, and `fallback`
    (which factors used a fallback for that row, '' when none). Forecasts are never below zero.
    """
    for column in ("series_id", "date", "y"):
        if column not in history:
            raise ForecastError(f"The history needs a '{column}' column (it has: {', '.join(history.columns)}).")
    history = history.dropna(subset=["date", "y"])
    if len(history) < 2:
        raise ForecastError("A forecast needs at least two dated values; this history has fewer.")
    if horizon < 1:
        raise ForecastError(f"The horizon must be at least 1 period, not {horizon}.")
    freq = freq or infer_freq(history["date"])
    m = season_length(freq)
    columns = [c for c in (external.columns if external is not None else []) if c not in ("date", "series_id")]
    days = {pd.Timestamp(d) for d in holidays} if holidays is not None else None
    rows = []
    for sid, y in _regular(history, freq).items():
        values = y.to_numpy()
        future = pd.date_range(y.index[-1], periods=horizon + 1, freq=freq)[1:]
        used_fallback, effect_future, adjusted = [""] * horizon, np.zeros(horizon), values
        if columns or days:
            past = _factor_frame(y.index, sid, external, columns, days, freq)
            known_future = [c for c in columns if future_external is not None and c in future_external]
            ahead = _factor_frame(future, sid, future_external, known_future, days, freq)
            ahead, used_fallback = fill_future_factors(ahead, past, columns, m)
            effect_past, effect_future = _factor_effects(values, past, ahead)
            adjusted = values - effect_past  # season and level are learned from what the factors leave over
        if len(values) >= 3:
            method = _choose(adjusted, horizon, m)
            path, fitted = _base_forecast(adjusted, horizon, m, method)
            widths = _interval_widths(adjusted, fitted, horizon, m, levels, method)
        else:
            path = np.full(horizon, values.mean())
            widths = {lv: (np.full(horizon, abs(values).mean()),) * 2 for lv in levels}
        path = path + effect_future
        row = pd.DataFrame({"series_id": sid, "date": future, "yhat": np.clip(path, 0, None)})
        for level in levels:
            lo, hi = widths[level]
            row[f"yhat_lo_{level}"] = np.clip(path - lo, 0, None)
            row[f"yhat_hi_{level}"] = np.clip(path + hi, 0, None)
        row["fallback"] = used_fallback
        rows.append(row)
    return pd.concat(rows, ignore_index=True)


def fill_future_factors(
    ahead: pd.DataFrame, past: pd.DataFrame, columns: list[str], m: int
) -> tuple[pd.DataFrame, list]:
    """Fill factors that have no future value: their average at the same point of the season when two seasons
    of history exist (weather), else their last value (prices). `ahead` and `past` are indexed by date with one
    column per factor; returns the filled `ahead` and, per row, which factors were filled and how ('' if none)."""
    notes = [[] for _ in range(len(ahead))]
    for column in columns:
        if column not in ahead:
            ahead[column] = np.nan
        missing = ahead[column].isna().to_numpy()
        if not missing.any():
            continue
        known = past[column].dropna()
        if len(known) >= m * 2:
            position = np.arange(len(past), len(past) + len(ahead)) % m
            by_position = known.groupby(np.arange(len(past))[past[column].notna().to_numpy()] % m).mean()
            fill, label = by_position.reindex(position).to_numpy(), f"{column}: seasonal average"
        else:
            fill, label = np.full(len(ahead), known.iloc[-1] if len(known) else 0.0), f"{column}: last value"
        ahead.loc[missing, column] = fill[missing]
        for i in np.flatnonzero(missing):
            notes[i].append(label)
    return ahead, ["; ".join(n) for n in notes]


def _factor_effects(
    y: np.ndarray, past: pd.DataFrame, ahead: pd.DataFrame, ridge: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression of the series on the factors (with a time trend, so slow drifts such as prices are not
    credited with the shop's growth); returns the factors' effects on the past and the future periods."""
    names = [c for c in past.columns if past[c].notna().any() and past[c].std() > 0]
    if not names:
        return np.zeros(len(past)), np.zeros(len(ahead))
    x = past[names].fillna(past[names].mean())
    mean, std = x.mean(), x.std().replace(0, 1)
    xs = ((x - mean) / std).to_numpy()
    design = np.hstack([xs, np.linspace(-1, 1, len(past))[:, None]])
    coef = np.linalg.solve(design.T @ design + ridge * np.eye(design.shape[1]), design.T @ (y - y.mean()))[:-1]
    future = ((ahead[names].fillna(mean) - mean) / std).to_numpy()
    return xs @ coef, future @ coef


def backtest(
    history: pd.DataFrame,
    horizon: int,
    freq: str | None = None,
    external: pd.DataFrame | None = None,
    holidays=None,
    level: int = 80,
) -> pd.DataFrame:
    """How accurate the forecast has been on this history: hold out the last `horizon` periods of each series,
    forecast them from the rest (factors taken as known), and compare.

    Returns one row per series: series_id, mase (mean absolute error over the seasonal-naive in-sample error;
    below 1 beats 'same as one season ago'), coverage_<level> (share of held-out points inside the interval),
    points.
    """
    freq = freq or infer_freq(history["date"])
    m = season_length(freq)
    series = _regular(history, freq)
    parts = [
        pd.DataFrame({"series_id": sid, "date": y.index[:-horizon], "y": y.to_numpy()[:-horizon]})
        for sid, y in series.items()
        if len(y) > horizon + 2
    ]
    if not parts:
        raise ForecastError(
            f"Every series is shorter than the horizon ({horizon} periods) plus 3: too little history to check the "
            "forecast against. Shorten the horizon or come back with more history."
        )
    train = pd.concat(parts, ignore_index=True)
    future_external = external
    predicted = forecast(
        train, horizon, freq, external=external, future_external=future_external, holidays=holidays, levels=(level,)
    )
    rows = []
    for sid, part in predicted.groupby("series_id"):
        y = series[sid].to_numpy()
        fit, test = y[:-horizon], y[-horizon:]
        lag = m if len(fit) > m else 1
        scale = np.abs(fit[lag:] - fit[:-lag]).mean() if len(fit) > lag else np.nan
        if not scale:
            scale = np.abs(np.diff(fit)).mean() or np.nan
        error = np.abs(test - part["yhat"].to_numpy()).mean()
        inside = (test >= part[f"yhat_lo_{level}"].to_numpy()) & (test <= part[f"yhat_hi_{level}"].to_numpy())
        rows.append({"series_id": sid, "mase": error / scale, f"coverage_{level}": inside.mean(), "points": len(y)})
    return pd.DataFrame(rows)


def series_from_transactions(
    transactions: pd.DataFrame, measure: str = "revenue", by: str | None = None, freq: str = "D", top: int = 10
) -> pd.DataFrame:
    """Sales per period from order lines, ready for `forecast`.

    measure: 'revenue' (net of returns), 'orders' (orders with a sale) or 'units' (net units). by: None for
    the whole shop, 'store_id', 'country' or 'product_id' (the `top` series by revenue; products also leave
    out postage and fees). Returns columns: series_id, date, y.
    """
    from smbcore.overview import non_product_lines

    tx = transactions
    if by == "product_id":
        tx = tx[~non_product_lines(tx)]
    key = tx[by].astype("string").fillna("Unknown") if by else pd.Series("All sales", index=tx.index)
    if by:
        keep = tx.groupby(key)["revenue"].sum().nlargest(top).index
        tx, key = tx[key.isin(keep)], key[key.isin(keep)]
    period = tx["timestamp"].dt.to_period(freq).dt.start_time
    if measure == "orders":
        sales = ~tx["is_return"].fillna(False).astype(bool)
        y = tx[sales].groupby([key[sales], period[sales]])["order_id"].nunique()
    else:
        y = tx.groupby([key, period])["revenue" if measure == "revenue" else "quantity"].sum()
    out = y.rename("y").reset_index()
    out.columns = ["series_id", "date", "y"]
    return out


def holiday_dates(country: str, years: range) -> list[pd.Timestamp]:
    """Public holidays of a country (ISO code such as 'GB', 'US', 'DE'; or a name such as 'United Kingdom') from
    the offline `holidays` package; an empty list when the country is not known to it."""
    import holidays as holiday_calendars

    names = {
        "united kingdom": "GB",
        "uk": "GB",
        "eire": "IE",
        "ireland": "IE",
        "usa": "US",
        "united states": "US",
        "germany": "DE",
        "france": "FR",
        "spain": "ES",
        "netherlands": "NL",
        "portugal": "PT",
        "australia": "AU",
        "belgium": "BE",
        "switzerland": "CH",
        "italy": "IT",
    }
    code = names.get(country.strip().lower(), country.strip().upper())
    try:
        calendar = holiday_calendars.country_holidays(code, years=list(years))
    except NotImplementedError:
        return []
    return sorted(pd.Timestamp(day) for day in calendar)
