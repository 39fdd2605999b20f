"""Forecast intervals as wide as the series' own past errors: conformal bands per step ahead from rolling
origins, and the spread of demand summed over the first days (for safety stock) from the same origins.

Rolling origins: the series is cut at up to `_ORIGINS` points near its end, each cut is forecast `horizon`
steps ahead by the same method, and the misses (actual - forecast) are kept per step ahead. The band at step h
is the split-conformal quantile of the absolute misses at step h (Vovk et al. 2005; the rule statsforecast and
mlforecast's ConformalIntervals use), with the finite-sample correction: the ceil((n + 1) x level)-th smallest
of n misses. Few origins give few misses per step, so neighbouring steps are pooled until each step has about
`_SAMPLES` (see benchmarks/calibration.py for the coverage per horizon this gives).

Normalised scores (locally weighted conformal, Papadopoulos et al. 2008; Lei et al. 2018): each origin's misses
are divided by how much the series moved period to period over the weeks up to the end of that origin's
forecast (`scale` of the series cut `horizon` periods after the origin: the spell the misses were made in) and
multiplied by how much it moves now. Misses made over last Christmas's swings then do not widen a calm
spring's band, and a quieter or busier spell than the one the misses come from gets narrower or wider bands.
Measuring the scale before each origin instead (the usual choice) made the bands far too wide after a calm
spell turned volatile and far too narrow after the reverse (0.6 at 80%) on seeded series
(tests/test_calibration.py), and the misses already come from after the origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from smbcore.forecast.models import candidate, choose_method, seasonal_naive_level

__all__ = ["origins", "scale", "step_errors", "interval_widths", "cumulative_spread", "spread_of_totals"]

_ORIGINS = 16  # rolling origins at most (each is one more fit of the series' model)
_YEARLY_ORIGINS = 14  # at most for seasons longer than 12 (weekly data: each cut is one more fit)
_SAMPLES = 40  # misses wanted behind each step's band: neighbouring steps are pooled up to this many
_WINDOW = 4  # seasons of one-period changes behind `scale` (seasons up to 24 periods)
_TOTALS = 182  # periods whose own k-period totals set the least spread of a k-period total


def origins(n: int, horizon: int, m: int) -> list[int]:
    """Where the series (n periods) is cut to measure its own errors: the latest `_ORIGINS` cuts
    (`_YEARLY_ORIGINS` for seasons longer than 12), one period apart, from `horizon` periods before the end
    back, each leaving at least two seasons to learn from (for a season longer than 12 periods, one season and
    a sixth: enough for last year's same weeks, see models.seasonal_naive_level; cuts that must leave two years
    all fall in the third year, where the models miss more than with all the history) when the series has them
    (else 8 periods; when no cut can, the latest two that leave 4). Consecutive cuts: on the validation origins
    of benchmarks/calibration.py, cuts spread a week apart over older history gave 95% bands that covered
    97-99% at long horizons (older errors from other times of the year)."""
    last = n - horizon
    need, most = (m + m // 6, _YEARLY_ORIGINS) if m > 12 else (2 * m, _ORIGINS)
    lowest = max(need, 8) if n >= need else 8
    if last < lowest:
        return [o for o in (last, last - 1) if o >= 4]
    return list(range(last, max(lowest, last - most + 1) - 1, -1))


def scale(y: np.ndarray, m: int) -> float:
    """How much the series moves from one period to the next lately: the mean absolute one-period change over
    its last `_WINDOW` seasons (a quarter of a season when the season is longer than 24 periods: 13 weeks of
    weekly data). 0 for a flat series."""
    window = _WINDOW * m if m <= 24 else m // 4
    recent = y[-(window + 1) :]
    return float(np.mean(np.abs(np.diff(recent)))) if len(recent) > 1 else 0.0


def step_errors(y: np.ndarray, horizon: int, m: int, method: str) -> np.ndarray:
    """Errors (actual - forecast) at each step ahead from rolling origins at the end of the series (see
    `origins`), each origin's put on today's scale (see the module doc; as they are when a scale is 0): an
    array origins x horizon (one row of NaN when the series is too short for any)."""
    cuts = origins(len(y), horizon, m)
    errors = np.full((max(len(cuts), 1), horizon), np.nan)
    needs_season = method in ("seasonal", "average")
    for row, origin in enumerate(cuts):
        usable = "theta" if needs_season and seasonal_naive_level(y[:origin], horizon, m) is None else method
        path, _ = candidate(y[:origin], horizon, m, usable)
        actual = y[origin : origin + horizon]
        errors[row, : len(actual)] = actual - path[: len(actual)]
    if cuts:
        then, now = np.array([scale(y[: origin + horizon], m) for origin in cuts]), scale(y, m)
        if then.min() > 0 and now > 0:
            errors = errors * (now / then)[:, None]
    return errors


def _conformal(misses: np.ndarray, level: float) -> np.ndarray:
    """Per step (columns of `misses`, absolute errors origins x steps, NaN allowed): the conformal quantile at
    `level` (0-1) of the misses at that step and its neighbours, pooled until there are about `_SAMPLES`."""
    per_step = max(int(np.isfinite(misses).sum(axis=0).min()), 1)
    half = int(np.ceil((_SAMPLES / per_step - 1) / 2))
    steps = misses.shape[1]
    out = np.empty(steps)
    for h in range(steps):
        pooled = misses[:, max(h - half, 0) : h + half + 1]
        pooled = np.sort(pooled[np.isfinite(pooled)])
        rank = int(np.ceil((len(pooled) + 1) * level))
        out[h] = pooled[min(rank, len(pooled)) - 1]
    return out


def interval_widths(y: np.ndarray, fitted: np.ndarray, horizon: int, m: int, levels, method: str) -> dict[int, tuple]:
    """Lower/upper offsets per level (percent) and step: the conformal quantile of the rolling-origin misses at
    each step (see the module doc). With fewer than 6 misses, the one-step spread of the in-sample fit grown
    by the square root of the step."""
    misses = np.abs(step_errors(y, horizon, m, method))
    steps = np.arange(1, horizon + 1)
    one_step = _one_step_spread(y, fitted)
    out = {}
    for level in levels:
        if np.isfinite(misses).sum() >= 6:
            width = _conformal(misses, level / 100)
        else:
            width = norm.ppf(0.5 + level / 200) * one_step * np.sqrt(steps)
        out[level] = (width, width)
    return out


def _one_step_spread(y: np.ndarray, fitted: np.ndarray) -> float:
    """Standard deviation of the in-sample one-step misses (y against its one-step fits; 0 with under 3 values)."""
    residuals = (y[1:] - fitted[1:])[np.isfinite(fitted[1:])] if len(y) > 2 else np.zeros(0)
    return float(np.std(residuals)) if len(residuals) else 0.0


def spread_of_totals(y: np.ndarray, horizon: int, m: int, method: str | None = None) -> np.ndarray:
    """How far the forecast total of the first k steps missed the real total, for k = 1..horizon: the root
    mean square over rolling origins of the summed errors (actual - forecast) over steps 1..k, made
    non-decreasing in k. Days' misses are not independent (a level set too low misses every day), so this is
    what a safety stock over k days must cover. Where the series' own k-period totals over its last `_TOTALS`
    periods swung more (trend and season taken out, see `_spread_of_sums`), the spread moves halfway to that:
    the rolling origins (one period apart, so their totals overlap) can all miss the rare big order that half a
    year shows. With no rolling origin, the one-step spread x sqrt(k)."""
    method = method or choose_method(y, horizon, m)
    errors = step_errors(y, horizon, m, method)
    totals = np.cumsum(errors, axis=1)
    known = np.isfinite(totals).sum(axis=0)
    if known.min() < 3:
        return _one_step_spread(y, candidate(y, 1, m, method)[1]) * np.sqrt(np.arange(1, horizon + 1))
    missed = np.sqrt(np.nanmean(totals**2, axis=0))
    # Half a year of the series' own swings is the longer record: where its totals swung more than the recent
    # misses showed, the spread moves halfway to it (the larger of two noisy estimates of one spread would lean
    # high: +13% on steady noise).
    spread = np.maximum(missed, (missed + _spread_of_sums(y[-_TOTALS:], horizon, m)) / 2)
    return np.maximum.accumulate(spread)


def _spread_of_sums(y: np.ndarray, horizon: int, m: int) -> np.ndarray:
    """How much the totals of k consecutive values of y swing, for k = 1..horizon, with trend and season taken
    out: each k-period total against the one a whole number of seasons earlier (the first season count that does
    not overlap it, so the same weekdays are compared and a steady growth mostly cancels), the spread of those
    differences over sqrt(2) (two independent totals). 0 where y is too short for a k."""
    out = np.zeros(horizon)
    sums = np.concatenate([[0.0], np.cumsum(y)])
    totals = {k: sums[k:] - sums[:-k] for k in range(1, horizon + 1) if k < len(y)}
    for k, total in totals.items():
        lag = max(m, 1) * int(np.ceil(k / max(m, 1)))
        if len(total) > lag + 2:
            out[k - 1] = np.std(total[lag:] - total[:-lag]) / np.sqrt(2)
    return out


def cumulative_spread(history: pd.DataFrame, horizon: int, freq: str | None = None) -> pd.DataFrame:
    """Per series, the spread of its total demand from the first forecast period up to each period ahead, as
    its own forecasts missed such totals (see `spread_of_totals`; the forecast's method, no outside factors).

    history: series_id, date, y (as for `forecast`). Returns series_id, date (each of the `horizon` periods
    after the series' last date), sd (spread of the total up to and including that date, in y's units);
    closed days add nothing to the total."""
    from smbcore.forecast.series import prepare

    rows = []
    for item in prepare(history, freq, None, [], None):  # each series on its own calendar unless freq is given
        calendar = pd.date_range(item.last, periods=horizon + 1, freq=item.freq)[1:]
        opened = np.cumsum(calendar.isin(item.open_dates(calendar)))  # open periods up to each date
        values = item.y.to_numpy()
        if opened[-1] == 0:
            spread = np.zeros(horizon)
        elif len(values) < 3:
            # Too new to have missed anything yet: a day's spread taken as large as a day's sales (the bands'
            # rule for such series), days added as independent.
            spread = float(np.abs(values).mean()) * np.sqrt(opened)
        else:
            by_step = spread_of_totals(values, int(opened[-1]), item.m)
            spread = np.where(opened > 0, by_step[np.maximum(opened, 1) - 1], 0.0)
        rows.append(pd.DataFrame({"series_id": item.sid, "date": calendar, "sd": spread}))
    return pd.concat(rows, ignore_index=True)
