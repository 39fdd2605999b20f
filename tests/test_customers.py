"""Segments follow their rules, churn and spend models are checked on held-out time, consent is honoured."""

import re

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
    small = generate_transactions(n_lines=1_500, n_customers=50, days=300, seed=5)
    analysis = customers.analyse(small)
    assert any("rough ordering" in note for note in analysis.notes)
    # Either the check beat chance and every customer has a risk, or it did not and nobody has one.
    risks = analysis.profile["churn_risk"]
    assert risks.notna().all() if analysis.check["churn_tells"] else risks.isna().all()
    too_short = customers.analyse(generate_transactions(n_lines=500, n_customers=50, days=60, seed=6))
    assert too_short.profile["churn_risk"].isna().all()
    assert too_short.notes[0].startswith("Churn risk needs 210 days of orders with a customer id (the file has 59)")


# Owner-shaped shops: what real exports look like, unlike the tidy generator.


def purchase_log(n_customers: int = 120, days: int = 400, seed: int = 0) -> pd.DataFrame:
    """A purchase log with only customer, date, quantity and amount (dates without times): as read, one order
    per customer and day and a single 'all products' line, as the intake makes of such files."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        for day in np.sort(rng.choice(days, rng.integers(1, 12), replace=False)):
            rows.append((f"K{c}", f"K{c}-{day}", pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(day))))
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp"])
    frame = frame.astype({"customer_id": "string", "order_id": "string"})
    frame["product_id"] = pd.array(["ALL"] * len(frame), dtype="string")
    frame["product_name"] = pd.array(["All products"] * len(frame), dtype="string")
    frame["quantity"] = rng.integers(1, 5, len(frame)).astype(float)
    frame["unit_price"] = np.round(rng.gamma(2.0, 15.0, len(frame)) + 1, 2)
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    frame["is_return"] = pd.array([False] * len(frame), dtype="boolean")
    return frame


def manufacturer(seed: int = 2, n_customers: int = 40, days: int = 730) -> pd.DataFrame:
    """A manufacturer's orders from the shops it supplies: few customers whose sizes differ a hundredfold,
    regular big orders, and one one-off order of 1,500 units (75,000) four months before the end."""
    rng = np.random.default_rng(seed)
    start, rows = pd.Timestamp("2023-01-02"), []
    for c in range(n_customers):
        size, every = rng.lognormal(7, 1.5), int(rng.integers(7, 60))
        t = int(rng.integers(0, every))
        while t < days:
            for _ in range(rng.integers(1, 4)):
                quantity = max(1, int(rng.poisson(size / 50)))
                rows.append((f"S{c:03d}", f"O{len(rows)}", f"P{rng.integers(0, 15)}", start + pd.Timedelta(days=t),
                             quantity))  # fmt: skip
            t += int(rng.integers(max(1, every // 2), every * 2))
    rows.append(("S001", "BIG", "P1", start + pd.Timedelta(days=days - 120), 1_500))
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "product_id", "timestamp", "quantity"])
    frame = frame.astype({"customer_id": "string", "order_id": "string", "product_id": "string"})
    frame["quantity"] = frame["quantity"].astype(float)
    frame["unit_price"] = 50.0
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    frame["product_name"] = ("Item " + frame["product_id"]).astype("string")
    frame["is_return"] = pd.array([False] * len(frame), dtype="boolean")
    return frame


def coin_flip_shop(n_customers: int = 80, seed: int = 3) -> pd.DataFrame:
    """Customers whose buying again is a coin toss unrelated to anything they did before."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        for day in np.sort(rng.choice(240, 3, replace=False)):
            rows.append((f"R{c}", f"R{c}-{day}", "A", "2024-01-01 10:00", int(day)))
        for window in (0, 1):  # in each later 90 days, half of the customers buy once more, by chance
            if rng.random() < 0.5:
                rows.append((f"R{c}", f"R{c}-w{window}", "A", "2024-01-01 10:00", 240 + 90 * window + 45))
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "product_id", "timestamp", "day"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]) + pd.to_timedelta(frame.pop("day"), unit="D")
    frame = frame.astype({"customer_id": "string", "order_id": "string", "product_id": "string"})
    frame["quantity"], frame["unit_price"], frame["revenue"] = 1.0, 20.0, 20.0
    frame["product_name"] = pd.array(["Coffee"] * len(frame), dtype="string")
    frame["is_return"] = pd.array([False] * len(frame), dtype="boolean")
    return frame


def test_one_product_shop_gets_a_plan():
    """Regression: Customers -> Marketing plan crashed (IndexError in recommend) when every customer had
    bought the shop's only product and some actions ask for products new to them."""
    tx = purchase_log()
    plan = customers.next_best_actions(tx)
    assert plan["customer_id"].is_unique and len(plan) == tx["customer_id"].nunique()
    wants_new = plan["action"].isin(["Cross-sell", "Welcome series", "Second-purchase nudge"])
    assert wants_new.any() and (plan.loc[wants_new, "product_ids"] == "").all()  # nothing new to offer
    assert (plan.loc[plan["action"] == "Re-buy reminder", "product_ids"] == "ALL").all()


def test_dates_without_times_make_no_send_hour_claim():
    tx = purchase_log()
    plan = customers.next_best_actions(tx)
    assert plan["send_hour"].isna().all()
    assert plan["send_day"].notna().all()  # the weekday is still known from the dates
    with_times = generate_transactions(n_lines=3_000, n_customers=100, days=120, seed=2)
    assert customers.next_best_actions(with_times)["send_hour"].between(8, 19).all()


def test_churn_model_no_better_than_chance_is_not_shown_or_used():
    tx = coin_flip_shop()
    analysis = customers.analyse(tx)
    check = analysis.check
    low, high = check["churn_auc_range"]
    assert low <= 0.5 <= high and check["churn_tells"] is False
    assert analysis.profile["churn_risk"].isna().all()
    assert any(note.startswith("Your data cannot tell yet who will stop buying.") for note in analysis.notes)
    plan = customers.next_best_actions(tx, analysis=analysis)
    assert plan["churn_risk"].isna().all()
    assert not plan["reason"].str.contains("likely not to buy").any()  # no action decided on the churn risk
    # Actions follow the segment rules alone.
    rules = {name: action[0] for name, action in customers._ACTIONS.items()}
    kept = plan[plan["action"] != "No contact"]
    assert (kept["action"] == kept["segment"].map(rules)).all()


def test_spend_error_is_on_the_scale_of_the_spend():
    """Regression: '90-day spend error $1,707,011,376' on an $11m shop: the count model exploded on customers
    far outside what it learned from. Predictions are now capped by each customer's largest 90 days so far."""
    tx = manufacturer(seed=2)
    cutoff = tx["timestamp"].max() - pd.Timedelta(days=90)
    check = customers.check_models(tx, cutoff)
    assert check["spend_mae"] < 2 * check["naive_spend_mae"]  # it was 28 times the naive guess's miss
    assert check["spend_mae"] < 2 * check["mean_spend"]
    words = " ".join(customers.check_words(check, "€"))
    assert "%" not in words and "nan" not in words.lower()
    assert f"€{check['naive_spend_mae']:,.0f} for 'same as the last 90 days'" in words
    profile = customers.rfm(tx)
    capped = customers.analyse(tx).profile
    assert (capped["expected_spend_90d"] <= customers.SPEND_CAP * profile["peak_90d"] + 1e-6).all()


def test_manufacturer_whose_customers_all_buy_again_gets_no_churn_model():
    tx = manufacturer(seed=0)
    analysis = customers.analyse(tx)
    assert analysis.profile["churn_risk"].isna().all()
    assert "who did not (the file has 40 and 0)" in analysis.notes[0]


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


def _page_texts(app) -> str:
    parts = [m.value for m in app.markdown] + [i.value for i in app.info] + [c.value for c in app.caption]
    return "\n".join(parts + [f"{m.label} {m.value}" for m in app.metric])


def test_pages_on_an_owners_one_product_date_only_file(monkeypatch, tmp_path):
    """Customers (segments, look-up, marketing plan), Marketing and Fairness on an owner-shaped file: no crash,
    no error, no 'nan', no hour claim, and the models that cannot tell say so."""
    from streamlit.testing.v1 import AppTest

    from smbcore.data import Workspace

    from .conftest import ROOT

    home = tmp_path / "home"
    tx = coin_flip_shop(n_customers=120)
    tx["timestamp"] = tx["timestamp"].dt.normalize()  # dates only, as many exports are
    people = pd.DataFrame({"customer_id": pd.array(sorted(tx["customer_id"].unique()), dtype="string")})
    people["age"] = np.random.default_rng(0).integers(18, 80, len(people))
    workspace = Workspace(home / "workspace.duckdb")
    workspace.save("transactions", tx, source="till.csv")
    workspace.save("customers", people, source="people.csv")
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.session_state["data_source"] = "own"
    app.run()
    seen = []
    for page, key, tabs in (
        ("pages/customers.py", "customers_tab", ["Segments and risk", "Look up a customer", "Marketing plan"]),
        ("pages/marketing.py", None, [None]),
        ("pages/fairness.py", "fairness_tab", ["Why this decision", "Bias checks"]),
    ):
        app.switch_page(page).run()
        for tab in tabs:
            if tab:
                app.session_state[key] = tab
                app.run()
            assert not app.exception, (page, tab, app.exception)
            assert not app.error, (page, tab, [e.value for e in app.error])
            text = _page_texts(app)
            assert not re.search(r"\bnan\b", text, re.IGNORECASE), (page, tab)
            assert "-0.0" not in text and "inf%" not in text
            seen.append(text)
    everything = "\n".join(seen)
    assert "Your data cannot tell yet who will stop buying" in everything
    assert "Your file has dates but no times of day" in everything
    assert "Your data cannot tell yet who responds" in everything


def test_orders_without_customer_ids_say_which_column_to_map():
    """Issue 13: a till export without customer ids crashed the Customers page ('Something went wrong')."""
    from smbcore.errors import NotEnoughDataError
    from smbcore.recommend import fit as fit_recommender
    from smbcore.targeting import purchase_frames

    tx = generate_transactions(n_lines=2_000, days=200, seed=3).drop(columns="customer_id")
    for call in (lambda: customers.analyse(tx), lambda: fit_recommender(tx), lambda: purchase_frames(tx)):
        with pytest.raises(NotEnoughDataError, match="map the column that holds customer numbers"):
            call()


# --- What a shop owner reads (issue 13 review of the corpus screenshots) --------------------------------------

INTERNAL_NAMES = ("customer_id", "recency_days", "tenure_days", "orders_90d", "orders_180d", "spend_90d",
                  "spend_180d", "avg_gap_days", "return_share", "monetary", "frequency")  # fmt: skip


def _corpus_orders(name: str) -> pd.DataFrame:
    from smbcore.data import read_table

    from .test_owners import CORPUS, DATE_ORDER, ENTRIES, confirmed_mapping

    entry = next(e for e in ENTRIES if e["file"] == name)
    mapping = confirmed_mapping(entry)
    return read_table(CORPUS / name, "transactions", mapping=mapping, date_order=DATE_ORDER[entry["date_order"]]).frame


def test_plural_and_the_no_customer_ids_message_read_right_for_every_what():
    from smbcore.errors import NO_CUSTOMER_IDS
    from smbcore.formatting import plural

    assert [plural(1, "order"), plural(5, "order"), plural(1.0, "day"), plural(1204, "customer")] == [
        "1 order", "5 orders", "1 day", "1,204 customers"]  # fmt: skip
    for what in ("Learning who to contact from your orders", "Products suggested for each customer"):
        text = NO_CUSTOMER_IDS.format(what=what)
        assert " need to know" not in text and text.startswith(f"{what}: not possible without knowing who bought")


def test_segments_among_few_customers_are_said_to_be_ranks():
    """Owner review: a manufacturer with 12 customers saw K109 'Hibernating' 11 days after its last order; with
    fewer customers than the churn model's minimum, the page says the names are ranks among few customers."""
    from smbcore.requirements import REQUIREMENTS

    analysis = customers.analyse(_corpus_orders("manufacturer_invoices.csv"))
    assert len(analysis.profile) < REQUIREMENTS["churn"].min_customers
    assert any("segment names are ranks among them" in note for note in analysis.notes), analysis.notes
    many = customers.analyse(purchase_log())
    assert not any("ranks among them" in note for note in many.notes)


@pytest.mark.slow
def test_owner_reads_plain_words_counts_that_add_up_and_no_empty_email_plan(monkeypatch, tmp_path):
    """Owner review of purchase_log.csv (consent unknown for everyone): the Marketing plan tab drew an empty
    'Customers per action' chart, '0 customers to email', an empty table and live download buttons; Marketing and
    Fairness showed internal names (spend_90d, tenure_days...), and 'Chance of responding 68%' next to 'chance
    of no order 64%' without saying they come from two different models; the AUC box read 'Your data cann…'."""
    from smbcore.data import Workspace

    from .test_app import start
    from .test_owners import ENTRIES, save_entry

    home = tmp_path / "home"
    save_entry(next(e for e in ENTRIES if e["file"] == "purchase_log.csv"), Workspace(home / "workspace.duckdb"))
    app = start(monkeypatch, home, "own", "pages/customers.py")
    metrics = {m.label: m.value for m in app.metric}
    assert len(metrics.get("Churn model check (AUC)", "")) <= 14, metrics
    app.session_state["customers_tab"] = "Marketing plan"
    app.run()
    assert not app.exception and not app.error
    warnings = [w.value for w in app.warning]
    assert sum("Nobody can be emailed yet" in w for w in warnings) == 1, warnings
    assert app.checkbox(key="plan_unknown").value is False
    assert not app.get("download_button") and not app.get("arrow_vega_lite_chart") and not app.dataframe
    assert "customers to email" not in _page_texts(app)
    counts = " ".join(c.value for c in app.caption)
    assert re.search(r"\d+ of your \d+ customers with an order are worth contacting", counts), counts
    app.checkbox(key="plan_unknown").set_value(True).run()  # included: the plan and its downloads are back
    assert app.get("download_button") and "customers to email" in _page_texts(app)

    app.switch_page("pages/marketing.py").run()
    assert not app.exception and not app.error
    shown = _page_texts(app) + " ".join(w.value for w in app.warning)
    shown += " ".join(str(v) for frame in app.dataframe for v in frame.value.iloc[:, 0])
    assert not [n for n in INTERNAL_NAMES if n in shown], shown
    assert re.search(r"It scores all \d+ customers who have ordered", shown)

    app.switch_page("pages/fairness.py").run()
    app.session_state["fairness_tab"] = "Why this decision"
    app.run()
    assert not app.exception and not app.error
    why = _page_texts(app)
    assert not [n for n in INTERNAL_NAMES if n in why], why
    assert not re.search(r"\b1 orders\b|\b1 days\b", why)
    assert "Churn model (Customers page): chance of **no** order" in why
    assert "Response model (Marketing page), chance of an order in the next 90 days" in why
    assert "two different models" in why
