"""Reading delimited text (CSV, TSV, semicolons, columns lined up with spaces): the separator, the records, and
the plain message for a cell too long to be data."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pyarrow as pa

from smbcore.data.report import ROW_OFFSET, Problem

__all__ = ["sniff_delimiter", "read_csv_text", "oversize_message", "unique_names", "OversizeCell", "TooWide"]

DELIMITERS = (",", ";", "\t", "|")
# Columns lined up with spaces (text reports of older tills): split on any run of spaces when that gives every line
# the same number of values, else on runs of two or more (names with single spaces inside stay whole).
WHITESPACE, WIDE_SPACES = " ", "  "
DELIMITER_NAMES = {
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


class OversizeCell(Exception):
    """A cell longer than MAX_CELL: `row` is the file's row (1 = header) where the reader met it."""

    def __init__(self, row: int, delimiter: str):
        super().__init__(row)
        self.row, self.delimiter = row, delimiter


def csv_records(lines, delimiter: str, first_row: int = 1):
    """csv.reader that reports a cell longer than MAX_CELL as OversizeCell with its row, not as _csv.Error."""
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise
            raise OversizeCell(first_row - 1 + reader.line_num, delimiter) from None
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


def line_span(text: str, row: int) -> tuple[int, int]:
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


def long_piece(text: str, start: int, end: int, delimiter: str) -> int | None:
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


def oversize_message(name: str, text: str, error: OversizeCell, shown_row: int | None = None) -> str:
    """The plain refusal for an oversize cell, naming its row (`shown_row`, else the error's) and, when the line
    shows it, its column. Works on positions in `text`, so a line of hundreds of megabytes is never copied."""
    row = shown_row or error.row
    start, end = line_span(text, error.row)
    end = end - 1 if end > start and text[end - 1] == "\r" else end
    delimiters = [error.delimiter] + [d for d in DELIMITERS if d != error.delimiter]
    for delim in delimiters:
        if (long := long_piece(text, start, end, delim)) is None:
            continue
        named = ""
        if error.row > 1:
            header_start, header_end = line_span(text, 1)
            header = _piece(text, header_start, header_end, delim, long).strip().strip(chr(34))
            named = f" ('{header[:60]}')" if header else ""
        column = f", column {long}{named}"
        return OVERSIZE_CELL.format(name=name, limit=MAX_CELL, where=f"row {row}{column}")
    return OVERSIZE_CELL.format(name=name, limit=MAX_CELL, where=f"row {row}")


MAX_COLUMNS = 2_000  # columns read from one file; the widest shop exports have about 100
TOO_WIDE = (
    "'{name}' has {columns:,} columns in its first line; this app reads up to {limit:,}. Check that this is the "
    "export you meant (its first line should name the columns)."
)


class TooWide(Exception):
    def __init__(self, columns: int):
        super().__init__(columns)
        self.columns = columns


def sniff_delimiter(text: str) -> str:
    """Pick the separator that splits the first lines into the same number (>1) of fields most consistently.

    Raises OversizeCell when a cell longer than MAX_CELL stops the reading with the separator picked (or with all).
    """
    head = _head_lines(text, _SNIFF_LINES)
    best, best_score, oversize = _best_separator(head)
    if best_score[0] < 0.9:
        spaces = _spaces_lined_up([line for line in head if line.strip()], best_score)
        if spaces is not None:
            return spaces
    if best in oversize or (oversize and best_score[1] == 0):
        raise oversize.get(best) or min(oversize.values(), key=lambda error: error.row)
    return best


def _best_separator(head: list[str]) -> tuple[str, tuple[float, int], dict[str, OversizeCell]]:
    """(separator, (share of lines with the header's number of values, that number), the oversize cell each
    separator met): the best of DELIMITERS on the first lines; ',' with score (0, 0) when none splits the header."""
    best, best_score = ",", (0.0, 0)
    oversize: dict[str, OversizeCell] = {}
    for delim in DELIMITERS:
        counts: list[int] = []
        try:
            for row in csv_records(head, delim):
                if any(cell.strip() for cell in row):
                    counts.append(len(row))
        except OversizeCell as error:  # judged on the lines before it
            oversize[delim] = error
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best, best_score, oversize


def _spaces_lined_up(lines: list[str], best_score: tuple[float, int]) -> str | None:
    """WHITESPACE or WIDE_SPACES when splitting on spaces fits the lines better than `best_score`, else None."""
    if not lines:
        return None
    for spaces in (WHITESPACE, WIDE_SPACES):
        counts = [len(_split_spaces(line, spaces)) for line in lines]
        agreement = sum(c == counts[0] for c in counts) / len(counts)
        if counts[0] >= 2 and agreement >= 0.9 and (agreement, counts[0]) > best_score:
            return spaces
    return None


def _split_spaces(line: str, spaces: str) -> list[str]:
    """Split a line lined up with spaces: on any run of them, or (WIDE_SPACES) on runs of two or more."""
    return line.split() if spaces == WHITESPACE else re.split(r"\s{2,}|\t", line.strip())


def unique_names(names: list[str]) -> tuple[list[str], list[Problem]]:
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


def read_csv_text(text: str, delimiter: str, encoded=None) -> tuple[pd.DataFrame, list[Problem], int]:
    """Returns (frame, problems, malformed lines left out). `encoded`, when given, is `text` in UTF-8 already (the
    upload's own bytes), so no second copy of the file is made for the fast reader."""
    if delimiter in (WHITESPACE, WIDE_SPACES):
        return _read_records(text, delimiter)
    header_start, header_end = line_span(text, 1)
    header = next(csv_records([text[header_start:header_end].rstrip("\r")], delimiter))
    names, problems = unique_names(header)
    if len(names) > MAX_COLUMNS:
        raise TooWide(len(names))
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
        records = csv_records(io.StringIO(text), delimiter)
    header = next(records, [])
    names, problems = unique_names(header)
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
                + f" A value with a {DELIMITER_NAMES[delimiter]} inside it needs quotes around it.",
                bad_rows[:10],
            )
        )
    return frame, problems, len(bad_rows)
