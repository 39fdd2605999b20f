"""The workspace file on disk: one lock per file in this process, DuckDB connections that hold it, and reading a
saved table back with pandas' types."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from smbcore.errors import DiskFullError, disk_is_full

__all__ = ["content_version"]

RESERVED = {"smbcore_tables", "smbcore_decisions", "smbcore_settings"}  # the app's own tables in every file
_ARROW_TYPES = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(), pa.bool_(): pd.BooleanDtype()}


_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()
_log = logging.getLogger("smbcore.workspace")


def file_lock(path: str | Path) -> threading.RLock:
    """The one lock of a workspace file in this process: every connection, and compaction, holds it."""
    key = str(Path(path).resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.RLock())


LOCK_WAIT_SECONDS = 60.0


def _connect_waiting(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting while another process (a refresh job, the worker) has the file open: DuckDB lets
    one process at a time open a file for writing, and every connection here is short."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.01
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "could not set lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


class Connection:
    """A DuckDB connection that holds its file's lock until closed. Several sessions of one server (several
    owners, or one owner in two tabs) then take turns on a workspace file: opening one file from two threads
    at once makes DuckDB refuse ('Unique file handle conflict'), which the load test met."""

    def __init__(self, path: str, read_only: bool = False):
        self._lock = file_lock(path)
        self._lock.acquire()
        try:
            self._con = _connect_waiting(path, read_only)
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

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def content_version(frame: pd.DataFrame) -> str:
    """A short hash of a frame's columns, types and values: equal content gives an equal version."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """The time now in UTC, as the workspace's TIMESTAMP columns hold it (no time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def rollback(con: Connection) -> None:
    """Undo an open transaction after a failure. When the failure was in COMMIT itself DuckDB has already ended
    the transaction, and ROLLBACK would raise 'no transaction is active', hiding the real cause: ignored."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def fsync_folder(folder: Path) -> None:
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


def read_table(con, table: str) -> pd.DataFrame:
    """A saved table as `load` returns it (the types its content version was computed on)."""
    arrow = con.sql(f'SELECT * FROM "{table}"').to_arrow_table()
    return restore_types(arrow.to_pandas(types_mapper=_ARROW_TYPES.get))


def restore_types(frame: pd.DataFrame) -> pd.DataFrame:
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


def raise_if_disk_full(exc: BaseException, doing: str, message: str) -> None:
    """When `exc` is a full disk: log it (`doing` says what failed, e.g. "Compacting /path") and raise DiskFullError
    with the owner's `message`; otherwise return, for the caller to re-raise `exc`."""
    if disk_is_full(exc):
        _log.error("%s failed: the disk is full (%s)", doing, exc)
        raise DiskFullError(message) from exc
