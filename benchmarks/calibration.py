"""Calibration benchmark: do smbcore's 80% and 95% forecast bands cover what they say at every horizon, and does
the stock plan's safety stock deliver its service level?

    nice -n 5 .venv/bin/python benchmarks/calibration.py [--cases noise bike_sharing ...] [--part holdout|validation]

Bands. Each case is forecast from several rolling hold-out origins near its end (`OFFSETS`: the number of
periods dropped from the end of every series before its last `horizon` periods are held out), and the share of
held-out actual values inside each band is reported per horizon bucket (days 1-3, 4-7, 8-14, 15-28; weeks 1-4,
5-13). The origins come in two sets: VALIDATION (earlier: its held-out periods all end before the hold-out's
begin) is where the band settings in smbcore/forecast/intervals.py (`_ORIGINS`, `_SAMPLES`) were chosen;
HOLD-OUT (the latest) is what is reported. Closed days (forecast 0 with a band of 0 to 0) are left out.
The forecast uses the history of y only (no outside factors), as `smbcore.forecast.forecast` does without them.

Cases: noise (50 seeded daily series, normal mean 100 sd 20, 364+ days), walmart_weekly (45 stores),
walmart_recruiting (3,331 store departments; validation on a fixed random 400 of them to save time),
bike_sharing (one daily series), online_retail_daily and online_retail_weekly (the whole shop's revenue from
the bundled sample, via smbcore.forecast.sales_history). Data read at run time (benchmarks/forecast_peers.py).

Stock. `smbcore.allocate.backtest_policy` replays the last 56 days of the top 50 Online Retail products (units
a day) with a 95% service level, lead time 7 days, review 7 days, against the forecast made before them; it
reports the achieved cycle service level (share of replenishment cycles without a stock-out). On the noise
series the plan's spread of 7-day demand is compared with the true 20 x sqrt(7) = 52.9.
Writes benchmarks/results/calibration.md and calibration.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import forecast_peers as fp  # noqa: E402

from smbcore import forecast as fc  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
CASES = ("noise", "walmart_weekly", "walmart_recruiting", "bike_sharing", "online_retail_daily", "online_retail_weekly")
WEEKLY_OFFSETS = {"holdout": (0, 4), "validation": (17, 21)}
DAILY_OFFSETS = {"holdout": tuple(range(0, 105, 4)), "validation": tuple(range(132, 237, 4))}
OFFSETS = {
    "noise": {"holdout": (0, 28), "validation": (56, 84)},
    "walmart_weekly": WEEKLY_OFFSETS,
    "walmart_recruiting": WEEKLY_OFFSETS,
    "bike_sharing": DAILY_OFFSETS,
    "online_retail_daily": {"holdout": tuple(range(0, 55, 3)), "validation": tuple(range(84, 139, 3))},
    "online_retail_weekly": {"holdout": (0, 1, 2, 3, 4), "validation": (17, 18, 19, 20, 21)},
}
TARGETS = {80: (0.75, 0.85), 95: (0.92, 0.97)}
VALIDATION_SERIES = 400  # walmart_recruiting: validation on this many series picked at random (seed 0)


def noise_history(series: int = 50, days: int = 364 + 28 * 4, seed: int = 0) -> pd.DataFrame:
    """`series` daily series of normal noise, mean 100, sd 20 (series_id, date, y)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=days, freq="D")
    return pd.concat(
        [pd.DataFrame({"series_id": f"n{i}", "date": dates, "y": rng.normal(100, 20, days)}) for i in range(series)],
        ignore_index=True,
    )


def online_retail(freq: str) -> pd.DataFrame:
    from smbcore.data import load_sample

    return fc.sales_history(load_sample("online_retail")["transactions"], "revenue", None, freq)


def load(name: str) -> tuple[pd.DataFrame, int, str]:
    """(history: series_id, date, y; horizon; freq) of one case."""
    if name == "noise":
        return noise_history(), 28, "D"
    if name.startswith("online_retail"):
        weekly = name.endswith("weekly")
        history = online_retail("W" if weekly else "D")
        return history, 13 if weekly else 28, fc.infer_freq(history["date"])
    case = fp.load_case(name)
    return case["history"], case["horizon"], case["freq"]


def held_out(history: pd.DataFrame, horizon: int, freq: str, offset: int) -> pd.DataFrame:
    """Forecast each series from all but its last `offset` + `horizon` periods; returns the held-out rows:
    series_id, date, step (1 = first period ahead), y, yhat, yhat_lo_80/hi_80/lo_95/hi_95."""
    history = history[history.groupby("series_id").cumcount(ascending=False) >= offset]
    train, test = fp.split(history, horizon)
    out = fc.forecast(train, horizon, freq, levels=(80, 95))
    out["step"] = out.groupby("series_id").cumcount() + 1
    return test.merge(out, on=["series_id", "date"], how="inner")


def calibration(name: str, part: str) -> tuple[list[dict], float]:
    """Coverage per horizon stretch (smbcore.forecast.coverage_by_horizon: closed days left out) of one case over
    its `part` origins, and the seconds one forecast of the whole case took (mean over the origins)."""
    history, horizon, freq = load(name)
    if name == "walmart_recruiting" and part == "validation":
        ids = history["series_id"].drop_duplicates().sample(VALIDATION_SERIES, random_state=0)
        history = history[history["series_id"].isin(ids)]
    started = time.perf_counter()
    rows = pd.concat([held_out(history, horizon, freq, k) for k in OFFSETS[name][part]], ignore_index=True)
    seconds = (time.perf_counter() - started) / len(OFFSETS[name][part])
    table = fc.coverage_by_horizon(rows, freq)
    overall = fc.coverage_by_horizon(rows.assign(step=1), freq).assign(label="all")
    table = pd.concat([table, overall], ignore_index=True)
    return [
        {
            "case": name,
            "part": part,
            "stretch": row.label,
            "points": int(row.points),
            "coverage_80": round(float(row.coverage_80), 3),
            "coverage_95": round(float(row.coverage_95), 3),
            "on_target": bool(
                row.label == "all"
                or all(TARGETS[lv][0] <= getattr(row, f"coverage_{lv}") <= TARGETS[lv][1] for lv in TARGETS)
            ),
        }
        for row in table.itertuples(index=False)
    ], seconds


def noise_spread() -> dict:
    """The stock plan's spread of 7-day demand on the noise series (50 x 364 days) against the truth 20 x sqrt(7):
    from the forecast's own misses over whole weeks (now) and from each day's band added as independent."""
    from smbcore import allocate

    history = noise_history(50, 364)
    out = fc.forecast(history, 28, "D", levels=(80,))
    now = float(allocate.demand_over_time(out, history).over(7)[1].mean())
    independent = float(allocate.demand_over_time(out).over(7)[1].mean())
    return {"truth": round(20 * np.sqrt(7), 1), "plan": round(now, 1), "days_independent": round(independent, 1)}


def stock_replay(top: int = 100) -> list[dict]:
    """The replay of the last 56 days of Online Retail's `top` products (units a day) at a 95% service level, lead
    time 7, review 7: the plan made once before the window, and re-made every review period."""
    from smbcore import allocate
    from smbcore.data import load_sample

    transactions = load_sample("online_retail")["transactions"]
    replay = allocate.stock_replay_inputs(transactions, top, 56)
    rows = []
    for replan in (False, True):
        started = time.perf_counter()
        table = allocate.backtest_policy(
            replay.history, allocate.StockPolicy(service_level=0.95), 56, items=replay.items,
            forecast=replay.forecast, replan=replan,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        for row in table.itertuples(index=False):
            rows.append(
                {
                    "plan": "re-made every review" if replan else "made once before the window",
                    "policy": row.policy,
                    "cycles": int(row.cycles),
                    "cycle_service_level": round(float(row.cycle_service_level), 3),
                    "target": row.service_level_target,
                    "fill_rate": round(float(row.fill_rate), 3),
                    "total_cost": round(float(row.total_cost), 0),
                    "seconds": round(seconds, 1),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--part", choices=("holdout", "validation"), default="holdout")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock section")
    args = parser.parse_args()
    rows, seconds = [], {}
    for name in args.cases:
        table, seconds[name] = calibration(name, args.part)
        rows += table
        print(pd.DataFrame(table).to_string(index=False), f"\n({seconds[name]:.1f} s per forecast)\n", flush=True)
    result = {"part": args.part, "bands": rows, "seconds_per_forecast": {k: round(v, 1) for k, v in seconds.items()}}
    if not args.no_stock:
        result["noise_spread_7_days"] = noise_spread()
        print(result["noise_spread_7_days"], flush=True)
        result["stock_replay"] = stock_replay()
        print(pd.DataFrame(result["stock_replay"]).to_string(index=False), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "calibration" if args.part == "holdout" else "calibration_validation"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
