"""Parse text cells into numbers, dates and yes/no flags, saying which cells could not be read and why.

Each parser takes a Series of text (NA for empty) and returns (values, bad) where `bad` marks cells
that held something but could not be read. Parsing runs on the distinct values only: order exports
repeat the same dates and prices on many lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["parse_numbers", "parse_dates", "parse_flags", "clean_text", "DateReading", "DateOrder"]

DateOrder = Literal["auto", "day_first", "month_first"]

_NUMERIC_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})\b")
_TZ_SUFFIX = r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_TRUE = {"true", "t", "yes", "y", "1", "1.0", "ja", "j", "oui", "si", "sí", "sì", "subscribed", "opted in", "x",
         "wahr", "vrai", "verdadero", "vero", "waar"}  # fmt: skip
_FALSE = {"false", "f", "no", "n", "0", "0.0", "nein", "non", "nee", "unsubscribed", "opted out", "not subscribed",
          "falsch", "faux", "falso", "onwaar"}  # fmt: skip


def clean_text(series: pd.Series) -> pd.Series:
    """Strip spaces; empty becomes NA; ids that Excel turned into '17850.0' become '17850'."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Series(uniques, dtype="string").str.strip()
    text = text.mask(text == "").str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return pd.Series(text.array.take(codes, allow_fill=True), index=series.index, dtype="string")


def _on_distinct(series: pd.Series, parse) -> pd.Series:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = parse(pd.Series(uniques, dtype="string"))
    values = np.asarray(parsed)
    out = values.take(np.where(codes < 0, 0, codes)) if len(values) else np.full(len(codes), np.nan)
    result = pd.Series(out, index=series.index)
    return result.mask(codes < 0)


def _decimal_comma(text: pd.Series) -> bool:
    """True when commas in this column are decimal points ('2,55'), not thousands ('1,500')."""
    both = text.str.contains(",", regex=False) & text.str.contains(".", regex=False)
    if both.any():
        sample = text[both].iloc[0]
        return sample.rfind(",") > sample.rfind(".")
    with_comma = text[text.str.contains(",", regex=False)]
    return bool(len(with_comma)) and not with_comma.str.fullmatch(r"-?\d{1,3}(,\d{3})+").all()


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers written as '1,234.50', '1.234,50', '£3.20', '(5.00)' or '2,5' -> float."""
    text = clean_text(series)

    def parse(uniques: pd.Series) -> pd.Series:
        s = uniques.str.replace(r"[£$€¥\s'\u00a0]|(?i:usd|gbp|eur)", "", regex=True)
        s = s.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
        if _decimal_comma(s.dropna()):
            s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            s = s.str.replace(",", "", regex=False)
        return pd.to_numeric(s, errors="coerce").astype("float64")

    values = _on_distinct(text, parse).astype("float64")
    return values, text.notna() & values.isna()


def parse_flags(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """yes/no, true/false, 1/0, y/n in English, German, French, Spanish, Italian and Dutch (ja/nein, oui/non,
    sí/no, sì/no, ja/nee; any case) -> boolean. Blank stays unknown (NA): it is never read as yes or no."""
    text = clean_text(series).str.lower()
    values = pd.Series(pd.NA, index=series.index, dtype="boolean")
    values[text.isin(_TRUE)] = True
    values[text.isin(_FALSE)] = False
    return values, text.notna() & values.isna()


@dataclass
class DateReading:
    """How a date column was read: the order used for '03/04/2011'-style values, whether that needs the
    owner's answer, and how many cells used each writing style."""

    order: DateOrder = "auto"
    ambiguous: bool = False
    styles: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    contradicting: int = 0


def _numeric_date_order(parts: pd.DataFrame, requested: DateOrder) -> tuple[DateOrder, bool]:
    first, second = parts[0].astype(int), parts[1].astype(int)
    if requested != "auto":
        return requested, False
    day_first_evidence, month_first_evidence = (first > 12).sum(), (second > 12).sum()
    if day_first_evidence and not month_first_evidence:
        return "day_first", False
    if month_first_evidence and not day_first_evidence:
        return "month_first", False
    if day_first_evidence and month_first_evidence:
        return ("day_first" if day_first_evidence >= month_first_evidence else "month_first"), False
    return "auto", True


def parse_dates(series: pd.Series, order: DateOrder = "auto") -> tuple[pd.Series, pd.Series, DateReading]:
    """Dates and times in ISO, numeric (day/month or month/day), Excel serial or written-out form.

    Time-zone offsets are dropped so the local wall-clock time is kept (the hour of day matters for
    staffing). With `order='auto'`, numeric dates where every part could be a day or a month are not
    guessed: the reading comes back `ambiguous` and those cells stay empty.
    """
    text = clean_text(series)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    uniq = pd.Series(uniques, dtype="string").str.replace(_TZ_SUFFIX, r"\1", regex=True)
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[us]")
    reading = DateReading(order=order)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniq)) if len(uniq) else np.array([], dtype=int)

    iso = uniq.str.match(r"^\d{4}-\d{1,2}-\d{1,2}").fillna(False).to_numpy(bool)
    if iso.any():
        parsed[iso] = pd.to_datetime(uniq[iso], format="ISO8601", errors="coerce").astype("datetime64[us]")
        reading.styles["like 2011-03-04"] = int(counts[iso].sum())

    parts = uniq.str.extract(_NUMERIC_DATE)
    numeric = parts[0].notna().to_numpy(bool) & ~iso
    if numeric.any():
        chosen, ambiguous = _numeric_date_order(parts[numeric], order)
        reading.order, reading.ambiguous = chosen, ambiguous
        reading.styles["like 03/04/2011"] = int(counts[numeric].sum())
        reading.examples = uniq[numeric].head(3).tolist()
        if not ambiguous:
            day_col = 0 if chosen == "day_first" else 1
            day = parts.loc[numeric, day_col].astype(int)
            month = parts.loc[numeric, 1 - day_col].astype(int)
            fits = (month <= 12) & (day <= 31)
            idx = fits[fits].index
            parsed[idx] = pd.to_datetime(
                uniq[idx], format="mixed", dayfirst=chosen == "day_first", errors="coerce"
            ).astype("datetime64[us]")
            reading.contradicting = int(counts[fits[~fits].index].sum())

    serial = uniq.str.fullmatch(r"\d{5}(\.\d+)?").fillna(False).to_numpy(bool) & ~iso & ~numeric
    if serial.any():
        days = pd.to_numeric(uniq[serial]).astype(float)
        ok = days.between(20_000, 80_000)  # 1954 .. 2119 as Excel day numbers
        parsed[ok[ok].index] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(days[ok], unit="D")).astype(
            "datetime64[us]"
        )
        reading.styles["Excel day numbers"] = int(counts[serial].sum())

    rest = ~iso & ~numeric & ~serial & uniq.notna().to_numpy(bool)
    if rest.any():
        parsed[rest] = pd.to_datetime(
            uniq[rest], format="mixed", errors="coerce", dayfirst=reading.order == "day_first"
        ).astype("datetime64[us]")
        worded = rest & parsed.notna().to_numpy(bool)
        if worded.any():
            reading.styles["written out, like 4 March 2011"] = int(counts[worded].sum())

    values = pd.Series(
        parsed.to_numpy().take(np.where(codes < 0, 0, codes))
        if len(uniq)
        else np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[us]"),
        index=series.index,
    )
    values = values.mask(codes < 0)
    bad = text.notna() & values.isna()
    if reading.ambiguous:
        numeric_rows = pd.Series(numeric.take(np.where(codes < 0, 0, codes)), index=series.index) & (codes >= 0)
        bad = bad & ~numeric_rows
    return values.astype("datetime64[us]"), bad, reading
