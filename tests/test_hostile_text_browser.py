"""Text from an owner's files is only ever text, in a real browser (issue 14, items 6 and 7).

An owner's workspace (orders, customers, a past campaign, website visits) whose product names, customer ids,
countries, group values (gender, marital status, job), campaign channels, visit sources and a column name hold
Markdown images and links, bare and numeric-IP addresses, HTML, LaTeX, bidi and zero-width characters and
spreadsheet formulas, all pointing at a local HTTP listener. Every page and every tab is opened in Chromium
(with the controls that show file text: Why this decision for a hostile customer id, Bias checks on hostile
groups, a contest with a hostile reason, an upload with hostile headers on Your data), and then:

- the listener has received no request (no image, no HTML, no prefetch was fetched from file text);
- no link or image on any page points at it (no Markdown link, no auto-linked address);
- no table offers the toolbar's own "Download as CSV" (client.disableDataExport), so no path exports a live
  formula; the app's own downloads neutralise formulas (tests/test_text_safety.py, tests/test_safety.py).
"""

from __future__ import annotations

import http.server
import threading
import urllib.request

import numpy as np
import pandas as pd
import pytest

from smbcore.data import Workspace
from smbcore.data.samples import load_sample
from smbcore.synthetic import generate_transactions

from .live import free_port, launch_chromium, start_app, stop_app
from .test_browser_owner import choose

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def hostile_strings(port: int) -> list[str]:
    """Each way a file's text could make a browser fetch or link something, or hide what it says."""
    here = f"127.0.0.1:{port}"
    return [
        f"![x](http://{here}/img.png)",
        f"[verify](http://{here}/phish)",
        f"http://{here}/bare",
        f"http://2130706433:{port}/clickme",
        f"<img src=http://{here}/html.png>",
        f'<a href="http://{here}/anchor">open</a>',
        f"$\\href{{http://{here}/tex}}{{x}}$",
        f"www.{here}/www",
        "gift\u202etxt.exe",
        "zero\u200bwidth\u2066text",
        f'=HYPERLINK("http://{here}/f","x")',
        "+1+cmd|' /C calc'!A0",
        "@SUM(1)",
        "-2+3",
    ]


class _Listener(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def _record(self):
        type(self).seen.append(f"{self.command} {self.path} (Referer: {self.headers.get('Referer')})")
        self.send_response(204)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_OPTIONS = _record

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def listener():
    """A local HTTP server every hostile string points at; the test asserts it hears nothing."""
    port = free_port()
    _Listener.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port, _Listener.seen
    server.shutdown()
    server.server_close()


def hostile_workspace(home, port: int) -> list[str]:
    """The owner's saved tables, with hostile text wherever a file's text can appear. Returns the strings."""
    bad = hostile_strings(port)
    rng = np.random.default_rng(14)
    tx = generate_transactions(n_lines=6_000, n_customers=300, days=400, seed=14)
    products = tx["product_id"].drop_duplicates().tolist()[: len(bad)]
    names = dict(zip(products, bad, strict=True))
    tx["product_name"] = tx["product_id"].map(names).fillna(tx["product_name"]).astype("string")
    tx["country"] = pd.array(rng.choice(["United Kingdom", bad[1], bad[3], bad[8]], len(tx)), dtype="string")

    bank = load_sample("bank_marketing")
    rows = np.sort(rng.choice(len(bank["customers"]), BANK_ROWS, replace=False))  # the file is in date order
    people = bank["customers"].iloc[rows].reset_index(drop=True)
    campaigns = bank["campaigns"].iloc[rows].reset_index(drop=True)
    sequential = pd.array([f"C{n:05d}" for n in range(1, BANK_ROWS + 1)], dtype="string")  # as the orders' ids
    people["customer_id"] = campaigns["customer_id"] = sequential
    people["gender"] = pd.array(rng.choice([bad[0], bad[1], bad[4], bad[10]], len(people)), dtype="string")
    people["marital"] = people["marital"].where(rng.random(len(people)) < 0.5, bad[3]).astype("string")
    people["job"] = people["job"].where(rng.random(len(people)) < 0.7, bad[5]).astype("string")
    people[bad[1]] = pd.array(rng.choice(bad, len(people)), dtype="string")  # a column named like a link
    campaigns["channel"] = campaigns["channel"].where(rng.random(len(campaigns)) < 0.6, bad[2]).astype("string")
    campaigns["poutcome"] = campaigns["poutcome"].where(rng.random(len(campaigns)) < 0.6, bad[6]).astype("string")

    ids = {f"C{n:05d}": value for n, value in zip(range(1, len(bad) + 1), bad, strict=True)}
    for frame in (tx, people, campaigns):
        frame["customer_id"] = frame["customer_id"].map(lambda c: ids.get(c, c)).astype("string")

    visits = load_sample("online_shoppers")["sessions"].head(3_000).copy()
    visits["visitor_type"] = visits["visitor_type"].where(rng.random(len(visits)) < 0.6, bad[0]).astype("string")
    visits["traffic_source"] = pd.array(rng.choice(bad, len(visits)), dtype="string")

    workspace = Workspace(home / "workspace.duckdb")
    workspace.save("transactions", tx, source=f"{bad[1]}.csv")
    workspace.save("customers", people, source="people.csv")
    workspace.save("campaigns", campaigns, source="campaign.csv")
    workspace.save("sessions", visits, source="visits.csv")
    return bad


def upload_csv(bad: list[str]) -> bytes:
    """An orders export whose headers (one twice) and cells are hostile, for the Your data page."""
    quoted = ['"' + b.replace('"', '""') + '"' for b in bad]
    header = ["order_id", "timestamp", "product_id", "quantity", "unit_price", "product_name", quoted[1], quoted[1],
              quoted[3], quoted[0]]  # fmt: skip
    rows = [
        [
            str(i),
            f"2024-03-{1 + i % 28:02d} 10:00",
            f"P{i % 5}",
            "1",
            "2.5",
            quoted[i % len(bad)],
            quoted[4],
            "x",
            quoted[(i + 3) % len(bad)],
            quoted[8],
        ]  # fmt: skip
        for i in range(60)
    ]
    return ("\n".join(",".join(r) for r in [header, *rows]) + "\n").encode()


def settle(page) -> None:
    """Wait until the app has finished its run (and the next one a click may have started)."""
    for _ in range(2):
        page.wait_for_timeout(700)
        page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=300_000)


def links_to(page, port: int) -> list[str]:
    """Every link, image or frame on the page that points at the listener."""
    found = page.eval_on_selector_all(
        "a[href], img[src], iframe[src], link[href], source[src], video[src], audio[src]",
        "els => els.map(e => e.getAttribute('href') || e.getAttribute('src'))",
    )
    return [f for f in found if f and (str(port) in f or "2130706433" in f)]


SHOWN: list[str] = []
"""Where the hostile text was on the page, as characters (the test is only as good as the places it reached)."""


def check(page, port: int, where: str, problems: list[str]) -> None:
    settle(page)
    problems += [f"{where}: link or image to {f}" for f in links_to(page, port)]
    body = page.locator("[data-testid=stMain]").inner_text()
    if f"{port}/phish" in body or f"{port}/clickme" in body:
        SHOWN.append(where)
    if "Something went wrong" in body:
        problems.append(f"{where}: 'Something went wrong'")
    for char in ("\u202e", "\u2066", "\u200b" + "width"):
        if char in body:
            problems.append(f"{where}: invisible character {char[0]!r} shown as is")


def toolbar_downloads(page) -> list[str]:
    """Hover every table and list its toolbar's buttons (e.g. 'Search', 'Fullscreen'; 'Download as CSV' must not
    be one of them)."""
    offered = []
    tables = page.locator("[data-testid=stElementContainer]:has([data-testid=stDataFrame])")
    for i in range(tables.count()):
        table = tables.nth(i)
        if not table.is_visible():  # inside a closed expander
            continue
        table.scroll_into_view_if_needed()
        table.locator("[data-testid=stDataFrame]").hover()
        buttons = table.locator("[data-testid=stElementToolbarButton] button")
        buttons.first.wait_for(timeout=10_000)
        offered += [buttons.nth(j).get_attribute("aria-label") or "" for j in range(buttons.count())]
    return offered


def open_tabs(page, port: int, where: str, problems: list[str], tables: list[str]) -> None:
    tabs = page.get_by_role("tab")
    for name in [tabs.nth(i).inner_text() for i in range(tabs.count())]:
        page.get_by_role("tab", name=name, exact=True).click()
        check(page, port, f"{where} / {name}", problems)
        tables += toolbar_downloads(page)


BANK_ROWS = 6_000

PAGES = ["", "customers", "marketing", "forecast", "plan", "fairness", "data", "health"]


def test_no_text_from_files_fetches_links_or_exports_formulas(tmp_path, listener):
    from playwright.sync_api import sync_playwright

    port, seen = listener
    home = tmp_path / "home"
    bad = hostile_workspace(home, port)
    server, url = start_app(home)
    problems: list[str] = []
    toolbar: list[str] = []
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
            for name in PAGES:
                page.goto(f"{url}/{name}")
                page.locator("[data-testid=stMain]").wait_for(timeout=60_000)
                check(page, port, name or "overview", problems)
                toolbar += toolbar_downloads(page)
                open_tabs(page, port, name or "overview", problems, toolbar)

            page.goto(f"{url}/customers")
            settle(page)
            page.get_by_role("tab", name="Look up a customer", exact=True).click()
            settle(page)
            choose(page, ".st-key-lookup_customer", "verify")
            check(page, port, "customers / a hostile customer id", problems)

            page.goto(f"{url}/fairness")
            settle(page)
            page.get_by_role("tab", name="Why this decision", exact=True).click()
            settle(page)
            for box in (".st-key-why_plan_customer", ".st-key-why_customer"):
                if page.locator(box).count():
                    choose(page, box, "verify")
                    check(page, port, f"fairness / why this decision ({box})", problems)
            page.get_by_role("tab", name="Contest and override", exact=True).click()
            settle(page)
            page.locator(".st-key-contest_subject input").fill(bad[3])
            page.locator(".st-key-contest_reason textarea").fill(" ".join(bad[:9]))
            page.locator(".st-key-contest_by input").fill(bad[1])
            page.get_by_role("button", name="Record the contest").click()
            page.get_by_text("Open contests: 1").wait_for(timeout=60_000)
            check(page, port, "fairness / contest recorded", problems)
            page.locator("[data-testid=stExpander] summary").first.click()
            check(page, port, "fairness / contest opened", problems)
            toolbar += toolbar_downloads(page)

            page.goto(f"{url}/data")
            page.get_by_text("Choose a CSV or Excel file").wait_for(timeout=60_000)
            page.locator("input[type=file]").set_input_files(
                files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": upload_csv(bad)}]
            )
            page.get_by_text("What we found").wait_for(timeout=120_000)
            check(page, port, "data / upload", problems)
            toolbar += toolbar_downloads(page)
            page.wait_for_timeout(2_000)  # time for any late fetch to arrive
            browser.close()
    finally:
        stop_app(server)
    assert not seen, seen
    urllib.request.urlopen(f"http://127.0.0.1:{port}/control", timeout=5)  # the listener does hear requests
    assert len(seen) == 1
    assert {"fairness / Why this decision", "fairness / Bias checks", "fairness / contest recorded", "data / upload",
            "overview / Sales and customers", "customers / a hostile customer id"} <= set(SHOWN), SHOWN  # fmt: skip
    assert not problems, "\n".join(problems)
    assert "Search" in toolbar  # the tables' toolbars were there to look at
    assert not [label for label in toolbar if "csv" in label.lower()], set(toolbar)
