"""The Plan page's Staff tab (not a page): the rota under the owner's policy with their overrides, its cost
against hours short, closed days, and the replay of the last 4 weeks."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pages._plan_common import DEFAULTS, country_answer, rounded, setting_key, shock_controls, staff_policy
from pages._shared import (
    active_workspace,
    cached_on,
    currency,
    load,
    money,
    own_workspace,
    plain_errors,
    show_chart,
    table_with_download,
)
from smbcore import allocate
from smbcore import forecast as fc
from smbcore.errors import PolicyError, SmbcoreError
from smbcore.safety import plain_text

# smbcore's staff inputs on the orders shown, cached per content version (pages/_cached.py).
cached_staff_inputs = cached_on("transactions")(allocate.staff_inputs)
staff_replay_inputs = cached_on("transactions")(allocate.staff_replay_inputs)


def suggested_hours(inputs: allocate.StaffInputs) -> tuple[tuple[int, int], bool]:
    """The opening hours to suggest from the data (see allocate.default_open_hours) and whether orders come in
    round the clock."""
    return allocate.default_open_hours(inputs.profile) if inputs.timed else (allocate.OPEN_HOURS, False)


def staff_inputs(country: str | None) -> allocate.StaffInputs:
    with st.spinner("Forecasting orders per day (first time only)..."):
        return cached_staff_inputs(28, country)


@st.fragment
def staff_tab() -> None:
    with plain_errors("planning staff"):
        country = holiday_country()
        inputs = staff_inputs(country)
        default_hours, round_the_clock = suggested_hours(inputs)
        staff_settings(inputs, default_hours)
        try:
            policy = staff_policy(default_hours)
        except PolicyError as exc:
            st.warning(plain_text(exc))
            return
        hours = policy.open_hours
        if not inputs.timed:
            st.info(
                "Your file has dates but no times, so staff are spread over your opening hours "
                f"({hours[0]:02d}:00 to {hours[1]:02d}:00; set them above)."
            )
        if round_the_clock:
            st.info(
                "Orders come in at all hours, as in an online shop: staff work "
                f"{hours[0]:02d}:00 to {hours[1]:02d}:00 (set the hours above); orders outside those hours wait for "
                "the next shift."
            )
        show_closed_days(inputs)
        # Overrides recorded on the Fairness page (subject 'YYYY-MM-DD HH:00-HH:00', the people on that shift).
        if show_rota(allocate.rota(inputs, policy, active_workspace())):
            staff_replay(inputs, country, policy)


def holiday_country() -> str | None:
    """The country whose public holidays the rota uses: the owner's answer (kept in the workspace), else the one
    the data shows (see allocate.shop_country)."""
    key, workspace = setting_key("holiday_country"), own_workspace()
    if "plan_country" not in st.session_state:
        st.session_state["plan_country"] = country_answer()
    typed = st.text_input(
        "Public holidays of (country)",
        key="plan_country",
        placeholder="from your data",
        help="A country name or code such as GB, US, DE. Leave empty to use the country in your data.",
    ).strip()
    if typed != (workspace.setting(key, "") or ""):
        workspace.set_setting(key, typed)
    return typed or None


def staff_settings(inputs: allocate.StaffInputs, default_hours: tuple[int, int]) -> None:
    c1, c2, c3 = st.columns(3)
    c1.slider("Orders one person handles an hour", 1.0, 60.0, DEFAULTS["plan_productivity"], 1.0,
              key="plan_productivity")  # fmt: skip
    c2.slider(f"Hourly wage ({currency()})", 5.0, 40.0, DEFAULTS["plan_wage"], 0.5, key="plan_wage")
    c3.slider("Fewest people on duty", 0, 5, DEFAULTS["plan_min_staff"], key="plan_min_staff")
    c1, c2, c3 = st.columns(3)
    c1.slider("Open from / to (hour)", 0, 24, default_hours, key="plan_open_hours",
              help="Your opening hours: shifts cover them.")  # fmt: skip
    c2.slider("Shift length (hours)", 2, 12, DEFAULTS["plan_shift"], key="plan_shift")
    c3.selectbox("Plan for", list(allocate.PLAN_FOR), key="plan_plan_for",
                 help="A busier day than forecast costs more hours and leaves fewer hours short.")  # fmt: skip
    shock_controls("plan_staff", inputs.forecast["date"])


def show_rota(plan: allocate.Rota) -> bool:
    """The rota's headline figures, charts and table; False (and why) when it has no shifts."""
    rota, forecast, c = plan.table, plan.forecast, currency()
    if rota.empty:
        st.info(
            f"No shifts are planned: the forecast expects your shop to be shut on all of the next "
            f"{forecast['date'].nunique()} days. If it will be open, check the closed days above."
        )
        return False
    tradeoff = plan.tradeoff()
    chosen = tradeoff.set_index("plan_for").loc[plan.policy.plan_for]
    m1, m2, m3 = st.columns(3)
    m1.metric(f"Staff hours, next {forecast['date'].nunique()} days", f"{plan.staff_hours:,.0f}")
    m2.metric("Wage cost", money(plan.cost, c))
    m3.metric("Open hours short of people (expected)", f"{chosen['short_hours']:.1f}")
    if forecast["yhat"].max() < 1:
        st.caption(
            "Your shop expects fewer than one order a day, so the rota is the fewest people on duty through "
            "your opening hours."
        )
    unstaffed = rota[(rota["staff"] == 0) & (rota["expected_orders"] <= 0)]
    if len(unstaffed):
        shifts = unstaffed.drop_duplicates(["weekday", "shift"]).head(4)
        listed = ", ".join(f"{r.weekday}s {r.shift}" for r in shifts.itertuples(index=False))
        st.caption(
            f"Nobody is planned on {listed}: your shop has never had an order then (closed on those weekdays at "
            "those hours), so the fewest people on duty applies only to hours it is open."
        )
    rota_chart(rota)
    tradeoff_chart(tradeoff, c)
    table_with_download(
        rounded(rota),
        "rota.csv",
        key="dl_rota",
        label="Download the rota (CSV)",
        column_config={
            "date": st.column_config.DateColumn("Date", format="ddd D MMM YYYY"),
            "weekday": "Weekday",
            "shift": "Shift",
            "expected_orders": st.column_config.NumberColumn("Orders expected", format="%.1f"),
            "staff": "People",
            "staff_hours": "Staff hours",
            "cost": st.column_config.NumberColumn(f"Cost ({c})", format="%.2f"),
            "orders_per_person": st.column_config.NumberColumn("Orders per person at the busiest hour", format="%.1f"),
            "overridden": "Changed by you",
            "override_reason": "Why changed",
        },
        height=300,
    )
    return True


def show_closed_days(inputs) -> None:
    """Which coming days get no shifts and why, and whose public holidays were used."""
    country = inputs.country
    holidays = f"Public holidays of {fc.country_name(country)} are used." if country else (
        "No public holidays are used: your data has no country. Type your country above to use its holidays."
    )  # fmt: skip
    closed = inputs.closed
    if closed.empty:
        st.caption(f"No closed days expected in the coming weeks. {holidays}")
        return
    parts = []
    for why, dates in closed.groupby("why", sort=False)["date"]:
        more = f" and {len(dates) - 3} more" if len(dates) > 3 else ""
        parts.append(f"{', '.join(f'{d:%a %d %b}' for d in dates.head(3))}{more}: {why}")
    st.caption(f"No shifts on days your shop is expected shut ({'; '.join(parts)}). {holidays}")


def staff_replay(inputs, country, policy: allocate.StaffPolicy) -> None:
    c = currency()
    with st.expander("Did this rota pay off? Replay the last 4 weeks"):
        if not inputs.timed:
            st.info("Your file has dates but no times, so how many orders came in each hour cannot be checked.")
            return
        try:
            replay = staff_replay_inputs(28, country)
        except SmbcoreError as exc:
            st.info(plain_text(exc))
            return
        table = allocate.backtest_rota(load("transactions"), replay.forecast, replay.profile, policy)
        ours, flat = table.iloc[0], table.iloc[1]
        st.markdown(
            f"Planned 4 weeks ago with these settings and met by the orders that really came: the forecast rota "
            f"({ours['staff_hours']:,.0f} paid hours) left **{ours['short_hours']}** open hours short of people "
            f"({ours['orders_in_short_hours']:,} orders in them); a flat rota with "
            f"{flat['rota'].removeprefix('flat rota, ')} ({flat['staff_hours']:,.0f} paid hours) left **{flat['short_hours']}** "
            f"({flat['orders_in_short_hours']:,} orders)."
        )
        table_with_download(
            rounded(table),
            "rota_replay.csv",
            key="dl_rota_replay",
            column_config={
                "rota": "Rota",
                "staff_hours": "Staff hours",
                "cost": st.column_config.NumberColumn(f"Cost ({c})", format="%.0f"),
                "short_hours": "Hours short of people",
                "orders_in_short_hours": "Orders in those hours",
            },
        )


def rota_chart(rota: pd.DataFrame) -> None:
    """People per date and shift: every shift row labelled, whole people in the legend."""
    shifts = sorted(rota["shift"].unique())
    most = max(int(rota["staff"].max()), 1)
    chart = (
        alt.Chart(rota)
        .mark_rect()
        .encode(
            x=alt.X("yearmonthdate(date):O", title="Date", axis=alt.Axis(format="%a %d %b", labelAngle=-60)),
            y=alt.Y("shift:O", title="Shift", sort=shifts, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color(
                "staff:Q",
                title="People",
                scale=alt.Scale(scheme="blues", domain=[0, most]),
                legend=alt.Legend(
                    format="d", tickCount=min(most, 5), values=list(range(0, most + 1, max(most // 4, 1)))
                ),
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%a %d %b"),
                alt.Tooltip("shift:N", title="Shift"),
                alt.Tooltip("staff:Q", title="People"),
                alt.Tooltip("expected_orders:Q", title="Orders expected", format=",.0f"),
            ],  # fmt: skip
        )
        .properties(title="People needed per shift", height=max(120, 26 * len(shifts)))
    )
    show_chart(chart, width="stretch")


def tradeoff_chart(tradeoff: pd.DataFrame, c: str) -> None:
    """Wage cost against hours short for each 'plan for' choice; choices that give the same rota share one
    label instead of printing over each other."""
    tradeoff = tradeoff.assign(short_hours=tradeoff["short_hours"].round(1), cost=tradeoff["cost"].round(0))
    labels_at = tradeoff.groupby(["short_hours", "cost"], sort=False)["plan_for"].agg(" = ".join).rename("label")
    tradeoff = tradeoff.join(labels_at, on=["short_hours", "cost"])
    chart = (
        alt.Chart(tradeoff)
        .mark_line(point=alt.OverlayMarkDef(size=80))
        .encode(
            x=alt.X(
                "short_hours:Q",
                title="Open hours short of people (expected)",
                axis=alt.Axis(format=",.1f", tickMinStep=0.1),
                scale=alt.Scale(zero=True),
            ),
            y=alt.Y("cost:Q", title=f"Wage cost ({c})", axis=alt.Axis(format=",.0f")),
            tooltip=[
                alt.Tooltip("plan_for:N", title="Plan for"),
                alt.Tooltip("cost:Q", title="Cost", format=",.0f"),
                alt.Tooltip("short_hours:Q", title="Hours short", format=".1f"),
            ],  # fmt: skip
        )
        .properties(title="Cost against service: more hours, fewer hours short", height=240)
    )
    labels = (
        alt.Chart(tradeoff.drop_duplicates("label"))
        .mark_text(align="left", dx=8, dy=-8)
        .encode(x="short_hours:Q", y="cost:Q", text="label:N")
    )
    show_chart(chart + labels, width="stretch")
