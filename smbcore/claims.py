"""Claims: a file saying "this process is working on it", so no two processes (on one machine, or on several
sharing the workspaces' volume) do the same work at once, and work left by a dead process is taken over.

A claim file holds the holder's host, process id, process start time and a token of its own. It is alive while
- on this host: that process still runs and started at the same moment (a process id reused after a restart,
  e.g. of a container, does not keep a dead claim alive);
- from another host: it was touched within STALE_SECONDS (the holder touches it every HEARTBEAT_SECONDS).
Taking over a dead claim renames it away first, so of two processes taking it over at once only one wins; a
holder removes the file only while it still holds its own token.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

__all__ = ["Claim", "alive", "process_alive", "start_time", "take"]

STALE_SECONDS = 120.0
HEARTBEAT_SECONDS = 30.0


def start_time(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, /proc on Linux), or None where that is not known."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22 of the whole line: after the name in brackets


def process_alive(host: str | None, pid: int | None, started: str | None) -> bool | None:
    """True/False for a process on this host; None when it runs elsewhere (only the file's age can tell)."""
    if host != socket.gethostname() or not pid:
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return started is None or start_time(int(pid)) in (None, started)


def _holder(file: Path) -> tuple[dict, float] | None:
    try:
        return json.loads(file.read_text() or "{}"), file.stat().st_mtime
    except (OSError, ValueError):
        return None


def alive(file: Path) -> bool:
    """True while a live process holds the claim `file` (False when there is none, or its holder died)."""
    found = _holder(file)
    if found is None:
        return file.exists()  # being written: alive
    holder, touched = found
    here = process_alive(holder.get("host"), holder.get("pid"), holder.get("started"))
    return here if here is not None else time.time() - touched < STALE_SECONDS


class Claim:
    """A held claim: touched by a thread while held; `release()` (or leaving the `with` block) removes it."""

    def __init__(self, file: Path, token: str):
        self.file, self.token = file, token
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._touch, name=f"claim {file.name}", daemon=True)
        self._beat.start()

    def _touch(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                os.utime(self.file)
            except OSError:
                return

    def release(self) -> None:
        self._stop.set()
        found = _holder(self.file)
        if found and found[0].get("token") == self.token:
            self.file.unlink(missing_ok=True)

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def take(file: Path) -> Claim | None:
    """Take the claim `file`, or None when a live process holds it."""
    file.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    me = {"host": socket.gethostname(), "pid": os.getpid(), "started": start_time(os.getpid()), "token": token}
    for _ in range(3):
        try:
            handle = os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            dead = _holder(file)
            if alive(file) or dead is None:
                return None
            moved = file.with_name(f".{file.name}.{token}.dead")
            try:  # its holder died: move it away, then claim afresh
                os.replace(file, moved)
            except FileNotFoundError:
                continue
            taken = _holder(moved)
            if taken and taken[0].get("token") != dead[0].get("token"):  # another taker's new claim: put it back
                os.replace(moved, file)
                return None
            moved.unlink(missing_ok=True)
            continue
        with os.fdopen(handle, "w") as out:
            json.dump(me, out)
        return Claim(file, token)
    return None
