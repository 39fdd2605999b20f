"""Seeded synthetic shop data with known answers, for tests, examples and benchmarks."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["generate_transactions", "raw_orders_csv"]


def generate_transactions(
    n_lines: int = 10_000,
    n_customers: int = 500,
    n_products: int = 200,
    start: str = "2024-01-01",
    days: int = 365,
    closed_weekdays: tuple[int, ...] = (6,),
    return_share: float = 0.02,
    seed: int = 0,
) -> pd.DataFrame:
    """Order lines in the canonical transactions layout.

    Returns columns: order_id, timestamp, product_id, quantity, unit_price, customer_id, product_name,
    country, is_return, revenue. Orders fall between 08:00 and 19:59 on open days only (weekday numbers
    in `closed_weekdays`, Monday = 0, get none); about `return_share` of lines are returns
    (negative quantity, order id starting 'C'). Popular products and customers follow a Zipf-like law.
    """
    rng = np.random.default_rng(seed)
    calendar = pd.date_range(start, periods=days, freq="D")
    open_days = calendar[~calendar.day_of_week.isin(closed_weekdays)]
    n_orders = max(n_lines // 4, 1)
    order_day = open_days[rng.integers(0, len(open_days), n_orders)]
    order_time = (
        order_day
        + pd.to_timedelta(rng.integers(8, 20, n_orders), unit="h")
        + pd.to_timedelta(rng.integers(0, 60, n_orders), unit="min")
    )
    customer_weights = 1.0 / np.arange(1, n_customers + 1) ** 0.8
    order_customer = rng.choice(n_customers, n_orders, p=customer_weights / customer_weights.sum())
    line_order = np.sort(rng.integers(0, n_orders, n_lines))
    product_weights = 1.0 / np.arange(1, n_products + 1)
    product = rng.choice(n_products, n_lines, p=product_weights / product_weights.sum())
    prices = np.round(rng.gamma(2.0, 3.0, n_products) + 0.5, 2)
    quantity = rng.integers(1, 13, n_lines).astype(float)
    is_return = rng.random(n_lines) < return_share
    quantity[is_return] *= -1
    order_id = np.char.add(np.where(is_return, "C", ""), (100000 + line_order).astype(str))
    frame = pd.DataFrame(
        {
            "order_id": pd.array(order_id, dtype="string"),
            "timestamp": order_time[line_order].astype("datetime64[us]"),
            "product_id": pd.array([f"P{p:04d}" for p in product], dtype="string"),
            "quantity": quantity,
            "unit_price": prices[product],
            "customer_id": pd.array([f"C{c:05d}" for c in order_customer[line_order]], dtype="string"),
            "product_name": pd.array([f"Product {p}" for p in product], dtype="string"),
            "country": pd.array(
                rng.choice(["United Kingdom", "France", "Germany"], n_lines, p=[0.8, 0.1, 0.1]), dtype="string"
            ),
        }
    )
    frame["is_return"] = pd.array(is_return, dtype="boolean")
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    return frame


def raw_orders_csv(frame: pd.DataFrame, date_format: str = "%Y-%m-%d %H:%M:%S", sep: str = ",") -> str:
    """Write canonical transactions as an owner's export would look (UCI Online Retail column names)."""
    out = pd.DataFrame(
        {
            "InvoiceNo": frame["order_id"],
            "StockCode": frame["product_id"],
            "Description": frame["product_name"],
            "Quantity": frame["quantity"].astype(int),
            "InvoiceDate": frame["timestamp"].dt.strftime(date_format),
            "UnitPrice": frame["unit_price"],
            "CustomerID": frame["customer_id"],
            "Country": frame["country"],
        }
    )
    return out.to_csv(index=False, sep=sep)
