"""The owner's workspace: one DuckDB file with the canonical tables, their versions, settings and a decisions log."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from smbcore import cache
from smbcore.data.contracts import TABLES
from smbcore.data.currency import symbol_for, table_symbol
from smbcore.data.lines import with_derived
from smbcore.errors import DiskFullError, MissingTableError, SmbcoreError, disk_is_full

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
_log = logging.getLogger("smbcore.workspace")


def _file_lock(path: str | Path) -> threading.RLock:
    """The one lock of a workspace file in this process: every connection, and compaction, holds it."""
    key = str(Path(path).resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.RLock())


class _Connection:
    """A DuckDB connection that holds its file's lock until closed. Several sessions of one server (several
    owners, or one owner in two tabs) then take turns on a workspace file: opening one file from two threads
    at once makes DuckDB refuse ('Unique file handle conflict'), which the load test met."""

    def __init__(self, path: str, read_only: bool = False):
        self._lock = _file_lock(path)
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
        except BaseException as exc:
            _rollback(con)
            if disk_is_full(exc):
                _log.error("Saving the table '%s' into %s failed: the disk is full (%s)", table, self.path, exc)
                raise DiskFullError(
                    f"The disk is full, so your '{table}' table was not saved. Nothing you saved before was lost: "
                    "the previous version of every table is still there. Free some space on the disk this app "
                    "keeps its data on (or ask whoever runs it to), then save again."
                ) from exc
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
        """The saved table as a DataFrame; MissingTableError if it was never saved. Transactions come with their
        derived columns (is_return never empty, revenue) filled, also when saved before they were in the contract
        (see smbcore.data.lines.with_derived)."""
        self._check_name(table)
        if table not in self.tables():
            raise MissingTableError(f"The workspace has no '{table}' table yet. Upload it on the Data page.")
        with self._connect() as con:
            frame = _read_table(con, table)
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
        """Erase one customer, in one transaction: delete their rows from every table that has a customer id
        column (any table in the file with a column named `customer_id` or ending in `_customer_id`, campaign lists
        included), and in the decisions log put a pseudonym ('erased-' and 12 random hex digits, the same in every
        entry of this erasure, never derivable from the id) wherever the id stands alone in any text (subject,
        decided_by, reason, the details' text...). The log then gets one entry saying a customer was deleted, how
        many rows and which pseudonym now stands for them, without the id. Afterwards the workspace's cached
        results are deleted and the file is compacted (`compact`), so its raw bytes no longer hold the id.

        Returns rows removed per table. DiskFullError when the disk is too full (nothing is deleted if it fails
        before the transaction commits; if only compacting fails, the message says to try again)."""
        customer_id = str(customer_id)
        pseudonym = "erased-" + secrets.token_hex(6)
        removed: dict[str, int] = {}
        with _file_lock(self.path):
            con = self._connect()
            try:
                con.execute("BEGIN TRANSACTION")
                for table, columns in _customer_tables(con):
                    match = " OR ".join(f'CAST("{c}" AS VARCHAR) = ?' for c in columns)
                    count = con.execute(
                        f'SELECT count(*) FROM "{table}" WHERE {match}', [customer_id] * len(columns)
                    ).fetchone()[0]
                    if not count:
                        continue
                    con.execute(f'DELETE FROM "{table}" WHERE {match}', [customer_id] * len(columns))
                    removed[table] = int(count)
                    kept = _read_table(con, table)
                    con.execute(
                        "UPDATE smbcore_tables SET version = ?, rows = ?, saved_at = ? WHERE name = ?",
                        [content_version(kept), len(kept), _now(), table],
                    )
                renamed = _pseudonymise_log(con, customer_id, pseudonym)
                con.execute(
                    "INSERT INTO smbcore_decisions (logged_at, model, subject, decision, action, reason, "
                    "decided_by, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [_now(), "data", "a customer", "deleted customer data", "delete",
                     _replace_id(reason, customer_id, pseudonym), _replace_id(decided_by, customer_id, pseudonym),
                     json.dumps({"rows_removed": removed, "pseudonym": pseudonym, "log_entries_renamed": renamed})],
                )  # fmt: skip
                con.execute("COMMIT")
            except BaseException as exc:
                _rollback(con)
                if disk_is_full(exc):
                    _log.error("Deleting a customer from %s failed: the disk is full (%s)", self.path, exc)
                    raise DiskFullError(
                        "The disk is full, so the customer was not deleted: nothing was changed. Free some space "
                        "on the disk this app keeps its data on (or ask whoever runs it to), then delete again."
                    ) from exc
                raise
            finally:
                con.close()
            cache.clear(self.path)
            try:
                self.compact()
            except DiskFullError as exc:
                raise DiskFullError(
                    "The customer's rows were deleted and their id was taken out of the decisions log, but the disk "
                    "is too full to rewrite the workspace file, so old copies may remain inside it. Free some space "
                    "on the disk this app keeps its data on, then delete the same customer again to finish."
                ) from exc
        return removed

    def compact(self) -> None:
        """Rewrite the workspace file so it holds only the current data. DuckDB keeps deleted and overwritten
        rows in freed blocks of the file; this copies every table, the log and the settings into a new file
        (`<name>.duckdb.compact`, needing as much free space as the data takes) and moves it into place with
        os.replace, holding the file's lock, so other sessions of this server wait and then open the new file.
        If it fails, the old file is left as it was. DiskFullError when the disk is too full for the copy."""
        fresh = self.path.with_name(self.path.name + ".compact")
        with _file_lock(self.path):
            for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
                leftover.unlink(missing_ok=True)
            try:
                with self._connect() as con:
                    con.execute("CHECKPOINT")
                    name = con.execute("SELECT current_database()").fetchone()[0]
                    target = str(fresh).replace("'", "''")
                    con.execute(f"ATTACH '{target}' AS smbcore_compact")
                    try:
                        con.execute(f'COPY FROM DATABASE "{name}" TO smbcore_compact')
                    finally:
                        con.execute("DETACH smbcore_compact")
                os.chmod(fresh, self.path.stat().st_mode & 0o7777)
                with open(fresh, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(fresh, self.path)
                _fsync_folder(self.path.parent)
            except BaseException as exc:
                for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
                    leftover.unlink(missing_ok=True)
                if disk_is_full(exc):
                    _log.error("Compacting %s failed: the disk is full (%s)", self.path, exc)
                    raise DiskFullError(
                        "The disk is full, so the workspace file could not be rewritten; it is unchanged. Free "
                        "some space on the disk this app keeps its data on, then try again."
                    ) from exc
                raise

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


def _rollback(con: _Connection) -> None:
    """Undo an open transaction after a failure. When the failure was in COMMIT itself DuckDB has already ended
    the transaction, and ROLLBACK would raise 'no transaction is active', hiding the real cause: ignored."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _fsync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _read_table(con, table: str) -> pd.DataFrame:
    """A saved table as `load` returns it (the types its content version was computed on)."""
    arrow = con.sql(f'SELECT * FROM "{table}"').to_arrow_table()
    return _restore_types(arrow.to_pandas(types_mapper=_ARROW_TYPES.get))


def _customer_tables(con) -> list[tuple[str, list[str]]]:
    """Every table of the file (the app's own log, settings and catalog aside) with its customer id columns:
    named `customer_id` or ending in `_customer_id`. Found from the file itself, so a table added later is
    never missed."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_catalog = current_database() ORDER BY table_name, ordinal_position"
    ).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        if table not in _RESERVED and (column == "customer_id" or column.endswith("_customer_id")):
            found.setdefault(table, []).append(column)
    return list(found.items())


def _replace_id(text, customer_id: str, pseudonym: str):
    """`text` with every stand-alone `customer_id` (not part of a longer word or number) replaced."""
    if not isinstance(text, str) or customer_id not in text:
        return text
    return re.sub(rf"(?<!\w){re.escape(customer_id)}(?!\w)", pseudonym, text)


def _replace_in_json(value, customer_id: str, pseudonym: str):
    if isinstance(value, dict):
        return {
            _replace_id(k, customer_id, pseudonym): _replace_in_json(v, customer_id, pseudonym)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_replace_in_json(v, customer_id, pseudonym) for v in value]
    return _replace_id(value, customer_id, pseudonym)


def _pseudonymise_log(con, customer_id: str, pseudonym: str) -> int:
    """Put `pseudonym` for `customer_id` in every text column of the decisions log (the `details` JSON is read as
    JSON, so an id written with escapes is found and numbers are never touched); returns entries changed."""
    log = con.execute("SELECT * FROM smbcore_decisions").df()
    texts = [c for c in log.columns if c not in ("id", "logged_at", "details")]
    changed = 0
    for row in log.to_dict("records"):
        new = {c: _replace_id(row[c], customer_id, pseudonym) for c in texts}
        try:
            details = json.dumps(_replace_in_json(json.loads(row["details"]), customer_id, pseudonym))
            if json.loads(details) == json.loads(row["details"]):
                details = row["details"]
        except (TypeError, ValueError):
            details = _replace_id(row["details"], customer_id, pseudonym)
        new["details"] = details
        if any(new[c] != row[c] for c in new):
            sets = ", ".join(f'"{c}" = ?' for c in new)
            con.execute(f"UPDATE smbcore_decisions SET {sets} WHERE id = ?", [*new.values(), row["id"]])
            changed += 1
    return changed


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
