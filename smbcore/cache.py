"""Results worked out from a workspace, kept on disk inside that workspace's own folder.

Data contract:
- An entry lives in `folder_for(workspace_path)` (`<name>.cache/` next to `<name>.duckdb`), so an owner's cached
  figures stay in the owner's folder and `clear()` (called when a customer is erased) removes every one of them.
- The key is any tuple of plain values (str, int, float, bool, None and tuples of them) whose `repr` is stable;
  callers put the input tables' content versions and the call's arguments in it. `CODE` (a hash of smbcore's
  source and the library versions the pickles depend on) is always added, so a code fix never serves a stale
  result.
- Each file is `MAGIC + sha256(payload) + payload` (a pickle), written to a temporary file and moved into place
  with `os.replace`: a reader sees a whole entry or none. An entry that cannot be read (cut short, damaged,
  written by another version) is logged, deleted and worked out again.
- Bounded: at most `MAX_ENTRIES` files and `MAX_BYTES` bytes per workspace; the least recently used go first.
- Failing to write (disk full, read-only folder) never fails the caller: the result is returned and the
  failure logged.

Cache files are pickles: only this app writes them, in folders only the app's user can write.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["CODE", "MAX_BYTES", "MAX_ENTRIES", "MISSING", "cached", "clear", "file_for", "folder_for", "peek", "store"]

T = TypeVar("T")
MISSING = object()
MAGIC = b"smbcore-cache-1\n"
MAX_ENTRIES = 512
MAX_BYTES = 2 * 1024 * 1024 * 1024  # a fitted recommender of a large shop is a few hundred MB
_SUFFIX = ".pkl"
_STALE_TEMP_SECONDS = 3600
_log = logging.getLogger("smbcore.cache")


def _code_identity() -> str:
    """A hash of every smbcore source file and of the libraries whose objects the pickles hold."""
    import numpy
    import pandas

    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for source in sorted(root.rglob("*.py")):
        digest.update(str(source.relative_to(root)).encode() + b"\0" + source.read_bytes() + b"\0")
    digest.update(f"{sys.version_info[:2]} {pandas.__version__} {numpy.__version__}".encode())
    return digest.hexdigest()[:16]


CODE = _code_identity()


def folder_for(workspace_path: str | Path) -> Path:
    """The cache folder of the workspace file `workspace_path`: `<stem>.cache` beside it."""
    path = Path(workspace_path)
    return path.with_name(path.stem + ".cache")


def file_for(workspace_path: str | Path, key: tuple) -> Path:
    """The file that holds (or will hold) the entry for `key` in the workspace's cache folder."""
    return _file_for(folder_for(workspace_path), key)


def _file_for(folder: Path, key: tuple) -> Path:
    name = hashlib.sha256(repr((CODE, key)).encode()).hexdigest()[:40]
    return folder / (name + _SUFFIX)


def _read(file: Path):
    """The value in `file`; FileNotFoundError when there is none; ValueError when it cannot be trusted."""
    data = file.read_bytes()
    head = len(MAGIC) + 32
    if len(data) < head or not data.startswith(MAGIC):
        raise ValueError(f"not a cache entry ({len(data)} bytes)")
    payload = data[head:]
    if hashlib.sha256(payload).digest() != data[len(MAGIC) : head]:
        raise ValueError(f"checksum does not match ({len(data)} bytes: cut short or damaged)")
    try:
        return pickle.loads(payload)
    except Exception as exc:  # a class that moved or changed since it was written
        raise ValueError(f"cannot be unpickled: {exc}") from exc


def _write(file: Path, value) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=file.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, file)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def peek(workspace_path: str | Path, key: tuple):
    """The stored value for `key`, or MISSING (an unreadable entry is logged, deleted and reported missing)."""
    file = _file_for(folder_for(workspace_path), key)
    try:
        value = _read(file)
    except (FileNotFoundError, NotADirectoryError):
        return MISSING
    except (OSError, ValueError) as exc:
        _log.warning("Cache entry %s could not be read (%s); it is deleted and worked out again.", file, exc)
        try:
            file.unlink(missing_ok=True)
        except OSError:
            pass
        return MISSING
    try:
        os.utime(file)  # most recently used: evicted last
    except OSError:
        pass
    return value


def store(workspace_path: str | Path, key: tuple, value) -> None:
    """Keep `value` for `key` (whole or not at all); a failure to write is logged, never raised."""
    folder = folder_for(workspace_path)
    try:
        _write(_file_for(folder, key), value)
        _evict(folder)
    except Exception as exc:  # disk full, read-only folder, unpicklable value: the figure is still right
        _log.warning("Could not keep a result in the cache folder %s: %s", folder, exc)


def cached(
    workspace_path: str | Path, key: tuple, compute: Callable[[], T], keep: Callable[[], bool] | None = None
) -> T:
    """The result of `compute()` for `key`, from the workspace's cache folder when it holds a readable entry,
    else worked out and stored. `keep()` (optional) is asked before storing: False (e.g. the input table changed,
    or a customer was erased, while this was worked out) stores nothing."""
    value = peek(workspace_path, key)
    if value is not MISSING:
        return value
    value = compute()
    if keep is None or keep():
        store(workspace_path, key, value)
    return value


def _evict(folder: Path, max_entries: int | None = None, max_bytes: int | None = None) -> None:
    """Delete the least recently used entries beyond the limits, and temporary files left by a crash."""
    max_entries = MAX_ENTRIES if max_entries is None else max_entries
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    entries = []
    now = time.time()
    for file in folder.iterdir():
        try:
            info = file.stat()
        except FileNotFoundError:
            continue
        if file.name.endswith(".tmp"):
            if now - info.st_mtime > _STALE_TEMP_SECONDS:
                file.unlink(missing_ok=True)
        elif file.name.endswith(_SUFFIX):
            entries.append((info.st_mtime, info.st_size, file))
    entries.sort(reverse=True)  # newest first
    total = 0
    for count, (_, size, file) in enumerate(entries, start=1):
        total += size
        if count > max_entries or total > max_bytes:
            file.unlink(missing_ok=True)


def clear(workspace_path: str | Path) -> int:
    """Delete every cached result of the workspace (including unfinished temporary files); returns how many."""
    folder = folder_for(workspace_path)
    removed = 0
    if folder.is_dir():
        for file in folder.iterdir():
            # a running job's claims stay (smbcore.claims): its results are checked against the data before kept
            if file.is_file() and file.suffix != ".claim" and file.name != "refresh.lock":
                file.unlink(missing_ok=True)
                removed += 1
    return removed
