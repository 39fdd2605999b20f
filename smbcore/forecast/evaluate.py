"""How accurate the forecast has been on the shop's own history: the last periods held out and forecast from
the rest, scored per series and, for the bands, per stretch of the horizon (days 1-3 ahead, 4-7, ...)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.forecast.losses import mase
from smbcore.forecast.predict import forecast
from smbcore.forecast.series import ShortHistoryError, regular, season_length

__all__ = ["backtest", "simple_rule_is_better", "horizon_buckets", "coverage_by_horizon"]

# Where the horizon is cut into stretches for coverage (last period of each): days, weeks, months ahead.
_BUCKET_ENDS = {
    "h": (6, 24, 72, 168, 336),
    "D": (3, 7, 14, 28, 56, 91, 182, 365),
    "W": (4, 13, 26, 52),
    "MS": (3, 6, 12, 24),
}
_UNITS = {"h": ("hour", "hours"), "D": ("day", "days"), "W": ("week", "weeks"), "MS": ("month", "months")}


def _kind(freq: str) -> str:
    return "W" if freq.startswith("W") else freq if freq in ("MS", "h") else "D"


def horizon_buckets(freq: str, horizon: int) -> list[tuple[int, int]]:
    """The stretches of a horizon that coverage is reported on, as (first, last) periods ahead: days 1-3, 4-7,
    8-14, 15-28 (then 29-56, ...); weeks 1-4, 5-13 (then 14-26, ...); months 1-3, 4-6, 7-12. The last stretch
    ends at `horizon`."""
    ends = [e for e in _BUCKET_ENDS[_kind(freq)] if e < horizon] + [horizon]
    return [(first, last) for first, last in zip([1] + [e + 1 for e in ends[:-1]], ends, strict=True)]


def coverage_by_horizon(rows: pd.DataFrame, freq: str, levels=(80, 95)) -> pd.DataFrame:
    """Coverage of the bands per stretch of the horizon (see `horizon_buckets`).

    rows: step (1 = first period ahead), y (actual), yhat_lo_<level> and yhat_hi_<level> for each level; closed
    periods (forecast and band all 0) are left out. Returns one row per stretch: first, last (periods ahead),
    label ('Days 1-3'), points (actual values), and per level inside_<level> (how many were inside the band)
    and coverage_<level> (their share)."""
    singular, plural = _UNITS[_kind(freq)]
    horizon = int(rows["step"].max()) if len(rows) else 1
    shut = (rows["yhat"] == 0) & np.logical_and.reduce([rows[f"yhat_hi_{lv}"] == 0 for lv in levels])
    rows = rows[~shut]
    out = []
    for first, last in horizon_buckets(freq, horizon):
        part = rows[rows["step"].between(first, last)]
        label = f"{plural.capitalize()} {first}-{last}" if last > first else f"{singular.capitalize()} {first}"
        row = {"first": first, "last": last, "label": label, "points": len(part)}
        for level in levels:
            inside = (part["y"] >= part[f"yhat_lo_{level}"]) & (part["y"] <= part[f"yhat_hi_{level}"])
            row[f"inside_{level}"] = int(inside.sum())
            row[f"coverage_{level}"] = float(inside.mean()) if len(part) else float("nan")
        out.append(row)
    return pd.DataFrame(out)


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
    points. Its `attrs['by_horizon']` holds, as a list of records (rows of `coverage_by_horizon`), the coverage of the `level` and 95% bands per stretch of the
    horizon over all series (see `coverage_by_horizon`): a band can be right on average and wrong early or late.
    """
    series = regular(history, freq)  # each series on its own calendar, or `freq` when given
    m = {sid: season_length(y.index.freqstr, len(y) - horizon) for sid, y in series.items()}
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
    levels = tuple(sorted({level, 95}))
    predicted = forecast(
        train, horizon, freq, external=external, future_external=external, holidays=holidays, levels=levels,
        factors=factors,
    )  # fmt: skip
    rows, held = [], []
    for sid, part in predicted.groupby("series_id"):
        y = series[sid].to_numpy()
        fit, test = y[:-horizon], y[-horizon:]
        held.append(part.assign(y=test, step=np.arange(1, horizon + 1)))
        inside = (test >= part[f"yhat_lo_{level}"].to_numpy()) & (test <= part[f"yhat_hi_{level}"].to_numpy())
        rows.append(
            {
                "series_id": sid,
                "mase": mase(test, part["yhat"], fit, m[sid]),
                f"coverage_{level}": inside.mean(),
                "points": len(y),
            }
        )
    check = pd.DataFrame(rows)
    # Stretches in the periods most series have (each series keeps its own calendar when freq is None).
    common = freq or pd.Series([y.index.freqstr for y in series.values()]).mode().iloc[0]
    # Kept as records: pandas compares attrs when frames are merged, and a DataFrame there cannot be compared.
    check.attrs["by_horizon"] = coverage_by_horizon(pd.concat(held, ignore_index=True), common, levels).to_dict(
        "records"
    )
    return check


def simple_rule_is_better(check: pd.DataFrame) -> bool:
    """True when, in a `backtest`, the forecast missed more than 'same as one season ago' (mean MASE above 1):
    the shop is then better served by `simple_rule`'s forecast."""
    miss = check["mase"].mean()
    return bool(pd.notna(miss) and miss > 1)
