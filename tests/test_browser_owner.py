"""An owner's own messy file in the real app: upload the café's till export (German headers, semicolons, decimal
commas, three broken lines, one €75,000 catering order, closed on Mondays) in Chromium, save it in euros, and
read what the Forecast page makes of it."""

from __future__ import annotations

import pytest

from .live import launch_chromium, start_app, stop_app
from .owner_checks import CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def choose(page, widget: str, option: str) -> None:
    """Pick `option` in a selectbox as a person does: open it, type, take the match (tried again while the page
    is still busy drawing)."""
    box = page.locator(widget).get_by_role("combobox")
    for _ in range(5):
        box.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(option)
        match = page.locator("[role=option]", has_text=option)
        try:
            match.first.wait_for(timeout=10_000)  # the list shows the match
        except Exception:  # noqa: BLE001 - the list did not open yet: try again
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Enter")
        return
    raise AssertionError(f"could not choose {option!r} in {widget}")


def test_the_cafes_messy_till_export_from_upload_to_forecast(tmp_path):
    from playwright.sync_api import sync_playwright

    server, url = start_app(tmp_path / "home")
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(f"{url}/data")
            page.get_by_text("Choose a CSV or Excel file").wait_for(timeout=60_000)
            page.locator("input[type=file]").set_input_files(str(CORPUS / "cafe_kasse_messy.csv"))
            page.get_by_text("What we found").wait_for(timeout=120_000)
            # each broken line is named with the line number a spreadsheet shows
            page.get_by_text("rows 1003, 2491, 2492", exact=False).first.wait_for(timeout=30_000)
            choose(page, ".st-key-upload_currency", "€")
            page.wait_for_timeout(500)  # the choice starts a run: let it finish before saving
            page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=60_000)
            page.get_by_role("button", name="Save as my orders (transactions)").click()
            page.get_by_text("as your orders (transactions) table", exact=False).wait_for(timeout=120_000)

            page.goto(f"{url}/forecast")
            page.get_by_text("Closed on Mondays", exact=False).first.wait_for(timeout=180_000)
            one_off = page.get_by_text("far larger than usual", exact=False).first
            one_off.wait_for(timeout=60_000)
            assert "€" in one_off.inner_text() and "left out" in one_off.inner_text()
            body = page.locator("[data-testid=stMain]").inner_text()
            assert "Something went wrong" not in body and "nan" not in body.split()
            browser.close()
    finally:
        stop_app(server)
