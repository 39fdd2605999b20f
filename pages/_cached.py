"""Cached calls: smbcore's computations on the data shown, and the fitted models every session shares.

One caching style for results: `cached_on(table, ...)` turns a smbcore function of tables into a function of its
other arguments, run on the data shown; the result is kept in memory (st.cache_data) and on disk in the
workspace's own folder (smbcore.cache), keyed by the input tables' content versions, the call's arguments and the
code's version (smbcore's, this file's and the function's own source). After a restart the figures come back
without loading or recomputing anything, and erasing a customer deletes them. Fitted models (`recommender`,
`current_model`) are st.cache_resource, shared by every session, keyed by the data version.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from pages._source import active_workspace, load_table, version, versions
from smbcore import allocate, overview
from smbcore import cache as disk_cache
from smbcore.consent import customer_consent
from smbcore.customers import analyse
from smbcore.data import Workspace

__all__ = [
    "all_recommendations",
    "cached_on",
    "consent_answers",
    "current_model",
    "customer_analysis",
    "forget_cached",
    "marketing_plan",
    "recommender",
    "stock_inputs",
    "top_products",
]

# This file's code is part of every disk-cache key, with smbcore's (smbcore.cache.CODE): a fix never serves stale
# results.
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _still(path: str, versions: tuple) -> bool:
    """True when the workspace's tables still have these versions (nothing saved or erased meanwhile)."""
    current = Workspace(path)
    return all(current.version(table) == v for table, v in versions)


def _name_of(function: Callable) -> str:
    """'smbcore.overview.kpis'; for a function written in a page script, 'pages.<page>.<name>'."""
    if function.__module__ == "__main__":
        return f"pages.{Path(function.__code__.co_filename).stem}.{function.__qualname__}"
    return f"{function.__module__}.{function.__qualname__}"


def _code_of(function: Callable) -> str:
    """The version of `function`'s code: this file's and its own source (smbcore.cache adds smbcore's)."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        source = repr(getattr(function, "__code__", function))
    return hashlib.sha256((_CODE + source).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=256)  # pages decorate on every run: wrap each function once
def _wrap(function: Callable, tables: tuple, every_table: bool, spinner: str | bool, max_entries: int) -> Callable:
    name, code = _name_of(function), _code_of(function)

    def run(path: str, table_versions: tuple, args: tuple, kwargs: tuple):
        def work():
            frames = {t: None if v is None else load_table(path, t, v) for t, v in table_versions}
            inputs = (frames,) if every_table else tuple(frames.values())
            return function(*inputs, *args, **dict(kwargs))

        key = ("cached_on", code, name, table_versions, args, kwargs)
        return disk_cache.cached(path, key, work, keep=lambda: _still(path, table_versions))

    run.__name__ = run.__qualname__ = f"cached_on[{name}]"  # its own in-memory cache (Streamlit keys by name)
    in_memory = st.cache_data(max_entries=max_entries, show_spinner=spinner)(run)

    @functools.wraps(function)
    def call(*args, **kwargs):
        shown = versions()
        table_versions = tuple(shown.items()) if every_table else tuple((t, shown.get(t)) for t in tables)
        return in_memory(str(active_workspace().path), table_versions, args, tuple(sorted(kwargs.items())))

    return call


def cached_on(*tables: str, every_table: bool = False, spinner: str | bool = False, max_entries: int = 256):
    """Decorator for a computation on the data shown, cached per content version of the tables it reads.

    `function(frame_1, ..., frame_n, *args, **kwargs)`, whose first arguments are the tables `tables` (each None
    when the data shown has no such table), becomes `wrapped(*args, **kwargs)`, run on the data shown. With
    `every_table=True` the function instead gets one dict {table: frame} of every table of the data shown.
    Arguments must be plain values (str, numbers, bool, None, tuples or lists of them): they are part of the key.
    `spinner` is shown while the result is worked out (not when it comes from a cache).

        kpis = cached_on("transactions")(overview.kpis)          # kpis() is overview.kpis(transactions)
        top = cached_on("transactions")(overview.top_products)   # top("revenue", 10)

        @cached_on("transactions", "customers", spinner="Working out...")
        def plan(transactions, customers): ...                   # plan()
    """
    return lambda function: _wrap(function, tables, every_table, spinner, max_entries)


customer_analysis = cached_on("transactions")(analyse)  # smbcore.customers.analyse on the orders shown
consent_answers = cached_on("transactions", "customers")(customer_consent)  # smbcore.consent.customer_consent
# Used by more than one page: wrapped once here.
top_products = cached_on("transactions")(overview.top_products)  # top_products("revenue", 10)
stock_inputs = cached_on("transactions")(allocate.stock_inputs)  # stock_inputs(200, 56, products)


@st.cache_resource(max_entries=8, show_spinner="Learning who responds (first time only)...")
def _targeting_model(path: str, versions: tuple, sensitive: tuple, exclude: tuple, use_sensitive: bool):
    from smbcore.targeting import fit as fit_targeting
    from smbcore.targeting import frames_from

    tables = {name: load_table(path, name, v) for name, v in versions if v is not None}
    train, now, target, source = frames_from(tables)
    model = fit_targeting(train, target, sensitive=sensitive, exclude=exclude, use_sensitive=use_sensitive)
    return model, now, source


def current_model(sensitive=(), exclude=(), use_sensitive=False):
    """The response model for the active data (cached per data version and choice of inputs)."""
    versions = tuple((t, version(t)) for t in ("campaigns", "customers", "transactions", "sessions"))
    return _targeting_model(str(active_workspace().path), versions, tuple(sensitive), tuple(exclude), use_sensitive)


@st.cache_resource(max_entries=4, show_spinner="Learning which products go together...")
def _recommender(path: str, version: str):
    from smbcore import recommend

    return recommend.fit(load_table(path, "transactions", version))


def recommender():
    """The recommender fitted on the active transactions (once per data version, shared by all sessions)."""
    return _recommender(str(active_workspace().path), version("transactions"))


@cached_on("transactions", "customers", spinner="Working out each customer's next best action...", max_entries=8)
def _next_best_actions(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    from smbcore.customers import next_best_actions

    return next_best_actions(transactions, customers, analysis=customer_analysis(), recommender=recommender())


def marketing_plan() -> pd.DataFrame:
    """next_best_actions for the active data (consent from the customers table when there is one)."""
    return _next_best_actions()


@cached_on("transactions", spinner="Scoring every customer...", max_entries=8)
def _all_recommendations(transactions: pd.DataFrame, k: int, exclude_purchased: bool) -> pd.DataFrame:
    model = recommender()
    return model.recommend(model.users_, k=k, exclude_purchased=exclude_purchased)


def all_recommendations(k: int, exclude_purchased: bool) -> pd.DataFrame:
    """Top-k products for every customer of the active data (cached per data version and setting)."""
    return _all_recommendations(k, exclude_purchased)


def forget_cached() -> None:
    """After a customer is erased: drop every result this server holds in memory (the workspace's disk cache is
    cleared by Workspace.forget_customer). Other owners' figures come back from their own disk caches."""
    st.cache_data.clear()
    for resource in (load_table, _recommender, _targeting_model):
        resource.clear()
