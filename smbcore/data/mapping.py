"""Guess which of an owner's columns is which canonical column, and which table a file holds."""

from __future__ import annotations

import pandas as pd

from smbcore.data.contracts import PRESETS, TABLES, ColumnSpec, normalise_name, table_spec
from smbcore.data.purchase_log import made_up_columns

__all__ = ["guess_mapping", "guess_table", "detect_preset"]


def detect_preset(columns: list[str]) -> str | None:
    """The known export (Shopify, WooCommerce, Square, Etsy, Amazon, eBay, Stripe, Lightspeed, SumUp, Zettle,
    UCI Online Retail) whose signature columns are all present; with several, the one with most signature columns.
    Optional columns of an export may be missing: only the signature counts."""
    present = {normalise_name(c) for c in columns}
    best, best_size = None, 0
    for key, preset in PRESETS.items():
        signature = preset["signature"]
        if len(signature) > best_size and all(normalise_name(s) in present for s in signature):
            best, best_size = key, len(signature)
    return best


def _stems(spec: ColumnSpec) -> set[str]:
    return {normalise_name(s) for s in (spec.name, *spec.synonyms)} - {""}


def _suffix_match(column: str, spec: ColumnSpec) -> bool:
    """'item_name' is an item's name, 'shop_id' a shop: a synonym followed by one of the column's endings."""
    key = normalise_name(column)
    for ending in spec.suffixes:
        if key.endswith(ending) and len(key) > len(ending) and key[: -len(ending)] in _stems(spec):
            return True
    return False


def _filled_share(frame: pd.DataFrame | None, column: str) -> float:
    if frame is None or column not in frame or not len(frame):
        return 1.0
    cells = frame[column]
    return float((cells.notna() & (cells.astype("string").str.strip() != "")).mean())


def _looks_like_codes(frame: pd.DataFrame | None, column: str) -> bool:
    """An 'Item' column holding codes ('HX-M6-50', 'TAPE-DUCT'), not names: nearly all without spaces and with a
    digit or in capitals joined by dashes."""
    if frame is None or column not in frame:
        return False
    values = frame[column].dropna().astype("string").str.strip()
    values = values[values != ""].drop_duplicates().head(500)
    if values.empty:
        return False
    capital_parts = values.str.fullmatch(r"[A-Z0-9]+(?:[-_./][A-Z0-9]+)+")  # 'TAPE-DUCT', 'GLUE-PVA'
    codes = ~values.str.contains(" ", regex=False) & (values.str.contains(r"\d", regex=True) | capital_parts)
    return bool(codes.mean() >= 0.9)


def guess_mapping(columns: list[str], table: str, frame: pd.DataFrame | None = None) -> dict[str, str]:
    """Map canonical column -> the owner's column, from known exports first, then names and synonyms in six
    languages, then synonyms with an ending ('item_name', 'customer_no').

    Each owner's column is used at most once; canonical columns with no good guess are left out. A line total
    ('amount') is only guessed when there is no price of one item, and a separate time of day only next to a date.
    With the file's cells (`frame`), an empty column is never guessed, and a product code column filled on fewer
    than half the lines is not guessed when there is a product name (codes on some lines and names on the others
    would split one product in two).
    """
    spec = table_spec(table)
    preset = detect_preset(columns)
    rule = PRESETS[preset].get("keep_rows") if preset else None
    if frame is not None and rule is not None and rule[0] in frame:
        frame = frame[frame[rule[0]].isin(rule[1])]  # judge the columns on the export's order lines only
    empty = {c for c in columns if _filled_share(frame, c) == 0}
    by_key = {normalise_name(c): c for c in reversed(columns) if c not in empty}  # the first of equal names wins
    mapping, blocked = _from_preset(preset, table, by_key)
    todo = [col for col in spec.columns if col.name not in mapping and col.name not in blocked]
    _by_names(todo, by_key, mapping)
    _by_suffixes(todo, [c for c in columns if c not in empty], mapping)
    if table == "transactions":
        _transactions_choices(mapping, frame, preset)
    return {col.name: mapping[col.name] for col in spec.columns if col.name in mapping}


def _from_preset(preset: str | None, table: str, by_key: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """(mapping, blocked): a known export's own columns, and the canonical columns it has none of."""
    mapping: dict[str, str] = {}
    blocked: set[str] = set()
    if not preset or PRESETS[preset]["table"] != table:
        return mapping, blocked
    for canonical, sources in PRESETS[preset]["mapping"].items():
        if sources is None:
            blocked.add(canonical)
            continue
        for source in (sources,) if isinstance(sources, str) else sources:
            if normalise_name(source) in by_key:
                mapping[canonical] = by_key[normalise_name(source)]
                break
    return mapping, blocked


def _by_names(todo: list[ColumnSpec], by_key: dict[str, str], mapping: dict[str, str]) -> None:
    """Map each column still to do whose name or a synonym is an owner's column not yet used (in place)."""
    used = set(mapping.values())
    for col in todo:
        for candidate in (col.name, *col.synonyms):
            source = by_key.get(normalise_name(candidate))
            if source is not None and source not in used:
                mapping[col.name] = source
                used.add(source)
                break


def _by_suffixes(todo: list[ColumnSpec], filled: list[str], mapping: dict[str, str]) -> None:
    """Then a synonym with an ending ('item_name', 'customer_no') for what is still unmapped (in place)."""
    used = set(mapping.values())
    for col in todo:
        if col.name in mapping or not col.suffixes:
            continue
        source = next((c for c in filled if c not in used and _suffix_match(c, col)), None)
        if source is not None:
            mapping[col.name] = source
            used.add(source)


def _transactions_choices(mapping: dict[str, str], frame: pd.DataFrame | None, preset: str | None) -> None:
    """Order lines: a sparse product code gives way to the name, a name that holds codes is the product id, a
    line total only without a price of one item, a time of day only next to a date (in place)."""
    if "product_name" in mapping and "product_id" in mapping and _filled_share(frame, mapping["product_id"]) < 0.5:
        mapping.pop("product_id")
    if "product_name" in mapping and "product_id" not in mapping and _looks_like_codes(frame, mapping["product_name"]):
        mapping["product_id"] = mapping.pop("product_name")
    if "unit_price" in mapping and (not preset or "line_total" not in PRESETS[preset]["mapping"]):
        mapping.pop("line_total", None)
    if "timestamp" not in mapping:
        mapping.pop("time_of_day", None)


def guess_table(columns: list[str], frame: pd.DataFrame | None = None) -> str:
    """The canonical table that explains most of this file's columns (ties: the one whose needs it covers best)."""
    preset = detect_preset(columns)
    if preset:
        return PRESETS[preset]["table"]
    best, best_score = "transactions", (-1.0, -1)
    for name, spec in TABLES.items():
        mapping = guess_mapping(columns, name, frame)
        required = spec.required
        made = made_up_columns(name, mapping)
        covered = sum(1 for c in required if c in mapping or spec.column(c).fallback in mapping or c in made)
        # columns explained, plus how much of the table's needs they meet (a full table beats a partial one that
        # explains no more columns; an orders file short of a price is still an orders file, not a factor table)
        score = (len(mapping) + covered / len(required), covered / len(required))
        if score > best_score:
            best, best_score = name, score
    return best
