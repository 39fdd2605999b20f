"""From forecasts to decisions: stock (reorder points and order quantities), staff per shift, and a marketing
budget split across segments; each a cheap function of fitted outputs so what-if sliders answer at once, and
each with a replay on the shop's own recent history."""

from smbcore.allocate.budget import (
    WORTH_SPENDING,
    budget_curve,
    budget_plan,
    extra_revenue,
    first_unit_return,
    segment_response,
)
from smbcore.allocate.cash import split_cash
from smbcore.allocate.checks import WAGE_SHARE_LIMIT, consistency_checks
from smbcore.allocate.inventory import (
    MAX_WEEKS,
    DemandOverTime,
    demand_over_time,
    expected_sold,
    inventory_plan,
    item_table,
    order_size_words,
    service_curve,
)
from smbcore.allocate.policy import backtest_policy, backtest_rota
from smbcore.allocate.prepare import (
    StaffInputs,
    StockInputs,
    closed_days,
    has_times,
    needs_products,
    product_names,
    shop_country,
    shop_holidays,
    staff_inputs,
    staff_replay_inputs,
    stock_inputs,
    stock_replay_inputs,
)
from smbcore.allocate.scenarios import delete_scenario, save_scenario, scenarios, with_shock
from smbcore.allocate.staffing import (
    OPEN_HOURS,
    PLAN_FOR,
    default_open_hours,
    even_profile,
    hourly_profile,
    open_days,
    rota_with_overrides,
    shift_blocks,
    staffing_plan,
    staffing_tradeoff,
    within_hours,
)
from smbcore.allocate.stocklevels import read_stock_levels

__all__ = [
    "MAX_WEEKS",
    "WAGE_SHARE_LIMIT",
    "WORTH_SPENDING",
    "default_open_hours",
    "first_unit_return",
    "needs_products",
    "order_size_words",
    "within_hours",
    "OPEN_HOURS",
    "PLAN_FOR",
    "closed_days",
    "even_profile",
    "has_times",
    "open_days",
    "rota_with_overrides",
    "shop_country",
    "shop_holidays",
    "DemandOverTime",
    "StaffInputs",
    "StockInputs",
    "consistency_checks",
    "product_names",
    "read_stock_levels",
    "shift_blocks",
    "delete_scenario",
    "save_scenario",
    "scenarios",
    "staff_replay_inputs",
    "stock_replay_inputs",
    "with_shock",
    "split_cash",
    "staff_inputs",
    "stock_inputs",
    "backtest_policy",
    "backtest_rota",
    "budget_curve",
    "budget_plan",
    "demand_over_time",
    "expected_sold",
    "extra_revenue",
    "hourly_profile",
    "inventory_plan",
    "item_table",
    "segment_response",
    "service_curve",
    "staffing_plan",
    "staffing_tradeoff",
]
