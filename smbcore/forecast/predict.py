"""The forecast of every series: the base model on the open days, the factors' effects on top, bands from the
series' own past errors, closed days zero; and the simple rule 'same as one season ago' in the same shape."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.forecast.calendar import HOLIDAY
from smbcore.forecast.factors import FactorFit, choose_among, fill_future_factors
from smbcore.forecast.intervals import interval_widths
from smbcore.forecast.models import base_forecast, choose_method
from smbcore.forecast.series import ForecastError, Prepared, factor_columns, factor_frame, prepare

__all__ = ["forecast", "simple_rule"]


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
    """Forecast every series `horizon` periods past its last date, on the series' own calendar.

    history: series_id, date, y (one or many series; several rows on a date are added up).
    freq: None to infer each series' calendar from its own dates (hours 'h', days 'D', weeks on the series'
    weekday 'W-WED', months by their first day 'MS'; see `series_freqs`), or one for all series: a series whose
    dates do not sit on it (weeks on another weekday) raises ForecastError naming it. Hourly series get the hour
    of the week as their season (the hour of the day under two weeks of history), and their closed hours of the
    day forecast as zero, like closed weekdays; the horizon is then in hours.
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
    columns = factor_columns(external)
    days = {pd.Timestamp(d) for d in holidays} if holidays is not None else None
    prepared = prepare(history, freq, external, columns, days)
    if factors is None:
        factors = choose_among(prepared, horizon)["kept"]
    rows = []
    for item in prepared:
        calendar = pd.date_range(item.last, periods=horizon + 1, freq=item.freq)[1:]
        row = _forecast_open_days(item, item.open_dates(calendar), future_external, factors, days, levels)
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
    rows = []
    for item in prepare(history, freq, None, [], None):
        calendar = pd.date_range(item.last, periods=horizon + 1, freq=item.freq)[1:]
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
    item: Prepared, future: pd.DatetimeIndex, future_external, factors: list[str], days, levels
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
        ahead = factor_frame(future, item.sid, future_external, known_future, days, item.freq)
        ahead, used_fallback = fill_future_factors(ahead, past, [c for c in use if c != HOLIDAY], m)
        fit = FactorFit.fit(values, past)
        effect_future = fit.effect(ahead[use])
        adjusted = values - fit.effect(past)  # season and level are learned from what the factors leave over
    if len(values) >= 3:
        method = choose_method(adjusted, horizon, m)
        path, fitted = base_forecast(adjusted, horizon, m, method)
        widths = interval_widths(adjusted, fitted, horizon, m, levels, method)
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
