"""Cached calls: smbcore's results on the data shown, read from the workspace's result store (smbcore.results).

One caching style: `cached_on(table, ...)` turns a smbcore function of tables into a function of its other
arguments, run on the data shown. Its result is a request to smbcore.results, keyed by the input tables' content
versions, the arguments and smbcore's version; it is kept in this server's memory (st.cache_data, or
st.cache_resource for fitted models every session shares) and on disk in the workspace's own folder.

The heavy results (smbcore.recipes.HEAVY: fitted models, forecasts for the plan) are worked out by a refresh
job off the page (smbcore.jobs), started when data is saved or a sample first opened: a page that needs one
still being worked out shows the refresh's progress and waits for that result; a setting the refresh did not
cover runs as a job of its own, with the same progress. Light results (a few sums) are worked out in place.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from pages._source import active_workspace, load_table, versions
from smbcore import jobs, recipes, refresh, results

__all__ = [
    "all_recommendations",
    "cached_on",
    "consent_answers",
    "current_model",
    "customer_analysis",
    "forget_cached",
    "input_importance",
    "marketing_plan",
    "recommender",
    "stock_inputs",
    "top_products",
    "wait_for",
]


_log = logging.getLogger("smbcore.pages")


class _NotYet(Exception):
    """The result is not stored yet (never cached by Streamlit: exceptions are not)."""


def _stored(path: str, key: str, _req: results.Request):
    """The stored result of `_req` (whose key is `key`: Streamlit's memory cache keys on it)."""
    value = results.lookup(path, _req)
    if value is results.MISSING:
        raise _NotYet
    return value


# Frames are copied per session (st.cache_data); fitted models are shared, read-only (st.cache_resource).
_stored_data = st.cache_data(max_entries=256, show_spinner=False)(_stored)
_stored_model = st.cache_resource(max_entries=32, show_spinner=False)(_stored)


def _progress_words(path: str, req: results.Request, started: float) -> tuple[str, float | None]:
    """What the owner reads while waiting: the refresh's step (n of N) when one runs, else this result's own."""
    return refresh.progress(path) or (f"{req.label} ({time.monotonic() - started:.0f} s so far)...", None)


_QUEUED = "queued"  # the job went to the queue a separate worker serves (SMBCORE_JOBS=queue)


def _start_job(path: str, req: results.Request):
    """The job working `req` out; when no job can be started (e.g. the Dask scheduler is down), it is worked out
    here and then (a finished future)."""
    try:
        return jobs.submit_result(path, req) or _QUEUED
    except Exception as exc:
        _log.warning("Could not start a job for %s (%s); working it out in the page.", req.name, exc)
        return jobs.InlineExecutor().submit(results.compute, path, req)


def wait_for(path: str, req: results.Request, poll_seconds: float = 0.25) -> None:
    """Until `req` is stored: start it as a job unless a refresh is already working it out, and show progress
    meanwhile (never an empty page). A job's failure is raised here, so plain_errors says what to do; so is a
    queue no worker serves."""
    job = None if refresh.running(path) else _start_job(path, req)
    started = time.monotonic()
    holder = st.empty()
    with holder.status(req.label + "...", expanded=True) as box:
        line, bar = st.empty(), st.progress(0.0)
        while results.lookup(path, req) is results.MISSING:
            if job is not None and job is not _QUEUED and job.done():
                job.result()  # raises the job's error; else the result is stored (or could not be kept)
                break
            if job is None and not refresh.running(path):
                job = _start_job(path, req)  # the refresh ended without it (failed or stopped)
            if job is _QUEUED and jobs.stalled():
                raise jobs.NoWorkerError()
            words, share = _progress_words(path, req, started)
            line.markdown(words)
            bar.progress(share if share is not None else min(0.95, (time.monotonic() - started) / 60))
            time.sleep(poll_seconds)
        box.update(state="complete")
    holder.empty()


def result(req: results.Request, model: bool = False):
    """The stored result of `req` on the data shown, worked out first when missing (heavy results as a job)."""
    path = str(active_workspace().path)
    read = _stored_model if model else _stored_data
    key = repr(req.key)
    try:
        return read(path, key, req)
    except _NotYet:
        pass
    if req.name in recipes.HEAVY:
        wait_for(path, req)
        try:
            return read(path, key, req)
        except _NotYet:  # worked out but not kept (disk full, the data saved meanwhile): work it out here
            pass
    return results.compute(path, req)


@functools.lru_cache(maxsize=256)  # pages decorate on every run: wrap each function once
def _wrap(function: Callable | str, tables: tuple, every_table: bool, label: str | bool, model: bool) -> Callable:
    words = label if isinstance(label, str) else ""
    if isinstance(function, str):  # a dotted name: its module is imported when the result is first worked out
        found = results.recipe_named(function, *tables, every_table=every_table, label=words)
    else:
        found = results.recipe(function, *tables, every_table=every_table, label=words)

    def call(*args, **kwargs):
        return result(results.request(found.name, versions(), *args, **kwargs), model)

    call.__name__ = call.__qualname__ = found.name.rsplit(".", 1)[-1]
    call.__doc__ = f"{found.name} on the data shown (pages/_cached.py)."
    return call


def cached_on(*tables: str, every_table: bool = False, spinner: str | bool = False, model: bool = False, **_):
    """Decorator for a smbcore computation on the data shown, stored per content version of the tables it reads.

    `function(frame_1, ..., frame_n, *args, **kwargs)`, whose first arguments are the tables `tables` (each None
    when the data shown has no such table), becomes `wrapped(*args, **kwargs)`, run on the data shown. With
    `every_table=True` the function instead gets one dict {table: frame} of every table of the data shown.
    The function must be a module-level smbcore function (a refresh job imports it by name), or its dotted name
    (then its module is imported only when the result is first worked out); arguments must be
    plain values (str, numbers, bool, None, tuples or lists of them): they are part of the key. `spinner` names
    the step while it is worked out; `model=True` shares the result between sessions instead of copying it.

        kpis = cached_on("transactions")(overview.kpis)          # kpis() is overview.kpis(transactions)
        top = cached_on("transactions")(overview.top_products)   # top("revenue", 10)
    """
    return lambda function: _wrap(function, tables, every_table, spinner, model)


customer_analysis = cached_on("transactions")(recipes.ANALYSE)  # smbcore.customers.analyse on the orders shown
consent_answers = cached_on("transactions", "customers")(recipes.CONSENT)  # smbcore.consent.customer_consent
# Used by more than one page: wrapped once here.
top_products = cached_on("transactions")("smbcore.overview.top_products")  # top_products("revenue", 10)
stock_inputs = cached_on("transactions")(recipes.STOCK_INPUTS)  # stock_inputs(200, 56, products)


# The heavy results (smbcore.recipes): shared models, and the tables made from them.
recommender = cached_on("transactions", model=True)(recipes.recommender)  # recommend.fit on the orders shown
marketing_plan = cached_on("transactions", "customers")(recipes.marketing_plan)  # the email plan
all_recommendations = cached_on("transactions")(recipes.all_recommendations)  # all_recommendations(k, only_new)
_targeting = cached_on(every_table=True, model=True)(recipes.targeting_model)
_importance = cached_on(every_table=True)(recipes.targeting_importance)


def current_model(sensitive=(), exclude=(), use_sensitive=False):
    """(TargetingModel, frame to score, source in words) for the active data, per choice of inputs."""
    return _targeting(tuple(sensitive), tuple(exclude), bool(use_sensitive))


def input_importance(sensitive=(), exclude=(), use_sensitive=False) -> pd.DataFrame:
    """Which inputs of that model matter most (explain.importance): input, auc_drop, spread."""
    return _importance(tuple(sensitive), tuple(exclude), bool(use_sensitive))


def forget_cached() -> None:
    """After a customer is erased: drop every result this server holds in memory (the workspace's disk store is
    cleared by Workspace.forget_customer). Other owners' figures come back from their own stores."""
    st.cache_data.clear()
    _stored_model.clear()
    load_table.clear()
