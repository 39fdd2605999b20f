"""Problems found while reading and checking a file, and the report table shown to the owner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

__all__ = ["Problem", "report_frame", "LEVELS", "ROW_OFFSET", "row_numbers"]

Level = Literal["error", "question", "warning", "info"]
LEVELS: tuple[str, ...] = ("error", "question", "warning", "info")
# A raw frame's index label i is spreadsheet row i + 2 (row 1 holds the column names). Reading keeps these labels
# when it leaves out a malformed or blank line, so rows after it keep the numbers a spreadsheet shows.
ROW_OFFSET = 2


def row_numbers(labels) -> list[int]:
    """Spreadsheet row numbers of raw-frame index labels."""
    return [int(i) + ROW_OFFSET for i in labels]


@dataclass
class Problem:
    """One finding. `rows` is how many rows it touches, `examples` a few offending values,
    `row_numbers` the first few spreadsheet row numbers, `message` what it means and what to do."""

    level: Level
    column: str | None
    rows: int
    examples: list = field(default_factory=list)
    message: str = ""
    row_numbers: list[int] = field(default_factory=list)


def report_frame(problems: list[Problem]) -> pd.DataFrame:
    """Columns: level, column, rows, examples, row_numbers, message; errors first."""
    records = [
        {
            "level": p.level,
            "column": p.column or "",
            "rows": int(p.rows),
            "examples": ", ".join(repr(str(e)) for e in p.examples[:5]),
            "row_numbers": ", ".join(str(r) for r in p.row_numbers[:10]),
            "message": p.message,
        }
        for p in sorted(problems, key=lambda p: LEVELS.index(p.level))
    ]
    return pd.DataFrame(records, columns=["level", "column", "rows", "examples", "row_numbers", "message"])
