"""The Plan page on owners' own files (issue 13): few orders a day, dates without times, closed weekdays and public
holidays, stock on hand not entered, segments that cannot take money. Each crash seen on owners' files has a
regression test here."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from smbcore import allocate
from smbcore.data import Workspace
from smbcore.overrides import override
from smbcore.synthetic import generate_transactions
from smbcore.timing import has_times

from .conftest import ROOT


def few_orders_shop(days: int = 42, orders: int = 8, seed: int = 3) -> pd.DataFrame:
    """Six weeks of a quiet shop (8 orders: well under one a day), dates only, closed on Sundays. On it the old
    rota was empty, its cost a TypeError and the checks a NaN error."""
    tx = generate_transactions(n_lines=orders * 4, n_customers=30, n_products=12, days=days, seed=seed)
    return tx.assign(timestamp=tx["timestamp"].dt.normalize())


def test_has_times_tells_dates_only_files_from_files_with_times():
    tx = generate_transactions(n_lines=400, days=60, seed=1)
    assert has_times(tx["timestamp"])
    assert not has_times(tx["timestamp"].dt.normalize())
    assert not has_times(pd.Series([], dtype="datetime64[ns]"))


def test_a_quiet_shop_gets_the_minimum_on_duty_and_an_override_keeps_hours_and_cost_numbers(tmp_path):
    """Regression: under one order a day every day was dropped as 'shut', the rota was empty and the page's
    hours x wage raised "TypeError: Can only string multiply by an integer"."""
    inputs = allocate.staff_inputs(few_orders_shop(), 28)
    assert inputs.forecast["yhat"].max() < 1
    policy = allocate.StaffPolicy(10.0, 1, (9, 17), 4, 12.0)
    rota = allocate.staffing_plan(inputs.forecast, allocate.even_profile((9, 17)), policy)
    assert len(rota) and (rota["staff"] == 1).all()
    workspace = Workspace(tmp_path / "workspace.duckdb")
    first = rota.iloc[0]
    override(workspace, "rota", f"{first['date']:%Y-%m-%d} {first['shift']}", "3", "stocktake")
    changed = allocate.rota_with_overrides(rota, workspace, policy)
    assert changed.loc[0, "staff"] == 3 and changed.loc[0, "staff_hours"] == 12 and changed.loc[0, "cost"] == 144.0
    empty = allocate.rota_with_overrides(rota.iloc[:0], workspace, policy)
    assert pd.api.types.is_numeric_dtype(empty["staff_hours"]) and pd.api.types.is_float_dtype(empty["cost"])
    assert empty["cost"].sum() == 0


def test_dates_without_times_make_no_hour_claims():
    tx = few_orders_shop()
    inputs = allocate.staff_inputs(tx, 28)
    assert not inputs.timed
    profile = allocate.even_profile((10, 18))
    rota = allocate.staffing_plan(inputs.forecast, profile, allocate.StaffPolicy(10.0, 1, (10, 18), 4, 12.0))
    assert set(rota["shift"]) == {"10:00-14:00", "14:00-18:00"}  # never '00:00-01:00'
    shares = allocate.hourly_profile(tx)
    assert shares.loc[shares["hour"] == 0, "share"].sum() == 0  # no orders put at midnight


def test_checks_on_a_rota_without_shifts_say_so():
    """Regression: an empty rota made `_open_share` raise "cannot convert float NaN to integer"."""
    tx = few_orders_shop()
    inputs = allocate.staff_inputs(tx, 28)
    shut = inputs.forecast.assign(yhat=0.0, yhat_hi_80=0.0, yhat_hi_95=0.0)
    policy = allocate.StaffPolicy(10.0, 1, (9, 17), 4, 12.0)
    rota = allocate.staffing_plan(shut, inputs.profile, policy)
    assert rota.empty
    stock = allocate.inventory_plan(allocate.stock_inputs(tx, 20, 28).demand)
    checks = allocate.consistency_checks(stock, None, rota, shut, inputs.profile, policy)
    assert checks[-1]["level"] == "warning" and "no shifts" in checks[-1]["text"]


def test_segments_without_customers_or_spend_get_no_money_and_say_why():
    """Regression: a NaN segment value reached brentq: "The function value at x=nan is NaN"."""
    segments = pd.DataFrame(
        {
            "segment": ["Loyal", "New", "Unknown spend", "Empty"],
            "customers": [120, 40, 30, 0],
            "response_rate": [0.05, 0.08, 0.05, np.nan],
            "value_per_response": [60.0, 35.0, np.nan, np.nan],
            "cost_per_contact": 0.5,
        }
    )
    plan = allocate.budget_plan(segments, 100).set_index("segment")
    assert plan["spend"].sum() == pytest.approx(100)
    assert plan.loc["Unknown spend", "spend"] == 0 and plan.loc["Empty", "spend"] == 0
    assert plan.loc["Unknown spend", "no_money_why"] == "no spend history to value a response"
    assert plan.loc["Empty", "no_money_why"] == "no customers"
    assert np.isfinite(plan.select_dtypes("number").to_numpy()).all()
    curve = allocate.budget_curve(segments, [0, 50, 500])
    assert np.isfinite(curve["extra_revenue"]).all()
    split = allocate.split_cash(1_000, 0, allocate.inventory_plan(allocate.demand_over_time(_flat())), segments, 0.4)
    assert np.isfinite([split["stock"], split["marketing"], split["unspent"]]).all()


def _flat() -> pd.DataFrame:
    dates = pd.date_range("2025-01-01", periods=14)
    return pd.DataFrame({"series_id": "A", "date": dates, "yhat": 5.0, "yhat_lo_80": 3.0, "yhat_hi_80": 7.0})


def test_segment_response_without_any_churn_risk_uses_the_owners_estimate():
    profile = pd.DataFrame(
        {"segment": ["A", "A", "B"], "churn_risk": np.nan, "monetary": [100.0, 50.0, 20.0], "frequency": [2, 1, 1]}
    )
    table = allocate.segment_response(profile, uplift=0.04)
    assert table["response_rate"].tolist() == pytest.approx([0.04, 0.04])


def shop_closed_on_holidays(country: str, calendar: str) -> pd.DataFrame:
    """Two years of a shop closed on Sundays and on its country's public holidays (times of day included)."""
    tx = generate_transactions(n_lines=12_000, n_customers=400, start="2023-01-02", days=708, seed=9)
    holidays = allocate.shop_holidays(tx.assign(country=calendar))[1]
    tx = tx[~tx["timestamp"].dt.normalize().isin(holidays)]
    return tx.assign(country=country)


@pytest.mark.parametrize(
    ("country", "calendar", "shut", "open_"),
    [
        ("United Kingdom", "GB", ["2024-12-25", "2024-12-26", "2025-01-01"], ["2024-12-27"]),
        ("United States", "US", ["2024-12-25", "2025-01-01"], ["2024-12-26"]),
    ],
)
def test_the_rota_gives_no_shift_on_closed_weekdays_and_the_shops_own_public_holidays(country, calendar, shut, open_):
    tx = shop_closed_on_holidays(country, calendar)
    assert tx["timestamp"].max() < pd.Timestamp("2024-12-11")
    inputs = allocate.staff_inputs(tx, 28)
    assert inputs.country == calendar  # the country name in the data, as the ISO code of its calendar
    rota = allocate.staffing_plan(inputs.forecast, inputs.profile, allocate.StaffPolicy(10.0, 1, (8, 20), 4, 12.0))
    dates = set(rota["date"])
    assert not {pd.Timestamp(d) for d in shut} & dates
    assert {pd.Timestamp(d) for d in open_} <= dates
    assert "Sunday" not in set(rota["weekday"])
    why = dict(zip(inputs.closed["date"], inputs.closed["why"], strict=True))
    assert why[pd.Timestamp("2024-12-25")].startswith("public holiday")
    assert why[pd.Timestamp("2024-12-15")].startswith("closed on Sundays")


# ---------------------------------------------------------------------------------------------- the page


def start(monkeypatch, home, tx: pd.DataFrame) -> AppTest:
    Workspace(home / "workspace.duckdb").save("transactions", tx, source="owner.csv")
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.session_state["data_source"] = "own"
    app.run()
    app.switch_page("pages/plan.py").run()
    return app


def shown(app: AppTest) -> list[str]:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [i.value for i in app.info]
    parts += [w.value for w in app.warning] + [s.value for s in app.success]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    return parts


def shown_table(app: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with `column` (e.g. the rota: 'shift'; the stock plan: 'reorder_point')."""
    return next(t.value for t in app.dataframe if column in t.value.columns)


def assert_truthful(app: AppTest, tab: str) -> None:
    assert not app.exception, (tab, [e.value for e in app.exception])
    assert not app.error, (tab, [e.value for e in app.error])
    for text in shown(app):
        words = text.lower().replace("-", " ").split()
        assert not {"nan", "inf", "none"} & set(words), (tab, text)
        assert "-0.0%" not in text and "-0%" not in text, (tab, text)
    for table in app.dataframe:  # what each download holds: sensible precision, no inf
        numbers = table.value.select_dtypes("number").astype(float).to_numpy().ravel()
        numbers = numbers[~np.isnan(numbers)]
        assert np.isfinite(numbers).all() and np.allclose(numbers, numbers.round(3)), (tab, table.value.head())


def test_plan_page_on_a_quiet_dates_only_shop_with_six_weeks_of_history(monkeypatch, tmp_path):
    tx = few_orders_shop().assign(country="United Kingdom")
    app = start(monkeypatch, tmp_path / "home", tx)
    assert_truthful(app, "Stock")
    texts = "\n".join(shown(app))
    assert (
        "You have not entered stock on hand, so we cannot say what to order now; here is when to reorder and how much"
        in texts
    )
    assert "Products to order now" not in texts and "This order costs" not in texts
    assert any(d.proto.label == "Download the reorder points (CSV)" for d in app.get("download_button"))
    app.toggle(key="plan_stock_replay").set_value(True).run()
    assert_truthful(app, "Stock replay")
    assert any(
        "Replaying the last 56 days needs at least 24 weeks of orders; this data has " in i.value for i in app.info
    )

    app.session_state["plan_tab"] = "Staff"
    app.run()
    assert_truthful(app, "Staff")
    texts = "\n".join(shown(app))
    assert "your file has dates but no times, so staff are spread over your opening hours" in texts.lower()
    assert "09:00 to 17:00" in texts and "Public holidays of United Kingdom are used" in texts
    assert "closed on Sundays" in texts
    rota = shown_table(app, "shift")
    assert len(rota) and set(rota["shift"]) == {"09:00-13:00", "13:00-17:00"} and "Sunday" not in set(rota["weekday"])
    assert "fewer than one order a day" in texts

    for tab in ("Marketing budget", "One plan"):
        app.session_state["plan_tab"] = tab
        app.run()
        assert_truthful(app, tab)
    app.number_input(key="plan_cash").set_value(5_000).run()
    assert_truthful(app, "One plan with cash")
    assert any(m.label == "Staff (paid first)" for m in app.metric)


def test_stock_entered_gives_the_order_as_before(monkeypatch, tmp_path):
    tx = generate_transactions(n_lines=3_000, n_customers=150, n_products=15, days=180, seed=4)
    home = tmp_path / "home"
    app = start(monkeypatch, home, tx)
    products = shown_table(app, "reorder_point")["product_id"].tolist()
    import json

    Workspace(home / "workspace.duckdb").set_setting(
        "stock_levels:own", json.dumps({p: {"stock": 0.0, "perishable": False} for p in products})
    )
    app.run()
    assert_truthful(app, "Stock with stock entered")
    labels = {m.label: m.value for m in app.metric}
    assert labels["Products to order now"] == f"{len(products)} of {len(products)} with stock entered"
    assert "This order costs" in labels
    assert any(d.proto.label == "Download the purchase order (CSV)" for d in app.get("download_button"))


# ---------------------------------------------------------------------------------------------- owners' corpus


def corpus_orders(name: str, tmp_path) -> pd.DataFrame:
    """A corpus file saved as the Data page saves it, read back."""
    from .owner_checks import manifest
    from .test_owners import save_entry

    entry = next(e for e in manifest() if e["file"] == name)
    workspace = Workspace(tmp_path / f"{name}.duckdb")
    save_entry(entry, workspace)
    return workspace.load(entry["table"])


def test_orders_round_the_clock_get_a_working_day_and_wages_far_above_sales_are_flagged(tmp_path):
    """Regression: the online shop's rota staffed 0-24 (672 hours, $8,064 for ~$2.4k of sales) and the checks
    said nothing about it."""
    tx = corpus_orders("shopify_orders_us.csv", tmp_path)
    inputs = allocate.staff_inputs(tx, 28)
    hours, round_the_clock = allocate.default_open_hours(inputs.profile)
    assert round_the_clock and hours == allocate.OPEN_HOURS
    waiting = allocate.within_hours(inputs.profile, hours)
    assert waiting.groupby("weekday")["share"].sum().round(6).eq(1).all()  # no order lost: they wait
    rota = allocate.staffing_plan(inputs.forecast, waiting, allocate.StaffPolicy(10.0, 1, hours, 4, 12.0))
    assert rota["expected_orders"].sum() == pytest.approx(inputs.forecast["yhat"].sum(), rel=1e-6)
    assert rota["staff_hours"].sum() <= 8 * 28
    round_the_clock_policy = allocate.StaffPolicy(10.0, 1, (0, 24), 4, 12.0)
    all_day = allocate.staffing_plan(inputs.forecast, inputs.profile, round_the_clock_policy)
    checks = allocate.consistency_checks(
        None, None, all_day, inputs.forecast, inputs.profile, round_the_clock_policy, inputs.sales_per_order, "$"
    )
    wages = [c for c in checks if "wages" in c]
    assert (
        wages and wages[0]["level"] == "warning" and wages[0]["wages"] > allocate.WAGE_SHARE_LIMIT * wages[0]["sales"]
    )
    assert wages[0]["text"].startswith("The rota's wages ($8,064) are ")


def test_a_bakery_shut_on_saturday_afternoons_gets_nobody_then(tmp_path):
    """Regression: Saturday 14:00-18:00 was staffed with 'Orders expected 0.0' although the bakery shuts at 13:00."""
    tx = corpus_orders("kasse_export_baeckerei.csv", tmp_path)
    inputs = allocate.staff_inputs(tx, 28)
    hours, round_the_clock = allocate.default_open_hours(inputs.profile)
    assert hours == (6, 18) and not round_the_clock
    rota = allocate.staffing_plan(
        inputs.forecast, allocate.within_hours(inputs.profile, hours), allocate.StaffPolicy(10.0, 1, hours, 4)
    )
    people = rota.groupby(["weekday", "shift"])["staff"].min()
    assert people[("Saturday", "14:00-18:00")] == 0 and people[("Saturday", "10:00-14:00")] >= 1
    assert people[("Friday", "14:00-18:00")] >= 1


def test_stock_orders_are_capped_at_weeks_of_sales_and_files_without_products_get_no_stock_plan(tmp_path):
    """Regression: the bakery ordered 1,715 Brötchen at a time (about six months); the purchase log without product
    codes got a stock plan for 'All products'."""
    from smbcore.errors import NotEnoughDataError

    inputs = allocate.stock_inputs(corpus_orders("kasse_export_baeckerei.csv", tmp_path), 50, 56)
    items = inputs.items.assign(unit_cost=inputs.items["price"] * 0.6)
    plan = allocate.inventory_plan(inputs.demand, items=items).set_index("product_name")
    assert (plan["order_quantity"] <= 4 * 7 * plan["daily_demand"] + 1e-6).all()
    assert plan.loc["Brötchen", "method"] == "capped at 4 weeks of sales"
    uncapped = allocate.inventory_plan(inputs.demand, allocate.StockPolicy(max_weeks=None), items).set_index(
        "product_name"
    )
    assert uncapped.loc["Brötchen", "order_quantity"] > 8 * 7 * uncapped.loc["Brötchen", "daily_demand"]
    with pytest.raises(NotEnoughDataError, match="Stock planning needs product codes.*'product_id'"):
        allocate.stock_inputs(corpus_orders("purchase_log.csv", tmp_path))


def test_marketing_that_brings_back_less_than_it_costs_gets_no_money():
    """Regression: at €0.17 back per €1 the page still recommended spending the whole budget."""
    segments = pd.DataFrame(
        {
            "segment": ["Regulars", "New", "Good"],
            "customers": [12, 30, 100],
            "response_rate": [0.02, 0.02, 0.1],
            "value_per_response": [4.0, 4.0, 60.0],
            "cost_per_contact": [0.5, 0.5, 0.5],
        }
    )
    poor = segments.iloc[:2]
    plan = allocate.budget_plan(poor, 1_000)
    assert plan["spend"].sum() == 0 and (plan["no_money_why"] == "spending here brings back less than it costs").all()
    assert allocate.first_unit_return(poor).max() < allocate.WORTH_SPENDING
    assert allocate.budget_curve(poor, [0, 500, 1000])["extra_revenue"].max() == 0
    plan = allocate.budget_plan(segments, 10_000).set_index("segment")
    assert plan.loc["Good", "spend"] > 0 and plan.loc["Good", "marginal_return"] == pytest.approx(1.0, rel=1e-3)
    assert plan["spend"].sum() < 10_000  # spending stops where a unit brings back only itself
    stock = allocate.inventory_plan(allocate.demand_over_time(_flat()))
    split = allocate.split_cash(10_000, 0, stock, poor, 0.4)
    assert split["marketing"] == 0  # margin below the money spent: nothing


def test_one_plan_carries_on_without_the_budget_on_a_file_without_customer_ids(monkeypatch, tmp_path):
    """Regression: on the bakery's till export the budget box said 'need customer ids' and the page stopped there:
    no cash split, no checks, no scenarios."""
    tx = corpus_orders("kasse_export_baeckerei.csv", tmp_path)
    app = start(monkeypatch, tmp_path / "home", tx)
    app.session_state["plan_tab"] = "One plan"
    app.run()
    assert_truthful(app, "One plan")
    texts = "\n".join(shown(app))
    assert "This plan carries on without the marketing budget part" in texts
    assert "**Do the three plans agree?**" in texts and "**Scenarios**" in texts
    app.number_input(key="plan_cash").set_value(5_000).run()
    assert_truthful(app, "One plan with cash")
    assert any(m.label == "Staff (paid first)" for m in app.metric)
    assert any(m.label == "Marketing" and m.value[1:] == "0" for m in app.metric)  # no budget part: no marketing
