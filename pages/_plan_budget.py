"""The Plan page's Marketing budget tab (not a page): the budget split over segment x channel under the owner's
policy, against an equal split, with its diminishing returns."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pages._plan_common import DEFAULT_CHANNELS, DEFAULTS, budget_policy, rounded
from pages._shared import (
    cached_on,
    currency,
    customer_analysis,
    edit_table,
    money,
    plain_errors,
    show_chart,
    table_with_download,
)
from smbcore import allocate, requirements
from smbcore.errors import PolicyError
from smbcore.requirements import REQUIREMENTS
from smbcore.safety import plain_text

data_facts = cached_on("transactions")(requirements.facts)  # what the orders shown hold (pages/_cached.py)


def customer_profile() -> pd.DataFrame:
    """One row per customer with segment, churn_risk, monetary, frequency (see customers.analyse)."""
    with st.spinner("Learning who buys and who is drifting away (first time only)..."):
        return customer_analysis().profile


@st.fragment
def budget_tab() -> None:
    with plain_errors("splitting the marketing budget"):
        profile = customer_profile()
        budget_settings()
        try:
            policy = budget_policy()
        except PolicyError as exc:
            st.warning(plain_text(exc))
            return
        show_budget(allocate.marketing_plan(profile, policy), profile)


def budget_settings() -> None:
    c1, c2, c3 = st.columns(3)
    c1.slider(f"Marketing budget ({currency()})", 0, 20_000, DEFAULTS["plan_budget"], 100, key="plan_budget")
    c2.slider("Extra buyers per 100 emailed (most responsive segment)", 0.5, 20.0, DEFAULTS["plan_uplift"], 0.5,
              key="plan_uplift", help="Your own estimate, or the uplift measured on the Customers page.")  # fmt: skip
    c3.slider("Most contacts per customer", 1, 10, DEFAULTS["plan_touches"], key="plan_touches")
    with st.expander("Channels and their cost per contact (edit to match yours)"):
        # The editor's own state is forgotten while another tab is open: start it again from the last table.
        if "plan_channels" not in st.session_state:
            st.session_state["plan_channels_base"] = st.session_state.get("plan_channels_table", DEFAULT_CHANNELS)
        st.session_state["plan_channels_table"] = edit_table(
            st.session_state["plan_channels_base"],
            num_rows="dynamic",
            key="plan_channels",
            hide_index=True,
            column_config={
                "channel": "Channel",
                "cost_per_contact": st.column_config.NumberColumn(f"Cost per contact ({currency()})", min_value=0.001),
                "response_factor": st.column_config.NumberColumn(
                    "Response compared with email", min_value=0.0, help="1 = as good as email; 2 = twice"
                ),
            },
        )


def show_budget(result: allocate.MarketingPlan, profile: pd.DataFrame) -> None:
    plan, segments, policy, c = result.table, result.segments, result.policy, currency()
    total = policy.total
    spent = plan["spend"].sum()
    extra = plan["extra_revenue"].sum()
    funded = plan[plan["spend"] > 0.01]
    marginal = funded["marginal_return"].max() if len(funded) else 0.0
    best = float(allocate.first_unit_return(segments).max()) if len(segments) else 0.0
    if spent <= 0.01 and 0 < best < allocate.WORTH_SPENDING:
        st.warning(
            f"At these settings marketing costs more than it brings: even the best segment and channel bring back "
            f"only {c}{best:,.2f} of extra sales for each {c}1 spent, so nothing is worth spending and the plan "
            f"spends nothing. If your customers answer better than {policy.uplift * 100:g} in 100, raise that "
            "estimate, or add a cheaper channel."
        )
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Expected extra revenue", money(extra, c))
    m2.metric(f"Back per {c}1 spent", f"{c}{extra / spent:,.2f}" if spent > 0.01 else "-")
    m3.metric(f"One more {c}1 brings", f"{c}{marginal if spent > 0.01 else best:,.2f}")
    m4.metric("Against an equal split", money(extra - plan["equal_split_revenue"].sum(), c), delta_color="off")
    if "churn_risk" not in profile or profile["churn_risk"].isna().all():
        st.caption(
            f"How likely each customer is to buy again is not known yet ({churn_reason()}), so every segment is "
            "taken to answer as your estimate of extra buyers says."
        )
    no_money_notes(plan, spent, total, c)
    left, right = st.columns(2)
    with left:
        budget_chart(plan, c)
    with right:
        curve_chart(segments, total, result.caps, c)
    table_with_download(
        rounded(plan),
        "budget_plan.csv",
        key="dl_budget",
        label="Download the budget plan (CSV)",
        column_config={
            "segment": "Segment · channel",
            "channel": "Channel",
            "spend": st.column_config.NumberColumn(f"Spend ({c})", format="%.0f"),
            "contacts": st.column_config.NumberColumn("Contacts", format="%.0f"),
            "extra_revenue": st.column_config.NumberColumn(f"Extra revenue ({c})", format="%.0f"),
            "return_per_unit": st.column_config.NumberColumn(f"Back per {c}1", format="%.2f"),
            "marginal_return": st.column_config.NumberColumn(f"Next {c}1 brings", format="%.2f"),
            "equal_split_spend": st.column_config.NumberColumn(f"Equal split: spend ({c})", format="%.0f"),
            "equal_split_revenue": st.column_config.NumberColumn(f"Equal split: extra revenue ({c})", format="%.0f"),
            "no_money_why": "Why no money",
        },
    )
    st.caption(
        "How this is worked out: a segment's response is your estimate of extra buyers per contact, highest for "
        "customers with an even chance of buying anyway and lowest for those sure to buy or long gone; each "
        "further contact reaches fewer new buyers. The split puts each next unit of money where it brings most, "
        f"and stops where a {c}1 would bring back less than {c}1."
    )


def no_money_notes(plan: pd.DataFrame, spent: float, total: float, c: str) -> None:
    """Which segment and channel pairs get no money and why, and why less than the budget is spent."""
    no_money = plan[plan["no_money_why"] != ""]
    if len(no_money):
        listed = "; ".join(f"{seg}: {why}" for seg, why in no_money[["segment", "no_money_why"]].head(8).itertuples(
            index=False))  # fmt: skip
        st.info(f"{len(no_money):,} segment and channel pairs get no money ({listed}).")
    at_break_even = (plan["spend"] > 0.01) & (plan["marginal_return"] <= allocate.WORTH_SPENDING * 1.001)
    if len(no_money) == len(plan):
        st.info("No segment can take marketing money: nothing to split.")
    elif spent < total - 1 and at_break_even.any():
        st.info(
            f"Only {money(spent, c)} of the {money(total, c)} is worth spending: past that each further {c}1 "
            f"would bring back less than {c}1 of extra sales."
        )
    elif spent < total - 1:
        st.info(f"Only {money(spent, c)} can be spent usefully: every segment is at its most contacts per customer.")


def churn_reason() -> str:
    """Why no churn risk is known, from the churn model's stated needs (smbcore.requirements)."""
    missing = REQUIREMENTS["churn"].shortfalls(data_facts())
    if missing:
        return "the churn model needs " + "; ".join(missing)
    return "your data cannot yet tell who will stop buying better than chance"


def budget_chart(plan: pd.DataFrame, c: str) -> None:
    frame = plan.melt(id_vars="segment", value_vars=["spend", "equal_split_spend"], var_name="split")
    frame["split"] = frame["split"].map({"spend": "Recommended", "equal_split_spend": "Equal split"})
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None, sort="-x"),
            x=alt.X("value:Q", title=f"Spend ({c})", axis=alt.Axis(format=",.0f")),
            color=alt.Color("split:N", title=None),
            yOffset="split:N",
            tooltip=[
                alt.Tooltip("segment:N", title="Segment"),
                alt.Tooltip("split:N", title="Split"),
                alt.Tooltip("value:Q", title="Spend", format=",.0f"),
            ],  # fmt: skip
        )
        .properties(title="Where the budget goes", height=max(200, 36 * plan["segment"].nunique()))
    )
    show_chart(chart, width="stretch")


def curve_chart(segments: pd.DataFrame, total: float, caps: dict, c: str) -> None:
    top = max(total * 2, 1000)
    frame = allocate.budget_curve(segments, [top * i / 10 for i in range(11)], caps).rename(
        columns={"extra_revenue": "extra"}
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("budget:Q", title=f"Budget ({c})", axis=alt.Axis(format=",.0f")),
            y=alt.Y("extra:Q", title=f"Expected extra revenue ({c})", axis=alt.Axis(format=",.0f")),
            tooltip=[
                alt.Tooltip("budget:Q", title="Budget", format=",.0f"),
                alt.Tooltip("extra:Q", title="Extra revenue", format=",.0f"),
            ],  # fmt: skip
        )
    )
    rule = alt.Chart(pd.DataFrame({"budget": [total]})).mark_rule(color="#c0392b").encode(x="budget:Q")
    show_chart(
        (line + rule).properties(title="Diminishing returns: extra revenue for each budget (red: yours)", height=240),
        width="stretch",
    )
