"""Screenshots of every page on the bundled samples, as an owner sees them, for README.

    .venv/bin/python docs/take_screenshots.py

Starts `streamlit run app.py` with a fresh empty SMBCORE_HOME, opens each page in headless Chromium (Debian's
`chromium`), picks the sample in the sidebar, waits until the page has finished running and saves the top
2,600 px of the page, cut below its last element, as a PNG to docs/screenshots/<page>.png.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.live import launch_chromium, start_app, stop_app  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
HEIGHT = 2600  # px: the top of long pages, enough to show what each page is for
SIDEBAR_PX = 320
# (url path, sample shown in the sidebar, text that appears once the page has its figures, file name[, tab])
PAGES = [
    ("", "Gift shop orders (sample)", "Orders from", "overview"),
    ("customers", "Gift shop orders (sample)", "Churn model check (AUC)", "customers"),
    ("marketing", "Bank phone campaign (sample)", "Customers to contact", "marketing"),
    ("forecast", "Bike rentals and weather (sample)", "What drives this forecast", "forecast"),
    ("plan", "Gift shop orders (sample)", "Download the purchase order", "plan"),
    ("fairness", "Bank phone campaign (sample)", "Make it fairer, knowing the cost", "fairness", "Bias checks"),
    ("data", None, "Choose a CSV or Excel file", "your_data"),
    ("health", "Gift shop orders (sample)", "What your data is ready for", "health_check"),
]


def crop_to_content(png: bytes, path: Path) -> None:
    """Save the screenshot without the empty space below the page's last element (the sidebar is ignored)."""
    image = Image.open(io.BytesIO(png))
    main = np.asarray(image.convert("L"))[:, SIDEBAR_PX:]
    rows = np.flatnonzero((main < 245).any(axis=1))
    bottom = min(image.height, int(rows[-1]) + 40) if len(rows) else image.height
    image.crop((0, 0, image.width, bottom)).save(path, optimize=True)


def settle(page) -> None:
    """Wait until the app has finished running and no spinner is left."""
    for _ in range(600):
        running = page.locator("[data-testid=stApp][data-test-script-state=running]").count()
        if not running and page.locator("[data-testid=stSpinner]").count() == 0:
            break
        time.sleep(0.5)
    time.sleep(2)  # charts draw after the run ends


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home, sync_playwright() as p:
        server, url = start_app(Path(home))
        browser = launch_chromium(p)
        try:
            for path, sample, wait_text, name, *tab in PAGES:
                # Streamlit scrolls inside its own container, so a tall window is what shows more of a page.
                page = browser.new_page(viewport={"width": 1300, "height": HEIGHT})
                page.goto(f"{url}/{path}", timeout=300_000)
                page.get_by_text("Data shown").first.wait_for(timeout=300_000)
                if sample:
                    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
                    page.get_by_role("option", name=sample).click()
                    time.sleep(2)
                if tab:
                    page.get_by_role("tab", name=tab[0]).click(timeout=300_000)
                if wait_text:
                    page.get_by_text(wait_text).first.wait_for(timeout=600_000)
                settle(page)
                crop_to_content(page.screenshot(), OUT / f"{name}.png")
                print("saved", (OUT / f"{name}.png").relative_to(ROOT), flush=True)
                page.close()
        finally:
            browser.close()
            stop_app(server)


if __name__ == "__main__":
    main()
