"""Calibration benchmark: do smbcore's 80% and 95% forecast bands cover what they say at every horizon, and does
the stock plan's safety stock deliver its service level?

    nice -n 5 .venv/bin/python benchmarks/calibration.py [--cases noise bike_sharing ...] [--part holdout|validation]

Bands. Each case is forecast from several rolling hold-out origins near its end (`OFFSETS`: the number of
periods dropped from the end of every series before its last `horizon` periods are held out), and the share of
held-out actual values inside each band is reported per horizon bucket (days 1-3, 4-7, 8-14, 15-28; weeks 1-4,
5-13). The origins come in two sets: VALIDATION (earlier: its held-out periods all end before the hold-out's
begin) is where the band settings in smbcore/forecast/intervals.py (`_ORIGINS`, `_YEARLY_ORIGINS`,
`_SAMPLES`, the normalised scores and their `scale`) were chosen; HOLD-OUT (the latest) is what is reported. Closed days (forecast 0 with a band of 0 to 0) are left out.
The forecast uses the history of y only (no outside factors), as `smbcore.forecast.forecast` does without them.

Cases: noise (50 seeded daily series, normal mean 100 sd 20, 364+ days), walmart_weekly (45 stores),
walmart_recruiting (3,331 store departments; validation on a fixed random 400 of them to save time),
bike_sharing (one daily series), online_retail_daily and online_retail_weekly (the whole shop's revenue from
the bundled sample, via smbcore.forecast.sales_history). Data read at run time (benchmarks/forecast_peers.py).

Stock. `smbcore.allocate.backtest_policy` replays 56 days of the top 100 Online Retail products (units a day,
picked by revenue before the window) with a 95% service level, lead time 7 days, review 7 days, against the
forecast made before them (or re-made every review), with the reorder-point policy the plan recommends and
the order-up-to (R, S) policy; it reports the achieved cycle service level (share of replenishment cycles
without a stock-out). HOLD-OUT window: the last 56 days; VALIDATION: the 56 before them (where the spread's
floor, `_TOTALS` in intervals.py, was chosen). The same replay on steady seeded demand (review 1 and 7 days),
and on the noise series the plan's spread of 7-day demand against the true 20 x sqrt(7) = 52.9.
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
    case = fp.load_case(name, sample=False)  # every Walmart department (the forecast benchmark scores a sample)
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


def stock_replay(part: str, top: int = 100) -> list[dict]:
    """The replay of 56 days of Online Retail's `top` products (units a day) at a 95% service level, lead time 7,
    review 7: the plan made once before the window, and re-made every review period; the reorder-point policy
    and the order-up-to (R, S) one. Hold-out: the last 56 days (to 9 Dec 2011); validation: the 56 before
    them (the orders after them dropped; top products by the orders kept)."""
    from smbcore import allocate
    from smbcore.data import load_sample

    transactions = load_sample("online_retail")["transactions"]
    if part == "validation":
        last = transactions["timestamp"].max().normalize()
        transactions = transactions[transactions["timestamp"] < last - pd.Timedelta(days=55)]
    replay = allocate.stock_replay_inputs(transactions, top, 56)
    rows = []
    for replan, order_up_to in ((False, False), (True, False), (False, True), (True, True)):
        started = time.perf_counter()
        table = allocate.backtest_policy(
            replay.history, allocate.StockPolicy(service_level=0.95), 56, items=replay.items,
            forecast=replay.forecast, demand=replay.demand, replan=replan, order_up_to=order_up_to,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        for row in table.itertuples(index=False):
            if order_up_to and row.policy.startswith("rule"):
                continue  # the same rule of thumb as in the run before
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


def steady_replay() -> list[dict]:
    """The replay on steady seeded demand (30 products, normal mean 100 sd 20 a day, rounded, 300 days; the
    last 112 replayed; as in tests/test_calibration.py) at a 95% target, lead time 7, review 1 and 7 days:
    the reorder-point policy and the order-up-to (R, S) policy with S = the same reorder point."""
    from smbcore import allocate

    history = noise_history(30, 300, seed=5).assign(y=lambda d: d["y"].clip(lower=0).round())
    rows = []
    for review in (1, 7):
        policy = allocate.StockPolicy(service_level=0.95, lead_time_days=7, review_days=review)
        for order_up_to in (False, True):
            row = allocate.backtest_policy(history, policy, 112, order_up_to=order_up_to).iloc[0]
            rows.append(
                {
                    "review_days": review,
                    "policy": row["policy"],
                    "cycles": int(row["cycles"]),
                    "cycle_service_level": round(float(row["cycle_service_level"]), 3),
                    "target": float(row["service_level_target"]),
                    "fill_rate": round(float(row["fill_rate"]), 3),
                    "orders": int(row["orders"]),
                    "total_cost": round(float(row["total_cost"]), 0),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--part", choices=("holdout", "validation"), default="holdout")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock section")
    parser.add_argument("--md", action="store_true", help="only write calibration.md from the two saved .json")
    args = parser.parse_args()
    if args.md:
        write_md()
        return
    rows, seconds = [], {}
    for name in args.cases:
        table, seconds[name] = calibration(name, args.part)
        rows += table
        print(pd.DataFrame(table).to_string(index=False), f"\n({seconds[name]:.1f} s per forecast)\n", flush=True)
    result = {"part": args.part, "bands": rows, "seconds_per_forecast": {k: round(v, 1) for k, v in seconds.items()}}
    if not args.no_stock:
        result["noise_spread_7_days"] = noise_spread()
        print(result["noise_spread_7_days"], flush=True)
        result["steady_replay"] = steady_replay()
        print(pd.DataFrame(result["steady_replay"]).to_string(index=False), flush=True)
        result["stock_replay"] = stock_replay(args.part)
        print(pd.DataFrame(result["stock_replay"]).to_string(index=False), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "calibration" if args.part == "holdout" else "calibration_validation"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")


def _bands_md(bands: list[dict]) -> str:
    frame = pd.DataFrame(bands)
    frame["on_target"] = np.where(frame["stretch"] == "all", "", np.where(frame["on_target"], "yes", "**no**"))
    return frame.drop(columns="part").to_markdown(index=False)


def write_md() -> None:
    """calibration.md from calibration.json (hold-out) and calibration_validation.json, with the notes in NOTES.md
    order: commands, hold-out table, validation table, stock."""
    holdout = json.loads((RESULTS / "calibration.json").read_text())
    validation = json.loads((RESULTS / "calibration_validation.json").read_text())
    spread = holdout["noise_spread_7_days"]
    parts = [
        "# Calibration: forecast bands per horizon and the stock plan's service level",
        "",
        "`nice -n 5 .venv/bin/python benchmarks/calibration.py` (hold-out, with the stock section), "
        "`... --part validation` (validation origins and replay window), then `... --md`.",
        "",
        NOTES,
        "## Bands on the hold-out origins (reported)",
        "",
        "Targets: 80% band 0.75-0.85, 95% band 0.92-0.97 in every stretch; `on_target` says whether both held.",
        "",
        _bands_md(holdout["bands"]),
        "",
        "Seconds for one forecast of the whole case (mean over the origins): "
        + ", ".join(f"{k} {v}" for k, v in holdout["seconds_per_forecast"].items())
        + ".",
        "",
        "## Bands on the validation origins (where the band settings were chosen)",
        "",
        _bands_md(validation["bands"]),
        "",
        "## Stock",
        "",
        f"Noise series (50 x 364 days, sd 20 a day), 7-day demand: true spread {spread['truth']}, the plan's "
        f"spread {spread['plan']} ({(spread['plan'] / spread['truth'] - 1):+.1%}); days added as independent "
        f"from this change's bands: {spread['days_independent']} (before issue 16, from the old bands: 31.7).",
        "",
        "Replay on steady seeded demand (30 products, normal mean 100, sd 20 a day, the last 112 of 300 days), 95% "
        "target, lead time 7 days:",
        "",
        pd.DataFrame(holdout["steady_replay"]).to_markdown(index=False),
        "",
        "Replay of Online Retail's top 100 products (by revenue before the window), 95% service level, lead time 7 "
        "days, review every 7 days (`cycles`: from one delivery of a product to the next). HOLD-OUT: the last 56 "
        "days (to 9 Dec 2011):",
        "",
        pd.DataFrame(holdout["stock_replay"]).to_markdown(index=False),
        "",
        "VALIDATION: the 56 days before those (to 14 Oct 2011; orders after them dropped):",
        "",
        pd.DataFrame(validation["stock_replay"]).to_markdown(index=False),
        "",
        STOCK_NOTES,
    ]
    (RESULTS / "calibration.md").write_text("\n".join(parts) + "\n")


NOTES = """Periods. Each case is forecast from rolling origins near its end; an origin drops the last `offset` periods of
every series and holds out the `horizon` after. VALIDATION origins are earlier, and their held-out periods end
before the hold-out's begin: noise offsets 56, 84 (h = 28); Walmart weekly and departments 17, 21 (h = 13;
departments: a random 400 series); Bike 132-236 every 4 days; Online Retail daily 84-138 every 3 days; Online
Retail weekly 17-21. HOLD-OUT origins: noise 0, 28; Walmart 0, 4; Bike 0-104 every 4 days; Online Retail daily
0-54 every 3 days; Online Retail weekly 0-4. Closed days (forecast and band 0) are left out. No outside factors.
The hold-out was run once, after every choice below was made.

What was chosen on the validation origins (intervals.py):
- 16 consecutive cuts with 40 misses a step (the earlier change, on noise, Bike and Online Retail daily).
- Normalised scores: each cut's misses x (scale now / scale of the spell they were made in), the scale being
  the mean one-period change over the last 4 seasons (28 days) or 13 weeks, measured up to cut + horizon.
  Daily validation (noise, Bike, Online Retail daily): 12 of 12 stretches on target, against 9 of 12 without
  normalising and 8-10 of 12 with the scale measured before each cut (the usual choice; with or without a
  square-root damping; on seeded series whose volatility changed 10 weeks before the end it gave 0.95-0.97 or
  0.60 at 80%). Weekly validation: Walmart
  stores 0.75/0.95 and 0.87/0.97 (without: 0.92/0.98, 0.93/0.99), departments 0.77/0.90 and 0.80/0.91
  (without: 0.80/0.91, 0.81/0.92); a scale over the weeks a year before the forecast ones and square-root
  damping did no better on the two together.
- Weekly data with a yearly season: cuts need a year and 8 weeks (not two years), 14 at most (as many as the
  two-year rule gave Walmart, so no more fits). On the validation origins the two-year rule left only 2 cuts.

Findings on the hold-out, honestly. The tables are the LAST run, made after the forecast models changed (the same
issue's accuracy work: for daily series the median of Theta, damped trend and last week; for weekly series last
year and the year before), with every band setting unchanged; the run before it (old models) is in brackets.
- Noise: on target in every stretch (same before). Walmart departments, all 3,331: weeks 1-4 on target; weeks
  5-13's 95% band holds 0.919, just under 0.92 (0.916).
- Walmart stores: still **too wide** (80%: 0.90 and 0.88; 95%: 0.99 and 0.97; [0.92/0.99, 0.89/0.97]; before
  this issue 0.93/0.99, 0.91/0.98). On validation the rule was on target at weeks 1-4 and 0.88/0.98 at 5-13:
  the hold-out's Aug-Oct 2012 was forecast better than the Feb-Jul 2012 its cuts learned from, and the
  period-to-period swings (the scale) were alike in both, so normalising could not tell.
- Bike (Aug-Dec 2012): still **a little narrow** at 95% (0.90-0.91; 80%: 0.72-0.85); on target on validation.
- Online Retail daily: 3 of 4 stretches on target; days 1-3's 95% band holds all 48 days (one day moves it 2
  points).
- Online Retail weekly: **missed, and no band can fix it honestly.** The series is 53 weeks (Dec 2010 - Dec
  2011); the hold-out cuts end in Aug-Sep 2011, when weekly revenue was about 150,000, and weeks 5-13 ahead
  (Oct-Dec) all sold 205,000-330,000, a run-up to Christmas the history before the cuts never shows (its only
  December is the one after Christmas 2010). A 80% band that held them would be about +-70% wide on every
  other week.
- Cost: walmart_recruiting took 40-105 s a forecast of all 3,331 departments (105 s in the last run, with the
  test suite running on the other core).
"""

STOCK_NOTES = """Choices: the spread of a k-day total was first set to at least the spread of the product's own raw k-day
totals over its last 182 days (`_TOTALS`), chosen on the VALIDATION replay (the order-up-to policy went from 0.897
to 0.920 made once). A code review then found that raw totals measure trend and weekday swings, not misses (a
steadily growing product got a 14-day spread of 272 units where its misses spread 21), and that the larger of two
noisy estimates of one spread leans high (+13% on steady noise). Since then each k-day total is compared with the
one whole weeks earlier (trend and weekdays out), and the spread moves halfway to it where it is larger. That fix
is for correctness and was not chosen on these tables; it cost the Online Retail replays 1-2 points (below). The
replay picks the top products from the orders before the window: picked with the window, the top 100 of the
validation window sold 3.3 times their forecast, against 1.4 times when picked before it.

Findings, honestly (the last run: after the forecast models changed and after the fix above):
- The noise series' 7-day spread: 55.2 against the true 52.9 (+4.3%, within the 10% asked).
- Steady demand: the order-up-to policy (R, S), S = forecast over lead time + review + z x the spread over those
  14 days (Silver, Pyke & Thomas, periodic review), keeps 94.8% of review cycles free of stock-outs at a 95%
  target (97.3% with a daily review): what the plan promises is what it delivers when it is the policy run.
- The reorder-point policy the plan recommends (order up to reorder point + order size once stock is at or below
  the reorder point, checked every review) is the periodic (R, s, Q) rule with s over lead time + review, and it
  is **conservative by construction** on steady demand (96.4% at review 7, 98.9% daily): the stock position at
  the review before an order is somewhere above s, by up to a week's sales. A reorder point that allows for
  this would sit near the mean demand over lead time + review; it was not adopted, because on Online Retail
  the conservative rule is what keeps the replay nearest its target (below).
- Online Retail, HOLD-OUT (last 8 weeks to 9 Dec 2011): re-made every review, the reorder-point policy kept
  89.0% of cycles (target 93-97%: **missed**), fill rate 0.987; made once before the window 82.4%. The
  order-up-to policy kept 83-87%. VALIDATION (8 weeks to 14 Oct 2011): 82-90%. Both windows are the run-up to
  Christmas, in which the top products sold 1.4 times (validation) the forecast made before the window: demand
  one year of history cannot show, which no spread from past misses covers. The rule of thumb kept 57-67%.
"""


if __name__ == "__main__":
    main()
