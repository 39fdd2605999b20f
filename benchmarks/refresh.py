"""Refresh: how long working out everything the pages show takes, per bundled sample, on this machine.

    .venv/bin/python benchmarks/refresh.py [--samples online_retail ...] [--tag TAG]

For each sample, in a fresh temporary SMBCORE_HOME: the sample is prepared (not timed), then `refresh.run` works
out every default request in this process, one after another (as `python -m smbcore refresh --sample NAME` does;
the app runs the same job in a worker process). Reported: wall and CPU seconds, the number of results, the three
slowest steps, steps that met a data problem; then a second refresh on the same data (everything stored: it
only checks) and, for the issue's goal, whether the Online Retail refresh took under 60 s.
Writes benchmarks/results/refresh[_TAG].md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
GOAL_SECONDS = 60.0


def _timed_refresh(path: Path) -> dict:
    from smbcore import refresh

    steps: list[tuple[str, float]] = []
    last = {"at": time.perf_counter(), "step": None}

    def progress(state: dict) -> None:
        now = time.perf_counter()
        if last["step"] is not None:
            steps.append((last["step"], now - last["at"]))
        last.update(at=now, step=state.get("step") or None)

    wall, cpu = time.perf_counter(), time.process_time()
    final = refresh.run(path, progress=progress)
    return {
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "results": final["total"],
        "failed": [name.rsplit(".", 1)[-1] for name, _ in final["failed"]],
        "slowest": [(step, round(seconds, 2)) for step, seconds in sorted(steps, key=lambda s: -s[1])[:3]],
    }


def measure(samples: list[str]) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="smbcore-refresh-") as home:
        os.environ["SMBCORE_HOME"] = home
        from smbcore.data import sample_workspace

        for name in samples:
            path = sample_workspace(name).path
            first = _timed_refresh(path)
            second = _timed_refresh(path)
            rows.append({"sample": name, **first, "again_wall_s": second["wall_s"]})
            print(f"{name}: {first['wall_s']} s ({first['cpu_s']} CPU s), {first['results']} results; "
                  f"again {second['wall_s']} s; slowest {first['slowest']}", flush=True)  # fmt: skip
    return rows


def write(rows: list[dict], tag: str) -> None:
    command = "nice -n 5 .venv/bin/python benchmarks/refresh.py" + (f" --tag {tag}" if tag else "")
    load = os.getloadavg()
    lines = [
        "# Refresh: everything the pages show, worked out per sample",
        "",
        f"`{command}`",
        "",
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average at the "
        f"end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}. One process, steps one after another (see the docstring).",
        "",
        "| sample | wall s | CPU s | results | slowest steps (s) | data problems | again s |",
        "|:--|--:|--:|--:|:--|:--|--:|",
    ]
    for r in rows:
        slowest = "; ".join(f"{step} {seconds}" for step, seconds in r["slowest"])
        lines.append(f"| {r['sample']} | {r['wall_s']} | {r['cpu_s']} | {r['results']} | {slowest} | "
                     f"{', '.join(r['failed']) or 'none'} | {r['again_wall_s']} |")  # fmt: skip
    retail = next((r for r in rows if r["sample"] == "online_retail"), None)
    if retail:
        verdict = "met" if retail["wall_s"] < GOAL_SECONDS else "**not met**"
        lines += ["", f"Goal: the Online Retail refresh under {GOAL_SECONDS:.0f} s: {retail['wall_s']} s, {verdict}."]
    name = "refresh" + (f"_{tag}" if tag else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps({"command": command, "rows": rows}, indent=2))
    print("\n".join(lines))


def main() -> None:
    from smbcore.data import SAMPLES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", nargs="+", choices=list(SAMPLES), default=list(SAMPLES))
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    os.environ["SMBCORE_EXECUTOR"] = "inline"
    write(measure(args.samples), args.tag)


if __name__ == "__main__":
    main()
