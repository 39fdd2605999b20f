"""Overview figures on a tiny hand-built shop whose answers are worked out by hand, and cross-checks."""

import math

import pandas as pd
import pytest

from smbcore import overview
from smbcore.synthetic import generate_transactions

LINES = [
    # order, time, customer, product, qty, price, country
    ("O1", "2024-01-01 10:15", "C1", "A", 2, 5.0, "UK"),
    ("O1", "2024-01-01 10:15", "C1", "B", 1, 20.0, "UK"),
    ("O2", "2024-01-03 14:00", "C2", "A", 1, 5.0, "UK"),
    ("O3", "2024-01-16 10:45", "C1", "C", 3, 10.0, "UK"),
    ("O3", "2024-01-16 10:45", "C1", "POST", 1, 15.0, "UK"),
    ("C4", "2024-01-17 09:00", "C1", "A", -2, 5.0, "UK"),
    ("O5", "2024-02-05 10:05", None, "B", 1, 20.0, "UK"),
    ("O6", "2024-02-06 11:00", "C3", "A", 4, 5.0, "FR"),
    ("O7", "2024-02-07 10:30", "C2", "A", 1, 5.0, "UK"),
]
NAMES = {"A": "Mug", "B": "Teapot", "C": "Plate", "POST": "POSTAGE"}


@pytest.fixture()
def tx() -> pd.DataFrame:
    frame = pd.DataFrame(
        LINES, columns=["order_id", "timestamp", "customer_id", "product_id", "quantity", "unit_price", "country"]
    )
    frame = frame.astype(
        {"order_id": "string", "customer_id": "string", "product_id": "string", "country": "string", "quantity": float}
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["product_name"] = frame["product_id"].map(NAMES).astype("string")
    frame["is_return"] = (frame["quantity"] < 0).astype("boolean")
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    return frame


def test_kpis_by_hand(tx):
    k = overview.kpis(tx)
    assert k["gross_sales"] == 125.0
    assert k["returns_value"] == 10.0
    assert k["net_revenue"] == 115.0
    assert k["returns_share"] == pytest.approx(0.08)
    assert k["orders"] == 6
    assert k["avg_order_value"] == pytest.approx(125 / 6)
    assert k["customers"] == 3
    assert k["repeat_rate"] == pytest.approx(2 / 3)
    assert k["units"] == 14


def test_weekly_sales_fill_empty_weeks(tx):
    weekly = overview.sales_over_time(tx, "W")
    assert weekly["period_start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-01",
        "2024-01-08",
        "2024-01-15",
        "2024-01-22",
        "2024-01-29",
        "2024-02-05",
    ]
    assert weekly["gross_sales"].tolist() == [35.0, 0.0, 45.0, 0.0, 0.0, 45.0]
    assert weekly["net_revenue"].tolist() == [35.0, 0.0, 35.0, 0.0, 0.0, 45.0]
    assert weekly["orders"].tolist() == [2, 0, 1, 0, 0, 3]
    monthly = overview.sales_over_time(tx, "M")
    assert monthly["net_revenue"].sum() == 115.0


def test_top_products_are_net_and_leave_out_postage(tx):
    by_revenue = overview.top_products(tx, "revenue")
    assert "POST" not in by_revenue["product_id"].tolist()
    assert by_revenue.iloc[0][["product_id", "product_name", "revenue"]].tolist() == ["B", "Teapot", 40.0]
    assert dict(zip(by_revenue["product_id"], by_revenue["revenue"], strict=True)) == {"B": 40, "A": 30, "C": 30}
    by_buyers = overview.top_products(tx, "buyers")
    assert by_buyers.iloc[0][["product_id", "buyers"]].tolist() == ["A", 3]


def test_a_renamed_product_shows_the_name_its_sales_use_most(tx):
    """'A' is sold as 'Mug' on 4 sale lines; renamed 'Big mug' on 1 of them it keeps 'Mug' (a return line named
    otherwise does not count); at 2 against 2 the name first in the alphabet wins, the same in any row order."""
    renamed = tx.copy()
    renamed.loc[0, "product_name"] = "Big mug"
    renamed.loc[5, "product_name"] = "Big mug"  # the return of 'A'
    names = dict(zip(*overview.top_products(renamed)[["product_id", "product_name"]].T.to_numpy(), strict=True))
    assert names["A"] == "Mug"
    renamed.loc[2, "product_name"] = "Big mug"
    for order in (renamed, renamed.iloc[::-1]):
        names = dict(zip(*overview.top_products(order)[["product_id", "product_name"]].T.to_numpy(), strict=True))
        assert names["A"] == "Big mug"


def test_new_vs_returning(tx):
    table = overview.new_vs_returning(tx).set_index(pd.Index(["Jan", "Feb"]))
    assert table.loc["Jan", ["new_customers", "returning_customers"]].tolist() == [2, 0]
    assert table.loc["Feb", ["new_customers", "returning_customers"]].tolist() == [1, 1]
    assert table.loc["Feb", ["new_revenue", "returning_revenue"]].tolist() == [20.0, 5.0]


def test_country_sales_are_net(tx):
    table = overview.sales_by_country(tx).set_index("country")
    assert table.loc["UK", "revenue"] == 95.0 and table.loc["FR", "revenue"] == 20.0
    assert table["share_of_revenue"].sum() == pytest.approx(1.0)


def test_weekday_hour_grid(tx):
    grid = overview.orders_by_weekday_hour(tx)
    assert len(grid) == 7 * 24 and grid["orders"].sum() == 6
    lookup = grid.set_index(["weekday", "hour"])["orders"]
    assert lookup[("Monday", 10)] == 2 and lookup[("Wednesday", 14)] == 1 and lookup[("Sunday", 10)] == 0


def test_non_product_lines():
    names = pd.Series(
        [
            "POSTAGE",
            "DOTCOM POSTAGE",
            "FRENCH CARRIAGE LANTERN",
            "Discount",
            "AMAZON FEE",
            "BLUE MUG",
            "Next Day Carriage",
            None,
        ],
        dtype="string",
    )
    frame = pd.DataFrame({"product_name": names})
    assert overview.non_product_lines(frame).tolist() == [True, True, False, True, True, False, True, False]


def test_kpis_match_a_slow_loop():
    tx = generate_transactions(n_lines=3_000, n_customers=150, seed=11)
    orders_by_customer: dict[str, set] = {}
    gross, order_ids = 0.0, set()
    for row in tx.itertuples():
        if row.is_return:
            continue
        gross += row.quantity * row.unit_price
        order_ids.add(row.order_id)
        orders_by_customer.setdefault(row.customer_id, set()).add(row.order_id)
    k = overview.kpis(tx)
    assert k["gross_sales"] == pytest.approx(gross)
    assert k["orders"] == len(order_ids)
    repeat = sum(len(o) >= 2 for o in orders_by_customer.values()) / len(orders_by_customer)
    assert k["repeat_rate"] == pytest.approx(repeat)
    grid = overview.orders_by_weekday_hour(tx)
    assert grid.loc[grid["weekday"] == "Sunday", "orders"].sum() == 0  # the generator closes on Sundays
    assert grid["orders"].sum() == len(order_ids)


def test_online_retail_headline_figures(retail):
    k = overview.kpis(retail["transactions"])
    assert k["orders"] == 20_726  # invoices with at least one sale line
    assert k["customers"] == 4_339
    assert k["first_date"] == pd.Timestamp("2010-12-01 08:26") and k["last_date"] == pd.Timestamp("2011-12-09 12:50")
    assert 0.05 < k["returns_share"] < 0.12


def test_no_returns_is_zero_not_negative_zero(tx):
    """Issue 13: 'Returns -0.0%' on every owner file without returns."""
    k = overview.kpis(tx[~tx["is_return"]])
    assert k["returns_value"] == 0 and math.copysign(1.0, k["returns_value"]) == 1.0
    assert f"{k['returns_share']:.1%}" == "0.0%"


def test_orders_by_weekday(tx):
    days = overview.orders_by_weekday(tx).set_index("weekday")["orders"]
    assert list(days.index) == list(overview.WEEKDAYS)
    assert days["Monday"] == 2 and days["Tuesday"] == 2 and days["Wednesday"] == 2 and days.sum() == 6


def test_closed_weekdays_need_a_regular_trading_pattern():
    days = pd.date_range("2024-01-01", "2024-03-31", freq="D")
    shut_sundays = days[days.day_of_week != 6]
    assert overview.closed_weekdays(shut_sundays, days[0], days[-1]) == [6]
    # A slow seller with a sale every few weeks on scattered days has no closed days.
    scattered = days[::17]
    assert overview.closed_weekdays(scattered, days[0], days[-1]) == []
    assert overview.closed_weekdays(shut_sundays[:20], days[0], days[19]) == []  # under four weeks: no rule


def test_one_off_orders_and_refunds_of_that_size():
    shop = generate_transactions(n_lines=3_000, n_customers=100, days=90, seed=4)
    big = shop.iloc[[0]].assign(order_id="BIG", quantity=10_000.0, revenue=10_000.0 * shop["unit_price"].iloc[0])
    refund = big.assign(order_id="CBIG", quantity=-10_000.0, revenue=-big["revenue"], is_return=True)
    orders, limit, typical = overview.one_off_orders(pd.concat([shop, big, refund], ignore_index=True))
    assert set(orders["order_id"]) == {"BIG", "CBIG"} and limit > typical > 0
    assert (orders["value"] > limit).all()


def test_overview_page_makes_no_hour_claims_on_a_file_without_times(monkeypatch, tmp_path):
    """Issue 13: a file with dates only gave 'Busiest hour: Tuesdays 00:00-01:00' and a weekday x hour map; a
    file without customer ids crashed the page (new vs returning) and showed 'nan%' repeat customers."""
    from streamlit.testing.v1 import AppTest

    from smbcore.data import Workspace

    from .conftest import ROOT

    home = tmp_path / "home"
    shop = generate_transactions(n_lines=2_000, n_customers=80, days=120, seed=9)
    shop = shop[~shop["is_return"].astype(bool)].assign(timestamp=lambda f: f["timestamp"].dt.normalize())
    shop = shop.drop(columns=["customer_id"])  # a till export: no customers either
    Workspace(home / "workspace.duckdb").save("transactions", shop, source="dates_only.csv")
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.session_state["data_source"] = "own"
    app.run()
    app.switch_page("pages/overview.py").run()
    assert not app.exception and not app.error
    words = "\n".join([c.value for c in app.caption] + [m.value for m in app.markdown])
    assert "Busiest hour" not in words and "00:00" not in words
    assert "Busiest day:" in words and "no times of day" in words
    returns = next(m for m in app.metric if m.label == "Returns")
    assert returns.value == "0%" and "No returns" in returns.help and "nan" not in words
    assert next(m for m in app.metric if m.label == "Repeat customers").value == "—"


def test_overview_headlines_fit_their_boxes_on_owner_files(tmp_path, monkeypatch):
    """Owner's look: '€1,33…' (average order) and 'not in…' (no customer ids) were cut off; an empty 'Top 10
    products by number of customers' chart; a six-week weekly chart with day labels and no months."""
    import json

    from .test_app import start, texts
    from .test_forecast import _owner_file

    home, _ = _owner_file("manufacturer_invoices.csv", tmp_path / "maker")
    app = start(monkeypatch, home, "own", "pages/overview.py")
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Average order"].startswith("€1,3") and len(metrics["Average order"]) <= 7
    assert all(len(value) <= 7 for value in metrics.values()), metrics

    home, _ = _owner_file("sumup_sales_report.csv", tmp_path / "sumup")
    app = start(monkeypatch, home, "own", "pages/overview.py")
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Customers"] == "—" and metrics["Repeat customers"] == "—"
    assert "customers and repeat customers cannot be counted" in texts(app)
    charts = [json.loads(c.proto.spec) for c in _charts(app)]
    titles = [str(spec.get("title", "")) for spec in charts]
    assert not any("number of customers" in t for t in titles)
    assert "needs customer ids" in " ".join(i.value for i in app.info)
    weekly = next(spec for spec, t in zip(charts, titles, strict=True) if t.startswith("Net revenue per week"))
    assert weekly["encoding"]["x"]["axis"]["format"] == "%d %b"  # 27 Jan, not 'Mon 27'
    shares = [d for d in app.dataframe if "share_of_revenue" in d.value]  # '83.8%', never '83.78%'
    assert shares and all(
        json.loads(d.proto.columns)["share_of_revenue"]["type_config"]["format"] == "%.1f%%" for d in shares
    )
    assert all(d.value["share_of_revenue"].between(0, 100).all() for d in shares)


def _charts(app) -> list:
    """Every Altair chart the page drew (AppTest has no accessor for them)."""
    found, stack = [], [app._tree]
    while stack:
        node = stack.pop()
        if getattr(node, "type", "") == "vega_lite_chart":
            found.append(node)
        stack.extend(getattr(node, "children", {}).values())
    return found
