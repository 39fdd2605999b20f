"""Stock: how much of each product to keep and order, from its demand forecast and that forecast's own error.

Textbook continuous review (s, Q): the reorder point covers the forecast demand over lead time plus review
period and a safety stock of z x the forecast's spread over that time; the order quantity is the economic
order quantity (Harris/Wilson), or the newsvendor quantity for perishable or seasonal lines. A limited
budget goes to the units that buy the most expected margin (greedy on a concave gain: optimal for this
separable problem).

The work is split so what-if sliders stay cheap: `demand_over_time` turns a forecast into cumulative demand
and spread per product once; `inventory_plan` is then arithmetic on those arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import norm

from smbcore.allocate.policies import MAX_WEEKS, StockPolicy
from smbcore.allocate.scenarios import with_shock

__all__ = [
    "DemandOverTime",
    "demand_over_time",
    "planned_demand",
    "inventory_plan",
    "item_table",
    "expected_sold",
    "order_slices",
    "service_curve",
    "SERVICE_LEVELS",
    "MAX_WEEKS",
    "order_size_words",
]

_Z80 = norm.ppf(0.9)  # the 80% band spans the forecast +- this many standard deviations


@dataclass
class DemandOverTime:
    """Per product: cumulative forecast demand and its variance after 1, 2, ... days (arrays products x days)."""

    products: pd.Index
    mean: np.ndarray
    variance: np.ndarray
    daily: np.ndarray  # mean forecast demand per day over the whole horizon, per product

    def over(self, days: float) -> tuple[np.ndarray, np.ndarray]:
        """(mean, standard deviation) of demand over the next `days` days; past the horizon the last day's
        rate carries on."""
        horizon = self.mean.shape[1]
        whole = int(min(max(days, 1), horizon))
        extra = max(days - horizon, 0)
        mean = self.mean[:, whole - 1] + extra * self.mean[:, -1] / horizon
        variance = self.variance[:, whole - 1] + extra * self.variance[:, -1] / horizon
        return mean, np.sqrt(variance)

    def scaled(self, factor: float) -> DemandOverTime:
        """The same demand times `factor` (1.2 for 20% more): means and daily rates x factor, spreads too."""
        factor = max(float(factor), 0.0)
        return DemandOverTime(self.products, self.mean * factor, self.variance * factor**2, self.daily * factor)


def demand_over_time(forecast: pd.DataFrame, history: pd.DataFrame | None = None) -> DemandOverTime:
    """forecast: series_id (product), date, yhat, yhat_lo_80, yhat_hi_80 (daily, as smbcore.forecast gives).
    history: series_id, date, y (the daily units the forecast was made from), or None.

    With the history, the spread of demand over the first k days is how far the forecast's own totals over k
    days missed from rolling origins (smbcore.forecast.cumulative_spread): days' misses move together (a level
    set too low misses every day), so adding days as independent understates it. Without it, each day's spread
    is read off its 80% band (taken as normal) and days are added as independent. Days count from each
    product's first forecast day."""
    frame = forecast.sort_values(["series_id", "date"])
    frame = frame.assign(
        step=frame.groupby("series_id").cumcount(), sd=(frame["yhat_hi_80"] - frame["yhat_lo_80"]) / (2 * _Z80)
    )
    mean = frame.pivot(index="series_id", columns="step", values="yhat").fillna(0.0)
    if history is not None:
        variance = _variance_of_totals(history, mean.index, mean.shape[1])
    else:
        sd = frame.pivot(index="series_id", columns="step", values="sd").fillna(0.0)
        variance = np.cumsum(sd.to_numpy() ** 2, axis=1)
    return DemandOverTime(
        products=mean.index.astype(str),
        mean=np.cumsum(mean.to_numpy(), axis=1),
        variance=variance,
        daily=mean.to_numpy().mean(axis=1),
    )


def _variance_of_totals(history: pd.DataFrame, products: pd.Index, days: int) -> np.ndarray:
    """products x days: the variance of demand summed over the first 1..days days, from the history's own
    rolling-origin misses (smbcore.forecast.cumulative_spread, daily)."""
    from smbcore.forecast import cumulative_spread

    history = history[history["series_id"].astype(str).isin(products.astype(str))]
    spread = cumulative_spread(history.assign(series_id=history["series_id"].astype(str)), days, "D")
    spread = spread.assign(step=spread.groupby("series_id").cumcount())
    table = spread.pivot(index="series_id", columns="step", values="sd").reindex(products.astype(str))
    return table.fillna(0.0).to_numpy() ** 2


def planned_demand(forecast: pd.DataFrame, demand: DemandOverTime, policy: StockPolicy) -> DemandOverTime:
    """The demand a stock plan uses: `demand` (the DemandOverTime of `forecast`) with the policy's demand shock,
    on every date (a cheap rescaling) or only in its shock months (rebuilt from the shocked forecast)."""
    if not policy.shock:
        return demand
    if policy.shock_months:
        shocked = demand_over_time(with_shock(forecast, policy.shock, list(policy.shock_months)))
        # The spread grows with the demand: the plan's own spread, scaled by how much the shock moved the total.
        ratio = np.divide(shocked.mean, demand.mean, out=np.ones_like(demand.mean), where=demand.mean > 0)
        return replace(shocked, variance=demand.variance * ratio**2)
    return demand.scaled(1 + policy.shock / 100)


def item_table(history_transactions: pd.DataFrame, products: pd.Index, cost_share: float = 0.6) -> pd.DataFrame:
    """Price and unit cost per product from order lines (transactions: product_id, quantity, unit_price,
    is_return; optional product_name). Unit cost is `cost_share` of the average selling price unless the
    owner gives their own. Returns index product_id with product_name, price, unit_cost."""
    sales = history_transactions[~history_transactions["is_return"]]
    sales = sales[sales["product_id"].astype(str).isin(products)]
    grouped = sales.groupby(sales["product_id"].astype(str))
    price = grouped.apply(lambda g: (g["unit_price"] * g["quantity"]).sum() / max(g["quantity"].sum(), 1))
    table = pd.DataFrame({"price": price.reindex(products).fillna(0.0)})
    if "product_name" in sales:
        table["product_name"] = grouped["product_name"].agg(lambda s: s.mode().iat[0] if s.notna().any() else "")
    else:
        table["product_name"] = table.index
    table["unit_cost"] = table["price"] * cost_share
    table.index.name = "product_id"
    return table[["product_name", "price", "unit_cost"]]


def expected_sold(mean: np.ndarray, sd: np.ndarray, quantity: np.ndarray) -> np.ndarray:
    """E[min(demand, quantity)] for normal demand: what `quantity` units on the shelf are expected to sell."""
    sd = np.maximum(sd, 1e-9)
    z = (quantity - mean) / sd
    shortfall = sd * (norm.pdf(z) - z * norm.sf(z))  # expected units of demand beyond `quantity`
    return mean - shortfall


def inventory_plan(
    demand: pd.DataFrame | DemandOverTime,
    policy: StockPolicy | None = None,
    items: pd.DataFrame | None = None,
    stock: pd.Series | None = None,
    perishable: set | None = None,
) -> pd.DataFrame:
    """The stock plan per product.

    demand: daily demand forecast per product (see `demand_over_time`), or its DemandOverTime, as planned: the
    policy's demand shock is applied by `planned_demand`, not here.
    policy: (default StockPolicy()) service level, lead time, review period, holding and order costs, budget (cap on the money spent on
    this order) and max_weeks (an order size is at most this many weeks of forecast demand; the economic order
    quantity of a cheap, steady seller can be months of sales, more than fits the shelf or stays fresh).
    items: index product_id with price and unit_cost (and optionally product_name); default price 1, cost 0.6.
    stock: units on hand per product (unknown -> no order now for that product: only its reorder point and
    order size). perishable: products sold within one cycle (newsvendor).

    Returns one row per product: product_id, product_name, daily_demand, demand_lead_review, demand_sd (its
    spread), safety_stock, reorder_point, order_quantity (EOQ or newsvendor), method, stock, order_now,
    order_units, price, unit_cost, order_cost_value (money), expected_stockout_units (per year), holding_cost
    (per year), expected_margin (of this order).
    """
    policy = policy or StockPolicy()
    demand = demand if isinstance(demand, DemandOverTime) else demand_over_time(demand)
    products = demand.products
    lead_time_days, review_days, max_weeks = policy.lead_time_days, policy.review_days, policy.max_weeks
    if items is None:
        items = pd.DataFrame({"price": 1.0, "unit_cost": 0.6, "product_name": products}, index=products)
    items = items.reindex(products)
    price = items["price"].fillna(0.0).to_numpy(dtype=float)
    cost = items["unit_cost"].fillna(0.0).to_numpy(dtype=float)
    mean, sd = demand.over(lead_time_days + review_days)
    daily = demand.daily
    z = norm.ppf(min(max(policy.service_level, 0.5), 0.9999))
    safety = z * sd
    reorder_point = mean + safety
    yearly = daily * 365
    holding = policy.holding_cost_rate * np.maximum(cost, 1e-9)
    eoq = np.sqrt(2 * yearly * policy.order_cost / holding)
    fresh = products.isin(list(perishable or ()))
    # Newsvendor for perishables: stock for one cycle at the critical ratio of margin to margin + waste.
    ratio = np.clip((price - cost) / np.maximum(price, 1e-9), 0.01, 0.99)
    newsvendor = mean + norm.ppf(ratio) * sd
    quantity = np.where(fresh, np.maximum(newsvendor, 0), np.maximum(eoq, review_days * daily))
    capped = np.zeros(len(products), dtype=bool)
    if max_weeks is not None:
        most = max_weeks * 7 * daily
        capped = quantity > most + 1e-9
        quantity = np.minimum(quantity, most)
    on_hand = stock.reindex(products).to_numpy(dtype=float) if stock is not None else np.full(len(products), np.nan)
    known = np.isfinite(on_hand)
    # Order up to reorder point + order quantity when stock is at or below the reorder point; perishables: up to
    # one cycle's newsvendor quantity. Unknown stock: nothing to order now can be said (the reorder point and
    # order size still can); its position is taken as the reorder point for what-if margins.
    position = np.where(known, on_hand, np.where(fresh, 0.0, reorder_point))
    target = np.where(fresh, quantity, reorder_point + quantity)
    order_now = np.where(fresh, position < target, position <= reorder_point) & known
    order_units = np.ceil(np.where(order_now, np.maximum(target - position, 0), 0))
    if policy.budget is not None:
        order_units = _fit_budget(order_units, position, mean, sd, daily, price, cost, policy.budget)
    cycles = np.where(quantity > 0, yearly / np.maximum(quantity, 1e-9), 0)
    short_per_cycle = sd * (norm.pdf(z) - z * norm.sf(z))
    gain, _, _ = order_slices(position, order_units, mean, sd, daily, price - cost, cost)
    return pd.DataFrame(
        {
            "product_id": products,
            "product_name": items["product_name"].fillna("").astype(str).to_numpy(),
            "daily_demand": daily,
            "demand_lead_review": mean,
            "demand_sd": sd,
            "safety_stock": safety,
            "reorder_point": reorder_point,
            "order_quantity": quantity,
            "method": np.where(
                capped,
                order_size_words(max_weeks or 0),
                np.where(fresh, "newsvendor (perishable)", "cheapest size (EOQ)"),
            ),
            "stock": on_hand,
            "order_now": order_now,
            "order_units": order_units,
            "price": price,
            "unit_cost": cost,
            "order_cost_value": order_units * cost,
            "expected_stockout_units": short_per_cycle * cycles,
            "holding_cost": holding * (quantity / 2 + safety),
            "expected_margin": gain.sum(axis=1),
        }
    )


def order_size_words(max_weeks: float | None) -> str:
    """How an order size capped at `max_weeks` of forecast demand is labelled in the plan's method column."""
    return f"capped at {max_weeks:g} weeks of sales"


def order_slices(
    position: np.ndarray, units: np.ndarray, mean: np.ndarray, sd: np.ndarray, daily: np.ndarray,
    margin: np.ndarray, cost: np.ndarray, slices: int = 20,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Each product's order split into `slices` equal slices (products x slices): (expected margin, cost, units
    per slice). A unit earns its margin if it sells before the order after this one arrives, so demand is taken
    over lead time + review (mean, sd) plus the days the order itself lasts; later slices sell less surely."""
    cover = np.where(daily > 0, mean / np.maximum(daily, 1e-12), 0.0)
    lasts = np.where(daily > 0, units / np.maximum(daily, 1e-12), 0.0)
    window_mean = mean + daily * lasts
    window_sd = sd * np.sqrt(np.where(cover > 0, (cover + lasts) / np.maximum(cover, 1e-12), 1.0))
    step = units / slices
    edges = position[:, None] + step[:, None] * np.arange(slices + 1)[None, :]
    sold = expected_sold(window_mean[:, None], window_sd[:, None], edges)
    gain = np.diff(sold, axis=1) * margin[:, None]
    spend = np.repeat((step * cost)[:, None], slices, axis=1)
    return gain, spend, np.repeat(step[:, None], slices, axis=1)


def _fit_budget(units, position, mean, sd, daily, price, cost, budget: float) -> np.ndarray:
    """Cut the order to fit `budget`, keeping the slices of units with the most expected margin per unit of
    money across all products (see order_slices) until the money runs out."""
    if (units * cost).sum() <= budget:
        return units
    gain, spend, step = order_slices(position, units, mean, sd, daily, price - cost, cost)
    ratio = np.where(spend > 0, gain / np.maximum(spend, 1e-12), -np.inf)
    order = np.argsort(-ratio, axis=None)
    take = np.zeros(spend.size, dtype=bool)
    take[order[np.cumsum(spend.ravel()[order]) <= budget]] = True
    take &= ratio.ravel() > 0
    return np.floor((take.reshape(spend.shape) * step).sum(axis=1))


SERVICE_LEVELS = (0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995)


def service_curve(
    demand: DemandOverTime, policy: StockPolicy | None = None, levels=SERVICE_LEVELS, **data
) -> pd.DataFrame:
    """What each service level costs: the inventory plan at every level in `levels` with the rest of `policy`
    and the same `data` (items, stock, perishable, as for inventory_plan). Returns service_level, holding_cost,
    stockout_units (a year, summed over products), order_value."""
    policy, rows = policy or StockPolicy(), []
    for level in levels:
        plan = inventory_plan(demand, replace(policy, service_level=level), **data)
        rows.append(
            {
                "service_level": level,
                "holding_cost": float(plan["holding_cost"].sum()),
                "stockout_units": float(plan["expected_stockout_units"].sum()),
                "order_value": float(plan["order_cost_value"].sum()),
            }
        )
    return pd.DataFrame(rows)
