"""Plan: stock to order, staff per shift and the marketing budget, from the forecasts, with what-if sliders
that answer at once (the forecasts are fitted once per data version; sliders re-run only arithmetic)."""

import json

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
    lazy_tabs,
    load,
    money,
    needs_table,
    own_workspace,
    plain_errors,
    require_app,
    show_chart,
    show_table,
    source_label,
    table_with_download,
)
from smbcore import allocate
from smbcore import forecast as fc
from smbcore.errors import SmbcoreError
from smbcore.requirements import REQUIREMENTS
from smbcore.safety import csv_bytes, plain_text, visible_text

require_app()

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
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

# Decimals each column of a table or download is rounded to: money to cents or whole units, people and units to
# whole numbers, hours and rates to one decimal. A column not listed is left as it is.
DECIMALS = {
    "unit_cost": 2, "order_cost_value": 0, "stock": 0, "reorder_point": 0, "safety_stock": 0, "order_units": 0,
    "order_quantity": 0, "daily_demand": 1, "expected_stockout_units": 0, "expected_orders": 1, "staff": 0,
    "staff_hours": 1, "cost": 2, "orders_per_person": 1, "spend": 2, "contacts": 0, "extra_revenue": 2,
    "return_per_unit": 2, "marginal_return": 2, "equal_split_spend": 2, "equal_split_revenue": 2,
    "stockout_units": 0, "fill_rate": 3, "average_stock_units": 0, "holding_cost": 2, "ordering_cost": 2,
    "lost_margin": 2, "total_cost": 2, "short_hours": 1,
}  # fmt: skip


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its numbers at the precision a person reads (DECIMALS), never '-0'."""
    out = frame.copy()
    for column, places in DECIMALS.items():
        if column in out and pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]):
            values = out[column].astype(float).round(places) + 0.0  # + 0.0 turns -0.0 into 0.0
            out[column] = values.astype("Int64") if places == 0 and values.notna().all() else values
    return out


st.title("Plan")
st.caption(
    f"Showing: {source_label(active_source())}. Stock, staff and marketing money planned from the forecasts. "
    "Move the sliders: the plan and its cost update at once."
)


def _setting_key(name: str) -> str:
    return f"{name}:{active_source()}"  # the owner's stock levels for one data source do not leak into another


def shock_controls(key: str, forecast_dates: pd.Series) -> tuple[int, list[int]]:
    """The demand-shock what-if: a percentage, on all dates or only in chosen months."""
    c1, c2 = st.columns(2)
    shock = c1.slider("Demand shock (%)", -50, 100, 0, 5, key=f"{key}_shock", help="+20 means 20% more than forecast")
    months_shown = sorted(forecast_dates.dt.month.unique())
    months = c2.multiselect(
        "Only in", months_shown, format_func=lambda m: MONTHS[m - 1], key=f"{key}_months", placeholder="every month"
    )
    return shock, list(months)


# ---------------------------------------------------------------------------------------------- stock


def stock_table_editor(plan: pd.DataFrame) -> tuple[pd.Series | None, set]:
    """The owner's stock on hand and perishable lines, editable and kept in the workspace."""
    workspace = own_workspace()
    saved = json.loads(workspace.setting(_setting_key("stock_levels"), "{}") or "{}")
    table = pd.DataFrame(
        {
            "product_id": plan["product_id"],
            "product_name": plan["product_name"],
            "stock": [saved.get(p, {}).get("stock") for p in plan["product_id"]],
            "perishable": [bool(saved.get(p, {}).get("perishable", False)) for p in plan["product_id"]],
        }
    )
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
                known = levels[levels.index.isin(table["product_id"])]
                table["stock"] = table["product_id"].map(known).where(lambda v: v.notna(), table["stock"])
                st.success(
                    f"Read stock for {len(known):,} of the planned products from '{plain_text(upload.name)}' "
                    f"({len(levels) - len(known):,} other products in the file are not in this plan)."
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
    current = {
        str(r.product_id): {"stock": None if pd.isna(r.stock) else float(r.stock), "perishable": bool(r.perishable)}
        for r in edited.itertuples(index=False)
        if not pd.isna(r.stock) or r.perishable
    }
    if current != saved:
        workspace.set_setting(_setting_key("stock_levels"), json.dumps(current))
    stock = pd.Series({p: v["stock"] for p, v in current.items() if v["stock"] is not None}, dtype=float)
    return (stock if len(stock) else None), {p for p, v in current.items() if v["perishable"]}


def stock_tab() -> None:
    """Products and stock on hand change rarely and re-run the page; the sliders re-run only `stock_plan`, so
    the long product list and the stock table are not sent to the browser again on every move."""
    with plain_errors("planning stock"):
        _stock_tab(fragment=True)


def _stock_tab(fragment: bool = False) -> None:
    """The stock tab's content; `fragment`: the sliders re-run only the plan (see stock_plan)."""
    allocate.needs_products(load("transactions"))  # before any product list: a plain note without product codes
    names = compute("transactions", "allocate.product_names").to_dict()  # a dict: thousands of labels a run
    others = st.multiselect(
        "Add products beyond the top 200 by revenue",
        list(names),
        format_func=lambda p: visible_text(f"{names[p]} ({p})"),
        key="plan_extra_products",
        placeholder="any product",
    )
    with st.spinner("Forecasting demand for your top products (first time only: about 15 seconds)..."):
        inputs = compute("transactions", "allocate.stock_inputs", 200, 56, tuple(others))
    stock, perishable = stock_table_editor(inputs.items.reset_index()[["product_id", "product_name"]])
    (stock_plan if fragment else _stock_plan)(inputs, stock, perishable)


@st.fragment
def stock_plan(inputs, stock: pd.Series | None, perishable: set) -> None:
    with plain_errors("planning stock"):
        _stock_plan(inputs, stock, perishable)


def _stock_plan(inputs, stock: pd.Series | None, perishable: set) -> None:
    c1, c2, c3, c4 = st.columns(4)
    service = c1.slider("Service level (%)", 80.0, 99.5, 95.0, 0.5, key="plan_service",
                        help="The chance of not running out before the next delivery.")  # fmt: skip
    lead = c2.slider("Lead time (days)", 1, 60, 7, key="plan_lead", help="Days from placing an order to having it.")
    review = c3.slider("Order every (days)", 1, 28, 7, key="plan_review")
    cost_share = c4.slider("Your cost as % of price", 10, 95, 60, 5, key="plan_cost_share")
    c1, c2, c3 = st.columns(3)
    holding = c1.slider("Holding cost (% of cost a year)", 5, 60, 25, key="plan_holding",
                        help="Storage, insurance, money tied up, shrinkage.")  # fmt: skip
    order_cost = c2.slider(f"Cost of placing an order ({currency()})", 0, 200, 20, 5, key="plan_order_cost")
    budget = c3.number_input(
        f"Money for this order ({currency()}, 0 = no limit)", 0, 10_000_000, 0, 500, key="plan_stock_budget"
    )
    weeks = st.slider(
        "Order at most (weeks of sales)", 1, 26, allocate.MAX_WEEKS, key="plan_max_weeks",
        help="No order is bigger than this many weeks of forecast sales, however cheap the product.",
    )  # fmt: skip
    shock, months = shock_controls("plan_stock", inputs.forecast["date"])
    items = inputs.items.assign(unit_cost=inputs.items["price"] * cost_share / 100)
    demand = inputs.demand
    if shock and months:
        demand = allocate.demand_over_time(allocate.with_shock(inputs.forecast, shock, months))
    settings = dict(
        service_level=service / 100,
        lead_time_days=lead,
        review_days=review,
        holding_cost_rate=holding / 100,
        order_cost=order_cost,
        items=items,
        stock=stock,
        perishable=perishable,
        demand_shock=(shock / 100) if shock and not months else 0.0,
        max_weeks=weeks,
    )
    plan = allocate.inventory_plan(demand, budget=budget or None, **settings)
    st.session_state["plan_stock_result"] = plan
    st.session_state["plan_margin_share"] = 1 - cost_share / 100
    c = currency()
    known = plan["stock"].notna()
    to_order = plan[plan["order_units"] > 0]
    m1, m2, m3, m4 = st.columns(4)
    if known.any():
        m1.metric("Products to order now", f"{len(to_order):,} of {int(known.sum()):,} with stock entered")
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
    if (
        budget
        and plan["order_cost_value"].sum() < allocate.inventory_plan(demand, **settings)["order_cost_value"].sum()
    ):
        st.info(
            f"The {money(budget, c)} limit is spent on the units expected to earn the most margin; "
            "the rest of the plan waits for the next order."
        )
    capped = plan["method"] == allocate.order_size_words(weeks)
    st.caption(
        f"An order is at most {weeks} weeks of forecast sales (set above)"
        + (f": {int(capped.sum()):,} products are capped there ('{allocate.order_size_words(weeks)}')." if capped.any()
           else ".")
    )  # fmt: skip
    service_chart(demand, settings)
    columns = ["product_id", "product_name", "order_units", "unit_cost", "order_cost_value", "stock", "reorder_point",
               "safety_stock", "order_quantity", "method", "daily_demand", "expected_stockout_units"]  # fmt: skip
    if not known.any():  # no order: the reorder points and order sizes
        columns = [col for col in columns if col not in ("order_units", "order_cost_value", "stock")]
    table = rounded(plan.sort_values(["order_cost_value", "reorder_point"], ascending=False))
    # An unknown stock level reads "not entered", not "None" (which an owner could take for none in stock).
    table = table.assign(stock=table["stock"].map(lambda v: "not entered" if pd.isna(v) else f"{v:.0f}"))
    table_with_download(
        table[columns],
        "purchase_order.csv" if known.any() else "reorder_points.csv",
        key="dl_purchase_order",
        label="Download the purchase order (CSV)" if known.any() else "Download the reorder points (CSV)",
        column_config=STOCK_COLUMNS
        | {
            "unit_cost": st.column_config.NumberColumn(f"Unit cost ({c})", format="%.2f"),
            "order_cost_value": st.column_config.NumberColumn(f"Order value ({c})", format="%.0f"),
        },
        height=320,
    )
    with st.expander("Did this plan pay off? Replay the last 8 weeks"):
        if st.toggle("Replay (takes a few seconds the first time)", key="plan_stock_replay"):
            try:
                replay = compute("transactions", "allocate.stock_replay_inputs", 200, 56)
            except SmbcoreError as exc:
                st.info(plain_text(exc))
                return
            table = allocate.backtest_policy(
                replay.history, 56, service / 100, lead, review, holding / 100, order_cost,
                items=replay.items.assign(unit_cost=replay.items["price"] * cost_share / 100),
                forecast=replay.forecast,
            )  # fmt: skip
            show_stock_replay(table)


def service_chart(demand, settings: dict) -> None:
    """What a higher service level costs: holding cost and units short a year, across service levels."""
    frame = allocate.service_curve(demand, **settings).rename(
        columns={"holding_cost": "holding", "stockout_units": "short"}
    )
    frame["service"] = frame["service_level"] * 100
    x = alt.X("service:Q", title="Service level (%)", scale=alt.Scale(domain=[80, 100]), axis=alt.Axis(format=".0f"))
    cost = (
        alt.Chart(frame)
        .mark_line(point=True, color="#1f6f8b")
        .encode(
            x=x,
            y=alt.Y("holding:Q", title=f"{currency()} a year", axis=alt.Axis(format=",.0f")),
            tooltip=[
                alt.Tooltip("service:Q", title="Service level (%)", format=".1f"),
                alt.Tooltip("holding:Q", title="Holding cost", format=",.0f"),
            ],
        )  # fmt: skip
        .properties(title="Holding cost a year", height=220)
    )
    short = (
        alt.Chart(frame)
        .mark_line(point=True, color="#c0392b")
        .encode(
            x=x,
            y=alt.Y("short:Q", title="Units a year", axis=alt.Axis(format=",.0f", tickMinStep=1)),
            tooltip=[
                alt.Tooltip("service:Q", title="Service level (%)", format=".1f"),
                alt.Tooltip("short:Q", title="Units short", format=",.0f"),
            ],
        )  # fmt: skip
        .properties(title="Units short a year (expected)", height=220)
    )
    st.markdown("**What a higher service level costs**: more stock held, fewer sales lost.")
    c1, c2 = st.columns(2)
    c1.altair_chart(cost, width="stretch")
    c2.altair_chart(short, width="stretch")


def show_stock_replay(table: pd.DataFrame) -> None:
    c = currency()
    ours, naive = table.iloc[0], table.iloc[1]
    st.markdown(
        f"Planning 8 weeks ago with these settings and meeting the demand that really came: the recommended plan "
        f"met **{ours['fill_rate']:.1%}** of demand from stock at a total cost of **{money(ours['total_cost'], c)}** "
        f"(holding, ordering and margin lost to stock-outs); ordering what the last 4 weeks sold met "
        f"**{naive['fill_rate']:.1%}** at **{money(naive['total_cost'], c)}**."
    )
    table_with_download(
        rounded(table),
        "stock_replay.csv",
        key="dl_stock_replay",
        column_config={
            "policy": "Policy",
            "orders": "Orders placed",
            "stockout_units": st.column_config.NumberColumn("Units short", format="%.0f"),
            "fill_rate": st.column_config.NumberColumn("Demand met from stock", format="percent"),
            "average_stock_units": st.column_config.NumberColumn("Average units in stock", format="%.0f"),
            "holding_cost": st.column_config.NumberColumn(f"Holding cost ({c})", format="%.0f"),
            "ordering_cost": st.column_config.NumberColumn(f"Ordering cost ({c})", format="%.0f"),
            "lost_margin": st.column_config.NumberColumn(f"Margin lost to stock-outs ({c})", format="%.0f"),
            "total_cost": st.column_config.NumberColumn(f"Total cost ({c})", format="%.0f"),
        },
    )


# ---------------------------------------------------------------------------------------------- staff


@st.fragment
def staff_tab() -> None:
    with plain_errors("planning staff"):
        _staff_tab()


def holiday_country() -> str | None:
    """The country whose public holidays the rota uses: the owner's answer (kept in the workspace), else the one
    the data shows (see allocate.shop_country)."""
    key = _setting_key("holiday_country")
    workspace = own_workspace()
    if "plan_country" not in st.session_state:  # else the answer given on the Forecast page (own data only)
        own = active_source() == OWN
        st.session_state["plan_country"] = workspace.setting(key, "") or (own and workspace.setting("country")) or ""
    typed = st.text_input(
        "Public holidays of (country)",
        key="plan_country",
        placeholder="from your data",
        help="A country name or code such as GB, US, DE. Leave empty to use the country in your data.",
    ).strip()
    if typed != (workspace.setting(key, "") or ""):
        workspace.set_setting(key, typed)
    return typed or None


def _staff_tab() -> None:
    country = holiday_country()
    with st.spinner("Forecasting orders per day (first time only)..."):
        inputs = compute("transactions", "allocate.staff_inputs", 28, country)
    default_hours, round_the_clock = (
        allocate.default_open_hours(inputs.profile) if inputs.timed else (allocate.OPEN_HOURS, False)
    )
    c1, c2, c3 = st.columns(3)
    productivity = c1.slider("Orders one person handles an hour", 1.0, 60.0, 10.0, 1.0, key="plan_productivity")
    wage = c2.slider(f"Hourly wage ({currency()})", 5.0, 40.0, 12.0, 0.5, key="plan_wage")
    minimum = c3.slider("Fewest people on duty", 0, 5, 1, key="plan_min_staff")
    c1, c2, c3 = st.columns(3)
    hours = c1.slider("Open from / to (hour)", 0, 24, default_hours, key="plan_open_hours",
                      help="Your opening hours: shifts cover them.")  # fmt: skip
    shift = c2.slider("Shift length (hours)", 2, 12, 4, key="plan_shift")
    plan_for = c3.selectbox("Plan for", list(allocate.PLAN_FOR), key="plan_plan_for",
                            help="A busier day than forecast costs more hours and leaves fewer hours short.")  # fmt: skip
    shock, months = shock_controls("plan_staff", inputs.forecast["date"])
    if not inputs.timed:
        st.info(
            "Your file has dates but no times, so staff are spread over your opening hours "
            f"({hours[0]:02d}:00 to {hours[1]:02d}:00; set them above)."
        )
    if hours[1] <= hours[0]:
        st.warning("Closing hour must be after opening hour.")
        return
    hours = (int(hours[0]), int(hours[1]))
    if round_the_clock:
        st.info(
            "Orders come in at all hours, as in an online shop: staff work "
            f"{hours[0]:02d}:00 to {hours[1]:02d}:00 (set the hours above); orders outside those hours wait for "
            "the next shift."
        )
    # Orders placed outside the opening hours are handled when the next shift starts.
    profile = allocate.within_hours(inputs.profile, hours) if inputs.timed else allocate.even_profile(hours)
    show_closed_days(inputs)
    forecast = allocate.with_shock(inputs.forecast, shock, months or None)
    args = (forecast, profile, float(productivity), int(minimum), hours, int(shift), float(wage))
    rota = allocate.staffing_plan(*args, plan_for=plan_for)
    # Overrides recorded on the Fairness page (subject 'YYYY-MM-DD HH:00-HH:00', the people on that shift).
    rota = allocate.rota_with_overrides(rota, active_workspace(), hours, int(shift), float(wage))
    st.session_state["plan_rota"] = rota
    st.session_state["plan_staff_forecast"] = forecast
    st.session_state["plan_staff_settings"] = (float(productivity), profile, hours)
    st.session_state["plan_sales_per_order"] = inputs.sales_per_order
    if rota.empty:
        st.info(
            f"No shifts are planned: the forecast expects your shop to be shut on all of the next "
            f"{forecast['date'].nunique()} days. If it will be open, check the closed days above."
        )
        return
    tradeoff = allocate.staffing_tradeoff(*args)
    c = currency()
    chosen = tradeoff.set_index("plan_for").loc[plan_for]
    m1, m2, m3 = st.columns(3)
    m1.metric(f"Staff hours, next {forecast['date'].nunique()} days", f"{rota['staff_hours'].sum():,.0f}")
    m2.metric("Wage cost", money(rota["cost"].sum(), c))
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
    staff_replay(inputs, country, float(productivity), int(minimum), hours, int(shift), float(wage))


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


def staff_replay(inputs, country, productivity, minimum, hours, shift, wage) -> None:
    c = currency()
    with st.expander("Did this rota pay off? Replay the last 4 weeks"):
        if not inputs.timed:
            st.info("Your file has dates but no times, so how many orders came in each hour cannot be checked.")
            return
        try:
            replay = compute("transactions", "allocate.staff_replay_inputs", 28, country)
        except SmbcoreError as exc:
            st.info(plain_text(exc))
            return
        table = allocate.backtest_rota(load("transactions"), replay.forecast, replay.profile, productivity, minimum,
                                       hours, shift, wage)  # fmt: skip
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


# ---------------------------------------------------------------------------------------------- budget

# Typical costs; direct mail is dearer per contact but answered more often than email.
DEFAULT_CHANNELS = pd.DataFrame(
    {"channel": ["Email", "Postcard"], "cost_per_contact": [0.05, 0.80], "response_factor": [1.0, 3.0]}
)


@st.fragment
def budget_tab() -> None:
    with plain_errors("splitting the marketing budget"):
        _budget_tab()


def _budget_tab() -> None:
    with st.spinner("Learning who buys and who is drifting away (first time only)..."):
        analysis = compute("transactions", "customers.analyse")
    c1, c2, c3 = st.columns(3)
    total = c1.slider(f"Marketing budget ({currency()})", 0, 20_000, 1_000, 100, key="plan_budget")
    uplift = c2.slider("Extra buyers per 100 emailed (most responsive segment)", 0.5, 20.0, 2.0, 0.5,
                       key="plan_uplift", help="Your own estimate, or the uplift measured on the Customers page.")  # fmt: skip
    touches = c3.slider("Most contacts per customer", 1, 10, 3, key="plan_touches")
    with st.expander("Channels and their cost per contact (edit to match yours)"):
        # The editor's own state is forgotten while another tab is open: start it again from the last table.
        if "plan_channels" not in st.session_state:
            st.session_state["plan_channels_base"] = st.session_state.get("plan_channels_table", DEFAULT_CHANNELS)
        channels = edit_table(
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
    st.session_state["plan_channels_table"] = channels
    channels = channels.dropna()
    if channels.empty:
        st.warning("Add at least one channel with its cost per contact.")
        return
    base = allocate.segment_response(analysis.profile, uplift / 100)
    segments = pd.concat(
        [
            base.assign(
                channel=row.channel,
                cost_per_contact=row.cost_per_contact,
                response_rate=base["response_rate"] * row.response_factor,
            )
            for row in channels.itertuples(index=False)
        ],
        ignore_index=True,
    )
    segments = segments.assign(segment=segments["segment"] + " · " + segments["channel"])
    caps = dict(zip(segments["segment"], segments["customers"] * segments["cost_per_contact"] * touches, strict=True))
    plan = allocate.budget_plan(segments, total, max_spend=caps)
    st.session_state["plan_budget_segments"] = segments
    st.session_state["plan_budget_result"] = plan
    c = currency()
    spent = plan["spend"].sum()
    extra = plan["extra_revenue"].sum()
    funded = plan[plan["spend"] > 0.01]
    marginal = funded["marginal_return"].max() if len(funded) else 0.0
    best = float(allocate.first_unit_return(segments).max()) if len(segments) else 0.0
    if spent <= 0.01 and 0 < best < allocate.WORTH_SPENDING:
        st.warning(
            f"At these settings marketing costs more than it brings: even the best segment and channel bring back "
            f"only {c}{best:,.2f} of extra sales for each {c}1 spent, so nothing is worth spending and the plan "
            f"spends nothing. If your customers answer better than {uplift:g} in 100, raise that estimate, or add "
            "a cheaper channel."
        )
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Expected extra revenue", money(extra, c))
    m2.metric(f"Back per {c}1 spent", f"{c}{extra / spent:,.2f}" if spent > 0.01 else "-")
    m3.metric(f"One more {c}1 brings", f"{c}{marginal if spent > 0.01 else best:,.2f}")
    m4.metric("Against an equal split", money(extra - plan["equal_split_revenue"].sum(), c), delta_color="off")
    if "churn_risk" not in analysis.profile or analysis.profile["churn_risk"].isna().all():
        st.caption(
            f"How likely each customer is to buy again is not known yet ({churn_reason()}), so every segment is "
            "taken to answer as your estimate of extra buyers says."
        )
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
    left, right = st.columns(2)
    with left:
        budget_chart(plan, c)
    with right:
        curve_chart(segments, total, caps, c)
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


def churn_reason() -> str:
    """Why no churn risk is known, from the churn model's stated needs (smbcore.requirements)."""
    missing = REQUIREMENTS["churn"].shortfalls(compute("transactions", "requirements.facts"))
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


# ---------------------------------------------------------------------------------------------- one plan


def one_plan_tab() -> None:
    """The three plans worked out afresh (each in a scrolling box with its own settings, shared with its tab), then
    brought together. Afresh, so a plan made on other data or with settings since changed is never mixed in."""
    st.caption("The stock, staff and marketing plans below use the settings on their own tabs; change them there "
               "or in the sections here.")  # fmt: skip
    for key in ("plan_stock_result", "plan_rota", "plan_budget_segments", "plan_budget_result"):
        st.session_state.pop(key, None)
    for name in ("Stock", "Staff", "Marketing budget"):
        st.markdown(f"**{name}** (scroll inside the box for its settings and table)")
        with st.container(height=360, border=True):  # the tabs hold expanders, which cannot sit in an expander
            part_of_one_plan(name)
    stock = st.session_state.get("plan_stock_result")
    rota = st.session_state.get("plan_rota")
    segments = st.session_state.get("plan_budget_segments")
    if rota is None:
        st.warning("Not enough to bring the plans together: see the Staff section above.")
        return
    left_out = [name for name, part in (("stock", stock), ("marketing budget", segments)) if part is None]
    if left_out:
        st.info(
            f"This plan carries on without the {' and '.join(left_out)} part (see its section above for why): "
            f"the cash split and the checks below leave {'them' if len(left_out) > 1 else 'it'} out."
        )
    if segments is None:
        segments = allocate.segment_response(pd.DataFrame({"segment": [], "churn_risk": [], "monetary": []}))
    c = currency()
    cash = st.number_input(f"Cash available this period ({c}, 0 = not set)", 0, 100_000_000, 0, 1_000, key="plan_cash")
    staff_cost = float(rota["cost"].sum())
    if cash:
        split = allocate.split_cash(
            cash, staff_cost, stock if stock is not None else NO_STOCK, segments,
            st.session_state.get("plan_margin_share", 0.4),
        )  # fmt: skip
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Staff (paid first)", money(split["staff"], c))
        m2.metric("Stock", money(split["stock"], c))
        m3.metric("Marketing", money(split["marketing"], c))
        m4.metric("Left unspent", money(split["unspent"], c))
        if stock is not None and stock["stock"].isna().any():
            st.caption(
                f"{int(stock['stock'].isna().sum()):,} products have no stock on hand entered (Stock section), so no "
                "cash goes to ordering them."
            )
        if cash < staff_cost:
            st.warning(
                f"The cash does not cover the rota ({money(staff_cost, c)}); nothing is left for stock or marketing."
            )
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
    st.markdown("**Do the three plans agree?**")
    campaign = None
    if st.toggle("Also check the email plan from the Customers page (slow the first time)", key="plan_check_campaign"):
        from pages._shared import marketing_plan

        campaign = marketing_plan()
    forecast = st.session_state["plan_staff_forecast"]
    productivity, profile, open_hours = st.session_state["plan_staff_settings"]
    checks = allocate.consistency_checks(
        stock, campaign, rota, forecast, productivity, profile, open_hours,
        sales_per_order=st.session_state.get("plan_sales_per_order"), symbol=c,
    )  # fmt: skip
    for check in checks:
        (st.warning if check["level"] == "warning" else st.success)(check["text"])
    scenarios_section()


# An inventory plan without products: the cash split when the stock plan could not be made.
NO_STOCK = pd.DataFrame(
    columns=["product_id", "unit_cost", "stock", "reorder_point", "order_units", "demand_lead_review", "demand_sd",
             "daily_demand", "price"], dtype=float,
)  # fmt: skip


def part_of_one_plan(name: str) -> None:
    """One of the three plans inside One plan. A plan this data cannot make (no customer ids for the budget, no
    product codes for stock) says why in its box and is left out; the rest of the page carries on (the tab's own
    plain_errors would stop the whole page)."""
    inner = {"Stock": _stock_tab, "Staff": _staff_tab, "Marketing budget": _budget_tab}[name]
    try:
        inner()
    except SmbcoreError as exc:
        st.info(plain_text(exc))


SCENARIO_SETTINGS = {
    "Service level (%)": "plan_service",
    "Lead time (days)": "plan_lead",
    "Order every (days)": "plan_review",
    "Stock demand shock (%)": "plan_stock_shock",
    "Orders per person an hour": "plan_productivity",
    "Hourly wage": "plan_wage",
    "Plan staff for": "plan_plan_for",
    "Marketing budget": "plan_budget",
}


def _save_scenario() -> None:
    """Button callback (runs before the page, so the click is never lost): keep the current settings and
    their results under the name typed."""
    state = st.session_state
    name = state.get("plan_scenario_name", "").strip()
    if not name:
        state["plan_scenario_message"] = ("warning", "Type a name for the scenario first.")
        return
    stock, rota, budget = state.get("plan_stock_result"), state["plan_rota"], state.get("plan_budget_result")
    settings = {label: state.get(key) for label, key in SCENARIO_SETTINGS.items()}
    results = {"Staff hours": float(rota["staff_hours"].sum()), "Wage cost": float(rota["cost"].sum())}
    if stock is not None:  # a plan this data cannot make is left out of the scenario
        results |= {
            "Stock order value": float(stock["order_cost_value"].sum()),
            "Holding cost a year": float(stock["holding_cost"].sum()),
            "Units short a year": float(stock["expected_stockout_units"].sum()),
        }
    if budget is not None:
        results["Marketing extra revenue"] = float(budget["extra_revenue"].sum())
    allocate.save_scenario(own_workspace(), f"{name} ({source_label(active_source())})", settings, results)
    state["plan_scenario_message"] = ("success", f"Saved '{name}'.")


def scenarios_section() -> None:
    """Name the current settings, keep them in the workspace, and compare saved scenarios side by side."""
    st.markdown("**Scenarios**")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.text_input("Name these settings", key="plan_scenario_name", placeholder="e.g. busy December")
    c2.button("Save scenario", key="plan_save_scenario", on_click=_save_scenario)
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
