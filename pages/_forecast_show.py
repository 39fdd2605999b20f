"""The Forecast page's chart and accuracy check. Not a page (starts with '_')."""

import altair as alt
import pandas as pd
import streamlit as st

from pages._shared import show_chart, table_with_download
from smbcore.safety import visible_text

__all__ = ["draw", "show_check", "by_horizon_words"]


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
    by_horizon = pd.DataFrame(check.attrs.get("by_horizon", []))
    if len(by_horizon) and by_horizon["points"].sum():
        st.markdown(by_horizon_words(by_horizon, per))
    check = check.copy()
    check.attrs = {}  # the table shows the rows; the stretches are in the words above
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


def by_horizon_words(by_horizon: pd.DataFrame, per: str) -> str:
    """How often the actual values fell inside the 80% range, per stretch of the horizon (the backtest's
    attrs['by_horizon']: label, points, inside_80), as a markdown list: 'Days 1-3 ahead: 8 of 10 actual days
    were inside the 80% range.' A band can be right on average but too narrow early and too wide late."""
    lines = []
    for row in by_horizon.itertuples(index=False):
        if row.points:
            were = "was" if row.inside_80 == 1 else "were"
            unit = per[:-1] if row.points == 1 else per
            lines.append(
                f"- {row.label} ahead: {row.inside_80} of {row.points} actual {unit} {were} inside the 80% range."
            )
    return "How often the 80% range held, by how far ahead:\n\n" + "\n".join(lines)


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
