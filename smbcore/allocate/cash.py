"""One plan, one budget: split the cash available between stock and marketing after the rota is paid, so the
last unit of money earns the same margin wherever it goes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from smbcore.allocate.inventory import expected_sold

__all__ = ["split_cash"]


def split_cash(
    cash: float, staff_cost: float, stock: pd.DataFrame, segments: pd.DataFrame, margin_share: float
) -> dict:
    """Split `cash` for the period.

    stock: an inventory plan (see inventory_plan; unknown stock on hand is taken as the reorder point, as the plan does). segments: segment, customers, response_rate, value_per_response,
    cost_per_contact. margin_share: share of extra revenue that is margin.
    The rota is paid first (the shop must open); the rest goes to stock units and marketing money in order of
    the margin each brings per unit of money, until the cash runs out or nothing pays back.
    Returns {"staff", "stock", "marketing", "unspent", "stock_units" (per product_id),
    "marketing_spend" (per segment), "margin_per_unit" (the last unit of money's margin)}.
    """
    left = max(cash - staff_cost, 0.0)
    price, cost = stock["price"].to_numpy(float), stock["unit_cost"].to_numpy(float)
    mean = stock["demand_lead_review"].to_numpy(float)
    sd = stock["demand_sd"].to_numpy(float)
    on_hand = stock["stock"].to_numpy(float)
    position = np.where(np.isfinite(on_hand), on_hand, stock["reorder_point"].to_numpy(float))  # as the plan took it
    units = stock["order_units"].to_numpy(float)
    slices = 20
    step = units / slices
    edges = position[:, None] + step[:, None] * np.arange(slices + 1)[None, :]
    gain = np.diff(expected_sold(mean[:, None], sd[:, None], edges), axis=1) * (price - cost)[:, None]
    spend = np.repeat((step * cost)[:, None], slices, axis=1)
    stock_ratio = np.where(spend > 0, gain / np.maximum(spend, 1e-12), 0)
    customers = segments["customers"].to_numpy(float)
    most = customers * segments["response_rate"].to_numpy(float) * segments["value_per_response"].to_numpy(float)
    scale = np.maximum(customers * segments["cost_per_contact"].to_numpy(float), 1e-9)

    def marketing_at(rate: float) -> np.ndarray:  # spend where the marginal margin per unit falls to `rate`
        return np.clip(scale * np.log(np.maximum(margin_share * most / (scale * rate), 1e-300)), 0, 3 * scale)

    def spent(rate: float) -> float:
        return float((spend * (stock_ratio >= rate)).sum() + marketing_at(rate).sum())

    floor = 1e-6  # below this, money earns nothing worth having
    rate = floor if spent(floor) <= left else brentq(lambda r: spent(r) - left, floor, 1e6, xtol=1e-9)
    bought = (step[:, None] * (stock_ratio >= rate)).sum(axis=1)
    marketing = marketing_at(rate)
    stock_money = float((spend * (stock_ratio >= rate)).sum())
    return {
        "staff": float(min(staff_cost, cash)),
        "stock": stock_money,
        "marketing": float(marketing.sum()),
        "unspent": float(max(left - stock_money - marketing.sum(), 0)),
        "stock_units": pd.Series(np.floor(bought), index=stock["product_id"].to_numpy()),
        "marketing_spend": pd.Series(marketing, index=segments["segment"].to_numpy()),
        "margin_per_unit": float(rate),
    }
