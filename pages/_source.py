"""Which data the pages show: the owner's own workspace or a shared sample, its tables' versions and currencies
read once per run, the sidebar picker, and loading a table (cached per content version)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from smbcore import jobs, refresh
from smbcore.data import SAMPLES, SampleView, Workspace, default_home, sample_view, sample_workspace, samples_with

__all__ = [
    "OWN",
    "OWNER_KEY",
    "SAMPLE_CONSENT",
    "SOURCE_KEY",
    "TABLE_WORDS",
    "active_source",
    "active_workspace",
    "currency",
    "forget_choice",
    "include_unknown_consent_first",
    "load",
    "load_table",
    "needs_table",
    "own_workspace",
    "source_label",
    "source_picker",
    "use_source",
    "version",
    "versions",
]

_log = logging.getLogger("smbcore.pages")
OWN = "own"
SOURCE_KEY = "data_source"  # session state: OWN or a sample's name
OWNER_KEY = "owner"  # session state: the signed-in owner's folder name (set by pages._signin.sign_in every run)
_VERSIONS, _CURRENCIES = "_versions", "_currencies"  # session state: this run's snapshot of the data shown

TABLE_WORDS = {
    "transactions": "orders (transactions)",
    "customers": "customers",
    "sessions": "website visits (sessions)",
    "campaigns": "past campaigns",
    "external": "outside factors (weather, economy)",
    "demand": "daily or weekly sales totals",
}

SAMPLE_CONSENT = (
    "This sample is a public data set that records no marketing consent, so for the demo its customers whose "
    "consent is unknown are included. On your own data they are left out until you tick this box."
)


def own_workspace() -> Workspace:
    """The signed-in owner's workspace; on a single-user install, the one workspace. `sign_in()` sets the
    owner at the start of every run from the checked sign-in, so this never trusts an older run's state."""
    owner = st.session_state.get(OWNER_KEY)
    if owner:
        from smbcore.accounts import owner_workspace

        return owner_workspace(owner)
    return Workspace(default_home() / "workspace.duckdb")


@st.cache_resource(max_entries=8, show_spinner="Preparing the sample data (first time only)...")
def _sample_workspace(name: str, home: str) -> Workspace:
    """The shared, read-only sample (one per server): only its tables, never anyone's actions on it."""
    return sample_workspace(name, Path(home))


def source_label(source: str) -> str:
    return "Your own data" if source == OWN else SAMPLES[source]["label"]


def _default_source() -> str:
    return OWN if own_workspace().tables() else "online_retail"


def active_source() -> str:
    if SOURCE_KEY not in st.session_state:
        st.session_state[SOURCE_KEY] = _default_source()
    return st.session_state[SOURCE_KEY]


def active_workspace() -> Workspace | SampleView:
    """The data shown, and where what the owner does on it is kept: their own workspace, or for a sample the
    sample's tables (read-only, shared) with this owner's own decisions, settings and sends on it (SampleView,
    kept in their folder; nobody else sees them). Pages write through this, never to the sample itself."""
    source = active_source()
    if source == OWN:
        return own_workspace()
    return sample_view(source, own_workspace(), _sample_workspace(source, str(default_home())))


def include_unknown_consent_first() -> bool:
    """Where the 'include customers whose consent is unknown' box starts: ticked on a sample (public data, nobody
    real is emailed), unticked on the owner's own data (the owner decides)."""
    return active_source() != OWN


def use_source(source: str) -> None:
    """Switch the data every page shows (used as a button callback, before widgets are drawn)."""
    st.session_state[SOURCE_KEY] = source


def forget_choice() -> None:
    """Another owner signed in on this browser tab: forget which data the previous one was looking at."""
    for key in (SOURCE_KEY, _VERSIONS, _CURRENCIES):
        st.session_state.pop(key, None)


# Each table's currency is saved in the same transaction as the table (Workspace.save), so a table's version and
# save time decide it: read once per saved state, not once per table on every run (each DuckDB open ~30 ms).
@st.cache_data(max_entries=64, show_spinner=False)
def _currencies(path: str, saved: tuple, _workspace: Workspace | SampleView) -> dict[str, str]:
    """{table: money sign} of the workspace at `path` whose catalog is `saved` ((name, version, saved_at), ...)."""
    return {name: _workspace.currency(name) for name, _, _ in saved}


def _snapshot() -> None:
    """Read the active workspace's table versions (one DuckDB open) and currencies (cached) once per run."""
    workspace = active_workspace()
    catalog = workspace.catalog()
    st.session_state[_VERSIONS] = dict(zip(catalog["name"], catalog["version"], strict=True))
    saved = tuple(zip(catalog["name"], catalog["version"], catalog["saved_at"].astype(str), strict=True))
    st.session_state[_CURRENCIES] = _currencies(str(workspace.path), saved, workspace)
    if saved and os.environ.get("SMBCORE_AUTO_REFRESH", "1") != "0":
        _start_refresh(str(workspace.path), st.session_state[_VERSIONS])


_REFUSED: dict[str, float] = {}  # workspace -> when starting its refresh last failed (not retried for a minute)


def _start_refresh(path: str, versions: dict) -> None:
    """Start the workspace's refresh job when its results are not current for these versions and none runs (new
    data, a sample first opened, a refresh cut short by a restart or a crash): smbcore.jobs. A file read a run;
    when jobs cannot be started (e.g. the Dask scheduler is down), pages work their results out themselves."""
    if refresh.is_current(path, versions) or time.monotonic() - _REFUSED.get(path, -1e9) < 60:
        return
    try:
        jobs.submit_refresh(path)
    except Exception as exc:
        _REFUSED[path] = time.monotonic()
        _log.warning("Could not start the refresh of %s (%s); pages work their figures out themselves.", path, exc)


def version(table: str) -> str | None:
    """The active table's content version as read at the start of this run (None: no such table)."""
    if _VERSIONS not in st.session_state:
        _snapshot()
    return st.session_state[_VERSIONS].get(table)


def versions() -> dict[str, str]:
    """Every table of the data shown and its content version, as read at the start of this run."""
    if _VERSIONS not in st.session_state:
        _snapshot()
    return dict(st.session_state[_VERSIONS])


def currency(table: str = "transactions") -> str:
    """The money sign of the active data's `table` (each saved table keeps the currency it came in)."""
    if _CURRENCIES not in st.session_state:
        _snapshot()
    currencies = st.session_state[_CURRENCIES]
    return currencies.get(table) or next(iter(currencies.values()), "£")


def source_picker() -> None:
    """Sidebar: which data the pages show, and where it comes from. Runs first on every page."""
    options = [OWN, *SAMPLES]
    active_source()
    with st.sidebar:
        st.selectbox(
            "Data shown",
            options,
            key=SOURCE_KEY,
            format_func=source_label,
            help="Your own data is what you saved on the 'Your data' page. The samples are public "
            "data sets to try the app with.",
        )
        source = st.session_state[SOURCE_KEY]
        if source == OWN:
            tables = own_workspace().tables()
            st.caption("Saved tables: " + (", ".join(tables) if tables else "none yet. Upload on 'Your data'."))
        else:
            meta = SAMPLES[source]
            st.caption(f"{meta['about']} Credit: {meta['credit']}")
    _snapshot()
    found = refresh.progress(active_workspace().path)  # while the figures shown are worked out: which step
    if found:
        st.sidebar.progress(found[1], text=found[0])


# A resource, not data: shared by every session without copying. Nothing may modify the returned frame
# (smbcore's functions never change their inputs).
@st.cache_resource(max_entries=8, show_spinner="Loading your data...")
def load_table(path: str, table: str, version: str) -> pd.DataFrame:
    """A workspace table by path and version (shared, read-only)."""
    return Workspace(path).load(table)


def load(table: str) -> pd.DataFrame | None:
    """The active workspace's table (cached per content version), or None if it has none."""
    current = version(table)
    if current is None:
        return None
    return load_table(str(active_workspace().path), table, current)


def needs_table(table: str, why: str, key: str) -> bool:
    """True when the active data has `table`; otherwise explain and offer the samples that have it."""
    if version(table) is not None:
        return True
    st.info(
        f"This needs **{TABLE_WORDS.get(table, table)}**, which the data shown ({source_label(active_source())}) "
        f"does not have. {why}"
    )
    samples = [s for s in samples_with(table) if s != active_source()]
    cols = st.columns(len(samples) + 1)
    for col, sample in zip(cols[:-1], samples, strict=True):
        col.button(
            f"Show the {SAMPLES[sample]['label']}", key=f"{key}_use_{sample}", on_click=use_source, args=(sample,)
        )
    cols[-1].page_link("pages/data.py", label="Upload your own file", icon=":material/upload:")
    return False
