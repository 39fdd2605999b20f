"""Forecast: the coming days or weeks of sales, with ranges, holidays, outside factors, the owner's own events
and what-if changes."""

import pandas as pd
import streamlit as st

from pages._forecast_inputs import Choice, choose_history, holiday_country, outside_factors, own_events, what_if
from pages._forecast_show import draw, show_check
from pages._shared import (
    active_source,
    cached_on,
    currency,
    needs_table,
    plain_errors,
    require_app,
    source_label,
    table_with_download,
    version,
)
from smbcore import forecast as fc
from smbcore import forecast_view, recipes
from smbcore.safety import plain_text

require_app()

st.title("Forecast")
st.caption(
    f"Showing: {source_label(active_source())}. The forecast learns season, trend and holidays from this "
    "history; the shaded bands show where 80% and 95% of outcomes should fall."
)


# Fits run as jobs off the page (pages/_cached.py), stored per history and settings; the simple rule is a sum.
_forecast = cached_on()(recipes.forecast)
_choose_factors = cached_on()(recipes.choose_factors)
_backtest = cached_on()(recipes.backtest)
_drivers = cached_on()(recipes.drivers)


@st.cache_data(max_entries=32, show_spinner=False)
def _simple_rule(history, horizon, freq):
    return fc.simple_rule(history, horizon, freq)


def prefer_simple_rule(check: pd.DataFrame, used: list[str]) -> bool:
    """When the forecast's own accuracy check did worse than 'same as one season ago', say so above the chart
    and offer that simple rule's forecast as the one to use: on by default, unless the forecast uses outside
    factors (the rule knows none, so the what-if changes would do nothing). True when it is used."""
    if not fc.simple_rule_is_better(check):
        return False
    factors = fc.changeable(used)
    st.warning(
        f"On your history the simple rule 'same as one season ago' did better than this forecast: checked on "
        f"the last weeks, the forecast's typical miss was {check['mase'].mean():.1f} times the simple rule's. "
        + (
            "The switch below uses the simple rule's forecast instead; it leaves out your outside factors."
            if factors
            else "Use the simple rule's forecast until more history makes the full forecast worth it."
        )
    )
    return st.toggle(
        "Use the simple rule's forecast" + ("" if factors else " (recommended here)"),
        not factors,
        key="fc_simple_rule",
    )


def holidays_for(choice: Choice) -> tuple:
    """The public holidays of the shop's country over the history and a year ahead (the country asked when
    nothing tells); a warning when the typed country has no known calendar."""
    country = holiday_country(choice)
    holidays = fc.history_holidays(country, choice.history["date"])
    if country and not holidays:
        st.warning(f"No holiday calendar is known for '{plain_text(country)}'. Use a country code such as GB or US.")
    return holidays


def factors_used(choice: Choice, horizon: int, holidays: tuple, external, offered, event_future) -> list[str]:
    """The factors the forecast uses: those that made past forecasts better (the owner may use all offered),
    with why the others are left out."""
    candidates = [*offered, *([fc.HOLIDAY] if holidays else []), *([fc.OWN_EVENTS] if event_future is not None else [])]
    if not candidates:
        return []
    auto = st.toggle("Use only the factors that made past forecasts more accurate (recommended)", True, key="fc_auto")
    picked = _choose_factors(choice.history, horizon, choice.freq, external, holidays)
    used = picked["kept"] if auto else candidates
    st.caption(fc.factor_choice_words(candidates, used, picked, markdown=True))
    return used


def forecast_section() -> None:
    choice = choose_history()
    if choice is None or choice.history.empty:
        st.info("This needs daily or weekly sales: orders (transactions) or daily totals (demand).")
        return
    history, freq = choice.history, choice.freq
    per = "days" if freq == "D" else "weeks"
    c1, c2 = st.columns(2)
    horizon = c1.slider(
        f"How far ahead ({per})",
        1,
        90 if freq == "D" else 26,
        forecast_view.HORIZON if freq == "D" else 8,
        key="fc_horizon",
    )
    with c2:
        holidays = holidays_for(choice)

    last = history["date"].max()
    past_dates = pd.date_range(history["date"].min(), last, freq=freq)
    future_dates = pd.date_range(last, periods=horizon + 1, freq=freq)[1:]
    external, offered = outside_factors(choice.by)
    external, event_future = fc.with_events(external, None, past_dates, future_dates, own_events(), freq)
    used = factors_used(choice, horizon, holidays, external, offered, event_future)

    future_external, lift = what_if(external, event_future, used, future_dates, freq)
    try:
        check = _backtest(history, horizon, freq, external, holidays, tuple(used))
    except fc.ForecastError as exc:  # too short to check: say so below, and still offer the forecast
        check = str(exc)
    if isinstance(check, pd.DataFrame) and prefer_simple_rule(check, used):
        result = _simple_rule(history, horizon, freq)
    else:
        result = _forecast(history, horizon, freq, external, future_external, holidays, tuple(used))
    if lift:
        result = fc.with_lift(result, [lift[0]], lift[1])
    show_result(choice, result, external, holidays, used)
    with st.expander("How accurate has this been?", expanded=True):
        if isinstance(check, pd.DataFrame):
            show_check(check, horizon, per)
        else:
            st.info(plain_text(check))
    table_with_download(result, "forecast.csv", key="dl_forecast", label="Download the forecast (CSV)")


def show_result(choice: Choice, result: pd.DataFrame, external, holidays: tuple, used: list[str]) -> None:
    """The chart of one series, its closed days and what drives it (words from smbcore.forecast.drivers, with
    money where the series is money)."""
    history, freq = choice.history, choice.freq
    shown = draw(fc.on_grid(history, freq), result, choice.unit, 1 if freq == "D" else 7, holidays)
    series = history[history["series_id"] == shown]
    closed = fc.closed_days_words(fc.closed_days(series, freq).get(shown, []))
    if closed:
        st.caption(closed)
    with st.expander("What drives this forecast", expanded=True):
        sign = currency() if choice.is_money else None
        for row in _drivers(series, freq, external, holidays, tuple(used), sign).itertuples(index=False):
            st.markdown(f"- **{row.title}**: {row.words}")


if version("demand") is not None or needs_table(
    "transactions", "A forecast needs sales history: order lines or daily totals.", key="fc_tx"
):
    with plain_errors("making the forecast"):
        forecast_section()
