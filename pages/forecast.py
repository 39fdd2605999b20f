"""Forecast: the coming days or weeks of sales, with ranges, holidays, outside factors and what-if changes."""

import altair as alt
import pandas as pd
import streamlit as st

from pages._shared import (
    active_source,
    compute,
    currency,
    load,
    needs_table,
    plain_errors,
    require_app,
    source_label,
    table_with_download,
    version,
)
from smbcore import forecast as fc

require_app()

MEASURES = {"revenue": "Net revenue", "orders": "Orders", "units": "Units sold"}
LEVELS = {
    "Whole shop": None,
    "Per store": "store_id",
    "Per country (top 10)": "country",
    "Top 10 products": "product_id",
}

st.title("Forecast")
st.caption(
    f"Showing: {source_label(active_source())}. The forecast learns season, trend and holidays from this "
    "history; the shaded bands show where 80% and 95% of outcomes should fall."
)


@st.cache_data(max_entries=32, show_spinner="Forecasting...")
def _forecast(history: pd.DataFrame, horizon: int, freq: str, external, future_external, holidays: tuple):
    return fc.forecast(history, horizon, freq, external, future_external, list(holidays) or None)


@st.cache_data(max_entries=32, show_spinner="Checking how accurate this has been...")
def _backtest(history: pd.DataFrame, horizon: int, freq: str, external, holidays: tuple):
    return fc.backtest(history, horizon, freq, external, list(holidays) or None)


def choose_history() -> tuple[pd.DataFrame, str, str, str | None]:
    """(history, freq, unit label, country) from the widgets and the active data."""
    has_tx, has_demand = version("transactions") is not None, version("demand") is not None
    if has_tx:
        tx = load("transactions")
        c1, c2, c3 = st.columns(3)
        measure = c1.selectbox("Forecast", list(MEASURES), format_func=MEASURES.get, key="fc_measure")
        levels = [k for k, v in LEVELS.items() if v is None or v in tx]
        level = c2.selectbox("For", levels, key="fc_level")
        period = c3.segmented_control("Per", ["Day", "Week"], default="Day", key="fc_period") or "Day"
        freq = "D" if period == "Day" else "W"
        history = compute("transactions", "forecast.series_from_transactions", measure, LEVELS[level], freq)
        unit = f"{MEASURES[measure]} ({currency()})" if measure == "revenue" else MEASURES[measure]
        country = tx["country"].mode().iat[0] if "country" in tx and tx["country"].notna().any() else None
        if freq == "W":
            freq = fc.infer_freq(history["date"])
        return history, freq, unit, country
    if has_demand:
        demand = load("demand")
        history = demand.assign(series_id=demand.get("series_id", "All sales"))[["series_id", "date", "y"]]
        return history, fc.infer_freq(history["date"]), "Sales", None
    return pd.DataFrame(), "D", "", None


def forecast_section() -> None:
    history, freq, unit, country = choose_history()
    if history.empty:
        st.info("This needs daily or weekly sales: orders (transactions) or daily totals (demand).")
        return
    days_per_period = 1 if freq == "D" else 7
    c1, c2 = st.columns(2)
    horizon = c1.slider(
        "How far ahead" + (" (days)" if freq == "D" else " (weeks)"),
        1,
        90 if freq == "D" else 26,
        28 if freq == "D" else 8,
        key="fc_horizon",
    )
    calendar_country = c2.text_input(
        "Public holidays of",
        value=country or "GB",
        key="fc_country",
        help="A country name or code such as GB, US, DE. Leave empty for none.",
    )
    years = range(history["date"].min().year, history["date"].max().year + 2)
    holidays = tuple(fc.holiday_dates(calendar_country, years)) if calendar_country.strip() else ()
    if calendar_country.strip() and not holidays:
        st.warning(f"No holiday calendar is known for '{calendar_country}'. Use a country code such as GB or US.")

    external = load("external") if version("external") is not None else None
    future_external = None
    factors = [
        c
        for c in (external.columns if external is not None else [])
        if c not in ("date", "series_id") and pd.api.types.is_numeric_dtype(external[c])
    ]
    chosen = st.multiselect("Outside factors to use", factors, default=factors[:3], key="fc_factors") if factors else []
    if chosen:
        external = external[["date", *chosen]]
        st.markdown(
            "**What if?** Change the factors over the forecast period (their future values are otherwise "
            "the seasonal average for weather and the last value for the rest, as the table says)."
        )
        shifts = {f: st.slider(f"{f}: change by", -50.0, 50.0, 0.0, 1.0, key=f"fc_shift_{f}") for f in chosen}
        if any(shifts.values()):
            # Future values = the stated fallback, shifted by the scenario.
            future_dates = pd.date_range(history["date"].max(), periods=horizon + 1, freq=freq)[1:]
            filled = _fallback_values(external, future_dates, chosen, fc.season_length(freq))
            future_external = filled.assign(**{f: filled[f] + shift for f, shift in shifts.items()})
    else:
        external = None

    result = _forecast(history, horizon, freq, external, future_external, holidays)
    draw(history, result, unit, days_per_period, holidays)
    with st.expander("How accurate has this been?", expanded=True):
        try:
            show_check(_backtest(history, horizon, freq, external, holidays), horizon, freq)
        except fc.ForecastError as exc:  # too short to check: say so, and still offer the forecast
            st.info(str(exc))
    table_with_download(result, "forecast.csv", key="dl_forecast", label="Download the forecast (CSV)")


def show_check(check: pd.DataFrame, horizon: int, freq: str) -> None:
    """The backtest in words and as a table."""
    mase, coverage = check["mase"].mean(), check["coverage_80"].mean()
    verdict = "better than" if mase < 1 else "worse than"
    st.markdown(
        f"Forecasting the last {horizon} {'days' if freq == 'D' else 'weeks'} from the rest, the "
        f"typical miss was **{mase:.2f} times** that of 'same as one season ago' ({verdict} that simple "
        f"rule), and **{coverage:.0%}** of actual values fell inside the 80% band (80% is right)."
    )
    table_with_download(
        check,
        "forecast_accuracy.csv",
        key="dl_fc_check",
        column_config={
            "mase": st.column_config.NumberColumn("Miss vs 'same as last season' (MASE)", format="%.2f"),
            "coverage_80": st.column_config.NumberColumn("Inside the 80% band", format="percent"),
            "series_id": "Series",
            "points": "Periods of history",
        },
    )


def _fallback_values(external: pd.DataFrame, dates: pd.DatetimeIndex, columns: list[str], m: int) -> pd.DataFrame:
    past = external.groupby("date")[columns].mean()
    filled = pd.DataFrame(index=dates, columns=columns, dtype=float)
    filled, _ = fc.fill_future_factors(filled, past, columns, m)
    return filled.rename_axis("date").reset_index()


def draw(history: pd.DataFrame, result: pd.DataFrame, unit: str, days_per_period: int, holidays: tuple) -> None:
    recent = history[history["date"] >= history["date"].max() - pd.Timedelta(days=180 * days_per_period)]
    series = list(result["series_id"].unique())
    shown = st.selectbox("Series", series, key="fc_series") if len(series) > 1 else series[0]
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
    st.altair_chart(
        alt.layer(*layers).properties(title=f"{unit}: last months and the forecast ({shown})"), width="stretch"
    )
    st.caption(
        "Grey: what happened. Blue dashed: forecast; darker band 80%, lighter band 95%. Red lines: public holidays."
    )


if version("demand") is not None or needs_table(
    "transactions", "A forecast needs sales history: order lines or daily totals.", key="fc_tx"
):
    with plain_errors("making the forecast"):
        forecast_section()
