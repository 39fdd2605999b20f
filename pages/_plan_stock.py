"""The Plan page's Stock tab (not a page): stock on hand, the stock plan under the owner's policy, what a higher
service level costs, and the replay of the last 8 weeks."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pages._cached import stock_inputs
from pages._plan_common import DEFAULTS, rounded, shock_controls, stock_policy
from pages._shared import (
    active_source,
    cached_on,
    currency,
    edit_table,
    load,
    money,
    own_workspace,
    plain_errors,
    table_with_download,
)
from smbcore import allocate
from smbcore.errors import SmbcoreError
from smbcore.safety import plain_text, visible_text

# smbcore's stock inputs on the orders shown, cached per content version (pages/_cached.py).
product_names = cached_on("transactions")(allocate.product_names)
stock_replay_inputs = cached_on("transactions")(allocate.stock_replay_inputs)

STOCK_COLUMNS = {
    "product_id": "Product code",
    "product_name": "Product",
    "daily_demand": st.column_config.NumberColumn("Sells a day (forecast)", format="%.1f"),
    "stock": st.column_config.TextColumn("In stock"),
    "reorder_point": st.column_config.NumberColumn("Reorder when stock falls to", format="%.0f"),
    "safety_stock": st.column_config.NumberColumn("of which safety stock", format="%.0f"),
    "order_units": st.column_config.NumberColumn("Order now (units)", format="%.0f"),
    "order_quantity": st.column_config.NumberColumn("Usual order size", format="%.0f"),
    "method": st.column_config.TextColumn("Order size by", width="medium"),
    "expected_stockout_units": st.column_config.NumberColumn("Units short a year (expected)", format="%.0f"),
}


def stock_table_editor(products: pd.DataFrame) -> tuple[pd.Series | None, set]:
    """The owner's stock on hand and perishable lines, editable and kept in the workspace (see
    allocate.keep_stock_levels). products: product_id, product_name."""
    workspace, source = own_workspace(), active_source()
    table = allocate.stock_levels_table(workspace, source, products)
    with st.expander("Your stock on hand and perishable lines (optional; kept for next time)"):
        upload = st.file_uploader(
            "Upload a stock count (CSV or Excel with a product code column and a stock column)",
            type=["csv", "txt", "tsv", "gz", "zip", "xlsx"],
            key="plan_stock_upload",
        )
        if upload is not None:
            levels, messages = allocate.read_stock_levels(upload, upload.name)
            for message in messages:
                st.warning(plain_text(message))
            if levels is not None:
                table, known = allocate.with_counted(table, levels)
                st.success(
                    f"Read stock for {known:,} of the planned products from '{plain_text(upload.name)}' "
                    f"({len(levels) - known:,} other products in the file are not in this plan)."
                )
        st.caption(
            "Leave 'In stock' empty where you do not know it: the plan then shows when to reorder and how much, "
            "but no order for that product."
        )
        edited = edit_table(
            table,
            key="plan_stock_editor",
            hide_index=True,
            width="stretch",
            disabled=["product_id", "product_name"],
            column_config={
                "product_id": "Product code",
                "product_name": "Product",
                "stock": st.column_config.NumberColumn("In stock (units)", min_value=0, step=1),
                "perishable": st.column_config.CheckboxColumn("Perishable or seasonal"),
            },
        )
    return allocate.keep_stock_levels(workspace, source, edited)


def stock_tab() -> None:
    """Products and stock on hand change rarely and re-run the page; the sliders re-run only `stock_plan`, so
    the long product list and the stock table are not sent to the browser again on every move."""
    with plain_errors("planning stock"):
        allocate.needs_products(load("transactions"))  # before any product list: a plain note without product codes
        names = product_names().to_dict()  # a dict: thousands of labels a run
        others = st.multiselect(
            "Add products beyond the top 200 by revenue",
            list(names),
            format_func=lambda p: visible_text(f"{names[p]} ({p})"),
            key="plan_extra_products",
            placeholder="any product",
        )
        with st.spinner("Forecasting demand for your top products (first time only: about 15 seconds)..."):
            inputs = stock_inputs(200, 56, tuple(others))
        stock, perishable = stock_table_editor(inputs.items.reset_index()[["product_id", "product_name"]])
        stock_plan(inputs, stock, perishable)


@st.fragment
def stock_plan(inputs, stock: pd.Series | None, perishable: set) -> None:
    with plain_errors("planning stock"):
        stock_settings(inputs.forecast["date"])
        show_stock_plan(allocate.stock_plan(inputs, stock_policy(), stock, perishable))


def stock_settings(forecast_dates: pd.Series) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.slider("Service level (%)", 80.0, 99.5, DEFAULTS["plan_service"], 0.5, key="plan_service",
              help="The chance of not running out before the next delivery.")  # fmt: skip
    c2.slider("Lead time (days)", 1, 60, DEFAULTS["plan_lead"], key="plan_lead",
              help="Days from placing an order to having it.")  # fmt: skip
    c3.slider("Order every (days)", 1, 28, DEFAULTS["plan_review"], key="plan_review")
    c4.slider("Your cost as % of price", 10, 95, DEFAULTS["plan_cost_share"], 5, key="plan_cost_share")
    c1, c2, c3 = st.columns(3)
    c1.slider("Holding cost (% of cost a year)", 5, 60, DEFAULTS["plan_holding"], key="plan_holding",
              help="Storage, insurance, money tied up, shrinkage.")  # fmt: skip
    c2.slider(f"Cost of placing an order ({currency()})", 0, 200, DEFAULTS["plan_order_cost"], 5, key="plan_order_cost")
    c3.number_input(f"Money for this order ({currency()}, 0 = no limit)", 0, 10_000_000, DEFAULTS["plan_stock_budget"],
                    500, key="plan_stock_budget")  # fmt: skip
    st.slider(
        "Order at most (weeks of sales)", 1, 26, DEFAULTS["plan_max_weeks"], key="plan_max_weeks",
        help="No order is bigger than this many weeks of forecast sales, however cheap the product.",
    )  # fmt: skip
    shock_controls("plan_stock", forecast_dates)


def show_stock_plan(result: allocate.StockPlan) -> None:
    plan, policy, c = result.table, result.policy, currency()
    known = plan["stock"].notna()
    m1, m2, m3, m4 = st.columns(4)
    if known.any():
        m1.metric("Products to order now", f"{int((plan['order_units'] > 0).sum()):,} of {int(known.sum()):,} with "
                  "stock entered")  # fmt: skip
        m2.metric("This order costs", money(plan["order_cost_value"].sum(), c))
    else:
        m1.metric("Products planned", f"{len(plan):,}")
        m2.metric("Stock on hand", "not entered")
    m3.metric("Holding cost a year", money(plan["holding_cost"].sum(), c))
    m4.metric("Units short a year (expected)", f"{plan['expected_stockout_units'].sum():,.0f}")
    if not known.any():
        st.info(
            "You have not entered stock on hand, so we cannot say what to order now; here is when to reorder and "
            "how much. Enter your stock above (or upload a stock count) to get an order."
        )
    elif not known.all():
        st.caption(
            f"{int((~known).sum()):,} products have no stock on hand entered: for them the plan shows when to "
            "reorder and how much, not an order."
        )
    if result.budget_binds():
        st.info(
            f"The {money(policy.budget, c)} limit is spent on the units expected to earn the most margin; "
            "the rest of the plan waits for the next order."
        )
    weeks, words = policy.max_weeks, allocate.order_size_words(policy.max_weeks)
    capped = plan["method"] == words
    st.caption(
        f"An order is at most {weeks} weeks of forecast sales (set above)"
        + (f": {int(capped.sum()):,} products are capped there ('{words}')." if capped.any() else ".")
    )
    service_chart(result.service_curve())
    stock_table(plan, known.any(), c)
    with st.expander("Did this plan pay off? Replay the last 8 weeks"):
        if st.toggle("Replay (takes a few seconds the first time)", key="plan_stock_replay"):
            stock_replay(policy)


def stock_table(plan: pd.DataFrame, any_known: bool, c: str) -> None:
    columns = ["product_id", "product_name", "order_units", "unit_cost", "order_cost_value", "stock", "reorder_point",
               "safety_stock", "order_quantity", "method", "daily_demand", "expected_stockout_units"]  # fmt: skip
    if not any_known:  # no order: the reorder points and order sizes
        columns = [col for col in columns if col not in ("order_units", "order_cost_value", "stock")]
    table = rounded(plan.sort_values(["order_cost_value", "reorder_point"], ascending=False))
    # An unknown stock level reads "not entered", not "None" (which an owner could take for none in stock).
    table = table.assign(stock=table["stock"].map(lambda v: "not entered" if pd.isna(v) else f"{v:.0f}"))
    table_with_download(
        table[columns],
        "purchase_order.csv" if any_known else "reorder_points.csv",
        key="dl_purchase_order",
        label="Download the purchase order (CSV)" if any_known else "Download the reorder points (CSV)",
        column_config=STOCK_COLUMNS
        | {
            "unit_cost": st.column_config.NumberColumn(f"Unit cost ({c})", format="%.2f"),
            "order_cost_value": st.column_config.NumberColumn(f"Order value ({c})", format="%.0f"),
        },
        height=320,
    )


def service_chart(frame: pd.DataFrame) -> None:
    """What a higher service level costs: holding cost and units short a year, across service levels."""
    frame = frame.rename(columns={"holding_cost": "holding", "stockout_units": "short"})
    frame["service"] = frame["service_level"] * 100
    x = alt.X("service:Q", title="Service level (%)", scale=alt.Scale(domain=[80, 100]), axis=alt.Axis(format=".0f"))

    def line(column: str, color: str, title: str, axis_title: str, tip: str, **axis):
        return (
            alt.Chart(frame)
            .mark_line(point=True, color=color)
            .encode(
                x=x,
                y=alt.Y(f"{column}:Q", title=axis_title, axis=alt.Axis(format=",.0f", **axis)),
                tooltip=[
                    alt.Tooltip("service:Q", title="Service level (%)", format=".1f"),
                    alt.Tooltip(f"{column}:Q", title=tip, format=",.0f"),
                ],
            )
            .properties(title=title, height=220)
        )

    st.markdown("**What a higher service level costs**: more stock held, fewer sales lost.")
    c1, c2 = st.columns(2)
    c1.altair_chart(line("holding", "#1f6f8b", "Holding cost a year", f"{currency()} a year", "Holding cost"),
                    width="stretch")  # fmt: skip
    c2.altair_chart(line("short", "#c0392b", "Units short a year (expected)", "Units a year", "Units short",
                         tickMinStep=1), width="stretch")  # fmt: skip


def stock_replay(policy: allocate.StockPolicy) -> None:
    """Plan 8 weeks ago with `policy`, meet the demand that came, and compare with the last-4-weeks rule."""
    try:
        replay = stock_replay_inputs(200, 56)
    except SmbcoreError as exc:
        st.info(plain_text(exc))
        return
    table = allocate.backtest_policy(
        replay.history,
        policy,
        56,
        items=allocate.priced_items(replay.items, policy),
        forecast=replay.forecast,
        demand=replay.demand,
    )
    c = currency()
    ours, naive = table.iloc[0], table.iloc[1]
    st.markdown(
        f"Planning 8 weeks ago with these settings and meeting the demand that really came: the recommended plan "
        f"met **{ours['fill_rate']:.1%}** of demand from stock at a total cost of **{money(ours['total_cost'], c)}** "
        f"(holding, ordering and margin lost to stock-outs); ordering what the last 4 weeks sold met "
        f"**{naive['fill_rate']:.1%}** at **{money(naive['total_cost'], c)}**."
    )
    st.markdown(cycle_words(ours, naive))
    if (table["cycles"] == 0).any():  # no full round to judge: no share to show
        table = table.drop(columns=["cycle_service_level"])
    table_with_download(
        rounded(table),
        "stock_replay.csv",
        key="dl_stock_replay",
        column_config={
            "policy": "Policy",
            "orders": "Orders placed",
            "stockout_units": st.column_config.NumberColumn("Units short", format="%.0f"),
            "fill_rate": st.column_config.NumberColumn("Demand met from stock", format="percent"),
            "cycles": st.column_config.NumberColumn("Restocking rounds", format="%d"),
            "cycle_service_level": st.column_config.NumberColumn("Rounds without running out", format="percent"),
            "service_level_target": st.column_config.NumberColumn("Service level asked for", format="percent"),
            "average_stock_units": st.column_config.NumberColumn("Average units in stock", format="%.0f"),
            "holding_cost": st.column_config.NumberColumn(f"Holding cost ({c})", format="%.0f"),
            "ordering_cost": st.column_config.NumberColumn(f"Ordering cost ({c})", format="%.0f"),
            "lost_margin": st.column_config.NumberColumn(f"Margin lost to stock-outs ({c})", format="%.0f"),
            "total_cost": st.column_config.NumberColumn(f"Total cost ({c})", format="%.0f"),
        },
    )


def cycle_words(ours: pd.Series, naive: pd.Series) -> str:
    """The service level asked for against the one the replay achieved (backtest_policy rows: cycles,
    cycle_service_level, service_level_target), in words; no share when no product had two deliveries."""
    asked = f"You asked for a **{ours['service_level_target']:.0%}** service level: that share of restocking rounds"
    asked += " (from one delivery of a product to the next) should end without running out."
    if not ours["cycles"]:
        return asked + " In these 8 weeks no product had two deliveries in a row, so the replay cannot say yet."
    ours_words = f"{ours['cycle_service_level']:.0%} of {int(ours['cycles'])} rounds"
    naive_words = (
        f"{naive['cycle_service_level']:.0%} of {int(naive['cycles'])}" if naive["cycles"] else "no full round"
    )
    return (
        f"{asked} In the replay the recommended plan achieved **{ours_words}** without a stock-out (the rule of "
        f"thumb: {naive_words}). The plan was made once, 8 weeks ago, and kept: re-planning each time you order follows changes in demand."
    )
