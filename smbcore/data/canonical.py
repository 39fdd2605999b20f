"""Build a canonical table from an owner's columns: rename, convert, apply the table's rules, report problems."""

from __future__ import annotations

import re

import pandas as pd

from smbcore.data import purchase_log, refunds
from smbcore.data.columns import EXAMPLES, convert_column, infer_extra, rows_of
from smbcore.data.contracts import TableSpec
from smbcore.data.currency import currency_counts
from smbcore.data.order_rules import (
    fill_order_level,
    join_date_and_time,
    line_rules,
    report_copies,
    report_product_names,
)
from smbcore.data.parsing import DateOrder
from smbcore.data.report import Problem

__all__ = ["build_canonical"]


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_") or "column"


def _currencies(frame: pd.DataFrame, mapping: dict[str, str], problems: list[Problem]) -> None:
    """Several currencies in one file cannot be added up: say which and how many rows each."""
    if "currency" not in frame:
        return
    frame["currency"] = frame["currency"].str.upper()
    counts = currency_counts(frame["currency"])
    if len(counts) > 1:
        described = ", ".join(f"{code} ({n:,} rows)" for code, n in counts.items())
        problems.append(
            Problem(
                "warning",
                "currency",
                int(counts.iloc[1:].sum()),
                list(counts.index[1:6]),
                f"'{mapping['currency']}' holds several currencies: {described}. Amounts are added up as if they "
                f"were all {counts.index[0]}, which they are not: upload each currency as its own file, or convert "
                "them first.",
            )
        )


def _without_summary_lines(raw: pd.DataFrame, required: list[str], problems: list[Problem]) -> pd.DataFrame:
    """Lines with every required column blank (an export's footer such as '754 record(s) downloaded', or blank
    lines) hold no order data: they are left out and reported as such, not as rows with missing values."""
    if not required:
        return raw
    blank = raw[required].apply(lambda col: col.astype("string").str.strip().fillna("").eq("")).all(axis=1)
    if not blank.any() or blank.all():
        return raw
    said = raw[blank].apply(
        lambda row: next((str(v).strip() for v in row if str(v).strip() not in ("", "nan", "<NA>")), ""), axis=1
    )
    problems.append(
        Problem(
            "info",
            None,
            int(blank.sum()),
            [text[:60] for text in said if text][:EXAMPLES],
            f"{int(blank.sum()):,} lines hold no order data (blank lines or summary lines such as the export's "
            "'records downloaded' footer); they are left out.",
            rows_of(blank),
        )
    )
    return raw[~blank]


def build_canonical(
    raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], date_order: DateOrder = "auto"
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Canonical frame for `spec` from the owner's text columns and a canonical->owner column mapping.

    Returns (frame, problems). The frame holds the spec's mapped columns (converted), table-derived
    columns (transactions: is_return, revenue) and, where the table keeps them, the owner's other
    columns under snake_case names. It is None when a required column is missing or dates need the
    owner's answer. Rows whose required values cannot be read are left out and reported.
    Transactions: returns, refund columns and unpaid lines follow smbcore.data.refunds (refunded orders get
    return lines appended after the sale lines; failed or cancelled payments are left out).
    """
    problems: list[Problem] = []
    mapping = _known_columns(raw, mapping, problems)
    _needed_columns(raw, spec, mapping, problems)
    if any(p.level == "error" for p in problems):
        return None, problems
    raw = _without_summary_lines(raw, [mapping[c] for c in spec.required if c in mapping], problems)
    frame, keep = _converted(raw, spec, mapping, date_order, problems)
    if any(p.level == "question" for p in problems):
        return None, problems
    if spec.name == "transactions":
        if "time_of_day" in frame:
            del frame["time_of_day"]
        purchase_log.complete(frame, mapping, problems)
        fill_order_level(frame, problems, mapping)
        report_product_names(frame, mapping, problems)
    _currencies(frame, mapping, problems)
    keep &= _missing_required(frame, spec, mapping, problems, keep)
    if spec.name == "transactions":
        keep &= ~refunds.unpaid_lines(raw, frame, mapping, keep, problems)
        keep = line_rules(frame, keep, problems)
    if spec.row_id_prefix and "customer_id" not in frame:
        _row_ids(frame, spec.row_id_prefix, len(raw), problems)
    _other_columns(frame, raw, spec, mapping, problems)
    if spec.name != "transactions":
        return frame[keep].reset_index(drop=True), problems
    returned = refunds.refund_lines(raw, frame, mapping, keep, date_order, problems)
    frame = frame[keep].reset_index(drop=True)
    if len(returned):
        frame = pd.concat([frame, returned], ignore_index=True)
    report_copies(frame, problems)
    return frame, problems


def _known_columns(raw: pd.DataFrame, mapping: dict[str, str], problems: list[Problem]) -> dict[str, str]:
    """The mapping without the owner's columns that are not in the file (each reported as an error)."""
    for src in mapping.values():
        if src not in raw.columns:
            problems.append(
                Problem(
                    "error",
                    None,
                    0,
                    [],
                    f"The column '{src}' is not in the file. Pick one of: {', '.join(map(str, raw.columns[:30]))}.",
                )
            )
    return {k: v for k, v in mapping.items() if v in raw.columns}


def _needed_columns(raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], problems: list[Problem]) -> None:
    """An error for each column the table needs that nothing stands in for (no mapping, fallback or made-up id)."""
    made = purchase_log.made_up_columns(spec.name, mapping)
    for col in spec.columns:
        generated = (spec.row_id_prefix is not None and col.name == "customer_id") or col.name in made
        if not col.required or generated or col.name in mapping or col.fallback in mapping:
            continue
        hint = ""
        if len(raw.columns) == 1:
            hint = (
                f" We found only one column ('{str(raw.columns[0])[:60]}'): the file may use a separator "
                "we do not read; save it as CSV with commas or semicolons."
            )
        problems.append(
            Problem(
                "error",
                col.name,
                len(raw),
                [],
                f"No column for '{col.name}' ({col.description.lower()}), "
                f"which this table needs. Map one of your columns to it.{hint}",
            )
        )


def _converted(
    raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], date_order: DateOrder, problems: list[Problem]
) -> tuple[pd.DataFrame, pd.Series]:
    """(frame, keep): the mapped columns converted to their kinds (a date and a time of day read as one
    timestamp), fallbacks filled in; keep is False on rows whose required values cannot be read."""
    frame = pd.DataFrame(index=raw.index)
    keep = pd.Series(True, index=raw.index)
    joined = join_date_and_time(raw, mapping) if spec.name == "transactions" else None
    for col in spec.columns:
        if col.name not in mapping or (col.name == "time_of_day" and joined is not None):
            continue
        cells = joined if col.name == "timestamp" and joined is not None else raw[mapping[col.name]]
        values, bad = convert_column(cells, col, mapping[col.name], date_order, problems)
        frame[col.name] = values
        if col.required:
            keep &= ~bad
    for col in spec.columns:
        if not col.fallback or col.fallback not in frame:
            continue
        if col.name in frame:
            frame[col.name] = frame[col.name].fillna(frame[col.fallback])
            continue
        frame[col.name] = frame[col.fallback]
        problems.append(
            Problem(
                "info",
                col.name,
                0,
                [],
                f"No product code column: the product name ('{mapping[col.fallback]}') is used as the product id.",
            )
        )
    return frame, keep


def _row_ids(frame: pd.DataFrame, prefix: str, rows: int, problems: list[Problem]) -> None:
    """No customer id column: each row gets one from its row number (in place, as the first column)."""
    width = len(str(rows))
    frame.insert(0, "customer_id", pd.array([f"{prefix}{i + 1:0{width}d}" for i in range(rows)], dtype="string"))
    problems.append(
        Problem(
            "info",
            "customer_id",
            rows,
            [],
            f"No customer id column: each row is given an id from its row number ({prefix}{1:0{width}d}, ...).",
        )
    )


def _other_columns(
    frame: pd.DataFrame, raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], problems: list[Problem]
) -> None:
    """The owner's unmapped columns: kept under snake_case names where the table keeps them (in place), else
    named in an info line."""
    if spec.keeps_extra_columns:
        mapped = set(mapping.values())
        for source in raw.columns:
            if source in mapped:
                continue
            name = _snake(source)
            while name in frame:
                name += "_x"
            frame[name] = infer_extra(raw[source])
        return
    used = set(mapping.values())
    if spec.name == "transactions":
        used |= set(refunds.used_columns(raw, mapping))
    ignored = [c for c in raw.columns if c not in used]
    if ignored:
        problems.append(Problem("info", None, 0, [], f"Columns not used: {', '.join(map(str, ignored[:15]))}."))


def _missing_required(
    frame: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], problems: list[Problem], keep: pd.Series
) -> pd.Series:
    """Rows with an empty required cell (not already reported as unreadable) are left out and reported."""
    ok = pd.Series(True, index=frame.index)
    for name in spec.required:
        if name not in frame:
            continue
        empty = frame[name].isna() & keep
        if empty.any():
            source = mapping.get(name) or mapping.get(spec.column(name).fallback or "", name)
            problems.append(
                Problem(
                    "error",
                    name,
                    int(empty.sum()),
                    [],
                    f"{int(empty.sum()):,} rows have no '{source}'. Those rows are left out.",
                    rows_of(empty),
                )
            )
            ok &= ~empty
    return ok
