"""Turn an owner's file (CSV in any common encoding and separator, gzip, or Excel) into a frame of text cells."""

from __future__ import annotations

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

import numpy as np
import pandas as pd

from smbcore.data.delimited import (
    DELIMITER_NAMES,
    DELIMITERS,
    MAX_CELL,
    MAX_COLUMNS,
    TOO_WIDE,
    OversizeCell,
    TooWide,
    line_span,
    long_piece,
    oversize_message,
    read_csv_text,
    sniff_delimiter,
)
from smbcore.data.encoding import decode, looks_binary, replaced_characters
from smbcore.data.excel import SheetLimits, SheetTooLong, read_excel
from smbcore.data.report import Problem
from smbcore.errors import EMPTY_FILE, HEADER_ONLY, NOT_TABULAR

__all__ = ["RawFile", "read_raw", "Source"]

Source = str | Path | bytes | IO[bytes]


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


def as_bytes(source: Source) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        return path.read_bytes(), path.name
    if isinstance(source, bytes):
        return source, "uploaded file"
    name = getattr(source, "name", "uploaded file")
    data = source.getvalue() if hasattr(source, "getvalue") else source.read()
    return bytes(data), Path(str(name)).name


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
MAX_WORKBOOK_PART = 50_000_000  # bytes of a workbook part read whole (the shared-strings table, styles)
MAX_SHEET = 200_000_000  # bytes of the sheet read: streamed, but one enormous cell would be held whole
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
    data, default_name = as_bytes(source)
    name = name or default_name
    try:
        with large_file_turn(float("inf") if is_compressed(data) else len(data)):
            return _read_bytes(data, name)
    except Busy:  # details['busy']: not the file's fault, so a caller keeping results should read it again later
        message = BUSY.format(name=name, minutes=round(BUSY_WAIT / 60))
        return RawFile(name, None, [Problem("error", None, 0, [], message)], {"busy": True})


def _read_bytes(data, name: str) -> RawFile:
    """Unpack (gzip, zip) and read `data`: a workbook, or delimited text within the limits."""
    if data[:2] == b"\x1f\x8b":
        data = _unpacked(
            lambda: _gunzip(data), name, "a damaged gzip archive. Compress it again or upload the plain CSV"
        )
        if isinstance(data, RawFile):
            return data
    if re.match(rb"\s*\Z", data):
        return _unreadable(name, EMPTY_FILE.format(name=name))
    if data[:4] == b"PK\x03\x04":
        opened = _open_zip(data, name)
        if isinstance(opened, RawFile):
            return opened
        data, name = opened
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _unreadable(
            name,
            f"'{name}' is an old-style Excel .xls file. Open it in Excel and save it as "
            ".xlsx or CSV, then upload that.",
        )
    return _read_text(data, name)


def _unpacked(unpack, name: str, damaged: str) -> bytearray | RawFile:
    """What `unpack()` gives, or the refusal: over a limit, or damaged (`damaged`, formatted with the name)."""
    try:
        return unpack()
    except _TooBig:
        return _unreadable(name, TOO_BIG.format(name=name, verb="unpacks to", limit=MAX_EXPANDED // 1_000_000))
    except _TooManyRows as error:
        return _unreadable(name, TOO_MANY_ROWS.format(name=name, rows=error.rows, limit=MAX_ROWS))
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return _unreadable(name, damaged.format(name=name))


def _open_zip(data, name: str) -> tuple[bytearray, str] | RawFile:
    """A zip holding one CSV: (its text, 'name / member'); a workbook (or any other zip) is read as Excel."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return _unreadable(
            name,
            f"The Excel or zip file '{name}' could not be opened: it is damaged or cut short. Export it again.",
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.namelist()
        tables = [m for m in members if m.lower().endswith((".csv", ".txt", ".tsv"))]
        if "[Content_Types].xml" in members or len(tables) != 1:
            return _read_workbook(data, name)
        unpacked = _unpacked(
            lambda: _unzip_member(archive, tables[0]),
            name,
            "The zip file '{name}' could not be unpacked (damaged or password-protected). Export it again.",
        )
    return unpacked if isinstance(unpacked, RawFile) else (unpacked, f"{name} / {tables[0]}")


def _read_workbook(data, name: str) -> RawFile:
    limits = SheetLimits(rows=MAX_ROWS, sheet=MAX_SHEET, part=MAX_WORKBOOK_PART, chunk=_CHUNK)
    try:
        return _finish(name, *read_excel(data, name, limits))
    except SheetTooLong as error:
        message = TOO_MANY_ROWS.format(name=name, rows=error.rows, limit=MAX_ROWS)
        return RawFile(name, None, [Problem("error", None, 0, [], message)], {"file_kind": "excel"})


def _read_text(data, name: str) -> RawFile:
    """Delimited text: sizes checked before parsing, decoded, its separator found, read into text cells."""
    if len(data) > MAX_EXPANDED:
        return _unreadable(name, TOO_BIG.format(name=name, verb="is", limit=MAX_EXPANDED // 1_000_000))
    ends_with_break = data.endswith((b"\n", b"\r"))
    if (rows := _rows_in(data.count(b"\n"), data.count(b"\r"), ends_with_break)) > MAX_ROWS:  # before parsing
        return _unreadable(name, TOO_MANY_ROWS.format(name=name, rows=rows, limit=MAX_ROWS))
    longest, row, start = _longest_line(data)
    if longest > MAX_LINE:
        return _unreadable(name, _long_line_message(name, data, row, start))
    text, encoding, exact = decode(data)
    if text is None or looks_binary(text):
        return _unreadable(name, NOT_TABULAR.format(name=name))
    if "\r" in text and re.search("\r(?!\n)", text):  # line ends of old Macs (CR only): the readers split on \n
        text, exact = text.replace("\r\n", "\n").replace("\r", "\n"), False
    try:
        delimiter = sniff_delimiter(text)
        frame, problems, malformed = read_csv_text(text, delimiter, data if exact else None)
    except OversizeCell as error:
        return _unreadable(name, oversize_message(name, text, error))
    except TooWide as error:
        return _unreadable(name, TOO_WIDE.format(name=name, columns=error.columns, limit=MAX_COLUMNS))
    details = {
        "file_kind": "csv",
        "encoding": encoding,
        "delimiter": DELIMITER_NAMES[delimiter],
        "malformed_rows": malformed,
        "bytes": len(data),
    }
    replaced = [] if exact else replaced_characters(text, encoding, name)
    return _finish(name, frame, problems + replaced, details)


def _long_line_message(name: str, data, row: int, start: int) -> str:
    """A line over MAX_LINE: named as an oversize cell with its column when one value in its first megabytes is,
    else as a line. Only those megabytes of that line and of the header are decoded."""
    window = max(MAX_LINE, 4 * MAX_CELL)
    text = bytes(data[start : start + window + 1]).decode("utf-8", errors="replace")
    if row > 1:
        header = bytes(data[:window]).decode("utf-8", errors="replace")
        text = header[: line_span(header, 1)[1]].rstrip("\r") + "\n" + text
    for delimiter in DELIMITERS:
        if long_piece(text, *line_span(text, min(row, 2)), delimiter) is not None:
            return oversize_message(name, text, OversizeCell(min(row, 2), delimiter), shown_row=row)
    return OVERSIZE_LINE.format(name=name, limit=MAX_LINE // 1_000_000, row=row)


def _finish(name: str, frame: pd.DataFrame | None, problems: list[Problem], details: dict) -> RawFile:
    if frame is None:
        return RawFile(name, None, problems, details)
    if frame.empty:
        return RawFile(name, None, problems + [Problem("error", None, 0, [], HEADER_ONLY.format(name=name))], details)
    return RawFile(name, frame, problems, details)
