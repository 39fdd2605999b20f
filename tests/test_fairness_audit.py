"""Audits never audit nothing silently (issue 14, item 13): a column name given as a string is one column, not its
letters, and a sensitive column that is not in the data is an error naming it and the columns there are, in every
public fairness function that takes one."""

import numpy as np
import pandas as pd
import pytest

from smbcore import fairness, targeting
from smbcore.errors import SmbcoreError

from .test_targeting import campaign


@pytest.fixture(scope="module")
def model():
    return targeting.fit(campaign(n=1500, seed=4, age_bias=1.0), "responded")


def people_and_plan():
    people = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(120)], "age": [25] * 60 + [70] * 60, "gender": ["f", "m"] * 60}
    )
    plan = pd.DataFrame({"customer_id": people["customer_id"], "action": ["Discount"] * 45 + ["None"] * 75})
    return people, plan


def test_a_column_name_given_as_a_string_is_audited_as_that_one_column(model):
    one = fairness.audit(model, model.holdout, "age")
    listed = fairness.audit(model, model.holdout, ["age"])
    assert list(one.words) == ["age"] and set(one.by_group["attribute"]) == {"age"}
    assert set(one.by_group["group"]) == {"under 30", "30-44", "45-59", "60 and over"}
    pd.testing.assert_frame_equal(one.by_group, listed.by_group)
    flagged = model.holdout["age"].to_numpy() > 50
    decisions = fairness.audit_decisions(model.holdout, model.holdout["responded"].astype(int), flagged, "gender")
    assert list(decisions.words) == ["gender"] and set(decisions.by_group["group"]) == {"f", "m"}
    people, plan = people_and_plan()
    table = fairness.action_audit(plan, people, "gender")
    assert set(table["attribute"]) == {"gender"} and len(table) == 4  # 2 actions x 2 groups


def _calls(model):
    holdout = model.holdout
    people, plan = people_and_plan()
    flagged = np.ones(len(holdout), dtype=bool)
    return {
        "audit": lambda s: fairness.audit(model, holdout, s),
        "audit with decisions": lambda s: fairness.audit(model, holdout, s, selected=flagged),
        "audit_decisions": lambda s: fairness.audit_decisions(holdout, holdout["responded"].astype(int), flagged, s),
        "mitigate": lambda s: fairness.mitigate(model, holdout, s),
        "action_audit": lambda s: fairness.action_audit(plan, people, s),
    }


@pytest.mark.parametrize("call", ["audit", "audit with decisions", "audit_decisions", "mitigate", "action_audit"])
@pytest.mark.parametrize("name", ["age_band", "Age", "gendr"])
def test_a_missing_or_misspelt_sensitive_column_is_an_error_naming_it_and_the_columns_there_are(model, call, name):
    with pytest.raises(fairness.SensitiveColumnError) as raised:
        _calls(model)[call](name)
    message = str(raised.value)
    assert isinstance(raised.value, SmbcoreError)
    assert f"'{name}'" in message and "not in this data" in message
    assert "'age'" in message and "'gender'" in message  # the columns there are, to pick the right one


@pytest.mark.parametrize("call", ["audit", "audit_decisions", "action_audit"])
def test_one_missing_column_among_several_is_not_skipped_and_an_empty_list_is_refused(model, call):
    with pytest.raises(fairness.SensitiveColumnError, match="'marital'"):
        _calls(model)[call](["age", "marital"])
    with pytest.raises(fairness.SensitiveColumnError, match="No sensitive column"):
        _calls(model)[call]([])


def test_the_fairness_page_offers_the_real_actions_and_every_segment_as_overrides(monkeypatch, tmp_path):
    """Defect: answering a contest of the email plan offered 'Win back' and 'Thank you' (not actions, so an
    override wrote a word no action has into the plan) and only 5 of the 9 segments. The choices are now the
    plan's actions and all segments, and the override chosen is what the plan downloads."""
    from smbcore import customers, overrides, segments
    from smbcore.data import Workspace
    from smbcore.synthetic import generate_transactions

    from .test_app import open_tab, start, texts

    home = tmp_path / "home"
    workspace = Workspace(home / "workspace.duckdb")
    tx = generate_transactions(n_lines=3_000, n_customers=150, days=300, seed=8)
    workspace.save("transactions", tx, source="test.csv")
    plan = customers.next_best_actions(tx)
    who = plan.loc[plan["action"] == "Cross-sell", "customer_id"].iloc[0]
    plan_contest = overrides.contest(workspace, "marketing plan", who, "Asked for their usual products")
    segment_contest = overrides.contest(workspace, "segments", who, "Not a new customer")
    app = open_tab(start(monkeypatch, home, page="pages/fairness.py"), "Contest and override", "fairness_tab")
    assert not app.exception and "Open contests: 2" in texts(app)
    offered = app.selectbox(key=f"ov_action_{plan_contest}").options
    assert offered == list(segments.ACTIONS) and "Win back" not in offered and "Thank you" not in offered
    assert app.selectbox(key=f"ov_action_{segment_contest}").options == segments.SEGMENT_NAMES
    app.selectbox(key=f"ov_action_{plan_contest}").set_value("Re-buy reminder")
    app.text_input(key=f"ov_why_{plan_contest}").input("Asked for their usual products").run()
    app.button(key=f"ov_apply_{plan_contest}").click().run()
    assert "Open contests: 1" in texts(app)
    downloaded = overrides.apply_overrides(plan, workspace, "marketing plan", "action").set_index("customer_id")
    assert downloaded.loc[who, "action"] == "Re-buy reminder" and downloaded.loc[who, "overridden"]
    assert set(downloaded["action"]) <= set(segments.ACTIONS)


def test_the_top_share_is_one_rule_by_hand():
    from smbcore.selection import select_top_share

    scores = [0.9, 0.1, 0.5, 0.5, 0.3]
    assert select_top_share(scores, 0.4).tolist() == [True, False, True, False, False]  # ties keep row order
    # Half of each group: group a (2 rows) 1, group b (3 rows) 1.5 -> 2 (halves to even), best first.
    assert select_top_share(scores, 0.5, ["a", "a", "b", "b", "b"]).tolist() == [True, False, True, True, False]
    assert select_top_share([np.nan, 0.2, 0.1], 0.34).tolist() == [False, True, False]  # missing counts lowest


def test_the_contact_list_the_audit_and_the_mitigation_pick_the_same_people(model):
    """Four copies of 'top 20%' (a quantile cut in the audit, a loop in the mitigation, quotas in the contact
    list, the pages' own budget) are one rule now: the same customers, counted the same way."""
    frame = model.holdout.assign(customer_id=[f"h{i}" for i in range(len(model.holdout))])
    listed = model.top_share(frame)
    on_list = set(listed.loc[listed["contact"], "customer_id"])
    audited = fairness.mitigate(model, frame, "age")["selected"]
    assert set(frame.loc[audited["as ranked"], "customer_id"]) == on_list
    assert len(on_list) == round(0.2 * len(frame))
    groups = fairness.age_band(frame["age"]).fillna("unknown")
    equal = model.select(frame, len(on_list), 1.0, equal_share_by=groups)
    assert set(equal.loc[equal["contact"], "customer_id"]) == set(frame.loc[audited["same share"], "customer_id"])
    report = fairness.audit(model, frame, "age")
    assert report.by_group["size"].sum() == len(frame)
    assert (report.by_group["selection_rate"] * report.by_group["size"]).sum() == pytest.approx(len(on_list))


def test_the_churn_audit_flags_the_riskiest_fifth_of_the_customers_it_can_group():
    held = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(50)],
            "churn_risk": np.linspace(0, 1, 50),
            "churned": [False] * 25 + [True] * 25,
        }
    )
    people = pd.DataFrame({"customer_id": [f"c{i}" for i in range(40)], "age": [25] * 20 + [70] * 20})
    report = fairness.churn_audit(held, people, "age")
    flagged = report.by_group.set_index("group")
    assert (flagged["selection_rate"] * flagged["size"]).sum() == 8  # 20% of the 40 customers in both
    assert flagged.loc["60 and over", "selection_rate"] == 8 / 20  # the riskiest are the last ids: all aged 70
    assert fairness.churn_audit(held, people.assign(customer_id="nobody"), "age") is None
