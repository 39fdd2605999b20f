"""Page speed: how long every page and tab of the app takes to run, on every bundled sample.

    nice -n 5 .venv/bin/python benchmarks/page_speed.py [--samples NAME ...] [--pages TITLE ...] [--tag before]
        [--refresh-first] [--warm 3] [--keep-caches]

What is measured. One process, one fresh temporary SMBCORE_HOME for the whole run (shared by every page, so each
sample is prepared once). Each bundled sample (smbcore.data.SAMPLES) is prepared first, outside the timings
(`sample_workspace`, reported as "prepare s"), and smbcore's and the pages' helper modules are imported. Then, for each sample and each page of app.py's st.navigation, in
navigation order, and for the pages whose tabs are lazy (pages._tables.lazy_tabs: only the open tab's code runs)
each tab in turn: a fresh `streamlit.testing.v1.AppTest` of app.py (a new visitor's session), with the sample
chosen (session state `data_source`, as tests/app_checks.py `start()` does), the tab opened (its session-state
key) and the page selected (`switch_page`, as opening the page's address does) before its first run. Pages with
plain st.tabs (Overview, Your data) run every tab in one run.

- cold: that first run, after Streamlit's in-memory caches were emptied (st.cache_data and st.cache_resource:
  what a newly started server holds). The on-disk result cache in the workspace folders (smbcore.cache) is kept,
  as a server keeps it, so a page can find what an earlier page or a refresh stored there.
- warm: `--warm` (3) further `app.run()` of the same session, nothing changed: median and worst.
Time = wall seconds of `app.run()`; CPU = CPU seconds of this process (all threads: time.process_time) plus its
child processes (reaped ones from resource.getrusage, live ones such as worker pools from /proc) over the run.
Errors = exception elements plus error alerts the run drew, and any exception `run()` raised; each is listed.

`--refresh-first`: before any timing, `<python> -m smbcore refresh --sample NAME` for each sample with the same
SMBCORE_HOME (its time and exit status are reported; a failure is printed and the timings go on).
Goal (issue 17, after the refresh): page runs median under 0.5 s and worst under 1.5 s, in wall time and CPU,
judged per sample on the cold runs and on the warm runs separately.
Writes benchmarks/results/page_speed[_TAG].md and .json. 2-core machine shared with other work: rough figures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
HOME = Path(tempfile.mkdtemp(prefix="smbcore_page_speed_"))
os.environ["SMBCORE_HOME"] = str(HOME)  # before smbcore is imported
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit import logger as streamlit_logger  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from smbcore.data import SAMPLES, sample_workspace  # noqa: E402

# app.py's st.navigation: title -> page file. Lazy tabs: page title -> (session-state key, tab labels).
PAGES = {"Overview": "pages/overview.py", "Customers": "pages/customers.py", "Marketing": "pages/marketing.py",
         "Forecast": "pages/forecast.py", "Plan": "pages/plan.py", "Fairness": "pages/fairness.py",
         "Your data": "pages/data.py", "Data health check": "pages/health.py"}  # fmt: skip
LAZY_TABS = {
    "Customers": (
        "customers_tab",
        ["Segments and risk", "Look up a customer", "Recommendations", "Marketing plan", "Did it work?"],
    ),  # fmt: skip
    "Plan": ("plan_tab", ["Stock", "Staff", "Marketing budget", "One plan"]),
    "Fairness": (
        "fairness_tab",
        ["Model cards", "Why this decision", "Bias checks", "Contest and override", "Data ethics"],
    ),  # fmt: skip
}
GOAL_MEDIAN, GOAL_WORST = 0.5, 1.5
TIMEOUT = 900.0


def children_cpu() -> float:
    """CPU seconds of this process's live descendants (from /proc: utime + stime + their reaped children)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents.setdefault(int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]),
                                   []).append(int(entry))  # fmt: skip
            except OSError:
                continue
    total, todo = 0, list(parents.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(parents.get(pid, []))
        try:
            total += sum(int(f) for f in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:15])
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def cpu_now() -> float:
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + reaped.ru_utime + reaped.ru_stime + children_cpu()


def shown_errors(app: AppTest) -> list[str]:
    """The exception elements and error alerts the last run drew, as short texts."""
    found = [f"exception: {str(e.message or e.value)[:200]}" for e in app.exception]
    return found + [f"error alert: {str(e.value)[:200]}" for e in app.error]


def timed_run(app: AppTest) -> dict:
    wall, cpu = time.perf_counter(), cpu_now()
    try:
        app.run(timeout=TIMEOUT)
        errors = shown_errors(app)
    except Exception as exc:  # noqa: BLE001 - a benchmark records every failure and goes on
        errors = [f"run raised {type(exc).__name__}: {str(exc).strip()[:200]}"]
    return {"seconds": time.perf_counter() - wall, "cpu_s": cpu_now() - cpu, "errors": errors}


def measure(sample: str, page: str, tab: str | None, warm: int, clear: bool) -> dict:
    """One (sample, page, tab) cell: a cold first run in a new session, then `warm` re-runs."""
    if clear:
        st.cache_data.clear()
        st.cache_resource.clear()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.session_state["data_source"] = sample
    if tab is not None:
        app.session_state[LAZY_TABS[page][0]] = tab
    app.switch_page(PAGES[page])
    cold = timed_run(app)
    if tab is not None and not any("raised" in e for e in cold["errors"]):
        shown = app.session_state[LAZY_TABS[page][0]]
        if shown != tab:
            cold["errors"].append(f"the open tab was {shown!r}, not {tab!r}")
    runs = [] if any("raised" in e for e in cold["errors"]) else [timed_run(app) for _ in range(warm)]
    warm_s = [r["seconds"] for r in runs]
    return {"sample": sample, "page": page, "tab": tab, "cold": cold, "warm": runs,
            "warm_median_s": statistics.median(warm_s) if warm_s else None,
            "warm_worst_s": max(warm_s) if warm_s else None,
            "warm_cpu_median_s": statistics.median(r["cpu_s"] for r in runs) if runs else None,
            "errors": len(cold["errors"]) + sum(len(r["errors"]) for r in runs),
            "error_messages": sorted({e for r in [cold, *runs] for e in r["errors"]})}  # fmt: skip


def refresh(sample: str) -> dict:
    """`python -m smbcore refresh --sample NAME` on this run's SMBCORE_HOME: seconds, exit status, last words."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "smbcore", "refresh", "--sample", sample], cwd=ROOT,
                          env=dict(os.environ, SMBCORE_HOME=str(HOME)), capture_output=True, text=True)  # fmt: skip
    tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [""]
    return {"sample": sample, "seconds": time.perf_counter() - start, "exit": done.returncode, "last_line": tail[0]}


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def judge(times: list[float], cpus: list[float]) -> dict:
    """Median and worst of the page runs (wall and CPU) and whether they meet the goal."""
    if not times:
        return {"runs": 0, "median_s": None, "worst_s": None, "cpu_median_s": None, "cpu_worst_s": None, "met": False}
    result = {"runs": len(times), "median_s": statistics.median(times), "worst_s": max(times),
              "cpu_median_s": statistics.median(cpus), "cpu_worst_s": max(cpus)}  # fmt: skip
    result["met"] = all(result[f"{k}median_s"] < GOAL_MEDIAN and result[f"{k}worst_s"] < GOAL_WORST
                        for k in ("", "cpu_"))  # fmt: skip
    return result


def summarise(cells: list[dict], sample: str) -> dict:
    mine = [c for c in cells if c["sample"] == sample]
    cold = judge([c["cold"]["seconds"] for c in mine], [c["cold"]["cpu_s"] for c in mine])
    runs = [r for c in mine for r in c["warm"]]
    return {"sample": sample, "cold": cold, "warm": judge([r["seconds"] for r in runs], [r["cpu_s"] for r in runs])}


def refresh_lines(refreshes: list[dict]) -> list[str]:
    """The report's account of `python -m smbcore refresh` before timing: each sample's time and exit status."""
    lines = ["Refresh before timing (`python -m smbcore refresh --sample NAME`):", ""]
    lines += [f"- {r['sample']}: exit {r['exit']} after {r['seconds']:.1f} s"
              + ("" if r["exit"] == 0 else f" (**failed**: `{r['last_line'][:200]}`)") for r in refreshes]  # fmt: skip
    failed = [r["sample"] for r in refreshes if r["exit"] != 0]
    if failed:
        lines += ["", f"The refresh failed for {', '.join(failed)}: their figures are not after a refresh."]
    return lines + [""]


def report(command: str, prepared: dict, refreshes: list[dict], cells: list[dict], sums: list[dict], args,
           load: tuple[float, float]) -> str:  # fmt: skip
    met = {True: "**met**", False: "**not met**"}
    lines = ["# Page speed: every page and tab on every sample (AppTest)", "", f"`{command}`", "",
             f"{os.cpu_count()} cores, shared with other work; rough figures. See the script's docstring for what "
             f"is measured. Cold = the first run of a new session after Streamlit's in-memory caches were "
             f"{'kept' if args.keep_caches else 'emptied'} (the on-disk result cache kept); warm = {args.warm} "
             "more runs of that session.", ""]  # fmt: skip
    lines += [f"Machine load average (1 min) when the timings started: {load[0]:.1f}, at the end: {load[1]:.1f}.", ""]
    lines += ["Samples prepared before timing: " + ", ".join(f"{s} {v:.1f} s" for s, v in prepared.items()) + ".", ""]
    lines += (
        refresh_lines(refreshes)
        if args.refresh_first
        else ["No refresh before timing (the goal is for runs after the refresh: these are today's figures).", ""]
    )
    lines += ["| sample | page | tab | cold s | cold CPU s | warm median s | warm worst s | warm CPU median s | errors |",
              "|:--|:--|:--|--:|--:|--:|--:|--:|--:|"]  # fmt: skip
    for c in cells:
        lines.append(f"| {c['sample']} | {c['page']} | {c['tab'] or 'all'} | {fmt(c['cold']['seconds'])} | "
                     f"{fmt(c['cold']['cpu_s'])} | {fmt(c['warm_median_s'])} | {fmt(c['warm_worst_s'])} | "
                     f"{fmt(c['warm_cpu_median_s'])} | {c['errors']} |")  # fmt: skip
    lines += ["", f"## Per sample, and the goal (median under {GOAL_MEDIAN} s and worst under {GOAL_WORST} s, "
              "wall and CPU)", "", "| sample | runs | median s | worst s | CPU median s | CPU worst s | goal |",
              "|:--|:--|--:|--:|--:|--:|:--|"]  # fmt: skip
    for s in sums:
        for kind in ("cold", "warm"):
            j = s[kind]
            lines.append(f"| {s['sample']} | {kind} ({j['runs']}) | {fmt(j['median_s'])} | {fmt(j['worst_s'])} | "
                         f"{fmt(j['cpu_median_s'])} | {fmt(j['cpu_worst_s'])} | {met[j['met']]} |")  # fmt: skip
    failed = [c for c in cells if c["error_messages"]]
    lines += ["", "## Errors drawn or raised", ""]
    lines += [f"- {c['sample']} / {c['page']} / {c['tab'] or 'all'}: " + "; ".join(f"`{m}`" for m in c["error_messages"])
              for c in failed] or ["None."]  # fmt: skip
    return "\n".join(lines)


def quiet_and_imported() -> None:
    """AppTest outside a server logs 'missing ScriptRunContext' warnings by the hundred: keep errors only. Import
    the pages' helper modules and smbcore's modules once, untimed, so the first page timed does not pay every
    import of the process (cold_start.py times a new server, imports included)."""
    streamlit_logger.set_log_level("error")
    for folder, package in ((ROOT / "pages", "pages"), (ROOT / "smbcore", "smbcore")):
        for source in sorted(folder.rglob("*.py")):
            parts = source.relative_to(folder).with_suffix("").parts
            if package == "pages" and not parts[-1].startswith("_") or parts[-1] == "__main__":
                continue  # page scripts draw when imported
            importlib.import_module(".".join((package, *parts)).removesuffix(".__init__"))


def cells_for(pages: list[str]) -> list[tuple[str, str | None]]:
    return [(page, tab) for page in pages for tab in (LAZY_TABS[page][1] if page in LAZY_TABS else [None])]


def main() -> None:
    try:
        run()
    finally:
        shutil.rmtree(HOME, ignore_errors=True)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", nargs="+", default=list(SAMPLES), choices=list(SAMPLES))
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--tag", default="", help="results go to page_speed_<tag>.md/json")
    parser.add_argument("--refresh-first", action="store_true", help="run `python -m smbcore refresh` first")
    parser.add_argument("--warm", type=int, default=3, help="warm re-runs per page")
    parser.add_argument("--keep-caches", action="store_true", help="do not empty Streamlit's caches before a page")
    args = parser.parse_args()
    command = "nice -n 5 .venv/bin/python benchmarks/page_speed.py " + shlex.join(sys.argv[1:])
    quiet_and_imported()
    refreshes = []
    if args.refresh_first:
        for sample in args.samples:
            print(f"refresh {sample}...", flush=True)
            refreshes.append(refresh(sample))
            if refreshes[-1]["exit"] != 0:
                print(f"NOTE: the refresh of {sample} failed (exit {refreshes[-1]['exit']}): "
                      f"{refreshes[-1]['last_line']}; timing goes on without it.", flush=True)  # fmt: skip
    prepared = {}
    for sample in args.samples:
        start = time.perf_counter()
        sample_workspace(sample, HOME)
        prepared[sample] = time.perf_counter() - start
    cells = []
    load_start = os.getloadavg()[0]
    for sample in args.samples:
        for page, tab in cells_for(args.pages):
            cell = measure(sample, page, tab, args.warm, not args.keep_caches)
            cells.append(cell)
            print(f"{sample:16} {page:18} {tab or 'all':22} cold {cell['cold']['seconds']:6.2f} s "
                  f"(CPU {cell['cold']['cpu_s']:6.2f}) warm {fmt(cell['warm_median_s'])} / {fmt(cell['warm_worst_s'])}"
                  f" errors {cell['errors']}", flush=True)  # fmt: skip
            for message in cell["error_messages"]:
                print(f"    ERROR: {message}", flush=True)
    sums = [summarise(cells, s) for s in args.samples]
    load = (load_start, os.getloadavg()[0])
    text = report(command, prepared, refreshes, cells, sums, args, load)
    print("\n" + text)
    name = "page_speed" + (f"_{args.tag}" if args.tag else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text + "\n")
    payload = {"command": command, "cores": os.cpu_count(), "caches_emptied": not args.keep_caches,
               "goal": {"median_s": GOAL_MEDIAN, "worst_s": GOAL_WORST}, "prepared_s": prepared, "load_average": load,
               "refresh": refreshes, "summary": sums, "cells": cells}  # fmt: skip
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
