"""Hostile input: text that a spreadsheet would run as a formula is neutralised in every CSV the app writes.

A cell starting with '=', '+', '-', '@', a tab or a carriage return can run as a formula when the CSV is opened
in Excel, LibreOffice or Google Sheets (CSV injection, OWASP). Such text cells get a leading apostrophe, which
spreadsheets show as plain text. Numbers are left alone, so a negative amount stays a number.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["neutralise_formulas", "csv_bytes", "FORMULA_STARTS", "plain_text", "visible_text", "visible_frame",
           "shown_frame"]  # fmt: skip

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_columns(frame: pd.DataFrame) -> list:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_object_dtype(frame[c])
        or pd.api.types.is_string_dtype(frame[c])
        or isinstance(frame[c].dtype, pd.CategoricalDtype)
    ]


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and column names) cannot run as spreadsheet formulas."""
    out = frame.copy()
    for column in _text_columns(out):
        values = out[column].astype("string")
        risky = values.str.startswith(FORMULA_STARTS).fillna(False)
        if risky.any():
            out[column] = values.where(~risky, "'" + values)
    out.columns = ["'" + str(c) if str(c).startswith(FORMULA_STARTS) else c for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = ["'" + str(i) if str(i).startswith(FORMULA_STARTS) else i for i in out.index]
    return out


def csv_bytes(frame: pd.DataFrame, index: bool = False) -> bytes:
    """The CSV every download and CLI output uses: formulas neutralised, decimals rounded to sensible
    precision (smbcore.labels.rounded: no 16-decimal floats, no -0.0), UTF-8 with a byte-order mark so that
    Excel opens accents and currency signs (é, €, £) correctly."""
    from smbcore.labels import rounded

    # CRLF line ends (RFC 4180) also make the writer quote any cell holding a bare carriage return, which
    # would otherwise start a new row in a spreadsheet, and the text after it could be a formula.
    text = neutralise_formulas(rounded(frame)).to_csv(index=index, lineterminator="\r\n")
    return text.encode("utf-8-sig")


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>$~:&=\"'^"})

# Characters that change how the text around them is shown without being seen themselves: bidirectional
# controls (which can make 'exe.txt' read as 'txt.exe'), zero-width characters, the byte-order mark.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")

# What a Markdown renderer turns into a link by itself (GitHub's autolink literals: a scheme with '://', 'www.'
# and e-mail addresses). A zero-width space after the scheme, after 'www' or before '@' stops it; escaping
# ':' or '.' with a backslash does not, because the renderer looks for links after resolving escapes.
_AUTOLINK = re.compile(r"(?i)(?<![a-z0-9])([a-z][a-z0-9+.-]*)(?=://)|(?<![a-z0-9])(www)(?=\.)|(?=@[a-z0-9-]+\.)")


def visible_text(value) -> str:
    """Text with its invisible bidirectional and zero-width characters shown as their code ('gift[U+202E]txt.exe'),
    for places that draw text as text but still obey those characters: table cells, chart labels and tooltips,
    select boxes. (Inside Markdown use `plain_text`, which does this too.)"""
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", str(value))


def visible_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells, column names and text index show invisible characters as codes
    (`visible_text`); numbers, dates and missing values are left alone."""
    out = frame.copy()
    for column in _text_columns(out):
        values = out[column].astype("string")
        hidden = values.str.contains(_INVISIBLE, regex=True).fillna(False)
        if hidden.any():
            out[column] = values.where(~hidden, values[hidden].map(visible_text))
    out.columns = [visible_text(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = [visible_text(i) if isinstance(i, str) else i for i in out.index]
    return out


def shown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the app shows it: invisible characters shown as codes, and text a spreadsheet would run as a
    formula with a leading apostrophe (whatever is copied out of a table is the same safe text as the app's CSV
    downloads). Column names change the same way, in the same order."""
    return neutralise_formulas(visible_frame(frame))


def plain_text(value) -> str:
    """Text from a file (a product name, a cell, a column name, a reason) made safe to show inside Markdown:
    links, images, bare and numeric-IP addresses, HTML, maths and emphasis are shown as the characters they are,
    never run, linked or fetched. Invisible bidirectional and zero-width characters are shown as their code
    ('[U+202E]'), so the text cannot pretend to say something else. A zero-width space is put after a URL's
    scheme ('http\u200b://'), after 'www' and before the '@' of an address, so that nothing is auto-linked."""
    text = visible_text(value)
    text = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2) or "") + "\u200b", text)
    return text.translate(_MARKDOWN)
