"""Marketing consent is read from the orders and the customers table and honoured in the plan and every export."""

import io

import pandas as pd
import pytest

from smbcore import campaigns, customers
from smbcore.consent import consent_counts, contactable, customer_consent, with_consent
from smbcore.safety import csv_bytes
from smbcore.synthetic import generate_transactions


def shopify_orders(n_lines: int = 3_000, n_customers: int = 60, days: int = 240) -> pd.DataFrame:
    """Orders as a Shopify orders export reads: the customer is an e-mail address, 'Accepts Marketing'
    (yes/no) is written on an order's first line only (later lines of the order are blank). Eight customers
    said no on their latest order, although several said yes before; a few never answered."""
    tx = generate_transactions(n_lines=n_lines, n_customers=n_customers, days=days, seed=13)
    tx = tx.sort_values(["timestamp", "order_id"], kind="stable").reset_index(drop=True)
    tx["customer_id"] = ("Shopper." + tx["customer_id"].str[1:] + "@Example.com").astype("string")
    ids = tx["customer_id"].drop_duplicates().tolist()
    refusers, silent = set(ids[:8]), set(ids[8:11])
    first_line = ~tx["order_id"].duplicated()
    latest_order = tx.groupby("customer_id")["timestamp"].transform("max") == tx["timestamp"]
    answer = pd.Series("yes", index=tx.index, dtype="object")
    answer[tx["customer_id"].isin(refusers) & latest_order] = "no"
    answer[tx["customer_id"].isin(silent)] = None
    answer[~first_line] = None
    tx["marketing_consent"] = pd.array(answer.map({"yes": True, "no": False}), dtype="boolean")
    tx.attrs["refusers"], tx.attrs["silent"] = refusers, silent
    return tx


@pytest.fixture(scope="module")
def shopify() -> pd.DataFrame:
    return shopify_orders()


def test_shopify_accepts_marketing_no_never_reaches_the_mailchimp_file(shopify):
    """Regression (issue 13): 'Accepts Marketing' was not used and eight 'no' customers were exported."""
    refusers, silent = shopify.attrs["refusers"], shopify.attrs["silent"]
    consent = customer_consent(shopify).set_index("customer_id")["marketing_consent"]
    assert set(consent[consent.eq(False).fillna(False)].index) == refusers
    assert set(consent[consent.isna()].index) == silent
    plan = customers.next_best_actions(shopify)
    assert not refusers & set(plan["customer_id"])
    assert set(plan.loc[plan["marketing_consent"].isna(), "customer_id"]) <= silent
    for include_unknown in (False, True):
        assigned = campaigns.hold_out_control(contactable(plan, include_unknown), 0.1, seed=1)
        for tool in ("csv", "mailchimp", "klaviyo"):
            exported = pd.read_csv(io.BytesIO(csv_bytes(campaigns.export_list(assigned, tool))), dtype=str)
            text = exported.to_csv().lower()
            assert not any(r.lower() in text for r in refusers), tool
            if not include_unknown:
                assert not any(s.lower() in text for s in silent), tool
        mailchimp = campaigns.export_list(assigned, "mailchimp")
        assert len(mailchimp) == int((assigned["group"] == "send").sum()) and (mailchimp["Email Address"] != "").all()


def test_latest_answer_wins_and_no_wins_a_tie_or_the_customers_table():
    t = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-01", "2024-04-01"])
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(["a@x.com", "a@x.com", "B", "B", "C"], dtype="string"),
            "timestamp": t,
            "marketing_consent": pd.array([False, True, True, False, True], dtype="boolean"),
        }
    )
    tx = pd.concat(
        [tx, pd.DataFrame({"customer_id": ["A@X.com ", "C"], "timestamp": pd.to_datetime(["2024-05-01"] * 2)})]
    )
    people = pd.DataFrame(
        {
            "customer_id": pd.array(["C", "D", "E"], dtype="string"),
            "marketing_consent": pd.array([False, True, None], dtype="boolean"),
        }
    )
    got = customer_consent(tx, people).set_index("customer_id")["marketing_consent"]
    # a: no, then yes later (a blank even later does not undo it; the id's case and spaces do not matter)
    assert got["a@x.com"] and got["A@X.com "]
    assert got["B"] == False  # noqa: E712 - yes and no on the same latest order: no wins
    assert got["C"] == False  # noqa: E712 - the customers table's no wins over the orders' yes
    assert got["D"] and pd.isna(got["E"])
    assert customer_consent(tx.drop(columns="marketing_consent"))["marketing_consent"].isna().all()


def test_unknown_consent_is_left_out_unless_the_owner_includes_it():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c", "d"]})
    consent = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "marketing_consent": pd.array([True, False, None], dtype="boolean")}
    )
    marked = with_consent(frame, consent)
    assert contactable(marked)["customer_id"].tolist() == ["a"]
    assert contactable(marked, include_unknown=True)["customer_id"].tolist() == ["a", "c", "d"]
    counts = consent_counts(marked)
    assert (counts["agreed"], counts["refused"], counts["unknown"], counts["recorded"]) == (1, 1, 2, True)


def test_email_tool_files_hold_only_addresses_and_the_page_is_warned(shopify):
    tx = shopify.copy()
    ids = tx["customer_id"].drop_duplicates()
    plain = set(ids.sample(20, random_state=1))
    tx["customer_id"] = tx["customer_id"].where(~tx["customer_id"].isin(plain), "Z" + tx["customer_id"].str[:11])
    plan = customers.next_best_actions(tx)
    assigned = campaigns.hold_out_control(contactable(plan, include_unknown=True), 0.0)
    sending = len(assigned)
    no_address = int((~assigned["customer_id"].str.contains("@")).sum())
    assert 0 < no_address < sending
    assert campaigns.missing_emails(assigned).startswith(f"{no_address:,} of {sending:,} customers have no e-mail")
    for tool, column in (("mailchimp", "Email Address"), ("klaviyo", "Email")):
        out = campaigns.export_list(assigned, tool)
        assert len(out) == sending - no_address and out[column].str.contains("@").all()
    # A customers table with an e-mail column fills in the addresses.
    book = pd.DataFrame({"customer_id": assigned["customer_id"]})
    book["email"] = [f"p{i}@shop.example" if "@" not in c else c for i, c in enumerate(book["customer_id"])]
    assert campaigns.missing_emails(assigned, book) is None
    assert len(campaigns.export_list(assigned, "mailchimp", book)) == sending


@pytest.fixture()
def downloads(monkeypatch) -> dict:
    """file name -> bytes of every download button drawn while the test runs (the latest run wins)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    files: dict = {}
    add = MediaFileManager.add

    def recording(self, data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        files[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", recording)
    return files


@pytest.mark.slow
def test_customers_page_downloads_honour_consent_for_an_owner(monkeypatch, tmp_path, shopify, downloads):
    from smbcore.data import Workspace

    from .test_app import start

    home = tmp_path / "home"
    Workspace(home / "workspace.duckdb").save("transactions", shopify, source="orders_export.csv")
    refusers, silent = shopify.attrs["refusers"], shopify.attrs["silent"]
    app = start(monkeypatch, home, "own", "pages/customers.py")
    app.session_state["customers_tab"] = "Marketing plan"
    app.run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    warnings = " ".join(w.value for w in app.warning)
    assert "Marketing consent is unknown for" in warnings
    assert "8 customers who refused marketing are left out." in " ".join(c.value for c in app.caption)
    for include in (False, True):
        downloads.clear()
        app.checkbox(key="plan_unknown").set_value(include).run()
        for key in ("email_list_csv.csv", "email_list_mailchimp.csv", "email_list_klaviyo.csv"):
            data = downloads[key]
            assert data.startswith(b"\xef\xbb\xbf"), key
            text = data.decode("utf-8-sig").lower()
            assert not any(r.lower() in text for r in refusers), key
            assert any(s.lower() in text for s in silent) == include or "csv.csv" not in key, key
        emails = pd.read_csv(io.BytesIO(downloads["email_list_csv.csv"]), encoding="utf-8-sig")
        assert {"Customer", "Action", "Products to feature"} <= set(emails.columns)
        mailchimp = pd.read_csv(io.BytesIO(downloads["email_list_mailchimp.csv"]), encoding="utf-8-sig")
        assert mailchimp["Email Address"].notna().all() and len(mailchimp) == len(emails)


@pytest.mark.slow
def test_marketing_contact_list_download_holds_only_the_people_to_contact(monkeypatch, tmp_path, downloads):
    """Regression (issue 13): 'Download the contact list' held every scored customer with a True/False flag."""
    from smbcore.data import Workspace

    from .test_app import start

    shopify = shopify_orders(6_000, 300, 300)
    home = tmp_path / "home"
    Workspace(home / "workspace.duckdb").save("transactions", shopify, source="orders_export.csv")
    refusers = {r.lower() for r in shopify.attrs["refusers"]}
    app = start(monkeypatch, home, "own", "pages/marketing.py")
    assert not app.exception and not app.error, [e.value for e in app.error] + [i.value for i in app.info]
    app.checkbox(key="tg_unknown").check()
    app.number_input(key="tg_budget").set_value(20.0).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    to_contact = int({m.label: m.value for m in app.metric}["Customers to contact"].replace(",", ""))
    listed = pd.read_csv(io.BytesIO(downloads["contact_list.csv"]), encoding="utf-8-sig")
    assert 0 < to_contact == len(listed) < len(app.dataframe[-1].value)
    assert "Contact" not in listed.columns and {"Customer", "Chance of responding (share)"} <= set(listed.columns)
    assert not refusers & set(listed["Customer"].str.lower())
    assert listed["Chance of responding (share)"].map(lambda v: len(str(v).split(".")[-1]) <= 3).all()
