"""Erasure means erasure: deleting a customer leaves no trace in any table, in the decisions log (but a pseudonym
and the record that a deletion happened), in cached results or in the raw bytes of the owner's files. Cached
results live in the owner's folder, are written whole, and a damaged one is worked out again."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from smbcore import cache, overrides
from smbcore.data import Workspace, content_version
from smbcore.synthetic import generate_transactions

from .conftest import ROOT

WHO = "jo.doe@example.org"  # many shops use the e-mail address as the customer id


def _files_holding(folder: Path, text: str) -> list[str]:
    """Every file under `folder` whose raw bytes contain `text` (UTF-8)."""
    needle = text.encode()
    return sorted(str(f.relative_to(folder)) for f in folder.rglob("*") if f.is_file() and needle in f.read_bytes())


def _text_cells_holding(path: Path, text: str) -> list[str]:
    """'table.column' for every text cell of every table in the workspace file that contains `text`."""
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in columns:
            hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE contains("{column}", ?)', [text]).fetchone()[0]
            if hits:
                found.append(f"{table}.{column}")
    return found


def _start(monkeypatch, home: Path, page: str) -> AppTest:
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.session_state["data_source"] = "own"
    app.run()
    return app.switch_page(page).run()


def test_deleting_a_customer_on_the_page_leaves_no_trace(monkeypatch, tmp_path):
    """The issue's reproduction: after 'Deleted', the customer was still in campaign_lists, as subject and
    raised-by in the log, in Streamlit's disk cache and 6 times in the raw workspace.duckdb."""
    home = tmp_path / "home"
    tx = generate_transactions(n_lines=4_000, n_customers=150, days=300, seed=22)
    tx["customer_id"] = tx["customer_id"].replace({"C00001": WHO})
    workspace = Workspace(home / "workspace.duckdb")
    workspace.save("transactions", tx, source="till.csv")
    app = _start(monkeypatch, home, "pages/customers.py")  # works out (and caches) every customer's figures
    app.session_state["customers_tab"] = "Marketing plan"
    app.run()
    app.checkbox(key="plan_unknown").check().run()
    app.button(key="record_send").click().run()
    assert not app.exception and not app.error
    overrides.contest(workspace, "targeting", WHO, f"{WHO} says the offer was unfair", raised_by=WHO)
    overrides.override(workspace, "targeting", WHO, "do not contact", f"asked by {WHO} on the phone")
    overrides.override(workspace, "targeting", "C00002", "do not contact", "asked by phone")
    # Before: the customer is in the orders, the campaign list, the log, the cache and the raw file.
    assert WHO in set(workspace.load("campaign_lists")["customer_id"])
    assert _files_holding(home, WHO)
    assert any(name.startswith("workspace.cache/") for name in _files_holding(home, WHO))

    app.switch_page("pages/fairness.py").run()
    app.session_state["fairness_tab"] = "Data ethics"
    app.run()
    app.text_input(key="forget_id").input(WHO)
    app.text_input(key="forget_why").input(f"{WHO} asked to be forgotten")
    app.checkbox(key="forget_sure").check()
    next(b for b in app.button if b.label == "Delete this customer's data").click().run()
    assert not app.exception and not app.error
    shown = " ".join(s.value for s in app.success).replace("\\", "")
    lines = int((tx["customer_id"] == WHO).sum())
    assert f"{lines:,} rows from transactions" in shown and "1 row from campaign lists" in shown

    assert _text_cells_holding(workspace.path, WHO) == []
    assert _files_holding(home, WHO) == []  # the raw workspace file, its cache folder, anything else
    log = workspace.decisions()
    deletion = log.iloc[-1]
    assert deletion["decision"] == "deleted customer data" and deletion["subject"] == "a customer"
    pseudonym = json.loads(deletion["details"])["pseudonym"]
    assert pseudonym.startswith("erased-") and deletion["reason"] == f"{pseudonym} asked to be forgotten"
    contest = log[log["decision"] == "contested"].iloc[0]
    assert (contest["subject"], contest["decided_by"]) == (pseudonym, pseudonym)
    assert contest["reason"] == f"{pseudonym} says the offer was unfair"
    assert "C00002" in set(log["subject"])  # other customers' entries are untouched
    assert len(log) == 5  # the send, contest, two overrides and the deletion: nothing was dropped

    app.switch_page("pages/customers.py").run()  # the figures are worked out again, without the customer
    assert not app.exception and not app.error
    assert _files_holding(home, WHO) == []


def test_every_table_with_a_customer_id_column_is_found(tmp_path, bank):
    """Tables are found from the file, not from a list: one added later (here a loyalty table with a
    `referrer_customer_id`) is covered too."""
    workspace = Workspace(tmp_path / "w.duckdb")
    for table, frame in bank.items():
        workspace.save(table, frame.head(2_000), source="bank.csv")
    loyalty = pd.DataFrame(
        {"card": ["L1", "L2", "L3"], "customer_id": ["C00001", "C00002", "C00003"]}
        | {"referrer_customer_id": ["C00009", "C00001", pd.NA]}
    ).astype("string")
    workspace.save("loyalty", loyalty, source="cards.csv")
    before = {t: workspace.version(t) for t in workspace.tables()}
    removed = workspace.forget_customer("C00001", reason="asked to be forgotten")
    assert removed == {"campaigns": 1, "customers": 1, "loyalty": 2}
    assert workspace.load("loyalty")["card"].tolist() == ["L3"]
    for table in workspace.tables():  # each catalogued version is the content's, and changed only if it did
        frame = workspace.load(table)
        assert workspace.version(table) == content_version(frame)
        assert (workspace.version(table) != before[table]) == (table in removed)
        assert workspace.catalog().set_index("name").loc[table, "rows"] == len(frame)
    assert b"C00001" not in workspace.path.read_bytes()


def test_the_log_gets_a_pseudonym_only_where_the_id_stands_alone(tmp_path):
    """Numeric ids are common: erasing customer 42 must not change 420, a count of 42 in the details, or
    another entry's words; an id with accents written as JSON escapes is still found."""
    workspace = Workspace(tmp_path / "w.duckdb")
    orders = generate_transactions(n_lines=300, n_customers=20, days=60, seed=3)
    orders["customer_id"] = orders["customer_id"].replace({"C00001": "42", "C00002": "420", "C00003": "Müller"})
    workspace.save("transactions", orders, source="till.csv")
    workspace.log_decision("targeting", "42", "contested", reason="42 says no; 420 agrees", decided_by="42")
    workspace.log_decision("marketing plan", "send-1", "sent", details={"send": 42, "who": ["42", "420"]})
    workspace.log_decision("targeting", "Müller", "override", action="do not contact", details={"by": "Müller"})
    workspace.forget_customer("42")
    workspace.forget_customer("Müller")
    log = workspace.decisions()
    first, second = json.loads(log.iloc[3]["details"])["pseudonym"], json.loads(log.iloc[4]["details"])["pseudonym"]
    assert first != second  # a fresh pseudonym per erasure: nobody can recompute it from a guessed id
    assert log.iloc[0][["subject", "reason", "decided_by"]].tolist() == [first, f"{first} says no; 420 agrees", first]
    assert json.loads(log.iloc[1]["details"]) == {"send": 42, "who": [first, "420"]}
    assert log.iloc[2]["subject"] == second and json.loads(log.iloc[2]["details"]) == {"by": second}
    assert set(workspace.load("transactions")["customer_id"]) >= {"420"}
    raw = workspace.path.read_bytes()
    assert "Müller".encode() not in raw and b"M\\u00fcller" not in raw


def test_other_sessions_keep_working_while_the_file_is_compacted(tmp_path, bank):
    """Compaction replaces the file under the workspace's lock: sessions reading meanwhile wait, then read the
    new file; nothing fails and nobody sees the customer afterwards."""
    path = tmp_path / "w.duckdb"
    workspace = Workspace(path)
    for table, frame in bank.items():
        workspace.save(table, frame.head(20_000), source="bank.csv")
    other = Workspace(path)  # another owner's tab: opened before the erasure
    failures: list[BaseException] = []
    seen: list[bool] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append("C00001" in set(other.load("customers")["customer_id"]))
                other.decisions()
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                failures.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        workspace.forget_customer("C00001")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert failures == [] and seen
    assert "C00001" not in set(other.load("customers")["customer_id"])
    other.log_decision("targeting", "C00002", "contested", reason="later")  # writes go to the new file
    assert Workspace(path).decisions().iloc[-1]["reason"] == "later"
    assert not path.with_name(path.name + ".compact").exists()


def test_a_torn_cache_entry_is_dropped_and_worked_out_again(tmp_path, caplog):
    """A cache file cut short (a crash or a full disk mid-write under the old in-place writes) used to break the
    page on every visit: now it is logged, deleted and recomputed."""
    workspace = tmp_path / "w.duckdb"
    calls = []

    def work():
        calls.append(1)
        return generate_transactions(n_lines=500, n_customers=30, days=60, seed=5)

    first = cache.cached(workspace, ("orders", "v1"), work)
    (entry,) = cache.folder_for(workspace).glob("*.pkl")
    whole = entry.read_bytes()
    for cut in (len(whole) // 2, 10, 0):
        entry.write_bytes(whole[:cut])
        with caplog.at_level(logging.WARNING, logger="smbcore.cache"):
            again = cache.cached(workspace, ("orders", "v1"), work)
        pd.testing.assert_frame_equal(again, first)
        assert "could not be read" in caplog.text and entry.read_bytes() == whole
        caplog.clear()
    flipped = bytearray(whole)
    flipped[-20] ^= 0xFF  # damaged in the middle, length unchanged: the checksum notices
    entry.write_bytes(bytes(flipped))
    pd.testing.assert_frame_equal(cache.cached(workspace, ("orders", "v1"), work), first)
    assert len(calls) == 5
    cache.cached(workspace, ("orders", "v1"), work)
    assert len(calls) == 5  # a whole entry is used as it is


def test_cache_keys_limits_and_clearing(tmp_path):
    workspace = tmp_path / "shop" / "workspace.duckdb"
    assert cache.folder_for(workspace) == tmp_path / "shop" / "workspace.cache"  # inside the owner's folder
    assert cache.cached(workspace, ("a", 1), lambda: "one") == "one"
    assert cache.cached(workspace, ("a", 2), lambda: "two") == "two"  # another argument, another entry
    assert cache.cached(workspace, ("a", 1), lambda: "changed") == "one"
    assert cache.cached(workspace, ("a", 3), lambda: "three", keep=lambda: False) == "three"
    assert cache.cached(workspace, ("a", 3), lambda: "now") == "now"  # not kept: the input changed meanwhile
    folder = cache.folder_for(workspace)
    assert len(list(folder.glob("*.pkl"))) == 3
    cache._evict(folder, max_entries=2)
    assert len(list(folder.glob("*.pkl"))) == 2
    assert cache.clear(workspace) == 2 and list(folder.iterdir()) == []
    assert cache.cached(tmp_path / "ro" / "w.duckdb", ("a",), lambda: 1) == 1
    (tmp_path / "blocked.cache").write_text("a file where the folder should be")
    assert cache.cached(tmp_path / "blocked.duckdb", ("a",), lambda: 2) == 2  # cannot be kept: still answered


def test_customers_page_survives_torn_cache_files(monkeypatch, tmp_path):
    """Every cache file of the owner cut in half, and the server's memory emptied (as after a restart): the page
    shows the same figures and the entries are written whole again."""
    home = tmp_path / "home"
    Workspace(home / "workspace.duckdb").save(
        "transactions", generate_transactions(n_lines=3_000, n_customers=120, seed=21), source="till.csv"
    )
    app = _start(monkeypatch, home, "pages/customers.py")
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    entries = sorted((home / "workspace.cache").glob("*.pkl"))
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    st.cache_data.clear()
    st.cache_resource.clear()
    app = _start(monkeypatch, home, "pages/customers.py")
    assert not app.exception and not app.error
    assert {m.label: m.value for m in app.metric} == metrics
    for entry in entries:
        assert entry.read_bytes().startswith(cache.MAGIC) and cache._read(entry) is not None
