"""Plan: stock to order, staff per shift and the marketing budget, from the forecasts, with what-if sliders
that answer at once (the forecasts are fitted once per data version; sliders re-run only arithmetic).

The page reads the widgets into the owner's policies (pages/_plan_common.py) and draws what smbcore.allocate
makes of them; each tab lives in its own helper module (pages/_plan_stock.py, _plan_staff.py, _plan_budget.py)."""

import streamlit as st

from pages._cached import stock_inputs as cached_stock_inputs
from pages._plan_budget import budget_tab, customer_profile
from pages._plan_common import country_answer, policies, rounded
from pages._plan_staff import staff_inputs, staff_tab, suggested_hours
from pages._plan_stock import stock_tab
from pages._shared import (
    active_source,
    active_workspace,
    currency,
    lazy_tabs,
    money,
    needs_table,
    own_workspace,
    plain_errors,
    require_app,
    show_table,
    source_label,
)
from smbcore import allocate
from smbcore.errors import PolicyError, SmbcoreError
from smbcore.safety import csv_bytes, plain_text

require_app()

st.title("Plan")
st.caption(
    f"Showing: {source_label(active_source())}. Stock, staff and marketing money planned from the forecasts. "
    "Move the sliders: the plan and its cost update at once."
)


def _or_why(make):
    """What `make()` returns, or the SmbcoreError that says why this data cannot make it."""
    try:
        return make()
    except SmbcoreError as exc:
        return exc


def whole_plan() -> allocate.WholePlan | None:
    """The three plans made afresh from the settings of their tabs (allocate.whole_plan); None, with a warning,
    when the staff settings do not fit together."""
    inputs = staff_inputs(country_answer().strip() or None)
    try:
        settings = policies(suggested_hours(inputs)[0])
    except PolicyError as exc:
        st.warning(f"Not enough to bring the plans together: {plain_text(exc)} Change it on the Staff tab.")
        return None
    extra = tuple(st.session_state.get("plan_extra_products", ()))
    with st.spinner("Working out the stock, staff and marketing plans (first time only: about 30 seconds)..."):
        stock_inputs = _or_why(lambda: cached_stock_inputs(200, 56, extra))
        customers = _or_why(customer_profile)
    stock, perishable = allocate.stock_on_hand(own_workspace(), active_source())
    return allocate.whole_plan(inputs, settings, stock_inputs, customers, active_workspace(), stock, perishable)


def one_plan_tab() -> None:
    """The three plans brought together: their headline figures, the cash split, the checks and scenarios."""
    st.caption("The stock, staff and marketing plans below use the settings on their own tabs; change them there.")
    plan = whole_plan()
    if plan is None:
        return
    c = currency()
    headlines(plan, c)
    for part, why in plan.left_out.items():
        st.info(
            f"This plan carries on without the {part} part ({plain_text(why)}): the cash split and the checks "
            "below leave it out."
        )
    cash_split(plan, c)
    st.markdown("**Do the three plans agree?**")
    campaign = None
    if st.toggle("Also check the email plan from the Customers page (slow the first time)", key="plan_check_campaign"):
        from pages._shared import marketing_plan

        campaign = marketing_plan()
    for check in plan.checks(campaign, c):
        (st.warning if check["level"] == "warning" else st.success)(check["text"])
    scenarios_section(plan)


def headlines(plan: allocate.WholePlan, c: str) -> None:
    """Each plan's headline figures, as its own tab shows them."""
    s1, s2, s3 = st.columns(3)
    if plan.stock is not None:
        table = plan.stock.table
        known = table["stock"].notna().any()
        s1.metric("Stock order costs", money(table["order_cost_value"].sum(), c) if known else "stock not entered")
        s2.metric("Holding cost a year", money(table["holding_cost"].sum(), c))
        s3.metric("Units short a year (expected)", f"{table['expected_stockout_units'].sum():,.0f}")
    r1, r2, r3 = st.columns(3)
    r1.metric(f"Staff hours, next {plan.rota.forecast['date'].nunique()} days", f"{plan.rota.staff_hours:,.0f}")
    r2.metric("Wage cost", money(plan.rota.cost, c))
    if plan.marketing is not None:
        budget = plan.marketing.table
        r3.metric("Expected extra revenue", money(budget["extra_revenue"].sum(), c))


def cash_split(plan: allocate.WholePlan, c: str) -> None:
    cash = st.number_input(f"Cash available this period ({c}, 0 = not set)", 0, 100_000_000, 0, 1_000, key="plan_cash")
    if not cash:
        return
    split = plan.split(cash)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Staff (paid first)", money(split["staff"], c))
    m2.metric("Stock", money(split["stock"], c))
    m3.metric("Marketing", money(split["marketing"], c))
    m4.metric("Left unspent", money(split["unspent"], c))
    stock = plan.stock.table if plan.stock is not None else None
    if stock is not None and stock["stock"].isna().any():
        st.caption(
            f"{int(stock['stock'].isna().sum()):,} products have no stock on hand entered (Stock tab), so no "
            "cash goes to ordering them."
        )
    if cash < plan.rota.cost:
        st.warning(f"The cash does not cover the rota ({money(plan.rota.cost, c)}); nothing is left for stock or "
                   "marketing.")  # fmt: skip
    else:
        st.caption(
            f"After the rota, each next {c}1 goes to the stock or marketing that earns the most margin with it; "
            f"the last {c}1 spent earns about {c}{split['margin_per_unit']:.2f} of margin."
        )
    show_table(
        rounded(split["marketing_spend"].rename("spend").rename_axis("segment").reset_index()),
        hide_index=True,
        column_config={
            "segment": "Segment · channel",
            "spend": st.column_config.NumberColumn(f"Spend ({c})", format="%.0f"),
        },
    )


def _ask_to_save() -> None:
    """Button callback (runs before the page, so the click is never lost to a rerun): the name to save the
    current settings under, for scenarios_section to save once the plan is made."""
    name = st.session_state.get("plan_scenario_name", "").strip()
    if name:
        st.session_state["plan_scenario_request"] = name
    else:
        st.session_state["plan_scenario_message"] = ("warning", "Type a name for the scenario first.")


def scenarios_section(plan: allocate.WholePlan) -> None:
    """Name the current settings, keep them (the policies and the headline results) in the workspace, and compare
    saved scenarios side by side."""
    st.markdown("**Scenarios**")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.text_input("Name these settings", key="plan_scenario_name", placeholder="e.g. busy December")
    c2.button("Save scenario", key="plan_save_scenario", on_click=_ask_to_save)
    if name := st.session_state.pop("plan_scenario_request", None):
        allocate.save_scenario(own_workspace(), f"{name} ({source_label(active_source())})", plan.policies,
                               plan.results())  # fmt: skip
        st.session_state["plan_scenario_message"] = ("success", f"Saved '{name}'.")
    if message := st.session_state.pop("plan_scenario_message", None):
        (st.success if message[0] == "success" else st.warning)(plain_text(message[1]))
    table = allocate.scenarios(own_workspace())
    if table.empty:
        st.caption("No scenarios saved yet.")
        return
    show_table(table.astype(str), width="stretch")
    st.download_button(
        "Download the scenarios (CSV)", csv_bytes(table, index=True), "scenarios.csv", "text/csv", key="dl_scenarios"
    )


# Settings kept while their tab is closed.
KEPT_SETTINGS = (
    "plan_service", "plan_lead", "plan_review", "plan_cost_share", "plan_holding", "plan_order_cost",
    "plan_stock_budget", "plan_max_weeks", "plan_stock_shock", "plan_stock_months", "plan_extra_products", "plan_stock_replay",
    "plan_productivity", "plan_wage", "plan_min_staff", "plan_open_hours", "plan_shift", "plan_plan_for",
    "plan_staff_shock", "plan_staff_months", "plan_country", "plan_budget", "plan_uplift", "plan_touches", "plan_cash",
    "plan_check_campaign", "plan_scenario_name",
)  # fmt: skip
TABS = {"Stock": stock_tab, "Staff": staff_tab, "Marketing budget": budget_tab, "One plan": one_plan_tab}


if needs_table(
    "transactions", "A plan needs sales history: order lines with dates, products and quantities.", "plan_tx"
):
    with plain_errors("making the plan"):
        for label, tab in lazy_tabs(list(TABS), "plan_tab", KEPT_SETTINGS).items():
            if tab.open:
                with tab:
                    TABS[label]()
