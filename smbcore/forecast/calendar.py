"""Dates the forecast knows about: public holidays of the shop's country, and which period a day falls in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.data.currency import currency_country

__all__ = [
    "HOLIDAY",
    "period_flags",
    "holiday_dates",
    "holiday_calendar",
    "country_code",
    "country_name",
    "shop_country",
]

HOLIDAY = "public_holiday"  # the name the holiday flag gets among the factors


def period_flags(dates: pd.DatetimeIndex, days, freq: str) -> np.ndarray:
    """1.0 for each period (dated by its start: a day, the week or the month starting that date) holding one of
    `days`, else 0.0."""
    days = pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in days))
    flag = np.zeros(len(dates))
    if len(days) == 0 or len(dates) == 0:
        return flag
    step = pd.Timedelta(days={"D": 1, "MS": 31}.get(freq, 7))
    row = dates.searchsorted(days, side="right") - 1
    inside = (row >= 0) & (days < dates[np.clip(row, 0, None)] + step)
    flag[row[inside]] = 1.0
    return flag


def holiday_dates(country: str, years: range) -> list[pd.Timestamp]:
    """Public holidays of a country (ISO code such as 'GB', 'US', 'DE'; or a name such as 'United Kingdom') from
    the offline `holidays` package; an empty list when the country is not known to it."""
    import holidays as holiday_calendars

    code = _COUNTRY_NAMES.get(country.strip().lower(), country.strip().upper())
    try:
        calendar = holiday_calendars.country_holidays(code, years=list(years))
    except NotImplementedError:
        return []
    return sorted(pd.Timestamp(day) for day in calendar)


_COUNTRY_NAMES = {
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "eire": "IE",
    "ireland": "IE",
    "usa": "US",
    "united states": "US",
    "united states of america": "US",
    "germany": "DE",
    "deutschland": "DE",
    "austria": "AT",
    "österreich": "AT",
    "france": "FR",
    "spain": "ES",
    "españa": "ES",
    "netherlands": "NL",
    "nederland": "NL",
    "the netherlands": "NL",
    "portugal": "PT",
    "australia": "AU",
    "belgium": "BE",
    "belgië": "BE",
    "belgique": "BE",
    "switzerland": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "italy": "IT",
    "italia": "IT",
    "canada": "CA",
    "denmark": "DK",
    "sweden": "SE",
    "norway": "NO",
    "finland": "FI",
    "poland": "PL",
    "japan": "JP",
    "new zealand": "NZ",
    "luxembourg": "LU",
}


def country_code(country: str | None) -> str | None:
    """The ISO code of a country given by code ('GB', 'de') or name ('United Kingdom', 'Deutschland') when the
    offline `holidays` package has its calendar; None otherwise."""
    import holidays as holiday_calendars

    if country is None or pd.isna(country) or not str(country).strip():
        return None
    text = str(country).strip()
    code = _COUNTRY_NAMES.get(text.lower(), text.upper())
    return code if code in holiday_calendars.list_supported_countries() else None


def country_name(code: str | None) -> str:
    """A country code in words for the page ('GB' -> 'United Kingdom'); the code itself when no name is known."""
    wanted = str(code or "").upper()
    name = next((name for name, c in _COUNTRY_NAMES.items() if c == wanted and len(name) > 3), None)
    return name.title() if name else wanted


def shop_country(transactions: pd.DataFrame | None, settings=None) -> str | None:
    """Which country's public holidays apply to the shop, the one rule every page uses; None when nothing
    says (the page then asks the owner).

    In order: the owner's answer (settings['country'], kept in the workspace settings), the most common value of
    the orders' `country` column, the currency (the orders' `currency` column, else settings['currency']) when it
    belongs to one country (GBP -> GB, USD -> US, CHF -> CH; not the euro). settings: any mapping of the
    workspace settings (missing keys are fine)."""
    settings = settings or {}
    answer = country_code(settings.get("country"))
    if answer:
        return answer
    tx = transactions if transactions is not None else pd.DataFrame()
    if "country" in tx and tx["country"].notna().any():
        found = country_code(tx["country"].mode().iat[0])
        if found:
            return found
    money = tx["currency"].dropna() if "currency" in tx else pd.Series(dtype=object)
    symbol = money.mode().iat[0] if len(money) else settings.get("currency")
    return currency_country(symbol) if symbol is not None else None


def holiday_calendar(country: str | None, start, end) -> list[pd.Timestamp]:
    """The public holidays of `country` (code or name, see `country_code`) from `start` to `end` inclusive;
    an empty list for no country or one without a known calendar."""
    code = country_code(country)
    if code is None:
        return []
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return [day for day in holiday_dates(code, range(start.year, end.year + 1)) if start <= day <= end]


def history_holidays(country: str | None, dates: pd.Series) -> tuple:
    """The public holidays a forecast of a history with these `dates` meets: from its first date to a year
    after its last (see `holiday_calendar`); the one window the Forecast page and its refresh use."""
    return tuple(holiday_calendar(country, dates.min(), dates.max() + pd.DateOffset(years=1)))
