"""The forecast benchmark's cases, read at run time from /work/shared/data (never copied into the repo;
Kaggle-derived files are for internal benchmarking only).

| case                    | series                                    | horizon | season | freq  | external |
|-------------------------|-------------------------------------------|---------|--------|-------|----------|
| walmart_weekly          | 45 stores x 143 weeks                     | 13      | 52     | W-FRI | per store: Holiday_Flag, Temperature, Fuel_Price, CPI, Unemployment |
| walmart_recruiting      | 3,331 store-dept series (a fixed sample)  | 13      | 52     | W-FRI | None     |
| bike_sharing            | 1 series ("bike") x 731 d                 | 28      | 7      | D     | temp, atemp, hum, windspeed, weathersit, holiday, workingday |
| online_retail_daily     | 1 series: the whole shop's net revenue    | 28      | 7      | D     | None     |
| online_retail_countries | net revenue per country, 5 countries      | 28      | 7      | D     | None     |

Online Retail (UCI, 2010-12-01 to 2011-12-09): revenue = Quantity x UnitPrice (returns negative, so net),
summed per calendar day. The shop takes no orders on Saturdays and closed from 2010-12-24 to 2011-01-03: those
days are on the grid as 0 (closures as zeros, what a till export holds). online_retail_countries treats each
customer country as one branch of a chain: the countries with a positive day's revenue on at least 80 days
(United Kingdom, Germany, France, EIRE, Belgium; the next, Spain, had fewer), each on the shop's grid
from its first sale to the shop's last day, days without a sale 0. Days the shop was open but a country bought
nothing are zeros too, so the smaller countries are partly intermittent, as small branches are.

walmart_recruiting: weeks missing *inside* a Store-Dept series (between its first and last week) are filled
with y = 0; negative weekly sales (returns) are kept. AutoARIMA and AutoETS with a 52-week season take
~1-1.5 s per series here, so the case scores a fixed seeded sample of `DEPARTMENT_SAMPLE` departments (seed
`SEED`, drawn from the series long enough to score) for every method alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DATA_DIR", "CASES", "DEPARTMENT_SAMPLE", "load_case", "fill_inner_gaps"]

from pathlib import Path

DATA_DIR = Path("/work/shared/data")
CASES = ("walmart_weekly", "walmart_recruiting", "bike_sharing", "online_retail_daily", "online_retail_countries")
DEPARTMENT_SAMPLE = 100  # departments scored on walmart_recruiting (all methods, same sample)
SEED = 16
COUNTRY_MIN_DAYS = 80  # a country is a "branch" when it sold on at least this many days


def load_case(name: str, offset: int = 0, sample: bool = True) -> dict:
    """Load one benchmark case; `offset` > 0 drops the last `offset` points of every series first, so the
    hold-out is an earlier stretch (the validation period is offset = horizon). `sample` False keeps every
    walmart_recruiting department (for timing smbcore on all of them).

    Returns {"history", "external", "horizon", "season", "freq"}: history DataFrame[series_id (str), date, y
    (float)] sorted by series, date; external a DataFrame of factors (date, maybe series_id) or None.
    """
    if name not in CASES:
        raise ValueError(f"unknown case {name!r}; expected one of {CASES}")
    spec = _LOADERS[name]() if name != "walmart_recruiting" else _walmart_recruiting(sample)
    history = spec["history"].astype({"y": float}).sort_values(["series_id", "date"], ignore_index=True)
    if offset:
        history = history[history.groupby("series_id").cumcount(ascending=False) >= offset].reset_index(drop=True)
    external = spec["external"]
    if external is not None:
        external = external.sort_values([c for c in ("series_id", "date") if c in external], ignore_index=True)
    return {**spec, "history": history, "external": external}


def _walmart_weekly() -> dict:
    raw = pd.read_csv(DATA_DIR / "walmart_weekly" / "Walmart_Store_sales.csv.gz")
    raw["date"] = pd.to_datetime(raw["Date"], format="%d-%m-%Y")
    raw["series_id"] = raw["Store"].astype(str)
    factors = ["Holiday_Flag", "Temperature", "Fuel_Price", "CPI", "Unemployment"]
    history = raw.rename(columns={"Weekly_Sales": "y"})[["series_id", "date", "y"]]
    return {
        "history": history,
        "external": raw[["date", "series_id", *factors]],
        "horizon": 13,
        "season": 52,
        "freq": "W-FRI",
    }


def _walmart_recruiting(sample: bool) -> dict:
    raw = pd.read_csv(DATA_DIR / "walmart_recruiting" / "train.csv.gz")
    raw["date"] = pd.to_datetime(raw["Date"], format="%Y-%m-%d")
    raw["series_id"] = raw["Store"].astype(str) + "-" + raw["Dept"].astype(str)
    history = fill_inner_gaps(raw.rename(columns={"Weekly_Sales": "y"})[["series_id", "date", "y"]], "W-FRI")
    if sample:
        counts = history.groupby("series_id").size()
        long_enough = np.sort(counts.index[counts >= 2 * 13 + 2].to_numpy())  # scorable on validation and hold-out
        chosen = np.random.default_rng(SEED).choice(long_enough, DEPARTMENT_SAMPLE, replace=False)
        history = history[history["series_id"].isin(chosen)]
    return {"history": history, "external": None, "horizon": 13, "season": 52, "freq": "W-FRI"}


def _bike_sharing() -> dict:
    raw = pd.read_csv(DATA_DIR / "bike_sharing" / "day.csv.gz")
    raw["date"] = pd.to_datetime(raw["dteday"], format="%Y-%m-%d")
    raw["series_id"] = "bike"
    factors = ["temp", "atemp", "hum", "windspeed", "weathersit", "holiday", "workingday"]
    history = raw.rename(columns={"cnt": "y"})[["series_id", "date", "y"]]
    return {"history": history, "external": raw[["date", *factors]], "horizon": 28, "season": 7, "freq": "D"}


def _online_retail_days() -> pd.DataFrame:
    """DataFrame[country, date, revenue]: net revenue per country and calendar day (days with a sale only)."""
    raw = pd.read_csv(
        DATA_DIR / "online_retail" / "online_retail.csv.gz", usecols=["Quantity", "UnitPrice", "InvoiceDate", "Country"]
    )
    raw["date"] = pd.to_datetime(raw["InvoiceDate"]).dt.normalize()
    raw["revenue"] = raw["Quantity"] * raw["UnitPrice"]
    return raw.groupby(["Country", "date"], as_index=False)["revenue"].sum().rename(columns={"Country": "country"})


def _on_shop_grid(days: pd.DataFrame, last: pd.Timestamp) -> pd.DataFrame:
    """In: DataFrame[series_id, date, y] (days with a sale). Out: every calendar day from each series' first
    sale to the shop's `last` day, days without a sale (closures included) 0."""
    parts = []
    for sid, g in days.groupby("series_id", sort=True):
        grid = pd.date_range(g["date"].min(), last, freq="D")
        y = g.set_index("date")["y"].reindex(grid, fill_value=0.0)
        parts.append(pd.DataFrame({"series_id": sid, "date": grid, "y": y.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _online_retail_daily() -> dict:
    days = _online_retail_days().groupby("date", as_index=False)["revenue"].sum()
    days = days.assign(series_id="shop").rename(columns={"revenue": "y"})
    history = _on_shop_grid(days, days["date"].max())
    return {"history": history, "external": None, "horizon": 28, "season": 7, "freq": "D"}


def _online_retail_countries() -> dict:
    days = _online_retail_days().rename(columns={"country": "series_id", "revenue": "y"})
    selling = days[days["y"] > 0].groupby("series_id").size()
    kept = selling.index[selling >= COUNTRY_MIN_DAYS]
    history = _on_shop_grid(days[days["series_id"].isin(kept)], days["date"].max())
    return {"history": history, "external": None, "horizon": 28, "season": 7, "freq": "D"}


def fill_inner_gaps(history: pd.DataFrame, freq: str) -> pd.DataFrame:
    """In/out: DataFrame[series_id, date, y]; missing periods between each series' first and last date get y=0."""
    parts = []
    for sid, g in history.groupby("series_id", sort=False):
        full = pd.date_range(g["date"].min(), g["date"].max(), freq=freq)
        filled = g.set_index("date")["y"].reindex(full, fill_value=0.0)
        parts.append(pd.DataFrame({"series_id": sid, "date": full, "y": filled.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


_LOADERS = {
    "walmart_weekly": _walmart_weekly,
    "bike_sharing": _bike_sharing,
    "online_retail_daily": _online_retail_daily,
    "online_retail_countries": _online_retail_countries,
}
