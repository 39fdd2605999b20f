"""Purchase logs: order lines a file does not spell out (no order number, no product, no price of one item).

The one place these rules live, for guessing (`made_up_columns`) and for building the table (`complete`):
- no order number, but customer and date: one order per customer and day ('C042 2024-03-01'); a line without a
  customer is an order of its own;
- no product column: every line is one product, 'All products' (product_id 'ALL');
- an amount for the whole line but no price of one item: unit_price = amount / quantity;
- an amount but no quantity: each line is one item (-1 for a negative amount, a refund).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.data.report import Problem, row_numbers

__all__ = ["made_up_columns", "complete", "ALL_PRODUCTS_ID", "ALL_PRODUCTS_NAME"]

ALL_PRODUCTS_ID = "ALL"
ALL_PRODUCTS_NAME = "All products"


def made_up_columns(table: str, mapping: dict[str, str]) -> dict[str, str]:
    """Required transactions columns that can be made from the mapped ones: canonical name -> how, in words."""
    if table != "transactions":
        return {}
    made: dict[str, str] = {}
    if "line_total" in mapping and "unit_price" not in mapping:
        made["unit_price"] = "line_total"
        if "quantity" not in mapping:
            made["quantity"] = "one"
    if "order_id" not in mapping and "customer_id" in mapping and "timestamp" in mapping:
        made["order_id"] = "customer_day"
    if "product_id" not in mapping and "product_name" not in mapping:
        made["product_id"] = "all"
    return made


def complete(frame: pd.DataFrame, mapping: dict[str, str], problems: list[Problem]) -> None:
    """Add the columns `made_up_columns` promises to a converted transactions frame (in place), saying so."""
    made = made_up_columns("transactions", mapping)
    if not made:
        if "line_total" in frame:
            del frame["line_total"]
        return
    amount = mapping.get("line_total", "")
    if made.get("quantity") == "one":
        frame["quantity"] = np.where(frame["line_total"] < 0, -1.0, 1.0)
        frame["quantity"] = frame["quantity"].where(frame["line_total"].notna())
        problems.append(
            Problem("info", "quantity", len(frame), [], "No quantity column: each line counts as one item.")
        )
    if "unit_price" in made:
        quantity = frame["quantity"].where(frame["quantity"] != 0)
        frame["unit_price"] = (frame["line_total"] / quantity).round(6)  # a refund line: negative / negative
        frame.loc[frame["quantity"].eq(0).fillna(False), "unit_price"] = 0.0  # nothing sold (cancelled): no price
        problems.append(
            Problem(
                "info",
                "unit_price",
                len(frame),
                [],
                f"'{amount}' is the money for the whole line, so the price of one item is '{amount}' divided by the "
                "quantity.",
            )
        )
    if made.get("order_id") == "customer_day":
        day = frame["timestamp"].dt.strftime("%Y-%m-%d")
        by_row = pd.Series([f"row {n}" for n in row_numbers(frame.index)], index=frame.index, dtype="string")
        frame["order_id"] = (frame["customer_id"] + " " + day.astype("string")).fillna(by_row).astype("string")
        problems.append(
            Problem(
                "info",
                "order_id",
                len(frame),
                [],
                "No order number: each customer's purchases on one day count as one order (a line without a "
                "customer is an order of its own).",
            )
        )
    if made.get("product_id") == "all":
        frame["product_id"] = pd.array([ALL_PRODUCTS_ID] * len(frame), dtype="string")
        frame["product_name"] = pd.array([ALL_PRODUCTS_NAME] * len(frame), dtype="string")
        problems.append(
            Problem(
                "info",
                "product_id",
                len(frame),
                [],
                f"No product column: every line counts as one product, '{ALL_PRODUCTS_NAME}'. Sales, customer and "
                "forecast figures work; figures per product (best sellers, stock) need a product column.",
            )
        )
    if "line_total" in frame:
        del frame["line_total"]
