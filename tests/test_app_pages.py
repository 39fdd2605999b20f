"""What the Overview, Data health check and Your data pages show (streamlit AppTest): smbcore's figures, worked
out here from the same tables, the right headings, and the rows each download serves, on every data source."""

from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest

from smbcore import browsing, formatting, health, overview
from smbcore.data import SAMPLES, Workspace
from smbcore.data.workspace import content_version
from smbcore.safety import plain_text
from smbcore.synthetic import generate_transactions

from .app_checks import SOURCES, as_downloaded, downloads, shown_tables, start, texts

__all__ = ["downloads"]  # a fixture


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory) -> Path:
    """One SMBCORE_HOME for the module, so each sample is prepared once."""
    return tmp_path_factory.mktemp("app_pages_home")


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES)
def test_overview_shows_smbcore_figures_and_downloads_on_every_source(monkeypatch, shared_home, downloads, source):
    """Headline figures, headings and the rows of each download are smbcore's, worked out here from the same
    tables read straight from the workspace; a table the data lacks is named, with the samples that have it."""
    app = start(monkeypatch, shared_home, source, "pages/overview.py")
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert [t.value for t in app.title] == ["How your shop is doing"]
    label = "Your own data" if source == "own" else SAMPLES[source]["label"]
    assert f"Showing: {label}." in texts(app)
    tables, c = shown_tables(shared_home, source)
    metrics = {m.label: m.value for m in app.metric}
    tx = tables.get("transactions")
    if tx is None:
        assert "This needs **orders (transactions)**" in texts(app) and "Orders" not in metrics
    else:
        k = overview.kpis(tx)
        assert metrics["Orders"] == f"{k['orders']:,}"
        assert metrics["Net revenue"] == formatting.money(k["net_revenue"], c, compact=True)
        assert metrics["Customers"] == (f"{k['customers']:,}" if k["customers"] else "—")
        assert metrics["Returns"] == (f"{k['returns_share']:.1%}" if k["returns_value"] > 0 else "0%")
        assert f"Orders from {k['first_date']:%d %b %Y} to {k['last_date']:%d %b %Y}." in texts(app)
        assert {"Sales over time", "What sells", "Who buys"} <= {h.value for h in app.subheader}
        weekly = overview.sales_over_time(tx, "W")
        assert downloads["dl_sales_over_time"] == ("sales_per_week.csv", as_downloaded(weekly, c))
        top = overview.top_products(tx, "revenue", 10)
        assert downloads["dl_top_revenue"] == ("top_products_by_revenue.csv", as_downloaded(top, c))
        assert downloads["dl_countries"][1] == as_downloaded(overview.sales_by_country(tx), c)
        best = weekly.loc[weekly["net_revenue"].idxmax()]
        assert f"Best week: starting {best['period_start']:%d %b %Y}" in texts(app)
    visits = tables.get("sessions")
    if visits is None:
        assert "This needs **website visits (sessions)**" in texts(app) and "Visits" not in metrics
    else:
        k = browsing.visit_kpis(visits)
        assert metrics["Visits"] == f"{k['visits']:,}" and metrics["Conversion rate"] == f"{k['conversion_rate']:.1%}"
        pages = browsing.conversion_by_page_type(visits)
        if not pages.empty:
            assert downloads["dl_pages"] == ("conversion_by_page_type.csv", as_downloaded(pages, c))


def test_overview_adds_up_by_month_when_asked(monkeypatch, shared_home, downloads):
    app = start(monkeypatch, shared_home, "online_retail")
    app.session_state["overview_freq"] = "Month"
    app.run()
    tables, c = shown_tables(shared_home, "online_retail")
    monthly = overview.sales_over_time(tables["transactions"], "M")
    assert downloads["dl_sales_over_time"] == ("sales_per_month.csv", as_downloaded(monthly, c))
    best = monthly.loc[monthly["net_revenue"].idxmax()]
    assert f"Best month: starting {best['period_start']:%d %b %Y}" in texts(app)
    assert any(h.value == "What sells" for h in app.subheader)


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES)
def test_health_page_shows_the_check_of_every_table_on_every_source(monkeypatch, shared_home, downloads, source):
    """The headlines, each capability's readiness and every finding are smbcore.health.check's on the same
    tables; both tables download whole."""
    app = start(monkeypatch, shared_home, source, "pages/health.py")
    assert not app.exception and not app.error, [e.value for e in app.error]
    tables, c = shown_tables(shared_home, source)
    if not tables:
        assert "There is no data to check yet" in texts(app)
        return
    report = health.check(tables, c)
    assert [s.value for s in app.success] == [plain_text(line) for line in report.headlines]
    assert [h.value for h in app.subheader] == ["What your data is ready for", "Findings"]
    words = {"ready": "Ready", "limited": "Limited", "not yet": "Not yet"}
    for row in report.readiness.itertuples():
        assert any(f"**{row.capability}: {words[row.status]}.**" in m.value for m in app.markdown), row.capability
    name, data = downloads["dl_readiness"]
    readiness = pd.read_csv(BytesIO(data), encoding="utf-8-sig")
    assert name == "data_readiness.csv" and list(readiness.columns) == ["Capability", "Status", "Why"]
    assert readiness["Capability"].tolist() == report.readiness["capability"].tolist()
    assert readiness["Status"].tolist() == report.readiness["status"].map(words).tolist()
    assert downloads["dl_health"] == ("data_health_findings.csv", as_downloaded(report.findings, c))


def test_data_page_reads_checks_saves_in_the_chosen_currency_and_removes(monkeypatch, tmp_path):
    """An orders export is read, its columns matched, every row checked and previewed; saving keeps it whole as
    the version the page names, in the currency picked, and every page shows it; removing takes it away."""
    home = tmp_path / "home"
    tx = generate_transactions(n_lines=1_500, n_customers=100, days=120, seed=7)
    app = start(monkeypatch, home, page="pages/data.py")
    assert [t.value for t in app.title] == ["Your data"]
    assert "Nothing saved yet" in texts(app)
    app.file_uploader(key="upload_file").set_value(("march.csv", tx.to_csv(index=False).encode(), "text/csv")).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert f"Read 1,500 rows and {tx.shape[1]} columns" in texts(app)
    assert next(s for s in app.selectbox if s.label == "What does this file hold?").value == "transactions"
    assert {"What we found", "Preview of what will be saved"} <= {h.value for h in app.subheader}
    assert "1,500 rows of 1,500 in your file; first 50 shown." in texts(app)
    preview = app.dataframe[0].value
    assert len(preview) == 50 and preview["order_id"].astype(str).tolist() == tx["order_id"].astype(str)[:50].tolist()
    app.selectbox(key="upload_currency").set_value("€").run()
    app.button(key="save_upload").click().run()
    workspace = Workspace(home / "workspace.duckdb")
    saved = workspace.load("transactions")
    version = workspace.version("transactions")
    assert version == content_version(saved) and len(saved) == 1_500 and workspace.currency("transactions") == "€"
    message = " ".join(s.value for s in app.success)
    assert f"Saved 1,500 rows as your orders (transactions) table (version {version})." in message, message
    assert app.session_state["data_source"] == "own"
    listed = next(d.value for d in app.dataframe if "saved_at" in d.value.columns)  # the 'Saved' tab's table
    assert listed["name"].tolist() == ["orders (transactions)"] and listed["rows"].tolist() == [1_500]
    assert listed["source"].tolist() == ["march.csv"]
    app.switch_page("pages/overview.py").run()
    assert {m.label: m.value for m in app.metric}["Net revenue"].startswith("€")
    app.switch_page("pages/data.py").run()
    app.selectbox(key="remove_table").set_value("transactions")
    app.checkbox(key="remove_sure").check().run()
    app.button(key="remove_button").click().run()
    assert "Removed orders (transactions)." in " ".join(s.value for s in app.success)
    assert workspace.tables() == [] and "Nothing saved yet" in texts(app)


def test_data_page_samples_tab_switches_what_every_page_shows(monkeypatch, shared_home):
    app = start(monkeypatch, shared_home, "online_retail", "pages/data.py")
    for name, meta in SAMPLES.items():
        assert any(m.value.startswith(f"**{meta['label']}**") for m in app.markdown), name
        assert app.button(key=f"use_sample_{name}").disabled == (name == "online_retail")
    app.button(key="use_sample_bike_sharing").click().run()
    assert app.session_state["data_source"] == "bike_sharing"
    assert "Pages now show: Bike rentals and weather (sample)." in texts(app)
    assert app.button(key="use_sample_bike_sharing").disabled
