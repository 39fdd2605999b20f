"""Segments follow their rules, churn and spend models are checked on held-out time, consent is honoured."""

import numpy as np
import pandas as pd
import pytest

from smbcore import campaigns, customers
from smbcore.synthetic import generate_transactions

from .test_recommend import shop


def _slow_segment(r, f, m, frequency, recency) -> str:
    """The rules of SEGMENT_RULES written out one customer at a time, to cross-check the vectorised version."""
    if frequency == 1 and recency <= 30:
        return "New"
    if r >= 4 and f >= 4 and m >= 4:
        return "Champions"
    if f >= 4 and r >= 3:
        return "Loyal"
    if r >= 4 and f <= 3:
        return "Promising"
    if r <= 2 and f >= 4 and m >= 4:
        return "Can't lose"
    if r <= 2 and f >= 3:
        return "At risk"
    if r == 3:
        return "Needs attention"
    if r == 2 and f <= 2:
        return "Hibernating"
    if r == 1:
        return "Lost"
    return "Needs attention"


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return generate_transactions(n_lines=20_000, n_customers=600, days=400, seed=4)


def test_segments_follow_their_rules(synthetic):
    table = customers.rfm(synthetic)
    expected = [
        _slow_segment(*row)
        for row in table[["r_score", "f_score", "m_score", "frequency", "recency_days"]].itertuples(index=False)
    ]
    assert table["segment"].tolist() == expected
    assert set(table["segment"]) <= {name for name, _ in customers.SEGMENT_RULES}
    assert table[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()


def test_rfm_by_hand():
    lines = [("old", "o1", "A", "2024-01-01")]
    lines += [("vip", f"v{i}", "A", f"2024-0{i}-10") for i in range(1, 7)]
    lines += [("fresh", "f1", "A", "2024-06-05")]
    lines += [(f"c{n}", f"x{n}", "B", f"2024-0{1 + n % 5}-15") for n in range(7)]
    table = customers.rfm(shop(lines), asof="2024-06-10")
    assert table.loc["vip", "frequency"] == 6 and table.loc["vip", "segment"] == "Champions"
    assert table.loc["fresh", "segment"] == "New"
    assert table.loc["old", "recency_days"] == 161 and table.loc["old", "segment"] == "Lost"


def test_models_are_checked_on_held_out_time(synthetic):
    analysis = customers.analyse(synthetic)
    check = analysis.check
    assert check["checked_from"] == synthetic["timestamp"].max() - pd.Timedelta(days=90)
    assert check["trained_on_cutoff"] == check["checked_from"] - pd.Timedelta(days=90)
    assert 0.0 <= check["churn_auc"] <= 1.0
    low, high = check["churn_auc_range"]
    assert low <= check["churn_auc"] <= high
    prof = analysis.profile
    assert prof["churn_risk"].between(0, 1).all() and (prof["expected_spend_90d"] >= 0).all()
    # Customers who bought in the last month are, on average, less at risk than those gone for 6 months.
    assert (
        prof.loc[prof["recency_days"] < 30, "churn_risk"].mean()
        < prof.loc[prof["recency_days"] > 180, "churn_risk"].mean()
    )


def test_small_shop_still_answers_with_a_note():
    small = generate_transactions(n_lines=1_500, n_customers=50, days=200, seed=5)
    analysis = customers.analyse(small)
    assert analysis.profile["churn_risk"].notna().all()
    assert any("rough ordering" in note for note in analysis.notes)
    too_short = customers.analyse(generate_transactions(n_lines=500, n_customers=50, days=60, seed=6))
    assert too_short.profile["churn_risk"].isna().all() and "churn risk needs" in too_short.notes[0]


def test_refused_consent_is_never_on_the_list(synthetic):
    people = pd.DataFrame(
        {
            "customer_id": pd.array(["C00000", "C00001", "C00002"], dtype="string"),
            "marketing_consent": pd.array([False, True, None], dtype="boolean"),
        }
    )
    plan = customers.next_best_actions(synthetic, people)
    assert "C00000" not in set(plan["customer_id"])
    assert {"C00001", "C00002"} <= set(plan["customer_id"])
    exported = campaigns.export_list(campaigns.hold_out_control(plan, 0.1), "csv")
    assert "C00000" not in set(exported["customer_id"])
    assert {
        "customer_id",
        "segment",
        "action",
        "product_ids",
        "product_names",
        "send_day",
        "send_hour",
        "churn_risk",
        "expected_spend_90d",
        "reason",
    } == set(exported.columns)


def test_plan_actions_and_products(synthetic):
    plan = customers.next_best_actions(synthetic)
    assert plan["customer_id"].is_unique
    contact = plan[plan["action"] != "No contact"]
    assert (contact["product_ids"].str.count(r"\|") == 2).all()  # three products each
    lost_cheap = plan[(plan["segment"] == "Lost") & (plan["monetary"] < plan["monetary"].median())]
    assert (lost_cheap["action"] == "No contact").all()
    assert plan["send_day"].isin(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]).all()
    assert plan["send_hour"].between(8, 19).all()  # the generator's opening hours; closed on Sundays


def test_control_group_share_per_action(synthetic):
    plan = customers.next_best_actions(synthetic)
    assigned = campaigns.hold_out_control(plan, 0.2, seed=1)
    assert "No contact" not in set(assigned["action"])
    for _, part in assigned.groupby("action"):
        assert (part["group"] == "control").sum() == round(len(part) * 0.2)
    again = campaigns.hold_out_control(plan, 0.2, seed=1)
    assert again["group"].equals(assigned["group"])
    mailchimp = campaigns.export_list(assigned, "mailchimp")
    assert list(mailchimp.columns[:3]) == ["Email Address", "Customer ID", "Tags"]
    assert mailchimp.empty  # the synthetic ids are not e-mail addresses: an email tool gets no empty rows
    assert "Email" in campaigns.export_list(assigned, "klaviyo").columns


def test_uplift_by_hand():
    assigned = pd.DataFrame(
        {
            "customer_id": [f"s{i}" for i in range(10)] + [f"k{i}" for i in range(10)],
            "action": "Win-back offer",
            "group": ["send"] * 10 + ["control"] * 10,
        }
    )
    buyers = [f"s{i}" for i in range(6)] + ["k0", "k1"]
    after = shop([(b, f"o-{b}", "A", "2024-03-05") for b in buyers] + [("s9", "late", "A", "2024-06-01")])
    result = campaigns.measure_uplift(assigned, after, "2024-03-01", days=30).set_index("action")
    row = result.loc["All actions"]
    assert (row["rate_sent"], row["rate_control"]) == (0.6, 0.2)
    assert row["uplift"] == pytest.approx(0.4)
    se = np.sqrt(0.6 * 0.4 / 10 + 0.2 * 0.8 / 10)
    assert row["uplift_low"] == pytest.approx(0.4 - 1.96 * se) and row["uplift_high"] == pytest.approx(0.4 + 1.96 * se)


def test_what_would_change_a_customers_action_is_the_smallest_flip():
    from smbcore.customers import _ACTIONS, rfm, what_would_change

    tx = generate_transactions(n_lines=5_000, n_customers=250, days=400, seed=12)
    profile = rfm(tx)
    loyal = profile[profile["segment"].isin(["Champions", "Loyal"])].index[0]
    words = what_would_change(profile, loyal)
    assert words and "would get 'Win-back offer' instead of 'Cross-sell' if the last order were" in words[0]
    days = int(words[0].split("were ")[1].split(" days")[0])
    # One step (5 days) less would not have flipped it: the change is the smallest on the 5-day grid.
    assert days >= 5 and _ACTIONS[profile.loc[loyal, "segment"]][0] == "Cross-sell"
