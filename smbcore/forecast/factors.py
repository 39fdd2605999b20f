"""Outside factors and the owner's events: which ones help this shop's forecasts (and why the others do not),
their fitted effects, and their future values when none are given (what-if changes included)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from smbcore.forecast.calendar import HOLIDAY, period_flags
from smbcore.forecast.losses import mase
from smbcore.forecast.models import base_forecast
from smbcore.forecast.series import Prepared, factor_columns, prepare, season_length

__all__ = [
    "OWN_EVENTS",
    "BETTER_BY",
    "Reason",
    "FactorFit",
    "with_events",
    "with_lift",
    "choose_factors",
    "choose_among",
    "fill_future_factors",
    "round_step",
    "changeable",
    "factor_steps",
    "future_values",
    "future_after_what_if",
]

OWN_EVENTS = "your_events"  # the factor the owner's own events (promotions, closures, fairs) become
BETTER_BY = 0.01  # a factor is kept only when it cuts the past forecasts' error by at least 1%
# Why a factor is used or left out: it made past forecasts better ('helps'), it did not even alone ('no_help'),
# it helped alone but added nothing once the kept ones were in ('overlap'), or the history is too short to check.
Reason = Literal["helps", "no_help", "overlap", "unchecked"]


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


def choose_factors(history: pd.DataFrame, horizon: int, freq: str | None = None, external=None, holidays=None) -> dict:
    """Which outside factors (and the holiday flag) made this history's own past forecasts more accurate.

    Forecasts the last `horizon` periods, and the `horizon` before those, from the history before them, with
    and without each
    factor (factors' values taken as known), adds factors one at a time while each cuts the error by 1% or more.
    Returns {"kept": [names], "error": {"none": e, name: e with that factor alone, ...}, "reason": {name: why}}
    where e is the mean scaled absolute error across series (`mase`, lower is better) and why is a `Reason`
    ('helps', 'no_help', 'overlap' or 'unchecked'; see `explain.factor_choice_words` for them in words)."""
    days = {pd.Timestamp(d) for d in holidays} if holidays is not None else None
    prepared = prepare(history, freq, external, factor_columns(external), days)  # freq None: each series' own
    return choose_among(prepared, horizon)


def choose_among(prepared: list[Prepared], horizon: int) -> dict:
    """`choose_factors` on prepared series: every factor among their past columns is a candidate."""
    candidates = [c for c in prepared[0].past.columns] if prepared else []
    if not candidates:
        return {"kept": [], "error": {}, "reason": {}}
    error = {"none": _inner_error(prepared, horizon, [])}
    if not np.isfinite(error["none"]):  # too short to check: no factor can show it helps
        return {"kept": [], "error": error, "reason": dict.fromkeys(candidates, "unchecked")}
    for name in candidates:
        error[name] = _inner_error(prepared, horizon, [name])
    kept, best = [], error["none"]
    for name in sorted(candidates, key=error.get):
        if error[name] >= best * (1 - BETTER_BY):
            continue
        trial = error[name] if not kept else _inner_error(prepared, horizon, [*kept, name])
        if trial < best * (1 - BETTER_BY):
            kept, best = [*kept, name], trial
    reason = {
        name: "helps" if name in kept else "no_help" if error[name] >= error["none"] * (1 - BETTER_BY) else "overlap"
        for name in candidates
    }
    return {"kept": kept, "error": error, "reason": reason}


def _inner_error(prepared: list[Prepared], horizon: int, names: list[str]) -> float:
    """Mean scaled absolute error (`mase`) of point forecasts made `horizon` and 2 x `horizon` periods before
    the end."""
    scores = []
    for item in prepared:
        m = item.m
        values, x = item.y.to_numpy(), item.past[names].to_numpy(dtype=float)
        for origin in (len(values) - horizon, len(values) - 2 * horizon):
            if origin < max(m + 4, 8):
                continue
            fit_part, actual = values[:origin], values[origin : origin + horizon]
            adjusted, effect = fit_part, np.zeros(len(actual))
            if names:
                fit = FactorFit.fit_array(fit_part, x[:origin], names)
                adjusted = fit_part - fit.effect_array(x[:origin])
                effect = fit.effect_array(x[origin : origin + horizon])
            path, _ = base_forecast(adjusted, len(actual), m)
            score = mase(actual, np.clip(path + effect, 0, None), fit_part, m)
            if np.isfinite(score):
                scores.append(score)
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
class FactorFit:
    """Ridge regression of a series on its factors, with a time trend so that slow drifts such as prices are
    not credited with the shop's growth. `per_unit` is each factor's effect on y for +1 of the factor."""

    columns: list[str]  # the factors offered
    usable: np.ndarray  # which of them vary, and so get an effect
    mean: np.ndarray
    std: np.ndarray
    coef: np.ndarray

    @classmethod
    def fit(cls, y: np.ndarray, past: pd.DataFrame, ridge: float = 1.0) -> FactorFit:
        return cls.fit_array(y, past.to_numpy(dtype=float), list(past.columns), ridge)

    @classmethod
    def fit_array(cls, y: np.ndarray, x: np.ndarray, columns: list[str], ridge: float = 1.0) -> FactorFit:
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


def round_step(spread: float) -> float:
    """A round factor change near one standard deviation (1, 2, 5, 10, 20, ...), so the words read naturally."""
    if not np.isfinite(spread) or spread <= 0:
        return 1.0
    magnitude = 10 ** np.floor(np.log10(spread))
    return float(min((1, 2, 5, 10), key=lambda f: abs(np.log(f * magnitude / spread))) * magnitude)


def changeable(factors: list[str]) -> list[str]:
    """The outside factors among `factors` (not the holiday or the owner's events flags): those a what-if can
    change and the simple rule cannot use."""
    return [name for name in factors if name not in (HOLIDAY, OWN_EVENTS)]


def factor_steps(external: pd.DataFrame, factors: list[str]) -> dict[str, float]:
    """A round change per factor (about one standard deviation of its daily average over stores), for what-if
    sliders and for the drivers' words. external: date (maybe series_id) plus the factor columns."""
    past = external.groupby("date")[factors].mean()
    return {name: round_step(float(past[name].std())) for name in factors}


def future_values(
    external: pd.DataFrame, factors: list[str], future_dates: pd.DatetimeIndex, freq: str
) -> pd.DataFrame:
    """The values the forecast assumes for `factors` on `future_dates` when the owner gives none (see
    `fill_future_factors`): the start of a what-if. Returns columns: date, one per factor."""
    past = external.groupby("date")[factors].mean()
    filled = pd.DataFrame(index=future_dates, columns=factors, dtype=float)
    filled, _ = fill_future_factors(filled, past, factors, season_length(freq))
    return filled.rename_axis("date").reset_index()


def future_after_what_if(
    assumed: pd.DataFrame, changed: pd.DataFrame, event_future: pd.DataFrame | None
) -> pd.DataFrame | None:
    """The future factor values to forecast with after a what-if: the owner's `changed` values (date plus
    factors, with the owner's events' future flags when there are some) when they differ from the `assumed` ones
    (`future_values`), else only the events' (None without events), so the forecast says which factors it filled."""
    if changed.equals(assumed):
        return event_future
    return changed if event_future is None else changed.merge(event_future, on="date", how="outer")
