"""Website visit figures on hand-built sessions, and on the Online Shoppers sample."""

import pandas as pd
import pytest

from smbcore import browsing


@pytest.fixture()
def sessions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "converted": pd.array([True, False, False, True, False, False], dtype="boolean"),
            "admin_pages": [2, 0, 1, 0, 0, 0],
            "product_pages": [5, 3, 0, 8, 1, 2],
            "traffic_source": pd.array(["ads", "ads", "email", "email", "email", "ads"], dtype="string"),
            "visitor_type": pd.array(["new", "new", "returning", "returning", "new", "new"], dtype="string"),
            "month": pd.array(["Mar", "Feb", "Feb", "Nov", "Mar", "Nov"], dtype="string"),
            "bounce_rate": [0.0, 0.2, 0.1, 0.0, 0.2, 0.3],
            "exit_rate": [0.1, 0.2, 0.2, 0.05, 0.3, 0.3],
        }
    )


def test_visit_kpis(sessions):
    k = browsing.visit_kpis(sessions)
    assert (k["visits"], k["purchases"]) == (6, 2)
    assert k["conversion_rate"] == pytest.approx(1 / 3)


def test_conversion_by_page_type(sessions):
    table = browsing.conversion_by_page_type(sessions).set_index("page_type")
    # Account pages seen in visits 1 and 3 (one purchase); not seen in 2, 4, 5, 6 (one purchase).
    assert table.loc["Account pages", "conversion_if_seen"] == pytest.approx(0.5)
    assert table.loc["Account pages", "conversion_if_not"] == pytest.approx(0.25)
    assert table.loc["Account pages", "lift"] == pytest.approx(2.0)
    assert table.loc["Product pages", "visits_seeing"] == 5
    assert "Information pages" not in table.index


def test_conversion_by_source_and_month_order(sessions):
    by_source = browsing.conversion_by(sessions, "traffic_source", min_visits=1).set_index("traffic_source")
    assert by_source.loc["email", "conversion_rate"] == pytest.approx(1 / 3)
    by_month = browsing.conversion_by(sessions, "month", min_visits=1)
    assert by_month["month"].tolist() == ["Feb", "Mar", "Nov"]


def test_leaving_by_drops_tiny_groups(sessions):
    table = browsing.leaving_by(sessions, ["visitor_type"], min_visits=3)
    assert table["visitor_type"].tolist() == ["new"]
    assert table["bounce_rate"].iloc[0] == pytest.approx((0.0 + 0.2 + 0.2 + 0.3) / 4)


def test_online_shoppers_sample(shoppers):
    s = shoppers["sessions"]
    pages = browsing.conversion_by_page_type(s).set_index("page_type")
    assert pages.loc["Account pages", "lift"] > 1.5  # visits reaching account pages convert far more often
    months = browsing.conversion_by(s, "month")
    assert months["visits"].sum() == 12_330
    assert months.set_index("month")["conversion_rate"].idxmax() == "Nov"
