"""The DuckDB workspace: round trips, versions, saves that fail or crash half-way, the append-only decisions log."""

import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smbcore.data import Workspace, content_version
from smbcore.errors import ContractError, MissingTableError
from smbcore.synthetic import generate_transactions

from .conftest import ROOT


@pytest.fixture()
def workspace(tmp_path) -> Workspace:
    return Workspace(tmp_path / "ws.duckdb")


@pytest.mark.parametrize(
    "sample,table",
    [
        ("bikes", "demand"),
        ("bikes", "external"),
        ("shoppers", "sessions"),
        ("bank", "customers"),
        ("bank", "campaigns"),
    ],
)
def test_round_trip_keeps_values_and_types(workspace, request, sample, table):
    frame = request.getfixturevalue(sample)[table]
    version = workspace.save(table, frame, source="test")
    back = workspace.load(table)
    pd.testing.assert_frame_equal(back, frame, check_dtype=True)
    assert workspace.version(table) == version == content_version(back)


def test_round_trip_transactions_and_restart(tmp_path):
    frame = generate_transactions(n_lines=5_000, seed=3)
    Workspace(tmp_path / "ws.duckdb").save("transactions", frame)
    reopened = Workspace(tmp_path / "ws.duckdb")  # as after a restart of the app
    pd.testing.assert_frame_equal(reopened.load("transactions"), frame)
    assert reopened.tables() == ["transactions"]
    assert reopened.catalog()["rows"].tolist() == [5_000]


def test_version_follows_content(workspace):
    a = generate_transactions(n_lines=500, seed=1)
    first = workspace.save("transactions", a)
    assert workspace.save("transactions", a.copy()) == first
    changed = a.copy()
    changed.loc[0, "quantity"] = changed.loc[0, "quantity"] + 1
    changed["revenue"] = changed["quantity"] * changed["unit_price"]
    assert workspace.save("transactions", changed) != first


def test_contract_is_checked_before_saving(workspace):
    good = generate_transactions(n_lines=200, seed=2)
    workspace.save("transactions", good)
    bad = good.drop(columns=["quantity"])
    with pytest.raises(ContractError, match="quantity"):
        workspace.save("transactions", bad)
    zero = good.copy()
    zero.loc[:4, "quantity"] = 0
    with pytest.raises(ContractError, match=r"quantity must not be 0 \(5 rows\)"):
        workspace.save("transactions", zero)
    pd.testing.assert_frame_equal(workspace.load("transactions"), good)


def test_derived_columns_are_part_of_the_contract(workspace):
    """is_return (never empty) and revenue are checked on save like the mapped columns."""
    good = generate_transactions(n_lines=200, seed=2)
    with pytest.raises(ContractError, match="column 'revenue' is missing"):
        workspace.save("transactions", good.drop(columns=["revenue"]))
    gaps = good.copy()
    gaps.loc[:2, "is_return"] = pd.NA
    with pytest.raises(ContractError, match=r"column 'is_return': must not be empty \(3 rows\)"):
        workspace.save("transactions", gaps)
    assert "transactions" not in workspace.tables()


def test_a_workspace_saved_before_the_derived_columns_loads_them_filled(workspace):
    """Tables saved by older versions (is_return with gaps, no revenue) load with both filled by the one rule."""
    lines = generate_transactions(n_lines=300, seed=4)
    old = lines.drop(columns=["revenue"]).assign(is_return=lines["is_return"].where(lines.index % 3 != 0))
    assert old["is_return"].isna().sum() == 100
    with workspace._connect() as con:  # as an older version saved it, without today's contract check
        workspace._write(con, "transactions", old, content_version(old), "old.csv")
    back = workspace.load("transactions")
    assert back["is_return"].dtype == "boolean" and not back["is_return"].isna().any()
    pd.testing.assert_series_equal(back["is_return"], lines["is_return"], check_names=False)
    pd.testing.assert_series_equal(back["revenue"], lines["quantity"] * lines["unit_price"], check_names=False)
    workspace.save("transactions", back)  # and it now passes the contract
    pd.testing.assert_frame_equal(workspace.load("transactions"), back)


class _FailsAfterWriting(Workspace):
    """Writes the new table inside the transaction, then fails before the commit."""

    def _write(self, con, table, frame, version, source):
        super()._write(con, table, frame, version, source)
        raise RuntimeError("disk full")


def test_failed_save_leaves_the_old_table(tmp_path):
    path = tmp_path / "ws.duckdb"
    old = generate_transactions(n_lines=300, seed=4)
    version = Workspace(path).save("transactions", old)
    with pytest.raises(RuntimeError, match="disk full"):
        _FailsAfterWriting(path).save("transactions", generate_transactions(n_lines=900, seed=5))
    workspace = Workspace(path)
    assert workspace.version("transactions") == version
    pd.testing.assert_frame_equal(workspace.load("transactions"), old)


def test_crash_during_save_leaves_the_old_table(tmp_path):
    """A process killed half-way through a save (after writing, before the commit) loses nothing saved before."""
    path = tmp_path / "ws.duckdb"
    old = generate_transactions(n_lines=300, seed=6)
    version = Workspace(path).save("transactions", old)
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from smbcore.data import Workspace
        from smbcore.synthetic import generate_transactions

        class Crashes(Workspace):
            def _write(self, con, table, frame, version, source):
                super()._write(con, table, frame, version, source)
                os._exit(9)  # the process dies here, as on a power cut or a kill

        Crashes({str(path)!r}).save("transactions", generate_transactions(n_lines=50_000, seed=7))
    """)
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert finished.returncode == 9, finished.stderr.decode()
    workspace = Workspace(path)
    assert workspace.version("transactions") == version
    pd.testing.assert_frame_equal(workspace.load("transactions"), old)


def test_missing_table_says_what_to_do(workspace):
    with pytest.raises(MissingTableError, match="Upload it on the Data page"):
        workspace.load("sessions")


def test_bad_table_names_are_refused(workspace):
    with pytest.raises(ValueError, match="cannot be a table name"):
        workspace.save('x"; DROP TABLE smbcore_tables; --', pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="cannot be a table name"):
        workspace.save("smbcore_decisions", pd.DataFrame({"a": [1]}))


def test_decisions_log_only_appends(tmp_path):
    path = tmp_path / "ws.duckdb"
    workspace = Workspace(path)
    first = workspace.log_decision(
        "churn",
        "C00042",
        "override",
        action="keep on win-back list",
        reason="regular in-store buyer",
        details={"risk": 0.81},
    )
    before = workspace.decisions()
    second = Workspace(path).log_decision("churn", "C00042", "contest", reason="asked by customer")
    after = Workspace(path).decisions()
    assert second > first
    assert len(after) == 2
    pd.testing.assert_frame_equal(after.iloc[:1], before)  # the first entry is unchanged
    assert after["reason"].tolist() == ["regular in-store buyer", "asked by customer"]
    # Saving and removing tables never touches the log.
    workspace.save("transactions", generate_transactions(n_lines=100, seed=8))
    workspace.remove("transactions")
    pd.testing.assert_frame_equal(Workspace(path).decisions(), after)


def test_settings_persist(tmp_path):
    Workspace(tmp_path / "ws.duckdb").set_setting("currency", "€")
    assert Workspace(tmp_path / "ws.duckdb").setting("currency") == "€"
    assert Workspace(tmp_path / "ws.duckdb").setting("missing", "x") == "x"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1, max_size=30))
def test_content_version_is_a_function_of_content(values):
    frame = pd.DataFrame({"y": values})
    assert content_version(frame) == content_version(frame.copy())
    if len(set(values)) > 1:
        assert (
            content_version(frame) != content_version(frame.iloc[::-1].reset_index(drop=True)) or values == values[::-1]
        )


def test_sessions_of_one_server_take_turns_on_a_workspace_file(tmp_path):
    """The load test met DuckDB refusing a second open of one file from another thread ('Unique file handle
    conflict'): a session now waits until the other has closed its connection."""
    import threading

    workspace = Workspace(tmp_path / "w.duckdb")
    finished = threading.Event()
    busy = workspace._connect()  # one session is in the middle of something
    other = threading.Thread(target=lambda: (Workspace(tmp_path / "w.duckdb").tables(), finished.set()))
    other.start()
    assert not finished.wait(0.5)  # the second session waits its turn
    busy.close()
    assert finished.wait(10)  # and goes ahead once the first is done
    other.join()


def test_compacting_keeps_everything_and_drops_old_copies(tmp_path):
    """`compact` rewrites the file: every table, version, currency, setting and log entry is kept, the log's ids
    go on from where they were, and the bytes of rows replaced before are gone from the file."""
    workspace = Workspace(tmp_path / "w.duckdb")
    old = generate_transactions(n_lines=2_000, n_customers=100, days=90, seed=1)
    old["product_name"] = "Old Range " + old["product_name"]
    workspace.save("transactions", old, source="jan.csv", currency="EUR")
    new = generate_transactions(n_lines=2_000, n_customers=100, days=90, seed=2)
    version = workspace.save("transactions", new, source="feb.csv", currency="EUR")
    workspace.set_setting("country", "DE")
    first = workspace.log_decision("data", "transactions", "saved", reason="feb")
    assert b"Old Range" in workspace.path.read_bytes()  # DuckDB keeps the replaced rows' blocks
    catalog = workspace.catalog()
    workspace.compact()
    assert b"Old Range" not in workspace.path.read_bytes()
    pd.testing.assert_frame_equal(workspace.catalog(), catalog)
    assert workspace.version("transactions") == version == content_version(workspace.load("transactions"))
    assert (workspace.currency("transactions"), workspace.setting("country")) == ("€", "DE")
    assert workspace.log_decision("data", "transactions", "checked") == first + 1
    assert workspace.decisions()["reason"].tolist() == ["feb", ""]
