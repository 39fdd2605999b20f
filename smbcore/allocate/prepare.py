"""The fitted inputs a plan needs, made once per data version: product demand forecasts with prices, and the
orders forecast with the shop's weekday x hour pattern. Everything after this is arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smbcore.allocate.inventory import DemandOverTime, demand_over_time, item_table
from smbcore.allocate.staffing import hourly_profile
from smbcore.errors import NotEnoughDataError
from smbcore.timing import has_times

__all__ = [
    "StockInputs",
    "StaffInputs",
    "stock_inputs",
    "staff_inputs",
    "stock_replay_inputs",
    "staff_replay_inputs",
    "product_names",
    "shop_country",
    "shop_holidays",
    "closed_days",
    "has_times",
]


@dataclass
class StockInputs:
    """forecast: series_id (product), date, yhat, bands (daily units); demand: its DemandOverTime; items: index
    product_id with product_name, price, unit_cost; history: series_id, date, y (daily units sold)."""

    forecast: pd.DataFrame
    demand: DemandOverTime
    items: pd.DataFrame
    history: pd.DataFrame


@dataclass
class StaffInputs:
    """forecast: date, yhat, bands of orders per day (whole shop; zero on the days in `closed`); profile: weekday,
    hour, share; timed: whether the file has times of day (else the profile is an even spread, see
    smbcore.timing.has_times); closed: date, why (days of the forecast the shop is expected shut); country: whose
    public holidays were used (None: none); history_days: days from the first to the last order; sales_per_order:
    average sales per order (money, returns left out; NaN when unknown)."""

    forecast: pd.DataFrame
    profile: pd.DataFrame
    timed: bool = True
    closed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"date": [], "why": []}))
    country: str | None = None
    history_days: int = 0
    sales_per_order: float = float("nan")


def stock_inputs(transactions: pd.DataFrame, top: int = 200, horizon: int = 56, products: tuple = ()) -> StockInputs:
    """Daily unit forecasts for the `top` products by revenue plus any named in `products` (transactions:
    order lines with product_id, timestamp, quantity, unit_price, revenue, is_return)."""
    from smbcore import forecast as fc

    needs_products(transactions)
    history = fc.series_from_transactions(transactions, "units", "product_id", "D", top=top)
    if products:
        wanted = transactions[transactions["product_id"].astype(str).isin([str(p) for p in products])]
        extra = fc.series_from_transactions(wanted, "units", "product_id", "D", top=len(products))
        history = pd.concat([history, extra[~extra["series_id"].isin(history["series_id"])]], ignore_index=True)
    history["y"] = history["y"].clip(lower=0)  # returns are not demand
    prediction = fc.forecast(history, horizon, "D", levels=(80, 95))
    demand = demand_over_time(prediction, history)
    return StockInputs(prediction, demand, item_table(transactions, demand.products), history)


def needs_products(transactions: pd.DataFrame) -> None:
    """Stock is planned per product: a NotEnoughDataError saying which column to map when the file has no
    product column (every line is 'All products', see smbcore.data.purchase_log)."""
    from smbcore.data.purchase_log import ALL_PRODUCTS_ID

    ids = transactions["product_id"].dropna().astype(str).unique()
    if len(ids) == 0 or set(ids) == {ALL_PRODUCTS_ID}:
        raise NotEnoughDataError(
            "Stock planning needs product codes: your file has no product column, so all its sales are one line, "
            "'All products', and there is no product to stock. On the Your data page, map the column that holds "
            "your product code or name (SKU, article number, item) to 'product_id' and save the file again."
        )


def shop_country(transactions: pd.DataFrame, settings=None) -> str | None:
    """The shop's country for public holidays: the forecast's one rule (smbcore.forecast.shop_country: the
    owner's answer in `settings`, the orders' country column, a one-country currency); None when unknown."""
    from smbcore import forecast as fc

    return fc.shop_country(transactions, settings)


def shop_holidays(transactions: pd.DataFrame, country: str | None = None) -> tuple[str | None, list[pd.Timestamp]]:
    """(country, public holidays) of this shop over its history and the year after: the owner's `country` when
    given, else the data's (see shop_country); the same calendar the forecast uses (smbcore.forecast.holiday_dates).
    No country known: (None, [])."""
    from smbcore import forecast as fc
    from smbcore.forecast import country_code

    country = country_code((country or "").strip()) or shop_country(transactions)
    stamps = transactions["timestamp"].dropna()
    if not country or stamps.empty:
        return country, []
    years = range(stamps.min().year, stamps.max().year + 2)
    return country, list(fc.holiday_dates(country, years))


def _orders_per_day(transactions: pd.DataFrame) -> pd.Series:
    """Orders with a sale on every day from the first to the last order (0 on days without any)."""
    sales = transactions[~transactions["is_return"]]
    days = sales["timestamp"].dt.normalize()
    counts = sales.groupby(days)["order_id"].nunique()
    if counts.empty:
        return counts.astype(float)
    span = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    return counts.reindex(span, fill_value=0).astype(float)


def closed_days(transactions: pd.DataFrame, dates, holidays=(), weeks: int = 8) -> pd.DataFrame:
    """Which of `dates` the shop is expected shut, and why, from its own history (order lines: order_id,
    timestamp, is_return).

    A weekday is closed when the shop had no order on it in the last `weeks` weeks (seen at least 3 times). A
    public holiday (`holidays`) is closed when the shop had no order on the same holiday a year before, or, when
    that day is not in the history, on most of the public holidays its history holds. A holiday the history
    never saw is left to the forecast. Returns columns date, why (plain words); one row per closed date."""
    per_day = _orders_per_day(transactions)
    dates = pd.DatetimeIndex(pd.to_datetime(list(dates))).normalize()
    rows = []
    if per_day.empty:
        return pd.DataFrame({"date": pd.DatetimeIndex([]), "why": pd.Series([], dtype="string")})
    recent = per_day[per_day.index > per_day.index.max() - pd.Timedelta(weeks=weeks)]
    by_weekday = recent.groupby(recent.index.day_of_week).agg(["size", "sum"])
    shut_weekdays = set(by_weekday[(by_weekday["size"] >= 3) & (by_weekday["sum"] == 0)].index)
    holiday_days = pd.DatetimeIndex(pd.to_datetime(list(holidays))).normalize() if len(holidays) else None
    past = per_day[per_day.index.isin(holiday_days)] if holiday_days is not None else per_day.iloc[:0]
    mostly_shut = len(past) > 0 and (past == 0).mean() > 0.5
    for day in dates:
        if day.day_of_week in shut_weekdays:
            rows.append((day, f"closed on {day:%A}s (no orders on them in the last {weeks} weeks)"))
        elif holiday_days is not None and day in holiday_days:
            year_before = day - pd.DateOffset(years=1)
            if year_before in per_day.index and year_before in holiday_days:
                if per_day[year_before] == 0:
                    rows.append((day, f"public holiday (no orders on it on {year_before:%d %b %Y})"))
            elif mostly_shut:
                rows.append((day, "public holiday (no orders on most public holidays in your history)"))
    return pd.DataFrame(
        {"date": pd.DatetimeIndex([r[0] for r in rows]), "why": pd.Series([r[1] for r in rows], dtype="string")}
    )


def _staff_forecast(transactions: pd.DataFrame, horizon: int, country: str | None) -> StaffInputs:
    from smbcore import forecast as fc

    country, holidays = shop_holidays(transactions, country)
    history = fc.series_from_transactions(transactions, "orders", None, "D")
    if history.empty:
        raise NotEnoughDataError("A staff plan needs orders with a sale; this data has none (only returns or no rows).")
    # Every day from the first to the last order: days without an order are days with 0 orders.
    span = pd.date_range(history["date"].min(), history["date"].max(), freq="D")
    history = (
        history.set_index("date").reindex(span).rename_axis("date").reset_index()
        .assign(series_id="All sales", y=lambda f: f["y"].fillna(0.0))[["series_id", "date", "y"]]
    )  # fmt: skip
    prediction = fc.forecast(history, horizon, "D", holidays=holidays or None)
    closed = closed_days(transactions, prediction["date"].unique(), holidays)
    shut = prediction["date"].isin(closed["date"]).to_numpy()
    bands = [c for c in prediction.columns if c.startswith("yhat")]
    prediction.loc[shut, bands] = 0.0
    timed = has_times(transactions["timestamp"])
    return StaffInputs(
        prediction, hourly_profile(transactions), timed, closed, country, int(len(span)), _sales_per_order(transactions)
    )


def _sales_per_order(transactions: pd.DataFrame) -> float:
    """Average sales per order (quantity x unit_price of the sales, or revenue where given); NaN when no order."""
    sales = transactions[~transactions["is_return"]]
    value = sales["revenue"] if "revenue" in sales else sales["quantity"] * sales["unit_price"]
    orders = sales["order_id"].nunique()
    total = float(pd.to_numeric(value, errors="coerce").sum())
    return total / orders if orders and np.isfinite(total) else float("nan")


def staff_inputs(transactions: pd.DataFrame, horizon: int = 28, country: str | None = None) -> StaffInputs:
    """The orders-per-day forecast of the whole shop (with the public holidays of its country, see
    shop_holidays; zero on days the shop is expected shut, see closed_days) and the weekday x hour pattern of
    its orders."""
    return _staff_forecast(transactions, horizon, country)


def stock_replay_inputs(transactions: pd.DataFrame, top: int = 200, test_days: int = 56) -> StockInputs:
    """Stock inputs as they were `test_days` before the last order: what the plan would have been made from,
    for replaying it against the demand that followed (see backtest_policy); the `top` products by revenue
    before the cut. `history` covers every day. Needs
    at least twice `test_days` of history before the cut (else an SmbcoreError saying how much there is)."""
    from smbcore import forecast as fc

    # The `top` products as they stood before the cut: picked with the weeks replayed, the replay would favour
    # lines whose sales took off in them (on Online Retail, the top 100 sold 3.3 times their forecast).
    last = transactions["timestamp"].max().normalize()
    known = transactions[transactions["timestamp"] < last - pd.Timedelta(days=test_days - 1)]
    chosen = fc.series_from_transactions(known, "units", "product_id", "D", top=top)["series_id"].unique()
    every = int(transactions["product_id"].nunique())
    history = fc.series_from_transactions(transactions, "units", "product_id", "D", top=every)
    history = history[history["series_id"].isin(chosen)].reset_index(drop=True)
    history["y"] = history["y"].clip(lower=0)
    cut = history["date"].max() - pd.Timedelta(days=test_days - 1)
    have = int((cut - history["date"].min()).days) if len(history) else 0
    _enough_for_replay(have, test_days)
    before = history[history["date"] < cut]
    prediction = fc.forecast(before, test_days, "D", levels=(80,))
    demand = demand_over_time(prediction, before)
    return StockInputs(prediction, demand, item_table(transactions, demand.products), history)


def staff_replay_inputs(transactions: pd.DataFrame, test_days: int = 28, country: str | None = None) -> StaffInputs:
    """Orders forecast and hourly pattern as they were `test_days` before the last order (for backtest_rota),
    made the same way as staff_inputs. Needs at least twice `test_days` of history before the cut (else an
    SmbcoreError saying how much there is)."""
    last = transactions["timestamp"].max().normalize()
    cut = last - pd.Timedelta(days=test_days - 1)
    before = transactions[transactions["timestamp"] < cut]
    have = int((cut - before["timestamp"].min().normalize()).days) if len(before) else 0
    _enough_for_replay(have, test_days)
    return _staff_forecast(before, test_days, country)


def _enough_for_replay(have: int, test_days: int) -> None:
    """A replay of the last `test_days` needs twice that much history before them (`have` days)."""
    if have < 2 * test_days:
        weeks = int(np.ceil(3 * test_days / 7))
        raise NotEnoughDataError(
            f"Replaying the last {test_days} days needs at least {weeks} weeks of orders; this data has "
            f"{_days_words(have + test_days)}. The replay appears once more history is saved."
        )


def _days_words(days: int) -> str:
    return f"{round(days / 7)} weeks" if days >= 14 else f"{days} days"


def product_names(transactions: pd.DataFrame) -> pd.Series:
    """Product name by product_id (the most common spelling), ordered by product_id; the id where no name."""
    ids = transactions["product_id"].astype("string")
    if "product_name" not in transactions:
        return pd.Series(ids.dropna().unique(), index=ids.dropna().unique()).sort_index()
    names = transactions.groupby(ids)["product_name"].agg(lambda s: s.mode().iat[0] if s.notna().any() else None)
    return names.fillna(pd.Series(names.index, index=names.index)).astype(str).sort_index()
