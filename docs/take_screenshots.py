"""Screenshots of every page on the bundled samples, as an owner sees them, for README.

    .venv/bin/python docs/take_screenshots.py

Starts `streamlit run server.py` with a fresh empty SMBCORE_HOME, opens each page in headless Chromium (Debian's
`chromium`), picks the sample in the sidebar, waits until the page has finished running and saves the top
2,600 px of the page, cut below its last element, as a PNG to docs/screenshots/<page>.png.

    .venv/bin/python docs/take_screenshots.py --owner cafe_kasse_messy.csv [--owner purchase_log.csv ...]

The same for shop owners' own files from tests/data/owners/ (manifest.json there has each file's table and
mapping): for each file, the app is started with a fresh SMBCORE_HOME holding that file saved into its
workspace.duckdb exactly as the Data page saves it (with the currency the owner would pick when the file has no
currency column), so "Your own data" is the source shown. Every page an owner looks at, and the listed tabs
(opened by clicking their label), goes to docs/screenshots/owners/<file stem>/<page>.png. Error boxes and
"Something went wrong" are printed as they are found.
"""

from __future__ import annotations

import argparse
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
    ("plan", "Gift shop orders (sample)", "Download the reorder points", "plan"),
    ("fairness", "Bank phone campaign (sample)", "Make it fairer, knowing the cost", "fairness", "Bias checks"),
    ("data", None, "Choose a CSV or Excel file", "your_data"),
    ("health", "Gift shop orders (sample)", "What your data is ready for", "health_check"),
]


# (url path, tab to click or None, file name): what an owner looks at on their own data
OWNER_PAGES = [
    ("", None, "overview"),
    ("customers", "Segments and risk", "customers_segments"),
    ("customers", "Marketing plan", "customers_marketing_plan"),
    ("marketing", None, "marketing"),
    ("forecast", None, "forecast"),
    ("plan", "Stock", "plan_stock"),
    ("plan", "Staff", "plan_staff"),
    ("plan", "One plan", "plan_one_plan"),
    ("fairness", "Why this decision", "fairness_why"),
    ("health", None, "health_check"),
]
OWNER_HEIGHT = 3400  # px: owners' pages are read for what they say further down too (closed days, one-off orders)


def crop_to_content(png: bytes, path: Path, colors: int | None = None) -> None:
    """Save the screenshot without the empty space below the page's last element (the sidebar is ignored);
    with `colors`, as a palette PNG of that many colours (less than half the size, text as sharp)."""
    image = Image.open(io.BytesIO(png))
    main = np.asarray(image.convert("L"))[:, SIDEBAR_PX:]
    rows = np.flatnonzero((main < 245).any(axis=1))
    bottom = min(image.height, int(rows[-1]) + 40) if len(rows) else image.height
    image = image.crop((0, 0, image.width, bottom))
    if colors:
        image = image.convert("RGB").quantize(colors)
    image.save(path, optimize=True)


def settle(page) -> None:
    """Wait until the app has finished running and no spinner is left."""
    for _ in range(600):
        running = page.locator("[data-testid=stApp][data-test-script-state=running]").count()
        if not running and page.locator("[data-testid=stSpinner]").count() == 0:
            break
        time.sleep(0.5)
    time.sleep(2)  # charts draw after the run ends


def owner_home(file_name: str, home: Path) -> None:
    """Save the corpus file (and the customers file that pairs with it) into home/workspace.duckdb, as the Data
    page would after the owner confirms the mapping and, for a file without a currency column, picks its currency."""
    from smbcore.data import Workspace
    from tests.test_owners import ENTRIES, _customers_for, save_entry

    entry = next((e for e in ENTRIES if e["file"] == file_name), None)
    if entry is None:
        raise SystemExit(f"{file_name} is not in tests/data/owners/manifest.json")
    workspace = Workspace(home / "workspace.duckdb")
    for item in [entry] + ([_customers_for(entry)] if _customers_for(entry) else []):
        save_entry(item, workspace)  # with the currency the owner picks on the Data page


def report_errors(page, label: str) -> None:
    """Print what an owner would see as an error: error boxes, exceptions, 'Something went wrong'."""
    for selector in ("[data-testid=stException]", "[data-testid=stAlertContentError]"):
        for box in page.locator(selector).all():
            print(f"  ERROR on {label}: {box.inner_text()[:300]!r}", flush=True)
    if page.get_by_text("Something went wrong").count():
        print(f"  'Something went wrong' on {label}", flush=True)


def owner_shots(file_name: str) -> None:
    out = OUT / "owners" / Path(file_name).stem
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home, sync_playwright() as p:
        owner_home(file_name, Path(home))
        server, url = start_app(Path(home))
        browser = launch_chromium(p)
        try:
            for path, tab, name in OWNER_PAGES:
                page = browser.new_page(viewport={"width": 1300, "height": OWNER_HEIGHT})
                page.goto(f"{url}/{path}", timeout=300_000)
                page.get_by_text("Data shown").first.wait_for(timeout=300_000)
                settle(page)
                if tab:
                    page.get_by_role("tab", name=tab).click(timeout=300_000)
                    time.sleep(1.5)  # the tab's click starts a rerun
                    settle(page)
                report_errors(page, f"{file_name} {name}")
                crop_to_content(page.screenshot(), out / f"{name}.png", colors=256)
                print("saved", (out / f"{name}.png").relative_to(ROOT), flush=True)
                page.close()
        finally:
            browser.close()
            stop_app(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--owner", action="append", metavar="FILE",
                        help="a file in tests/data/owners/ to screenshot as its owner sees it (repeatable)")  # fmt: skip
    args = parser.parse_args()
    if args.owner:
        for file_name in args.owner:
            owner_shots(Path(file_name).name)  # one app at a time
        return
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
