"""What the Plan page's tabs share (not a page): the widget defaults and the policies read from the widgets,
the demand-shock controls, rounding for tables and downloads, and the holiday country setting."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._shared import OWN, active_source, own_workspace
from smbcore import allocate

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip

_STOCK, _STAFF, _BUDGET = allocate.StockPolicy(), allocate.StaffPolicy(), allocate.BudgetPolicy()
# Each setting's widget key and its value before the owner moves it: the policies' own defaults in the widgets'
# units (percent where the widget shows percent). The tabs draw the widgets with these; a tab that is not open
# (One plan) reads the kept values, or these.
DEFAULTS = {
    "plan_service": _STOCK.service_level * 100,
    "plan_lead": int(_STOCK.lead_time_days),
    "plan_review": int(_STOCK.review_days),
    "plan_cost_share": round(_STOCK.cost_share * 100),
    "plan_holding": round(_STOCK.holding_cost_rate * 100),
    "plan_order_cost": int(_STOCK.order_cost),
    "plan_stock_budget": 0,
    "plan_max_weeks": int(_STOCK.max_weeks),
    "plan_stock_shock": 0,
    "plan_stock_months": [],
    "plan_productivity": float(_STAFF.orders_per_staff_hour),
    "plan_wage": float(_STAFF.hourly_wage),
    "plan_min_staff": _STAFF.min_staff,
    "plan_shift": _STAFF.shift_hours,
    "plan_plan_for": _STAFF.plan_for,
    "plan_staff_shock": 0,
    "plan_staff_months": [],
    "plan_budget": int(_BUDGET.total),
    "plan_uplift": _BUDGET.uplift * 100,
    "plan_touches": _BUDGET.touches,
}
DEFAULT_CHANNELS = pd.DataFrame([c.__dict__ for c in allocate.DEFAULT_CHANNELS])

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


def setting(key: str):
    """The widget's current value (kept while its tab is closed), else its default."""
    return st.session_state.get(key, DEFAULTS.get(key))


def shock_controls(key: str, forecast_dates: pd.Series) -> None:
    """The demand-shock what-if: a percentage, on all dates or only in chosen months."""
    c1, c2 = st.columns(2)
    c1.slider("Demand shock (%)", -50, 100, DEFAULTS[f"{key}_shock"], 5, key=f"{key}_shock",
              help="+20 means 20% more than forecast")  # fmt: skip
    months_shown = sorted(forecast_dates.dt.month.unique())
    c2.multiselect(
        "Only in", months_shown, format_func=lambda m: MONTHS[m - 1], key=f"{key}_months", placeholder="every month"
    )


def stock_policy() -> allocate.StockPolicy:
    """The stock settings on the Stock tab (or kept from it) as a policy."""
    return allocate.StockPolicy(
        service_level=setting("plan_service") / 100,
        lead_time_days=setting("plan_lead"),
        review_days=setting("plan_review"),
        holding_cost_rate=setting("plan_holding") / 100,
        order_cost=setting("plan_order_cost"),
        cost_share=setting("plan_cost_share") / 100,
        budget=setting("plan_stock_budget") or None,
        max_weeks=setting("plan_max_weeks"),
        shock=setting("plan_stock_shock"),
        shock_months=tuple(setting("plan_stock_months") or ()),
    )


def staff_policy(default_hours: tuple[int, int]) -> allocate.StaffPolicy:
    """The staff settings on the Staff tab (or kept from it) as a policy; `default_hours`: the opening hours
    suggested from the data, used until the owner sets theirs. A PolicyError when they do not fit together."""
    hours = setting("plan_open_hours") or default_hours
    return allocate.StaffPolicy(
        orders_per_staff_hour=float(setting("plan_productivity")),
        min_staff=int(setting("plan_min_staff")),
        open_hours=(int(hours[0]), int(hours[1])),
        shift_hours=int(setting("plan_shift")),
        hourly_wage=float(setting("plan_wage")),
        plan_for=setting("plan_plan_for"),
        shock=setting("plan_staff_shock"),
        shock_months=tuple(setting("plan_staff_months") or ()),
    )


def budget_policy() -> allocate.BudgetPolicy:
    """The marketing settings on the Marketing budget tab (or kept from it) as a policy; a PolicyError when no
    channel is left."""
    table = st.session_state.get("plan_channels_table", DEFAULT_CHANNELS).dropna()
    channels = tuple(
        allocate.Channel(str(r.channel), float(r.cost_per_contact), float(r.response_factor))
        for r in table.itertuples(index=False)
    )
    return allocate.BudgetPolicy(
        total=setting("plan_budget"), uplift=setting("plan_uplift") / 100, touches=setting("plan_touches"),
        channels=channels,
    )  # fmt: skip


def policies(default_hours: tuple[int, int]) -> dict:
    """All three policies as the tabs set them (see stock_policy, staff_policy, budget_policy)."""
    return {"stock": stock_policy(), "staff": staff_policy(default_hours), "budget": budget_policy()}


def setting_key(name: str) -> str:
    return f"{name}:{active_source()}"  # the owner's setting for one data source does not leak into another


def country_answer() -> str:
    """The country whose public holidays the rota uses, as the owner typed it (kept in the workspace), else the
    answer given on the Forecast page (own data only); '' when none."""
    if "plan_country" in st.session_state:
        return st.session_state["plan_country"]
    workspace = own_workspace()
    own = active_source() == OWN
    return workspace.setting(setting_key("holiday_country"), "") or (own and workspace.setting("country")) or ""
