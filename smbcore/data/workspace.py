"""The owner's workspace: one DuckDB file with the canonical tables, their versions, settings and a decisions log."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import pandas as pd

from smbcore.data import erasure
from smbcore.data.contracts import TABLES
from smbcore.data.currency import symbol_for, table_symbol
from smbcore.data.lines import with_derived
from smbcore.data.storage import RESERVED, Connection, content_version, now, raise_if_disk_full, read_table, rollback
from smbcore.errors import MissingTableError, SmbcoreError

__all__ = ["Workspace", "default_home", "content_version"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS smbcore_tables (
    name VARCHAR PRIMARY KEY, version VARCHAR, rows BIGINT, saved_at TIMESTAMP, source VARCHAR);
CREATE SEQUENCE IF NOT EXISTS smbcore_decision_ids START 1;
CREATE TABLE IF NOT EXISTS smbcore_decisions (
    id BIGINT DEFAULT nextval('smbcore_decision_ids') PRIMARY KEY, logged_at TIMESTAMP, model VARCHAR,
    subject VARCHAR, decision VARCHAR, action VARCHAR, reason VARCHAR, decided_by VARCHAR, details VARCHAR);
CREATE TABLE IF NOT EXISTS smbcore_settings (key VARCHAR PRIMARY KEY, value VARCHAR);
"""
_SCHEMA_READY: set[str] = set()  # workspace files this process has already given the schema


def default_home() -> Path:
    """Where workspaces live: $SMBCORE_HOME, else ~/.smbcore."""
    return Path(os.environ.get("SMBCORE_HOME") or Path.home() / ".smbcore")


class Workspace:
    """A DuckDB file holding canonical tables (each with a content-hash version) and an append-only decisions log.

    Every save is one transaction: if it fails or the process dies part-way, the table saved before
    is still there, unchanged.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = str(self.path.resolve())
        if key not in _SCHEMA_READY or not self.path.exists():  # pages open the workspace many times a run
            with self._connect() as con:
                con.execute(_SCHEMA)
            _SCHEMA_READY.add(key)

    def _connect(self) -> Connection:
        return Connection(str(self.path))

    @staticmethod
    def _check_name(table: str) -> str:
        if table in RESERVED or not _NAME.match(table):
            raise SmbcoreError(f"'{table}' cannot be a table name: use lower-case letters, digits and _.")
        return table

    def save(self, table: str, frame: pd.DataFrame, source: str = "", currency: str | None = None) -> str:
        """Replace `table` with `frame` (checked against its contract first) and return its new version.

        The table's currency is kept with it: the one most of its rows are in when it has a `currency` column,
        else `currency` (the owner's choice: a sign such as '€' or a code such as 'EUR'); other tables keep theirs.
        """
        self._check_name(table)
        if table in TABLES:
            from smbcore.data.schemas import check_contract  # pandera is slow to import; only saving needs it

            check_contract(table, frame)
        version = content_version(frame)
        con = self._connect()
        try:
            con.execute("BEGIN TRANSACTION")
            self._write(con, table, frame, version, source)
            sign = table_symbol(frame) or symbol_for(currency)
            if sign:
                con.execute("INSERT OR REPLACE INTO smbcore_settings VALUES (?, ?)", [_currency_key(table), sign])
            con.execute("COMMIT")
        except BaseException as exc:
            rollback(con)
            raise_if_disk_full(
                exc,
                f"Saving the table '{table}' into {self.path}",
                f"The disk is full, so your '{table}' table was not saved. Nothing you saved before was lost: "
                "the previous version of every table is still there. Free some space on the disk this app "
                "keeps its data on (or ask whoever runs it to), then save again.",
            )
            raise
        finally:
            con.close()
        return version

    def _write(
        self, con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, version: str, source: str
    ) -> None:
        con.register("incoming_frame", frame)
        con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM incoming_frame')
        con.unregister("incoming_frame")
        con.execute(
            "INSERT OR REPLACE INTO smbcore_tables VALUES (?, ?, ?, ?, ?)", [table, version, len(frame), now(), source]
        )

    def load(self, table: str) -> pd.DataFrame:
        """The saved table as a DataFrame; MissingTableError if it was never saved. Transactions come with their
        derived columns (is_return never empty, revenue) filled, also when saved before they were in the contract
        (see smbcore.data.lines.with_derived)."""
        self._check_name(table)
        if table not in self.tables():
            raise MissingTableError(f"The workspace has no '{table}' table yet. Upload it on the Data page.")
        with self._connect() as con:
            frame = read_table(con, table)
        return with_derived(frame) if table == "transactions" else frame

    def tables(self) -> list[str]:
        with self._connect() as con:
            return [row[0] for row in con.execute("SELECT name FROM smbcore_tables ORDER BY name").fetchall()]

    def catalog(self) -> pd.DataFrame:
        """One row per saved table: name, version, rows, saved_at, source."""
        with self._connect() as con:
            return con.execute("SELECT * FROM smbcore_tables ORDER BY name").df()

    def version(self, table: str) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT version FROM smbcore_tables WHERE name = ?", [table]).fetchone()
        return row[0] if row else None

    def remove(self, table: str) -> None:
        """Delete a saved table (the decisions log is never removed)."""
        self._check_name(table)
        con = self._connect()
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute("DELETE FROM smbcore_tables WHERE name = ?", [table])
            con.execute("DELETE FROM smbcore_settings WHERE key = ?", [_currency_key(table)])
            con.execute("COMMIT")
        finally:
            con.close()

    def forget_customer(self, customer_id: str, reason: str = "", decided_by: str = "owner") -> dict[str, int]:
        """Erase one customer from every table and the decisions log, then compact the file (see
        smbcore.data.erasure.forget_customer). Returns rows removed per table."""
        return erasure.forget_customer(self, customer_id, reason, decided_by)

    def compact(self) -> None:
        """Rewrite the workspace file so it holds only the current data (see smbcore.data.erasure.compact)."""
        erasure.compact(self)

    def log_decision(
        self,
        model: str,
        subject: str,
        decision: str,
        action: str = "",
        reason: str = "",
        decided_by: str = "owner",
        details: dict | None = None,
    ) -> int:
        """Append one decision (e.g. an override of a model's choice) and return its id. Entries are never changed."""
        with self._connect() as con:
            row = con.execute(
                "INSERT INTO smbcore_decisions (logged_at, model, subject, decision, action, reason, decided_by, "
                "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [now(), model, subject, decision, action, reason, decided_by, json.dumps(details or {})],
            ).fetchone()
        return int(row[0])

    def decisions(self) -> pd.DataFrame:
        """The decisions log, oldest first: id, logged_at, model, subject, decision, action, reason, decided_by, details."""
        with self._connect() as con:
            return con.execute("SELECT * FROM smbcore_decisions ORDER BY id").df()

    def currency(self, table: str) -> str:
        """The sign shown before this table's money ('€', '$', '£', 'CHF '): the table's own currency, else (tables
        saved before currencies were kept per table) the workspace-wide setting, else '£'."""
        return self.setting(_currency_key(table)) or self.setting("currency") or "£"

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT value FROM smbcore_settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self._connect() as con:
            con.execute("INSERT OR REPLACE INTO smbcore_settings VALUES (?, ?)", [key, value])


def _currency_key(table: str) -> str:
    return f"currency:{table}"


def __getattr__(name: str):
    """The read-only sample classes live in smbcore.data.readonly (they build on Workspace); importing them from
    here still works."""
    if name in {"ReadOnlyWorkspace", "SampleView", "SampleChangeError", "_READS"}:
        from smbcore.data import readonly

        return getattr(readonly, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
