"""Turn an owner's file (CSV in any common encoding and separator, gzip, or Excel) into a frame of text cells."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import threading
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import charset_normalizer
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from smbcore.data.report import ROW_OFFSET, Problem
from smbcore.errors import EMPTY_FILE, HEADER_ONLY, NOT_TABULAR

__all__ = ["RawFile", "read_raw", "Source"]

Source = str | Path | bytes | IO[bytes]
DELIMITERS = (",", ";", "\t", "|")
# Columns lined up with spaces (text reports of older tills): split on any run of spaces when that gives every line
# the same number of values, else on runs of two or more (names with single spaces inside stay whole).
WHITESPACE, WIDE_SPACES = " ", "  "
_DELIMITER_NAMES = {
    ",": "comma",
    ";": "semicolon",
    "\t": "tab",
    "|": "vertical bar",
    WHITESPACE: "spaces",
    WIDE_SPACES: "spaces",
}
_SNIFF_LINES = 50
MAX_CELL = 131_072  # characters in one cell (Python's csv limit); Excel itself stops at 32,767
OVERSIZE_CELL = (
    "'{name}' has a cell of more than {limit:,} characters in {where}, far longer than any shop's "
    "data (Excel itself stops at 32,767). Check that this is the export you meant; if it is, shorten or remove "
    "that cell and upload the file again."
)


class _OversizeCell(Exception):
    """A cell longer than MAX_CELL: `row` is the file's row (1 = header) where the reader met it."""

    def __init__(self, row: int, delimiter: str):
        super().__init__(row)
        self.row, self.delimiter = row, delimiter


def _csv_records(lines, delimiter: str, first_row: int = 1):
    """csv.reader that reports a cell longer than MAX_CELL as _OversizeCell with its row, not as _csv.Error."""
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise
            raise _OversizeCell(first_row - 1 + reader.line_num, delimiter) from None
        yield record


def _head_lines(text: str, count: int) -> list[str]:
    """The first `count` lines (without line ends), without splitting the whole text."""
    end = -1
    for _ in range(count):
        end = text.find("\n", end + 1)
        if end < 0:
            end = len(text)
            break
    return [line.rstrip("\r") for line in text[: max(end, 0)].split("\n")]


def _line_span(text: str, row: int) -> tuple[int, int]:
    """Where line `row` (1 = the first) starts and ends in `text`, found without copying any of it."""
    start = 0
    for _ in range(row - 1):
        end = text.find("\n", start)
        if end < 0:
            return len(text), len(text)
        start = end + 1
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


_PIECES_LOOKED_AT = 10_000  # values of one line checked for the oversize one (no shop's file has more columns)


def _long_piece(text: str, start: int, end: int, delimiter: str) -> int | None:
    """The column (1 = first) of the first value longer than MAX_CELL between start and end when `delimiter`
    splits that span into more than one value; None otherwise. Nothing is copied but that column's position."""
    if text.find(delimiter, start, end) < 0:
        return None
    for column in range(1, _PIECES_LOOKED_AT + 1):
        stop = text.find(delimiter, start, end)
        stop = end if stop < 0 else stop
        if stop - start > MAX_CELL:
            return column
        if stop >= end:
            return None
        start = stop + len(delimiter)
    return None


def _piece(text: str, start: int, end: int, delimiter: str, column: int) -> str:
    """Value number `column` (1 = first) between start and end, at most 200 characters of it."""
    for _ in range(column - 1):
        stop = text.find(delimiter, start, end)
        if stop < 0:
            return ""
        start = stop + len(delimiter)
    stop = text.find(delimiter, start, end)
    return text[start : min(end if stop < 0 else stop, start + 200)]


def _oversize_message(name: str, text: str, error: _OversizeCell, shown_row: int | None = None) -> str:
    """The plain refusal for an oversize cell, naming its row (`shown_row`, else the error's) and, when the line
    shows it, its column. Works on positions in `text`, so a line of hundreds of megabytes is never copied."""
    row = shown_row or error.row
    start, end = _line_span(text, error.row)
    end = end - 1 if end > start and text[end - 1] == "\r" else end
    delimiters = [error.delimiter] + [d for d in DELIMITERS if d != error.delimiter]
    for delim in delimiters:
        if (long := _long_piece(text, start, end, delim)) is None:
            continue
        named = ""
        if error.row > 1:
            header_start, header_end = _line_span(text, 1)
            header = _piece(text, header_start, header_end, delim, long).strip().strip(chr(34))
            named = f" ('{header[:60]}')" if header else ""
        column = f", column {long}{named}"
        return OVERSIZE_CELL.format(name=name, limit=MAX_CELL, where=f"row {row}{column}")
    return OVERSIZE_CELL.format(name=name, limit=MAX_CELL, where=f"row {row}")


@dataclass
class RawFile:
    """What was read: every cell as text (missing cells as NA), plus how the file was read.

    `frame` has the file's own column names (duplicates renamed 'name (2)'); the row with index label i is
    row i + 2 of the file as a spreadsheet shows it (row 1 is the header), also after malformed or blank lines
    that were left out (`details['malformed_rows']` counts the malformed ones).
    """

    name: str
    frame: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def _as_bytes(source: Source) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        return path.read_bytes(), path.name
    if isinstance(source, bytes):
        return source, "uploaded file"
    name = getattr(source, "name", "uploaded file")
    data = source.getvalue() if hasattr(source, "getvalue") else source.read()
    return bytes(data), Path(str(name)).name


def _decode(data: bytes) -> tuple[str | None, str, bool]:
    """Decode text, trusting a BOM, then strict UTF-8, then charset-normalizer (usually cp1252/Latin-1).

    Returns (text or None for a binary file, encoding, whether `data` is exactly `text` in UTF-8)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding, False
    if b"\x00" in data[:8192]:
        return None, "binary", False
    try:
        return data.decode("utf-8"), "utf-8", True
    except UnicodeDecodeError:
        pass
    if (mixed := _mostly_utf8(data)) is not None:
        return mixed, "utf-8", False
    matches = charset_normalizer.from_bytes(data[:500_000])
    best = matches.best()
    encoding = best.encoding if best is not None else "cp1252"
    # With few accented letters several code pages read a file equally cleanly, and the detector may pick an
    # unusual one (mac_latin2 turned 'Café' into 'Cafť'); then prefer Windows-1252, what Western tills export.
    if best is not None and any(m.chaos <= best.chaos and "cp1252" in m.could_be_from_charset for m in matches):
        encoding = "cp1252"
    if encoding in {"latin_1", "iso8859_1", "ascii"}:
        encoding = "cp1252"  # a superset in the printable range: £ € and smart quotes from Windows exports
    return data.decode(encoding, errors="replace"), encoding, False


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    """Error handler: a byte that is not UTF-8 is read as Windows-1252 (Latin-1 where cp1252 has a gap)."""
    byte = error.object[error.start : error.start + 1]
    return byte.decode("cp1252", errors="ignore") or byte.decode("latin-1"), error.start + 1


codecs.register_error("smbcore_cp1252", _cp1252_byte)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few bytes that are not (a file cut off mid-letter, or lines pasted from a Windows export).

    A file of Windows-1252 text almost never holds a valid UTF-8 sequence of two or more bytes (that needs, say,
    'Ã' followed by '©'), so when valid sequences are at least as many as the stray bytes the file is UTF-8: it is
    decoded as such and only the stray bytes are read as Windows-1252. Decoding the whole file as Windows-1252
    instead turned every UTF-8 'É' into 'Ã‰'. Returns None when the file does not look like UTF-8.
    """
    sample = data[:2_000_000]
    valid = len(_UTF8_MULTIBYTE.findall(sample))
    if not valid:
        return None
    if valid < sample.decode("utf-8", errors="replace").count("\ufffd"):  # stray bytes (a run may count once)
        return None
    return data.decode("utf-8", errors="smbcore_cp1252")


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    replaced = sample.count("\ufffd")
    return (control + replaced) / len(sample) > 0.02


def _sniff_delimiter(text: str) -> str:
    """Pick the separator that splits the first lines into the same number (>1) of fields most consistently.

    Raises _OversizeCell when a cell longer than MAX_CELL stops the reading with the separator picked (or with all).
    """
    head = _head_lines(text, _SNIFF_LINES)
    lines = [line for line in head if line.strip()]
    best, best_score = ",", (0.0, 0)
    oversize: dict[str, _OversizeCell] = {}
    for delim in DELIMITERS:
        counts: list[int] = []
        try:
            for row in _csv_records(head, delim):
                if any(cell.strip() for cell in row):
                    counts.append(len(row))
        except _OversizeCell as error:  # judged on the lines before it
            oversize[delim] = error
        if not counts:
            continue
        header = counts[0]
        if header < 2:
            continue
        agreement = sum(c == header for c in counts) / len(counts)
        score = (agreement, header)
        if score > best_score:
            best, best_score = delim, score
    if best_score[0] < 0.9 and lines:
        for spaces in (WHITESPACE, WIDE_SPACES):
            counts = [len(_split_spaces(line, spaces)) for line in lines]
            agreement = sum(c == counts[0] for c in counts) / len(counts)
            if counts[0] >= 2 and agreement >= 0.9 and (agreement, counts[0]) > best_score:
                return spaces
    if best in oversize or (oversize and best_score[1] == 0):
        raise oversize.get(best) or min(oversize.values(), key=lambda error: error.row)
    return best


def _split_spaces(line: str, spaces: str) -> list[str]:
    """Split a line lined up with spaces: on any run of them, or (WIDE_SPACES) on runs of two or more."""
    return line.split() if spaces == WHITESPACE else re.split(r"\s{2,}|\t", line.strip())


def _unique_names(names: list[str]) -> tuple[list[str], list[Problem]]:
    seen: dict[str, int] = {}
    out, problems = [], []
    for position, raw in enumerate(names, start=1):
        name = str(raw).strip() or f"column {position}"
        if name in seen:
            seen[name] += 1
            new = f"{name} ({seen[name]})"
            problems.append(
                Problem(
                    "warning",
                    name,
                    0,
                    [],
                    f"The column name '{name}' appears more than once (column {position} is a repeat). "
                    f"We call the repeat '{new}'; check that the right one is mapped.",
                )
            )
            name = new
        else:
            seen[name] = 1
        out.append(name)
    return out, problems


def _read_csv_text(text: str, delimiter: str, encoded=None) -> tuple[pd.DataFrame, list[Problem], int]:
    """Returns (frame, problems, malformed lines left out). `encoded`, when given, is `text` in UTF-8 already (the
    upload's own bytes), so no second copy of the file is made for the fast reader."""
    if delimiter in (WHITESPACE, WIDE_SPACES):
        return _read_records(text, delimiter)
    header_start, header_end = _line_span(text, 1)
    header = next(_csv_records([text[header_start:header_end].rstrip("\r")], delimiter))
    names, problems = _unique_names(header)
    if len(names) > MAX_COLUMNS:
        raise _TooWide(len(names))
    if re.search(r"\n[ \t\r]*\n.", text):  # blank lines: read record by record so row numbers stay right
        return _read_records(text, delimiter)
    try:
        buffer = pa.BufferReader(pa.py_buffer(text.encode("utf-8") if encoded is None else encoded))
        frame = pd.read_csv(buffer, sep=delimiter, dtype=str, keep_default_na=False, engine="pyarrow")
        frame.columns = names
    except Exception:
        return _read_records(text, delimiter)  # ragged lines: the slower reader says which ones it left out
    return frame, problems, 0


def _read_records(text: str, delimiter: str) -> tuple[pd.DataFrame, list[Problem], int]:
    """Read record by record: a line with more values than the header is left out and named by its row number
    (the number a spreadsheet shows); a line with fewer has empty cells; blank lines are skipped but counted."""
    if delimiter in (WHITESPACE, WIDE_SPACES):
        records = (_split_spaces(line, delimiter) if line.strip() else [] for line in text.splitlines())
    else:
        records = _csv_records(io.StringIO(text), delimiter)
    header = next(records, [])
    names, problems = _unique_names(header)
    width = len(names)
    rows, labels, bad_rows, bad_examples = [], [], [], []
    for number, record in enumerate(records, start=2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            bad_rows.append(number)
            if len(bad_examples) < 1:
                bad_examples.append(delimiter.join(record)[:80])
            continue
        rows.append((record + [None] * width)[:width])
        labels.append(number - ROW_OFFSET)
    frame = pd.DataFrame(rows, columns=names, index=pd.Index(labels, dtype="int64"), dtype=str)
    if bad_rows:
        shown = ", ".join(str(n) for n in bad_rows[:10]) + (", ..." if len(bad_rows) > 10 else "")
        problems.append(
            Problem(
                "warning",
                None,
                len(bad_rows),
                bad_examples,
                (
                    f"1 line has a different number of values than the header ({width} columns) and was left out "
                    f"(row {shown})."
                    if len(bad_rows) == 1
                    else f"{len(bad_rows):,} lines have a different number of values than the header ({width} "
                    f"columns) and were left out (rows {shown})."
                )
                + f" A value with a {_DELIMITER_NAMES[delimiter]} inside it needs quotes around it.",
                bad_rows[:10],
            )
        )
    return frame, problems, len(bad_rows)


def _cell_text(value) -> str | None:
    """An Excel cell as text, as pandas' reader gave it: empty and error cells are missing; 2.0 reads '2'."""
    if value is None or value == "" or (isinstance(value, str) and value in ERROR_CODES):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


MAX_WORKBOOK_PART = 50_000_000  # bytes of a workbook part read whole (the shared-strings table, styles)
MAX_SHEET = 200_000_000  # bytes of the sheet read: streamed, but one enormous cell would be held whole
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


def _oversize_sheet_cell(workbook, worksheet) -> tuple[int, str] | None:
    """(row, column letters) of the first cell whose text is longer than MAX_CELL bytes, found by streaming the
    sheet's XML in chunks before it is parsed (openpyxl holds a cell's whole text: one 190 MB cell took 1.3 GB);
    None when there is none. Excel's own cells (32,767 characters) are under MAX_CELL bytes even in UTF-8."""
    run_start, offset, before = 0, 0, b""
    with workbook._archive.open(worksheet._worksheet_path) as source:
        while chunk := source.read(_CHUNK):
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


def _too_big_part(data: bytes, name: str) -> str | None:
    """The refusal for a workbook part openpyxl would read whole (the shared-strings table: 10 million strings took
    1.75 GB) when it passes MAX_WORKBOOK_PART, checked from the zip's directory before anything is unpacked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/") and info.file_size > MAX_WORKBOOK_PART:
                what = "a table of texts" if "sharedstrings" in info.filename.lower() else f"a part ({info.filename})"
                return TOO_BIG_WORKBOOK.format(name=name, what=what, limit=MAX_WORKBOOK_PART // 1_000_000)
    return None


def _sheet_frame(blocks: list[pd.DataFrame], header: list, labels: list[int]) -> tuple[pd.DataFrame, list[Problem]]:
    """The sheet's rows (read in blocks of compact text columns) under the header's names."""
    frame = pd.concat(blocks, ignore_index=True) if len(blocks) > 1 else blocks[0]
    width = max(len(header), frame.shape[1])
    for position in range(frame.shape[1], width):
        frame[position] = pd.Series(None, index=frame.index, dtype=str)
    names, problems = _unique_names([cell or "" for cell in header] + [""] * (width - len(header)))
    frame.columns = names
    frame.index = pd.Index(labels, dtype="int64")
    return frame, problems


def _read_excel(data: bytes, name: str) -> tuple[pd.DataFrame | None, list[Problem], dict]:
    """Read the first sheet with data, streaming its rows (openpyxl read-only mode) and stopping past MAX_ROWS.

    Later sheets are never parsed (a small first sheet beside million-row ones took minutes and gigabytes when
    every sheet was read). Parts openpyxl reads whole (the shared-strings table) over MAX_WORKBOOK_PART and a sheet
    over MAX_SHEET bytes are refused before they are read; rows are kept as compact text columns every
    _FRAME_BLOCK rows. The header is the sheet's first non-blank row; the row with index label i is row i + 2 of
    the sheet as Excel numbers it. A sheet over MAX_ROWS gives the TOO_MANY_ROWS error.
    """
    details = {"file_kind": "excel"}
    if (refusal := _too_big_part(data, name)) is not None:
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
            if workbook._archive.getinfo(worksheet._worksheet_path).file_size > MAX_SHEET:
                what = f"a sheet ('{worksheet.title}')"
                message = TOO_BIG_WORKBOOK.format(name=name, what=what, limit=MAX_SHEET // 1_000_000)
                return None, [Problem("error", None, 0, [], message)], details
            if (cell := _oversize_sheet_cell(workbook, worksheet)) is not None:
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
                if len(labels) == MAX_ROWS:
                    rows_about = max(_rows_claimed(workbook, worksheet), number)  # the sheet is not read further
                    message = TOO_MANY_ROWS.format(name=name, rows=rows_about, limit=MAX_ROWS)
                    return None, [Problem("error", None, 0, [], message)], details
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


def _unreadable(name: str, message: str) -> RawFile:
    """A file that could not be read at all, with the one reason why."""
    return RawFile(name, None, [Problem("error", None, 0, [], message)])


# What one upload may hold. Measured (benchmarks/upload_memory.py): reading and checking an order export takes
# about 4-5 times its size in memory, so 200 MB of text (about 1,000,000 order lines of a till export, or 300,000
# lines of a wide web-shop export) stays under about 1 GB; the old 1,000 MB / 2,000,000-row limits let one file take
# 6 GB. Compressed files are unpacked in chunks and refused as soon as they pass either limit.
MAX_EXPANDED = 200_000_000  # bytes of text read from one file (unpacked, for gzip and zip)
TOO_BIG = (
    "'{name}' {verb} more than {limit:,} MB, which is more than this app reads from one file. Upload a shorter "
    "period (for example the last two years), or split the file by year and upload each one."
)
MAX_ROWS = 1_000_000  # rows read from one file: years of a small shop's order lines
TOO_MANY_ROWS = (
    "'{name}' has about {rows:,} rows; this app reads up to {limit:,} rows from one file. Upload a shorter "
    "period (for example the last two years), or split the file by year and upload each one."
)
_CHUNK = 4 << 20  # bytes unpacked at a time


class _TooBig(Exception):
    pass


class _TooManyRows(Exception):
    def __init__(self, rows: int):
        super().__init__(rows)
        self.rows = rows


def _rows_in(line_feeds: int, returns: int, ends_with_break: bool) -> int:
    """Rows below the header, from the line breaks counted in a file (LF, CRLF or old Macs' CR only)."""
    return max(line_feeds, returns) - 1 + (not ends_with_break)


def _unpack(read, done) -> bytearray:
    """Everything `read(n)` (a decompressing stream) gives, read in chunks and given up as soon as it passes
    MAX_EXPANDED bytes (_TooBig) or MAX_ROWS rows (_TooManyRows, with the file's rows estimated from `done()`, the
    fraction of the file read once so many bytes are unpacked), so a small 'gzip bomb' is refused after unpacking at most the limit."""
    out = bytearray()
    line_feeds = returns = 0
    while chunk := read(_CHUNK):
        out += chunk
        line_feeds, returns = line_feeds + chunk.count(b"\n"), returns + chunk.count(b"\r")
        if len(out) > MAX_EXPANDED:
            raise _TooBig
        if (rows := _rows_in(line_feeds, returns, True)) > MAX_ROWS:
            raise _TooManyRows(max(rows, int(rows / max(done(len(out)), 1e-9))))
    return out


def _gunzip(data: bytes) -> bytearray:
    """The gzip file unpacked, within the limits (see _unpack). How far it has got, for the rows estimate, is told by
    the size gzip records at the end (the unpacked size, for files under 4 GB), else by the compressed bytes read."""
    packed = io.BytesIO(data)
    recorded = int.from_bytes(data[-4:], "little") if len(data) >= 4 else 0

    def done(unpacked: int) -> float:
        return unpacked / recorded if recorded >= unpacked else packed.tell() / max(len(data), 1)

    with gzip.GzipFile(fileobj=packed) as stream:
        return _unpack(stream.read, done)


def _unzip_member(archive: zipfile.ZipFile, member: str) -> bytearray:
    """One file of a zip unpacked, within the limits (zip's stored size caps what it can unpack to)."""
    info = archive.getinfo(member)
    with archive.open(info) as stream:
        return _unpack(stream.read, lambda unpacked: unpacked / max(info.file_size, 1))


MAX_LINE = 4_000_000  # bytes in one line: 30 columns of Excel's longest cells; csv splits a longer one into millions
OVERSIZE_LINE = (
    "'{name}' has a line of more than {limit:,} MB in row {row}, far longer than any shop's data (a file without "
    "line breaks, or one with an enormous cell). Check that this is the export you meant; if it is, fix that line "
    "and upload the file again."
)
MAX_COLUMNS = 2_000  # columns read from one file; the widest shop exports have about 100
TOO_WIDE = (
    "'{name}' has {columns:,} columns in its first line; this app reads up to {limit:,}. Check that this is the "
    "export you meant (its first line should name the columns)."
)


class _TooWide(Exception):
    def __init__(self, columns: int):
        super().__init__(columns)
        self.columns = columns


def _longest_line(data) -> tuple[int, int, int]:
    """(bytes in the longest line, its row: 1 = the first, the byte where it starts), for LF, CRLF or CR line
    ends, looked at in blocks of _CHUNK bytes so no copy of the whole file is made."""
    view = np.frombuffer(data, dtype=np.uint8)
    longest, row, start = 0, 1, 0
    line_start, line_feeds, returns = 0, 0, 0
    for block in range(0, len(view), _CHUNK):
        part = view[block : block + _CHUNK]
        feed, ret = part == 10, part == 13
        ends = np.flatnonzero(feed | ret)
        if not len(ends):
            continue
        lengths = np.diff(ends + block, prepend=line_start - 1) - 1  # without the line ends
        at = int(np.argmax(lengths))
        if lengths[at] > longest:
            before = ends[:at]
            rows_before = max(line_feeds + int(feed[before].sum()), returns + int(ret[before].sum()))
            longest, row, start = int(lengths[at]), rows_before + 1, int(ends[at] + block - lengths[at])
        line_start = int(ends[-1]) + block + 1
        line_feeds, returns = line_feeds + int(feed.sum()), returns + int(ret.sum())
    if len(view) - line_start > longest:
        longest, row, start = len(view) - line_start, max(line_feeds, returns) + 1, line_start
    return longest, row, start


_BIG = 20_000_000  # bytes: a file this large (or any compressed one) is read while no other large one is
_BIG_AT_ONCE = threading.BoundedSemaphore(1)
_TURN = threading.local()
BUSY_WAIT = 600.0  # seconds a large file waits for its turn before the owner is asked to try again
BUSY = (
    "The app is busy reading another large file and '{name}' waited {minutes} minutes for its turn. Try again in a "
    "few minutes."
)


class Busy(Exception):
    """No turn for a large file came within BUSY_WAIT seconds."""


@contextmanager
def large_file_turn(size: float):
    """Run the block while no other thread in this process reads or checks a large file (`size` >= 20 MB), so two
    owners uploading big files at once need the memory of one, not two. Small files never wait. Re-entrant within a
    thread (read_table reads the file and checks it in one turn). Raises Busy after waiting BUSY_WAIT seconds."""
    if size < _BIG or getattr(_TURN, "held", False):
        yield
        return
    if not _BIG_AT_ONCE.acquire(timeout=BUSY_WAIT):
        raise Busy
    _TURN.held = True
    try:
        yield
    finally:
        _TURN.held = False
        _BIG_AT_ONCE.release()


def is_compressed(data) -> bool:
    """gzip, or zip (a zipped CSV, or an Excel .xlsx): what it unpacks to is known only by unpacking."""
    return data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04"


def read_raw(source: Source, name: str | None = None) -> RawFile:
    """Read a CSV/TSV (plain, gzip or a zip holding one CSV) or .xlsx into text cells; never raises for a bad file.

    Returns a RawFile whose `frame` is None when nothing usable could be read, with the reason in
    `problems` (level 'error'). Memory stays bounded for any input: at most MAX_EXPANDED bytes of text and
    MAX_ROWS rows are read (compressed files are refused while unpacking, as soon as they pass either), lines
    longer than MAX_LINE and more than MAX_COLUMNS columns are refused before parsing, and large files are read
    one at a time (large_file_turn). `details['bytes']` is the size of the text read.
    """
    data, default_name = _as_bytes(source)
    name = name or default_name
    try:
        with large_file_turn(float("inf") if is_compressed(data) else len(data)):
            return _read_bytes(data, name)
    except Busy:  # details['busy']: not the file's fault, so a caller keeping results should read it again later
        message = BUSY.format(name=name, minutes=round(BUSY_WAIT / 60))
        return RawFile(name, None, [Problem("error", None, 0, [], message)], {"busy": True})


def _read_bytes(data, name: str) -> RawFile:
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error):
            return _unreadable(
                name, f"The file '{name}' is a damaged gzip archive. Compress it again or upload the plain CSV."
            )
        except _TooBig:
            return _unreadable(name, TOO_BIG.format(name=name, verb="unpacks to", limit=MAX_EXPANDED // 1_000_000))
        except _TooManyRows as error:
            return _unreadable(name, TOO_MANY_ROWS.format(name=name, rows=error.rows, limit=MAX_ROWS))
    if re.match(rb"\s*\Z", data):
        return _unreadable(name, EMPTY_FILE.format(name=name))
    if data[:4] == b"PK\x03\x04":
        if not zipfile.is_zipfile(io.BytesIO(data)):
            return _unreadable(
                name,
                f"The Excel or zip file '{name}' could not be opened: it is damaged or cut short. Export it again.",
            )
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.namelist()
            tables = [m for m in members if m.lower().endswith((".csv", ".txt", ".tsv"))]
            if "[Content_Types].xml" in members or len(tables) != 1:
                return _finish(name, *_read_excel(data, name))
            try:
                data, name = _unzip_member(archive, tables[0]), f"{name} / {tables[0]}"  # a zipped CSV
            except _TooBig:
                return _unreadable(name, TOO_BIG.format(name=name, verb="unpacks to", limit=MAX_EXPANDED // 1_000_000))
            except _TooManyRows as error:
                return _unreadable(name, TOO_MANY_ROWS.format(name=name, rows=error.rows, limit=MAX_ROWS))
            except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError, NotImplementedError):
                return _unreadable(
                    name,
                    f"The zip file '{name}' could not be unpacked (damaged or password-protected). Export it again.",
                )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _unreadable(
            name,
            f"'{name}' is an old-style Excel .xls file. Open it in Excel and save it as "
            ".xlsx or CSV, then upload that.",
        )
    if len(data) > MAX_EXPANDED:
        return _unreadable(name, TOO_BIG.format(name=name, verb="is", limit=MAX_EXPANDED // 1_000_000))
    ends_with_break = data.endswith((b"\n", b"\r"))
    if (rows := _rows_in(data.count(b"\n"), data.count(b"\r"), ends_with_break)) > MAX_ROWS:  # before parsing
        return _unreadable(name, TOO_MANY_ROWS.format(name=name, rows=rows, limit=MAX_ROWS))
    longest, row, start = _longest_line(data)
    if longest > MAX_LINE:
        return _unreadable(name, _long_line_message(name, data, row, start))
    text, encoding, exact = _decode(data)
    if text is None or _looks_binary(text):
        return _unreadable(name, NOT_TABULAR.format(name=name))
    if "\r" in text and re.search("\r(?!\n)", text):  # line ends of old Macs (CR only): the readers split on \n
        text, exact = text.replace("\r\n", "\n").replace("\r", "\n"), False
    try:
        delimiter = _sniff_delimiter(text)
        frame, problems, malformed = _read_csv_text(text, delimiter, data if exact else None)
    except _OversizeCell as error:
        return _unreadable(name, _oversize_message(name, text, error))
    except _TooWide as error:
        return _unreadable(name, TOO_WIDE.format(name=name, columns=error.columns, limit=MAX_COLUMNS))
    details = {
        "file_kind": "csv",
        "encoding": encoding,
        "delimiter": _DELIMITER_NAMES[delimiter],
        "malformed_rows": malformed,
        "bytes": len(data),
    }
    replaced = [] if exact else _replaced_characters(text, encoding, name)
    return _finish(name, frame, problems + replaced, details)


def _long_line_message(name: str, data, row: int, start: int) -> str:
    """A line over MAX_LINE: named as an oversize cell with its column when one value in its first megabytes is,
    else as a line. Only those megabytes of that line and of the header are decoded."""
    window = max(MAX_LINE, 4 * MAX_CELL)
    text = bytes(data[start : start + window + 1]).decode("utf-8", errors="replace")
    if row > 1:
        header = bytes(data[:window]).decode("utf-8", errors="replace")
        text = header[: _line_span(header, 1)[1]].rstrip("\r") + "\n" + text
    for delimiter in DELIMITERS:
        if _long_piece(text, *_line_span(text, min(row, 2)), delimiter) is not None:
            return _oversize_message(name, text, _OversizeCell(min(row, 2), delimiter), shown_row=row)
    return OVERSIZE_LINE.format(name=name, limit=MAX_LINE // 1_000_000, row=row)


def _replaced_characters(text: str, encoding: str, name: str) -> list[Problem]:
    """A warning when bytes that are not text in the file's encoding were shown as '\ufffd' (never silently)."""
    first = text.find("\ufffd")
    if first < 0:
        return []
    count, row = text.count("\ufffd"), text.count("\n", 0, first) + 1
    return [
        Problem(
            "warning",
            None,
            count,
            [],
            f"{count:,} character{'s' if count > 1 else ''} in '{name}' could not be read as {encoding} text and "
            f"show as '\ufffd' (first in row {row}). If letters look wrong, save the file as UTF-8 (in Excel: "
            "'CSV UTF-8') and upload it again.",
            [row],
        )
    ]


def _finish(name: str, frame: pd.DataFrame | None, problems: list[Problem], details: dict) -> RawFile:
    if frame is None:
        return RawFile(name, None, problems, details)
    if frame.empty:
        return RawFile(name, None, problems + [Problem("error", None, 0, [], HEADER_ONLY.format(name=name))], details)
    return RawFile(name, frame, problems, details)
