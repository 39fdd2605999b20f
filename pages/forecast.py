"""Forecast: the coming days or weeks of sales, with ranges, holidays, outside factors, the owner's own events
and what-if changes."""

import json
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from pages._shared import (
    OWN,
    active_source,
    active_workspace,
    compute,
    currency,
    edit_table,
    load,
    money,
    needs_table,
    own_workspace,
    plain_errors,
    require_app,
    show_chart,
    source_label,
    table_with_download,
    version,
)
from smbcore import forecast as fc
from smbcore.data import SAMPLES
from smbcore.overview import WEEKDAYS
from smbcore.safety import plain_text, visible_text

require_app()

MEASURES = {"revenue": "Net revenue", "orders": "Orders", "units": "Units sold"}
LEVELS = {
    "Whole shop": None,
    "Per store": "store_id",
    "Per country (top 10)": "country",
    "Top 10 products": "product_id",
}
FLAGS = {fc.HOLIDAY: "public holidays", fc.OWN_EVENTS: "your events"}

st.title("Forecast")
st.caption(
    f"Showing: {source_label(active_source())}. The forecast learns season, trend and holidays from this "
    "history; the shaded bands show where 80% and 95% of outcomes should fall."
)


@dataclass
class Choice:
    """What the owner chose to forecast."""

    history: pd.DataFrame  # series_id, date, y
    freq: str
    unit: str
    transactions: pd.DataFrame | None  # the orders the history comes from (None for daily totals)
    by: str | None  # the column series are split by (store_id lets per-store factors line up)
    is_money: bool


@st.cache_data(max_entries=32, show_spinner="Forecasting...")
def _forecast(history, horizon, freq, external, future_external, holidays: tuple, factors: tuple):
    return fc.forecast(history, horizon, freq, external, future_external, list(holidays) or None, factors=list(factors))


@st.cache_data(max_entries=32, show_spinner="Checking which outside factors help...")
def _choose_factors(history, horizon, freq, external, holidays: tuple):
    return fc.choose_factors(history, horizon, freq, external, list(holidays) or None)


@st.cache_data(max_entries=32, show_spinner="Checking how accurate this has been...")
def _backtest(history, horizon, freq, external, holidays: tuple, factors: tuple):
    return fc.backtest(history, horizon, freq, external, list(holidays) or None, factors=list(factors))


@st.cache_data(max_entries=32, show_spinner=False)
def _simple_rule(history, horizon, freq):
    return fc.simple_rule(history, horizon, freq)


def prefer_simple_rule(check: pd.DataFrame, used: list[str]) -> bool:
    """When the forecast's own accuracy check did worse than 'same as one season ago', say so above the chart
    and offer that simple rule's forecast as the one to use: on by default, unless the forecast uses outside
    factors (the rule knows none, so the what-if changes would do nothing). True when it is used."""
    mase = check["mase"].mean()
    if not pd.notna(mase) or mase <= 1:
        return False
    factors = [f for f in used if f not in FLAGS]
    st.warning(
        f"On your history the simple rule 'same as one season ago' did better than this forecast: checked on "
        f"the last weeks, the forecast's typical miss was {mase:.1f} times the simple rule's. "
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


@st.cache_data(max_entries=32, show_spinner=False)
def _drivers(history, freq, external, holidays: tuple, factors: tuple):
    return fc.drivers(history, freq, external, list(holidays) or None, list(factors))


TABLE_CHOICE = {"transactions": "Your orders (transactions)", "demand": "Your daily or weekly totals (demand)"}


def choose_table() -> str | None:
    """Which saved table the forecast uses: the only one, or, when both orders and daily totals are saved, the
    owner's choice (kept in session state; the most recently saved one until they choose)."""
    tables = [t for t in TABLE_CHOICE if version(t) is not None]
    if len(tables) < 2:
        return tables[0] if tables else None
    saved = active_workspace().catalog().set_index("name")["saved_at"]
    newest = max(tables, key=lambda t: saved.get(t))
    return st.radio(
        "Forecast from",
        tables,
        index=tables.index(newest),
        format_func=TABLE_CHOICE.get,
        horizontal=True,
        key="fc_table",
        help="Both your orders and your daily totals are saved. The most recently saved one is chosen first.",
    )


def one_offs_choice() -> bool:
    """Whether one-off bulk orders count in the forecast: left out unless the owner includes them (the rule:
    overview.one_off_orders, the same the health check reports)."""
    orders, limit, typical = compute("transactions", "overview.one_off_orders")
    if orders.empty:
        return False
    c = currency()
    sales = orders[~orders["is_return"].astype(bool)]
    if len(orders) == 1:
        row = orders.iloc[0]
        what = "one refund" if row["is_return"] else "one order"
        about = f"{what} of {money(row['value'], c)} on {row['day'].day} {row['day']:%B %Y}"
        it = "it"
    else:
        refunds = len(orders) - len(sales)
        about = f"{len(sales)} orders" + (f" and {refunds} refunds" if refunds else "")
        about += f" of over {money(limit, c)} each (largest {money(orders['value'].max(), c)})"
        it = "them"
    holder = st.empty()  # the sentence goes above its checkbox, so the box's label reads after what it is about
    include = st.checkbox(f"Include {it} in the forecast", False, key="fc_one_offs")
    verdict = "included, as you chose" if include else "left out, so a one-off does not drive the forecast"
    holder.caption(
        f"{about[0].upper()}{about[1:]}: far larger than usual (a typical order is {money(typical, c)}), {verdict}."
    )
    return include


def choose_history() -> Choice | None:
    """What to forecast, from the widgets and the active data; None when there is no sales history."""
    table = choose_table()
    if table == "transactions":
        tx = load("transactions")
        c1, c2, c3 = st.columns(3)
        measure = c1.selectbox("Forecast", list(MEASURES), format_func=MEASURES.get, key="fc_measure")
        levels = [k for k, v in LEVELS.items() if v is None or v in tx]
        level = c2.selectbox("For", levels, format_func=visible_text, key="fc_level")
        period = c3.segmented_control("Per", ["Day", "Week"], default="Day", key="fc_period") or "Day"
        freq = "D" if period == "Day" else "W"
        include = one_offs_choice()
        history = compute(
            "transactions", "forecast.series_from_transactions", measure, LEVELS[level], freq, include_one_offs=include
        )
        unit = f"{MEASURES[measure]} ({currency()})" if measure == "revenue" else MEASURES[measure]
        if freq == "W":
            freq = fc.infer_freq(history["date"])
        return Choice(history, freq, unit, tx, LEVELS[level], measure == "revenue")
    if table == "demand":
        demand = load("demand")
        history = demand.assign(series_id=demand.get("series_id", "All sales"))[["series_id", "date", "y"]]
        return Choice(history, fc.infer_freq(history["date"]), f"Sales ({currency('demand')})", None, None, False)
    return None


def holiday_country(choice: Choice) -> str:
    """The country whose public holidays the forecast uses (fc.shop_country: the owner's answer, the orders'
    country or currency), asked once and kept in the workspace settings. When nothing tells, no public
    holidays are used (never another country's) and the page says so and asks."""
    workspace = active_workspace()
    own = active_source() == OWN
    table = "transactions" if choice.transactions is not None else "demand"
    settings = {"country": workspace.setting("country"), "currency": currency(table)}
    if not own:
        settings["country"] = settings["country"] or SAMPLES.get(active_source(), {}).get("country")
    found = fc.shop_country(choice.transactions, settings)
    typed = st.text_input(
        "Public holidays of",
        value=found or "",
        key="fc_country",
        placeholder="your country, e.g. DE, US, FR",
        help="Your shop's country, as a name or code such as GB, US, DE, FR. Leave empty for none. "
        "It is kept for next time.",
    ).strip()
    if own and typed and fc.country_code(typed) and fc.country_code(typed) != found:
        workspace.set_setting("country", fc.country_code(typed))
    if found is None and not typed:
        st.caption(
            "Nothing in your data says which country your shop is in (no country column, and the currency is "
            "used in several countries), so no public holidays are used. Type your country above to use its "
            "holidays; it is kept for next time."
        )
    return typed


def outside_factors(by: str | None) -> tuple[pd.DataFrame | None, list[str]]:
    """The owner's outside-factor table (numeric factors only) and the factors they offer to the forecast.
    Per-store factors line up with per-store series; otherwise they are averaged over stores by date."""
    external = load("external") if version("external") is not None else None
    if external is None:
        return None, []
    numeric = [
        c for c in external.columns if c not in ("date", "store_id") and pd.api.types.is_numeric_dtype(external[c])
    ]
    offered = st.multiselect(
        "Outside factors to consider", numeric, default=numeric, format_func=visible_text, key="fc_factors"
    )
    if not offered:
        return None, []
    keep = ["date", *offered]
    if "store_id" in external and by == "store_id":
        return external[["store_id", *keep]].rename(columns={"store_id": "series_id"}), offered
    return external[keep], offered


def own_events() -> list[pd.Timestamp]:
    """The owner's own events (promotions, closures, fairs), kept in their workspace between visits."""
    workspace = own_workspace()
    saved = pd.DataFrame(json.loads(workspace.setting("events", "[]") or "[]"), columns=["date", "what"])
    saved["date"] = pd.to_datetime(saved["date"], errors="coerce")
    with st.expander(f"Your own events ({len(saved)} saved): promotions, closures, fairs"):
        st.caption(
            "Add the dates of your past and planned events. Once a past event is in the history, the forecast "
            "learns what such an event did and applies it to the planned ones."
        )
        edited = edit_table(
            saved,
            num_rows="dynamic",
            key="fc_events",
            column_config={
                "date": st.column_config.DateColumn("Date", required=True),
                "what": st.column_config.TextColumn("What (e.g. summer sale)"),
            },
            width="stretch",
        )
    edited = edited.dropna(subset=["date"])
    if _events_json(edited) != _events_json(saved.dropna(subset=["date"])):
        workspace.set_setting("events", _events_json(edited))
    return [pd.Timestamp(d) for d in edited["date"]]


def _events_json(events: pd.DataFrame) -> str:
    return json.dumps(
        [
            {"date": pd.Timestamp(d).strftime("%Y-%m-%d"), "what": "" if pd.isna(w) else str(w)}
            for d, w in events[["date", "what"]].itertuples(index=False)
        ]
    )


def forecast_section() -> None:
    choice = choose_history()
    if choice is None or choice.history.empty:
        st.info("This needs daily or weekly sales: orders (transactions) or daily totals (demand).")
        return
    history, freq = choice.history, choice.freq
    per = "days" if freq == "D" else "weeks"
    c1, c2 = st.columns(2)
    horizon = c1.slider(
        f"How far ahead ({per})", 1, 90 if freq == "D" else 26, 28 if freq == "D" else 8, key="fc_horizon"
    )
    with c2:
        calendar_country = holiday_country(choice)
    end = history["date"].max() + pd.DateOffset(years=1)
    holidays = tuple(fc.holiday_calendar(calendar_country, history["date"].min(), end))
    if calendar_country and not holidays:
        st.warning(
            f"No holiday calendar is known for '{plain_text(calendar_country)}'. Use a country code such as GB or US."
        )

    last = history["date"].max()
    past_dates = pd.date_range(history["date"].min(), last, freq=freq)
    future_dates = pd.date_range(last, periods=horizon + 1, freq=freq)[1:]
    external, offered = outside_factors(choice.by)
    events = own_events()
    external, event_future = fc.with_events(external, None, past_dates, future_dates, events, freq)

    candidates = [*offered, *([fc.HOLIDAY] if holidays else []), *([fc.OWN_EVENTS] if event_future is not None else [])]
    used = []
    if candidates:
        auto = st.toggle(
            "Use only the factors that made past forecasts more accurate (recommended)", True, key="fc_auto"
        )
        picked = _choose_factors(history, horizon, freq, external, holidays)
        used = picked["kept"] if auto else candidates
        show_factor_choice(candidates, used, picked["error"])

    future_external, lift = what_if(history, external, event_future, used, future_dates, freq, choice)
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
    shown = draw(fc.on_grid(history, freq), result, choice.unit, 1 if freq == "D" else 7, holidays)
    closed = fc.closed_days(history[history["series_id"] == shown], freq).get(shown, [])
    if closed:
        names = [WEEKDAYS[d] + "s" for d in closed]
        days = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        st.caption(f"Closed on {days}: no sales on those days in your history, so they are forecast as zero.")
    with st.expander("What drives this forecast", expanded=True):
        show_drivers(_drivers(history[history["series_id"] == shown], freq, external, holidays, tuple(used)), choice)
    with st.expander("How accurate has this been?", expanded=True):
        if isinstance(check, pd.DataFrame):
            show_check(check, horizon, per)
        else:
            st.info(plain_text(check))
    table_with_download(result, "forecast.csv", key="dl_forecast", label="Download the forecast (CSV)")


_UNITS = {"_c": " (°C)", "_f": " (°F)", "_pct": " (%)", "_kmh": " (km/h)", "_mm": " (mm)"}


def _factor_name(name: str, markdown: bool = False) -> str:
    """A factor's column name in words: 'feels_like_c' -> 'feels like (°C)'. With `markdown`, the part that
    comes from the file's column name is escaped (smbcore.safety.plain_text), for Markdown text."""
    if name in FLAGS:
        return FLAGS[name]
    suffix = next((s for s in _UNITS if name.lower().endswith(s)), "")
    stem = name[: len(name) - len(suffix)].replace("_", " ")
    return (plain_text(stem) if markdown else stem) + _UNITS.get(suffix, "")


def show_factor_choice(candidates: list[str], used: list[str], error: dict) -> None:
    """Which factors the forecast uses, and why the others are left out (error: see fc.choose_factors)."""
    text = "Uses: " + (", ".join(_factor_name(c, True) for c in used) if used else "no outside factors") + "."
    left_out = [c for c in candidates if c not in used]
    if "none" not in error or not all(c in error for c in left_out):
        if left_out:
            text += " Left out: " + ", ".join(_factor_name(c, True) for c in left_out) + "."
        st.caption(text)
        return
    no_help = [c for c in left_out if error[c] >= error["none"] * (1 - fc.BETTER_BY)]
    overlap = [c for c in left_out if c not in no_help]
    miss = "typical past miss {:.2f} with it, {:.2f} without".format
    if no_help:
        text += " Left out, as they did not make this shop's past forecasts more accurate: " + "; ".join(
            f"{_factor_name(c, True)} ({miss(error[c], error['none'])})" for c in no_help
        )
        text += "."
    if overlap:
        text += " Left out, as they helped alone but added nothing once the used ones were in: " + "; ".join(
            f"{_factor_name(c, True)} ({miss(error[c], error['none'])})" for c in overlap
        )
        text += "."
    st.caption(text)


def what_if(history, external, event_future, used, future_dates, freq, choice: Choice):
    """Scenario sliders. Returns (future factor values or None, (promotion date, lift %) or None)."""
    shiftable = [f for f in used if f not in FLAGS]
    st.markdown("**What if?**")
    future_external = event_future
    if shiftable:
        st.caption(
            "Change the outside factors over the forecast period. Without a change they are the seasonal "
            "average for factors like weather and the last value for the rest, as the download says."
        )
        columns = st.columns(min(len(shiftable), 3))
        past = external.groupby("date")[shiftable].mean()
        shifts = {}
        for i, factor in enumerate(shiftable):
            step = fc.round_step(float(past[factor].std()))
            shifts[factor] = columns[i % len(columns)].slider(
                f"{_factor_name(factor, True)}: change by",
                -5 * step,
                5 * step,
                0.0,
                step / 10,
                key=f"fc_shift_{factor}",
            )
        filled = _fallback_values(past, future_dates, shiftable, fc.season_length(freq))
        filled = filled.assign(**{f: filled[f] + shift for f, shift in shifts.items()})
        with st.expander("Or type the future values yourself (for example from a weather forecast)"):
            typed = edit_table(
                filled,
                key="fc_future_table",
                hide_index=True,
                disabled=["date"],
                column_config={"date": st.column_config.DateColumn("Date", format="ddd D MMM YYYY")}
                | {f: st.column_config.NumberColumn(_factor_name(f)) for f in shiftable},
                width="stretch",
            )
        if any(shifts.values()) or not typed.equals(filled):
            future_external = typed if event_future is None else typed.merge(event_future, on="date", how="outer")
    c1, c2 = st.columns(2)
    label = "%d %b %Y" if freq == "D" else "week of %d %b %Y"
    options = [None, *future_dates]
    when = c1.selectbox(
        "Plan a promotion in",
        options,
        format_func=lambda d: "No promotion" if d is None else d.strftime(label),
        key="fc_promo_when",
    )
    lift = c2.slider(
        "Extra sales it brings (%)",
        0,
        200,
        20,
        5,
        key="fc_promo_lift",
        help="Your own estimate. Past promotions entered under 'Your own events' teach the forecast their effect.",
        disabled=when is None,
    )
    return future_external, ((when, lift) if when is not None and lift else None)


def show_drivers(table: pd.DataFrame, choice: Choice) -> None:
    """The drivers of the shown series in words, with money where the series is money."""
    for row in table.itertuples(index=False):
        amount = ""
        if row.driver not in ("trend", "season") and choice.is_money and row.effect:
            amount = f" (about {money(abs(row.effect), currency())})"
        title = {"trend": "Trend", "season": "Season"}.get(row.driver, _factor_name(row.driver, True).capitalize())
        # The core's words name the factor by its column: shown as words, escaped (it comes from the file).
        words = row.words.replace(f" in {row.driver} ", f" in {_factor_name(row.driver, True)} ")
        st.markdown(f"- **{title}**: {words}{amount}")


def show_check(check: pd.DataFrame, horizon: int, per: str) -> None:
    """The backtest in words and as a table."""
    mase, coverage = check["mase"].mean(), check["coverage_80"].mean()
    band = f"**{coverage:.0%}** of actual values fell inside the 80% band (80% is right)"
    if pd.notna(mase):
        verdict = "better than" if mase < 1 else "worse than"
        st.markdown(
            f"Forecasting the last {horizon} {per} from the rest, the typical miss was **{mase:.2f} times** that "
            f"of 'same as one season ago' ({verdict} that simple rule), and {band}."
        )
    else:
        st.markdown(
            f"Forecasting the last {horizon} {per} from the rest, {band}. How the miss compares with 'same as one "
            f"season ago' cannot be said: before those {per} the sales never changed from one period to the "
            "next, so that simple rule never missed."
        )
    inside = "Inside the 80% band (%)"
    table_with_download(
        check.assign(coverage_80=(check["coverage_80"] * 100).round(0)).rename(columns={"coverage_80": inside}),
        "forecast_accuracy.csv",
        key="dl_fc_check",
        column_config={
            "mase": st.column_config.NumberColumn("Miss vs 'same as last season' (MASE)", format="%.2f"),
            inside: st.column_config.NumberColumn(inside, format="%.0f"),
            "series_id": "Series",
            "points": "Periods of history",
        },
    )


def _fallback_values(past: pd.DataFrame, dates: pd.DatetimeIndex, columns: list[str], m: int) -> pd.DataFrame:
    filled = pd.DataFrame(index=dates, columns=columns, dtype=float)
    filled, _ = fc.fill_future_factors(filled, past, columns, m)
    return filled.rename_axis("date").reset_index()


def draw(history: pd.DataFrame, result: pd.DataFrame, unit: str, days_per_period: int, holidays: tuple) -> str:
    """The chart of the chosen series; returns which series it shows."""
    recent = history[history["date"] >= history["date"].max() - pd.Timedelta(days=180 * days_per_period)]
    series = list(result["series_id"].unique())
    shown = st.selectbox("Series", series, format_func=visible_text, key="fc_series") if len(series) > 1 else series[0]
    past = recent[recent["series_id"] == shown].assign(kind="History")
    ahead = result[result["series_id"] == shown]
    base = alt.Chart(ahead)
    band95 = base.mark_area(opacity=0.15, color="#1f6f8b").encode(x="date:T", y="yhat_lo_95:Q", y2="yhat_hi_95:Q")
    band80 = base.mark_area(opacity=0.3, color="#1f6f8b").encode(x="date:T", y="yhat_lo_80:Q", y2="yhat_hi_80:Q")
    line = base.mark_line(color="#1f6f8b", strokeDash=[4, 2]).encode(
        x="date:T",
        y="yhat:Q",
        tooltip=[
            alt.Tooltip("date:T", title="Date"),
            alt.Tooltip("yhat:Q", title="Forecast", format=",.0f"),
            alt.Tooltip("yhat_lo_80:Q", title="80% from", format=",.0f"),
            alt.Tooltip("yhat_hi_80:Q", title="80% to", format=",.0f"),
        ],
    )
    actual = (
        alt.Chart(past)
        .mark_line(color="#444444")
        .encode(
            x=alt.X("date:T", title="Date"),
            y=alt.Y("y:Q", title=unit),
            tooltip=[alt.Tooltip("date:T", title="Date"), alt.Tooltip("y:Q", title=unit, format=",.0f")],
        )
    )
    layers = [band95, band80, actual, line]
    span = (past["date"].min(), ahead["date"].max())
    marks = [d for d in holidays if span[0] <= d <= span[1]]
    if marks:
        layers.append(
            alt.Chart(pd.DataFrame({"date": marks}))
            .mark_rule(color="#c0392b", opacity=0.5)
            .encode(x="date:T", tooltip=[alt.Tooltip("date:T", title="Public holiday")])
        )
    show_chart(alt.layer(*layers).properties(title=f"{unit}: last months and the forecast ({shown})"), width="stretch")
    st.caption(
        "Grey: what happened. Blue dashed: forecast; darker band 80%, lighter band 95%."
        + (" Red lines: public holidays." if marks else "")  # say it only when the chart has them
    )
    return shown


if version("demand") is not None or needs_table(
    "transactions", "A forecast needs sales history: order lines or daily totals.", key="fc_tx"
):
    with plain_errors("making the forecast"):
        forecast_section()
