"""The Plan page's plans from the fitted inputs and the owner's policies: the stock plan, the rota with the owner's
overrides, the marketing budget split over segment x channel, and the whole plan that brings them together (cash
split, checks, scenario results). Each is arithmetic on inputs made once per data version (see prepare)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from smbcore.allocate.budget import budget_plan, segment_response
from smbcore.allocate.cash import split_cash
from smbcore.allocate.checks import consistency_checks
from smbcore.allocate.inventory import DemandOverTime, inventory_plan, planned_demand, service_curve
from smbcore.allocate.policies import BudgetPolicy, StaffPolicy, StockPolicy
from smbcore.allocate.prepare import StaffInputs, StockInputs
from smbcore.allocate.staffing import (
    even_profile,
    planned_orders,
    rota_with_overrides,
    staffing_plan,
    staffing_tradeoff,
    within_hours,
)

__all__ = [
    "StockPlan",
    "Rota",
    "MarketingPlan",
    "WholePlan",
    "priced_items",
    "stock_plan",
    "rota",
    "channel_segments",
    "marketing_plan",
    "whole_plan",
    "NO_STOCK",
]

# An inventory plan without products: the cash split when the stock plan could not be made.
NO_STOCK = pd.DataFrame(
    columns=["product_id", "unit_cost", "stock", "reorder_point", "order_units", "demand_lead_review", "demand_sd",
             "daily_demand", "price"], dtype=float,
)  # fmt: skip


def priced_items(items: pd.DataFrame, policy: StockPolicy) -> pd.DataFrame:
    """items (index product_id with price) with unit_cost = price x the policy's cost share."""
    return items.assign(unit_cost=items["price"] * policy.cost_share)


@dataclass(frozen=True)
class StockPlan:
    """table: the inventory plan (see inventory_plan); demand: the demand it was planned on (with the policy's
    shock); items: product_id -> product_name, price, unit_cost; stock / perishable: as given."""

    table: pd.DataFrame
    demand: DemandOverTime
    items: pd.DataFrame
    policy: StockPolicy
    stock: pd.Series | None = None
    perishable: frozenset = frozenset()

    def unlimited(self) -> pd.DataFrame:
        """The same plan without the policy's budget."""
        return inventory_plan(self.demand, replace(self.policy, budget=None), self.items, self.stock, self.perishable)

    def budget_binds(self) -> bool:
        """True when the policy's budget cut the order (it costs less than the plan without the budget)."""
        if not self.policy.budget:
            return False
        return self.table["order_cost_value"].sum() < self.unlimited()["order_cost_value"].sum()

    def service_curve(self) -> pd.DataFrame:
        """What each service level costs with the other settings (budget left out); see inventory.service_curve."""
        return service_curve(self.demand, replace(self.policy, budget=None), items=self.items, stock=self.stock,
                             perishable=self.perishable)  # fmt: skip


def stock_plan(
    inputs: StockInputs, policy: StockPolicy, stock: pd.Series | None = None, perishable: set | None = None
) -> StockPlan:
    """The stock plan of `inputs` (see prepare.stock_inputs) under `policy`: unit costs from its cost share, demand
    with its shock, its budget and order cap. stock: units on hand by product_id (None: not known)."""
    items = priced_items(inputs.items, policy)
    demand = planned_demand(inputs.forecast, inputs.demand, policy)
    fresh = frozenset(perishable or ())
    return StockPlan(inventory_plan(demand, policy, items, stock, fresh), demand, items, policy, stock, fresh)


@dataclass(frozen=True)
class Rota:
    """table: the rota (see staffing_plan) with the owner's overrides (overridden, override_reason; see
    rota_with_overrides); forecast: the orders forecast it was planned on (with the policy's shock); profile: the
    weekday x hour shares within the opening hours (weekday, hour, share)."""

    table: pd.DataFrame
    forecast: pd.DataFrame
    profile: pd.DataFrame
    policy: StaffPolicy

    @property
    def staff_hours(self) -> float:
        return float(self.table["staff_hours"].sum())

    @property
    def cost(self) -> float:
        return float(self.table["cost"].sum())

    def tradeoff(self) -> pd.DataFrame:
        """Cost against hours short for each 'plan for' choice (see staffing_tradeoff)."""
        return staffing_tradeoff(self.forecast, self.profile, self.policy)


def rota(inputs: StaffInputs, policy: StaffPolicy, workspace=None) -> Rota:
    """The rota of `inputs` (see prepare.staff_inputs) under `policy`: orders placed outside the opening hours
    wait for the next shift (a file without times spreads them evenly over the opening hours), the policy's shock
    applied, and the overrides the owner recorded in `workspace` (model 'rota'; None: none) with their hours and
    cost worked out again."""
    profile = within_hours(inputs.profile, policy.open_hours) if inputs.timed else even_profile(policy.open_hours)
    forecast = planned_orders(inputs.forecast, policy)
    table = staffing_plan(forecast, profile, policy)
    if workspace is not None:
        table = rota_with_overrides(table, workspace, policy)
    return Rota(table, forecast, profile, policy)


def channel_segments(profile: pd.DataFrame, policy: BudgetPolicy) -> pd.DataFrame:
    """Every customer segment through every channel of `policy`: one row per segment x channel.

    profile: one row per customer with segment, churn_risk, monetary, frequency (see segment_response). Returns
    segment ('Champions · Email'), customers, response_rate (the segment's response at the policy's uplift x
    the channel's response factor), value_per_response, cost_per_contact (the channel's), channel, max_spend
    (the cost of the policy's most contacts per customer)."""
    base = segment_response(profile, policy.uplift)
    rows = [
        base.assign(channel=c.channel, cost_per_contact=c.cost_per_contact,
                    response_rate=base["response_rate"] * c.response_factor)
        for c in policy.channels
    ]  # fmt: skip
    segments = pd.concat(rows, ignore_index=True)
    segments["segment"] = segments["segment"].astype(str) + " · " + segments["channel"].astype(str)
    segments["max_spend"] = segments["customers"] * segments["cost_per_contact"] * policy.touches
    return segments


@dataclass(frozen=True)
class MarketingPlan:
    """segments: see channel_segments; table: the budget split (see budget_plan); caps: most spend by segment."""

    segments: pd.DataFrame
    table: pd.DataFrame
    policy: BudgetPolicy

    @property
    def caps(self) -> dict:
        return dict(zip(self.segments["segment"], self.segments["max_spend"], strict=True))


def marketing_plan(profile: pd.DataFrame, policy: BudgetPolicy) -> MarketingPlan:
    """The policy's budget split over `profile`'s segments x the policy's channels (see channel_segments)."""
    segments = channel_segments(profile, policy)
    caps = dict(zip(segments["segment"], segments["max_spend"], strict=True))
    return MarketingPlan(segments, budget_plan(segments, policy.total, max_spend=caps), policy)


@dataclass(frozen=True)
class WholePlan:
    """The three plans together; stock or marketing is None when this data cannot make it (say why from
    `left_out`: {part name: reason}). sales_per_order: the shop's average sales per order (money; NaN unknown)."""

    stock: StockPlan | None
    rota: Rota
    marketing: MarketingPlan | None
    policies: dict
    left_out: dict
    sales_per_order: float = float("nan")

    def split(self, cash: float) -> dict:
        """`cash` for the period split: the rota first, then stock and marketing by margin (see split_cash)."""
        stock = self.stock.table if self.stock is not None else NO_STOCK
        segments = self.marketing.segments if self.marketing is not None else segment_response(
            pd.DataFrame({"segment": [], "churn_risk": [], "monetary": []})
        )  # fmt: skip
        return split_cash(cash, self.rota.cost, stock, segments, 1 - self.policies["stock"].cost_share)

    def checks(self, campaign: pd.DataFrame | None = None, symbol: str = "") -> list[dict]:
        """Contradictions between the plans and the email plan `campaign` (see consistency_checks); `symbol`: the
        money sign in the text."""
        stock = self.stock.table if self.stock is not None else None
        rota = self.rota
        return consistency_checks(stock, campaign, rota.table, rota.forecast, rota.profile, rota.policy,
                                  sales_per_order=self.sales_per_order, symbol=symbol)  # fmt: skip

    def results(self) -> dict:
        """The headline figures a scenario keeps (plain numbers by label; a part left out has none)."""
        out = {"Staff hours": self.rota.staff_hours, "Wage cost": self.rota.cost}
        if self.stock is not None:
            table = self.stock.table
            out |= {
                "Stock order value": float(table["order_cost_value"].sum()),
                "Holding cost a year": float(table["holding_cost"].sum()),
                "Units short a year": float(table["expected_stockout_units"].sum()),
            }
        if self.marketing is not None:
            out["Marketing extra revenue"] = float(self.marketing.table["extra_revenue"].sum())
        return out


def whole_plan(
    staff_inputs: StaffInputs,
    policies: dict,
    stock_inputs: StockInputs | Exception | None = None,
    customers: pd.DataFrame | Exception | None = None,
    workspace=None,
    stock: pd.Series | None = None,
    perishable: set | None = None,
) -> WholePlan:
    """The stock, staff and marketing plans under `policies` ({"stock": StockPolicy, "staff": StaffPolicy,
    "budget": BudgetPolicy}), made directly from the fitted inputs.

    staff_inputs: see prepare.staff_inputs. stock_inputs: see prepare.stock_inputs, or the SmbcoreError that
    said why this data has none (e.g. no product codes). customers: the customer profile (one row per customer
    with segment, churn_risk, monetary, frequency), or the error that said why there is none. A part given as an
    error is left out, with its message in `left_out`. workspace: where the owner's rota overrides are kept.
    stock / perishable: units on hand by product_id and perishable product_ids (see stocklevels.stock_on_hand)."""
    left_out = {}
    stock_part = None
    if isinstance(stock_inputs, StockInputs):
        stock_part = stock_plan(stock_inputs, policies["stock"], stock, perishable)
    elif stock_inputs is not None:
        left_out["stock"] = str(stock_inputs)
    marketing = None
    if isinstance(customers, pd.DataFrame):
        marketing = marketing_plan(customers, policies["budget"])
    elif customers is not None:
        left_out["marketing budget"] = str(customers)
    staff = rota(staff_inputs, policies["staff"], workspace)
    return WholePlan(stock_part, staff, marketing, dict(policies), left_out, staff_inputs.sales_per_order)
