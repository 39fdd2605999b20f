"""Converting one of the owner's columns to its canonical kind, and saying which cells could not be read."""

from __future__ import annotations

import pandas as pd

from smbcore.data.contracts import ColumnSpec
from smbcore.data.parsing import DateOrder, clean_text, parse_dates, parse_flags, parse_numbers
from smbcore.data.report import Problem, row_numbers

__all__ = ["convert_column", "infer_extra", "examples", "rows_of"]

EXAMPLES = 5  # values shown to the owner as examples


def rows_of(mask: pd.Series) -> list[int]:
    """The file's row numbers of the first 10 rows where `mask` is True."""
    return row_numbers(mask[mask].index[:10])


def examples(values: pd.Series, mask: pd.Series) -> list:
    """Up to five different values where `mask` is True, to show the owner."""
    return values[mask].drop_duplicates().head(EXAMPLES).tolist()


def convert_column(
    raw: pd.Series, spec: ColumnSpec, source: str, date_order: DateOrder, problems: list[Problem]
) -> tuple[pd.Series, pd.Series]:
    """Convert one mapped column; returns (values, bad) and records what could not be read."""
    if spec.kind == "text":
        values = clean_text(raw)
        return values, pd.Series(False, index=raw.index)
    if spec.kind == "number":
        values, bad = parse_numbers(raw)
        what = "numbers"
    elif spec.kind == "flag":
        values, bad = parse_flags(raw)
        what = "yes/no values"
    else:
        values, bad, reading = parse_dates(raw, date_order)
        if spec.kind == "date":
            values = values.dt.normalize()
        what = "dates"
        if reading.ambiguous:
            problems.append(
                Problem(
                    "question",
                    spec.name,
                    reading.styles.get("like 03/04/2011", 0),
                    reading.examples,
                    f"Dates in '{source}' such as '{reading.examples[0]}' can be read two ways (day first: "
                    f"3 April; month first: March 4) and nothing in the file settles it. Tell us which order "
                    "your system writes dates in.",
                )
            )
        elif reading.order != "auto" and date_order == "auto":
            problems.append(
                Problem(
                    "info",
                    spec.name,
                    reading.styles.get("like 03/04/2011", 0),
                    reading.examples,
                    f"Dates in '{source}' were read {'day' if reading.order == 'day_first' else 'month'} first, "
                    "because some values only make sense that way.",
                )
            )
        if len(reading.styles) > 1:
            described = "; ".join(f"{n:,} rows {style}" for style, n in reading.styles.items())
            problems.append(
                Problem(
                    "warning",
                    spec.name,
                    sum(reading.styles.values()),
                    [],
                    f"'{source}' mixes date styles "
                    f"({described}). Each was read on its own; check the preview looks right.",
                )
            )
    if bad.any():
        level = "error" if spec.required else "warning"
        outcome = "Those rows are left out." if spec.required else "Those cells are left empty."
        problems.append(
            Problem(
                level,
                spec.name,
                int(bad.sum()),
                examples(raw, bad),
                f"'{source}' has {int(bad.sum()):,} values that are not {what}. {outcome} "
                f"Fix them in your file or map another column to '{spec.name}'.",
                rows_of(bad),
            )
        )
    return values, bad


def infer_extra(raw: pd.Series) -> pd.Series:
    """An unmapped column kept as a feature: numbers when nearly all cells are numbers, else text."""
    values, bad = parse_numbers(raw)
    filled = raw.notna() & (raw.astype("string").str.strip() != "")
    if filled.any() and bad.sum() <= 0.01 * filled.sum():
        return values
    return clean_text(raw)
