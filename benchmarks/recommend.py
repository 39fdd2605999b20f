"""Recommendation and customer-value benchmark on the Online Retail sample.

    .venv/bin/pip install --no-deps -r benchmarks/requirements.txt   # implicit (ALS peer), Lifetimes (BTYD peers)
    .venv/bin/python benchmarks/recommend.py                # validation and hold-out tables, churn/spend; saves
    .venv/bin/python benchmarks/recommend.py --validation   # the validation table only, printed, nothing saved

Protocol (issue 4): clean sale lines, customers present on both sides of a cut-off; Recall@10
(hits / min(10, bought)) and NDCG@10 in two modes: "all" (re-buys count) and "new" (products bought before the
cut-off are excluded from ranking and truth). Peers come from benchmarks/recsys_peers.py and run in the same
process. Periods:
- validation, four windows, all judged on lines before 2011-09-01 only, each learning from every line before its
  start: judge March-May, April-June, June-August (about 90 days each) and July-August (61 days). Our settings
  were chosen to maximise the worst window's margin over the best peer, in both modes and on both measures; a part
  of the model that did not help on every window was dropped. EASE's l2 (400) is the best worst-window value of
  100, 200, 400, 800; repeat-then-popular's tie-break was chosen on June-August; the other peers keep their
  libraries' defaults;
- hold-out (reported): learn before 2011-09-01, judge from then to the end of the sample (9 December). It was run
  once per round of choices: this table is the second look at it for issue 16 item 5 (the first chose on June-August
  alone).
Churn AUC and 90-day spend error against "same as last 90 days" use the hold-out cut-off: models learn from the
90 days before it and are judged on the 90 days after.
Writes benchmarks/results/recommend.json and recommend.md.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import customer_value as value_peers  # noqa: E402
import recsys_peers as peers  # noqa: E402

from smbcore import customers, recommend  # noqa: E402
from smbcore.data import load_sample  # noqa: E402

CUTOFF = "2011-09-01"
# Validation windows: name -> (learn before, judge until); every line from CUTOFF on stays unseen.
VALIDATION_WINDOWS = {
    "Mar-May": ("2011-03-01", "2011-06-01"),
    "Apr-Jun": ("2011-04-01", "2011-07-01"),
    "Jun-Aug": ("2011-06-01", "2011-09-01"),
    "Jul-Aug": ("2011-07-01", "2011-09-01"),
}
OURS = "smbcore (re-buy + EASE)"
# How the settings were chosen (the search, run on the validation windows before the hold-out was looked at again).
SELECTION = """## How the settings were chosen (validation windows only)

Each candidate was fitted on the four validation windows below and scored by its worst margin over the best peer
(the smallest over the windows and over Recall@10 and NDCG@10; peers here also included EASE with l2 100, 200, 800).

| candidate | worst margin, all | worst margin, new |
|:--|--:|--:|
| previous defaults (trend = buyers in the last 14 days) | 0.0183 | 0.0069 |
| **trend = buyers in the last 7 days (chosen)** | **0.0185** | **0.0081** |
| trend over 10 / 30 days | 0.0181 / 0.0175 | 0.0068 / 0.0040 |
| EASE l2 100 / 400 (instead of 200) | 0.0171 / 0.0196 | 0.0078 / 0.0039 |
| EASE recency half-life 30 / 120 days (instead of 60) | 0.0209 / 0.0167 | 0.0011 / 0.0069 |
| item-item recency half-life 15 days (instead of 30) | 0.0181 | 0.0052 |
| 7 days and l2 150 / trend weight 1.0 / 0.6 / neighbours 0.7 / EASE half-life 90 | 0.0154-0.0191 | 0.0070-0.0079 |

Parts kept because each helps on every window in at least one mode (removing it lowers that mode's margin on all four
windows): the 14-or-7-day trend, BM25 neighbours ("new"), recent purchases in the item-item part ("new"), the repeat
rate and 90-day popularity in re-buys ("all").
Parts tried and left out because they did not help on every window: TIFU-KNN-style customer neighbours (cosine on
time-decayed product vectors, 100-300 neighbours, weight 0.3-0.6: lower "new" margin on every window); a re-buy
"due" score from each product's own purchase interval (1 - exp(-90 x orders / (days since first bought + 30)),
weight 0.3-1.0: lower worst "all" margin, 0.0156-0.0177 against 0.0183 without); a boost for products first sold in
the last 30 days (weight 0.2: higher on three windows, lower on April-June "new", 0.0072 against 0.0081).
"""
RESULTS = ROOT / "benchmarks" / "results"


def ours(tx: pd.DataFrame, cutoff: str, users: list, truth_all: dict, truth_new: dict) -> tuple[list[dict], dict]:
    """Our recommender learned before `cutoff`, judged as the peers: rows of the table and timing."""
    started = time.perf_counter()
    model = recommend.fit(tx[tx["timestamp"] < pd.Timestamp(cutoff)])
    fit_seconds = time.perf_counter() - started
    rows, timing = [], {"fit_seconds": round(fit_seconds, 2)}
    for mode, truth in (("all", truth_all), ("new", truth_new)):
        started = time.perf_counter()
        recs = model.recommend([str(u) for u in users], k=10, exclude_purchased=mode == "new")
        scored = time.perf_counter() - started
        lists = recs.groupby("customer_id")["product_id"].agg(list).to_dict()
        result = peers.evaluate(lists, truth, k=10)
        rows.append({"method": OURS, "mode": mode, **result, "fit_seconds": fit_seconds})
        timing[f"score_{len(users)}_{mode}_seconds"] = round(scored, 2)
    return rows, timing


def recommendation_table(tx: pd.DataFrame, cutoff: str) -> tuple[pd.DataFrame, dict, dict]:
    """Peers and ours learned before `cutoff` and judged on every later line of `tx`.

    Returns the table (method, mode, recall@10, ndcg@10, users, fit_seconds), timing, and per mode our margin over
    the best peer on each measure ({"all": {"recall@10": 0.02, ...}, ...}; positive = ahead)."""
    _, truth_all, truth_new, users = peers.split(peers.clean_sales(tx), cutoff)
    table = peers.run_peers(tx, cutoff=cutoff, k=10)
    our_rows, timing = ours(tx, cutoff, users, truth_all, truth_new)
    table = pd.concat([table, pd.DataFrame(our_rows)], ignore_index=True)
    table = table[["method", "mode", "recall_capped", "ndcg", "users", "fit_seconds"]].rename(
        columns={"recall_capped": "recall@10", "ndcg": "ndcg@10"}
    )
    margin = {}
    for mode in ("all", "new"):
        part = table[table["mode"] == mode]
        best_peer, mine = part[part["method"] != OURS], part[part["method"] == OURS].iloc[0]
        margin[mode] = {m: round(float(mine[m] - best_peer[m].max()), 4) for m in ("recall@10", "ndcg@10")}
    shown = table.assign(
        **{c: table[c].round(4) for c in ("recall@10", "ndcg@10")}, fit_seconds=table["fit_seconds"].round(2)
    )
    return shown, timing, margin


def app_timing(tx: pd.DataFrame) -> dict:
    """Fit on all of the sample (4,334 customers, as the app fits it) and score 4,000 customers."""
    started = time.perf_counter()
    full = recommend.fit(tx)
    timing = {"fit_full_sample_seconds": round(time.perf_counter() - started, 2)}
    started = time.perf_counter()
    full.recommend(full.users_[:4000], k=10)
    timing["score_4000_customers_seconds"] = round(time.perf_counter() - started, 2)
    return timing


def validation_text(tx: pd.DataFrame) -> tuple[str, pd.DataFrame, dict]:
    """Every validation window's table as markdown, the tables stacked (a `window` column first) and per window our
    margin over the best peer, plus "worst": the smallest margin over the windows per mode and measure."""
    parts, tables, margins = [], [], {}
    for name, (start, end) in VALIDATION_WINDOWS.items():
        table, _, margin = recommendation_table(tx[tx["timestamp"] < pd.Timestamp(end)], start)
        parts.append(
            f"### {name}: learn before {start}, judge to {end}\n\n{table.to_markdown(index=False)}\n\n"
            f"- margin over the best peer (ours minus best): {margin}\n"
        )
        tables.append(table.assign(window=name))
        margins[name] = margin
    margins["worst"] = {
        mode: {m: min(margins[w][mode][m] for w in VALIDATION_WINDOWS) for m in ("recall@10", "ndcg@10")}
        for mode in ("all", "new")
    }
    text = (
        "## Validation windows (settings chosen here: best worst-window margin)\n\n"
        + "\n".join(parts)
        + f"\n- worst window's margin over the best peer: {margins['worst']}\n"
    )
    stacked = pd.concat(tables, ignore_index=True)
    return text, stacked[["window", *stacked.columns[:-1]]], margins


def main() -> None:
    tx = load_sample("online_retail")["transactions"]
    validation, validation_table, validation_margin = validation_text(tx)
    print(validation)
    if "--validation" in sys.argv[1:]:
        return
    shown, timing, margin = recommendation_table(tx, CUTOFF)
    timing |= app_timing(tx)
    value = customers.check_models(tx, CUTOFF)
    value_table = pd.DataFrame(value_peers.run_case("online_retail", lambda: tx, CUTOFF))  # BTYD peers, same run
    value_lines = [
        f"churn AUC (no purchase in the 90 days after {CUTOFF}): {value['churn_auc']:.3f} "
        f"(95% range {value['churn_auc_range'][0]:.3f}-{value['churn_auc_range'][1]:.3f}, "
        f"{value['checked_customers']:,} customers)",
        f"90-day spend error (mean absolute, £): model {value['spend_mae']:.1f}, "
        f"'same as last 90 days' {value['naive_spend_mae']:.1f}",
        "customer value against BG/NBD and Pareto/NBD + Gamma-Gamma (benchmarks/customer_value.py, the app's "
        f"analysis at {CUTOFF}, next 90 days judged):\n\n"
        + value_table[["method", "mae", "rmse", "total_miss_pct", "churn_auc", "seconds"]]
        .round(3)
        .to_markdown(index=False),
    ]
    text = (
        f"## Hold-out: learn before {CUTOFF}, judge to the end of the sample (reported; the second look at this "
        "hold-out for issue 16 item 5)\n\n"
        + shown.to_markdown(index=False)
        + "\n\n"
        + "\n".join(f"- {line}" for line in value_lines)
        + f"\n- timing: {timing}\n- margin over the best peer (ours minus best): {margin}\n"
    )
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "recommend.md").write_text(
        f"# Recommendation benchmark\n\n`.venv/bin/python benchmarks/recommend.py`\n\n{SELECTION}\n{validation}\n{text}"
    )
    (RESULTS / "recommend.json").write_text(
        json.dumps(
            {
                "table": shown.to_dict(orient="records"),
                "timing": timing,
                "margin_over_best_peer": margin,
                "validation_table": validation_table.to_dict(orient="records"),
                "validation_margin_over_best_peer": validation_margin,
                "churn_spend": {k: (list(v) if isinstance(v, tuple) else v) for k, v in value.items()},
                "customer_value_peers": value_table.to_dict(orient="records"),
            },
            indent=2,
            default=str,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
