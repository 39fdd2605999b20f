"""The plan settings as policies and the plans made from them (smbcore.allocate.plans): the rota with its shock and
the owner's overrides, every segment through every channel, the whole plan from the policies alone, scenarios kept
as policies (old ones converted), the owner's stock levels, and the plain errors of settings that cannot work."""

import json

import numpy as np
import pandas as pd
import pytest

from smbcore import allocate, customers
from smbcore.allocate import BudgetPolicy, Channel, StaffPolicy, StockPolicy
from smbcore.data import Workspace
from smbcore.errors import DecisionLogError, PolicyError, ScenarioError, SmbcoreError
from smbcore.overrides import contest, override
from smbcore.synthetic import generate_transactions

from .test_plan_owner import corpus_orders


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    """Eight months of a shop with customers, products and times of day."""
    return generate_transactions(n_lines=6_000, n_customers=300, n_products=25, days=240, seed=21)


@pytest.fixture(scope="module")
def staff_inputs(shop):
    return allocate.staff_inputs(shop, 28)


def test_the_rota_plans_the_shocked_orders_inside_the_opening_hours_and_keeps_the_owners_override(
    shop, staff_inputs, tmp_path
):
    policy = StaffPolicy(orders_per_staff_hour=4, open_hours=(10, 18), shift_hours=4, hourly_wage=11.5, shock=50)
    plain = allocate.rota(staff_inputs, StaffPolicy(orders_per_staff_hour=4, open_hours=(10, 18), hourly_wage=11.5))
    busier = allocate.rota(staff_inputs, policy)
    # The shock: 50% more orders planned on, and never fewer people on any shift.
    assert busier.forecast["yhat"].sum() == pytest.approx(1.5 * staff_inputs.forecast["yhat"].sum())
    both = plain.table.merge(busier.table, on=["date", "shift"], suffixes=("", "_busier"))
    assert len(both) == len(plain.table) and (both["staff_busier"] >= both["staff"]).all()
    assert busier.staff_hours > plain.staff_hours
    # Orders placed outside 10:00-18:00 wait for the next shift: every forecast order of an open day is on the rota.
    open_days = staff_inputs.forecast[staff_inputs.forecast["date"].isin(busier.table["date"])]
    assert busier.table["expected_orders"].sum() == pytest.approx(1.5 * open_days["yhat"].sum(), rel=1e-9)
    assert set(busier.table["shift"]) == {"10:00-14:00", "14:00-18:00"}
    assert busier.cost == pytest.approx(busier.staff_hours * 11.5)
    # Months only: the shock reaches the chosen month's dates and no others.
    month = int(staff_inputs.forecast["date"].dt.month.iloc[-1])
    in_month = allocate.rota(staff_inputs, StaffPolicy(shock=50, shock_months=(month,))).forecast
    ratio = in_month["yhat"] / staff_inputs.forecast["yhat"].replace(0, np.nan)
    chosen = in_month["date"].dt.month == month
    assert ratio[chosen].dropna().round(9).eq(1.5).all() and ratio[~chosen].dropna().round(9).eq(1.0).all()
    # The owner's override: that shift's people, hours and cost change, nothing else.
    workspace = Workspace(tmp_path / "workspace.duckdb")
    first = busier.table.iloc[0]
    override(workspace, "rota", f"{first['date']:%Y-%m-%d} {first['shift']}", str(first["staff"] + 2), "delivery day")
    changed = allocate.rota(staff_inputs, policy, workspace)
    assert changed.table.loc[0, "staff"] == first["staff"] + 2 and changed.table.loc[0, "overridden"]
    assert changed.staff_hours == busier.staff_hours + 2 * 4
    assert changed.cost == pytest.approx(busier.cost + 2 * 4 * 11.5)
    assert changed.table.loc[1:, "staff"].tolist() == busier.table.loc[1:, "staff"].tolist()


@pytest.fixture(scope="module")
def profile(shop) -> pd.DataFrame:
    return customers.analyse(shop).profile


def test_every_segment_goes_through_every_channel_at_its_cost_and_response(profile):
    channels = (Channel("Email", 0.05, 1.0), Channel("Postcard", 0.80, 3.0), Channel("SMS", 0.10, 1.5))
    policy = BudgetPolicy(total=2_000, uplift=0.04, touches=2, channels=channels)
    table = allocate.channel_segments(profile, policy)
    base = allocate.segment_response(profile, 0.04).set_index("segment")
    assert len(table) == len(base) * 3
    for row in table.itertuples(index=False):
        name, channel = row.segment.rsplit(" · ", 1)
        factor = {c.channel: c for c in channels}[channel]
        assert channel == row.channel and row.cost_per_contact == factor.cost_per_contact
        assert row.response_rate == pytest.approx(base.loc[name, "response_rate"] * factor.response_factor)
        assert row.customers == base.loc[name, "customers"]
        assert row.max_spend == pytest.approx(row.customers * row.cost_per_contact * 2)
    plan = allocate.marketing_plan(profile, policy)
    spend = plan.table.set_index("segment")["spend"]
    assert spend.sum() <= 2_000 + 1e-6
    assert all(spend[s] <= cap + 1e-6 for s, cap in plan.caps.items())


def test_the_whole_plan_is_made_from_the_policies_alone(shop, staff_inputs, profile):
    stock_inputs = allocate.stock_inputs(shop, 20, 28)
    policies = {
        "stock": StockPolicy(service_level=0.97, lead_time_days=5, cost_share=0.5, shock=10),
        "staff": StaffPolicy(orders_per_staff_hour=6, hourly_wage=13.0),
        "budget": BudgetPolicy(total=1_500, uplift=0.05),
    }
    on_hand = pd.Series(0.0, index=stock_inputs.demand.products[:5])
    plan = allocate.whole_plan(staff_inputs, policies, stock_inputs, profile, stock=on_hand)
    # The same figures as each plan made on its own with its policy.
    stock = allocate.stock_plan(stock_inputs, policies["stock"], on_hand).table
    rota = allocate.rota(staff_inputs, policies["staff"])
    budget = allocate.marketing_plan(profile, policies["budget"]).table
    pd.testing.assert_frame_equal(plan.stock.table, stock)
    pd.testing.assert_frame_equal(plan.rota.table, rota.table)
    assert plan.results() == pytest.approx(
        {
            "Staff hours": rota.staff_hours,
            "Wage cost": rota.cost,
            "Stock order value": stock["order_cost_value"].sum(),
            "Holding cost a year": stock["holding_cost"].sum(),
            "Units short a year": stock["expected_stockout_units"].sum(),
            "Marketing extra revenue": budget["extra_revenue"].sum(),
        }
    )
    assert plan.stock.table["unit_cost"].to_numpy() == pytest.approx(0.5 * plan.stock.items["price"].to_numpy())
    assert plan.left_out == {}
    # Cash: the rota is paid first and nothing is spent twice.
    cash = rota.cost + 3_000
    split = plan.split(cash)
    assert split["staff"] == pytest.approx(rota.cost)
    assert split["staff"] + split["stock"] + split["marketing"] + split["unspent"] == pytest.approx(cash)
    assert split["stock"] > 0  # five products with nothing on hand: an order is worth cash
    checks = plan.checks(None, "£")
    assert checks and {c["level"] for c in checks} <= {"warning", "ok"}


def test_a_till_export_without_customer_ids_gets_a_whole_plan_without_the_marketing_part(tmp_path):
    tx = corpus_orders("kasse_export_baeckerei.csv", tmp_path)
    with pytest.raises(SmbcoreError) as why:
        customers.analyse(tx)
    policies = {"stock": StockPolicy(), "staff": StaffPolicy(open_hours=(6, 18)), "budget": BudgetPolicy()}
    plan = allocate.whole_plan(allocate.staff_inputs(tx, 28), policies, allocate.stock_inputs(tx, 20, 28), why.value)
    assert plan.marketing is None and plan.left_out == {"marketing budget": str(why.value)}
    assert "customer" in plan.left_out["marketing budget"]
    assert "Marketing extra revenue" not in plan.results() and plan.results()["Staff hours"] > 0
    split = plan.split(plan.rota.cost + 500)
    assert split["marketing"] == 0 and split["staff"] == pytest.approx(plan.rota.cost)


def test_scenarios_are_kept_as_policies_and_old_ones_are_read_as_policies(tmp_path):
    workspace = Workspace(tmp_path / "workspace.duckdb")
    old = {"name": "Old (Your own data)", "saved": "2026-01-05 10:00 UTC", "results": {"Wage cost": 900.0},
           "settings": {"Service level (%)": 99.0, "Lead time (days)": 14, "Order every (days)": 7,
                        "Stock demand shock (%)": 20, "Orders per person an hour": 12.0, "Hourly wage": 14.5,
                        "Plan staff for": "busy day (80% upper)", "Marketing budget": 3000}}  # fmt: skip
    workspace.set_setting("plan_scenarios", json.dumps([old]))
    policies = {
        "stock": StockPolicy(service_level=0.9, review_days=14, budget=5_000, shock=-10, shock_months=(12, 11)),
        "staff": StaffPolicy(open_hours=(8, 20), plan_for="very busy day (95% upper)"),
        "budget": BudgetPolicy(total=750, channels=(Channel("Flyer", 0.3, 2.0),)),
    }
    allocate.save_scenario(workspace, "New", policies, {"Wage cost": 1_000.0})
    saved = {s["name"]: s for s in allocate.saved_scenarios(workspace)}
    assert saved["New"]["policies"] == policies  # the whole policies come back, not only the shown settings
    converted = saved["Old (Your own data)"]["policies"]
    assert converted["stock"] == StockPolicy(service_level=0.99, lead_time_days=14, review_days=7, shock=20)
    assert converted["staff"] == StaffPolicy(orders_per_staff_hour=12.0, hourly_wage=14.5,
                                             plan_for="busy day (80% upper)")  # fmt: skip
    assert converted["budget"] == BudgetPolicy(total=3000)
    table = allocate.scenarios(workspace)
    assert list(table.columns) == ["Old (Your own data)", "New"]
    assert table.loc["Service level (%)"].tolist() == [99.0, 90.0]
    assert table.loc["Plan staff for", "New"] == "very busy day (95% upper)"
    assert table.loc["Wage cost"].tolist() == [900.0, 1_000.0]
    with pytest.raises(ScenarioError, match="Give the scenario a name"):
        allocate.save_scenario(workspace, "  ", policies, {})


def test_stock_levels_are_kept_per_data_source_and_a_count_fills_them_in(tmp_path):
    workspace = Workspace(tmp_path / "workspace.duckdb")
    products = pd.DataFrame({"product_id": ["A1", "B2", "C3"], "product_name": ["Apples", "Bread", "Cheese"]})
    table = allocate.stock_levels_table(workspace, "own", products)
    assert table["stock"].isna().all() and not table["perishable"].any()
    counted, known = allocate.with_counted(table, pd.Series({"A1": 12.0, "Z9": 3.0}))
    assert known == 1 and counted["stock"].tolist()[0] == 12.0 and pd.isna(counted["stock"].tolist()[1])
    counted.loc[1, "perishable"] = True
    stock, perishable = allocate.keep_stock_levels(workspace, "own", counted)
    assert stock.to_dict() == {"A1": 12.0} and perishable == {"B2"}
    assert allocate.stock_on_hand(workspace, "own")[0].to_dict() == {"A1": 12.0}
    assert allocate.stock_on_hand(workspace, "online_retail") == (None, set())  # another source: nothing leaks
    again = allocate.stock_levels_table(workspace, "own", products)
    assert again["stock"].tolist()[0] == 12.0 and again["perishable"].tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StaffPolicy(open_hours=(17, 9)), r"Closing hour \(9\) must be after opening hour \(17\)"),
        (lambda: StaffPolicy(orders_per_staff_hour=0), "Orders one person handles per hour must be above 0"),
        (lambda: StaffPolicy(plan_for="holiday"), "Plan staff for one of forecast, "),
        (lambda: StockPolicy(service_level=1.2), "The service level must be between 0% and 100%; got 120.0%"),
        (lambda: StockPolicy(shock_months=(13,)), r"Months must be 1 \(January\) to 12"),
        (lambda: BudgetPolicy(channels=()), "Add at least one channel with its cost per contact"),
        (lambda: BudgetPolicy(channels=(Channel("Post", 0.0),)), "Channel 'Post': the cost per contact must be above"),
    ],
)
def test_settings_that_cannot_make_a_plan_say_which_and_why(make, message):
    with pytest.raises(PolicyError, match=message) as error:
        make()
    assert isinstance(error.value, SmbcoreError)  # pages show it as a plain message, not 'Something went wrong'


def test_a_contest_or_override_without_a_reason_is_a_plain_error(tmp_path):
    workspace = Workspace(tmp_path / "workspace.duckdb")
    with pytest.raises(DecisionLogError, match="Say why the decision is overridden"):
        override(workspace, "rota", "2026-01-05 09:00-13:00", "3", " ")
    with pytest.raises(DecisionLogError, match="Say why the decision is contested"):
        contest(workspace, "churn", "c1", "")
    assert workspace.decisions().empty
