"""Column contracts of the canonical tables as pandera schemas: checked before anything is saved."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa

from smbcore.data.contracts import table_spec
from smbcore.errors import ContractError

__all__ = ["schema_for", "check_contract"]

_KIND_CHECKS = {
    "number": (pd.api.types.is_numeric_dtype, "must hold numbers"),
    "datetime": (pd.api.types.is_datetime64_any_dtype, "must hold dates and times"),
    "date": (pd.api.types.is_datetime64_any_dtype, "must hold dates"),
    "flag": (pd.api.types.is_bool_dtype, "must hold yes/no values"),
    "text": (lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s), "must hold text"),
}

_SAID = {"not_nullable": "must not be empty"}  # pandera's own rule names, in words

_TABLE_CHECKS = {
    "transactions": {
        "quantity": [pa.Check(lambda s: s != 0, error="quantity must not be 0")],
        "unit_price": [pa.Check.ge(0, error="unit_price must not be below 0")],
    },
}


@cache
def schema_for(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a canonical table: required columns present and non-empty, kinds right; the derived
    columns (transactions: is_return, revenue) present and never empty."""
    spec = table_spec(table)
    columns = {}
    for col in spec.columns + spec.derived:
        kind_check, message = _KIND_CHECKS[col.kind]
        checks = [pa.Check(kind_check, element_wise=False, error=f"{col.name} {message}")]
        checks += _TABLE_CHECKS.get(table, {}).get(col.name, [])
        columns[col.name] = pa.Column(None, checks=checks, nullable=not col.required, required=col.required)
    return pa.DataFrameSchema(columns, strict=False, name=table)


def check_contract(table: str, frame: pd.DataFrame) -> None:
    """Raise ContractError naming each broken rule (column, rule, how many rows) if `frame` breaks the contract."""
    try:
        schema_for(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        missing = cases[cases["check"] == "column_in_dataframe"]
        lines = [f"- column '{name}' is missing" for name in missing["failure_case"]]
        lines += [
            f"- column '{column}': {_SAID.get(check, check)} ({len(group):,} rows)"
            for (column, check), group in cases.drop(missing.index).groupby(["column", "check"], sort=False)
        ]
        raise ContractError(f"The '{table}' table breaks its column contract:\n" + "\n".join(lines)) from None
