"""Load without browsers: N concurrent Streamlit sessions driven over the websocket protocol, against one server.

    nice -n 5 .venv/bin/python benchmarks/load_ws.py [--sessions 10 50 100] [--rounds 2] [--refresh-first] [--tag T]

Starts `streamlit run server.py` (single-user mode, a fresh empty SMBCORE_HOME; --refresh-first runs
`python -m smbcore refresh --sample online_retail` on it first), warms it with one session through every phase
(not counted: the first visit prepares the sample and fits the models), then per N and round connects N websocket
sessions to /_stcore/stream and runs each phase with all N at once: open plan (Plan page, Stock tab, bundled
Online Retail sample), slider ("Service level (%)" one step up: its fragment re-runs, as after a browser's drag),
open overview, open customers.

Sessions speak the browser's protocol (streamlit.proto): BackMsg.rerun_script with a ClientState (page_name = the
page's url path; the slider adds page_script_hash, fragment_id and the slider's new value in widget_states: the
server keeps the other widgets' values, which a browser would resend unchanged), then ForwardMsgs up to
script_finished, FINISHED_SUCCESSFULLY (page) or FINISHED_FRAGMENT_RUN_SUCCESSFULLY (slider). Errors: exception
elements, error alerts, page_not_found, another page or status, a dropped connection, a --timeout. Measured per
N, round and phase: p50/p95, errors, server CPU s per action (streamlit process tree CPU over the phase / actions),
client CPU, server RSS after each round and its peak (tree, sampled every 0.2 s). Client and server share the
machine's cores. Writes benchmarks/results/load_ws[_TAG].md and .json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.live_server import free_port, start_server, stop_server, tree_usage, wait_healthy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SLIDER_LABEL = "Service level (%)"
# (phase, page url path): the Overview is the default page, at "". DONE: a successful finish, by fragment run or not.
PHASES = (("open plan", "plan"), ("slider", "plan"), ("open overview", ""), ("open customers", "customers"))
DONE = {False: ForwardMsg.FINISHED_SUCCESSFULLY, True: ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
GOAL_P95_AT, GOAL_P95_S, GOAL_NO_ERRORS_AT = 50, 2.0, 100


def rerun_request(page: str, page_hash: str = "", widgets: tuple = (), fragment_id: str = "") -> bytes:
    """A BackMsg.rerun_script as the frontend sends it: the page by url path (page_name) and, once known, its
    page_script_hash; widget states; fragment_id when only a fragment re-runs."""
    msg = BackMsg()
    state = msg.rerun_script
    state.page_name, state.page_script_hash, state.fragment_id = page, page_hash, fragment_id
    state.widget_states.widgets.extend(widgets)
    state.context_info.CopyFrom(ContextInfo(timezone="UTC", timezone_offset=0, locale="en-GB", is_embedded=False))
    return msg.SerializeToString()


def slider_state(widget_id: str, value: float) -> WidgetState:
    """A slider's widget state: a one-value double array, as the frontend's slider writes it."""
    state = WidgetState(id=widget_id)
    state.double_array_value.data.append(value)
    return state


class RunLog:
    """What one script run sent back: its finish status, errors shown, the resolved page and the slider."""

    def __init__(self) -> None:
        self.status, self.errors, self.slider, self.metrics = None, [], None, {}
        self.page_hash = self.page_path = ""

    def read(self, data: bytes) -> bool:
        """Take in one ForwardMsg; True when it ends the run (a script_finished other than an early stop for a
        rerun, after which the next run follows)."""
        msg = ForwardMsg.FromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, msg.delta.fragment_id)
        elif kind == "navigation":
            nav = msg.navigation
            self.page_hash = nav.page_script_hash
            self.page_path = next(p.url_pathname for p in nav.app_pages if p.page_script_hash == self.page_hash)
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.status = msg.script_finished
            return True
        return False

    def _element(self, element, fragment_id: str) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.errors.append(f"exception {element.exception.type}: {element.exception.message}"[:200])
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            self.errors.append(f"error shown: {element.alert.body}"[:200])
        elif kind == "metric":
            self.metrics[element.metric.label] = element.metric.body
        elif kind == "slider" and element.slider.label == SLIDER_LABEL:
            s = element.slider
            value = (list(s.value) or list(s.default))[0]
            self.slider = {"id": s.id, "value": value, "to": min(s.max, value + s.step), "fragment_id": fragment_id}


class Session:
    """One visitor: a websocket to /_stcore/stream, and what its last run drew."""

    def __init__(self, url: str, timeout: float):
        self.url, self.timeout, self.ws = url, timeout, None
        self.page_hash, self.slider, self.metrics = "", None, {}  # metrics: label -> figure, as last drawn

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60,
                                           ping_timeout=None)  # fmt: skip

    async def run(self, request: bytes, want: int) -> dict:
        """Send one BackMsg and read until its run ends; seconds, and errors (empty when it succeeded)."""
        log, start = RunLog(), time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                await self.ws.send(request)
                while not log.read(await self.ws.recv()):
                    pass
        except TimeoutError:
            log.errors.append(f"no script_finished within {self.timeout:.0f} s")
        except websockets.ConnectionClosed as exc:
            log.errors.append(f"connection closed: {exc}"[:200])
        if log.status is not None and log.status != want:
            log.errors.append(f"finished with {ForwardMsg.ScriptFinishedStatus.Name(log.status)}")
        return {"seconds": time.perf_counter() - start, "errors": log.errors, "log": log}

    async def open_page(self, page: str) -> dict:
        """A page run of `page` (its url path), as on a browser's first visit to /page."""
        result = await self.run(rerun_request(page), DONE[False])
        log = result.pop("log")
        if not result["errors"] and log.page_path != page:
            result["errors"].append(f"asked for page {page!r}, ran {log.page_path!r}")
        self.page_hash, self.slider, self.metrics = log.page_hash, log.slider, log.metrics
        return result

    async def move_slider(self) -> dict:
        """Move the service-level slider one step: a re-run of the slider's fragment (of the page when it is not
        in one) with the slider's new value."""
        if self.slider is None:
            return {"seconds": 0.0, "errors": [f"no '{SLIDER_LABEL}' slider on the page (open plan failed?)"]}
        fragment, moved = self.slider["fragment_id"], slider_state(self.slider["id"], self.slider["to"])
        result = await self.run(rerun_request("plan", self.page_hash, (moved,), fragment), DONE[bool(fragment)])
        self.metrics = result.pop("log").metrics
        return result


async def act(session: Session, phase: str, page: str) -> dict:
    """One session's action in a phase; after a failure the session reconnects (untimed), so a run still going on
    the server for it does not answer its next action."""
    result = await (session.move_slider() if phase == "slider" else session.open_page(page))
    if result["errors"]:
        await session.ws.close()
        await session.connect()
    return result


def refresh_first(home: Path) -> str:
    """`python -m smbcore refresh --sample online_retail` on `home`; what happened, in one line."""
    command, start = [sys.executable, "-m", "smbcore", "refresh", "--sample", "online_retail"], time.perf_counter()
    env = dict(os.environ, SMBCORE_HOME=str(home))
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1][:160]
        return f"refresh skipped: `{' '.join(command[1:])}` exited {done.returncode} ({tail})"
    return f"refresh ran first: `{' '.join(command[1:])}` took {time.perf_counter() - start:.1f} s"


def watch_peak(pid: int, stop: threading.Event, peak: list[float]) -> None:
    """Keep peak[0] at the highest RSS of the server's tree, sampled every 0.2 s until `stop` is set."""
    while not stop.is_set():
        peak[0] = max(peak[0], tree_usage(pid)[0])
        stop.wait(0.2)


async def warm_up(url: str, timeout: float) -> dict:
    """One session through every phase, untimed for the results: seconds each took, any errors, and the metrics
    the slider move changed (none changed would mean the move did not reach the page: an error)."""
    session, times = Session(url, timeout * 5), {}
    await session.connect()
    try:
        for phase, page in PHASES:
            before = dict(session.metrics)
            result = await act(session, phase, page)
            times[phase] = {"seconds": result["seconds"], "errors": result["errors"]}
            if phase == "slider":
                changed = {k: f"{before[k]} -> {v}" for k, v in session.metrics.items() if before.get(k, v) != v}
                times[phase]["slider"], times[phase]["metrics_changed"] = dict(session.slider or {}), changed
                times[phase]["errors"] += [] if changed else ["the slider move changed no metric on the page"]
            print(f"  warm-up {phase}: {result['seconds']:.1f} s", times[phase].get("metrics_changed", ""),
                  "; ".join(times[phase]["errors"]), flush=True)  # fmt: skip
    finally:
        await session.ws.close()
    return times


async def run_round(url: str, n: int, timeout: float, pid: int) -> dict:
    """N sessions connected together, then each phase with all N at once; per phase the actions' seconds and
    errors, wall time and server CPU; the server's RSS after the round and its peak during it."""
    sessions, phases, stop, peak = [Session(url, timeout) for _ in range(n)], [], threading.Event(), [0.0]
    (watcher := threading.Thread(target=watch_peak, args=(pid, stop, peak), daemon=True)).start()
    try:
        await asyncio.gather(*(s.connect() for s in sessions))
        for phase, page in PHASES:
            cpu, client, wall = tree_usage(pid)[1], time.process_time(), time.perf_counter()
            results = await asyncio.gather(*(act(s, phase, page) for s in sessions))
            phases.append({"phase": phase, "wall_s": time.perf_counter() - wall, "results": results,
                           "server_cpu_s": tree_usage(pid)[1] - cpu,
                           "client_cpu_s": time.process_time() - client})  # fmt: skip
        await asyncio.gather(*(s.ws.close() for s in sessions))
    finally:
        stop.set()
        watcher.join()
    await asyncio.sleep(3)  # let the server drop the closed sessions before reading its memory
    return {"n": n, "phases": phases, "peak_rss_mb": peak[0], "rss_after_mb": tree_usage(pid)[0]}


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (as numpy.percentile); None without values."""
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def summarise(round_no: int, level: dict) -> list[dict]:
    """One row per phase: p50/p95 of the successful actions, errors, server CPU per action, RSS."""
    rows = []
    for phase in level["phases"]:
        ok = [r["seconds"] for r in phase["results"] if not r["errors"]]
        errors = [e for r in phase["results"] for e in r["errors"][:1]]
        rows.append({"n": level["n"], "round": round_no, "phase": phase["phase"], "p50_s": percentile(ok, 0.5),
                     "p95_s": percentile(ok, 0.95), "runs": len(phase["results"]), "errors": len(errors),
                     "error_messages": sorted(set(errors))[:5], "wall_s": phase["wall_s"],
                     "server_cpu_per_action_s": phase["server_cpu_s"] / len(phase["results"]),
                     "client_cpu_s": phase["client_cpu_s"], "rss_after_mb": level["rss_after_mb"],
                     "peak_rss_mb": level["peak_rss_mb"]})  # fmt: skip
    return rows


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def goals(rows: list[dict]) -> list[str]:
    """The issue's goals for this benchmark, each with what was measured."""
    opens = [r for r in rows if r["n"] == GOAL_P95_AT and r["phase"].startswith("open")]
    worst = max((r["p95_s"] for r in opens if r["p95_s"] is not None), default=None)
    at_errors = [r for r in rows if r["n"] == GOAL_NO_ERRORS_AT]
    rss = [r["rss_after_mb"] for r in rows if r["phase"] == PHASES[-1][0]]
    return [
        f"p95 page open under {GOAL_P95_S:.0f} s at N={GOAL_P95_AT}: "
        + ("not run" if not opens else f"worst page p95 {fmt(worst)} s, {sum(r['errors'] for r in opens)} errors"),
        f"no errors at N={GOAL_NO_ERRORS_AT}: "
        + ("not run" if not at_errors else f"{sum(r['errors'] for r in at_errors)} errors"),
        "server memory flat across rounds: RSS after each round " + ", ".join(f"{v:.0f}" for v in rss) + " MB",
    ]


def report(command: str, notes: list[str], warm: dict, rows: list[dict], timeout: float) -> str:
    """The markdown saved as load_ws[_TAG].md (and printed)."""
    lines = ["# Load over the websocket: N concurrent sessions, no browsers", "", f"`{command}`", "",
             f"Machine: {os.cpu_count()} cores shared by the load client and the server (and other work on the "
             "machine). One `streamlit run server.py`, single-user mode, fresh SMBCORE_HOME, bundled Online Retail "
             "sample.", "", *[f"- {note}" for note in notes], "",
             "Warm-up (one session, not counted): "
             + ", ".join(f"{p} {w['seconds']:.1f} s" + (" (error)" if w["errors"] else "") for p, w in warm.items())
             + ".", "",
             "Each round: N sessions connect, then every phase runs with all N at once (asyncio.gather); an action "
             "is timed from its BackMsg.rerun_script until script_finished. **open X** = a page run of that page; "
             f"**slider** = \"{SLIDER_LABEL}\" one step up, re-run of its fragment. p50/p95 over successful actions; "
             f"errors = exception elements, error alerts, wrong page or finish status, timeouts ({timeout:.0f} s). "
             "Server CPU = streamlit process tree CPU over the phase / actions; client CPU = this load client's "
             "CPU over the phase (all N sessions). RSS after = the tree's VmRSS 3 s after the round's sessions "
             "closed (Streamlit keeps up to 128 closed sessions' state for server.disconnectedSessionTTL, 120 s: "
             "included); peak = highest sampled during the round.", "", "| N | round | phase | p50 s | p95 s | runs "
             "| errors | phase wall s | server CPU s / action | client CPU s | RSS after MB | peak RSS MB |",
             "|--:|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]  # fmt: skip
    lines += [f"| {r['n']} | {r['round']} | {r['phase']} | {fmt(r['p50_s'])} | {fmt(r['p95_s'])} | {r['runs']} "
              f"| {r['errors']} | {r['wall_s']:.1f} | {r['server_cpu_per_action_s']:.2f} | {r['client_cpu_s']:.2f} "
              f"| {r['rss_after_mb']:.0f} | {r['peak_rss_mb']:.0f} |" for r in rows]  # fmt: skip
    lines += ["", "## Goals (issue 17)", "", *[f"- {g}" for g in goals(rows)]]
    messages = [f"- N={r['n']} round {r['round']} {r['phase']}: `{m}`" for r in rows for m in r["error_messages"]]
    lines += ["", "## Errors seen (up to 5 distinct per row)", "", *(messages or ["None."])]
    return "\n".join(lines)


async def drive(url: str, args, pid: int) -> tuple[dict, list[dict]]:
    """Warm up, then every N for every round; the warm-up times and the summary rows."""
    print("warming up (the first visit prepares the sample and fits the models)...", flush=True)
    warm = await warm_up(url, args.timeout)
    rows = []
    for n in args.sessions:
        for round_no in range(1, args.rounds + 1):
            level = await run_round(url, n, args.timeout, pid)
            for row in summarise(round_no, level):
                print(f"N={n} round {round_no} {row['phase']}: p50 {fmt(row['p50_s'])} s, p95 {fmt(row['p95_s'])} "
                      f"s, {row['errors']} errors, {row['server_cpu_per_action_s']:.2f} server CPU s each")  # fmt: skip
                rows.append(row)
            print(f"N={n} round {round_no}: RSS after {level['rss_after_mb']:.0f} MB", flush=True)
    return warm, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per action")
    parser.add_argument("--refresh-first", action="store_true", help="run `smbcore refresh` before the server")
    parser.add_argument("--tag", default="", help="results go to load_ws_TAG.md/.json")
    args = parser.parse_args()
    command = "nice -n 5 .venv/bin/python benchmarks/load_ws.py " + " ".join(sys.argv[1:])
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="smbcore_loadws_") as tmp, open(Path(tmp) / "server.log", "w+") as log:
        (home := Path(tmp) / "smbcore").mkdir()  # empty: no accounts file, so single-user mode
        notes = [refresh_first(home) if args.refresh_first else "no refresh before the server (--refresh-first off)"]
        server = start_server(port, home, log)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", server)
            notes.append(f"server RSS after start {tree_usage(server.pid)[0]:.0f} MB")
            warm, rows = asyncio.run(drive(f"ws://127.0.0.1:{port}/_stcore/stream", args, server.pid))
            averages = ", ".join(f"{v:.1f}" for v in os.getloadavg())
            notes.append(f"machine load average at the end {averages} (1, 5, 15 min; other work shares the cores)")
        except BaseException:
            log.flush()
            print("server log (tail):\n" + Path(log.name).read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            stop_server(server)
    text = report(command, notes, warm, rows, args.timeout)
    print("\n" + text)
    name = "load_ws" + (f"_{args.tag}" if args.tag else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text + "\n")
    payload = {"command": command, "cores": os.cpu_count(), "timeout_s": args.timeout, "notes": notes,
               "warm_up": warm, "rows": rows, "goals": goals(rows)}  # fmt: skip
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
