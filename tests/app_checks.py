"""Helpers for the app tests (streamlit AppTest): start the app on a page and data source, read what it shows and
what its downloads serve, and the same tables read straight from the workspace to check against."""

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from smbcore.data import Workspace, sample_workspace
from smbcore.labels import plain_frame
from smbcore.safety import csv_bytes

from .conftest import ROOT

SOURCES = ["online_retail", "online_shoppers", "bank_marketing", "bike_sharing", "own"]


def start(monkeypatch, home: Path, source: str | None = None, page: str | None = None) -> AppTest:
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    if source:
        app.session_state["data_source"] = source
    app.run()
    if page:
        app.switch_page(page).run()
    return app


@pytest.fixture()
def downloads(monkeypatch) -> dict:
    """What each download button drawn since the fixture started serves: {key: (file name, bytes)} (a spy on
    st.download_button; the button itself is drawn as usual)."""
    served: dict = {}
    real = st.download_button

    def spy(label, data, *args, key=None, file_name=None, **options):
        served[key] = (file_name, data)
        return real(label, data, *args, key=key, file_name=file_name, **options)

    monkeypatch.setattr(st, "download_button", spy)
    return served


def shown_tables(home: Path, source: str) -> tuple[dict, str]:
    """The tables of the data `source` (read straight from the workspace, not through the app) and its currency."""
    workspace = Workspace(home / "workspace.duckdb") if source == "own" else sample_workspace(source, home)
    tables = {name: workspace.load(name) for name in workspace.tables()}
    return tables, workspace.currency("transactions" if "transactions" in tables else next(iter(tables), "x"))


def as_downloaded(frame: pd.DataFrame, symbol: str) -> bytes:
    """The bytes a table's plain download holds (no page-specific column names)."""
    return csv_bytes(plain_frame(frame, symbol))


def texts(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [i.value for i in app.info] + [s.value for s in app.success]
    return "\n".join(parts + [c.value for c in app.caption])


def open_tab(app: AppTest, name: str, key: str = "plan_tab") -> AppTest:
    app.session_state[key] = name
    return app.run()
