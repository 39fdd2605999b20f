"""What every page shares: the data source picker, cached loads and computations, table + download, errors.

No modelling here: this file only connects Streamlit to smbcore.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from smbcore import cache as disk_cache
from smbcore import formatting
from smbcore.data import (
    SAMPLES,
    TABLES,
    SampleView,
    Workspace,
    default_home,
    sample_view,
    sample_workspace,
    samples_with,
)
from smbcore.errors import NotEnoughDataError, SmbcoreError
from smbcore.labels import COUNTS, DAYS, FORECAST, MONEY, SHARES, WORDS, plain_frame
from smbcore.safety import csv_bytes, plain_text, shown_frame, visible_frame, visible_text

# Navigation is st.navigation in app.py, never Streamlit's older "every file in pages/ is a page" mode.
# Streamlit still starts in that mode for the first run of a new process (or of each AppTest run), and then
# runs a page file on its own; require_app() below turns such a run into a proper one.
PagesManager.uses_pages_directory = False
_VIA_APP = "_run_via_app"


def mark_run_through_app() -> None:
    """Called by app.py just before it runs the page."""
    st.session_state[_VIA_APP] = True


def require_app() -> None:
    """First line of every page: if the page was started without app.py (no sidebar, no shared setup),
    rerun at once, this time through app.py."""
    if not st.session_state.pop(_VIA_APP, False):
        PagesManager.uses_pages_directory = False  # AppTest resets it before each run
        st.rerun()


OWN = "own"
SOURCE_KEY = "data_source"
_log = logging.getLogger("smbcore.app")

TABLE_WORDS = {
    "transactions": "orders (transactions)",
    "customers": "customers",
    "sessions": "website visits (sessions)",
    "campaigns": "past campaigns",
    "external": "outside factors (weather, economy)",
    "demand": "daily or weekly sales totals",
}


OWNER_KEY = "owner"


def own_workspace() -> Workspace:
    """The signed-in owner's workspace; on a single-user install, the one workspace. `sign_in()` sets the
    owner at the start of every run from the checked sign-in, so this never trusts an older run's state."""
    owner = st.session_state.get(OWNER_KEY)
    if owner:
        from smbcore.accounts import owner_workspace

        return owner_workspace(owner)
    return Workspace(default_home() / "workspace.duckdb")


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than saying 'no'
        return False


def _in_app_test() -> bool:
    """True inside an AppTest run (Streamlit sets `global.appTest` only while AppTest runs a script)."""
    from streamlit import config

    return bool(config.get_option("global.appTest"))


def _sign_in_with_password() -> str | None:
    """The owner this run is for, from the browser's sign-in cookie, checked now (signature, sign-out, idle
    time, account still there) and counted as use; None when there is no valid sign-in or this Streamlit
    session was opened by another sign-in. The form that signs in is server.py's /account/sign-in page.

    Test seam: under AppTest (`global.appTest`, and no server.py guard in this process) there is no browser
    and no cookie, so tests act as a signed-in owner with `at.session_state["owner"] = name`. A real server
    always runs through server.py's guard, where session state alone never signs anyone in."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from smbcore.sessions import BINDINGS, COOKIE, SessionStore, guarded

    if not guarded():
        return st.session_state.get(OWNER_KEY) if _in_app_test() else None
    signin = SessionStore().check(st.context.cookies.get(COOKIE))
    ctx = get_script_run_ctx()
    if signin is None or ctx is None or not BINDINGS.bind(ctx.session_id, signin.sid):
        return None
    return signin.name


def run_finished() -> None:
    """Called by app.py after the page ran: this session's download links count their minutes from now."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from smbcore.sessions import BINDINGS

    ctx = get_script_run_ctx()
    if ctx is not None:
        BINDINGS.ran(ctx.session_id)


def _sign_out() -> None:
    """Sign-out button: end this owner's sign-ins everywhere (every browser, every app process)."""
    from smbcore.sessions import SessionStore, guarded

    owner = st.session_state.get(OWNER_KEY)
    if owner and guarded():
        SessionStore().sign_out_everywhere(owner)
    st.session_state.clear()


def sign_in() -> bool:
    """True when the visitor may see the app. Single-user (no account list, no identity provider): always.
    With an identity provider in .streamlit/secrets.toml ([auth]): Streamlit's st.login. Otherwise, with
    accounts made by `python -m smbcore add-user`: the sign-in cookie set by server.py's sign-in page, checked
    on every run. Each owner gets their own workspace."""
    from smbcore.accounts import users
    from smbcore.sessions import guarded, idle_seconds

    if _oidc_configured():
        if not st.user.is_logged_in:
            st.title("smbcore")
            st.button("Sign in", on_click=st.login, type="primary")
            return False
        from smbcore.accounts import oidc_display_name, oidc_owner_folder

        with plain_errors("signing you in"):
            folder = oidc_owner_folder(st.user.get("iss"), st.user.get("sub"))
        if st.session_state.get(OWNER_KEY) != folder:  # once per sign-in: lets an admin move a pre-change folder
            _log.info("Identity-provider owner %s uses the folder owners/%s", oidc_display_name(st.user), folder)
        st.session_state[OWNER_KEY] = folder
        st.sidebar.text(f"Signed in as {oidc_display_name(st.user)}")
        st.sidebar.button("Sign out", on_click=st.logout)
        return True
    if not users():
        return True
    if not guarded() and not _in_app_test():
        st.title("Start smbcore with `streamlit run server.py`")
        st.error(
            "This app has accounts, and people sign in through `server.py`, which was not used to start it. "
            "Stop it and start it again with `streamlit run server.py` (README, Hosting)."
        )
        return False
    owner = _sign_in_with_password()
    if owner:
        if st.session_state.get(OWNER_KEY) != owner:
            st.session_state.pop(SOURCE_KEY, None)
            st.session_state.pop("_versions", None)
        st.session_state[OWNER_KEY] = owner
        st.sidebar.caption(f"Signed in as {owner}")
        st.sidebar.button("Sign out", key="signout", on_click=_sign_out, help="Signs you out in every browser.")
        return True
    st.session_state.clear()  # nothing of an ended sign-in stays in this browser tab
    st.title("Sign in to smbcore")
    st.info(
        "You are not signed in: you signed out, or the app was not used for "
        f"{round(idle_seconds() / 60)} minutes. Sign in again to go on."
    )
    st.link_button("Sign in", "/account/sign-in", type="primary")
    return False


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


SAMPLE_CONSENT = (
    "This sample is a public data set that records no marketing consent, so for the demo its customers whose "
    "consent is unknown are included. On your own data they are left out until you tick this box."
)


def include_unknown_consent_first() -> bool:
    """Where the 'include customers whose consent is unknown' box starts: ticked on a sample (public data, nobody
    real is emailed), unticked on the owner's own data (the owner decides)."""
    return active_source() != OWN


def use_source(source: str) -> None:
    """Switch the data every page shows (used as a button callback, before widgets are drawn)."""
    st.session_state[SOURCE_KEY] = source


def _snapshot() -> None:
    """Read the active workspace's table versions and currency once per run (each DuckDB open costs ~30 ms)."""
    workspace = active_workspace()
    catalog = workspace.catalog()
    st.session_state["_versions"] = dict(zip(catalog["name"], catalog["version"], strict=True))
    st.session_state["_currencies"] = {name: workspace.currency(name) for name in catalog["name"]}


def version(table: str) -> str | None:
    """The active table's content version as read at the start of this run (None: no such table)."""
    if "_versions" not in st.session_state:
        _snapshot()
    return st.session_state["_versions"].get(table)


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


# This file's code is part of every disk-cache key, with smbcore's (smbcore.cache.CODE): a fix never serves stale
# results.
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _still(path: str, versions: dict) -> bool:
    """True when the workspace's tables still have these versions (nothing saved or erased meanwhile)."""
    current = Workspace(path)
    return all(current.version(table) == v for table, v in versions.items())


# In memory for speed, and on disk in the workspace's own folder (smbcore.cache), keyed by the table's content
# version: after a restart the figures come back without loading or recomputing anything, and erasing a customer
# deletes them.
@st.cache_data(max_entries=256, show_spinner=False)
def _compute(path: str, table: str, version: str, func: str, args: tuple, kwargs: tuple):
    def work():
        module, name = func.rsplit(".", 1)
        function = getattr(importlib.import_module(f"smbcore.{module}"), name)
        return function(load_table(path, table, version), *args, **dict(kwargs))

    key = ("compute", _CODE, table, version, func, args, kwargs)
    return disk_cache.cached(path, key, work, keep=lambda: _still(path, {table: version}))


def compute(table: str, func: str, *args, **kwargs):
    """Run smbcore.<func> on the active table, cached per table version (e.g. compute('transactions', 'overview.kpis'))."""
    return _compute(str(active_workspace().path), table, version(table), func, args, tuple(sorted(kwargs.items())))


def currency(table: str = "transactions") -> str:
    """The money sign of the active data's `table` (each saved table keeps the currency it came in)."""
    if "_currencies" not in st.session_state:
        _snapshot()
    currencies = st.session_state["_currencies"]
    return currencies.get(table) or next(iter(currencies.values()), "£")


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


_MONEY, _PERCENT, _COUNTS, _FORECAST, _WORDS = MONEY, SHARES, COUNTS, FORECAST, WORDS | DAYS  # smbcore/labels.py


def labels_for(frame: pd.DataFrame, table: str = "transactions") -> dict:
    """Plain labels and number formats for the columns smbcore commonly returns (from smbcore/labels.py, the
    same names the downloads carry)."""
    c = currency(table).strip()
    config: dict = {}
    for name in frame.columns:
        if name in _MONEY:
            config[name] = st.column_config.NumberColumn(f"{_MONEY[name]} ({c})", format="%.0f")
        elif name in _PERCENT:
            config[name] = st.column_config.NumberColumn(_PERCENT[name], format="percent")
        elif name in _COUNTS:
            config[name] = st.column_config.NumberColumn(_COUNTS[name], format="localized")
        elif name in ("period_start", "month") and pd.api.types.is_datetime64_any_dtype(frame[name]):
            config[name] = st.column_config.DateColumn(
                _WORDS[name], format="D MMM YYYY" if name == "period_start" else "MMM YYYY"
            )
        elif name == "date" and pd.api.types.is_datetime64_any_dtype(frame[name]):
            config[name] = st.column_config.DateColumn("Date", format="ddd D MMM YYYY")
        elif name in _FORECAST:
            config[name] = st.column_config.NumberColumn(_FORECAST[name], format="%.0f")
        elif name == "lift":
            config[name] = st.column_config.NumberColumn("Times as likely", format="%.1f")
        elif name in _WORDS:
            config[name] = _WORDS[name]
    return config


def lazy_tabs(labels: list[str], key: str, keep: tuple[str, ...] = ()) -> dict:
    """Tabs where only the open one's code runs: {label: tab container}, with `tab.open` True for the open one.

    A page's tabs each compute and draw a full section; running all of them on every visit made pages slow to
    open for everyone sharing the server. Streamlit forgets a widget's value while it is not drawn, so the
    values of the widget keys in `keep` are written back on every run and survive while their tab is closed.
    """
    for widget in keep:
        if widget in st.session_state:
            st.session_state[widget] = st.session_state[widget]
    return dict(zip(labels, st.tabs(labels, key=key, on_change="rerun"), strict=True))


def show_table(frame: pd.DataFrame, *, editor: bool = False, **options):
    """Every table the app shows goes through here: st.dataframe (or st.data_editor with `editor=True`, returning
    the edited table). Text cells and column names are shown as smbcore.safety.shown_frame makes them: invisible
    bidirectional and zero-width characters as their code ('[U+202E]'), and text a spreadsheet would run as a
    formula ('=', '+', '-', '@', tab, CR) with a leading apostrophe, exactly as in the app's own downloads
    (smbcore.safety.csv_bytes), so whatever is copied out of a table is safe text. The table toolbar's own
    "Download as CSV" is off (client.disableDataExport in .streamlit/config.toml): the app's download buttons,
    with plain column names, are the one way to export.

    In an editor only the columns the owner cannot edit (`disabled`) are changed; the edited table comes back
    with their original text, so what the page saves is never altered."""
    if not editor:
        shown = shown_frame(frame)
        renamed = dict(zip(frame.columns, shown.columns, strict=True))
        if options.get("column_config"):
            options["column_config"] = {renamed.get(k, k): v for k, v in options["column_config"].items()}
        return st.dataframe(shown, **options)
    fixed = [c for c in options.get("disabled") or [] if c in frame.columns]
    if not fixed:
        return st.data_editor(frame, **options)
    shown = frame.copy()
    shown[fixed] = shown_frame(frame[fixed]).set_axis(fixed, axis=1)
    edited = st.data_editor(shown, **options)
    kept = edited.index.isin(frame.index)
    edited.loc[kept, fixed] = frame.loc[edited.index[kept], fixed]
    return edited


def show_chart(chart, **options):
    """Every chart the app shows goes through here (st.altair_chart). Vega draws labels, legends and tooltips as
    text (never HTML or links), but still obeys invisible bidirectional and zero-width characters; so text in
    the chart's data and its titles shows them as their code (smbcore.safety.visible_text), as tables do."""
    return st.altair_chart(_visible_chart(chart), **options)


def _visible_chart(chart):
    """A copy of an Altair chart (layers and concatenations included) whose data frames and text titles show
    invisible characters as codes."""
    chart = chart.copy(deep=False)
    data = getattr(chart, "data", None)
    if isinstance(data, pd.DataFrame):
        chart.data = visible_frame(data)
    title = getattr(chart, "title", None)
    if isinstance(title, str):
        chart.title = visible_text(title)
    for part in ("layer", "hconcat", "vconcat", "concat"):
        charts = getattr(chart, part, None)
        if isinstance(charts, list):
            setattr(chart, part, [_visible_chart(c) for c in charts])
    return chart


def edit_table(frame: pd.DataFrame, **options) -> pd.DataFrame:
    """st.data_editor through `show_table`: columns the owner cannot edit are neutralised, edits come back intact."""
    return show_table(frame, editor=True, **options)


def table_with_download(
    frame: pd.DataFrame,
    filename: str,
    key: str,
    label: str = "Download as CSV",
    column_config: dict | None = None,
    height: int | None = None,
) -> None:
    """Show a table (plain labels, formatted numbers) and a button to download exactly those rows as CSV, with
    the same plain column names, sensible rounding, and a byte-order mark so Excel reads accents and €."""
    config = labels_for(frame) | (column_config or {})
    shown = frame
    for name in [c for c in frame.columns if c in _PERCENT and c not in (column_config or {})]:
        # Shares as percentages with one decimal at most ('83.8%', not the '83.78%' of format="percent").
        shown = shown.assign(**{name: frame[name] * 100})
        config[name] = st.column_config.NumberColumn(_PERCENT[name], format="%.1f%%")
    show_table(shown, hide_index=True, width="stretch", column_config=config, height=height or "auto")
    download = plain_frame(frame, currency())
    # Columns smbcore has no plain name for keep the label this page gives them, so the CSV reads like the table.
    page_names = {name: _label_of(cfg) for name, cfg in (column_config or {}).items()}
    download = download.rename(columns={c: page_names[c] for c in download.columns if page_names.get(c)})
    st.download_button(label, csv_bytes(download), file_name=filename, mime="text/csv", key=key)


def _label_of(config) -> str | None:
    """The column heading a page's column_config entry shows (a plain string, or a column_config's label)."""
    if isinstance(config, str):
        return config
    return config.get("label") if isinstance(config, dict) else None


@contextmanager
def plain_errors(what: str):
    """Show failures as a plain message, never a traceback; the full error goes to the server log."""
    try:
        yield
    except NotEnoughDataError as exc:  # accepted data, too little for this figure: a note saying what to do
        st.info(plain_text(exc))
        st.stop()
    except SmbcoreError as exc:
        st.error(plain_text(exc))
        st.stop()
    except Exception:  # anything else is our bug: say so plainly, keep details for the log
        _log.exception("Unexpected error while %s", what)
        st.error(
            f"Something went wrong while {what}. Nothing you saved was changed. Please try again; if it "
            "keeps happening, send the server log to whoever runs this app."
        )
        st.stop()


def money(value: float, symbol: str, compact: bool = False) -> str:
    """'£1,234' (or '£9.77m' / '£45.2k' when compact, for headline figures that must fit a narrow box): the one
    money format, smbcore.formatting.money (no '-£0', 'not known' for a missing figure)."""
    return formatting.money(value, symbol, compact=compact)


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


__all__ = [
    "current_model",
    "SAMPLE_CONSENT",
    "include_unknown_consent_first",
    "sign_in",
    "OWN",
    "mark_run_through_app",
    "require_app",
    "TABLES",
    "active_source",
    "active_workspace",
    "compute",
    "currency",
    "load",
    "money",
    "needs_table",
    "own_workspace",
    "plain_errors",
    "source_label",
    "source_picker",
    "table_with_download",
    "show_chart",
    "show_table",
    "edit_table",
    "use_source",
]


@st.cache_resource(max_entries=4, show_spinner="Learning which products go together...")
def _recommender(path: str, version: str):
    from smbcore import recommend

    return recommend.fit(load_table(path, "transactions", version))


def recommender():
    """The recommender fitted on the active transactions (once per data version, shared by all sessions)."""
    return _recommender(str(active_workspace().path), version("transactions"))


@st.cache_data(max_entries=8, show_spinner="Working out each customer's next best action...")
def _plan(path: str, tx_version: str, customers_version: str | None):
    def work():
        from smbcore import customers

        tx = load_table(path, "transactions", tx_version)
        people = load_table(path, "customers", customers_version) if customers_version else None
        analysis = _compute(path, "transactions", tx_version, "customers.analyse", (), ())
        return customers.next_best_actions(tx, people, analysis=analysis, recommender=_recommender(path, tx_version))

    versions = {"transactions": tx_version, "customers": customers_version}
    key = ("plan", _CODE, tx_version, customers_version)
    return disk_cache.cached(path, key, work, keep=lambda: _still(path, versions))


def marketing_plan() -> pd.DataFrame:
    """next_best_actions for the active data (consent from the customers table when there is one)."""
    return _plan(str(active_workspace().path), version("transactions"), version("customers"))


@st.cache_data(max_entries=8, show_spinner="Scoring every customer...")
def _all_recommendations(path: str, version: str, k: int, exclude_purchased: bool) -> pd.DataFrame:
    model = _recommender(path, version)
    return model.recommend(model.users_, k=k, exclude_purchased=exclude_purchased)


def forget_cached() -> None:
    """After a customer is erased: drop every result this server holds in memory (the workspace's disk cache is
    cleared by Workspace.forget_customer). Other owners' figures come back from their own disk caches."""
    st.cache_data.clear()
    for resource in (load_table, _recommender, _targeting_model):
        resource.clear()


def all_recommendations(k: int, exclude_purchased: bool) -> pd.DataFrame:
    """Top-k products for every customer of the active data (cached per data version and setting)."""
    return _all_recommendations(str(active_workspace().path), version("transactions"), k, exclude_purchased)
