"""A refresh: every result the pages show at their default settings, worked out once per data version, off the
page (smbcore.recipes.defaults, plus the other settings the pages have asked for on this workspace).

Files in the workspace's cache folder (smbcore.cache.folder_for):
- `refresh.json`, the status pages show: state ("running", "done" or "stopped"), versions ({table: version}),
  code (smbcore.cache.CODE), step (what is being worked out, in words), done and total (steps), started and
  updated (unix seconds), failed (steps that met a data problem or an error: name and message), host, pid.
- `refresh.lock`: held while a refresh runs (one per workspace, smbcore.claims); taken over when its process
  died. A pass whose tables are saved again stops ("stopped") and the refresh starts over on the new versions.
- `wanted.json`: requests pages made beyond the defaults (another horizon, another country), worked out again by
  the next refresh after new data.
Each result is stored whole as soon as it is worked out (smbcore.results), so a refresh killed part-way leaves
every earlier result and every saved table intact, and the next refresh resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from smbcore import cache, claims, forecast_view, recipes, results
from smbcore.errors import SmbcoreError

__all__ = ["is_current", "progress", "remember", "run", "running", "status"]

_log = logging.getLogger("smbcore.refresh")
_MAX_WANTED = 64
_MAX_PASSES = 5  # tables saved again and again during a refresh: stop after this many passes


def _file(path: str | Path, name: str) -> Path:
    return cache.folder_for(path) / name


def _write_json(file: Path, value: dict) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=file.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        json.dump(value, out)
    os.replace(temp, file)


def status(path: str | Path) -> dict | None:
    """The workspace's refresh status (see the module docstring), or None when it never ran."""
    try:
        return json.loads(_file(path, "refresh.json").read_text())
    except (OSError, ValueError):
        return None


def running(path: str | Path) -> bool:
    """True while a live process holds the workspace's refresh lock."""
    return claims.alive(_file(path, "refresh.lock"))


def progress(path: str | Path) -> tuple[str, float] | None:
    """While a refresh runs: what the owner reads ("... step 3 of 30: Learning which products go together") and
    the share done; None when none runs."""
    found = status(path) if running(path) else None
    if not found or not found.get("total"):
        return None
    done, total = found["done"], found["total"]
    step = found.get("step") or "finishing"
    return f"Working out your figures in the background, step {min(done + 1, total)} of {total}: {step}.", done / total


def is_current(path: str | Path, versions: dict[str, str] | None = None) -> bool:
    """True when a refresh finished on these table versions (default: the saved ones) with this smbcore."""
    found = status(path)
    if not found or found.get("state") != "done" or found.get("code") != cache.CODE:
        return False
    return found.get("versions") == (versions if versions is not None else results.table_versions(path))


def remember(path: str | Path, req: results.Request) -> None:
    """Note a request a page made beyond the defaults, so the next refresh after new data works it out too."""
    if req.reads_frames:  # made from this data: nothing to ask again on new data
        return
    file = _file(path, "wanted.json")
    try:
        wanted = json.loads(file.read_text())
    except (OSError, ValueError):
        wanted = []
    entry = [req.name, pickle.dumps((req.args, req.kwargs)).hex()]
    if entry in wanted:
        return
    try:
        _write_json(file, [*wanted, entry][-_MAX_WANTED:])
    except OSError as exc:
        _log.warning("Could not note the settings asked for in %s: %s", file, exc)


def _wanted(path: str | Path, versions: dict[str, str]) -> list[results.Request]:
    try:
        entries = json.loads(_file(path, "wanted.json").read_text())
    except (OSError, ValueError):
        return []
    asks = []
    for name, settings in entries:
        try:
            args, kwargs = pickle.loads(bytes.fromhex(settings))
            asks.append(results.request(name, versions, *args, **dict(kwargs)))
        except Exception as exc:  # a recipe renamed or gone since: skip it
            _log.info("Skipping a noted request %s: %s", name, exc)
    return asks


def _settings(path: str | Path) -> dict:
    """The shop's holiday country and money sign, as the pages read them (the owner's answers)."""
    from smbcore.data import SAMPLES, Workspace, default_home

    workspace = Workspace(path)
    tables = workspace.tables()
    signs = [workspace.currency(t) for t in sorted(tables, key=lambda t: t != "transactions")]
    sample = Path(path).parent == default_home() / "samples" and Path(path).stem in SAMPLES
    return {
        # a sample's visitors keep their answers and events in their own folders: the refresh uses the sample's own
        "country": SAMPLES[Path(path).stem].get("country") if sample else workspace.setting("country") or None,
        "events": None if sample else json.loads(workspace.setting("events", "[]") or "[]"),
        # the Plan page's rota: the country typed there for this data, else the Forecast page's answer
        "staff_country": None if sample else workspace.setting("holiday_country:own") or workspace.setting("country"),
        "money_sign": next((s for s in signs if s), "£"),
    }


def run(path: str | Path, progress: Callable[[dict], None] | None = None) -> dict:
    """Work out every default and noted request for the workspace at `path` that is not stored yet; returns the
    final status. When another live process is refreshing this workspace, returns its status at once (the same
    work never runs twice). A table saved meanwhile stops the pass ("stopped") and starts one on the new data."""
    path = str(path)
    lock = claims.take(_file(path, "refresh.lock"))
    if lock is None:
        return status(path) or {"state": "running"}
    with lock:
        if is_current(path):  # nothing saved since the last refresh finished (e.g. a nightly cron run)
            return status(path)
        for _ in range(_MAX_PASSES):
            final = _run_locked(path, progress)
            if final["state"] == "done":
                break
    return final


def _run_locked(path: str, progress: Callable[[dict], None] | None) -> dict:
    versions = results.table_versions(path)
    settings = _settings(path)
    asks = list(dict.fromkeys([*recipes.defaults(versions, settings["staff_country"], settings["money_sign"]),
                               *_wanted(path, versions)]))  # fmt: skip
    state = {"state": "running", "versions": versions, "code": cache.CODE, "step": "", "done": 0,
             "total": len(asks), "started": time.time(), "updated": time.time(), "failed": [],
             "host": socket.gethostname(), "pid": os.getpid()}  # fmt: skip
    while asks:
        if results.table_versions(path) != versions:  # saved again: this pass would store nothing
            return _finish(path, state, "stopped", progress)
        req = asks.pop(0)
        state.update(step=req.label, updated=time.time())
        _write_json(_file(path, "refresh.json"), state)
        if progress:
            progress(dict(state))
        # what follows from a result comes next: the page that needs the first also needs these
        asks = [*(a for a in _step(path, req, versions, settings, state) if a not in asks), *asks]
        state["done"] += 1
        state["total"] = state["done"] + len(asks)
    return _finish(path, state, "done", progress)


def _step(path: str, req: results.Request, versions: dict, settings: dict, state: dict) -> list[results.Request]:
    """Work out one request; returns the requests that follow from its result."""
    try:
        value = results.compute(path, req)
        after = recipes.followups(req, value, versions)
    except SmbcoreError as exc:  # the data cannot give this result: the page says why, from the store
        state["failed"].append([req.name, str(exc)])
        value, after = exc, []
    except Exception as exc:  # our bug, or the data changed: the page works it out itself
        _log.exception("Refresh step %s failed on %s", req.name, path)
        state["failed"].append([req.name, f"{type(exc).__name__}: {exc}"])
        return []
    return after + forecast_view.followups(path, req, value, versions, settings)


def _finish(path: str, state: dict, how: str, progress: Callable[[dict], None] | None) -> dict:
    state.update(state=how, step="", updated=time.time())
    _write_json(_file(path, "refresh.json"), state)
    if progress:
        progress(dict(state))
    return state
