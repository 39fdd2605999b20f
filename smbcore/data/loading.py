"""read_table: from an owner's file (or a frame of text) to a checked canonical table and a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

import pandas as pd

from smbcore.data.canonical import build_canonical
from smbcore.data.contracts import PRESETS, table_spec
from smbcore.data.mapping import detect_preset, guess_mapping
from smbcore.data.parsing import DateOrder
from smbcore.data.reading import (
    BUSY,
    BUSY_WAIT,
    Busy,
    RawFile,
    Source,
    as_bytes,
    is_compressed,
    large_file_turn,
    read_raw,
)
from smbcore.data.report import Problem, report_frame
from smbcore.errors import SmbcoreError

__all__ = ["LoadResult", "read_table"]


@dataclass
class LoadResult:
    """The outcome of reading one file into one canonical table.

    frame: the canonical DataFrame, or None when it cannot be built yet (see `report`).
    report: DataFrame[level, column, rows, examples, row_numbers, message]; level is one of
        error (rows or the file cannot be used), question (the owner must answer, e.g. date order),
        warning, info.
    mapping: canonical column -> the file's column, as used.
    raw: the file's cells as text (for a preview), or None if the file could not be read.
    """

    table: str
    frame: pd.DataFrame | None
    problems: list[Problem]
    mapping: dict[str, str]
    raw: pd.DataFrame | None = None
    details: dict = field(default_factory=dict)

    @property
    def report(self) -> pd.DataFrame:
        return report_frame(self.problems)

    @property
    def ok(self) -> bool:
        """True when the canonical frame could be built (it may still carry warnings)."""
        return self.frame is not None

    @property
    def needs_answer(self) -> bool:
        return any(p.level == "question" for p in self.problems)

    @property
    def rows_read(self) -> int:
        """Rows in the file (the header not counted), malformed lines that were left out included."""
        return 0 if self.raw is None else len(self.raw) + int(self.details.get("malformed_rows", 0))


def _keep_preset_rows(raw: RawFile, table: str) -> RawFile:
    """Known exports that mix other rows in with order lines (Lightspeed's 'Sale' and 'Payment' rows) keep only
    the order lines; the row numbers of what is kept do not change."""
    preset = detect_preset(list(raw.frame.columns))
    rule = PRESETS[preset].get("keep_rows") if preset else None
    if rule is None or PRESETS[preset]["table"] != table or rule[0] not in raw.frame:
        return raw
    column, values = rule
    keep = raw.frame[column].isin(values)
    if keep.all():
        return raw
    dropped = raw.frame.loc[~keep, column].value_counts()
    described = ", ".join(f"{n:,} '{kind}' rows" for kind, n in dropped.items())
    note = Problem(
        "info",
        None,
        int((~keep).sum()),
        [],
        f"This is {PRESETS[preset]['label']}: only its {' and '.join(repr(v) for v in values)} rows are order lines; "
        f"{described} (totals and payments of the same sales) are left out so nothing is counted twice.",
    )
    details = dict(raw.details, other_rows=int((~keep).sum()))
    return RawFile(raw.name, raw.frame[keep], [*raw.problems, note], details)


def read_table(
    source: Source | RawFile,
    table: str,
    mapping: dict | None = None,
    date_order: DateOrder = "auto",
    name: str | None = None,
) -> LoadResult:
    """Read `source` (path, bytes, file-like or an already read RawFile) into canonical table `table`.

    `mapping` is canonical column -> the file's column; when None it is guessed from the column names.
    Never raises for a bad file: what went wrong is in `.report`.
    """
    if date_order not in get_args(DateOrder):
        raise SmbcoreError(
            f"Date order '{date_order}' is not one of {', '.join(get_args(DateOrder))}: say whether your dates put "
            "the day first (31/12/2024) or the month first (12/31/2024), or 'auto' to have it worked out."
        )
    spec = table_spec(table)
    if isinstance(source, RawFile):
        size = source.details.get("bytes", 0)
    else:
        source, default_name = as_bytes(source)
        name, size = name or default_name, float("inf") if is_compressed(source) else len(source)
    try:
        with large_file_turn(size):  # a large file is read and checked in one turn (see reading.large_file_turn)
            return _read_table(source, spec, mapping, date_order, name)
    except Busy:
        shown = source.name if isinstance(source, RawFile) else name
        message = BUSY.format(name=shown, minutes=round(BUSY_WAIT / 60))
        return LoadResult(table, None, [Problem("error", None, 0, [], message)], mapping or {})


def _read_table(source, spec, mapping, date_order, name) -> LoadResult:
    table = spec.name
    raw = source if isinstance(source, RawFile) else read_raw(source, name=name)
    if raw.frame is None:
        return LoadResult(table, None, list(raw.problems), mapping or {}, None, raw.details)
    raw = _keep_preset_rows(raw, spec.name)
    used = dict(mapping) if mapping is not None else guess_mapping(list(raw.frame.columns), spec.name, raw.frame)
    used = {k: v for k, v in used.items() if v}
    frame, problems = build_canonical(raw.frame, spec, used, date_order)
    in_file = len(raw.frame) + int(raw.details.get("malformed_rows", 0)) + int(raw.details.get("other_rows", 0))
    details = dict(raw.details, rows_read=in_file, rows_kept=0 if frame is None else len(frame))
    if frame is not None:
        left_out = in_file - len(frame)
        if left_out:
            problems.append(
                Problem(
                    "info",
                    None,
                    left_out,
                    [],
                    f"{left_out:,} of {in_file:,} rows are left out for the reasons above; the rest are ready to save.",
                )
            )
    return LoadResult(table, frame, list(raw.problems) + problems, used, raw.frame, details)
