"""Stock on hand from the owner's own file (a stock count or a till/warehouse export)."""

from __future__ import annotations

import pandas as pd

from smbcore.data.parsing import parse_numbers
from smbcore.data.reading import read_raw

__all__ = ["read_stock_levels"]

_PRODUCT = ("product_id", "product id", "product code", "sku", "stockcode", "stock code", "item code", "code",
            "product", "item", "variant sku")  # fmt: skip
_STOCK = ("stock", "in stock", "on hand", "on_hand", "stock on hand", "available", "inventory", "quantity", "qty",
          "units", "count")  # fmt: skip


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def read_stock_levels(source, name: str | None = None) -> tuple[pd.Series | None, list[str]]:
    """Units in stock per product from a CSV or Excel file with a product-code column and a stock column.

    Returns (Series of units indexed by product_id as text, or None when the file cannot be used; messages in
    plain words: what was left out and why, with the rows as a spreadsheet numbers them)."""
    raw = read_raw(source, name)
    if raw.frame is None:
        return None, [p.message for p in raw.problems]
    columns = list(raw.frame.columns)
    product, stock = _find(columns, _PRODUCT), _find(columns, _STOCK)
    if product is None or stock is None:
        return None, [
            f"The file '{raw.name}' needs a column with the product code (for example 'product_id' or 'SKU') and "
            f"one with the units in stock (for example 'stock' or 'on hand'). Its columns are: {', '.join(columns)}."
        ]
    units, bad = parse_numbers(raw.frame[stock])
    codes = raw.frame[product].astype("string").str.strip().replace("", pd.NA)
    messages = []
    for mask, why in ((bad, "are not numbers"), (units < 0, "are below zero"), (codes.isna(), "have no product code")):
        mask = mask.fillna(False).to_numpy()
        if mask.any():
            rows = [str(i + 2) for i in mask.nonzero()[0][:5]]
            more = f" and {mask.sum() - 5} more" if mask.sum() > 5 else ""
            messages.append(f"Rows {', '.join(rows)}{more} of '{raw.name}' {why} in '{stock}' / '{product}'; left out.")
    keep = ~bad.fillna(False) & (units >= 0).fillna(False) & codes.notna()
    levels = pd.Series(units[keep].to_numpy(), index=codes[keep].to_numpy(), dtype=float)
    if levels.index.duplicated().any():
        messages.append(f"Some products appear more than once in '{raw.name}'; their units were added up.")
        levels = levels.groupby(level=0).sum()
    if levels.empty:
        return None, [*messages, f"No usable stock levels were found in '{raw.name}'."]
    return levels, messages
