"""Your data: upload a file, confirm which column is which, read the check, save it; see what is saved; samples."""

import logging

import streamlit as st

from pages._errors import plain_errors
from pages._signin import require_app
from pages._source import OWN, TABLE_WORDS, own_workspace, source_label, use_source
from pages._tables import show_table
from smbcore.data import SAMPLES, TABLES, detect_preset, guess_mapping, guess_table, read_raw, read_table
from smbcore.data.contracts import PRESETS
from smbcore.data.currency import table_symbol
from smbcore.errors import SmbcoreError
from smbcore.safety import plain_text

require_app()
_log = logging.getLogger("smbcore.app")

NONE = "(not in my file)"
LEVEL_ICONS = {
    "error": ":red[:material/error: **Problem**]",
    "question": ":blue[:material/help: **Question**]",
    "warning": ":orange[:material/warning: **Check**]",
    "info": ":gray[:material/info: Note]",
}
DATE_ORDERS = {
    "day_first": "Day first: 03/04/2011 is 3 April 2011",
    "month_first": "Month first: 03/04/2011 is March 4, 2011",
}
CURRENCIES = ["£", "$", "€", "¥", "CHF ", "kr ", "R ", "₹"]

st.title("Your data")
st.caption(
    "Upload exports from your till, web shop or spreadsheet. Nothing leaves this computer: files are "
    "saved in your workspace, a database file on the machine running this app."
)

upload_tab, saved_tab, samples_tab = st.tabs(["Upload a file", "Saved in your workspace", "Sample data"])


def _raw(uploaded):
    """Read an upload once per file (kept in the session, keyed by the upload's id)."""
    cache = st.session_state.setdefault("raw_files", {})
    if uploaded.file_id not in cache:
        with st.spinner(f"Reading {plain_text(uploaded.name)}..."):
            cache.clear()  # keep only the current file in memory
            raw = read_raw(uploaded.getvalue(), name=uploaded.name)
            if raw.details.get("busy"):  # the app was reading other large files: try again on the next run
                return raw
            cache[uploaded.file_id] = raw
    return cache[uploaded.file_id]


def _save(table: str, file_name: str) -> None:
    """Button callback: save the checked table into the owner's workspace and show it."""
    result = st.session_state.get("pending_result")
    try:
        version = own_workspace().save(
            table, result.frame, source=file_name, currency=st.session_state.get("upload_currency")
        )
    except SmbcoreError as exc:  # e.g. the disk is full: the message says what was not saved and what to do
        st.session_state["save_message"] = ("error", plain_text(exc))
        return
    except Exception as exc:  # the old table is untouched: say so plainly, keep the details for the log
        _log.exception("Saving the table '%s' from '%s' failed", table, file_name)
        st.session_state["save_message"] = (
            "error",
            f"Saving did not work ({plain_text(exc)}). Your saved data is unchanged.",
        )
        return
    st.session_state["save_message"] = (
        "success",
        f"Saved {len(result.frame):,} rows as your "
        f"{TABLE_WORDS[table]} table (version {version}). The other pages now "
        "show your data.",
    )
    use_source(OWN)


def _mapping_widgets(raw, table: str, file_id: str) -> dict:
    columns = list(raw.frame.columns)
    guess = guess_mapping(columns, table, raw.frame)
    mapping = {}
    spec = TABLES[table]
    grid = st.columns(3)
    for i, col in enumerate(spec.columns):
        options = [NONE, *columns]
        default = options.index(guess[col.name]) if col.name in guess else 0
        label = f"{col.description} ({col.name})" + (", needed" if col.required else "")
        choice = grid[i % 3].selectbox(
            label, options, index=default, help=col.description, key=f"map_{file_id}_{table}_{col.name}"
        )
        if choice != NONE:
            mapping[col.name] = choice
    return mapping


def show_report(report) -> None:
    """The check of every row (read_table's report: level, column, message, examples, rows, row_numbers)."""
    st.subheader("What we found")
    if report.empty:
        st.success("No problems found.")
    for row in report.itertuples():
        where = f" in **{plain_text(row.column)}**" if row.column else ""
        examples = f" Examples: {plain_text(row.examples)}." if row.examples else ""
        rows = f" Rows in your file: {row.row_numbers}{'...' if row.rows > 10 else ''}." if row.row_numbers else ""
        st.markdown(f"{LEVEL_ICONS[row.level]}{where}: {plain_text(row.message)}{examples}{rows}")


def currency_choice(result, table: str) -> None:
    """The currency the table is saved in: from the file's currency column when it has one, else the owner picks
    it (starting at the currency the saved table has)."""
    from_file = table_symbol(result.frame)
    if from_file:
        st.session_state.pop("upload_currency", None)
        st.caption(f"Currency from your file's '{plain_text(result.mapping['currency'])}' column: {from_file.strip()}")
        return
    saved = own_workspace().currency(table)
    st.selectbox(
        "Currency of the prices",
        CURRENCIES,
        key="upload_currency",
        index=CURRENCIES.index(saved) if saved in CURRENCIES else 0,
    )


def upload_section() -> None:
    message = st.session_state.pop("save_message", None)
    if message:
        getattr(st, message[0])(message[1])
    uploaded = st.file_uploader(
        "Choose a CSV or Excel file",
        type=["csv", "txt", "tsv", "gz", "zip", "xlsx"],
        key="upload_file",
        help="CSV or text with , ; tab, | or lined-up spaces between values, in UTF-8 or "
        "Windows/Latin-1 encoding, optionally gzip- or zip-compressed, or an Excel .xlsx.",
    )
    if uploaded is None:
        st.markdown(
            "**What can I upload?**\n\n"
            + "\n".join(f"- **{TABLE_WORDS[t].capitalize()}**: {spec.description}" for t, spec in TABLES.items())
        )
        return
    raw = _raw(uploaded)
    if raw.frame is None:
        for problem in raw.problems:
            st.error(plain_text(problem.message))
        return
    details = raw.details
    how = (
        f"{details.get('encoding', '')} text, values separated by {details.get('delimiter')}"
        if details.get("file_kind") == "csv"
        else f"Excel sheet '{details.get('sheet')}'"
    )
    st.caption(f"Read {len(raw.frame):,} rows and {raw.frame.shape[1]} columns ({plain_text(how)}).")
    columns = list(raw.frame.columns)
    guessed_table = guess_table(columns, raw.frame)
    preset = detect_preset(columns)
    if preset:
        st.info(f"This looks like {PRESETS[preset]['label']}: its columns were matched for you.")
    tables = list(TABLES)
    table = st.selectbox(
        "What does this file hold?",
        tables,
        index=tables.index(guessed_table),
        format_func=lambda t: f"{TABLE_WORDS[t]}: {TABLES[t].description}",
        key=f"upload_table_{uploaded.file_id}",
    )
    st.markdown("**Which of your columns is which?** We guessed from the column names; change any that are wrong.")
    mapping = _mapping_widgets(raw, table, uploaded.file_id)
    date_key = f"date_order_{uploaded.file_id}"
    date_order = st.session_state.get(date_key) or "auto"
    with st.spinner("Checking every row..."):
        result = read_table(raw, table, mapping=mapping, date_order=date_order)
    if result.needs_answer or date_key in st.session_state:
        st.radio(
            "Your dates can be read two ways. How does your system write them?",
            list(DATE_ORDERS),
            format_func=DATE_ORDERS.get,
            key=date_key,
            index=None,
        )
    show_report(result.report)
    if not result.ok:
        st.warning(
            "This file cannot be saved yet: fix the problems above (map the missing columns or "
            "answer the question), or fix the file and upload it again. Your saved data is unchanged."
        )
        show_table(raw.frame.head(20), hide_index=True, width="stretch")
        return
    st.subheader("Preview of what will be saved")
    st.caption(f"{len(result.frame):,} rows of {result.rows_read:,} in your file; first 50 shown.")
    show_table(result.frame.head(50), hide_index=True, width="stretch")
    st.session_state["pending_result"] = result
    left, right = st.columns([1, 3])
    with left:
        currency_choice(result, table)
    replaces = table in own_workspace().tables()
    right.write("")
    right.button(
        f"Save as my {TABLE_WORDS[table]}" + (" (replaces the saved one)" if replaces else ""),
        type="primary",
        on_click=_save,
        args=(table, uploaded.name),
        key="save_upload",
    )


def saved_section() -> None:
    removed = st.session_state.pop("remove_message", None)
    if removed:
        st.success(removed)
    workspace = own_workspace()
    catalog = workspace.catalog()
    if catalog.empty:
        st.info("Nothing saved yet. Upload a file in the first tab, or try the sample data.")
        return
    st.caption(f"Workspace file: {workspace.path.name}, kept between visits.")
    shown = catalog.assign(name=catalog["name"].map(lambda t: TABLE_WORDS.get(t, t)))
    show_table(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "name": "Table",
            "version": "Version (changes when the content changes)",
            "rows": st.column_config.NumberColumn("Rows", format="localized"),
            "saved_at": st.column_config.DatetimeColumn("Saved (UTC)", format="D MMM YYYY, HH:mm"),
            "source": "From file",
        },
    )
    st.button(
        "Show my data on every page",
        on_click=use_source,
        args=(OWN,),
        key="use_own",
        disabled=st.session_state.get("data_source") == OWN,
    )
    with st.expander("Remove a saved table"):
        st.selectbox("Table", list(catalog["name"]), key="remove_table")
        sure = st.checkbox("Yes, remove it (the decisions log is kept)", key="remove_sure")
        st.button("Remove", disabled=not sure, key="remove_button", on_click=_remove)


def _remove() -> None:
    """Button callback (runs before the page, so the list below no longer shows the table)."""
    table = st.session_state["remove_table"]
    own_workspace().remove(table)
    st.session_state["remove_message"] = f"Removed {TABLE_WORDS.get(table, table)}."


def samples_section() -> None:
    st.write("Public data sets to try every page with. They are free to use under CC BY 4.0; credit below.")
    for name, meta in SAMPLES.items():
        with st.container(border=True):
            st.markdown(f"**{meta['label']}**: {meta['about']}")
            st.caption(f"Tables: {', '.join(TABLE_WORDS[t] for t in meta['tables'])}. Credit: {meta['credit']}")
            st.button(
                "Show this sample",
                key=f"use_sample_{name}",
                on_click=use_source,
                args=(name,),
                disabled=st.session_state.get("data_source") == name,
            )


with upload_tab:
    with plain_errors("reading your file"):
        upload_section()
with saved_tab:
    with plain_errors("listing your saved data"):
        saved_section()
with samples_tab:
    samples_section()
st.caption(f"Pages now show: {source_label(st.session_state.get('data_source', OWN))}.")
