"""One plan, one budget: split the cash available between stock and marketing after the rota is paid, so the
last unit of money earns the same margin wherever it goes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.allocate.budget import _curve
from smbcore.allocate.inventory import order_slices

__all__ = ["split_cash"]


def split_cash(
    cash: float, staff_cost: float, stock: pd.DataFrame, segments: pd.DataFrame, margin_share: float
) -> dict:
    """Split `cash` for the period.

    stock: an inventory plan (see inventory_plan; a product whose stock on hand is unknown gets no order there, so
    none here either). segments: segment, customers, response_rate, value_per_response,
    cost_per_contact. margin_share: share of extra revenue that is margin.
    The rota is paid first (the shop must open); the rest goes to stock units and marketing money in order of
    the margin each brings per unit of money (for marketing: its margin less its own cost), until the cash runs
    out or nothing pays back.
    Returns {"staff", "stock", "marketing", "unspent", "stock_units" (per product_id),
    "marketing_spend" (per segment), "margin_per_unit" (the last unit of money's margin)}.
    """
    left = max(cash - staff_cost, 0.0)
    cost = stock["unit_cost"].to_numpy(float)
    on_hand = stock["stock"].to_numpy(float)
    position = np.where(np.isfinite(on_hand), on_hand, stock["reorder_point"].to_numpy(float))  # as the plan took it
    gain, spend, step = order_slices(
        position,
        stock["order_units"].to_numpy(float),
        stock["demand_lead_review"].to_numpy(float),
        stock["demand_sd"].to_numpy(float),
        stock["daily_demand"].to_numpy(float),
        stock["price"].to_numpy(float) - cost,
        cost,
    )
    most, scale = _curve(segments)  # a segment that cannot take money (see budget.why_no_money) earns nothing
    # Marketing money in 60 chunks per segment up to three contacts per customer; what a chunk earns is the
    # margin share of the extra revenue it adds on the diminishing-returns curve less the chunk itself (money
    # spent on stock comes back when the units sell; money spent on marketing does not), so marketing that
    # brings back less margin than it costs gets nothing.
    chunks = 60
    edges = 3 * scale[:, None] * np.arange(chunks + 1)[None, :] / chunks
    money = np.repeat((3 * scale / chunks)[:, None], chunks, axis=1)
    margin = np.diff(margin_share * most[:, None] * (1 - np.exp(-edges / scale[:, None])), axis=1) - money
    # Both concave, so taking the best margin per unit of money first is optimal (the last piece in part).
    gains = np.r_[gain.ravel(), margin.ravel()]
    costs = np.r_[spend.ravel(), money.ravel()]
    ratio = np.where(costs > 0, gains / np.maximum(costs, 1e-12), 0.0)
    order = np.argsort(-ratio, kind="stable")
    order = order[ratio[order] > 1e-6]  # money that earns nothing stays unspent
    before = np.cumsum(costs[order]) - costs[order]
    share = np.zeros(len(costs))
    share[order] = np.clip((left - before) / np.maximum(costs[order], 1e-12), 0, 1)
    stock_share = share[: gain.size].reshape(gain.shape)
    market_share = share[gain.size :].reshape(margin.shape)
    stock_money = float((spend * stock_share).sum())
    marketing = (money * market_share).sum(axis=1)
    taken = order[share[order] > 0]
    return {
        "staff": float(min(staff_cost, cash)),
        "stock": stock_money,
        "marketing": float(marketing.sum()),
        "unspent": float(max(left - stock_money - marketing.sum(), 0)),
        "stock_units": pd.Series(np.floor((step * stock_share).sum(axis=1)), index=stock["product_id"].to_numpy()),
        "marketing_spend": pd.Series(marketing, index=segments["segment"].to_numpy()),
        "margin_per_unit": float(ratio[taken[-1]]) if len(taken) else 0.0,
    }
