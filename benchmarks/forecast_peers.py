"""Evaluation protocol and baseline ("peer") forecasters for the sales-forecasting benchmark.

    PYTHONPATH=. .venv/bin/python benchmarks/forecast_peers.py

Meant to be imported from `benchmarks/forecast.py`, so a forecaster can be scored against the peers:

    from benchmarks import forecast_peers as fp
    case = fp.load_case("walmart_weekly")
    train, test = fp.split(case["history"], case["horizon"])
    fc = my_forecaster(train, case["horizon"], case["season"], case["freq"])   # same columns as a peer
    scores = fp.mase(train, test, fc, case["season"]); cov = fp.coverage(test, fc)

Cases: see benchmarks/forecast_cases.py (data read at run time from /work/shared/data, never copied).

Protocol
- The last `horizon` points of each series are the test window (`split`); every series is cut at its own
  last date, so walmart_recruiting departments that close early are tested on their own last weeks.
- Short series: a series needs at least `horizon + MIN_TRAIN_POINTS` (= horizon + 2) points to be scored,
  i.e. two training points so the lag-1 MASE denominator exists. Shorter series are dropped by `split` from
  both train and test; `short_series` lists them and `run_peers` prints how many were dropped. Only
  walmart_recruiting has such series.
- MASE (`mase`) per series: mean |y - yhat| over the horizon divided by the in-sample mean |y_t - y_{t-season}|;
  lag 1 is used instead when the training part has fewer than season + 1 points or the seasonal denominator
  is 0. When even the lag-1 denominator is 0 (a constant training series) MASE is undefined (NaN).
  `run_peers` reports the mean over series with a finite MASE and counts them in column `series`.
- Coverage (`coverage`): share of all scored test points inside [lo, hi] of the 80 % interval (pooled).
- Peers use the history of y only; the external factors are there for forecasters that use them.

Every peer has the signature `(train, horizon, season, freq, level=80) -> DataFrame` with
in: train[series_id, date, y]; out: [series_id, date, yhat, yhat_lo_<level>, yhat_hi_<level>], `horizon`
rows per series, dates continuing each series' own last date at `freq`.

statsforecast (pinned in benchmarks/requirements.txt) is imported only inside the sf_* peers. Note that
statsforecast 2.1.1 declares pandas<3 while the app pins pandas==3.1.1: install it with
`pip install --no-deps statsforecast==2.1.1 coreforecast utilsforecast fugue triad adagio` (or accept pip's
warning); it works with pandas 3.1.1 for what is used here.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

try:  # run as a script from benchmarks/ (forecast.py) or imported as benchmarks.forecast_peers (tests)
    from forecast_cases import CASES, DATA_DIR, load_case
except ModuleNotFoundError:
    from benchmarks.forecast_cases import CASES, DATA_DIR, load_case

from smbcore.forecast import mase as scaled_error

__all__ = [
    "DATA_DIR",
    "CASES",
    "PEERS",
    "load_case",
    "short_series",
    "split",
    "mase",
    "coverage",
    "seasonal_naive",
    "statsmodels_ets",
    "sf_autoets",
    "sf_autoarima",
    "sf_autotheta",
    "sf_mstl",
    "run_peers",
]

MIN_TRAIN_POINTS = 2  # a scored series keeps at least this many training points (lag-1 MASE needs 2)
SF_N_JOBS = 2  # statsforecast worker processes (2 cores here; 2 was ~2x faster than 1 for AutoETS on walmart_weekly)

Peer = Callable[..., pd.DataFrame]


# ---------------------------------------------------------------------------------------------- protocol


def short_series(history: pd.DataFrame, horizon: int) -> list[str]:
    """series_ids of `history` (DataFrame[series_id, date, y]) with fewer than horizon + 2 points: not scored."""
    counts = history.groupby("series_id").size()
    return sorted(counts.index[counts < horizon + MIN_TRAIN_POINTS])


def split(history: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out the last `horizon` points of every series.

    In: DataFrame[series_id, date, y]. Out: (train, test), both DataFrame[series_id, date, y] sorted by
    series, date. Series with fewer than horizon + 2 points (see `short_series`) are in neither.
    """
    hist = history[~history["series_id"].isin(short_series(history, horizon))]
    hist = hist.sort_values(["series_id", "date"], ignore_index=True)
    from_end = hist.groupby("series_id").cumcount(ascending=False)
    return hist[from_end >= horizon].reset_index(drop=True), hist[from_end < horizon].reset_index(drop=True)


def mase(train: pd.DataFrame, test: pd.DataFrame, forecast: pd.DataFrame, season: int) -> pd.DataFrame:
    """Mean absolute scaled error per series, by the app's own rule (`smbcore.forecast.mase`).

    In: train, test DataFrame[series_id, date, y]; forecast DataFrame[series_id, date, yhat, ...].
    Out: DataFrame[series_id, mase], one row per test series. NaN where the scale is 0 (constant training
    series) or where the forecast misses a test date.
    """
    history = {sid: g.to_numpy() for sid, g in train.groupby("series_id")["y"]}
    merged = test.merge(forecast[["series_id", "date", "yhat"]], on=["series_id", "date"], how="left")
    rows = [
        (sid, scaled_error(g["y"], g["yhat"], history.get(sid, []), season))
        for sid, g in merged.groupby("series_id", sort=True)
    ]
    return pd.DataFrame(rows, columns=["series_id", "mase"])


def coverage(
    test: pd.DataFrame, forecast: pd.DataFrame, lo_col: str = "yhat_lo_80", hi_col: str = "yhat_hi_80"
) -> float:
    """Share of test points (DataFrame[series_id, date, y]) with lo <= y <= hi in `forecast`.

    A test point without a forecast row counts as not covered.
    """
    merged = test.merge(forecast[["series_id", "date", lo_col, hi_col]], on=["series_id", "date"], how="left")
    inside = (merged["y"] >= merged[lo_col]) & (merged["y"] <= merged[hi_col])
    return float(inside.mean())


# ---------------------------------------------------------------------------------------------- peers


def _future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]


def _frame(sid: str, dates, yhat, lo, hi, level: int) -> pd.DataFrame:
    return pd.DataFrame({"series_id": sid, "date": dates, "yhat": yhat, f"yhat_lo_{level}": lo, f"yhat_hi_{level}": hi})


def seasonal_naive(train: pd.DataFrame, horizon: int, season: int, freq: str, level: int = 80) -> pd.DataFrame:
    """Repeat the last season: yhat(T+h) = y(T+h-k*season) for the smallest k >= 1 that lands in-sample.

    Series with fewer than `season` points use the last value (naive). Interval: empirical (1-level)/2 and
    (1+level)/2 quantiles of the in-sample residuals y_t - y_{t-lag}, scaled by sqrt(k) where
    k = ceil(h / lag) is the number of seasons ahead (the random-walk widening of the seasonal naive,
    Hyndman & Athanasopoulos, FPP3 5.5). With too few residuals (< 2) the interval is the point.
    In: train[series_id, date, y]. Out: [series_id, date, yhat, yhat_lo_<level>, yhat_hi_<level>].
    """
    q = (1 - level / 100) / 2
    parts = []
    for sid, g in train.groupby("series_id", sort=False):
        y = g["y"].to_numpy()
        lag = season if len(y) >= season else 1
        steps = np.arange(1, horizon + 1)
        k = np.ceil(steps / lag)
        yhat = y[len(y) - lag + (steps - 1) % lag]
        resid = y[lag:] - y[:-lag]
        if len(resid) >= 2:
            r_lo, r_hi = np.quantile(resid, [q, 1 - q])
        else:
            r_lo = r_hi = 0.0
        parts.append(
            _frame(
                sid,
                _future_dates(g["date"].iloc[-1], horizon, freq),
                yhat,
                yhat + r_lo * np.sqrt(k),
                yhat + r_hi * np.sqrt(k),
                level,
            )
        )
    return pd.concat(parts, ignore_index=True)


def _ets_one(y: np.ndarray, horizon: int, season: int, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """statsmodels ETSModel for one series -> (yhat, lo, hi) arrays of length `horizon`."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n = len(y)
    if n >= 2 * season + 2:  # heuristic init of the seasonal states needs two full seasons
        spec = dict(
            trend="add", damped_trend=True, seasonal="add", seasonal_periods=season, initialization_method="heuristic"
        )
    elif n >= 10:
        spec = dict(trend="add", damped_trend=True, initialization_method="estimated")
    elif n >= 3:
        spec = dict(initialization_method="estimated")  # simple exponential smoothing
    else:
        return np.repeat(y[-1], horizon), np.repeat(y[-1], horizon), np.repeat(y[-1], horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ETSModel(pd.Series(y, dtype=float), error="add", **spec).fit(disp=False, maxiter=1000)
        frame = fit.get_prediction(start=n, end=n + horizon - 1).summary_frame(alpha=1 - level / 100)
    return frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()


def statsmodels_ets(train: pd.DataFrame, horizon: int, season: int, freq: str, level: int = 80) -> pd.DataFrame:
    """statsmodels ETSModel, additive error, additive damped trend, additive season.

    The season is used when a series has at least 2*season + 2 points (heuristic initialisation), else the
    model has no season; fewer than 10 points -> simple exponential smoothing; fewer than 3 -> last value.
    Interval: the model's analytic prediction interval at `level` (all-additive ETS has a closed form).
    In: train[series_id, date, y]. Out: [series_id, date, yhat, yhat_lo_<level>, yhat_hi_<level>].
    """
    parts = []
    for sid, g in train.groupby("series_id", sort=False):
        yhat, lo, hi = _ets_one(g["y"].to_numpy(), horizon, season, level)
        parts.append(_frame(sid, _future_dates(g["date"].iloc[-1], horizon, freq), yhat, lo, hi, level))
    return pd.concat(parts, ignore_index=True)


def _statsforecast(model, train: pd.DataFrame, horizon: int, freq: str, level: int) -> pd.DataFrame:
    """Fit one statsforecast model on every series; failures fall back to statsforecast's Naive model.

    In: train[series_id, date, y]. Out: [series_id, date, yhat, yhat_lo_<level>, yhat_hi_<level>].
    """
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    df = train.rename(columns={"series_id": "unique_id", "date": "ds"})[["unique_id", "ds", "y"]]
    sf = StatsForecast(models=[model], freq=freq, n_jobs=SF_N_JOBS, fallback_model=Naive())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = sf.forecast(df=df, h=horizon, level=[level])
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    name = repr(model) if str(model) not in fc.columns else str(model)
    out = fc.rename(
        columns={
            "unique_id": "series_id",
            "ds": "date",
            name: "yhat",
            f"{name}-lo-{level}": f"yhat_lo_{level}",
            f"{name}-hi-{level}": f"yhat_hi_{level}",
        }
    )
    out["series_id"] = out["series_id"].astype(str)
    return out[["series_id", "date", "yhat", f"yhat_lo_{level}", f"yhat_hi_{level}"]]


def sf_autoets(train: pd.DataFrame, horizon: int, season: int, freq: str, level: int = 80) -> pd.DataFrame:
    """statsforecast AutoETS(season_length=season), default model search; interval at `level`.

    Unlike R's ets it does fit seasonal models with season 52 (e.g. ETS(M,A,M) on walmart_weekly stores),
    which makes it slow on weekly data (~0.3-0.7 s per series here). Columns in/out as the other peers.
    """
    from statsforecast.models import AutoETS

    return _statsforecast(AutoETS(season_length=season), train, horizon, freq, level)


def sf_autoarima(train: pd.DataFrame, horizon: int, season: int, freq: str, level: int = 80) -> pd.DataFrame:
    """statsforecast AutoARIMA(season_length=season), default stepwise search; interval at `level`."""
    from statsforecast.models import AutoARIMA

    return _statsforecast(AutoARIMA(season_length=season), train, horizon, freq, level)


def sf_autotheta(train: pd.DataFrame, horizon: int, season: int, freq: str, level: int = 80) -> pd.DataFrame:
    """statsforecast AutoTheta(season_length=season) (picks among Theta variants); interval at `level`."""
    from statsforecast.models import AutoTheta

    return _statsforecast(AutoTheta(season_length=season), train, horizon, freq, level)


def sf_mstl(train: pd.DataFrame, horizon: int, season: int, freq: str, level: int = 80) -> pd.DataFrame:
    """statsforecast MSTL(season_length=season) with its default trend forecaster (AutoETS without season);
    series shorter than two seasons fall back to Naive (statsforecast's fallback). Interval at `level`."""
    from statsforecast.models import MSTL

    return _statsforecast(MSTL(season_length=season), train, horizon, freq, level)


PEERS: dict[str, Peer] = {
    "seasonal_naive": seasonal_naive,
    "statsmodels_ets": statsmodels_ets,
    "sf_autoets": sf_autoets,
    "sf_autoarima": sf_autoarima,
    "sf_autotheta": sf_autotheta,
    "sf_mstl": sf_mstl,
}


# ---------------------------------------------------------------------------------------------- runner


def run_peers(case_name: str, peers=None, level: int = 80, offset: int = 0) -> pd.DataFrame:
    """Run peers on one case and score them.

    `peers`: None (all of PEERS), or a list of names in PEERS and/or callables with the peer signature
    (a callable is reported under its __name__). Timing (`seconds`) covers fit + predict of the peer call
    only; loading, splitting, scoring and the one-off statsforecast import are outside it.
    Out: DataFrame[case, method, mean_mase, coverage_80, seconds, series] where mean_mase is the mean over
    series with a finite MASE and `series` counts those (dropped short series are printed, not counted).
    """
    case = load_case(case_name, offset)
    horizon, season, freq = case["horizon"], case["season"], case["freq"]
    dropped = short_series(case["history"], horizon)
    if dropped:
        print(f"[{case_name}] {len(dropped)} series with < {horizon + MIN_TRAIN_POINTS} points dropped from scoring")
    train, test = split(case["history"], horizon)
    chosen = [(p, PEERS[p]) if isinstance(p, str) else (p.__name__, p) for p in (peers or list(PEERS))]
    if any(name.startswith("sf_") for name, _ in chosen):
        import statsforecast  # noqa: F401  (import cost kept out of the timings)

    rows = []
    for name, peer in chosen:
        start = time.perf_counter()
        fc = peer(train, horizon, season, freq, level=level)
        seconds = time.perf_counter() - start
        scores = mase(train, test, fc, season)["mase"]
        finite = scores[np.isfinite(scores)]
        if len(finite) < len(scores):
            print(f"[{case_name}] {name}: {len(scores) - len(finite)} series with undefined MASE left out of the mean")
        rows.append(
            {
                "case": case_name,
                "method": name,
                "mean_mase": float(finite.mean()),
                "coverage_80": coverage(test, fc, f"yhat_lo_{level}", f"yhat_hi_{level}"),
                "seconds": round(seconds, 2),
                "series": int(len(finite)),
            }
        )
    return pd.DataFrame(rows, columns=["case", "method", "mean_mase", "coverage_80", "seconds", "series"])


if __name__ == "__main__":
    table = pd.concat([run_peers(case) for case in CASES], ignore_index=True)
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))
