"""What-if speed: how fast the Plan page answers a slider, and how long the first full plan takes.

    .venv/bin/python benchmarks/whatif.py [--repeats 15]

On the bundled Online Retail sample (top 200 products by revenue): times the smbcore calls the Plan page makes,
excluding drawing. First plan = every fit (product demand forecasts, orders forecast and hourly pattern,
customer analysis) plus the first plans. Slider change = the calls one tab re-runs when one of its sliders
moves (the plan plus its what-if chart), median and 95th percentile over `repeats` different values.
Writes benchmarks/results/whatif.md and whatif.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smbcore import allocate, customers  # noqa: E402
from smbcore.data import sample_workspace  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def stock_calls(inputs, settings: dict) -> None:
    """What the Stock tab runs when a slider moves: the plan and the service-level curve."""
    allocate.stock_plan(inputs, allocate.StockPolicy(**settings)).service_curve()


def staff_calls(inputs, settings: dict) -> None:
    """What the Staff tab runs: the demand shock, the rota and the cost-against-service curve."""
    allocate.rota(inputs, allocate.StaffPolicy(open_hours=(8, 18), **settings)).tradeoff()


def budget_calls(segments, settings: dict) -> None:
    """What the Marketing budget tab runs: the split and the diminishing-returns curve."""
    scaled = segments.assign(response_rate=segments["response_rate"] * settings["uplift"] / 0.02)
    caps = dict(
        zip(scaled["segment"], scaled["customers"] * scaled["cost_per_contact"] * settings["touches"], strict=True)
    )
    allocate.budget_plan(scaled, settings["budget"], max_spend=caps)
    top = max(settings["budget"] * 2, 1000)
    allocate.budget_curve(scaled, [top * i / 10 for i in range(11)], caps)


STOCK = dict(service_level=0.95, lead_time_days=7, review_days=7, holding_cost_rate=0.25, order_cost=20.0,
             cost_share=0.6, shock=0.0)  # fmt: skip
STAFF = dict(orders_per_staff_hour=10.0, hourly_wage=12.0, min_staff=1, shift_hours=4, plan_for="forecast", shock=0.0)
BUDGET = dict(budget=1000.0, uplift=0.02, touches=3)
SLIDERS = {
    "service level": ("stock", "service_level", [0.8 + 0.0125 * i for i in range(16)]),
    "lead time": ("stock", "lead_time_days", list(range(2, 60, 4))),
    "review period": ("stock", "review_days", list(range(1, 28, 2))),
    "holding cost": ("stock", "holding_cost_rate", [0.05 + 0.03 * i for i in range(16)]),
    "ordering cost": ("stock", "order_cost", [5.0 * i for i in range(16)]),
    "cost share": ("stock", "cost_share", [0.3 + 0.04 * i for i in range(16)]),
    "stock demand shock": ("stock", "shock", [-50.0 + 10 * i for i in range(16)]),
    "staff productivity": ("staff", "orders_per_staff_hour", [2.0 + 3 * i for i in range(16)]),
    "hourly wage": ("staff", "hourly_wage", [6.0 + 2 * i for i in range(16)]),
    "fewest on duty": ("staff", "min_staff", [0, 1, 2, 3, 4, 5] * 3),
    "shift length": ("staff", "shift_hours", list(range(2, 13)) * 2),
    "plan staff for": ("staff", "plan_for", list(allocate.PLAN_FOR) * 5),
    "staff demand shock": ("staff", "shock", [-50.0 + 10 * i for i in range(16)]),
    "marketing budget": ("budget", "budget", [500.0 * i for i in range(16)]),
    "response estimate": ("budget", "uplift", [0.005 + 0.01 * i for i in range(16)]),
    "contacts per customer": ("budget", "touches", list(range(1, 11)) * 2),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        tx = sample_workspace("online_retail", Path(home)).load("transactions")
    first = {}
    stock_inputs, first["product demand forecasts (top 200)"] = timed(allocate.stock_inputs, tx, 200, 56)
    staff_inputs, first["orders forecast and hourly pattern"] = timed(allocate.staff_inputs, tx, 28)
    analysis, first["customer analysis (segments, churn, spend)"] = timed(customers.analyse, tx)
    segments, first["segment response"] = timed(allocate.segment_response, analysis.profile, 0.02)
    _, first["first stock plan + curve"] = timed(stock_calls, stock_inputs, dict(STOCK))
    _, first["first rota + curve"] = timed(staff_calls, staff_inputs, dict(STAFF))
    _, first["first budget split + curve"] = timed(budget_calls, segments, dict(BUDGET))
    first_total = sum(first.values())
    rows = []
    runners = {"stock": (stock_calls, stock_inputs, STOCK), "staff": (staff_calls, staff_inputs, STAFF),
               "budget": (budget_calls, segments, BUDGET)}  # fmt: skip
    for slider, (tab, key, values) in SLIDERS.items():
        run, inputs, defaults = runners[tab]
        times = []
        for value in values[: args.repeats]:
            _, seconds = timed(run, inputs, dict(defaults) | {key: value})
            times.append(seconds * 1000)
        times.sort()
        rows.append(
            {
                "slider": slider,
                "tab": tab,
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
                "runs": len(times),
            }
        )
    median_all = statistics.median(r["median_ms"] for r in rows)
    # Did the plan pay off? Replays with the default settings (8 weeks of stock, 4 weeks of rota).
    replay = allocate.stock_replay_inputs(tx, 200, 56)
    items = allocate.priced_items(replay.items, allocate.StockPolicy())
    stock_replay = allocate.backtest_policy(replay.history, allocate.StockPolicy(), 56, items=items,
                                            forecast=replay.forecast, demand=replay.demand)  # fmt: skip
    staff_replay_inputs = allocate.staff_replay_inputs(tx, 28)
    rota_replay = allocate.backtest_rota(tx, staff_replay_inputs.forecast, staff_replay_inputs.profile,
                                         allocate.StaffPolicy(open_hours=(8, 18)))  # fmt: skip
    lines = ["# What-if speed (Plan page)", "", "`.venv/bin/python benchmarks/whatif.py`", "",
             "Online Retail sample, top 200 products. Times of the smbcore calls the page makes (no drawing).", "",
             "## First full plan (fits included)", "", "| step | seconds |", "|:--|--:|"]  # fmt: skip
    lines += [f"| {k} | {v:.2f} |" for k, v in first.items()]
    lines += [f"| **total** | **{first_total:.2f}** |", "", "## Slider change to new plan", "",
              "| slider | tab | median ms | p95 ms | runs |", "|:--|:--|--:|--:|--:|"]  # fmt: skip
    lines += [f"| {r['slider']} | {r['tab']} | {r['median_ms']} | {r['p95_ms']} | {r['runs']} |" for r in rows]
    lines += ["", f"Median over sliders of the median: **{median_all:.1f} ms**.", "",
              "## Did the plan pay off? (default settings: 95% service, 7-day lead time and review, 25% holding, "
              "20 per order, cost 60% of price; rota at 10 orders per person-hour, 08:00-18:00, 4-hour shifts)", "",
              stock_replay.round(3).to_markdown(index=False), "", rota_replay.round(1).to_markdown(index=False)]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "whatif.md").write_text(text + "\n")
    (RESULTS / "whatif.json").write_text(
        json.dumps(
            {"first_plan_seconds": first, "first_plan_total": first_total, "sliders": rows, "median_ms": median_all},
            indent=2,
        )
        + "\n"  # fmt: skip
    )


if __name__ == "__main__":
    main()
