"""A seeded shop whose customers behave as the 'buy till you die' models assume, for tests and benchmarks:
each customer buys at their own Poisson rate (gamma across customers) until they leave for good (after each
order with their own chance, beta across customers: BG/NBD), and their orders are worth a gamma amount around
their own mean (gamma across customers: Gamma-Gamma). The true answer is therefore known to be BTYD-shaped."""

from __future__ import annotations

import numpy as np
import pandas as pd


def btyd_shop(
    n_customers: int = 3000,
    weeks: int = 78,
    joining_weeks: int = 52,
    r: float = 0.6,
    alpha: float = 6.0,
    a: float = 0.8,
    b: float = 2.5,
    p: float = 6.0,
    q: float = 4.0,
    v: float = 15.0,
    start: str = "2024-01-01",
    seed: int = 0,
) -> pd.DataFrame:
    """Order lines (one line per order) in the canonical transactions layout: customer_id, order_id, timestamp,
    product_id, quantity, unit_price, revenue, is_return, product_name, country. Customers join uniformly over
    the first `joining_weeks` weeks and are followed to `weeks`; rates are per week (r, alpha: gamma of the
    purchase rate; a, b: beta of the chance to leave after an order; p, q, v: Gamma-Gamma order values)."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, n_customers)
    leave = rng.beta(a, b, n_customers)
    scale = rng.gamma(q, 1 / v, n_customers)  # the order-value gamma's rate per customer
    joined = rng.uniform(0, joining_weeks, n_customers)
    rows = []
    for c in range(n_customers):
        t = joined[c]
        while t < weeks:
            rows.append((c, t))
            if rng.random() < leave[c] or rate[c] <= 0:
                break
            t += rng.exponential(1 / rate[c])
    ids, times = (np.array(v) for v in zip(*rows, strict=True))
    values = np.round(rng.gamma(p, 1 / scale[ids]), 2)
    n = len(ids)
    stamp = pd.Timestamp(start) + pd.to_timedelta(np.floor(times * 7 * 24 * 60), unit="min")
    return pd.DataFrame(
        {
            "customer_id": pd.array([f"c{i}" for i in ids], dtype="string"),
            "order_id": pd.array([f"o{i}" for i in range(n)], dtype="string"),
            "timestamp": stamp,
            "product_id": pd.array(["item"] * n, dtype="string"),
            "quantity": 1.0,
            "unit_price": values,
            "revenue": values,
            "is_return": pd.array([False] * n, dtype="boolean"),
            "product_name": pd.array(["Item"] * n, dtype="string"),
            "country": pd.array(["UK"] * n, dtype="string"),
        }
    )
