"""What the shop's orders say: headline figures, sales over time, top products, new vs returning, countries, busy hours.

Every function takes the canonical `transactions` table (order_id, timestamp, product_id, quantity,
unit_price, is_return, revenue; optional customer_id, product_name, country) and returns plain
numbers or a DataFrame whose columns are stated in its docstring.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from smbcore.data.lines import WEEKDAYS, closed_weekdays, most_common_names, non_product_lines, sale_lines

__all__ = [
    "kpis",
    "sales_over_time",
    "top_products",
    "new_vs_returning",
    "sales_by_country",
    "orders_by_weekday_hour",
    "orders_by_weekday",
    "closed_weekdays",
    "one_off_orders",
    "WEEKDAYS",
    "non_product_lines",
    "sale_lines",
]

_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}


def kpis(tx: pd.DataFrame) -> dict:
    """Headline figures.

    Returns a dict: net_revenue (sales less returns), gross_sales, returns_value, returns_share (of gross
    sales), orders (orders with at least one sale line), customers (with an id), units, avg_order_value
    (gross sales per order), repeat_rate (share of customers with two or more orders; None when the file has no
    customer ids), first_date, last_date.
    """
    sales = sale_lines(tx)
    gross = float(sales["revenue"].sum())
    returned = 0.0 - float(tx.loc[tx["is_return"], "revenue"].sum())  # never -0.0
    orders = int(sales["order_id"].nunique())
    if "customer_id" in tx:
        per_customer = sales.dropna(subset=["customer_id"]).groupby("customer_id")["order_id"].nunique()
        customers, repeat = int(len(per_customer)), float((per_customer >= 2).mean()) if len(per_customer) else 0.0
    else:
        customers, repeat = 0, None
    return {
        "net_revenue": gross - returned,
        "gross_sales": gross,
        "returns_value": returned,
        "returns_share": returned / gross + 0.0 if gross else 0.0,
        "orders": orders,
        "customers": customers,
        "units": float(sales["quantity"].sum()),
        "avg_order_value": gross / orders if orders else 0.0,
        "repeat_rate": repeat,
        "first_date": tx["timestamp"].min(),
        "last_date": tx["timestamp"].max(),
    }


def sales_over_time(tx: pd.DataFrame, freq: Literal["D", "W", "M"] = "W") -> pd.DataFrame:
    """Sales per day, week (starting Monday) or month.

    Returns columns: period_start, gross_sales, returns, net_revenue, orders, customers; periods with
    no orders inside the covered range appear with zeros.
    """
    period = tx["timestamp"].dt.to_period({"D": "D", "W": "W-SUN", "M": "M"}[freq]).dt.start_time
    frame = tx.assign(
        period_start=period,
        sale=tx["revenue"].where(~tx["is_return"], 0.0),
        returned=-tx["revenue"].where(tx["is_return"], 0.0),
    )
    sale_orders = frame["order_id"].where(~frame["is_return"])
    grouped = frame.assign(sale_order=sale_orders).groupby("period_start")
    out = pd.DataFrame(
        {
            "gross_sales": grouped["sale"].sum(),
            "returns": grouped["returned"].sum(),
            "orders": grouped["sale_order"].nunique(),
            "customers": grouped["customer_id"].nunique() if "customer_id" in tx else 0,
        }
    )
    full = pd.date_range(out.index.min(), out.index.max(), freq=_FREQ[freq])
    out = out.reindex(full.union(out.index), fill_value=0)
    out["net_revenue"] = out["gross_sales"] - out["returns"]
    out = out.rename_axis("period_start").reset_index()
    return out[["period_start", "gross_sales", "returns", "net_revenue", "orders", "customers"]]


def top_products(tx: pd.DataFrame, by: Literal["revenue", "buyers"] = "revenue", n: int = 10) -> pd.DataFrame:
    """The n best-selling products by net sales value (after returns) or by number of different buyers.

    Postage, fees and adjustments (see non_product_lines) are not products and are left out.
    Returns columns: product_id, product_name, revenue (net of returns), units (net), orders, buyers,
    share_of_revenue.
    """
    products = tx[~non_product_lines(tx)]
    sales = sale_lines(products)
    net = products.groupby("product_id")[["revenue", "quantity"]].sum()
    grouped = sales.groupby("product_id")
    out = pd.DataFrame(
        {
            "revenue": net["revenue"],
            "units": net["quantity"],
            "orders": grouped["order_id"].nunique(),
            "buyers": grouped["customer_id"].nunique() if "customer_id" in sales else 0,
        }
    )
    if "product_name" in sales:
        names = most_common_names(sales)  # exports sometimes rename a product mid-year
        out["product_name"] = names.reindex(out.index)
    else:
        out["product_name"] = out.index
    out["share_of_revenue"] = out["revenue"] / out["revenue"].sum() if out["revenue"].sum() else 0.0
    out = out.sort_values([by, "revenue"], ascending=False).head(n).reset_index()
    return out[["product_id", "product_name", "revenue", "units", "orders", "buyers", "share_of_revenue"]]


def new_vs_returning(tx: pd.DataFrame) -> pd.DataFrame:
    """Per month, customers buying for the first time and customers who had bought before.

    Returns columns: month, new_customers, returning_customers, new_revenue, returning_revenue.
    Customers are counted from their first order in the data, so the first month is all 'new'. Without a
    customer_id column: no rows.
    """
    if "customer_id" not in tx:
        columns = ["new_customers", "returning_customers", "new_revenue", "returning_revenue"]
        return pd.DataFrame({"month": pd.to_datetime([])} | {c: [] for c in columns})
    sales = sale_lines(tx).dropna(subset=["customer_id"])
    month = sales["timestamp"].dt.to_period("M").dt.start_time
    first = month.groupby(sales["customer_id"]).transform("min")
    frame = sales.assign(month=month, is_new=month == first)
    counts = frame.groupby(["month", "is_new"])["customer_id"].nunique().unstack(fill_value=0)
    revenue = frame.groupby(["month", "is_new"])["revenue"].sum().unstack(fill_value=0.0)
    out = (
        pd.DataFrame(
            {
                "new_customers": counts.get(True, 0),
                "returning_customers": counts.get(False, 0),
                "new_revenue": revenue.get(True, 0.0),
                "returning_revenue": revenue.get(False, 0.0),
            }
        )
        .rename_axis("month")
        .reset_index()
    )
    return out


def sales_by_country(tx: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Net sales (after returns) by customer country, largest first; beyond `n` rows the rest are summed
    as 'Other countries'.

    Returns columns: country, revenue, orders, customers, share_of_revenue.
    """
    lines = tx.assign(country=tx["country"].fillna("Unknown") if "country" in tx else "Unknown")
    sales = sale_lines(lines)
    out = (
        pd.DataFrame(
            {
                "revenue": lines.groupby("country")["revenue"].sum(),
                "orders": sales.groupby("country")["order_id"].nunique(),
                "customers": sales.groupby("country")["customer_id"].nunique() if "customer_id" in sales else 0,
            }
        )
        .fillna(0)
        .sort_values("revenue", ascending=False)
    )
    out[["orders", "customers"]] = out[["orders", "customers"]].astype(int)
    if len(out) > n:
        rest = out.iloc[n - 1 :]
        out = pd.concat([out.iloc[: n - 1], pd.DataFrame(rest.sum()).T.set_axis(["Other countries"])])
    out["share_of_revenue"] = out["revenue"] / out["revenue"].sum() if out["revenue"].sum() else 0.0
    return out.rename_axis("country").reset_index()


def orders_by_weekday(tx: pd.DataFrame) -> pd.DataFrame:
    """How many orders fall on each weekday (for files with dates but no times of day).

    Returns columns: weekday (Monday..Sunday, ordered), orders; every weekday is present.
    """
    orders = sale_lines(tx).groupby("order_id")["timestamp"].min()
    counts = orders.dt.day_of_week.value_counts().reindex(range(7), fill_value=0)
    weekday = pd.Categorical.from_codes(list(range(7)), categories=list(WEEKDAYS), ordered=True)
    return pd.DataFrame({"weekday": weekday, "orders": counts.to_numpy().astype(int)})


def one_off_orders(tx: pd.DataFrame) -> tuple[pd.DataFrame, float, float]:
    """Orders far larger than usual (one-off bulk orders) and refunds of that size, the one rule used by the
    health check and the forecast.

    An order is one-off when its value (sales lines; refunds: the returned value) is over the limit
    max(upper quartile + 10 x interquartile range, 99.9th percentile) of sale orders. Needs 20 sale orders.
    Returns (orders: DataFrame[order_id, day, value, is_return] largest first, limit, typical sale order value);
    with fewer than 20 sale orders, no orders and NaN for both figures.
    """
    returns = tx["is_return"]
    order_value = tx.loc[~returns].groupby("order_id")["revenue"].sum()
    empty = pd.DataFrame(
        {"order_id": [], "day": pd.to_datetime([]), "value": [], "is_return": pd.Series([], dtype="boolean")}
    )
    if len(order_value) < 20:
        return empty, float("nan"), float("nan")
    q1, q3 = order_value.quantile([0.25, 0.75])
    limit = float(max(q3 + 10 * (q3 - q1), order_value.quantile(0.999)))
    by_order = tx.groupby(["order_id", returns.rename("is_return")]).agg(
        value=("revenue", "sum"), day=("timestamp", "min")
    )
    by_order = by_order.reset_index()
    by_order["value"] = by_order["value"].abs()
    big = by_order[by_order["value"] > limit].sort_values("value", ascending=False)
    big = big.assign(day=big["day"].dt.normalize())[["order_id", "day", "value", "is_return"]]
    return big.reset_index(drop=True), limit, float(order_value.median())


def orders_by_weekday_hour(tx: pd.DataFrame) -> pd.DataFrame:
    """How many orders start in each weekday x hour.

    Returns columns: weekday (Monday..Sunday), hour (0-23), orders; every combination is present.
    """
    orders = sale_lines(tx).groupby("order_id")["timestamp"].min()
    frame = pd.DataFrame({"weekday": orders.dt.day_of_week, "hour": orders.dt.hour})
    counts = frame.value_counts().rename("orders")
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    out = counts.reindex(grid, fill_value=0).reset_index()
    out["weekday"] = pd.Categorical.from_codes(out["weekday"], categories=list(WEEKDAYS), ordered=True)
    return out
