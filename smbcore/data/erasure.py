"""Erasing one customer from a workspace, and compacting its file so no old copy of their rows is left inside."""

from __future__ import annotations

import json
import os
import re
import secrets
from typing import TYPE_CHECKING

from smbcore import cache
from smbcore.data.storage import (
    RESERVED,
    content_version,
    file_lock,
    fsync_folder,
    now,
    raise_if_disk_full,
    read_table,
    rollback,
)
from smbcore.errors import DiskFullError

if TYPE_CHECKING:
    from smbcore.data.workspace import Workspace

__all__ = ["forget_customer", "compact"]


def forget_customer(
    workspace: Workspace, customer_id: str, reason: str = "", decided_by: str = "owner"
) -> dict[str, int]:
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
    with file_lock(workspace.path):
        con = workspace._connect()
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
                kept = read_table(con, table)
                con.execute(
                    "UPDATE smbcore_tables SET version = ?, rows = ?, saved_at = ? WHERE name = ?",
                    [content_version(kept), len(kept), now(), table],
                )
            renamed = _pseudonymise_log(con, customer_id, pseudonym)
            con.execute(
                "INSERT INTO smbcore_decisions (logged_at, model, subject, decision, action, reason, "
                "decided_by, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [now(), "data", "a customer", "deleted customer data", "delete",
                 _replace_id(reason, customer_id, pseudonym), _replace_id(decided_by, customer_id, pseudonym),
                 json.dumps({"rows_removed": removed, "pseudonym": pseudonym, "log_entries_renamed": renamed})],
            )  # fmt: skip
            con.execute("COMMIT")
        except BaseException as exc:
            rollback(con)
            raise_if_disk_full(
                exc,
                f"Deleting a customer from {workspace.path}",
                "The disk is full, so the customer was not deleted: nothing was changed. Free some space "
                "on the disk this app keeps its data on (or ask whoever runs it to), then delete again.",
            )
            raise
        finally:
            con.close()
        cache.clear(workspace.path)
        try:
            workspace.compact()
        except DiskFullError as exc:
            raise DiskFullError(
                "The customer's rows were deleted and their id was taken out of the decisions log, but the disk "
                "is too full to rewrite the workspace file, so old copies may remain inside it. Free some space "
                "on the disk this app keeps its data on, then delete the same customer again to finish."
            ) from exc
    return removed


def compact(workspace: Workspace) -> None:
    """Rewrite the workspace file so it holds only the current data. DuckDB keeps deleted and overwritten
    rows in freed blocks of the file; this copies every table, the log and the settings into a new file
    (`<name>.duckdb.compact`, needing as much free space as the data takes) and moves it into place with
    os.replace, holding the file's lock, so other sessions of this server wait and then open the new file.
    If it fails, the old file is left as it was. DiskFullError when the disk is too full for the copy."""
    fresh = workspace.path.with_name(workspace.path.name + ".compact")
    with file_lock(workspace.path):
        for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
            leftover.unlink(missing_ok=True)
        try:
            with workspace._connect() as con:
                con.execute("CHECKPOINT")
                name = con.execute("SELECT current_database()").fetchone()[0]
                target = str(fresh).replace("'", "''")
                con.execute(f"ATTACH '{target}' AS smbcore_compact")
                try:
                    con.execute(f'COPY FROM DATABASE "{name}" TO smbcore_compact')
                finally:
                    con.execute("DETACH smbcore_compact")
            os.chmod(fresh, workspace.path.stat().st_mode & 0o7777)
            with open(fresh, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(fresh, workspace.path)
            fsync_folder(workspace.path.parent)
        except BaseException as exc:
            for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
                leftover.unlink(missing_ok=True)
            raise_if_disk_full(
                exc,
                f"Compacting {workspace.path}",
                "The disk is full, so the workspace file could not be rewritten; it is unchanged. Free "
                "some space on the disk this app keeps its data on, then try again.",
            )
            raise


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
        if table not in RESERVED and (column == "customer_id" or column.endswith("_customer_id")):
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
