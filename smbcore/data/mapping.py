"""Guess which of an owner's columns is which canonical column, and which table a file holds."""

from __future__ import annotations

from smbcore.data.contracts import PRESETS, TABLES, normalise_name, table_spec

__all__ = ["guess_mapping", "guess_table", "detect_preset"]


def detect_preset(columns: list[str]) -> str | None:
    """The name of a known export (Shopify orders, UCI Online Retail) whose signature columns are all present."""
    present = {normalise_name(c) for c in columns}
    for key, preset in PRESETS.items():
        if all(normalise_name(s) in present for s in preset["signature"]):
            return key
    return None


def guess_mapping(columns: list[str], table: str) -> dict[str, str]:
    """Map canonical column -> the owner's column, from known exports first, then names and synonyms.

    Each owner's column is used at most once; canonical columns with no good guess are left out.
    """
    spec = table_spec(table)
    by_key = {normalise_name(c): c for c in reversed(columns)}  # the first of equal names wins
    mapping: dict[str, str] = {}
    preset = detect_preset(columns)
    if preset and PRESETS[preset]["table"] == table:
        for canonical, source in PRESETS[preset]["mapping"].items():
            if normalise_name(source) in by_key:
                mapping[canonical] = by_key[normalise_name(source)]
    used = set(mapping.values())
    for col in spec.columns:
        if col.name in mapping:
            continue
        for candidate in (col.name, *col.synonyms):
            source = by_key.get(normalise_name(candidate))
            if source is not None and source not in used:
                mapping[col.name] = source
                used.add(source)
                break
    return mapping


def guess_table(columns: list[str]) -> str:
    """The canonical table that explains most of this file's columns (ties: the one whose needs it covers best)."""
    preset = detect_preset(columns)
    if preset:
        return PRESETS[preset]["table"]
    best, best_score = "transactions", (-1.0, -1)
    for name, spec in TABLES.items():
        mapping = guess_mapping(columns, name)
        required = spec.required
        covered = sum(1 for c in required if c in mapping or (spec.column(c).fallback in mapping))
        score = (len(mapping), covered / len(required))
        if score > best_score:
            best, best_score = name, score
    return best
