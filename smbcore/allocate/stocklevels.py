"""Stock on hand: from the owner's own file (a stock count or a till/warehouse export), and the owner's stock
levels and perishable lines kept in their workspace, per data source."""

from __future__ import annotations

import json

import pandas as pd

from smbcore.data.parsing import parse_numbers
from smbcore.data.reading import read_raw

__all__ = ["read_stock_levels", "stock_levels_table", "with_counted", "keep_stock_levels", "stock_on_hand"]

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


def _key(source: str) -> str:
    return f"stock_levels:{source}"  # the owner's stock levels for one data source do not leak into another


def _saved(workspace, source: str) -> dict:
    return json.loads(workspace.setting(_key(source), "{}") or "{}")


def stock_levels_table(workspace, source: str, products: pd.DataFrame) -> pd.DataFrame:
    """The stock levels kept for `source` ('own' or a sample's name) for the planned products (product_id,
    product_name). Returns product_id, product_name, stock (units; None where not known), perishable (bool)."""
    saved = _saved(workspace, source)
    ids = products["product_id"]
    return pd.DataFrame(
        {
            "product_id": ids,
            "product_name": products["product_name"],
            "stock": [saved.get(p, {}).get("stock") for p in ids],
            "perishable": [bool(saved.get(p, {}).get("perishable", False)) for p in ids],
        }
    )


def with_counted(table: pd.DataFrame, levels: pd.Series) -> tuple[pd.DataFrame, int]:
    """`table` (see stock_levels_table) with the units of a stock count (`levels`, see read_stock_levels) where
    the count has the product; others keep their stock. Returns (table, products of the table the count had)."""
    known = levels[levels.index.isin(table["product_id"])]
    counted = table["product_id"].map(known)
    return table.assign(stock=counted.where(counted.notna(), table["stock"])), len(known)


def keep_stock_levels(workspace, source: str, table: pd.DataFrame) -> tuple[pd.Series | None, set]:
    """Keep the owner's edited stock levels for `source` (table: product_id, stock, perishable; rows without
    stock and not perishable are not kept); written only when changed. Returns stock_on_hand of what is kept."""
    current = {
        str(r.product_id): {"stock": None if pd.isna(r.stock) else float(r.stock), "perishable": bool(r.perishable)}
        for r in table[["product_id", "stock", "perishable"]].itertuples(index=False)
        if not pd.isna(r.stock) or r.perishable
    }
    if current != _saved(workspace, source):
        workspace.set_setting(_key(source), json.dumps(current))
    return _on_hand(current)


def stock_on_hand(workspace, source: str) -> tuple[pd.Series | None, set]:
    """The kept stock levels for `source`: (units on hand by product_id, or None when none is known; the
    product_ids marked perishable or seasonal)."""
    return _on_hand(_saved(workspace, source))


def _on_hand(saved: dict) -> tuple[pd.Series | None, set]:
    stock = pd.Series({p: v["stock"] for p, v in saved.items() if v.get("stock") is not None}, dtype=float)
    return (stock if len(stock) else None), {p for p, v in saved.items() if v.get("perishable")}
