"""The data health check on shops with known gaps, short histories and no customer ids."""

import pandas as pd

from smbcore import health
from smbcore.synthetic import generate_transactions


def _status(report) -> dict:
    return dict(zip(report.readiness["capability"], report.readiness["status"], strict=True))


def test_online_retail_sample(retail):
    report = health.check({"transactions": retail["transactions"]})
    assert report.headlines[0].startswith("12 months of orders from 4,339 customers")
    assert "weekly season yes, yearly season only one cycle" in report.headlines[0]
    topics = set(report.findings["topic"])
    assert {
        "Date coverage",
        "Closed days",
        "Returns",
        "One-off bulk orders",
        "Customers without ids",
        "Postage, fees and adjustments",
    } <= topics
    assert "Saturday" in report.findings.set_index("topic").loc["Closed days", "message"]
    bulk = report.findings.set_index("topic").loc["One-off bulk orders", "message"]
    assert "581483" in bulk  # the 80,995-unit paper craft order
    assert set(_status(report).values()) == {"ready"}


def test_gap_and_closed_day_are_found():
    tx = generate_transactions(n_lines=8_000, days=120, closed_weekdays=(6,), seed=5)
    gap = tx["timestamp"].between("2024-02-05", "2024-02-09 23:59")  # Monday to Friday
    report = health.check({"transactions": tx[~gap].reset_index(drop=True)})
    messages = report.findings.set_index("topic")["message"]
    assert "Sunday" in messages["Closed days"]
    assert "longest gap is 5 days (5 Feb 2024 to 9 Feb 2024)" in messages["Missing days"]


def test_short_history_is_not_ready_for_churn():
    tx = generate_transactions(n_lines=2_000, n_customers=40, days=45, seed=6)
    report = health.check({"transactions": tx})
    status = _status(report)
    assert status["Churn risk"] == "not yet"
    assert status["Customer segments"] == "limited"  # 40 customers
    assert status["Forecasts"] == "limited"  # 45 days: under 8 weeks
    assert "weekly season not yet" in report.headlines[0]


def test_no_customer_ids():
    tx = generate_transactions(n_lines=2_000, days=200, seed=7).drop(columns=["customer_id"])
    report = health.check({"transactions": tx})
    status = _status(report)
    assert status["Churn risk"] == "not yet" and status["Recommendations"] == "not yet"
    assert report.findings.query("topic == 'Customers without ids'")["level"].tolist() == ["problem"]


def test_other_tables(bank, bikes, shoppers):
    report = health.check({**bank, **bikes, **shoppers})
    status = _status(report)
    assert status["Marketing response model"] == "ready"
    assert status["Fairness checks by group"] == "ready"
    assert status["Forecasts"] == "ready"
    assert "12,330 website visits, 15.5% ended in a purchase." in report.headlines
    coverage = report.findings.query("table == 'demand'")["message"].iloc[0]
    assert "1 Jan 2011 to 31 Dec 2012" in coverage and "0 missing dates" in coverage


def test_missing_dates_in_daily_totals():
    dates = pd.date_range("2024-01-01", periods=100, freq="D").delete([10, 11, 50])
    demand = pd.DataFrame({"date": dates, "y": 1.0})
    report = health.check({"demand": demand})
    assert "3 missing dates" in report.findings["message"].iloc[0]


def test_no_returns_and_one_customer_read_naturally():
    tx = generate_transactions(n_lines=200, n_customers=1, days=30, return_share=0.0, seed=9)
    report = health.check({"transactions": tx})
    findings = report.findings.set_index("topic")["message"]
    assert findings["Returns"] == "No returns or cancellations in the data."
    assert "from 1 customer:" in report.headlines[0]
    assert "Works, less sure: 1 customer, under 50: figures will be rough." in report.readiness["reason"].tolist()


def _churn_ran(tx) -> bool:
    from smbcore import customers

    return "churn_auc" in customers.analyse(tx).check


def test_health_and_churn_model_agree_at_the_history_boundary():
    """Regression: health said churn was 'limited' at 90-179 days while the model gave nothing under 180 days."""
    from smbcore.requirements import REQUIREMENTS

    need = REQUIREMENTS["churn"].min_days
    tx = generate_transactions(n_lines=6_000, n_customers=200, days=400, seed=8)
    end = tx["timestamp"].max()
    for days in (need - 1, need):  # history_days = whole days from the first line to the last
        part = tx[tx["timestamp"] >= end - pd.Timedelta(days=days)].reset_index(drop=True)
        status = _status(health.check({"transactions": part}))["Churn risk"]
        assert (status != "not yet") == _churn_ran(part), (days, status)
    short = tx[tx["timestamp"] >= end - pd.Timedelta(days=need - 1)].reset_index(drop=True)
    assert _status(health.check({"transactions": short}))["Churn risk"] == "not yet"


def test_health_and_models_agree_on_customer_counts():
    from smbcore import targeting
    from smbcore.requirements import REQUIREMENTS

    tx = generate_transactions(n_lines=3_000, n_customers=400, days=300, seed=10)
    ids = tx["customer_id"].dropna().unique()
    least = REQUIREMENTS["churn"].min_customers
    for n in (least - 1, least):
        part = tx[tx["customer_id"].isin(ids[:n])].reset_index(drop=True)
        report = _status(health.check({"transactions": part}))
        assert (report["Churn risk"] != "not yet") == _churn_ran(part), n
        try:
            targeting.purchase_frames(part)
            learned = True
        except targeting.TargetingError:
            learned = False
        assert (report["Who to contact (learned from orders)"] != "not yet") == learned, n


def test_a_one_day_gap_is_worded_as_one_day():
    tx = generate_transactions(n_lines=8_000, days=120, seed=5)
    gap = tx["timestamp"].dt.normalize() == pd.Timestamp("2024-02-07")
    report = health.check({"transactions": tx[~gap].reset_index(drop=True)})
    message = report.findings.set_index("topic")["message"]["Missing days"]
    assert "1 open day has no orders" in message and "the longest gap is one day (7 Feb 2024)" in message
    assert "1 days" not in message


def test_days_without_orders_are_normal_for_a_low_volume_business():
    """A manufacturer with about 1.7 invoices a day was told '60 open days have no orders' as a problem."""
    days = pd.bdate_range("2024-01-01", "2024-12-31")
    rng = pd.Series(range(len(days)))
    orders = [(d, k) for d, n in zip(days, (rng * 7919 % 4), strict=True) for k in range(int(n))]  # 0-3 a day
    tx = pd.DataFrame(
        {
            "order_id": [f"{d:%Y%m%d}-{k}" for d, k in orders],
            "timestamp": [d for d, _ in orders],
            "customer_id": [f"C{k}" for _, k in orders],
            "product_id": "P1",
            "product_name": "Granola",
            "quantity": 1.0,
            "unit_price": 10.0,
            "revenue": 10.0,
            "is_return": False,
        }
    )
    report = health.check({"transactions": tx})
    findings = report.findings.set_index("topic")
    assert "Missing days" not in findings.index
    row = findings.loc["Days without orders"]
    assert row["level"] == "note" and "normal for a business with about 1.5 orders per open day" in row["message"]


def test_health_page_readiness_is_readable_on_an_owner_file(tmp_path, monkeypatch):
    from .test_app import start, texts
    from .test_forecast import _owner_file

    home, _ = _owner_file("manufacturer_invoices.csv", tmp_path)
    app = start(monkeypatch, home, "own", "pages/health.py")
    assert not app.exception and not app.error
    words = texts(app)
    assert "**Customer segments: Limited.** Works, less sure" in words
    assert "Limited: works, le" not in words
    assert "60 open days have no orders" not in words and "Days without orders" in words
