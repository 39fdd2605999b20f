"""Hostile input: text that a spreadsheet would run as a formula is neutralised in every CSV the app writes.

A cell starting with '=', '+', '-', '@', a tab or a carriage return can run as a formula when the CSV is opened
in Excel, LibreOffice or Google Sheets (CSV injection, OWASP). Such text cells get a leading apostrophe, which
spreadsheets show as plain text. Numbers are left alone, so a negative amount stays a number.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["neutralise_formulas", "csv_bytes", "FORMULA_STARTS", "plain_text"]

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


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>$~"})


def plain_text(value) -> str:
    """Text from a file (a product name, a cell, a file name) made safe to show inside Markdown: links, images,
    HTML, maths and emphasis are shown as the characters they are, never run or fetched."""
    return str(value).translate(_MARKDOWN)
