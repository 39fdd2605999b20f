"""Load: how the running app answers N people using the Plan page at the same time.

    .venv/bin/python benchmarks/load.py [--sessions 1 5 10 20]

Starts `streamlit run server.py` once (single-user mode, a fresh empty SMBCORE_HOME), warms it with one browser
session so that the one-time sample preparation and forecast fits are not counted, then for each N runs N
concurrent browser sessions (one headless Chromium, N contexts, driven with playwright's async API). Each
session times three actions on the bundled Online Retail sample:

- open: load /plan until "Download the purchase order" is visible;
- slider: press ArrowRight on the "Service level (%)" slider a few times, until the app has finished re-running
  and the "Holding cost a year" metric shows the figure for the new value (learnt during the warm-up);
- download: click "Download the purchase order (CSV)" until the file has arrived (checked: a CSV with product_id).

Reports p50 and p95 per action and N, errors, and the server's peak RSS (its process tree, sampled every 0.2 s).
Writes benchmarks/results/load.md and load.json. Browser and server share this machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.live_server import free_port, start_server, stop_server, wait_healthy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip
ACTIONS = ("open", "slider", "download")
OPEN_TEXT = "Download the purchase order"
DOWNLOAD_LABEL = "Download the purchase order (CSV)"
SLIDER_LABEL = "Service level (%)"
METRIC_LABEL = "Holding cost a year"
PRESSES = 3  # 95.0 -> 96.5 in steps of 0.5
TOGETHER = False  # --together: every session finishes an action before any starts the next
GOAL_ERRORS_AT = 20
GOAL_SLIDER_AT, GOAL_SLIDER_P95 = 10, 2.0

# The page's state as one string: the app's script state (Streamlit marks the app root with it) and the text of
# the "Holding cost a year" metric.
STATE_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const metric = [...document.querySelectorAll('[data-testid=stMetric]')].find(m => m.innerText.includes(LABEL));
  const value = metric ? metric.querySelector('[data-testid=stMetricValue]') : null;
  return [app ? app.getAttribute('data-test-script-state') : null, value ? value.innerText.trim() : null];
}""".replace("LABEL", json.dumps(METRIC_LABEL))
# True once the app has finished running and the metric shows the expected figure.
SETTLED_JS = "(expected) => { const s = (" + STATE_JS + ")(); return s[0] === 'notRunning' && s[1] === expected; }"
ERROR_SELECTOR = "[data-testid=stException], [data-testid=stAlertContentError]"
DESCRIBE_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const slider = document.querySelector('input[type=range][aria-label=' + JSON.stringify(SLIDER) + ']');
  const metric = [...document.querySelectorAll('[data-testid=stMetric]')].find(m => m.innerText.includes(LABEL));
  const value = metric ? metric.querySelector('[data-testid=stMetricValue]') : null;
  const errors = [...document.querySelectorAll('[data-testid=stException], [data-testid=stAlertContentError]')];
  return 'connection ' + (app ? app.getAttribute('data-test-connection-state') : 'no app root')
    + ', script ' + (app ? app.getAttribute('data-test-script-state') : '-')
    + ', slider ' + (slider ? slider.value : 'absent') + ', metric ' + (value ? value.innerText.trim() : 'absent')
    + ', download button ' + (document.body.innerText.includes(OPEN) ? 'present' : 'absent')
    + (errors.length ? ', error shown: ' + errors[0].innerText.slice(0, 150) : '');
}"""
DESCRIBE_JS = (
    DESCRIBE_JS.replace("LABEL", json.dumps(METRIC_LABEL))
    .replace("SLIDER", json.dumps(SLIDER_LABEL))
    .replace("OPEN", json.dumps(OPEN_TEXT))
)
IDLE_JS = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"


# ------------------------------------------------------------------------------------------------ server


def server_errors(log: str) -> list[dict]:
    """The exceptions in a stretch of the server log: each distinct final line with its count, and the first
    full traceback for it (the app logs unexpected errors with their traceback)."""
    found: dict[str, dict] = {}
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("Traceback (most recent call last):"):
            continue
        end = i + 1
        while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
            end += 1
        if end == len(lines):
            continue
        final = lines[end].strip()[:300]
        context = next((lines[j].strip() for j in range(i - 1, max(-1, i - 4), -1) if lines[j].strip()), "")
        entry = found.setdefault(final, {"exception": final, "count": 0, "logged_as": context[:200],
                                         "traceback": "\n".join(lines[i : end + 1])[-4000:]})  # fmt: skip
        entry["count"] += 1
    return list(found.values())


# ------------------------------------------------------------------------------------------------ memory


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_mb(pid: int) -> float:
    """Resident memory of pid plus its descendants in MB (VmRSS from /proc; psutil is not in .venv)."""
    total_kb = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
    return total_kb / 1024


def cpu_seconds(pid: int, exclude: int | None = None) -> float:
    """CPU seconds (user + system, with reaped children) of pid and its descendants, leaving out the tree of
    `exclude`: the browser's share is this script's tree without the server's."""
    skip = set(process_tree(exclude)) if exclude else set()
    total = 0
    for member in process_tree(pid):
        if member in skip:
            continue
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from the first line of /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class MemorySampler:
    """Samples the server's RSS every `interval` seconds in a thread; `peak` is the highest seen since start."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval, self.peak, self.samples = pid, interval, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# ------------------------------------------------------------------------------------------------ browser


async def page_state(page) -> tuple[str | None, str | None]:
    """(script state, text of the 'Holding cost a year' metric) as the page shows them now."""
    state, metric = await page.evaluate(STATE_JS)
    return state, metric


async def do_open(page, url: str, timeout_ms: int) -> None:
    """Load the Plan page and wait until the purchase-order download button's text is visible (fail at once
    if the page shows an error message instead)."""
    deadline = time.monotonic() + timeout_ms / 1000
    await page.goto(f"{url}/plan", timeout=timeout_ms)
    ready = page.get_by_text(OPEN_TEXT).or_(page.locator(ERROR_SELECTOR)).first
    await ready.wait_for(state="visible", timeout=max(1, int((deadline - time.monotonic()) * 1000)))
    if not await page.get_by_text(OPEN_TEXT).first.is_visible():
        raise RuntimeError("the page shows an error: " + (await ready.inner_text()).strip()[:200])


async def wait_idle(page, timeout_ms: int) -> None:
    """Wait until the app has finished running the page (not timed: the slider is only moved on a quiet page)."""
    await page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=50)


async def do_slider(page, expected: str, timeout_ms: int) -> None:
    """Press ArrowRight on the service-level slider PRESSES times, then wait for the re-run to show `expected`."""
    deadline = time.monotonic() + timeout_ms / 1000
    thumb = page.get_by_role("slider", name=SLIDER_LABEL)
    await thumb.focus(timeout=timeout_ms)
    for _ in range(PRESSES):
        await thumb.press("ArrowRight", timeout=timeout_ms)
    left_ms = max(1, int((deadline - time.monotonic()) * 1000))
    await page.wait_for_function(SETTLED_JS, arg=expected, timeout=left_ms, polling=50)


async def do_download(page, timeout_ms: int) -> None:
    """Click the purchase-order download button and wait for the file; check it is a CSV with product_id."""
    async with page.expect_download(timeout=timeout_ms) as info:
        await page.get_by_role("button", name=DOWNLOAD_LABEL).click(timeout=timeout_ms)
    download = await info.value
    path = await download.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    if not text.strip():
        raise RuntimeError("the download is empty")
    header = next(csv.reader([text.splitlines()[0]]))
    if "product_id" not in header:
        raise RuntimeError(f"no product_id column in the downloaded header: {header[:6]}")


async def describe(page) -> str:
    """What the page shows now (for an error message): connection and script state, slider value, metric."""
    try:
        return await asyncio.wait_for(page.evaluate(DESCRIBE_JS), 10)
    except Exception as exc:  # noqa: BLE001 - the description is best effort
        return f"page state unavailable ({type(exc).__name__})"


async def timed(coro, timeout: float, page=None) -> dict:
    """Run one action; its time in seconds and success, or the exception text and what the page showed.
    Playwright's own timeouts fire first; asyncio.wait_for is a backstop a little later."""
    start = time.perf_counter()
    try:
        await asyncio.wait_for(coro, timeout + 15)
        return {"ok": True, "seconds": time.perf_counter() - start, "error": None}
    except Exception as exc:  # noqa: BLE001 - a benchmark records every failure and carries on
        seconds = time.perf_counter() - start
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else "no message"
        message = f"{type(exc).__name__}: {text}"[:200]
        if page is not None:
            message += f" [page: {await describe(page)}]"
        return {"ok": False, "seconds": seconds, "error": message}


async def session(browser, url: str, expected: str, timeout: float, barrier: asyncio.Barrier | None = None) -> dict:
    """One person: open, slider, download in turn, in a fresh browser context (so a fresh Streamlit session).
    With a barrier, waits (untimed) for every session to finish an action before starting the next."""
    timeout_ms = int(timeout * 1000)
    context = await browser.new_context(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    result: dict = {}
    try:
        page = await context.new_page()
        start = time.perf_counter()
        result["open"] = await timed(do_open(page, url, timeout_ms), timeout, page)
        result["page_run_finished_s"] = None
        if result["open"]["ok"] and (await timed(wait_idle(page, timeout_ms), timeout))["ok"]:
            result["page_run_finished_s"] = time.perf_counter() - start
        for name, make in (("slider", lambda: do_slider(page, expected, timeout_ms)),
                           ("download", lambda: do_download(page, timeout_ms))):  # fmt: skip
            if barrier is not None:
                await barrier.wait()
            if result["open"]["ok"]:
                result[name] = await timed(make(), timeout, page)
            else:
                result[name] = {"ok": False, "seconds": None, "error": "not run: open failed"}
    finally:
        await context.close()
    return result


async def warm_up(browser, url: str, timeout: float) -> dict:
    """One session through the same steps, untimed for the results: fits the models once, and learns the metric
    text the slider's new value shows (the signal the timed sessions wait for)."""
    timeout_ms = int(timeout * 1000)
    context = await browser.new_context(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    try:
        page = await context.new_page()
        start = time.perf_counter()
        await do_open(page, url, timeout_ms * 3)  # the first visit prepares the sample and fits the forecasts
        await wait_idle(page, timeout_ms * 3)
        opened = time.perf_counter() - start
        before = (await page_state(page))[1]
        thumb = page.get_by_role("slider", name=SLIDER_LABEL)
        start_value = await thumb.input_value()
        await thumb.focus()
        for _ in range(PRESSES):
            await thumb.press("ArrowRight")
        expected = await settled_metric(page, timeout)
        end_value = await thumb.input_value()
        if expected == before:
            raise RuntimeError(f"the '{METRIC_LABEL}' metric did not change ({before}) when the slider moved")
        await do_download(page, timeout_ms)
        return {"seconds": opened, "metric_before": before, "metric_after": expected,
                "slider_from": start_value, "slider_to": end_value}  # fmt: skip
    finally:
        await context.close()


async def settled_metric(page, timeout: float, quiet: float = 2.0) -> str:
    """The metric's text once the app has been idle, with the same text, for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = await page_state(page)
        if state != last:
            last, since = state, time.monotonic()
        elif state[0] == "notRunning" and state[1] and time.monotonic() - since >= quiet:
            return state[1]
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the page did not settle within {timeout:.0f} s (last state {last})")


async def run_level(browser, url: str, n: int, expected: str, timeout: float, pid: int, log: Path) -> dict:
    """N concurrent sessions with the server's memory sampled; the sessions' results, the level's totals and
    the exceptions the server logged meanwhile."""
    log_start = log.stat().st_size
    server_before, client_before = cpu_seconds(pid), cpu_seconds(os.getpid(), exclude=pid)
    busy_before, total_before = machine_jiffies()
    wall_before = time.perf_counter()
    with MemorySampler(pid) as sampler:
        barrier = asyncio.Barrier(n) if TOGETHER else None
        sessions = await asyncio.gather(*(session(browser, url, expected, timeout, barrier) for _ in range(n)))
    wall = time.perf_counter() - wall_before
    busy, total = machine_jiffies()
    return {"n": n, "wall_s": wall, "server_cpu_s": cpu_seconds(pid) - server_before,
            "browser_cpu_s": cpu_seconds(os.getpid(), exclude=pid) - client_before,
            "machine_busy_pct": 100 * (busy - busy_before) / max(1, total - total_before),
            "machine_busy_cpu_s": (busy - busy_before) / os.sysconf("SC_CLK_TCK"),
            "peak_rss_mb": sampler.peak, "rss_samples": sampler.samples,
            "server_errors": server_errors(log.read_bytes()[log_start:].decode(errors="replace")),
            "sessions": sessions}  # fmt: skip


# ------------------------------------------------------------------------------------------------ report


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (as numpy.percentile); None when there are no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(level: dict) -> list[dict]:
    """One row per action: p50 and p95 of the successful runs, runs, errors, the level's peak server RSS."""
    rows = []
    for action in ACTIONS:
        results = [s[action] for s in level["sessions"]]
        times = [r["seconds"] for r in results if r["ok"]]
        errors = [r["error"] for r in results if not r["ok"]]
        rows.append({"n": level["n"], "action": action, "p50_s": percentile(times, 0.5),
                     "p95_s": percentile(times, 0.95), "runs": len(results), "errors": len(errors),
                     "error_messages": sorted(set(errors)), "peak_rss_mb": level["peak_rss_mb"]})  # fmt: skip
    return rows


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[dict]) -> list[str]:
    """The markdown table of the summary rows."""
    lines = ["| N | action | p50 s | p95 s | runs | errors | peak server RSS MB |", "|--:|:--|--:|--:|--:|--:|--:|"]
    lines += [f"| {r['n']} | {r['action']} | {fmt(r['p50_s'])} | {fmt(r['p95_s'])} | {r['runs']} | {r['errors']} "
              f"| {fmt(r['peak_rss_mb'], 0)} |" for r in rows]  # fmt: skip
    return lines


def goals(rows: list[dict]) -> list[dict]:
    """The two goals and whether each is met (or not measured, when that N was not run)."""
    at_errors = [r for r in rows if r["n"] == GOAL_ERRORS_AT]
    slider = [r for r in rows if r["n"] == GOAL_SLIDER_AT and r["action"] == "slider"]
    errors = sum(r["errors"] for r in at_errors)
    p95 = slider[0]["p95_s"] if slider else None
    return [
        {"goal": f"no errors at N={GOAL_ERRORS_AT}", "measured": f"{errors} errors" if at_errors else "not run",
         "met": (errors == 0) if at_errors else None},
        {"goal": f"p95 slider response under {GOAL_SLIDER_P95:.0f} s at N={GOAL_SLIDER_AT}",
         "measured": (f"{p95:.2f} s" if p95 is not None else "no successful run") if slider else "not run",
         "met": (p95 is not None and p95 < GOAL_SLIDER_P95 and slider[0]["errors"] == 0) if slider else None},
    ]  # fmt: skip


def report(command: str, args, warm: dict, levels: list[dict], rows: list[dict], idle_rss: float) -> str:
    """The markdown written to load.md (and printed)."""
    met = {True: "**met**", False: "**not met**", None: "not measured"}
    lines = ["# Load: concurrent sessions on the Plan page", "", f"`{command}`", "",
             "One `streamlit run server.py` (single-user mode, empty SMBCORE_HOME, bundled Online Retail sample) on "
             f"this machine ({os.cpu_count()} cores), driven by one headless Chromium with one context per session "
             "(playwright async API, all sessions started together with asyncio.gather"
             + ("; every session finished each action before any started the next, so all N move the slider "
                "at the same time and all N download at the same time" if TOGETHER else "")
             + "). Browser and server share "
             "the same cores, so at high N the times include the browser's own rendering.", "",
             f"Warm-up (not counted): one session opened /plan (first visit: sample preparation and forecast fits, "
             f"{warm['seconds']:.1f} s until the page finished running), moved the slider and downloaded the order. "
             f"Server RSS: {idle_rss:.0f} MB after start, {warm['server_rss_mb']:.0f} MB after the warm-up.", "",
             "Actions per session, in turn: **open** = `goto /plan` until \"Download the purchase order\" is visible; "
             f"then (untimed) until the page has finished running; **slider** = focus the \"{SLIDER_LABEL}\" thumb, "
             f"press ArrowRight {PRESSES} times ({warm['slider_from']} -> {warm['slider_to']}), until the app root's "
             "`data-test-script-state` is `notRunning` and the \"Holding cost a year\" metric shows the figure for "
             f"the new value ({warm['metric_before']} -> {warm['metric_after']}, learnt in the warm-up; "
             "`stStatusWidget` did not appear for these sub-second fragment re-runs, and the metric alone is not "
             "enough since each key press can re-run with an intermediate value); **download** = click \"Download "
             "the purchase order (CSV)\" until the file has arrived (checked: non-empty, header has `product_id`).", "",
             f"Timeout {args.timeout:.0f} s per action; p50/p95 over successful runs (linear interpolation); "
             "peak RSS = streamlit process plus children, VmRSS sampled every 0.2 s during that N.", "",
             *table(rows), "", f"Where the time went: CPU seconds over the whole level ({os.cpu_count()} cores give at "
             f"most {os.cpu_count()} CPU seconds per wall second); browser = this script's process tree, Chromium "
             "included, without the server; rest = every other process and the kernel (other work on the machine); "
             "machine busy = all processes, 100% = every core busy; page run "
             "finished = from `goto` until the app had finished running the whole page (all tabs):", "",
             "| N | wall s | server CPU s | browser CPU s | rest of machine CPU s | machine busy % "
             "| page run finished p50 s |", "|--:|--:|--:|--:|--:|--:|--:|"]  # fmt: skip
    for level in levels:
        finished = [s["page_run_finished_s"] for s in level["sessions"] if s.get("page_run_finished_s")]
        lines.append(f"| {level['n']} | {level['wall_s']:.1f} | {level['server_cpu_s']:.1f} | "
                     f"{level['browser_cpu_s']:.1f} | "
                     f"{level['machine_busy_cpu_s'] - level['server_cpu_s'] - level['browser_cpu_s']:.1f} | "
                     f"{level['machine_busy_pct']:.0f} | "
                     f"{fmt(percentile(finished, 0.5))} |")  # fmt: skip
    lines += ["", "## Goals", ""]
    lines += [f"- {g['goal']}: {g['measured']}, {met[g['met']]}" for g in goals(rows)]
    messages = [(r["n"], r["action"], m) for r in rows for m in r["error_messages"]]
    if messages:
        lines += ["", "## Errors seen by the sessions", ""] + [f"- N={n} {action}: `{m}`" for n, action, m in messages]
    logged = [(level["n"], e) for level in levels for e in level["server_errors"]]
    lines += ["", "## Exceptions in the server log", ""]
    lines += [f"- N={n}: {e['count']} x `{e['exception']}` (logged after: `{e['logged_as']}`)" for n, e in logged]
    lines += [] if logged else ["None."]
    if logged:
        lines += ["", "First traceback:", "", "```", logged[0][1]["traceback"], "```"]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ main


async def drive(url: str, levels_n: list[int], timeout: float, pid: int, log: Path) -> tuple[dict, list[dict]]:
    """Warm the app, then run each N in turn with one Chromium."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            print("warming up (first visit fits the forecasts)...", flush=True)
            warm = await warm_up(browser, url, timeout)
            warm["server_rss_mb"] = rss_mb(pid)
            print(f"warm-up done in {warm['seconds']:.1f} s; slider {warm['slider_from']} -> {warm['slider_to']}, "
                  f"metric {warm['metric_before']} -> {warm['metric_after']}", flush=True)  # fmt: skip
            levels = []
            for n in levels_n:
                print(f"N={n}...", flush=True)
                level = await run_level(browser, url, n, warm["metric_after"], timeout, pid, log)
                errors = sum(not s[a]["ok"] for s in level["sessions"] for a in ACTIONS)
                logged = sum(e["count"] for e in level["server_errors"])
                print(f"N={n}: {level['wall_s']:.1f} s, {errors} errors, peak RSS {level['peak_rss_mb']:.0f} MB, "
                      f"{logged} exceptions in the server log", flush=True)  # fmt: skip
                levels.append(level)
                await asyncio.sleep(3)  # let the closed sessions go before the next level
        finally:
            await browser.close()
    return warm, levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per action")
    parser.add_argument("--presses", type=int, default=PRESSES, help="ArrowRight presses per slider move")
    parser.add_argument("--together", action="store_true", help="all sessions do each action at the same time")
    args = parser.parse_args()
    globals()["PRESSES"] = args.presses  # one press is one step of 0.5, like one drag released
    globals()["TOGETHER"] = args.together
    command = ".venv/bin/python benchmarks/load.py " + " ".join(["--sessions", *map(str, args.sessions)])
    if args.presses != 3:
        command += f" --presses {args.presses}"
    if args.together:
        command += " --together"
    if args.timeout != 120.0:
        command += f" --timeout {args.timeout:g}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smbcore_load_") as home, open(Path(home) / "server.log", "w+") as log:
        (Path(home) / "smbcore").mkdir()  # empty: no accounts file, so single-user mode
        server = start_server(port, Path(home) / "smbcore", log)
        try:
            wait_healthy(url, server)
            idle_rss = rss_mb(server.pid)
            warm, levels = asyncio.run(drive(url, args.sessions, args.timeout, server.pid, Path(log.name)))
        except BaseException:
            log.flush()
            log.seek(0)
            print("server log (tail):\n" + log.read()[-3000:], file=sys.stderr)
            raise
        finally:
            stop_server(server)
    rows = [row for level in levels for row in summarise(level)]
    text = report(command, args, warm, levels, rows, idle_rss)
    print("\n" + text)
    # Other designs get their own files, so the default run's figures are kept.
    suffix = ("" if args.presses == 3 else f"_presses{args.presses}") + ("_together" if args.together else "")
    (RESULTS / f"load{suffix}.md").write_text(text + "\n")
    payload = {"command": command, "cores": os.cpu_count(), "timeout_s": args.timeout, "presses": PRESSES, "together": TOGETHER,
               "server_rss_after_start_mb": idle_rss, "warm_up": warm, "summary": rows, "goals": goals(rows),
               "levels": levels}  # fmt: skip
    (RESULTS / f"load{suffix}.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
