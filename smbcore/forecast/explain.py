"""What drives a forecast and which factors it uses, in numbers and in the words the pages and the command line
show: the one place these sentences are built."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore import formatting
from smbcore.forecast.calendar import HOLIDAY
from smbcore.forecast.factors import OWN_EVENTS, FactorFit, round_step
from smbcore.forecast.models import Theta
from smbcore.forecast.series import Prepared, factor_columns, prepare
from smbcore.safety import plain_text

__all__ = ["TREND_DAYS", "factor_label", "drivers", "factor_choice_words", "closed_days_words"]

_PERIODS_PER_MONTH = {"h": 730.0, "D": 30.4, "MS": 1.0}  # weekly: 4.35
TREND_DAYS = 90  # under about 3 months of history no trend is stated (nor is one told apart from the season)
_FLAG_NAMES = {HOLIDAY: "public holidays", OWN_EVENTS: "your events"}
_FLAG_WORDS = {HOLIDAY: "A public holiday", OWN_EVENTS: "One of your events"}
_UNITS = {"_c": " (°C)", "_f": " (°F)", "_pct": " (%)", "_kmh": " (km/h)", "_mm": " (mm)"}


def factor_label(name: str, markdown: bool = False) -> str:
    """A factor's column name in words: 'feels_like_c' -> 'feels like (°C)', 'public_holiday' -> 'public
    holidays'. With `markdown`, the part that comes from the file's column name is escaped
    (smbcore.safety.plain_text), for Markdown text."""
    if name in _FLAG_NAMES:
        return _FLAG_NAMES[name]
    suffix = next((s for s in _UNITS if name.lower().endswith(s)), "")
    stem = name[: len(name) - len(suffix)].replace("_", " ")
    return (plain_text(stem) if markdown else stem) + _UNITS.get(suffix, "")


def drivers(
    history: pd.DataFrame,
    freq: str | None = None,
    external: pd.DataFrame | None = None,
    holidays=None,
    factors: list[str] | None = None,
    currency: str | None = None,
    markdown: bool = False,
) -> pd.DataFrame:
    """What drives each series' forecast, in the series' units and in words.

    Inputs as for `forecast` (factors: the ones in use, e.g. `choose_factors(...)["kept"]`; None for none).
    currency: the money sign when y is money (a factor's words then end with its amount, '(about £120)').
    markdown: factor names from the file escaped for Markdown (`factor_label`).
    Returns one row per series and driver: series_id, driver ('trend', 'season', a factor name), title (the
    driver in words), effect (change in y per period: per month for the trend, peak above average for the season,
    per `step` of a factor), percent (the effect against the average period), step (the factor change the effect
    is for), words."""
    days = {pd.Timestamp(d) for d in holidays} if holidays is not None else None
    factors = factors or []
    prepared = prepare(history, freq, external, [c for c in factor_columns(external) if c in factors], days)
    rows = []
    for item in prepared:
        values = item.y.to_numpy()
        average = float(values.mean()) or 1.0
        use = [c for c in factors if c in item.past]
        fit = FactorFit.fit(values, item.past[use]) if use else None
        model = Theta.fit(values - fit.effect(item.past[use]) if fit else values, item.m)
        rows.append(_trend_driver(item, model, item.freq, average))  # each series on its own calendar
        rows.append(_season_driver(item, model, item.m, item.freq, average))
        for name, per_unit in (fit.per_unit if fit else {}).items():
            rows.append(_factor_driver(item, name, per_unit, item.freq, average, currency, markdown))
    return pd.DataFrame(rows, columns=["series_id", "driver", "title", "effect", "percent", "step", "words"])


def _driver(sid: str, name: str, effect: float, percent: float, step, words: str, title: str | None = None) -> dict:
    title = title or name.capitalize()
    return {"series_id": sid, "driver": name, "title": title, "effect": effect, "percent": percent, "step": step,
            "words": words}  # fmt: skip


def _trend_driver(item: Prepared, model: Theta, freq: str, average: float) -> dict:
    """The trend per month (over the open periods), or why none is stated."""
    per_month = model.slope * _PERIODS_PER_MONTH.get(freq, 4.35) * item.m / item.season
    pct = per_month / average * 100
    span = (item.last - item.y.index[0]).days + 1
    if span < TREND_DAYS:
        per_month, pct = 0.0, 0.0
        words = (
            f"Too short to tell: {span} days of history, and whether sales grow or shrink needs about 3 months to say."
        )
    elif abs(pct) < 0.5:
        words = "Flat: under 0.5% a month either way over the history."
    else:
        words = (
            f"{'Growing' if pct > 0 else 'Shrinking'} by about {abs(pct):.1f}% a month over the history; "
            "the forecast carries on half of that, to stay cautious."
        )
    return _driver(item.sid, "trend", per_month, pct, None, words)


def _factor_driver(
    item: Prepared, name: str, per_unit: float, freq: str, average: float, currency: str | None, markdown: bool
) -> dict:
    """A factor's effect for a round change of it (a flag: for the day or week it is on)."""
    period = {"h": "hour", "D": "day", "MS": "month"}.get(freq, "week")
    flag = _FLAG_WORDS.get(name)
    step = 1.0 if flag else round_step(float(item.past[name].std()))
    effect = max(per_unit * step, -average)  # sales cannot fall below nothing
    pct = effect / average * 100
    sign = "adds" if effect >= 0 else "takes off"
    if flag and pct <= -90:
        words = f"{flag}: the shop is usually shut then (sales fall by about {abs(pct):.0f}%)."
    elif flag:
        words = f"{flag} {sign} about {abs(pct):.0f}% to that {period}'s sales."
    else:
        words = f"Each +{step:g} in {factor_label(name, markdown)} {sign} about {abs(pct):.1f}% to a {period}'s sales."
    if currency is not None and effect:
        words += f" (about {formatting.money(abs(effect), currency)})"
    label = factor_label(name, markdown)
    return _driver(item.sid, name, effect, pct, step, words, label[:1].upper() + label[1:])


def _season_driver(item: Prepared, model: Theta, m: int, freq: str, average: float) -> dict:
    closed = ""
    if item.closed:
        from smbcore.overview import WEEKDAYS

        closed = f" Closed on {_day_list([WEEKDAYS[d] + 's' for d in item.closed])}: forecast as zero."
    if model.season is None:
        if item.closed:  # the closed days are the weekly pattern; only the open days show none among them
            from smbcore.overview import WEEKDAYS

            open_days = _day_list([WEEKDAYS[d] + "s" for d in range(7) if d not in item.closed])
            shut = (
                f"Open on {open_days} only; the other days are closed and forecast as zero."
                if len(item.closed) > 3
                else closed.strip()
            )
            words = f"{shut} Among the open days, no difference strong enough to use."
            return _driver(item.sid, "season", 0.0, 0.0, None, words)
        cycle = "week" if freq in ("D", "h") else "year"
        words = f"No regular pattern over the {cycle} strong enough to use."
        return _driver(item.sid, "season", 0.0, 0.0, None, words)
    kind, pattern = model.season
    lift = (pattern - 1) * 100 if kind == "mul" else pattern / average * 100
    dates = item.y.index[:m]  # position p of the pattern falls on dates[p]

    def name(p: int) -> str:
        if freq == "D":
            return dates[p].day_name() + "s"
        if freq == "h":
            return ("" if item.season == 24 else dates[p].day_name() + "s ") + dates[p].strftime("%H:00")
        return dates[p].strftime("%B") if freq == "MS" else "the week of " + dates[p].strftime("%d %B").lstrip("0")

    top, low = int(np.argmax(lift)), int(np.argmin(lift))
    quietest = "closed or nearly" if lift[low] <= -90 else f"about {abs(lift[low]):.0f}% below"
    words = f"Busiest: {name(top)}, about {lift[top]:.0f}% above average; quietest: {name(low)}, {quietest}." + closed
    return _driver(item.sid, "season", float(lift[top] / 100 * average), float(lift[top]), None, words)


def _day_list(names: list[str]) -> str:
    """'Mondays', 'Mondays and Fridays', 'Mondays, Tuesdays and Fridays'."""
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def closed_days_words(closed: list[int]) -> str:
    """The caption for a series' closed weekdays (0 = Monday, see `closed_days`); '' when it has none."""
    from smbcore.overview import WEEKDAYS

    if not closed:
        return ""
    days = _day_list([WEEKDAYS[d] + "s" for d in closed])
    return f"Closed on {days}: no sales on those days in your history, so they are forecast as zero."


def factor_choice_words(candidates: list[str], used: list[str], choice: dict, markdown: bool = False) -> str:
    """Which of the `candidates` the forecast uses, and why the others are left out, in one caption.
    choice: a `choose_factors` result (its reasons per factor); markdown: as for `factor_label`."""

    def names(group: list[str]) -> str:
        return ", ".join(factor_label(c, markdown) for c in group)

    text = "Uses: " + (names(used) if used else "no outside factors") + "."
    left_out = [c for c in candidates if c not in used]
    reason, error = choice.get("reason", {}), choice.get("error", {})
    if any(reason.get(c, "unchecked") == "unchecked" for c in left_out):
        return text + (f" Left out: {names(left_out)}." if left_out else "")
    miss = "typical past miss {:.2f} with it, {:.2f} without".format
    why = {
        "no_help": " Left out, as they did not make this shop's past forecasts more accurate: ",
        "overlap": " Left out, as they helped alone but added nothing once the used ones were in: ",
    }
    for kind, opening in why.items():
        group = [c for c in left_out if reason[c] == kind]
        if group:
            text += opening + "; ".join(f"{factor_label(c, markdown)} ({miss(error[c], error['none'])})" for c in group)
            text += "."
    return text
