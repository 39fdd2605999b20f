"""What each customer model needs from the data, stated once: the models hold back when it is not met and
the health check reports exactly these rules. Also the one rule for 'better than chance'."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

__all__ = [
    "CHECK_DAYS",
    "REQUIREMENTS",
    "DataFacts",
    "Requirement",
    "auc_with_range",
    "better_than_chance",
    "facts",
]

CHECK_DAYS = 90  # the look-ahead of the churn, spend and repeat-purchase models


@dataclass(frozen=True)
class DataFacts:
    """What the rules are judged on, from order lines with a customer id (returns count only for dates).

    history_days: whole days from the first to the last such line; customers: customers with a sale;
    repeat_customers: customers with two or more orders; multi_product_customers: customers who bought two or
    more different products; bought_again / did_not_buy_again: of the customers with a sale before the last
    90 days, how many bought in those 90 days and how many did not (the outcome the models learn)."""

    history_days: int
    customers: int
    repeat_customers: int
    multi_product_customers: int
    bought_again: int
    did_not_buy_again: int


@dataclass(frozen=True)
class Requirement:
    """A model's needs. Below any `min_*` the model gives nothing (the health check says 'not yet'); at or above
    them but below any `full_*` it works with wide ranges (the health check says 'limited')."""

    capability: str
    min_days: int = 0
    min_customers: int = 1
    min_each_outcome: int = 0  # customers who bought again, and who did not, in the last 90 days
    full_customers: int = 0
    full_multi_product_customers: int = 0

    def shortfalls(self, data: DataFacts) -> list[str]:
        """What is missing for the model to run at all, in words (empty when it can run)."""
        missing = []
        if data.history_days < self.min_days:
            missing.append(f"{self.min_days} days of orders with a customer id (the file has {data.history_days})")
        if data.customers < self.min_customers:
            missing.append(f"{self.min_customers} customers (the file has {data.customers})")
        if min(data.bought_again, data.did_not_buy_again) < self.min_each_outcome:
            missing.append(
                f"at least {self.min_each_outcome} customers who bought again in the last {CHECK_DAYS} days and "
                f"{self.min_each_outcome} who did not (the file has {data.bought_again} and "
                f"{data.did_not_buy_again})"
            )
        return missing

    def limits(self, data: DataFacts) -> list[str]:
        """Why the model works but is less sure, in words (empty when it is fully ready)."""
        limits = []
        if data.customers < self.full_customers:
            limits.append(f"{_customers(data.customers)}, under {self.full_customers}: figures will be rough")
        if data.multi_product_customers < self.full_multi_product_customers:
            limits.append(
                f"{_customers(data.multi_product_customers)} bought two or more different products, under "
                f"{self.full_multi_product_customers}"
            )
        return limits

    def status(self, data: DataFacts) -> tuple[str, str]:
        """('ready' | 'limited' | 'not yet', reason in words)."""
        if missing := self.shortfalls(data):
            return "not yet", "Needs " + "; ".join(missing) + "."
        if limits := self.limits(data):
            return "limited", "Works, less sure: " + "; ".join(limits) + "."
        return "ready", f"{data.customers:,} customers, {data.history_days:,} days of orders."


def _customers(n: int) -> str:
    return f"{n:,} customer" + ("" if n == 1 else "s")


REQUIREMENTS: dict[str, Requirement] = {
    "segments": Requirement("Customer segments", full_customers=50),
    # Two 90-day windows (one to learn from, one to check on) plus 30 days of behaviour before them.
    "churn": Requirement(
        "Churn risk",
        min_days=2 * CHECK_DAYS + 30,
        min_customers=20,
        min_each_outcome=10,
        full_customers=300,
    ),  # fmt: skip
    "recommendations": Requirement("Recommendations", full_multi_product_customers=20),
    # Without a past campaign, who to contact is learned from who bought again in the last 90 days.
    "targeting_orders": Requirement(
        "Who to contact (learned from orders)", min_days=CHECK_DAYS + 1, min_each_outcome=10
    ),
}


def facts(transactions: pd.DataFrame, asof: pd.Timestamp | str | None = None) -> DataFacts:
    """DataFacts of canonical transactions (customer_id, order_id, timestamp, product_id, is_return) up to `asof`
    (default: the last line with a customer id)."""
    if "customer_id" not in transactions:
        return DataFacts(0, 0, 0, 0, 0, 0)
    lines = transactions.dropna(subset=["customer_id"])
    if lines.empty:
        return DataFacts(0, 0, 0, 0, 0, 0)
    asof = pd.Timestamp(asof) if asof is not None else lines["timestamp"].max()
    lines = lines[lines["timestamp"] <= asof]
    sales = lines[~lines["is_return"]]
    orders = sales.groupby("customer_id")["order_id"].nunique()
    products = sales.groupby("customer_id")["product_id"].nunique()
    cutoff = asof - pd.Timedelta(days=CHECK_DAYS)
    before = pd.Index(sales.loc[sales["timestamp"] <= cutoff, "customer_id"].unique())
    later = pd.Index(sales.loc[sales["timestamp"] > cutoff, "customer_id"].unique())
    again = int(before.isin(later).sum())
    return DataFacts(
        history_days=int((asof - lines["timestamp"].min()).days) if len(lines) else 0,
        customers=len(orders),
        repeat_customers=int((orders >= 2).sum()),
        multi_product_customers=int((products >= 2).sum()),
        bought_again=again,
        did_not_buy_again=len(before) - again,
    )


def auc_with_range(y, score, seed: int = 0, rounds: int = 200) -> tuple[float, float, float]:
    """ROC AUC of `score` for the yes/no outcome `y`, with a 95% bootstrap range (NaN when y has one kind).

    Each bootstrap resample is counted as weights on the distinct scores (Mann-Whitney with ties counting
    half), which gives the same AUC as ranking the resample, in linear time."""
    y, score = np.asarray(y, dtype=int), np.asarray(score, dtype=float)
    if len(np.unique(y)) < 2:
        return np.nan, np.nan, np.nan
    rng = np.random.default_rng(seed)
    _, group = np.unique(score, return_inverse=True)  # distinct scores, ascending
    values = []
    for _ in range(rounds):
        counts = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y))
        pos = np.bincount(group, weights=counts * y)
        neg = np.bincount(group, weights=counts * (1 - y))
        n_pos, n_neg = pos.sum(), neg.sum()
        if n_pos and n_neg:
            below = np.cumsum(neg) - neg  # negatives with a lower score than each distinct score
            values.append(float((pos * (below + neg / 2)).sum() / (n_pos * n_neg)))
    auc = float(roc_auc_score(y, score))
    if not values:
        return auc, np.nan, np.nan
    return auc, float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def better_than_chance(low: float) -> bool:
    """A held-out check says the model tells customers apart only when its whole 95% AUC range is above 0.5
    (a coin toss); a missing range (too few customers, or everyone did the same) is not enough."""
    return bool(np.isfinite(low) and low > 0.5)
