"""The real app in a real browser: `streamlit run` on a free local port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from .live import launch_chromium, start_app, stop_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MESSY_ORDERS = (
    "Order;Date;SKU;Item;Qty;Price;Customer\n"
    "A-1;03/04/2024 10:15;MUG;Café mug;2;3,50;ann\n"
    "A-1;03/04/2024 10:15;TEA;Green tea;1;4,20;ann\n"
    "A-2;25/04/2024 14:00;MUG;Café mug;two;3,50;bob\n"
    "A-3;26/04/2024 09:30;TEA;Green tea;3;4,20;cat\n"
).encode("cp1252")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    server, url = start_app(tmp_path_factory.mktemp("browser_home"))
    yield url
    stop_app(server)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


def test_overview_shows_figures_and_downloads_csv(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page.goto(app_url)
    page.get_by_text("£9.77m").wait_for(timeout=120_000)
    assert page.get_by_text("20,726").count() >= 1
    assert page.get_by_text("4,339").count() >= 1
    button = page.locator(".st-key-dl_top_revenue button")  # Streamlit marks keyed widgets with st-key-<key>
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "top_products_by_revenue.csv"
    table = pd.read_csv(download.path())
    assert len(table) == 10
    assert table["Product"].iloc[0] == "REGENCY CAKESTAND 3 TIER"  # plain column names (smbcore/labels.py)
    assert table["Net revenue (£)"].is_monotonic_decreasing
    page.close()


def test_csv_download_matches_the_shown_rows(app_url, browser):
    """The weekly sales table downloads with one row per week of the sample."""
    page = browser.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page.goto(app_url)
    page.get_by_text("£9.77m").wait_for(timeout=120_000)
    page.get_by_text("The numbers behind this chart").click()
    button = page.locator(".st-key-dl_sales_over_time button")
    button.wait_for(state="visible", timeout=30_000)
    with page.expect_download() as info:
        button.click()
    weekly = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(weekly) == 54  # Monday 29 Nov 2010 to Monday 5 Dec 2011
    assert weekly["Net revenue (£)"].sum() == pytest.approx(9_769_872.05, abs=1)
    page.close()


def test_email_list_download(app_url, browser):
    """The marketing plan's email list downloads with exactly the customers the page says it will email."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page.goto(f"{app_url}/customers")
    page.get_by_role("tab", name="Marketing plan").click(timeout=180_000)
    # The sample records no marketing consent; a public data set, so its customers are included for the demo.
    page.get_by_text("records no marketing consent", exact=False).wait_for(timeout=240_000)
    summary = page.get_by_text(re.compile(r"[1-9][\d,]* customers to email")).first  # the run after the tick
    summary.wait_for(timeout=240_000)
    to_email = int(re.search(r"([\d,]+) customers to email", summary.inner_text()).group(1).replace(",", ""))
    with page.expect_download(timeout=60_000) as info:
        page.locator(".st-key-dl_plan_csv button").click()
    emails = pd.read_csv(info.value.path())
    assert len(emails) == to_email > 1000
    assert "No contact" not in set(emails["Action"])
    assert emails["Customer"].is_unique
    assert emails["Product codes"].str.count(r"\|").eq(2).all()
    page.close()


def test_upload_check_and_save_a_messy_file(app_url, browser):
    """Runs last: after it, new sessions open on the saved data."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{app_url}/data")  # a deep link, as a bookmark would open it
    page.get_by_text("Choose a CSV or Excel file").wait_for(timeout=60_000)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": MESSY_ORDERS}]
    )
    page.get_by_text("What we found").wait_for(timeout=60_000)
    page.get_by_text("has 1 values that are not numbers", exact=False).wait_for(timeout=30_000)
    page.get_by_text("read day first", exact=False).wait_for(timeout=30_000)
    page.get_by_role("button", name="Save as my orders (transactions)").click()
    page.get_by_text("Saved 3 rows as your orders (transactions) table", exact=False).wait_for(timeout=60_000)
    page.goto(app_url)
    page.get_by_text("Showing: Your own data.").wait_for(timeout=60_000)
    page.get_by_text("Orders from 03 Apr 2024 to 26 Apr 2024.").wait_for(timeout=60_000)
    # Average order: A-1 is 2 x 3.50 + 4.20, A-3 is 3 x 4.20; A-2's quantity 'two' was left out.
    page.get_by_text("£11.90").wait_for(timeout=30_000)
    page.close()
