"""Tables, charts, tabs and downloads: every table and chart a page shows goes through here, so file text is shown
safely and every number carries its plain label and format (smbcore/labels.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._source import currency
from smbcore import formatting
from smbcore.labels import COUNTS, DAYS, FORECAST, MONEY, SHARES, WORDS, plain_frame
from smbcore.safety import csv_bytes, shown_frame, visible_frame, visible_text

__all__ = [
    "edit_table",
    "labels_for",
    "lazy_tabs",
    "money",
    "show_chart",
    "show_table",
    "table_with_download",
]

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
    # A download needs no new run of the page: without one, the file behind the button cannot be replaced while
    # the browser fetches it (which cancelled downloads on a busy server), and the page does not redraw.
    st.download_button(label, csv_bytes(download), file_name=filename, mime="text/csv", key=key, on_click="ignore")


def _label_of(config) -> str | None:
    """The column heading a page's column_config entry shows (a plain string, or a column_config's label)."""
    if isinstance(config, str):
        return config
    return config.get("label") if isinstance(config, dict) else None


def money(value: float, symbol: str, compact: bool = False) -> str:
    """'£1,234' (or '£9.77m' / '£45.2k' when compact, for headline figures that must fit a narrow box): the one
    money format, smbcore.formatting.money (no '-£0', 'not known' for a missing figure)."""
    return formatting.money(value, symbol, compact=compact)
