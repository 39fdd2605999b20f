"""Result tables: what the pages show, worked out once per data version and kept in the workspace's folder.

A *recipe* is a smbcore function of some of a workspace's tables and plain settings, registered once under its
dotted name (`recipe(function, "transactions")`). A *request* names a recipe, the versions of the tables it reads
and its settings; its result is stored in the workspace's cache folder (smbcore.cache), keyed by the request and
by smbcore's code version (`smbcore.cache.CODE`: a hash of smbcore's source and library versions) and
`smbcore.__version__`, so a new data version or a new smbcore never serves an old result.

Data contract:
- `lookup(path, request)` is the stored value, or MISSING. It never computes.
- `compute(path, request)` works the value out in this process (loading the tables by version), stores it and
  returns it; a request already stored is read, not recomputed. An owner-facing data problem (SmbcoreError) is
  stored as well and raised again on every lookup, so a page shows the same message without refitting.
- Two processes asking for the same missing result: the first claims it (a `.claim` file beside the entry,
  smbcore.claims), the other waits for the entry instead of computing it again; a dead process's claim is taken
  over.
- `COMPUTED` counts the results this process worked out, per recipe name (tests assert that pages read
  without refitting).
- Inside a recipe, `need(function, *args)` is another recipe's result on the same data (computed if missing).
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import smbcore
from smbcore import cache, claims
from smbcore.errors import SmbcoreError

__all__ = [
    "COMPUTED",
    "DataChangedError",
    "MISSING",
    "Request",
    "compute",
    "label_of",
    "load_table",
    "lookup",
    "need",
    "recipe",
    "recipe_named",
    "request",
    "table_versions",
]

MISSING = object()
COMPUTED: Counter = Counter()
_REGISTRY: dict[str, Recipe] = {}
_RUNNING: contextvars.ContextVar[tuple[str, tuple]] = contextvars.ContextVar("smbcore_results_running")


@dataclass(frozen=True)
class Recipe:
    """A registered function: `function(*frames, *args, **kwargs)`, whose frames are `tables` (None when the
    workspace has no such table), or one dict of every table when `every_table`."""

    name: str
    function: Callable | None  # None until first imported (recipe_named)
    tables: tuple[str, ...]
    every_table: bool = False
    label: str = ""  # what the step is, in words, for progress ("Scoring every customer")


@dataclass(frozen=True, eq=False)
class Request:
    """One result: recipe `name` on tables at `versions` ((table, version or None), ...) with these settings
    (plain values, or frames made from the tables, such as a forecast's history: keyed by content)."""

    name: str
    versions: tuple
    args: tuple = ()
    kwargs: tuple = field(default=())
    every_table: bool = False  # the function takes one dict of the tables in `versions`

    @functools.cached_property
    def _settings(self) -> tuple:
        return _keyed(self.args), _keyed(self.kwargs)

    @property
    def key(self) -> tuple:
        return ("result", smbcore.__version__, self.name, self.versions, *self._settings)

    @property
    def reads_frames(self) -> bool:
        """True when a setting is a frame made from the data (tied to this data: not asked again on new data)."""
        return "frame" in {part[0] for part in _parts(self._settings) if isinstance(part, tuple) and part}

    def __eq__(self, other) -> bool:
        return isinstance(other, Request) and self.key == other.key

    def __hash__(self) -> int:
        return hash(repr(self.key))

    @property
    def label(self) -> str:
        return label_of(self.name)


def label_of(name: str) -> str:
    """What recipe `name` works out, in words ("Learning which products go together")."""
    found = _REGISTRY.get(name)
    return (found.label if found else "") or name.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def _name_of(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def recipe(function: Callable, *tables: str, every_table: bool = False, label: str = "") -> Recipe:
    """Register `function` (a smbcore function, importable by name in a worker process) as a recipe."""
    name = _name_of(function)
    if name.startswith("__main__") or "<locals>" in name:
        raise ValueError(f"{name}: a recipe must be a module-level smbcore function (workers import it by name)")
    found = recipe_named(name, *tables, every_table=every_table, label=label)
    if found.function is not function:
        found = _REGISTRY[name] = Recipe(name, function, found.tables, found.every_table, found.label)
    return found


def recipe_named(name: str, *tables: str, every_table: bool = False, label: str = "") -> Recipe:
    """Register the smbcore function with dotted name `name` as a recipe, without importing it (it is imported
    when first worked out). A second registration must name the same tables (one definition of each recipe)."""
    found = _REGISTRY.get(name)
    if found is None:
        found = _REGISTRY[name] = Recipe(name, None, tuple(tables), every_table, label)
    elif tables and found.tables != tuple(tables):
        raise ValueError(f"{name} is registered on the tables {found.tables}, not {tables}")
    return found


def _parts(value):
    """Every tuple nested in `value` (depth first), itself included."""
    if isinstance(value, tuple):
        yield value
        for v in value:
            yield from _parts(v)


def _keyed(value):
    """`value` as it goes into the key: a frame (a series' history handed to a forecast) by its content version."""
    if isinstance(value, pd.DataFrame):
        from smbcore.data.storage import content_version

        return ("frame", content_version(value))
    if isinstance(value, list | tuple):  # a list and a tuple of the same values ask for the same result
        return tuple(_keyed(v) for v in value)
    return value


def table_versions(path: str | Path) -> dict[str, str]:
    """{table: version} of every table saved in the workspace at `path`."""
    from smbcore.data import Workspace

    catalog = Workspace(path).catalog()
    return dict(zip(catalog["name"], catalog["version"], strict=True))


def request(function: Callable | str, versions: dict[str, str], *args, **kwargs) -> Request:
    """The request for recipe `function` on tables at `versions` ({table: version} of the data shown)."""
    name = function if isinstance(function, str) else _name_of(function)
    found = _REGISTRY[name]
    if found.every_table:
        pinned = tuple(sorted(versions.items()))
    else:
        pinned = tuple((t, versions.get(t)) for t in found.tables)
    return Request(name, pinned, tuple(args), tuple(sorted(kwargs.items())), found.every_table)


def _function(name: str) -> Callable:
    """The recipe's function: registered in this process, else imported by its dotted name (a worker process
    has not run the page that registered it)."""
    found = _REGISTRY.get(name)
    if found is not None and found.function is not None:
        return found.function
    module, _, qualname = name.rpartition(".")
    if not module.startswith("smbcore."):
        raise ValueError(f"{name} is not a smbcore function")
    function = getattr(importlib.import_module(module), qualname)
    if _name_of(function) != name:
        raise ValueError(f"{name} is not a module-level function")
    return function


@dataclass(frozen=True)
class _Failure:
    """A data problem met while computing a result: raised again on every lookup."""

    error: SmbcoreError


def lookup(path: str | Path, req: Request):
    """The stored result of `req` in the workspace at `path`, or MISSING (never computes)."""
    value = cache.peek(path, req.key)
    if isinstance(value, _Failure):
        raise value.error
    return value if value is not cache.MISSING else MISSING


class DataChangedError(RuntimeError):
    """A table was saved again while a result was being worked out from it: that result is not kept."""


@functools.lru_cache(maxsize=12)
def load_table(path: str, table: str, version: str) -> pd.DataFrame:
    """A saved table by version (the last few kept: a refresh reads the same tables for every step).
    DataChangedError when the workspace no longer holds that version (never cached under the wrong one)."""
    from smbcore.data import Workspace

    workspace = Workspace(path)
    if workspace.version(table) != version:
        raise DataChangedError(f"the '{table}' table changed while its figures were being worked out")
    frame = workspace.load(table)
    if workspace.version(table) != version:  # a save landed while loading
        raise DataChangedError(f"the '{table}' table changed while its figures were being worked out")
    return frame


def _inputs(path: str, req: Request) -> tuple:
    frames = {t: None if v is None else load_table(path, t, v) for t, v in req.versions}
    return (frames,) if req.every_table else tuple(frames.values())


def _claim_file(path: str | Path, req: Request) -> Path:
    return cache.file_for(path, req.key).with_suffix(".claim")


def compute(path: str | Path, req: Request, wait_seconds: float = 3600):
    """`req`'s result: read when stored, else worked out here and stored (or, when another process is working it
    out, waited for). Returns the value also when it could not be stored (disk full, data saved meanwhile)."""
    path = str(path)
    deadline = time.monotonic() + wait_seconds
    while True:
        value = lookup(path, req)
        if value is not MISSING:
            return value
        claim = claims.take(_claim_file(path, req))
        if claim is not None:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {wait_seconds:.0f} s for another process to work out {req.name}")
        time.sleep(0.2)
    with claim:
        return _work_out(path, req)


def _work_out(path: str, req: Request):
    token = _RUNNING.set((path, req.versions))
    try:
        value = lookup(path, req)  # stored while the claim was being taken
        if value is not MISSING:
            return value
        COMPUTED[req.name] += 1
        try:
            value = _function(req.name)(*_inputs(path, req), *req.args, **dict(req.kwargs))
        except SmbcoreError as exc:
            _store_if_current(path, req, _Failure(exc))
            raise
        _store_if_current(path, req, value)
        return value
    finally:
        _RUNNING.reset(token)


def _store_if_current(path: str, req: Request, value) -> None:
    """Store `value` unless the tables changed while it was worked out; checked again after writing, so an
    erasure that landed meanwhile never leaves the erased customer's data in a stored result."""
    if not _still_current(path, req):
        return
    cache.store(path, req.key, value)
    if not _still_current(path, req):
        cache.file_for(path, req.key).unlink(missing_ok=True)


def _still_current(path: str, req: Request) -> bool:
    """True when the tables still have the versions the result was worked out from: after a save or an erasure
    meanwhile nothing is kept (an erased customer's data must not come back in a stored result)."""
    current = table_versions(path)
    return all(current.get(table) == version for table, version in req.versions)


def need(function: Callable, *args, **kwargs):
    """Inside a recipe: recipe `function`'s result on the same data (the versions the running request reads,
    completed from the workspace for tables it does not read)."""
    path, pinned = _RUNNING.get()
    versions = {**table_versions(path), **{t: v for t, v in pinned if v is not None}}
    return compute(path, request(function, versions, *args, **kwargs))
