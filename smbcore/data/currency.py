"""Currencies of saved tables: the sign shown before money, read from a file's currency column when it has one."""

from __future__ import annotations

import pandas as pd

__all__ = ["SYMBOLS", "symbol_for", "currency_counts", "table_symbol", "currency_country"]

# ISO code -> the sign shown before an amount ('CHF 12', '€12').
SYMBOLS = {
    "GBP": "£",
    "USD": "$",
    "EUR": "€",
    "JPY": "¥",
    "CNY": "¥",
    "CHF": "CHF ",
    "SEK": "kr ",
    "NOK": "kr ",
    "DKK": "kr ",
    "ZAR": "R ",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "PLN": "zł ",
    "CZK": "Kč ",
    "HUF": "Ft ",
    "MXN": "MX$",
    "BRL": "R$",
}
_WRITTEN = {"£": "GBP", "$": "USD", "€": "EUR", "¥": "JPY", "EURO": "EUR", "EUROS": "EUR", "DOLLAR": "USD",
            "US$": "USD", "FR.": "CHF", "SFR": "CHF", "STERLING": "GBP", "PFUND": "GBP"}  # fmt: skip


def _code(value: str) -> str:
    text = str(value).strip().upper()
    return _WRITTEN.get(text, text)


def currency_counts(values: pd.Series) -> pd.Series:
    """Rows per currency code in a currency column ('eur', '€' and 'EUR' are one), most rows first."""
    text = values.dropna().astype("string").str.strip()
    return text[text != ""].map(_code).value_counts()


def symbol_for(value: str | None) -> str | None:
    """The sign for a currency code or sign ('EUR' -> '€', 'CHF' -> 'CHF '); an unknown code is shown as 'XYZ '."""
    if value is None or not str(value).strip():
        return None
    code = _code(value)
    if code in SYMBOLS:
        return SYMBOLS[code]
    if code in SYMBOLS.values() or str(value) in SYMBOLS.values():
        return str(value)
    return f"{code} "


def table_symbol(frame: pd.DataFrame) -> str | None:
    """The sign of the currency most rows of a table are in, from its `currency` column; None without one."""
    if "currency" not in frame:
        return None
    counts = currency_counts(frame["currency"])
    return symbol_for(counts.index[0]) if len(counts) else None


# Currencies that belong to one country. The euro, the dollar or yen sign alone and other shared currencies say
# nothing about the country (the owner is asked).
_ONE_COUNTRY = {"GBP": "GB", "USD": "US", "CHF": "CH", "CAD": "CA", "AUD": "AU", "NZD": "NZ", "SEK": "SE",
                "NOK": "NO", "DKK": "DK", "PLN": "PL", "CZK": "CZ", "HUF": "HU", "JPY": "JP", "INR": "IN",
                "ZAR": "ZA"}  # fmt: skip
_SHARED_SIGNS = {"$", "¥", "DOLLAR"}  # written as one code above, but used by several countries


def currency_country(value: str | None) -> str | None:
    """The ISO country code of a currency code or sign that belongs to one country ('GBP' or '£' -> 'GB',
    'US$' -> 'US'); None for shared ones ('EUR', '$', '¥') and unknown ones."""
    if value is None or str(value).strip().upper() in _SHARED_SIGNS:
        return None
    return _ONE_COUNTRY.get(_code(value))
