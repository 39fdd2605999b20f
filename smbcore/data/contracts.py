"""The canonical tables: their columns, kinds, and the names owners' files use for them.

The vocabulary itself is data, in vocabulary.json next to this module: `shared` lists used by several columns
(a column's `synonyms` may name one; its `suffixes` list the names of the ending lists that apply), `tables` (each
with `columns` and `derived` columns, as ColumnSpec fields; left out means the default) and `presets`, the known
exports: when all `signature` columns are present the preset's `mapping` is the guess; a mapping value may list
alternatives (the first the file has is used, so files without some optional columns still match) or be null
(this export has no such column: do not guess one, e.g. SumUp's 'Email' is the merchant's own address, not the
customer's); `keep_rows` [column, [values]] keeps only the order lines of exports that mix in other rows; `notes`
say why, per mapping entry.

Names are listed in English, German, French, Spanish, Italian and Dutch; `normalise_name` folds case, accents
and punctuation, so 'Quantité', 'quantite' and 'QUANTITE ' are the same name.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["ColumnSpec", "TableSpec", "TABLES", "table_spec", "PRESETS", "normalise_name"]

Kind = Literal["text", "number", "datetime", "date", "flag"]


def normalise_name(name: str) -> str:
    """Fold case and accents and keep only letters and digits ('Lineitem name' -> 'lineitemname',
    'Quantité' -> 'quantite', 'Stückpreis' -> 'stuckpreis', 'Größe' -> 'grosse')."""
    folded = unicodedata.normalize("NFKD", str(name).casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: its name, kind, whether a table needs it, and the names it goes by in exports."""

    name: str
    kind: Kind
    required: bool = False
    synonyms: tuple[str, ...] = ()
    description: str = ""
    fallback: str | None = None  # another canonical column that can stand in when this one is not mapped
    suffixes: tuple[str, ...] = ()  # endings after a synonym that still mean this column ('shop_name', 'item_no')

    def matches(self, column: str) -> bool:
        key = normalise_name(column)
        return key == normalise_name(self.name) or key in {normalise_name(s) for s in self.synonyms}


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns and whether columns we do not know are kept (as features) or left out."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    keeps_extra_columns: bool = False
    row_id_prefix: str | None = None  # a missing customer_id is made from the row number with this prefix
    derived: tuple[ColumnSpec, ...] = field(default=())  # columns smbcore fills (never mapped, never empty)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


_VOCABULARY = Path(__file__).with_name("vocabulary.json")


def _column(entry: dict, shared: dict[str, tuple[str, ...]]) -> ColumnSpec:
    synonyms = entry.get("synonyms", ())
    return ColumnSpec(
        name=entry["name"],
        kind=entry["kind"],
        required=entry.get("required", False),
        synonyms=shared[synonyms] if isinstance(synonyms, str) else tuple(synonyms),
        description=entry.get("description", ""),
        fallback=entry.get("fallback"),
        suffixes=sum((shared[name] for name in entry.get("suffixes", ())), ()),
    )


def _preset(entry: dict) -> dict:
    preset = dict(entry, signature=tuple(entry["signature"]))
    preset["mapping"] = {k: tuple(v) if isinstance(v, list) else v for k, v in entry["mapping"].items()}
    if "keep_rows" in entry:
        column, values = entry["keep_rows"]
        preset["keep_rows"] = (column, tuple(values))
    return preset


def _load() -> tuple[dict[str, TableSpec], dict[str, dict]]:
    data = json.loads(_VOCABULARY.read_text(encoding="utf-8"))
    shared = {name: tuple(names) for name, names in data["shared"].items()}
    tables = {
        table["name"]: TableSpec(
            name=table["name"],
            description=table["description"],
            columns=tuple(_column(c, shared) for c in table["columns"]),
            keeps_extra_columns=table.get("keeps_extra_columns", False),
            row_id_prefix=table.get("row_id_prefix"),
            derived=tuple(_column(c, shared) for c in table.get("derived", ())),
        )
        for table in data["tables"]
    }
    return tables, {key: _preset(entry) for key, entry in data["presets"].items()}


TABLES, PRESETS = _load()


def table_spec(table: str) -> TableSpec:
    """The spec of a canonical table; a clear error for an unknown name."""
    from smbcore.errors import UnknownTableError

    try:
        return TABLES[table]
    except KeyError:
        raise UnknownTableError(f"There is no table called '{table}'. Use one of: {', '.join(TABLES)}.") from None
