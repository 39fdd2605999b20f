"""How accurate the forecast has been on the shop's own history: the last periods held out and forecast from
the rest."""

from __future__ import annotations

import pandas as pd

from smbcore.forecast.losses import mase
from smbcore.forecast.predict import forecast
from smbcore.forecast.series import ShortHistoryError, regular, season_length

__all__ = ["backtest", "simple_rule_is_better"]


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
        inside = (test >= part[f"yhat_lo_{level}"].to_numpy()) & (test <= part[f"yhat_hi_{level}"].to_numpy())
        rows.append(
            {
                "series_id": sid,
                "mase": mase(test, part["yhat"], fit, m[sid]),
                f"coverage_{level}": inside.mean(),
                "points": len(y),
            }
        )
    return pd.DataFrame(rows)


def simple_rule_is_better(check: pd.DataFrame) -> bool:
    """True when, in a `backtest`, the forecast missed more than 'same as one season ago' (mean MASE above 1):
    the shop is then better served by `simple_rule`'s forecast."""
    miss = check["mase"].mean()
    return bool(pd.notna(miss) and miss > 1)
