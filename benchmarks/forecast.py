"""Forecast benchmark: smbcore.forecast against seasonal naive, statsmodels ETS and the statsforecast peers
(AutoETS, AutoTheta, AutoARIMA, MSTL), all run in this script on the same series.

    .venv/bin/pip install --no-deps -r benchmarks/requirements.txt   # statsforecast (see that file)
    .venv/bin/python benchmarks/forecast.py [--cases walmart_weekly ...] [--periods validation holdout]

Cases: benchmarks/forecast_cases.py (walmart_weekly, walmart_recruiting on a fixed seeded sample of 100
departments, bike_sharing, online_retail_daily, online_retail_countries); data read from ../shared/data at run
time, never copied into the repo.

Two periods per case:
- validation: the `horizon` points before the hold-out are held out (the hold-out is not seen at all). smbcore's
  settings (the daily combination, two seasons back, the slow movers' cap and weekday pattern) were chosen on
  these figures only.
- holdout: the last `horizon` points of every series, reported once the settings were fixed.
Reported: mean MASE (scaled by the in-sample seasonal-naive error), 80% interval coverage, fit+predict seconds.
smbcore runs twice where a case has outside factors: without them, and with them (future values taken as
known, as labelled). On the hold-out, smbcore and seasonal naive also run on all walmart_recruiting departments
(`walmart_recruiting (all)`): the speed check. Writes benchmarks/results/forecast.md and forecast.json.
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
PERIODS = ("validation", "holdout")
NOTES = """Periods: **validation** holds out the horizon before the hold-out (the hold-out is not seen); smbcore's settings
(daily: median of Theta, damped trend and last week; weekly: Theta averaged with the last two years at the
current level; slow movers: TSB on weekday-adjusted sales, each sale capped at twice the median sale) were chosen
on it. **Hold-out**: the last horizon of every series (13 weeks, 28 days), never tuned on. One change came after
the hold-out had been seen, for correctness, not accuracy: capping each sale at twice the median forecast ordinary
lumpy slow movers 17% short of their true average (most sales 1-3 units, now and then 8), which the stock plan
would under-order; a sale is now capped at Tukey's far-out fence (third quartile + 3 x the interquartile range, at
least twice the median). It cost the validation lead on online_retail_countries (1.184 -> 1.224 against MSTL
1.194) and moved the hold-out there from 0.987 to 0.981 and all Walmart departments from 1.047 to 1.054. The
tables are that final run.
MASE is scaled by the in-sample seasonal-naive error (lower is better; a difference within 0.005 is a tie).
walmart_recruiting scores a fixed seeded sample of 100 departments (seed 16) for every method, since AutoARIMA
takes ~1.4 s a department here; `walmart_recruiting (all)` times smbcore on all of them. online_retail_countries:
Online Retail's net revenue per customer country, the 5 countries with a positive day on at least 80 days,
closures (Saturdays, Christmas) as zeros on the grid (see benchmarks/forecast_cases.py). Peers see the same
series; statsforecast's models fall back to Naive on a series they cannot fit.
"""


def ours(case: str, with_factors: bool, offset: int, sample: bool = True) -> dict:
    spec = peers.load_case(case, offset, sample)
    train, test = peers.split(spec["history"], spec["horizon"])
    external = spec["external"] if with_factors else None
    started = time.perf_counter()
    out = fc.forecast(train, spec["horizon"], spec["freq"], external=external, future_external=external, levels=(80,))
    seconds = time.perf_counter() - started
    scores = peers.mase(train, test, out, spec["season"])["mase"]
    return {
        "case": case if sample else f"{case} (all)",
        "method": "smbcore" + (" + factors (future known)" if with_factors else ""),
        "mean_mase": scores.mean(),
        "coverage_80": peers.coverage(test, out),
        "seconds": seconds,
        "series": int(scores.notna().sum()),
    }


def all_departments() -> pd.DataFrame:
    """Hold-out on every walmart_recruiting department: smbcore and seasonal naive (the speed check)."""
    spec = peers.load_case("walmart_recruiting", 0, sample=False)
    train, test = peers.split(spec["history"], spec["horizon"])
    started = time.perf_counter()
    naive = peers.seasonal_naive(train, spec["horizon"], spec["season"], spec["freq"])
    seconds = time.perf_counter() - started
    scores = peers.mase(train, test, naive, spec["season"])["mase"]
    row = {"case": "walmart_recruiting (all)", "method": "seasonal_naive", "mean_mase": scores.mean()}
    row |= {"coverage_80": peers.coverage(test, naive), "seconds": seconds, "series": int(scores.notna().sum())}
    return pd.DataFrame([row, ours("walmart_recruiting", False, 0, sample=False)])


def period_table(cases: list[str], period: str, chosen_peers) -> pd.DataFrame:
    tables = []
    for case in cases:
        offset = peers.load_case(case)["horizon"] if period == "validation" else 0
        tables.append(peers.run_peers(case, chosen_peers, offset=offset))
        rows = [ours(case, False, offset)]
        if peers.load_case(case)["external"] is not None:
            rows.append(ours(case, True, offset))
        tables.append(pd.DataFrame(rows))
        print(pd.concat(tables[-2:]).to_string(index=False), flush=True)
    if period == "holdout" and "walmart_recruiting" in cases:
        tables.append(all_departments())
    table = pd.concat(tables, ignore_index=True).round({"mean_mase": 3, "coverage_80": 3, "seconds": 2})
    return table.assign(period=period)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=list(peers.CASES))
    parser.add_argument("--peers", nargs="+", default=None, help="peer names (default: all in forecast_peers)")
    parser.add_argument("--periods", nargs="+", default=list(PERIODS), choices=PERIODS)
    args = parser.parse_args()
    command = f"python benchmarks/forecast.py --cases {' '.join(args.cases)} --periods {' '.join(args.periods)}"
    texts, tables = [], []
    for period in args.periods:
        table = period_table(args.cases, period, args.peers)
        tables.append(table)
        label = (
            "Validation (the horizon before the hold-out; settings chosen here)"
            if period == "validation"
            else "Hold-out (the last horizon of every series; reported, never tuned on)"
        )
        texts.append(f"## {label}\n\n{table.drop(columns='period').to_markdown(index=False)}\n")
        print(texts[-1], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "forecast.md").write_text(f"# Forecast benchmark\n\n`{command}`\n\n{NOTES}\n" + "\n".join(texts))
    records = pd.concat(tables, ignore_index=True).to_dict(orient="records")
    (RESULTS / "forecast.json").write_text(json.dumps(records, indent=2) + "\n")


if __name__ == "__main__":
    main()
