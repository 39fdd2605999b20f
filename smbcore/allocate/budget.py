"""Marketing money: split a budget across customer segments where it brings the most extra revenue.

Each segment's extra revenue from spending b on it follows diminishing returns:
    extra(b) = customers x response_rate x value_per_response x (1 - exp(-b / (customers x cost_per_contact)))
so one contact per customer reaches 63% of the segment's possible extra revenue and further money reaches
fewer new responders. The split maximises total extra revenue subject to the budget and each segment's
bounds (scipy's SLSQP on this concave problem; the optimum is where every funded segment earns the same
from its last unit of money).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

__all__ = ["budget_plan", "segment_response", "extra_revenue"]


def segment_response(plan: pd.DataFrame, uplift: float = 0.05, cost_per_contact: float = 0.5) -> pd.DataFrame:
    """Segments and their expected response from the customer analysis.

    plan: one row per customer with segment, churn_risk, expected_spend_90d, monetary, frequency (optional).
    uplift: extra buyers per contacted customer for a customer sure to buy anyway would be 0, for one who
    would not buy it is `uplift`; a segment's response_rate is uplift x its average chance of not buying
    (there is more to win back) weighted toward the chance of buying at all (those who never buy do not
    respond): uplift x 4 x p x (1 - p), at most `uplift`.
    Returns segment, customers, response_rate, value_per_response (average order value), cost_per_contact.
    """
    buy = 1 - plan["churn_risk"].fillna(plan["churn_risk"].mean()).clip(0, 1)
    orders = plan["frequency"] if "frequency" in plan else pd.Series(1.0, index=plan.index)
    order_value = (plan["monetary"] / orders.clip(lower=1)).clip(lower=0)
    frame = pd.DataFrame({"segment": plan["segment"], "buy": buy, "order_value": order_value})
    grouped = frame.groupby("segment", observed=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "response_rate": grouped["buy"].mean().map(lambda p: uplift * min(4 * p * (1 - p), 1.0)),
            "value_per_response": grouped["order_value"].median(),
        }
    ).reset_index()
    out["cost_per_contact"] = cost_per_contact
    return out


def extra_revenue(spend: np.ndarray, segments: pd.DataFrame) -> np.ndarray:
    """Expected extra revenue per segment for `spend` per segment (same order as `segments`)."""
    most, scale = _curve(segments)
    return most * (1 - np.exp(-np.asarray(spend, dtype=float) / scale))


def _curve(segments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    customers = segments["customers"].to_numpy(dtype=float)
    most = customers * segments["response_rate"].to_numpy(dtype=float) * segments["value_per_response"].to_numpy()
    scale = np.maximum(customers * segments["cost_per_contact"].to_numpy(dtype=float), 1e-9)
    return most, scale


def budget_plan(
    segments: pd.DataFrame,
    total_budget: float,
    min_spend: pd.Series | dict | None = None,
    max_spend: pd.Series | dict | None = None,
) -> pd.DataFrame:
    """The budget split.

    segments: segment, customers, response_rate, value_per_response, cost_per_contact (see
    `segment_response`; a `channel` column makes each row a segment x channel pair). min_spend / max_spend:
    per segment name (default 0 and the cost of contacting everyone three times).
    Returns segment (and channel), spend, contacts, extra_revenue, return_per_unit (extra revenue per unit of
    money), marginal_return (extra revenue from one more unit of money in that segment), equal_split_spend,
    equal_split_revenue.
    """
    segments = segments.reset_index(drop=True)
    most, scale = _curve(segments)
    names = segments["segment"]
    low = names.map(pd.Series(min_spend or {}, dtype=float)).fillna(0.0).to_numpy()
    high = names.map(pd.Series(max_spend or {}, dtype=float)).fillna(pd.Series(3 * scale)).to_numpy()
    high = np.maximum(high, low)
    budget = float(max(total_budget, 0))
    if budget < low.sum():
        raise ValueError(f"The budget ({budget:,.0f}) is below the minimum spends, which add up to {low.sum():,.0f}.")
    budget = min(budget, high.sum())  # money past every segment's cap would buy nothing

    def loss(x):
        return -(most * (1 - np.exp(-x / scale))).sum()

    def grad(x):
        return -(most / scale) * np.exp(-x / scale)

    start = low + (high - low) * (budget - low.sum()) / max((high - low).sum(), 1e-12)
    if budget <= 0 or len(segments) == 0:
        spend = np.zeros(len(segments))
    else:
        result = minimize(
            loss,
            start,
            jac=grad,
            method="SLSQP",
            bounds=list(zip(low, high, strict=True)),
            constraints=[{"type": "eq", "fun": lambda x: x.sum() - budget, "jac": lambda x: np.ones_like(x)}],
            options={"maxiter": 200, "ftol": 1e-10},
        )
        spend = np.clip(result.x, low, high)
    equal = np.clip(np.full(len(segments), budget / max(len(segments), 1)), low, high)
    out = segments[[c for c in ("segment", "channel") if c in segments]].copy()
    out["spend"] = spend
    out["contacts"] = np.floor(spend / segments["cost_per_contact"].to_numpy(dtype=float))
    out["extra_revenue"] = most * (1 - np.exp(-spend / scale))
    out["return_per_unit"] = np.where(spend > 0, out["extra_revenue"] / np.maximum(spend, 1e-12), 0.0)
    out["marginal_return"] = (most / scale) * np.exp(-spend / scale)
    out["equal_split_spend"] = equal
    out["equal_split_revenue"] = most * (1 - np.exp(-equal / scale))
    return out
