"""How often each series is dated, and so its calendar: hours ('h'), days ('D'), weeks on one weekday ('W-WED')
or months dated by their first day ('MS'). Inferred per series from its own dates, or checked against the one
the caller gives; a series whose dates do not fit fails with a message naming it, never a silent regrid."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from smbcore.errors import NotEnoughDataError, SmbcoreError

__all__ = [
    "ForecastError",
    "ShortHistoryError",
    "infer_freq",
    "series_freqs",
    "season_length",
    "to_period_start",
    "closed_hours",
]

_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKLY_SHARE = 0.8  # dates a whole number of weeks apart this often are weekly data (the rest are strays)
_WEEKS_FOR_HOUR_OF_WEEK = 2  # hourly data with two weeks of history gets the hour of the week as its season
_KINDS = "Forecasts work per hour, day, week or month"


class ForecastError(SmbcoreError):
    """A history that cannot be forecast as given; the message says why and what to do."""


class ShortHistoryError(ForecastError, NotEnoughDataError):
    """Too few dated values to forecast or to check a forecast."""


def _plural_days(weekdays: pd.Index) -> str:
    counts = pd.Series(weekdays).value_counts()
    if len(counts) == 1:
        return _DAY_NAMES[counts.index[0]] + "s"
    return " and ".join(f"{_DAY_NAMES[d]}s ({n} dates)" for d, n in counts.items())


def _step_words(step: pd.Timedelta) -> str:
    minutes = step / pd.Timedelta(minutes=1)
    return f"{minutes:.0f} minutes" if minutes < 120 else f"{minutes / 60:.1f} hours"


def _infer(dates, who: str) -> str:
    """infer_freq for the dates of one series; `who` starts the error messages ("Series 'A'")."""
    unique = pd.DatetimeIndex(pd.Series(dates).dropna().unique()).sort_values()
    if len(unique) < 2:
        raise ShortHistoryError(f"{who} has fewer than two dates: a forecast needs at least two.")
    step = pd.Series(unique).diff().median()
    on_the_hour = (unique == unique.floor("h")).all()
    if step == pd.Timedelta(hours=1) or (on_the_hour and step < pd.Timedelta(hours=20)):
        return "h"  # hourly totals; a shop that sells in one hour of several has rows a few hours apart
    if step < pd.Timedelta(hours=20):  # daily dates with times of day are a day apart give or take a few hours
        raise ForecastError(
            f"{who} is dated every {_step_words(step)} (the typical step between its dates). {_KINDS}: add the "
            "sales up per hour or per day first, or pass freq='h' or freq='D' to have them added up."
        )
    days = unique.normalize().unique()
    apart = np.diff(days.to_numpy()).astype("timedelta64[D]").astype(int)  # days between dates
    if (days.day == 1).all() and np.median(apart) >= 28:
        if np.median(apart) > 62:
            raise ForecastError(
                f"{who} is dated about every {np.median(apart) / 30.4:.0f} months. {_KINDS}: give one value per "
                "month, dated by its first day (missing months count as no sales)."
            )
        return "MS"
    if np.median(apart) >= 28 and days.is_month_end.all():
        raise ForecastError(
            f"{who} is dated on the last day of each month: date each month by its first day (2024-03-01 for "
            "March 2024) so the forecast can line the months up."
        )
    weekly = apart % 7 == 0
    if weekly.all():
        return "W-" + _DAY_NAMES[days[-1].day_of_week][:3].upper()
    if weekly.mean() >= _WEEKLY_SHARE:
        raise ForecastError(
            f"{who} looks weekly but is dated on {_plural_days(days.day_of_week)}: date every week on the same "
            "weekday (e.g. the week's first day), or pass freq='D' to forecast it day by day."
        )
    return "D"


def infer_freq(dates: pd.Series) -> str:
    """The calendar of one series' dates: 'h' when they are an hour apart, 'D' for days, 'W-XXX' for weeks
    (anchored on the weekday the dates fall on, e.g. 'W-WED'), 'MS' for months dated by their first day.
    Raises ShortHistoryError for fewer than two dates, ForecastError for steps a forecast cannot use (under a
    day but not an hour, quarters, months dated by their last day, weekly dates on mixed weekdays)."""
    return _infer(dates, "The history")


def _check_given(dates: pd.Series, freq: str, who: str) -> None:
    """Fail when `dates` do not sit on the calendar the caller asked for (see series_freqs)."""
    if freq.startswith("W-"):
        weekdays = pd.DatetimeIndex(dates).day_of_week
        anchor = _DAY_NAMES.index(next(d for d in _DAY_NAMES if d[:3].upper() == freq[2:]))
        if (weekdays != anchor).any():
            raise ForecastError(
                f"{who} is dated on {_plural_days(weekdays)}, but the forecast was asked for weeks dated on "
                f"{_DAY_NAMES[anchor]}s (freq='{freq}'). Leave freq out so each series keeps its own weekday, "
                f"or date its weeks on {_DAY_NAMES[anchor]}s."
            )
    elif freq == "MS" and (pd.DatetimeIndex(dates).day != 1).any():
        raise ForecastError(
            f"{who} has dates that are not the first day of a month, but the forecast was asked for months "
            "(freq='MS'): date each month by its first day, or leave freq out."
        )


def _given(freq: str) -> str:
    """The caller's freq in the form used here ('W' -> 'W-SUN'), or a ForecastError for one not supported."""
    try:
        offset = to_offset(freq)
    except ValueError as exc:
        raise ForecastError(f"'{freq}' is not a period a forecast knows: use 'h', 'D', 'W-MON' or 'MS'.") from exc
    if offset.freqstr in ("h", "D", "MS") or (offset.freqstr.startswith("W-") and offset.n == 1):
        return offset.freqstr
    raise ForecastError(f"freq='{freq}' cannot be forecast. {_KINDS}: use 'h', 'D', 'W-MON' (any weekday) or 'MS'.")


def series_freqs(history: pd.DataFrame, freq: str | None = None) -> dict[Hashable, str]:
    """The calendar of every series in `history` (series_id, date): its own inferred one (see infer_freq), or
    `freq` for all when given, after checking each series' dates sit on it (weekly dates on its weekday, monthly
    on the 1st; hourly and daily dates are added up per hour or day). A series with a single date takes the
    kind most series have, on its own weekday. Raises ForecastError naming the first series that does not fit."""
    groups = {sid: part["date"] for sid, part in history.groupby("series_id", sort=True)}
    if freq is not None:
        freq = _given(freq)
        for sid, dates in groups.items():
            _check_given(dates, freq, f"Series '{sid}'")
        return dict.fromkeys(groups, freq)
    found = {sid: _infer(d, f"Series '{sid}'") for sid, d in groups.items() if d.nunique() > 1}
    if not found:
        raise ShortHistoryError("A forecast needs at least two dates; this history has fewer.")
    common = pd.Series([f[:2] if f.startswith("W-") else f for f in found.values()]).mode().iat[0]
    for sid, dates in groups.items():
        if sid not in found:
            found[sid] = _single_date_freq(pd.Timestamp(dates.iloc[0]), common, f"Series '{sid}'")
    return found


def _single_date_freq(day: pd.Timestamp, common: str, who: str) -> str:
    """The calendar of a series with one date: the kind most series have ('W-' for weeks), on its own weekday."""
    if common == "W-":
        return "W-" + _DAY_NAMES[day.day_of_week][:3].upper()
    if common == "MS" and day.day != 1:
        raise ForecastError(
            f"{who} has a single date, {day:%d %B %Y}, while the other series are months dated by their first "
            "day: date it by its month's first day too."
        )
    return common


def to_period_start(dates: pd.Series, freq: str) -> pd.Series:
    """Dates moved to the start of their hour ('h') or day ('D'); weekly and monthly dates as they are."""
    dates = pd.to_datetime(dates)
    return dates.dt.floor("h") if freq == "h" else dates.dt.normalize() if freq == "D" else dates


def season_length(freq: str, periods: int | None = None) -> int:
    """Periods in the main season: the hour of the week (168) for hourly data with at least two weeks of
    history (`periods` hours; None counts as enough), else the hour of the day (24); 7 for days (the week), 52
    for weeks and 12 for months (the year)."""
    if freq == "h":
        return 168 if periods is None or periods >= _WEEKS_FOR_HOUR_OF_WEEK * 168 else 24
    return 7 if freq == "D" else 12 if freq == "MS" else 52


def closed_hours(y: pd.Series, closed_days=()) -> tuple[int, ...]:
    """Hours of the day (0-23) an hourly series (indexed by hour, on a regular grid) regularly has no sales in,
    by the rule of closed weekdays (smbcore.data.lines.closed_weekdays) with hours for weekdays and the open
    days for weeks: over at least four open days, an hour is closed when it had sales on at most 1 in 10 of
    them while the busiest hour had sales on at least half, and so few that a typical open hour would have
    so few less than 1 time in 100. () for shorter histories."""
    from scipy.stats import binom

    from smbcore.data.lines import _CLOSED_SHARE, _MIN_CLOSED_DAYS

    open_ = y[~y.index.day_of_week.isin(list(closed_days))]
    days = open_.index.normalize().nunique()
    if days < _MIN_CLOSED_DAYS / 7:
        return ()
    hours = open_.index.hour
    selling = pd.Series(open_.to_numpy() != 0).groupby(hours).sum().reindex(range(24), fill_value=0)
    seen = pd.Series(hours).value_counts().reindex(range(24), fill_value=0)
    if (selling / seen.clip(lower=1)).max() < 0.5:
        return ()
    rare = selling <= _CLOSED_SHARE * seen
    typical = float((selling / seen.clip(lower=1))[~rare].median())
    return tuple(h for h in range(24) if rare[h] and seen[h] and binom.cdf(selling[h], seen[h], typical) < 0.01)
