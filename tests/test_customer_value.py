"""Customer value: the BTYD fits recover a known population, the profile's value columns are finite and sensible
for planted active and lapsed customers, and the learned spend beats 'same as last 90 days'."""

import numpy as np
import pandas as pd
import pytest

from smbcore import btyd, customer_value, customers
from smbcore.synthetic_customers import btyd_shop

VALUE_COLUMNS = ["expected_orders_90d", "chance_active", "expected_spend_365d"]


def _planted_shop() -> tuple[pd.DataFrame, pd.Timestamp]:
    """A BTYD-shaped shop of 2,000 customers plus planted ones: 'weekly' bought every week for a year up to
    last week, 'gone' bought every week for 10 weeks a year ago and never again, 'once_long_ago' bought once 60
    weeks ago, 'once_lately' bought once last week, 'refunded' sent back all of one huge order."""
    base = btyd_shop(n_customers=2000, weeks=78, joining_weeks=52, seed=3)
    end = base["timestamp"].max()
    planted = []
    for week in range(1, 53):
        planted.append(("weekly", end - pd.Timedelta(weeks=week), 40.0))
    for week in range(52, 62):
        planted.append(("gone", end - pd.Timedelta(weeks=week), 40.0))
    planted += [
        ("once_long_ago", end - pd.Timedelta(weeks=60), 40.0),
        ("once_lately", end - pd.Timedelta(weeks=1), 40.0),
        # one huge order three weeks ago, all of it sent back a week later
        ("refunded", end - pd.Timedelta(weeks=3), 5000.0),
        ("refunded", end - pd.Timedelta(weeks=2), -5000.0),
    ]
    extra = pd.DataFrame(planted, columns=["customer_id", "timestamp", "revenue"])
    extra = extra.assign(
        order_id=[f"p{i}" for i in range(len(extra))],
        product_id="item",
        quantity=np.sign(extra["revenue"]),
        unit_price=extra["revenue"].abs(),
        is_return=extra["revenue"] < 0,
        product_name="Item",
        country="UK",
    )
    shop = pd.concat([base, extra.astype(base.dtypes.to_dict())], ignore_index=True)
    return shop, end


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    shop, end = _planted_shop()
    return customers.profile(shop, asof=end)


def test_value_columns_exist_and_are_finite_for_everyone(planted):
    values = planted[VALUE_COLUMNS]
    assert np.isfinite(values.to_numpy(float)).all()
    assert (values >= 0).all().all() and planted["chance_active"].le(1).all()
    one_order = planted[planted["frequency"] == 1]
    assert len(one_order) > 100 and np.isfinite(one_order[VALUE_COLUMNS].to_numpy(float)).all()
    # a year holds at least the next 90 days, and at most four of them
    assert (planted["expected_spend_365d"] >= planted["expected_spend_90d"] - 1e-9).all()
    assert (planted["expected_spend_365d"] <= 365 / 90 * planted["expected_spend_90d"] + 1e-9).all()


def test_lapsed_customers_get_a_low_chance_of_being_active_and_frequent_recent_buyers_a_high_one(planted):
    chance = planted["chance_active"]
    assert chance["weekly"] > 0.9
    assert chance["gone"] < 0.1
    assert chance["once_long_ago"] < chance["once_lately"]
    assert chance["once_long_ago"] < 0.5
    orders = planted["expected_orders_90d"]
    assert orders["weekly"] > 5 * orders["gone"] and orders["weekly"] > 3
    assert planted.loc["weekly", "expected_spend_365d"] > 10 * planted.loc["gone", "expected_spend_365d"]


def test_learned_spend_beats_same_as_last_90_days_on_a_btyd_population():
    shop = btyd_shop(n_customers=3000, weeks=78, joining_weeks=52, seed=21)
    cutoff = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=60)
    check = customers.check_models(shop, cutoff)
    assert check["checked_customers"] > 1500
    assert check["spend_mae"] < 0.92 * check["naive_spend_mae"]
    assert check["spend_beats_naive"] and check["churn_tells"]
    held = customers.held_out_churn(shop, cutoff + pd.Timedelta(days=90))
    # the total is right within 15% (the naive rule is 50% over on such a shop: no one new joins after week 52)
    assert abs(held["expected_spend_90d"].sum() / held["spend"].sum() - 1) < 0.15


def test_mbgnbd_recovers_the_purchase_rate_of_a_known_population():
    shop = btyd_shop(n_customers=4000, weeks=78, joining_weeks=52, r=0.6, alpha=6.0, seed=5)
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=78)
    frame = customer_value.features(shop, end)
    x = frame["frequency"].to_numpy(float) - 1
    big_t = frame["tenure_days"].to_numpy(float) / 7
    t_x = big_t - frame["recency_days"].to_numpy(float) / 7
    r, alpha, a, b = btyd.fit_mbgnbd(x, t_x, big_t)
    assert r / alpha == pytest.approx(0.6 / 6.0, rel=0.25)  # mean weekly rate while a customer


def test_largest_90_days_by_hand():
    orders = pd.DataFrame(
        {
            "customer_id": ["a"] * 4 + ["b"],
            "t": pd.to_datetime(["2024-01-01", "2024-02-20", "2024-04-10", "2024-07-19", "2024-01-05"]),
            "value": [10.0, 20.0, 30.0, 5.0, 7.0],
        }
    )
    peak = customer_value._peak_spend(orders, pd.Index(["a", "b", "c"]))
    # a: 1 Jan + 20 Feb are 50 days apart (30), 20 Feb + 10 Apr 50 days (50), 1 Jan - 10 Apr is 100 days (not 60)
    assert peak.to_dict() == {"a": 50.0, "b": 7.0, "c": 0.0}


def test_too_short_a_history_repeats_the_last_90_days_in_the_value_columns():
    shop = btyd_shop(n_customers=300, weeks=20, joining_weeks=10, seed=8)  # 140 days: too short for the models
    analysis = customers.analyse(shop)
    prof = analysis.profile
    assert prof["churn_risk"].isna().all() and "repeat the last 90 days" in analysis.notes[-1]
    assert (prof["expected_orders_90d"] == prof["orders_90d"]).all()
    assert np.allclose(prof["expected_spend_365d"], 365 / 90 * prof["spend_90d"].clip(lower=0))
    assert np.isfinite(prof[VALUE_COLUMNS].to_numpy(float)).all()


def test_a_customer_who_sent_everything_back_is_not_expected_to_spend(planted):
    # Before: the refunded order's value drove the expected spend (Online Retail's customer 12346: £12,824).
    refunded = planted.loc["refunded"]
    assert refunded["monetary"] == 0
    assert refunded["expected_spend_90d"] == 0 and refunded["expected_spend_365d"] == 0
    assert planted.loc["once_lately", "expected_spend_90d"] > 0
