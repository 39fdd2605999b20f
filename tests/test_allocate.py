"""Stock, staff and budget plans against textbook answers, and replays on realistic histories."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from smbcore.allocate import (
    StaffPolicy,
    StockPolicy,
    backtest_policy,
    backtest_rota,
    budget_plan,
    consistency_checks,
    hourly_profile,
    inventory_plan,
    open_days,
    read_stock_levels,
    segment_response,
    split_cash,
    staff_replay_inputs,
    staffing_plan,
)
from smbcore.synthetic import generate_transactions

Z80 = norm.ppf(0.9)


def normal_forecast(mean=10.0, sd=3.0, days=28, products=("A",)) -> pd.DataFrame:
    """A forecast whose every day is normal(mean, sd), as bands: what the textbook formulas assume."""
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    rows = [
        pd.DataFrame(
            {
                "series_id": p,
                "date": dates,
                "yhat": mean,
                "yhat_lo_80": mean - Z80 * sd,
                "yhat_hi_80": mean + Z80 * sd,
                "yhat_lo_95": mean - norm.ppf(0.975) * sd,
                "yhat_hi_95": mean + norm.ppf(0.975) * sd,
            }
        )
        for p in products
    ]
    return pd.concat(rows, ignore_index=True)


def items(products=("A",), price=10.0, cost=6.0) -> pd.DataFrame:
    return pd.DataFrame({"product_name": list(products), "price": price, "unit_cost": cost}, index=list(products))


def test_normal_demand_gives_the_textbook_safety_stock_reorder_point_and_eoq():
    policy = StockPolicy(service_level=0.95, lead_time_days=7, review_days=7, holding_cost_rate=0.25, order_cost=20,
                         max_weeks=None)  # fmt: skip  # the textbook EOQ, uncapped (10 a day: 312 units is 31 days of sales)
    plan = inventory_plan(normal_forecast(), policy, items=items()).iloc[0]
    safety = norm.ppf(0.95) * 3.0 * np.sqrt(14)
    assert plan["safety_stock"] == pytest.approx(safety)
    assert plan["reorder_point"] == pytest.approx(140 + safety)
    assert plan["order_quantity"] == pytest.approx(np.sqrt(2 * 3650 * 20 / (0.25 * 6)))
    assert plan["order_units"] == 0 and not plan["order_now"]  # unknown stock: when to reorder, not an order
    at_point = inventory_plan(normal_forecast(), items=items(), stock=pd.Series({"A": plan["reorder_point"]})).iloc[0]
    assert at_point["order_units"] == np.ceil(at_point["order_quantity"])  # at the reorder point: one order size


def test_a_higher_service_level_never_lowers_stock():
    forecast = normal_forecast(products=("A", "B"))
    levels = [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]
    points = [inventory_plan(forecast, StockPolicy(service_level=s))["reorder_point"].to_numpy() for s in levels]
    assert np.all(np.diff(np.array(points), axis=0) >= 0)


def test_stock_on_hand_and_a_budget_cap_shape_the_order():
    forecast = normal_forecast(products=("A", "B", "C"))
    stock = pd.Series({"A": 500.0, "B": 100.0, "C": 0.0})
    shop = items(("A", "B", "C")).assign(price=[10.0, 10.0, 30.0])
    plan = inventory_plan(forecast, items=shop, stock=stock).set_index("product_id")
    assert not plan.loc["A", "order_now"] and plan.loc["A", "order_units"] == 0  # well above the reorder point
    assert plan.loc["C", "order_units"] == np.ceil(plan.loc["C", "reorder_point"] + plan.loc["C", "order_quantity"])
    capped = inventory_plan(forecast, StockPolicy(budget=1000), items=shop, stock=stock).set_index("product_id")
    assert (capped["order_units"] * 6).sum() <= 1000
    assert capped.loc["C", "order_units"] > capped.loc["B", "order_units"]  # C earns 3x the margin per unit
    nothing = inventory_plan(forecast, StockPolicy(budget=0), items=shop, stock=stock)
    assert (nothing["order_units"] == 0).all()


def test_perishables_get_the_newsvendor_quantity():
    plan = inventory_plan(normal_forecast(), items=items(price=10, cost=6), perishable={"A"}).iloc[0]
    # Critical ratio (10 - 6) / 10 = 0.4 over lead time + review (14 days).
    assert plan["order_quantity"] == pytest.approx(140 + norm.ppf(0.4) * 3 * np.sqrt(14))
    assert plan["method"].startswith("newsvendor")


def shop_orders():
    tx = generate_transactions(n_lines=6_000, n_customers=300, days=120, seed=5)
    return tx


def test_doubling_productivity_halves_staff_floored_at_the_minimum():
    tx = shop_orders()
    profile = hourly_profile(tx)
    assert profile.groupby("weekday")["share"].sum().round(6).eq(1).all()
    forecast = normal_forecast(mean=400, sd=40, days=14)
    one = staffing_plan(forecast, profile, StaffPolicy(orders_per_staff_hour=5, min_staff=1, open_hours=(8, 20)))
    two = staffing_plan(forecast, profile, StaffPolicy(orders_per_staff_hour=10, min_staff=1, open_hours=(8, 20)))
    expected = np.maximum(np.ceil(one["staff"] / 2), 1)
    assert (two["staff"] <= expected).all() and (two["staff"] >= np.maximum(np.floor(one["staff"] / 2), 1)).all()
    assert two["staff"].sum() == pytest.approx(one["staff"].sum() / 2, rel=0.15)
    floor = staffing_plan(forecast, profile, StaffPolicy(orders_per_staff_hour=10_000, min_staff=2, open_hours=(8, 20)))
    assert (floor["staff"] == 2).all()
    busier = staffing_plan(forecast, profile, StaffPolicy(5, 1, (8, 20), plan_for="very busy day (95% upper)"))
    assert busier["staff"].sum() >= one["staff"].sum()


def segments():
    return pd.DataFrame(
        {
            "segment": ["Champions", "At risk", "Lost"],
            "customers": [200, 500, 1000],
            "response_rate": [0.10, 0.05, 0.01],
            "value_per_response": [80.0, 60.0, 40.0],
            "cost_per_contact": [0.5, 0.5, 0.5],
        }
    )


def test_the_optimiser_beats_an_equal_split_and_respects_bounds():
    plan = budget_plan(segments(), 400, max_spend={"Champions": 50})
    assert plan["spend"].sum() == pytest.approx(400, rel=1e-4)
    assert plan.set_index("segment").loc["Champions", "spend"] <= 50 + 1e-6
    assert plan["extra_revenue"].sum() > plan["equal_split_revenue"].sum()
    free = plan[(plan["segment"] != "Champions") & (plan["spend"] > 1)]
    # At the optimum every funded, uncapped segment earns the same from its last unit of money.
    assert free["marginal_return"].max() == pytest.approx(free["marginal_return"].min(), rel=0.01)


def test_budget_zero_gives_no_spend():
    plan = budget_plan(segments(), 0)
    assert (plan["spend"] == 0).all() and (plan["extra_revenue"] == 0).all()


def test_segment_response_from_a_customer_plan():
    plan = pd.DataFrame(
        {
            "segment": ["A", "A", "B", "B"],
            "churn_risk": [0.5, 0.5, 0.95, 0.95],
            "monetary": [100.0, 300.0, 50.0, 50.0],
            "frequency": [2, 2, 1, 1],
        }
    )
    table = segment_response(plan, uplift=0.08).set_index("segment")
    assert table.loc["A", "response_rate"] == pytest.approx(0.08)  # p = 0.5: the most to win
    assert table.loc["B", "response_rate"] == pytest.approx(0.08 * 4 * 0.05 * 0.95)
    assert table.loc["A", "value_per_response"] == 100.0  # median order value: 50 and 150


def test_replaying_stationary_demand_the_plan_keeps_products_in_stock():
    rng = np.random.default_rng(3)
    dates = pd.date_range("2024-01-01", periods=240, freq="D")
    history = pd.concat(
        [
            pd.DataFrame({"series_id": p, "date": dates, "y": rng.poisson(lam, len(dates))})
            for p, lam in [("A", 20), ("B", 5), ("C", 50)]
        ],
        ignore_index=True,
    )
    table = backtest_policy(history, StockPolicy(service_level=0.98), test_days=56).set_index("policy")
    ours, naive = table.iloc[0], table.iloc[1]
    assert ours["fill_rate"] >= 0.98
    assert ours["fill_rate"] >= naive["fill_rate"]
    assert ours["lost_margin"] <= naive["lost_margin"]


def test_closed_days_get_no_shifts():
    tx = shop_orders()
    forecast = normal_forecast(mean=200, sd=20, days=7)
    forecast.loc[forecast["date"].dt.day_name() == "Saturday", ["yhat", "yhat_lo_80", "yhat_hi_80"]] = 0.0
    rota = staffing_plan(forecast, hourly_profile(tx), StaffPolicy(10, min_staff=2))
    assert "Saturday" not in set(rota["weekday"]) and rota["date"].nunique() == 6


def test_cash_goes_to_the_rota_first_then_where_margin_per_pound_is_highest():
    forecast = normal_forecast(products=("A", "B"))
    shop = items(("A", "B")).assign(price=[10.0, 20.0], unit_cost=[6.0, 6.0])
    stock = inventory_plan(forecast, items=shop, stock=pd.Series({"A": 0.0, "B": 0.0}))
    plenty = split_cash(1e9, 500, stock, segments(), margin_share=0.4)
    assert plenty["staff"] == 500 and plenty["unspent"] > 0  # more cash than anything pays back
    assert plenty["stock"] == pytest.approx((stock["order_units"] * 6).sum(), rel=0.01)
    tight = split_cash(500 + 600, 500, stock, segments(), margin_share=0.4)
    assert tight["stock"] + tight["marketing"] == pytest.approx(600, rel=0.02)
    units = tight["stock_units"]
    assert units["B"] >= units["A"]  # B earns 14 a unit against A's 4
    broke = split_cash(300, 500, stock, segments(), margin_share=0.4)
    assert broke["staff"] == 300 and broke["stock"] == 0 and broke["marketing"] == 0


def test_checks_flag_emails_for_products_about_to_run_out_and_thin_peaks():
    forecast = normal_forecast(products=("A", "B"))
    stock = inventory_plan(forecast, stock=pd.Series({"A": 5.0, "B": 1000.0}))
    campaign = pd.DataFrame({"customer_id": ["c1", "c2"], "product_ids": ["A | X", "B"], "action": "Thank you"})
    tx = shop_orders()
    orders = normal_forecast(mean=300, sd=60, days=14)
    policy = StaffPolicy(10, open_hours=(8, 20))
    rota = staffing_plan(orders, hourly_profile(tx), policy)
    checks = consistency_checks(stock, campaign, rota, orders, hourly_profile(tx), policy)
    email = checks[0]
    assert email["level"] == "warning" and email["customers"] == ["c1"] and "1 planned emails" in email["text"]
    assert checks[1]["level"] == "warning" and "busiest forecast days" in checks[1]["text"]
    busy = StaffPolicy(10, open_hours=(8, 20), plan_for="very busy day (95% upper)")
    safer = staffing_plan(orders, hourly_profile(tx), busy)
    assert consistency_checks(stock, None, safer, orders, hourly_profile(tx), busy)[-1]["level"] == "ok"


def test_the_split_matches_a_general_solver_on_random_segments():
    from scipy.optimize import minimize

    rng = np.random.default_rng(7)
    table = pd.DataFrame(
        {
            "segment": [f"s{i}" for i in range(8)],
            "customers": rng.integers(50, 2000, 8),
            "response_rate": rng.uniform(0.005, 0.1, 8),
            "value_per_response": rng.uniform(20, 200, 8),
            "cost_per_contact": rng.uniform(0.05, 2, 8),
        }
    )
    caps = {"s0": 10.0, "s3": 40.0}
    plan = budget_plan(table, 900, max_spend=caps, least_return=0)  # the optimiser alone: spend it all
    most = table["customers"] * table["response_rate"] * table["value_per_response"]
    scale = table["customers"] * table["cost_per_contact"]
    high = [caps.get(s, 3 * c) for s, c in zip(table["segment"], scale, strict=True)]
    result = minimize(
        lambda x: -(most * (1 - np.exp(-x / scale))).sum(),
        np.full(8, 900 / 8),
        method="SLSQP",
        bounds=list(zip([0] * 8, high, strict=True)),
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - 900}],
    )
    assert plan["extra_revenue"].sum() >= -result.fun - 1e-6
    assert plan["spend"].sum() == pytest.approx(900)


def test_stock_levels_from_an_owners_file_say_what_was_left_out():
    text = "SKU;On hand\nA1;12\nB2;abc\nC3;-4\nA1;3\n;7\nD4;1.234,5\n"
    levels, messages = read_stock_levels(text.encode("utf-8"), "count.csv")
    assert levels.to_dict() == {"A1": 15.0, "D4": 1234.5}
    assert any("Rows 3 of 'count.csv' are not numbers" in m for m in messages)
    assert any("Rows 4 of 'count.csv' are below zero" in m for m in messages)
    assert any("Rows 6 of 'count.csv' have no product code" in m for m in messages)
    assert any("added up" in m for m in messages)
    nothing, why = read_stock_levels(b"name,price\nx,1\n", "prices.csv")
    assert nothing is None and "needs a column with the product code" in why[0] and "name, price" in why[0]


def _short_hours_by_loop(tx, rota, dates, open_hours, people_on) -> tuple[int, int]:
    """The slow, obvious count: for every open hour of every replayed date, the orders that began in it and the
    people on (people_on(date, hour)); short when the orders need more people than were on."""
    sales = tx[~tx["is_return"].fillna(False).astype(bool)]
    starts = sales.groupby("order_id")["timestamp"].min()
    short = orders_in_them = 0
    for date in dates:
        for hour in range(*open_hours):
            orders = int(((starts.dt.normalize() == date) & (starts.dt.hour == hour)).sum())
            if orders > people_on(date, hour) * rota.orders_per_staff_hour:
                short, orders_in_them = short + 1, orders_in_them + orders
    return short, orders_in_them


def test_replaying_a_rota_counts_the_hours_whose_real_orders_outran_the_people_on():
    """The replay's hours short of people, checked hour by hour against the orders that really came."""
    tx = shop_orders()
    inputs = staff_replay_inputs(tx, 28)
    policy = StaffPolicy(orders_per_staff_hour=1, open_hours=(8, 20))
    table = backtest_rota(tx, inputs.forecast, inputs.profile, policy)
    ours, flat = table.iloc[0], table.iloc[1]
    open_hours = 12 * len(open_days(inputs.forecast))
    assert abs(flat["staff_hours"] - ours["staff_hours"]) <= open_hours / 2  # whole people: within half a person
    planned = staffing_plan(inputs.forecast, inputs.profile, policy).set_index(["date", "shift"])["staff"]

    def on_rota(date, hour):
        start = 8 + (hour - 8) // 4 * 4
        return planned.get((date, f"{start:02d}:00-{min(start + 4, 20):02d}:00"), 0)

    dates = pd.DatetimeIndex(inputs.forecast["date"].unique())
    shifts = set(planned.index.get_level_values("date"))
    people = int(flat["rota"].removeprefix("flat rota, ").split()[0])
    expected_ours = _short_hours_by_loop(tx, policy, dates, (8, 20), on_rota)
    expected_flat = _short_hours_by_loop(tx, policy, dates, (8, 20), lambda d, h: people if d in shifts else 0)
    assert expected_ours[0] > 0  # one order an hour per person: some hours are short, so the count is tested
    assert (ours["short_hours"], ours["orders_in_short_hours"]) == expected_ours
    assert (flat["short_hours"], flat["orders_in_short_hours"]) == expected_flat
    plenty = backtest_rota(tx, inputs.forecast, inputs.profile, replace(policy, min_staff=500))
    assert plenty.iloc[0]["short_hours"] == 0 and plenty.iloc[0]["orders_in_short_hours"] == 0
