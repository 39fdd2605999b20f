"""Forecast benchmark: smbcore.forecast against seasonal naive, statsmodels ETS and statsforecast peers.

    .venv/bin/pip install --no-deps -r benchmarks/requirements.txt   # statsforecast (see that file)
    .venv/bin/python benchmarks/forecast.py [--cases walmart_weekly bike_sharing walmart_recruiting] [--offset 13]

Each case holds out the last h points of every series (benchmarks/forecast_peers.py reads the data from
../shared/data at run time; the Kaggle-derived Walmart files never enter the repo). Reported: mean MASE (scaled by
the in-sample seasonal-naive error), 80% interval coverage, fit+predict seconds. smbcore runs twice where a case
has outside factors: without them, and with them (their future values taken as known, as labelled).
Writes benchmarks/results/forecast.md and forecast.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import forecast_peers as peers  # noqa: E402

from smbcore import forecast as fc  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
# 3,331 series: only the peers that finish in minutes on 2 cores (see forecast_peers.py).
SLOW_CASE_PEERS = ["sf_autotheta", "seasonal_naive"]


def ours(case: str, with_factors: bool, offset: int = 0) -> dict:
    spec = peers.load_case(case, offset)
    train, test = peers.split(spec["history"], spec["horizon"])
    external = spec["external"] if with_factors else None
    started = time.perf_counter()
    out = fc.forecast(train, spec["horizon"], spec["freq"], external=external, future_external=external, levels=(80,))
    seconds = time.perf_counter() - started
    scores = peers.mase(train, test, out, spec["season"])
    return {
        "case": case,
        "method": "smbcore" + (" + factors (future known)" if with_factors else ""),
        "mean_mase": scores["mase"].mean(),
        "coverage_80": peers.coverage(test, out),
        "seconds": seconds,
        "series": int(scores["mase"].notna().sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=["walmart_weekly", "bike_sharing", "walmart_recruiting"])
    parser.add_argument("--peers", nargs="+", default=None, help="peer names (default: all in forecast_peers)")
    parser.add_argument("--offset", type=int, default=0, help="hold out an earlier stretch: drop this many last points")
    args = parser.parse_args()
    tables = []
    for case in args.cases:
        chosen = args.peers or (SLOW_CASE_PEERS if case == "walmart_recruiting" else None)
        tables.append(peers.run_peers(case, chosen, offset=args.offset))
        rows = [ours(case, False, args.offset)]
        if peers.load_case(case)["external"] is not None:
            rows.append(ours(case, True, args.offset))
        tables.append(pd.DataFrame(rows))
    table = pd.concat(tables, ignore_index=True).round({"mean_mase": 3, "coverage_80": 3, "seconds": 2})
    text = table.to_markdown(index=False)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "forecast" + (f"_offset{args.offset}" if args.offset else "")
    command = f"python benchmarks/forecast.py --cases {' '.join(args.cases)}" + (
        f" --offset {args.offset}" if args.offset else ""
    )
    (RESULTS / f"{name}.md").write_text(f"# Forecast benchmark\n\n`{command}`\n\n{text}\n")
    (RESULTS / f"{name}.json").write_text(json.dumps(table.to_dict(orient="records"), indent=2) + "\n")


if __name__ == "__main__":
    main()
