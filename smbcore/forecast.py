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

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from smbcore.errors import NotEnoughDataError, SmbcoreError

__all__ = [
    "country_name",
    "forecast",
    "simple_rule",
    "backtest",
    "season_length",
    "infer_freq",
    "series_from_transactions",
    "holiday_dates",
    "holiday_calendar",
    "country_code",
    "shop_country",
    "closed_days",
    "on_grid",
    "fill_future_factors",
    "choose_factors",
    "period_flags",
    "with_events",
    "with_lift",
    "round_step",
    "drivers",
    "ForecastError",
]

_ALPHAS = np.linspace(0.02, 0.98, 25)
_ORIGINS = 8  # rolling origins used to measure this series' own errors
HOLIDAY = "public_holiday"  # the name the holiday flag gets among the factors
_CLOSED = 0.05  # a season index below this (5% of an average period) marks a closed day or week
_INTERMITTENT = 0.3  # share of zero periods above which a series is treated as a slow mover


class ForecastError(SmbcoreError):
    """A history that cannot be forecast as given; the message says why and what to do."""


class ShortHistoryError(ForecastError, NotEnoughDataError):
    """Too few dated values to forecast or to check a forecast."""


def infer_freq(dates: pd.Series) -> str:
    """'D' for daily data, 'W-XXX' for weekly data (anchored on the weekday the dates fall on), 'MS' monthly."""
    unique = pd.DatetimeIndex(pd.Series(dates).dropna().unique()).sort_values()
    if len(unique) < 2:
        raise ShortHistoryError("A forecast needs at least two dates; this history has fewer.")
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
    """Lower/upper offsets per level and step. The rolling-origin errors of every step, each divided by the
    square root of its step, are pooled, and the band at step h is their `level` quantile (of absolute size)
    times sqrt(h): pooling steps and origins gives far more errors than one step's few origins, so the bands
    are steadier (on the benchmark cases their coverage came closer to the level asked for than per-step
    quantiles did; see benchmarks/results). With fewer than 6 errors, the one-step spread grown the same way."""
    errors = _step_errors(y, horizon, m, method)
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
        frame[HOLIDAY] = period_flags(dates, holidays, freq)
    return frame


def period_flags(dates: pd.DatetimeIndex, days, freq: str) -> np.ndarray:
    """1.0 for each period (dated by its start: a day, the week or the month starting that date) holding one of
    `days`, else 0.0."""
    days = pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in days))
    flag = np.zeros(len(dates))
    if len(days) == 0 or len(dates) == 0:
        return flag
    step = pd.Timedelta(days={"D": 1, "MS": 31}.get(freq, 7))
    row = dates.searchsorted(days, side="right") - 1
    inside = (row >= 0) & (days < dates[np.clip(row, 0, None)] + step)
    flag[row[inside]] = 1.0
    return flag


OWN_EVENTS = "your_events"  # the factor the owner's own events (promotions, closures, fairs) become


def with_events(
    external: pd.DataFrame | None,
    future_external: pd.DataFrame | None,
    past_dates: pd.DatetimeIndex,
    future_dates: pd.DatetimeIndex,
    events,
    freq: str,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Add the owner's own event dates as a 0/1 factor 'your_events' to the past and future factor tables.

    external / future_external: date (maybe series_id) plus factors, or None. Returns both tables with the
    new column; unchanged when no event falls inside the history, as there is then nothing to learn its
    effect from (see `with_lift` for a stated one)."""
    events = [pd.Timestamp(d) for d in events]
    past_flag = period_flags(past_dates, events, freq)
    if not past_flag.any():
        return external, future_external
    past = pd.DataFrame({"date": past_dates, OWN_EVENTS: past_flag})
    ahead = pd.DataFrame({"date": future_dates, OWN_EVENTS: period_flags(future_dates, events, freq)})
    external = past if external is None else external.merge(past, on="date", how="outer")
    future_external = ahead if future_external is None else future_external.merge(ahead, on="date", how="outer")
    return external, future_external


def with_lift(result: pd.DataFrame, dates, percent: float) -> pd.DataFrame:
    """The forecast with `percent` more (or less) in the periods dated `dates`: forecast and bands alike.

    result: a `forecast` output; returns the same columns."""
    rows = result["date"].isin(pd.DatetimeIndex(list(dates)))
    columns = [c for c in result.columns if c.startswith("yhat")]
    out = result.copy()
    out.loc[rows, columns] = out.loc[rows, columns] * max(1 + percent / 100, 0)
    return out


@dataclass
class _Prepared:
    """One series on a regular grid with its past factors (a DataFrame indexed like `y`, maybe no columns).

    Days on the series' closed weekdays are left out of `y` and `past` (they say nothing about the level or
    the season of open days); `m` is then the open days of a week, and `last` the history's real last date."""

    sid: str
    y: pd.Series
    past: pd.DataFrame
    closed: tuple[int, ...]
    last: pd.Timestamp
    m: int

    def open_dates(self, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
        return dates[~dates.day_of_week.isin(self.closed)] if self.closed else dates


def _closed_weekdays(y: pd.Series, freq: str) -> tuple[int, ...]:
    """The weekdays a daily series regularly has no sales on (see overview.closed_weekdays); () otherwise."""
    from smbcore.overview import closed_weekdays

    if freq != "D" or y.empty:
        return ()
    return tuple(closed_weekdays(y.index[y.to_numpy() != 0], y.index[0], y.index[-1]))


def _prepare(history: pd.DataFrame, freq: str, external, columns: list[str], days: set | None) -> list[_Prepared]:
    for column in ("series_id", "date", "y"):
        if column not in history:
            raise ForecastError(f"The history needs a '{column}' column (it has: {', '.join(history.columns)}).")
    history = history.dropna(subset=["date", "y"])
    if len(history) < 2:
        raise ShortHistoryError("A forecast needs at least two dated values; this history has fewer.")
    prepared = []
    for sid, y in _regular(history, freq).items():
        closed = _closed_weekdays(y, freq)
        keep = ~y.index.day_of_week.isin(closed) if closed else np.ones(len(y), dtype=bool)
        past = _factor_frame(y.index, sid, external, columns, days, freq)
        m = season_length(freq) - len(closed)
        prepared.append(_Prepared(sid, y[keep], past[keep], closed, y.index[-1], m))
    return prepared


def closed_days(history: pd.DataFrame, freq: str | None = None) -> dict[str, list[int]]:
    """Per series (series_id, date, y as for `forecast`), the weekdays (0 = Monday) it is closed on and forecast
    as zero; an empty list for series without closed days and for weekly or monthly histories."""
    freq = freq or infer_freq(history["date"])
    return {
        sid: list(_closed_weekdays(y, freq)) for sid, y in _regular(history.dropna(subset=["date", "y"]), freq).items()
    }


def on_grid(history: pd.DataFrame, freq: str | None = None) -> pd.DataFrame:
    """The history (series_id, date, y) with every period from each series' first to last date, missing
    periods as 0: what the forecast learns from, and what a chart should draw (no lines across gaps)."""
    freq = freq or infer_freq(history["date"])
    parts = [
        pd.DataFrame({"series_id": sid, "date": y.index, "y": y.to_numpy()})
        for sid, y in _regular(history.dropna(subset=["date", "y"]), freq).items()
    ]
    return pd.concat(parts, ignore_index=True) if parts else history[["series_id", "date", "y"]].iloc[:0]


def _factor_columns(external: pd.DataFrame | None) -> list[str]:
    return [c for c in (external.columns if external is not None else []) if c not in ("date", "series_id")]


def forecast(
    history: pd.DataFrame,
    horizon: int,
    freq: str | None = None,
    external: pd.DataFrame | None = None,
    future_external: pd.DataFrame | None = None,
    holidays=None,
    levels: tuple[int, ...] = (80, 95),
    factors: list[str] | None = None,
) -> pd.DataFrame:
    """Forecast every series `horizon` periods past its last date.

    history: series_id, date, y (one or many series; several rows on a date are added up).
    external / future_external: date (and series_id when per series) plus factor columns for the past and the
    forecast periods. A factor with no future values uses a stated fallback: its average for the same period of
    the season (e.g. weather) when a year of history exists, else its last value (e.g. prices).
    holidays: dates of holidays (any iterable of dates); they become a 0/1 factor named 'public_holiday'.
    factors: which factors to use (names from `external`, and 'public_holiday'); None keeps those that made
    this history's own past forecasts more accurate (see `choose_factors`).
    Returns columns: series_id, date, yhat, yhat_lo_<level>, yhat_hi_<level> for each level, and `fallback`
    (which factors used a fallback for that row, '' when none). Forecasts are never below zero.
    """
    if horizon < 1:
        raise ForecastError(f"The horizon must be at least 1 period, not {horizon}.")
    freq = freq or infer_freq(history["date"])
    columns = _factor_columns(external)
    days = {pd.Timestamp(d) for d in holidays} if holidays is not None else None
    prepared = _prepare(history, freq, external, columns, days)
    if factors is None:
        factors = _choose_factors(prepared, horizon)["kept"]
    rows = []
    for item in prepared:
        calendar = pd.date_range(item.last, periods=horizon + 1, freq=freq)[1:]
        row = _forecast_open_days(item, item.open_dates(calendar), future_external, factors, days, freq, levels)
        rows.append(_on_calendar(row, item.sid, calendar))
    return pd.concat(rows, ignore_index=True)


def _on_calendar(row: pd.DataFrame, sid: str, calendar: pd.DatetimeIndex) -> pd.DataFrame:
    """A series' forecast on its open days spread over every period of `calendar`: closed weekdays exactly
    zero, bands included."""
    full = row.set_index("date").reindex(calendar)
    numbers = [c for c in row.columns if c.startswith("yhat")]
    full[numbers] = full[numbers].astype(float).fillna(0.0)
    full["series_id"], full["fallback"] = sid, full["fallback"].fillna("")
    return full.rename_axis("date").reset_index()[row.columns]


def simple_rule(
    history: pd.DataFrame, horizon: int, freq: str | None = None, levels: tuple[int, ...] = (80, 95)
) -> pd.DataFrame:
    """The simple rule the accuracy check compares with, 'same as one season ago', as a forecast: each open
    period ahead repeats the same period of the last season (last week's same weekday for daily sales; closed
    weekdays zero). The bands are the rule's own past misses (each value against the one a season before) at
    the level asked, widened by the square root of the seasons ahead. For a shop whose forecast did worse than
    this rule in `backtest`. Inputs and columns as `forecast` returns ('fallback' always '')."""
    if horizon < 1:
        raise ForecastError(f"The horizon must be at least 1 period, not {horizon}.")
    freq = freq or infer_freq(history["date"])
    rows = []
    for item in _prepare(history, freq, None, [], None):
        calendar = pd.date_range(item.last, periods=horizon + 1, freq=freq)[1:]
        future = item.open_dates(calendar)
        values, m = item.y.to_numpy(), max(min(item.m, len(item.y)), 1)
        steps = np.arange(len(future))
        path = values[len(values) - m + steps % m]
        misses = np.abs(values[m:] - values[:-m])
        row = pd.DataFrame({"series_id": item.sid, "date": future, "yhat": np.clip(path, 0, None)})
        for level in levels:
            width = (np.quantile(misses, level / 100) if len(misses) else 0.0) * np.sqrt(1 + steps // m)
            row[f"yhat_lo_{level}"] = np.clip(path - width, 0, None)
            row[f"yhat_hi_{level}"] = np.clip(path + width, 0, None)
        row["fallback"] = ""
        rows.append(_on_calendar(row, item.sid, calendar))
    return pd.concat(rows, ignore_index=True)


def _forecast_open_days(
    item: _Prepared, future: pd.DatetimeIndex, future_external, factors: list[str], days, freq: str, levels
) -> pd.DataFrame:
    """The forecast of one prepared series on `future` (its open days ahead); columns as `forecast` returns."""
    m, horizon = item.m, len(future)
    columns = ["series_id", "date", "yhat"] + [f"yhat_{s}_{lv}" for lv in levels for s in ("lo", "hi")] + ["fallback"]
    if horizon == 0:
        return pd.DataFrame(columns=columns)
    values = item.y.to_numpy()
    used_fallback, effect_future, adjusted = [""] * horizon, np.zeros(horizon), values
    use = [c for c in factors if c in item.past]
    if use:
        past = item.past[use]
        known_future = [c for c in use if future_external is not None and c in future_external]
        ahead = _factor_frame(future, item.sid, future_external, known_future, days, freq)
        ahead, used_fallback = fill_future_factors(ahead, past, [c for c in use if c != HOLIDAY], m)
        fit = _FactorFit.fit(values, past)
        effect_future = fit.effect(ahead[use])
        adjusted = values - fit.effect(past)  # season and level are learned from what the factors leave over
    if len(values) >= 3:
        method = _choose(adjusted, horizon, m)
        path, fitted = _base_forecast(adjusted, horizon, m, method)
        widths = _interval_widths(adjusted, fitted, horizon, m, levels, method)
    else:
        path = np.full(horizon, values.mean())
        widths = {lv: (np.full(horizon, abs(values).mean()),) * 2 for lv in levels}
    open_ = path != 0  # exactly 0 only on a closed day or week of the season (or a product never sold)
    path = path + effect_future
    row = pd.DataFrame({"series_id": item.sid, "date": future, "yhat": np.clip(path, 0, None)})
    for level in levels:
        lo, hi = widths[level]
        row[f"yhat_lo_{level}"] = np.clip(path - lo, 0, None)
        row[f"yhat_hi_{level}"] = np.clip(path + hi * open_, 0, None)
    row["fallback"] = used_fallback
    return row[columns]


BETTER_BY = 0.01  # a factor is kept only when it cuts the past forecasts' error by at least 1%


def choose_factors(history: pd.DataFrame, horizon: int, freq: str | None = None, external=None, holidays=None) -> dict:
    """Which outside factors (and the holiday flag) made this history's own past forecasts more accurate.

    Forecasts the last `horizon` periods, and the `horizon` before those, from the history before them, with
    and without each
    factor (factors' values taken as known), adds factors one at a time while each cuts the error by 1% or more.
    Returns {"kept": [names], "error": {"none": e, name: e with that factor alone, ...}} where e is the mean
    scaled absolute error across series (lower is better)."""
    freq = freq or infer_freq(history["date"])
    days = {pd.Timestamp(d) for d in holidays} if holidays is not None else None
    prepared = _prepare(history, freq, external, _factor_columns(external), days)
    return _choose_factors(prepared, horizon)


def _choose_factors(prepared: list[_Prepared], horizon: int) -> dict:
    candidates = [c for c in prepared[0].past.columns] if prepared else []
    if not candidates:
        return {"kept": [], "error": {}}
    error = {"none": _inner_error(prepared, horizon, [])}
    if not np.isfinite(error["none"]):
        return {"kept": [], "error": error}  # too short to check: no factor can show it helps
    for name in candidates:
        error[name] = _inner_error(prepared, horizon, [name])
    kept, best = [], error["none"]
    for name in sorted(candidates, key=error.get):
        if error[name] >= best * (1 - BETTER_BY):
            continue
        trial = error[name] if not kept else _inner_error(prepared, horizon, [*kept, name])
        if trial < best * (1 - BETTER_BY):
            kept, best = [*kept, name], trial
    return {"kept": kept, "error": error}


def _inner_error(prepared: list[_Prepared], horizon: int, names: list[str]) -> float:
    """Mean scaled absolute error of point forecasts made `horizon` and 2 x `horizon` periods before the end."""
    scores = []
    for item in prepared:
        m = item.m
        values, x = item.y.to_numpy(), item.past[names].to_numpy(dtype=float)
        for origin in (len(values) - horizon, len(values) - 2 * horizon):
            if origin < max(m + 4, 8):
                continue
            fit_part, actual = values[:origin], values[origin : origin + horizon]
            lag = m if origin > m else 1
            scale = np.abs(fit_part[lag:] - fit_part[:-lag]).mean()
            if not scale:
                continue
            adjusted, effect = fit_part, np.zeros(len(actual))
            if names:
                fit = _FactorFit.fit_array(fit_part, x[:origin], names)
                adjusted = fit_part - fit.effect_array(x[:origin])
                effect = fit.effect_array(x[origin : origin + horizon])
            path, _ = _base_forecast(adjusted, len(actual), m)
            scores.append(np.abs(actual - np.clip(path + effect, 0, None)).mean() / scale)
    return float(np.mean(scores)) if scores else float("nan")


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


@dataclass
class _FactorFit:
    """Ridge regression of a series on its factors, with a time trend so that slow drifts such as prices are
    not credited with the shop's growth. `per_unit` is each factor's effect on y for +1 of the factor."""

    columns: list[str]  # the factors offered
    usable: np.ndarray  # which of them vary, and so get an effect
    mean: np.ndarray
    std: np.ndarray
    coef: np.ndarray

    @classmethod
    def fit(cls, y: np.ndarray, past: pd.DataFrame, ridge: float = 1.0) -> _FactorFit:
        return cls.fit_array(y, past.to_numpy(dtype=float), list(past.columns), ridge)

    @classmethod
    def fit_array(cls, y: np.ndarray, x: np.ndarray, columns: list[str], ridge: float = 1.0) -> _FactorFit:
        with warnings.catch_warnings(action="ignore"):  # an all-missing factor is simply not usable
            mean, std = np.nanmean(x, axis=0), np.nanstd(x, axis=0, ddof=1)
        usable = np.isfinite(mean) & (std > 0)
        mean, std = mean[usable], std[usable]
        if not usable.any():
            return cls(columns, usable, mean, std, np.zeros(0))
        xs = np.nan_to_num((x[:, usable] - mean) / std)  # a missing value counts as average
        design = np.hstack([xs, np.linspace(-1, 1, len(x))[:, None]])
        gram = design.T @ design + ridge * np.eye(design.shape[1])
        coef = np.linalg.solve(gram, design.T @ (y - y.mean()))[:-1]
        return cls(columns, usable, mean, std, coef)

    def effect(self, frame: pd.DataFrame) -> np.ndarray:
        """Effect of the factors in `frame` (the fitted columns, any rows) against their past average."""
        return self.effect_array(frame[self.columns].to_numpy(dtype=float))

    def effect_array(self, x: np.ndarray) -> np.ndarray:
        if not self.usable.any():
            return np.zeros(len(x))
        return np.nan_to_num((x[:, self.usable] - self.mean) / self.std) @ self.coef

    @property
    def per_unit(self) -> dict[str, float]:
        names = [name for name, ok in zip(self.columns, self.usable, strict=True) if ok]
        return {name: float(c / s) for name, c, s in zip(names, self.coef, self.std, strict=True)}


def backtest(
    history: pd.DataFrame,
    horizon: int,
    freq: str | None = None,
    external: pd.DataFrame | None = None,
    holidays=None,
    level: int = 80,
    factors: list[str] | None = None,
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
        raise ShortHistoryError(
            f"Every series is shorter than the horizon ({horizon} periods) plus 3: too little history to check the "
            "forecast against. Shorten the horizon or come back with more history."
        )
    train = pd.concat(parts, ignore_index=True)
    future_external = external
    predicted = forecast(
        train,
        horizon,
        freq,
        external=external,
        future_external=future_external,
        holidays=holidays,
        levels=(level,),
        factors=factors,
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


_PERIODS_PER_MONTH = {"D": 30.4, "MS": 1.0}  # weekly: 4.35
TREND_DAYS = 90  # under about 3 months of history no trend is stated (nor is one told apart from the season)


def drivers(
    history: pd.DataFrame,
    freq: str | None = None,
    external: pd.DataFrame | None = None,
    holidays=None,
    factors: list[str] | None = None,
) -> pd.DataFrame:
    """What drives each series' forecast, in the series' units and in words.

    Inputs as for `forecast` (factors: the ones in use, e.g. `choose_factors(...)["kept"]`; None for none).
    Returns one row per series and driver: series_id, driver ('trend', 'season', a factor name), effect (change
    in y per period: per month for the trend, peak above average for the season, per `step` of a factor),
    percent (the effect against the average period), step (the factor change the effect is for), words."""
    freq = freq or infer_freq(history["date"])
    days = {pd.Timestamp(d) for d in holidays} if holidays is not None else None
    factors = factors or []
    prepared = _prepare(history, freq, external, [c for c in _factor_columns(external) if c in factors], days)
    period = "day" if freq == "D" else "month" if freq == "MS" else "week"
    rows = []
    for item in prepared:
        values, m = item.y.to_numpy(), item.m
        average = float(values.mean()) or 1.0
        use = [c for c in factors if c in item.past]
        fit = _FactorFit.fit(values, item.past[use]) if use else None
        adjusted = values - fit.effect(item.past[use]) if fit else values
        model = _Theta.fit(adjusted, m)
        per_month = model.slope * _PERIODS_PER_MONTH.get(freq, 4.35) * m / season_length(freq)  # open periods
        pct = per_month / average * 100
        span = (item.last - item.y.index[0]).days + 1
        if span < TREND_DAYS:
            per_month, pct = 0.0, 0.0
            trend = (
                f"Too short to tell: {span} days of history, and whether sales grow or shrink needs about "
                "3 months to say."
            )
        elif abs(pct) < 0.5:
            trend = "Flat: under 0.5% a month either way over the history."
        else:
            trend = (
                f"{'Growing' if pct > 0 else 'Shrinking'} by about {abs(pct):.1f}% a month over the history; "
                "the forecast carries on half of that, to stay cautious."
            )
        rows.append(_driver(item.sid, "trend", per_month, pct, None, trend))
        rows.append(_season_driver(item, model, m, freq, average))
        for name, per_unit in (fit.per_unit if fit else {}).items():
            flag = {HOLIDAY: "A public holiday", OWN_EVENTS: "One of your events"}.get(name)
            step = 1.0 if flag else round_step(float(item.past[name].std()))
            effect = max(per_unit * step, -average)  # sales cannot fall below nothing
            pct = effect / average * 100
            sign = "adds" if effect >= 0 else "takes off"
            if flag and pct <= -90:
                words = f"{flag}: the shop is usually shut then (sales fall by about {abs(pct):.0f}%)."
            elif flag:
                words = f"{flag} {sign} about {abs(pct):.0f}% to that {period}'s sales."
            else:
                words = f"Each +{step:g} in {name} {sign} about {abs(pct):.1f}% to a {period}'s sales."
            rows.append(_driver(item.sid, name, effect, pct, step, words))
    return pd.DataFrame(rows, columns=["series_id", "driver", "effect", "percent", "step", "words"])


def _driver(sid: str, name: str, effect: float, percent: float, step, words: str) -> dict:
    return {"series_id": sid, "driver": name, "effect": effect, "percent": percent, "step": step, "words": words}


def _season_driver(item: _Prepared, model: _Theta, m: int, freq: str, average: float) -> dict:
    closed = ""
    if item.closed:
        from smbcore.overview import WEEKDAYS

        closed = f" Closed on {_day_list([WEEKDAYS[d] + 's' for d in item.closed])}: forecast as zero."
    if model.season is None:
        if item.closed:  # the closed days are the weekly pattern; only the open days show none among them
            from smbcore.overview import WEEKDAYS

            open_days = _day_list([WEEKDAYS[d] + "s" for d in range(7) if d not in item.closed])
            shut = (
                f"Open on {open_days} only; the other days are closed and forecast as zero."
                if len(item.closed) > 3
                else closed.strip()
            )
            words = f"{shut} Among the open days, no difference strong enough to use."
            return _driver(item.sid, "season", 0.0, 0.0, None, words)
        cycle = "week" if freq == "D" else "year"
        words = f"No regular pattern over the {cycle} strong enough to use."
        return _driver(item.sid, "season", 0.0, 0.0, None, words)
    kind, pattern = model.season
    lift = (pattern - 1) * 100 if kind == "mul" else pattern / average * 100
    dates = item.y.index[:m]  # position p of the pattern falls on dates[p]

    def name(p: int) -> str:
        if freq == "D":
            return dates[p].day_name() + "s"
        return dates[p].strftime("%B") if freq == "MS" else "the week of " + dates[p].strftime("%d %B").lstrip("0")

    top, low = int(np.argmax(lift)), int(np.argmin(lift))
    quietest = "closed or nearly" if lift[low] <= -90 else f"about {abs(lift[low]):.0f}% below"
    words = f"Busiest: {name(top)}, about {lift[top]:.0f}% above average; quietest: {name(low)}, {quietest}." + closed
    return _driver(item.sid, "season", float(lift[top] / 100 * average), float(lift[top]), None, words)


def _day_list(names: list[str]) -> str:
    """'Mondays', 'Mondays and Fridays', 'Mondays, Tuesdays and Fridays'."""
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def round_step(spread: float) -> float:
    """A round factor change near one standard deviation (1, 2, 5, 10, 20, ...), so the words read naturally."""
    if not np.isfinite(spread) or spread <= 0:
        return 1.0
    magnitude = 10 ** np.floor(np.log10(spread))
    return float(min((1, 2, 5, 10), key=lambda f: abs(np.log(f * magnitude / spread))) * magnitude)


def series_from_transactions(
    transactions: pd.DataFrame,
    measure: str = "revenue",
    by: str | None = None,
    freq: str = "D",
    top: int = 10,
    include_one_offs: bool = False,
) -> pd.DataFrame:
    """Sales per period from order lines, ready for `forecast`.

    measure: 'revenue' (net of returns), 'orders' (orders with a sale) or 'units' (net units). by: None for
    the whole shop, 'store_id', 'country' or 'product_id' (the `top` series by revenue; products also leave
    out postage and fees). One-off bulk orders and refunds of that size (`overview.one_off_orders`) are left out
    unless include_one_offs, so a single huge order does not drive the level and season (of the forecast, the
    stock plan and the rota); the history still runs over the same days. Returns columns: series_id, date, y.
    """
    from smbcore.overview import non_product_lines, one_off_orders

    tx = transactions
    if not include_one_offs:
        tx = tx[~tx["order_id"].isin(one_off_orders(tx)[0]["order_id"])]
    if by == "product_id":
        tx = tx[~non_product_lines(tx)]
    key = tx[by].astype("string").fillna("Unknown") if by else pd.Series("All sales", index=tx.index)
    if by:
        keep = tx.groupby(key)["revenue"].sum().nlargest(top).index
        tx, key = tx[key.isin(keep)], key[key.isin(keep)]
    period = tx["timestamp"].dt.to_period(freq).dt.start_time
    if measure == "orders":
        sales = ~tx["is_return"]
        y = tx[sales].groupby([key[sales], period[sales]])["order_id"].nunique()
    else:
        y = tx.groupby([key, period])["revenue" if measure == "revenue" else "quantity"].sum()
    out = y.rename("y").reset_index()
    out.columns = ["series_id", "date", "y"]
    # Every series runs to the shop's last period: a product not sold lately has zeros up to today, so its
    # forecast starts when everyone else's does.
    last = transactions["timestamp"].dt.to_period(freq).dt.start_time.max()
    ended = out.groupby("series_id")["date"].max()
    ended = ended[ended < last]
    if len(ended):
        out = pd.concat([out, pd.DataFrame({"series_id": ended.index, "date": last, "y": 0.0})], ignore_index=True)
    return out


def holiday_dates(country: str, years: range) -> list[pd.Timestamp]:
    """Public holidays of a country (ISO code such as 'GB', 'US', 'DE'; or a name such as 'United Kingdom') from
    the offline `holidays` package; an empty list when the country is not known to it."""
    import holidays as holiday_calendars

    code = _COUNTRY_NAMES.get(country.strip().lower(), country.strip().upper())
    try:
        calendar = holiday_calendars.country_holidays(code, years=list(years))
    except NotImplementedError:
        return []
    return sorted(pd.Timestamp(day) for day in calendar)


_COUNTRY_NAMES = {
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "eire": "IE",
    "ireland": "IE",
    "usa": "US",
    "united states": "US",
    "united states of america": "US",
    "germany": "DE",
    "deutschland": "DE",
    "austria": "AT",
    "österreich": "AT",
    "france": "FR",
    "spain": "ES",
    "españa": "ES",
    "netherlands": "NL",
    "nederland": "NL",
    "the netherlands": "NL",
    "portugal": "PT",
    "australia": "AU",
    "belgium": "BE",
    "belgië": "BE",
    "belgique": "BE",
    "switzerland": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "italy": "IT",
    "italia": "IT",
    "canada": "CA",
    "denmark": "DK",
    "sweden": "SE",
    "norway": "NO",
    "finland": "FI",
    "poland": "PL",
    "japan": "JP",
    "new zealand": "NZ",
    "luxembourg": "LU",
}
# Currencies that belong to one country. The euro, the dollar sign alone and other shared currencies say
# nothing about the country: the owner is asked.
_CURRENCY_COUNTRY = {
    "GBP": "GB",
    "£": "GB",
    "USD": "US",
    "US$": "US",
    "CHF": "CH",
    "CAD": "CA",
    "AUD": "AU",
    "NZD": "NZ",
    "SEK": "SE",
    "NOK": "NO",
    "DKK": "DK",
    "PLN": "PL",
    "CZK": "CZ",
    "HUF": "HU",
    "JPY": "JP",
    "INR": "IN",
    "ZAR": "ZA",
}


def country_code(country: str | None) -> str | None:
    """The ISO code of a country given by code ('GB', 'de') or name ('United Kingdom', 'Deutschland') when the
    offline `holidays` package has its calendar; None otherwise."""
    import holidays as holiday_calendars

    if country is None or pd.isna(country) or not str(country).strip():
        return None
    text = str(country).strip()
    code = _COUNTRY_NAMES.get(text.lower(), text.upper())
    return code if code in holiday_calendars.list_supported_countries() else None


def country_name(code: str | None) -> str:
    """A country code in words for the page ('GB' -> 'United Kingdom'); the code itself when no name is known."""
    wanted = str(code or "").upper()
    name = next((name for name, c in _COUNTRY_NAMES.items() if c == wanted and len(name) > 3), None)
    return name.title() if name else wanted


def shop_country(transactions: pd.DataFrame | None, settings=None) -> str | None:
    """Which country's public holidays apply to the shop, the one rule every page uses; None when nothing
    says (the page then asks the owner).

    In order: the owner's answer (settings['country'], kept in the workspace settings), the most common value of
    the orders' `country` column, the currency (the orders' `currency` column, else settings['currency']) when it
    belongs to one country (GBP -> GB, USD -> US, CHF -> CH; not the euro). settings: any mapping of the
    workspace settings (missing keys are fine)."""
    settings = settings or {}
    answer = country_code(settings.get("country"))
    if answer:
        return answer
    tx = transactions if transactions is not None else pd.DataFrame()
    if "country" in tx and tx["country"].notna().any():
        found = country_code(tx["country"].mode().iat[0])
        if found:
            return found
    money = tx["currency"].dropna() if "currency" in tx else pd.Series(dtype=object)
    symbol = money.mode().iat[0] if len(money) else settings.get("currency")
    return _CURRENCY_COUNTRY.get(str(symbol).strip().upper()) if symbol is not None else None


def holiday_calendar(country: str | None, start, end) -> list[pd.Timestamp]:
    """The public holidays of `country` (code or name, see `country_code`) from `start` to `end` inclusive;
    an empty list for no country or one without a known calendar."""
    code = country_code(country)
    if code is None:
        return []
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return [day for day in holiday_dates(code, range(start.year, end.year + 1)) if start <= day <= end]
