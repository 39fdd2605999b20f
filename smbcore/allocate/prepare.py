"""The fitted inputs a plan needs, made once per data version: product demand forecasts with prices, and the
orders forecast with the shop's weekday x hour pattern. Everything after this is arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from smbcore.allocate.inventory import DemandOverTime, demand_over_time, item_table
from smbcore.allocate.staffing import hourly_profile

__all__ = [
    "StockInputs",
    "StaffInputs",
    "stock_inputs",
    "staff_inputs",
    "stock_replay_inputs",
    "staff_replay_inputs",
    "product_names",
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
    """forecast: date, yhat, bands of orders per day (whole shop); profile: weekday, hour, share."""

    forecast: pd.DataFrame
    profile: pd.DataFrame


def stock_inputs(transactions: pd.DataFrame, top: int = 200, horizon: int = 56, products: tuple = ()) -> StockInputs:
    """Daily unit forecasts for the `top` products by revenue plus any named in `products` (transactions:
    order lines with product_id, timestamp, quantity, unit_price, revenue, is_return)."""
    from smbcore import forecast as fc

    history = fc.series_from_transactions(transactions, "units", "product_id", "D", top=top)
    if products:
        wanted = transactions[transactions["product_id"].astype(str).isin([str(p) for p in products])]
        extra = fc.series_from_transactions(wanted, "units", "product_id", "D", top=len(products))
        history = pd.concat([history, extra[~extra["series_id"].isin(history["series_id"])]], ignore_index=True)
    history["y"] = history["y"].clip(lower=0)  # returns are not demand
    prediction = fc.forecast(history, horizon, "D", levels=(80, 95))
    demand = demand_over_time(prediction)
    return StockInputs(prediction, demand, item_table(transactions, demand.products), history)


def staff_inputs(transactions: pd.DataFrame, horizon: int = 28, holidays=None) -> StaffInputs:
    """The orders-per-day forecast of the whole shop and the weekday x hour pattern of its orders."""
    from smbcore import forecast as fc

    history = fc.series_from_transactions(transactions, "orders", None, "D")
    prediction = fc.forecast(history, horizon, "D", holidays=holidays)
    return StaffInputs(prediction, hourly_profile(transactions))


def stock_replay_inputs(transactions: pd.DataFrame, top: int = 200, test_days: int = 56) -> StockInputs:
    """Stock inputs as they were `test_days` before the last order: what the plan would have been made from,
    for replaying it against the demand that followed (see backtest_policy). `history` covers every day."""
    from smbcore import forecast as fc

    history = fc.series_from_transactions(transactions, "units", "product_id", "D", top=top)
    history["y"] = history["y"].clip(lower=0)
    cut = history["date"].max() - pd.Timedelta(days=test_days - 1)
    prediction = fc.forecast(history[history["date"] < cut], test_days, "D", levels=(80,))
    demand = demand_over_time(prediction)
    return StockInputs(prediction, demand, item_table(transactions, demand.products), history)


def staff_replay_inputs(transactions: pd.DataFrame, test_days: int = 28) -> StaffInputs:
    """Orders forecast and hourly pattern as they were `test_days` before the last order (for backtest_rota)."""
    from smbcore import forecast as fc

    cut = transactions["timestamp"].max().normalize() - pd.Timedelta(days=test_days - 1)
    before = transactions[transactions["timestamp"] < cut]
    history = fc.series_from_transactions(before, "orders", None, "D")
    prediction = fc.forecast(history, test_days, "D")
    return StaffInputs(prediction, hourly_profile(before))


def product_names(transactions: pd.DataFrame) -> pd.Series:
    """Product name by product_id (the most common spelling), ordered by product_id; the id where no name."""
    ids = transactions["product_id"].astype("string")
    if "product_name" not in transactions:
        return pd.Series(ids.dropna().unique(), index=ids.dropna().unique()).sort_index()
    names = transactions.groupby(ids)["product_name"].agg(lambda s: s.mode().iat[0] if s.notna().any() else None)
    return names.fillna(pd.Series(names.index, index=names.index)).astype(str).sort_index()
