"""The owner's workspace: one DuckDB file with the canonical tables, their versions, settings and a decisions log."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from smbcore.data.contracts import TABLES
from smbcore.data.currency import symbol_for, table_symbol
from smbcore.errors import MissingTableError, SmbcoreError

__all__ = ["Workspace", "ReadOnlyWorkspace", "SampleView", "SampleChangeError", "default_home", "content_version"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_RESERVED = {"smbcore_tables", "smbcore_decisions", "smbcore_settings"}
_ARROW_TYPES = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(), pa.bool_(): pd.BooleanDtype()}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS smbcore_tables (
    name VARCHAR PRIMARY KEY, version VARCHAR, rows BIGINT, saved_at TIMESTAMP, source VARCHAR);
CREATE SEQUENCE IF NOT EXISTS smbcore_decision_ids START 1;
CREATE TABLE IF NOT EXISTS smbcore_decisions (
    id BIGINT DEFAULT nextval('smbcore_decision_ids') PRIMARY KEY, logged_at TIMESTAMP, model VARCHAR,
    subject VARCHAR, decision VARCHAR, action VARCHAR, reason VARCHAR, decided_by VARCHAR, details VARCHAR);
CREATE TABLE IF NOT EXISTS smbcore_settings (key VARCHAR PRIMARY KEY, value VARCHAR);
"""


_LOCKS: dict[str, threading.RLock] = {}
_SCHEMA_READY: set[str] = set()  # workspace files this process has already given the schema
_LOCKS_GUARD = threading.Lock()


class _Connection:
    """A DuckDB connection that holds its file's lock until closed. Several sessions of one server (several
    owners, or one owner in two tabs) then take turns on a workspace file: opening one file from two threads
    at once makes DuckDB refuse ('Unique file handle conflict'), which the load test met."""

    def __init__(self, path: str, read_only: bool = False):
        key = str(Path(path).resolve())
        with _LOCKS_GUARD:
            self._lock = _LOCKS.setdefault(key, threading.RLock())
        self._lock.acquire()
        try:
            self._con = duckdb.connect(path, read_only=read_only)
        except BaseException:
            self._lock.release()
            raise

    def __getattr__(self, name: str):
        return getattr(self._con, name)

    def close(self) -> None:
        if self._con is not None:
            try:
                self._con.close()
            finally:
                self._con = None
                self._lock.release()

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def default_home() -> Path:
    """Where workspaces live: $SMBCORE_HOME, else ~/.smbcore."""
    return Path(os.environ.get("SMBCORE_HOME") or Path.home() / ".smbcore")


def content_version(frame: pd.DataFrame) -> str:
    """A short hash of a frame's columns, types and values: equal content gives an equal version."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


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

    def _connect(self) -> _Connection:
        return _Connection(str(self.path))

    @staticmethod
    def _check_name(table: str) -> str:
        if table in _RESERVED or not _NAME.match(table):
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
        except BaseException:
            con.execute("ROLLBACK")
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
            "INSERT OR REPLACE INTO smbcore_tables VALUES (?, ?, ?, ?, ?)", [table, version, len(frame), _now(), source]
        )

    def load(self, table: str) -> pd.DataFrame:
        """The saved table as a DataFrame; MissingTableError if it was never saved."""
        self._check_name(table)
        if table not in self.tables():
            raise MissingTableError(f"The workspace has no '{table}' table yet. Upload it on the Data page.")
        with self._connect() as con:
            arrow = con.sql(f'SELECT * FROM "{table}"').to_arrow_table()
        return _restore_types(arrow.to_pandas(types_mapper=_ARROW_TYPES.get))

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
        """Delete every row about one customer from every table that has a customer_id, in one transaction, and
        log it (the log keeps only that a deletion happened, how many rows and why). Returns rows removed per
        table."""
        removed: dict[str, int] = {}
        con = self._connect()
        try:
            con.execute("BEGIN TRANSACTION")
            saved = [r[0] for r in con.execute("SELECT name FROM smbcore_tables").fetchall()]
            for table in [t for t in saved if t in TABLES]:
                columns = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
                if "customer_id" not in columns:
                    continue
                frame = con.execute(f'SELECT * FROM "{table}"').df()
                keep = frame["customer_id"].astype("string") != str(customer_id)
                keep = keep.fillna(True).astype(bool)
                if keep.all():
                    continue
                removed[table] = int((~keep).sum())
                kept = _restore_types(frame[keep].reset_index(drop=True))
                source = con.execute("SELECT source FROM smbcore_tables WHERE name = ?", [table]).fetchall()
                self._write(con, table, kept, content_version(kept), source[0][0] if source else "")
            con.execute(
                "INSERT INTO smbcore_decisions (logged_at, model, subject, decision, action, reason, decided_by, "
                "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_now(), "data", "a customer", "deleted customer data", "delete", reason, decided_by,
                 json.dumps({"rows_removed": removed})],
            )  # fmt: skip
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        return removed

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
                [_now(), model, subject, decision, action, reason, decided_by, json.dumps(details or {})],
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


class SampleChangeError(SmbcoreError):
    """A write to a bundled sample: the samples are shared by every owner of the server and never change."""


# What a read-only workspace still does. Every other public method of Workspace (save, remove, forget_customer,
# log_decision, set_setting, and any write added later) is refused: deny by default.
_READS = frozenset({"load", "tables", "catalog", "version", "decisions", "currency", "setting"})


class ReadOnlyWorkspace(Workspace):
    """A workspace that can only be read: a bundled sample, shared by every owner of the server.

    Every write raises SampleChangeError naming the sample, and the file is opened read-only, so nothing
    (not even a write this class forgot) can change it. `label` names it in the message."""

    def __init__(self, path: str | Path, label: str = "this sample"):
        self.path = Path(path)
        self.label = label
        if not self.path.exists():
            raise MissingTableError(f"{label.capitalize()} is not prepared yet ({self.path.name} is missing).")

    def _connect(self) -> _Connection:
        return _Connection(str(self.path), read_only=True)

    def refuse(self, what: str = "changed"):
        raise SampleChangeError(
            f"The bundled samples cannot be {what}: {self.label} is shared demo data, the same for everyone "
            "using this app. What you decide while it is shown (contests, overrides, recorded sends, settings) is "
            "kept in your own workspace; to change the data itself, upload your own file on 'Your data'."
        )


def _refusing(name: str):
    def refused(self, *args, **kwargs):
        self.refuse()

    refused.__name__ = name
    refused.__doc__ = f"Refused: a read-only workspace cannot {name.replace('_', ' ')} (SampleChangeError)."
    return refused


for _name, _member in list(vars(Workspace).items()):
    if not _name.startswith("_") and callable(_member) and _name not in _READS:
        setattr(ReadOnlyWorkspace, _name, _refusing(_name))


class SampleView:
    """A bundled sample as one owner sees it: its tables from the read-only sample, and everything the owner
    does while it is shown in the owner's own notes on that sample.

    `sample` is the shared ReadOnlyWorkspace; `notes` is a Workspace inside the owner's folder, one file per
    sample (see smbcore.data.samples.sample_view), so it carries the sample's name. Decisions (contests,
    overrides, mitigations, sends), settings and tables the owner makes (e.g. campaign_lists) are written to
    and read from `notes` only: no owner ever sees another's, and the owner's own data's log never mixes with
    them. The sample's tables cannot be replaced or removed (SampleChangeError).

    Reads: `path` (the sample's file, the key of the cached results), `tables()`, `catalog()`, `version()` and
    `currency()` describe the sample's data; `load(table)` gives a sample table, else the owner's table of that
    name from the notes; `setting(key)` is the owner's value, else the sample's; `decisions()` is the owner's
    log on this sample."""

    def __init__(self, name: str, sample: ReadOnlyWorkspace, notes: Workspace):
        self.name, self.sample, self.notes = name, sample, notes
        self.path = sample.path

    def tables(self) -> list[str]:
        return self.sample.tables()

    def catalog(self) -> pd.DataFrame:
        return self.sample.catalog()

    def version(self, table: str) -> str | None:
        return self.sample.version(table)

    def currency(self, table: str) -> str:
        return self.sample.currency(table)

    def load(self, table: str) -> pd.DataFrame:
        if table in self.sample.tables():
            return self.sample.load(table)
        return self.notes.load(table)

    def save(self, table: str, frame: pd.DataFrame, source: str = "", currency: str | None = None) -> str:
        """Keep a table of the owner's own (e.g. the sends recorded on this sample) in their notes."""
        if table in self.sample.tables():
            self.sample.refuse()
        return self.notes.save(table, frame, source=source, currency=currency)

    def remove(self, table: str) -> None:
        if table in self.sample.tables():
            self.sample.refuse()
        self.notes.remove(table)

    def forget_customer(self, customer_id: str, reason: str = "", decided_by: str = "owner") -> dict[str, int]:
        self.sample.refuse("changed (deleting works on your own saved data)")

    def log_decision(self, *args, **kwargs) -> int:
        return self.notes.log_decision(*args, **kwargs)

    def decisions(self) -> pd.DataFrame:
        return self.notes.decisions()

    def setting(self, key: str, default: str | None = None) -> str | None:
        found = self.notes.setting(key)
        return found if found is not None else self.sample.setting(key, default)

    def set_setting(self, key: str, value: str) -> None:
        self.notes.set_setting(key, value)


def _currency_key(table: str) -> str:
    return f"currency:{table}"


def _restore_types(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB hands text back as Python objects and yes/no with gaps as objects: give them pandas' types."""
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.StringDtype) and col.dtype.na_value is not pd.NA:
            frame[name] = col.astype("string")
        elif pd.api.types.is_object_dtype(col):
            non_null = col.dropna()
            if len(non_null) and non_null.map(type).eq(bool).all():
                frame[name] = col.astype("boolean")
            else:
                frame[name] = col.astype("string")
        elif pd.api.types.is_bool_dtype(col):
            frame[name] = col.astype("boolean")
    return frame
