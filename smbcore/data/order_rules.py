"""The rules of order lines (the transactions table): order fields written on an order's first line only, a date
and a time of day in two columns, codes with several names, returns, free and unpriced lines, guest checkouts,
copied lines. Each step reports what it did as Problems."""

from __future__ import annotations

import pandas as pd

from smbcore.data import refunds
from smbcore.data.columns import examples, rows_of
from smbcore.data.report import Problem

__all__ = ["fill_order_level", "join_date_and_time", "report_product_names", "line_rules", "report_copies"]


def fill_order_level(frame: pd.DataFrame, problems: list[Problem], mapping: dict[str, str]) -> None:
    """Some exports (Shopify) write order fields (date, customer, consent, currency) only on an order's first line:
    copy them to the order's other lines. A value blank on every line of an order stays unknown."""
    for col in ("timestamp", "customer_id", "country", "marketing_consent", "currency"):
        if col in frame and frame[col].isna().any() and frame[col].notna().any():
            filled = frame.groupby("order_id", sort=False)[col].transform("first")
            newly = frame[col].isna() & filled.notna() & frame["order_id"].notna()
            if newly.any():
                frame.loc[newly, col] = filled[newly]
                problems.append(
                    Problem(
                        "info",
                        col,
                        int(newly.sum()),
                        [],
                        f"Filled in '{mapping.get(col, col)}' "
                        f"for {int(newly.sum()):,} lines from other lines of the same order.",
                    )
                )


def join_date_and_time(raw: pd.DataFrame, mapping: dict[str, str]) -> pd.Series | None:
    """A date column plus a time-of-day column ('Datum' + 'Uhrzeit') read as one timestamp; None without a time."""
    if "time_of_day" not in mapping or "timestamp" not in mapping:
        return None
    date = raw[mapping["timestamp"]].astype("string").str.strip()
    time = raw[mapping["time_of_day"]].astype("string").str.strip()
    joinable = (
        date.notna() & (date != "") & ~date.str.contains(":", regex=False).fillna(False) & (time.fillna("") != "")
    )
    return date.where(~joinable, date + " " + time)


def report_product_names(frame: pd.DataFrame, mapping: dict[str, str], problems: list[Problem]) -> None:
    """A product code carrying several names (a reused code, or names edited over time) is reported."""
    if "product_name" not in mapping or "product_id" not in mapping:
        return
    pairs = frame[["product_id", "product_name"]].dropna()
    names = pairs.groupby("product_id", sort=False)["product_name"].nunique()
    several = names[names > 1]
    if several.empty:
        return
    described = []
    for code in several.index[:5]:
        counts = pairs.loc[pairs["product_id"] == code, "product_name"].value_counts()
        described.append(f"'{code}': " + ", ".join(f"'{n}' ({c:,} rows)" for n, c in counts.head(4).items()))
    rows = int(pairs["product_id"].isin(several.index).sum())
    problems.append(
        Problem(
            "warning",
            "product_id",
            rows,
            list(several.index[:5]),
            f"{len(several):,} product codes in '{mapping['product_id']}' carry more than one name "
            f"({'; '.join(described)}). Figures per product count them as one product; if they are different "
            "products, give each its own code.",
        )
    )


def line_rules(frame: pd.DataFrame, raw_keep: pd.Series, problems: list[Problem]) -> pd.Series:
    """Returns, and lines that cannot count as sales or returns. Returns the rows to keep."""
    keep = raw_keep.copy()
    refunds.sign_refund_prices(frame, problems)
    zero = frame["quantity"].eq(0) & keep
    if zero.any():
        problems.append(
            Problem(
                "warning",
                "quantity",
                int(zero.sum()),
                [],
                f"{int(zero.sum()):,} lines have a quantity of 0; they are not sales or returns and are left out.",
                rows_of(zero),
            )
        )
        keep &= ~zero
    negative_price = frame["unit_price"].lt(0) & keep
    if negative_price.any():
        names = frame.get("product_name", frame["product_id"])
        problems.append(
            Problem(
                "warning",
                "unit_price",
                int(negative_price.sum()),
                examples(names, negative_price),
                f"{int(negative_price.sum()):,} lines have a price below zero (accounting adjustments, not products). "
                "They are left out of sales and returns.",
                rows_of(negative_price),
            )
        )
        keep &= ~negative_price
    frame["is_return"] = refunds.is_return(frame)
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    returns = frame["is_return"] & keep
    if returns.any():
        problems.append(
            Problem(
                "info",
                "quantity",
                int(returns.sum()),
                [],
                f"{int(returns.sum()):,} lines are "
                "returns or cancellations (negative quantity or a 'C' order number); they count "
                "as returns, not sales.",
            )
        )
    free = frame["unit_price"].eq(0) & keep
    if free.any():
        problems.append(
            Problem(
                "info",
                "unit_price",
                int(free.sum()),
                [],
                f"{int(free.sum()):,} lines have a "
                "price of 0 (free items or stock corrections); they count as units but no revenue.",
            )
        )
    if "customer_id" in frame:
        guests = frame["customer_id"].isna() & keep
        if guests.any():
            problems.append(
                Problem(
                    "warning",
                    "customer_id",
                    int(guests.sum()),
                    [],
                    f"{int(guests.sum()):,} lines "
                    f"({guests.sum() / max(keep.sum(), 1):.0%}) have no customer id (guest checkouts). They count "
                    "in sales and product figures, not in customer figures.",
                    rows_of(guests),
                )
            )
    else:
        problems.append(
            Problem(
                "warning",
                "customer_id",
                0,
                [],
                "No customer column is mapped: sales and "
                "product figures work, customer figures (repeat buyers, churn) need one.",
            )
        )
    return keep


def report_copies(frame: pd.DataFrame, problems: list[Problem]) -> None:
    """Order lines that are exact copies of another are kept, and said."""
    duplicated = int(frame.duplicated().sum())
    if duplicated:
        problems.append(
            Problem(
                "warning",
                None,
                duplicated,
                [],
                f"{duplicated:,} lines are exact copies of another "
                "line (same order, product, time, quantity and price). They are kept: if your "
                "export repeats lines by mistake, remove the copies and upload again.",
            )
        )
