"""Turn an owner's file (CSV in any common encoding and separator, gzip, or Excel) into a frame of text cells."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import charset_normalizer
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES

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
    "'{name}' has a cell of more than {limit:,} characters in row {row}{column}, far longer than any shop's "
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


def _oversize_message(name: str, text: str, error: _OversizeCell) -> str:
    """The plain refusal for an oversize cell, naming its row and (when the line shows it) its column."""
    lines = _head_lines(text, error.row)
    line = lines[error.row - 1] if len(lines) >= error.row else ""
    delimiters = [error.delimiter] + [d for d in DELIMITERS if d != error.delimiter]
    column = ""
    for delim in delimiters:
        pieces = line.split(delim)
        long = [i for i, piece in enumerate(pieces, start=1) if len(piece) > MAX_CELL]
        if len(pieces) > 1 and long:
            header = lines[0].split(delim) if error.row > 1 else []
            named = f" ('{header[long[0] - 1].strip().strip(chr(34))[:60]}')" if len(header) >= long[0] else ""
            column = f", column {long[0]}{named}"
            break
    return OVERSIZE_CELL.format(name=name, limit=MAX_CELL, row=error.row, column=column)


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


def _decode(data: bytes) -> tuple[str | None, str]:
    """Decode text, trusting a BOM, then strict UTF-8, then charset-normalizer (usually cp1252/Latin-1)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    if b"\x00" in data[:8192]:
        return None, "binary"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if (mixed := _mostly_utf8(data)) is not None:
        return mixed, "utf-8"
    matches = charset_normalizer.from_bytes(data[:500_000])
    best = matches.best()
    encoding = best.encoding if best is not None else "cp1252"
    # With few accented letters several code pages read a file equally cleanly, and the detector may pick an
    # unusual one (mac_latin2 turned 'Café' into 'Cafť'); then prefer Windows-1252, what Western tills export.
    if best is not None and any(m.chaos <= best.chaos and "cp1252" in m.could_be_from_charset for m in matches):
        encoding = "cp1252"
    if encoding in {"latin_1", "iso8859_1", "ascii"}:
        encoding = "cp1252"  # a superset in the printable range: £ € and smart quotes from Windows exports
    return data.decode(encoding, errors="replace"), encoding


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


def _read_csv_text(text: str, delimiter: str) -> tuple[pd.DataFrame, list[Problem], int]:
    """Returns (frame, problems, malformed lines left out)."""
    if delimiter in (WHITESPACE, WIDE_SPACES):
        return _read_records(text, delimiter)
    header = next(_csv_records([text.split("\n", 1)[0].rstrip("\r")], delimiter))
    names, problems = _unique_names(header)
    if re.search(r"\n[ \t\r]*\n.", text):  # blank lines: read record by record so row numbers stay right
        return _read_records(text, delimiter)
    try:
        encoded = text.encode("utf-8")
        frame = pd.read_csv(io.BytesIO(encoded), sep=delimiter, dtype=str, keep_default_na=False, engine="pyarrow")
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


def _read_excel(data: bytes, name: str) -> tuple[pd.DataFrame | None, list[Problem], dict]:
    """Read the first sheet with data, streaming its rows (openpyxl read-only mode) and stopping past MAX_ROWS.

    Later sheets are never parsed (a small first sheet beside million-row ones took minutes and gigabytes when
    every sheet was read). The header is the sheet's first non-blank row; the row with index label i is row
    i + 2 of the sheet as Excel numbers it. A sheet over MAX_ROWS gives the TOO_MANY_ROWS error.
    """
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        message = (
            f"The Excel file '{name}' could not be opened ({exc}). Open it in Excel and save it again as .xlsx or CSV."
        )
        return None, [Problem("error", None, 0, [], message)], {}
    details = {"file_kind": "excel"}
    try:
        for worksheet in workbook.worksheets:
            header, rows, labels = None, [], []
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(value) for value in values]
                if not any(cell is not None and cell.strip() for cell in cells):
                    continue
                if header is None:
                    header = cells
                    continue
                if len(rows) == MAX_ROWS:
                    rows_about = max(worksheet.max_row or 0, number)
                    message = TOO_MANY_ROWS.format(name=name, rows=rows_about, limit=MAX_ROWS)
                    return None, [Problem("error", None, 0, [], message)], details
                rows.append(cells)
                labels.append(number - ROW_OFFSET)
            if rows:
                break
        else:
            return None, [Problem("error", None, 0, [], HEADER_ONLY.format(name=name))], details
        sheet, count = worksheet.title, len(workbook.sheetnames)
    finally:
        workbook.close()
    width = max(len(header), *(len(row) for row in rows))
    names, problems = _unique_names([cell or "" for cell in header] + [""] * (width - len(header)))
    rows = [row + [None] * (width - len(row)) for row in rows]
    frame = pd.DataFrame(rows, columns=names, index=pd.Index(labels, dtype="int64"), dtype=str)
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
    return frame, problems, details | {"sheet": sheet}


def _unreadable(name: str, message: str) -> RawFile:
    """A file that could not be read at all, with the one reason why."""
    return RawFile(name, None, [Problem("error", None, 0, [], message)])


MAX_EXPANDED = 1_000_000_000  # bytes a compressed upload may unpack to; far above any shop's year of orders
TOO_BIG = (
    "'{name}' unpacks to more than {limit:,} MB, which is more than this app reads. If it really holds your "
    "data, split it into smaller files (for example one per year) and upload them one at a time."
)


MAX_ROWS = 2_000_000  # rows read from one file: years of a small shop's order lines, and what 2 GB of memory parses
TOO_MANY_ROWS = (
    "'{name}' has about {rows:,} rows; this app reads up to {limit:,} rows from one file. Upload a shorter "
    "period (for example the last two years), or split the file by year and upload each one."
)


class _TooBig(Exception):
    pass


def _gunzip(data: bytes) -> bytes:
    """gzip.decompress with a ceiling, so a small 'gzip bomb' cannot fill the server's memory."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, MAX_EXPANDED + 1)
    if len(out) > MAX_EXPANDED or inflater.unconsumed_tail:
        raise _TooBig
    if not inflater.eof:
        raise EOFError("cut short")
    return out


def read_raw(source: Source, name: str | None = None) -> RawFile:
    """Read a CSV/TSV (plain, gzip or a zip holding one CSV) or .xlsx into text cells; never raises for a bad file.

    Returns a RawFile whose `frame` is None when nothing usable could be read, with the reason in
    `problems` (level 'error').
    """
    data, default_name = _as_bytes(source)
    name = name or default_name
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error):
            return _unreadable(
                name, f"The file '{name}' is a damaged gzip archive. Compress it again or upload the plain CSV."
            )
        except _TooBig:
            return _unreadable(name, TOO_BIG.format(name=name, limit=MAX_EXPANDED // 1_000_000))
    if not data.strip():
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
            if sum(info.file_size for info in archive.infolist()) > MAX_EXPANDED:  # a zip bomb, or just too big
                return _unreadable(name, TOO_BIG.format(name=name, limit=MAX_EXPANDED // 1_000_000))
            if "[Content_Types].xml" not in members and len(tables) == 1:
                data, name = archive.read(tables[0]), f"{name} / {tables[0]}"  # a zipped CSV: read what is inside
            else:
                return _finish(name, *_read_excel(data, name))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _unreadable(
            name,
            f"'{name}' is an old-style Excel .xls file. Open it in Excel and save it as "
            ".xlsx or CSV, then upload that.",
        )
    text, encoding = _decode(data)
    if text is None or _looks_binary(text):
        return _unreadable(name, NOT_TABULAR.format(name=name))
    if "\r" in text and re.search("\r(?!\n)", text):  # line ends of old Macs (CR only): every reader below splits on \n
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (rows := text.count("\n") - 1 + (not text.endswith("\n"))) > MAX_ROWS:  # counted before parsing anything
        return _unreadable(name, TOO_MANY_ROWS.format(name=name, rows=rows, limit=MAX_ROWS))
    try:
        delimiter = _sniff_delimiter(text)
        frame, problems, malformed = _read_csv_text(text, delimiter)
    except _OversizeCell as error:
        return _unreadable(name, _oversize_message(name, text, error))
    details = {
        "file_kind": "csv",
        "encoding": encoding,
        "delimiter": _DELIMITER_NAMES[delimiter],
        "malformed_rows": malformed,
    }
    return _finish(name, frame, problems, details)


def _finish(name: str, frame: pd.DataFrame | None, problems: list[Problem], details: dict) -> RawFile:
    if frame is None:
        return RawFile(name, None, problems, details)
    if frame.empty:
        return RawFile(name, None, problems + [Problem("error", None, 0, [], HEADER_ONLY.format(name=name))], details)
    return RawFile(name, frame, problems, details)
