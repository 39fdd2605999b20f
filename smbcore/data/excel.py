"""Reading the first sheet of an Excel workbook (.xlsx) into text cells, streaming, within the upload's limits."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from smbcore.data.delimited import MAX_CELL, OVERSIZE_CELL, unique_names
from smbcore.data.report import ROW_OFFSET, Problem
from smbcore.errors import HEADER_ONLY

__all__ = ["read_excel", "SheetLimits", "SheetTooLong", "TOO_BIG_WORKBOOK"]


@dataclass(frozen=True)
class SheetLimits:
    """What one workbook may hold (smbcore.data.reading sets them): rows read, bytes of the sheet, bytes of a part
    read whole (the shared-strings table), and bytes streamed at a time."""

    rows: int
    sheet: int
    part: int
    chunk: int


class SheetTooLong(Exception):
    """The sheet has more than `SheetLimits.rows` rows; `rows` is about how many it has."""

    def __init__(self, rows: int):
        super().__init__(rows)
        self.rows = rows


def _cell_text(value) -> str | None:
    """An Excel cell as text, as pandas' reader gave it: empty and error cells are missing; 2.0 reads '2'."""
    if value is None or value == "" or (isinstance(value, str) and value in ERROR_CODES):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_FRAME_BLOCK = 50_000  # rows of a sheet turned into compact text columns at a time
TOO_BIG_WORKBOOK = (
    "'{name}' holds {what} that unpacks to more than {limit:,} MB, more than this app reads from one workbook. "
    "Save the sheet you need as a CSV file (in Excel: File, Save As, 'CSV UTF-8') and upload that, or upload a "
    "shorter period."
)


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that is not read when the workbook opens. openpyxl sizes every sheet on opening from its
    <dimension> element, and a sheet without one was read to its end (every sheet, however large: minutes and
    hundreds of MB for a workbook whose first sheet has 20 rows); a made-up dimension ('A1:Z99999999') made it
    yield millions of empty rows. Rows are yielded as the sheet holds them."""

    def _get_size(self) -> None:
        return None


class _WorkbookReader(ExcelReader):
    """openpyxl's reader (read-only) whose worksheets are _UnsizedSheet, so opening reads no sheet at all."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state
                self.wb._sheets.append(worksheet)


def _open_workbook(data) -> openpyxl.Workbook:
    """The workbook in read-only mode, values not formulas, no sheet read yet (see _UnsizedSheet)."""
    reader = _WorkbookReader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


_CELL_REF = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"')


def _oversize_sheet_cell(workbook, worksheet, chunk_size: int) -> tuple[int, str] | None:
    """(row, column letters) of the first cell whose text is longer than MAX_CELL bytes, found by streaming the
    sheet's XML in chunks before it is parsed (openpyxl holds a cell's whole text: one 190 MB cell took 1.3 GB);
    None when there is none. Excel's own cells (32,767 characters) are under MAX_CELL bytes even in UTF-8."""
    run_start, offset, before = 0, 0, b""
    with workbook._archive.open(worksheet._worksheet_path) as source:
        while chunk := source.read(chunk_size):
            view = np.frombuffer(chunk, dtype=np.uint8)
            marks = np.flatnonzero((view == 60) | (view == 62)) + offset  # '<' and '>'
            ends = np.append(marks, offset + len(chunk))
            lengths = np.diff(ends, prepend=run_start - 1) - 1
            if (lengths > MAX_CELL).any():
                first = int(np.argmax(lengths > MAX_CELL))
                start = int(ends[first] - lengths[first])
                context = before + chunk[: max(0, start - offset)]
                refs = _CELL_REF.findall(context[-65_536:])
                return (int(refs[-1][1]), refs[-1][0].decode()) if refs else (0, "")
            run_start = int(marks[-1]) + 1 if len(marks) else run_start
            offset, before = offset + len(chunk), chunk[-65_536:]
    return None


def _rows_claimed(workbook, worksheet) -> int:
    """The last row the sheet's <dimension> element names (Excel writes it at the top), 0 when there is none."""
    with workbook._archive.open(worksheet._worksheet_path) as source:
        head = source.read(4096)
    found = re.search(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return int(found.group(1)) if found else 0


def _too_big_part(data: bytes, name: str, limit: int) -> str | None:
    """The refusal for a workbook part openpyxl would read whole (the shared-strings table: 10 million strings took
    1.75 GB) when it passes `limit`, checked from the zip's directory before anything is unpacked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/") and info.file_size > limit:
                what = "a table of texts" if "sharedstrings" in info.filename.lower() else f"a part ({info.filename})"
                return TOO_BIG_WORKBOOK.format(name=name, what=what, limit=limit // 1_000_000)
    return None


def _sheet_frame(blocks: list[pd.DataFrame], header: list, labels: list[int]) -> tuple[pd.DataFrame, list[Problem]]:
    """The sheet's rows (read in blocks of compact text columns) under the header's names."""
    frame = pd.concat(blocks, ignore_index=True) if len(blocks) > 1 else blocks[0]
    width = max(len(header), frame.shape[1])
    for position in range(frame.shape[1], width):
        frame[position] = pd.Series(None, index=frame.index, dtype=str)
    names, problems = unique_names([cell or "" for cell in header] + [""] * (width - len(header)))
    frame.columns = names
    frame.index = pd.Index(labels, dtype="int64")
    return frame, problems


def read_excel(data: bytes, name: str, limits: SheetLimits) -> tuple[pd.DataFrame | None, list[Problem], dict]:
    """Read the first sheet with data, streaming its rows (openpyxl read-only mode) and stopping past `limits.rows` rows.

    Later sheets are never parsed (a small first sheet beside million-row ones took minutes and gigabytes when
    every sheet was read). Parts openpyxl reads whole (the shared-strings table) over `limits.part` and a sheet
    over `limits.sheet` bytes are refused before they are read; rows are kept as compact text columns every
    _FRAME_BLOCK rows. The header is the sheet's first non-blank row; the row with index label i is row i + 2 of
    the sheet as Excel numbers it. A sheet over `limits.rows` rows raises
    SheetTooLong with the rows it has (about).
    """
    details = {"file_kind": "excel"}
    if (refusal := _too_big_part(data, name, limits.part)) is not None:
        return None, [Problem("error", None, 0, [], refusal)], details
    try:
        workbook = _open_workbook(data)
    except Exception as exc:  # openpyxl raises many types for damaged files
        message = (
            f"The Excel file '{name}' could not be opened ({exc}). Open it in Excel and save it again as .xlsx or CSV."
        )
        return None, [Problem("error", None, 0, [], message)], {}
    try:
        for worksheet in workbook.worksheets:
            if workbook._archive.getinfo(worksheet._worksheet_path).file_size > limits.sheet:
                what = f"a sheet ('{worksheet.title}')"
                message = TOO_BIG_WORKBOOK.format(name=name, what=what, limit=limits.sheet // 1_000_000)
                return None, [Problem("error", None, 0, [], message)], details
            if (cell := _oversize_sheet_cell(workbook, worksheet, limits.chunk)) is not None:
                sheet = f"the sheet '{worksheet.title}'"
                where = f"row {cell[0]}, column {cell[1]} of {sheet}" if cell[0] else sheet
                message = OVERSIZE_CELL.format(name=name, limit=MAX_CELL, where=where)
                return None, [Problem("error", None, 0, [], message)], details
            header, rows, blocks, labels = None, [], [], []
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(value) for value in values]
                if not any(cell is not None and cell.strip() for cell in cells):
                    continue
                if header is None:
                    header = cells
                    continue
                if len(labels) == limits.rows:
                    raise SheetTooLong(max(_rows_claimed(workbook, worksheet), number))  # not read further
                rows.append(cells)
                labels.append(number - ROW_OFFSET)
                if len(rows) == _FRAME_BLOCK:
                    blocks.append(pd.DataFrame(rows, dtype=str))
                    rows = []
            if rows:
                blocks.append(pd.DataFrame(rows, dtype=str))
            if blocks:
                break
        else:
            return None, [Problem("error", None, 0, [], HEADER_ONLY.format(name=name))], details
        sheet, count = worksheet.title, len(workbook.sheetnames)
    finally:
        workbook.close()
    frame, problems = _sheet_frame(blocks, header, labels)
    if count > 1:
        problems.insert(
            0,
            Problem(
                "info",
                None,
                0,
                [],
                f"The workbook has {count} sheets; we read only the first one with data, '{sheet}'. "
                "Save another sheet as its own file to use it.",
            ),
        )
    return frame, problems, details | {"sheet": sheet, "bytes": len(data)}
