"""Sales histories ready to forecast: from order lines or daily totals, on a regular grid, with the shop's
closed weekdays and the outside factors lined up per series."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from smbcore.forecast.calendar import HOLIDAY, period_flags
from smbcore.forecast.frequency import (
    ForecastError,
    ShortHistoryError,
    closed_hours,
    infer_freq,
    season_length,
    series_freqs,
    to_period_start,
)

__all__ = [
    "ForecastError",
    "ShortHistoryError",
    "Prepared",
    "infer_freq",
    "series_freqs",
    "season_length",
    "regular",
    "prepare",
    "closed_days",
    "on_grid",
    "factor_columns",
    "series_from_transactions",
    "series_from_demand",
    "sales_history",
]


def regular(history: pd.DataFrame, freq: str | None = None) -> dict[str, pd.Series]:
    """Each series (series_id, date, y) on a regular grid of its own calendar (`series_freqs`: inferred from its
    dates, or `freq` checked against them) from its first to its last date; missing periods count as 0 sales.
    Each returned Series' index carries its calendar (`y.index.freqstr`)."""
    freqs = series_freqs(history, freq)
    series = {}
    for sid, part in history.groupby("series_id", sort=True):
        values = part.groupby(to_period_start(part["date"], freqs[sid]))["y"].sum()
        grid = pd.date_range(values.index.min(), values.index.max(), freq=freqs[sid])
        series[str(sid)] = values.reindex(grid, fill_value=0.0).astype(float)
    return series


def factor_frame(
    dates: pd.DatetimeIndex, sid: str, table: pd.DataFrame | None, columns: list[str], holidays: set | None, freq: str
) -> pd.DataFrame:
    frame = pd.DataFrame(index=dates)
    if table is not None and columns:
        part = table[table["series_id"].astype(str) == sid] if "series_id" in table else table
        part = part.groupby("date")[columns].mean()
        frame = frame.join(part, how="left")
    if holidays:
        hourly = freq == "h"  # every hour of a holiday is flagged
        flags = dates.normalize().isin(list(holidays)).astype(float) if hourly else period_flags(dates, holidays, freq)
        frame[HOLIDAY] = flags
    return frame


@dataclass
class Prepared:
    """One series on a regular grid with its past factors (a DataFrame indexed like `y`, maybe no columns).

    Days on the series' closed weekdays (and, for hourly series, its closed hours of the day) are left out of
    `y` and `past` (they say nothing about the level or the season of open periods); `m` is then the open
    periods of a season of `season` periods, and `last` the history's real last date. `freq` is the series'
    own calendar ('h', 'D', 'W-XXX' or 'MS'): its forecast continues it."""

    sid: str
    y: pd.Series
    past: pd.DataFrame
    closed: tuple[int, ...]
    last: pd.Timestamp
    m: int
    freq: str = "D"
    closed_hours: tuple[int, ...] = ()
    season: int = 7

    def open_dates(self, dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
        shut = dates.day_of_week.isin(self.closed) | dates.hour.isin(self.closed_hours)
        return dates[~shut]


def _closed_weekdays(y: pd.Series, freq: str) -> tuple[int, ...]:
    """The weekdays a daily or hourly series regularly has no sales on (see overview.closed_weekdays); ()
    otherwise."""
    from smbcore.overview import closed_weekdays

    if freq not in ("D", "h") or y.empty:
        return ()
    return tuple(closed_weekdays(y.index[y.to_numpy() != 0], y.index[0], y.index[-1]))


def _prepared(sid: str, y: pd.Series, freq: str, external, columns: list[str], days: set | None) -> Prepared:
    """One series of `regular` ready to model: closed weekdays (and hours) left out, its season length."""
    closed = _closed_weekdays(y, freq)
    hours = closed_hours(y, closed) if freq == "h" else ()
    keep = ~(y.index.day_of_week.isin(closed) | y.index.hour.isin(hours))
    past = factor_frame(y.index, sid, external, columns, days, freq)
    season = season_length(freq, len(y))
    if freq == "h":  # open hours of each open day (all 7 days when the season is the day's 24 hours)
        m = (24 - len(hours)) * (7 - len(closed) if season == 168 else 1)
    else:
        m = season - len(closed)
    return Prepared(sid, y[keep], past[keep], closed, y.index[-1], m, freq, hours, season)


def prepare(history: pd.DataFrame, freq: str | None, external, columns: list[str], days: set | None) -> list[Prepared]:
    """Every series of `history` (series_id, date, y) on its own calendar (`freq` for all when given; see
    `regular`), ready to model."""
    for column in ("series_id", "date", "y"):
        if column not in history:
            raise ForecastError(f"The history needs a '{column}' column (it has: {', '.join(history.columns)}).")
    history = history.dropna(subset=["date", "y"])
    if len(history) < 2:
        raise ShortHistoryError("A forecast needs at least two dated values; this history has fewer.")
    return [_prepared(sid, y, y.index.freqstr, external, columns, days) for sid, y in regular(history, freq).items()]


def closed_days(history: pd.DataFrame, freq: str | None = None) -> dict[str, list[int]]:
    """Per series (series_id, date, y as for `forecast`), the weekdays (0 = Monday) it is closed on and forecast
    as zero; an empty list for series without closed days and for weekly or monthly series. Each series on its
    own calendar, or `freq` when given (see `regular`)."""
    return {
        sid: list(_closed_weekdays(y, y.index.freqstr))
        for sid, y in regular(history.dropna(subset=["date", "y"]), freq).items()
    }


def on_grid(history: pd.DataFrame, freq: str | None = None) -> pd.DataFrame:
    """The history (series_id, date, y) with every period from each series' first to last date, missing
    periods as 0: what the forecast learns from, and what a chart should draw (no lines across gaps). Each
    series on its own calendar, or `freq` when given (see `regular`)."""
    parts = [
        pd.DataFrame({"series_id": sid, "date": y.index, "y": y.to_numpy()})
        for sid, y in regular(history.dropna(subset=["date", "y"]), freq).items()
    ]
    return pd.concat(parts, ignore_index=True) if parts else history[["series_id", "date", "y"]].iloc[:0]


def factor_columns(external: pd.DataFrame | None) -> list[str]:
    return [c for c in (external.columns if external is not None else []) if c not in ("date", "series_id")]


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


def series_from_demand(demand: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Daily or weekly totals (the demand table: date, y, maybe series_id) ready for `forecast`: one series
    'All sales' when the table has no series_id; with a weekly `freq` ('W', 'W-MON') each date is moved to the
    Monday starting its week (rows on one date are added up by the forecast). Returns columns: series_id, date, y."""
    history = demand.assign(series_id=demand["series_id"] if "series_id" in demand else "All sales")
    if freq.startswith("W"):
        history = history.assign(date=history["date"].dt.to_period("W").dt.start_time)
    return history[["series_id", "date", "y"]]


def sales_history(
    frame: pd.DataFrame,
    measure: str = "revenue",
    by: str | None = None,
    freq: str = "D",
    include_one_offs: bool = False,
) -> pd.DataFrame:
    """The sales history a forecast starts from, the one rule of the page and the command line: order lines
    (a `timestamp` column: see `series_from_transactions`, with `measure`, `by` and `include_one_offs`) or daily
    totals (date, y: see `series_from_demand`). freq: 'D' for days, 'W' for weeks starting on Monday.
    Returns columns: series_id, date, y."""
    if "timestamp" in frame:
        return series_from_transactions(frame, measure, by, freq, include_one_offs=include_one_offs)
    return series_from_demand(frame, freq)
