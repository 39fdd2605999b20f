"""Cold start: from starting the server to the Overview drawn in a browser.

    nice -n 5 .venv/bin/python benchmarks/cold_start.py [--repeats 3] [--tag before] [--refresh-first]
        [--samples online_retail]

What is measured. `--repeats` times, each with a new `streamlit run server.py --server.headless true
--server.port P --server.address 127.0.0.1` (single-user mode: an SMBCORE_HOME with no accounts). The first
repeat starts on a brand-new, empty SMBCORE_HOME ("fresh": the Gift shop sample, which a new visitor is shown
first, is prepared during the first page run); the later repeats start a new server on that same home ("reused":
the prepared sample and the on-disk result cache are kept, Streamlit's in-memory caches are not, as after a
restart). One headless Chromium (playwright) is started before the first server, and the first visit's browser
context and blank page before each server: neither is timed.

- health: from starting the server process until /_stcore/health answers 200 (polled every 50 ms);
- cold Overview: in a new browser context, from `goto /` until the Overview is drawn: its heading "How your shop
  is doing" is visible and the app root's `data-test-script-state` is `notRunning` (the page run has finished,
  as benchmarks/load.py detects it), polled every 50 ms. First visit of the new server;
- warm Overview: the same in a second new browser context (a new Streamlit session of the same server);
- total: from starting the server process until the cold Overview is drawn;
- server CPU: CPU seconds of the server's process tree from its start until the cold Overview was drawn.
Errors: exception elements and error alerts on the drawn page, and tracebacks in the server log.

`--refresh-first`: before the first server starts, `<python> -m smbcore refresh --sample NAME` for each of
`--samples` on that home (so no repeat is on a fresh home; reported). A failure is printed and the run goes on.
Goal (issue 17): cold start to the Overview drawn under 3 s (judged on the median total).
Writes benchmarks/results/cold_start[_TAG].md and .json. 2-core machine shared with other work: rough figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.live_server import free_port, start_server, stop_server, tree_usage, wait_healthy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
HEADING = "How your shop is doing"  # the Overview page's st.title
GOAL_TOTAL = 3.0
TIMEOUT_S = 300
DRAWN_JS = """(heading) => {
  const app = document.querySelector('[data-testid=stApp]');
  const h1 = [...document.querySelectorAll('h1')].find(h => h.innerText.trim() === heading && h.offsetParent);
  return Boolean(app && h1 && app.getAttribute('data-test-script-state') === 'notRunning');
}"""
ERRORS_JS = """() => [...document.querySelectorAll('[data-testid=stException], [data-testid=stAlertContentError]')]
  .map(e => e.innerText.trim().slice(0, 200))"""


def new_page(browser):
    """A new browser context (no cookies, no cached files: a new Streamlit session) and a blank page in it."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    return context, context.new_page()


def visit(page, url: str) -> dict:
    """`page` opens / : seconds until the Overview is drawn, and the errors it shows. Closes its context."""
    try:
        start = time.perf_counter()
        page.goto(url, timeout=TIMEOUT_S * 1000)
        page.wait_for_function(DRAWN_JS, arg=HEADING, timeout=TIMEOUT_S * 1000, polling=50)
        drawn = time.perf_counter()
        return {"seconds": drawn - start, "drawn_at": drawn, "errors": page.evaluate(ERRORS_JS)}
    finally:
        page.context.close()


def server_tracebacks(log_text: str) -> list[str]:
    """The last line of each traceback in the server log."""
    lines = log_text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last):"):
            end = i + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            found.append(lines[end].strip()[:300] if end < len(lines) else "traceback cut short")
    return found


def one_start(browser, home: Path, label: str, log_path: Path) -> dict:
    """Start a server on `home`, time health, the cold and the warm Overview, stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _, first = new_page(browser)  # made before the server starts: the browser's own set-up is not timed
    with open(log_path, "w+") as log:
        start = time.perf_counter()
        server = start_server(port, home, log)
        try:
            wait_healthy(url, server, TIMEOUT_S)
            health = time.perf_counter() - start
            cold = visit(first, url)
            total = cold["drawn_at"] - start
            cpu = tree_usage(server.pid)[1]
            warm = visit(new_page(browser)[1], url)
        finally:
            stop_server(server)
        log.seek(0)
        tracebacks = server_tracebacks(log.read())
    return {"home": label, "health_s": health, "cold_overview_s": cold["seconds"], "warm_overview_s": warm["seconds"],
            "total_s": total, "server_cpu_s": cpu, "page_errors": cold["errors"] + warm["errors"],
            "server_tracebacks": tracebacks}  # fmt: skip


def refresh(sample: str, home: Path) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "smbcore", "refresh", "--sample", sample], cwd=ROOT,
                          env=dict(os.environ, SMBCORE_HOME=str(home)), capture_output=True, text=True)  # fmt: skip
    tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [""]
    return {"sample": sample, "seconds": time.perf_counter() - start, "exit": done.returncode, "last_line": tail[0]}


KEYS = ("health_s", "cold_overview_s", "warm_overview_s", "total_s", "server_cpu_s")


def report(command: str, runs: list[dict], refreshes: list[dict], median: dict, load: tuple[float, float]) -> str:
    met = "**met**" if median["total_s"] < GOAL_TOTAL else "**not met**"
    lines = ["# Cold start: server start to the Overview drawn (Chromium)", "", f"`{command}`", "",
             f"{os.cpu_count()} cores, shared with other work; rough figures. See the script's docstring for what is "
             "measured. health = server process start until /_stcore/health answers; cold / warm Overview = `goto /` "
             f"until the heading \"{HEADING}\" is visible and the app's script state is `notRunning`, in the first / "
             "a second new browser context; total = server start until the cold Overview is drawn; server CPU = "
             "the server's CPU seconds over that total.", ""]  # fmt: skip
    lines += [f"Machine load average (1 min) at the start: {load[0]:.1f}, at the end: {load[1]:.1f}.", ""]
    if refreshes:
        lines += ["Refresh before the first server (`python -m smbcore refresh --sample NAME`):", ""]
        lines += [f"- {r['sample']}: exit {r['exit']} after {r['seconds']:.1f} s"
                  + ("" if r["exit"] == 0 else f" (**failed**: `{r['last_line'][:200]}`)") for r in refreshes]  # fmt: skip
        lines.append("")
    lines += ["| run | home | health s | cold Overview s | warm Overview s | total s | server CPU s | errors |",
              "|--:|:--|--:|--:|--:|--:|--:|--:|"]  # fmt: skip
    for i, r in enumerate(runs, 1):
        errors = len(r["page_errors"]) + len(r["server_tracebacks"])
        lines.append(f"| {i} | {r['home']} | " + " | ".join(f"{r[k]:.2f}" for k in KEYS) + f" | {errors} |")
    lines.append("| median | | " + " | ".join(f"{median[k]:.2f}" for k in KEYS) + " | |")
    worst = max(range(len(runs)), key=lambda i: runs[i]["total_s"])
    lines += ["", f"Goal: cold start to the Overview drawn under {GOAL_TOTAL:.0f} s: median total "
              f"{median['total_s']:.2f} s (worst {runs[worst]['total_s']:.2f} s, run {worst + 1} on a "
              f"{runs[worst]['home']} home), {met}.", ""]  # fmt: skip
    problems = [f"- run {i}: `{e}`" for i, r in enumerate(runs, 1) for e in r["page_errors"] + r["server_tracebacks"]]
    lines += ["## Errors", ""] + (problems or ["None."])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tag", default="", help="results go to cold_start_<tag>.md/json")
    parser.add_argument("--refresh-first", action="store_true", help="run `python -m smbcore refresh` first")
    parser.add_argument("--samples", nargs="+", default=["online_retail"], help="samples to refresh first")
    args = parser.parse_args()
    command = "nice -n 5 .venv/bin/python benchmarks/cold_start.py " + shlex.join(sys.argv[1:])
    runs, refreshes = [], []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="smbcore_cold_start_") as tmp, sync_playwright() as p:
        home = Path(tmp) / "smbcore"
        home.mkdir()  # empty: no accounts file, so single-user mode
        if args.refresh_first:
            for sample in args.samples:
                refreshes.append(refresh(sample, home))
                if refreshes[-1]["exit"] != 0:
                    print(f"NOTE: the refresh of {sample} failed (exit {refreshes[-1]['exit']}): "
                          f"{refreshes[-1]['last_line']}; going on without it.", flush=True)  # fmt: skip
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for i in range(args.repeats):
                label = "refreshed" if refreshes and i == 0 else "fresh" if i == 0 else "reused"
                run = one_start(browser, home, label, Path(tmp) / f"server{i}.log")
                runs.append(run)
                print(f"run {i + 1} ({label} home): " + ", ".join(f"{k} {run[k]:.2f}" for k in KEYS)
                      + f", errors {len(run['page_errors']) + len(run['server_tracebacks'])}", flush=True)  # fmt: skip
        finally:
            browser.close()
    median = {k: statistics.median(r[k] for r in runs) for k in KEYS}
    load = (load_start, os.getloadavg()[0])
    text = report(command, runs, refreshes, median, load)
    print("\n" + text)
    name = "cold_start" + (f"_{args.tag}" if args.tag else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text + "\n")
    payload = {"command": command, "cores": os.cpu_count(), "goal_total_s": GOAL_TOTAL, "refresh": refreshes,
               "load_average": load, "runs": runs, "median": median, "met": median["total_s"] < GOAL_TOTAL}  # fmt: skip
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
