"""Did the plan pay off? Replay the last weeks of history: plan from what was known before them, then meet the
demand that really came, day by day, and compare with a simple rule of thumb.

Inventory: the recommended reorder-point policy (stock checked every review period, as the plan assumes) against
"every review period, order up to what the last 4 weeks sold over lead time plus review". An order placed at
the end of a day arrives `lead time` days later, in time for the next day's sales. Staffing: the forecast rota against a flat rota with
about the same paid hours spread evenly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from smbcore.allocate.inventory import DemandOverTime, demand_over_time, inventory_plan
from smbcore.allocate.policies import MAX_WEEKS, StaffPolicy, StockPolicy
from smbcore.allocate.staffing import shift_blocks, staffing_plan
from smbcore.errors import NotEnoughDataError

__all__ = ["backtest_policy", "backtest_rota"]


def _split(history: pd.DataFrame, test_days: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DatetimeIndex]:
    cut = history["date"].max() - pd.Timedelta(days=test_days - 1)
    days = pd.date_range(cut, history["date"].max(), freq="D")
    return history[history["date"] < cut], history[history["date"] >= cut], days


def backtest_policy(
    history: pd.DataFrame,
    policy: StockPolicy | None = None,
    test_days: int = 56,
    items: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    demand: DemandOverTime | None = None,
    replan: bool = False,
    order_up_to: bool = False,
) -> pd.DataFrame:
    """Replay the last `test_days` of daily demand under both stock policies.

    history: series_id (product), date, y (daily units sold, missing days = 0). items: index product_id with
    price and unit_cost (default 1 and 0.6). forecast: the daily forecast made before the test window (made
    here with smbcore.forecast when None). demand: that forecast's DemandOverTime with the spread from the history
    before the window (StockInputs.demand of stock_replay_inputs holds it; worked out here when None: a rolling-
    origin forecast per product, seconds, so a page that replays on every slider move passes it). policy: the stock settings (its budget and demand shock are not
    replayed, and orders are capped at MAX_WEEKS of sales: the replay meets the demand that really came). Both
    policies start each product with the stock the last 4 weeks before the window would need over lead time plus
    review. The plan's spread of demand over lead time plus review comes from the history before the window
    (see demand_over_time). replan: False keeps the plan made before the window all through it; True makes a
    new one every review period from the history known that day (as an owner who re-plans would; a forecast
    per review, so slower). order_up_to: True replays the textbook periodic-review order-up-to policy (R, S)
    instead of the reorder point: every review, order up to S = the plan's reorder point (forecast over lead
    time plus review + z x its spread), so every review starts a cycle whose stock must last lead time plus
    review, exactly the span the service level is set over (Silver, Pyke & Thomas 2017, ch. 6).
    Returns one row per policy: policy, orders, stockout_units, fill_rate, cycles (replenishment cycles: the
    days from one delivery to the next, per product), cycle_service_level (share of those without a
    stock-out: what the service level promises), service_level_target (the policy's), average_stock_units,
    holding_cost, ordering_cost, lost_margin, total_cost.
    """
    policy = policy or StockPolicy()
    train, test, days = _split(history, test_days)
    if train.empty:
        raise NotEnoughDataError(
            f"The history is shorter than the {test_days} days to replay; the replay needs more orders first."
        )
    if forecast is None:
        from smbcore.forecast import forecast as make_forecast

        forecast = make_forecast(train, test_days, "D", levels=(80,))
    if demand is None:
        demand = demand_over_time(forecast, train)
    products = demand.products
    actual = (
        test.assign(series_id=test["series_id"].astype(str))
        .pivot_table(index="series_id", columns="date", values="y", aggfunc="sum")
        .reindex(index=products, columns=days, fill_value=0.0)
        .fillna(0.0)
        .clip(lower=0)
        .to_numpy()
    )
    recent = (
        train[train["date"] >= train["date"].max() - pd.Timedelta(days=27)]
        .assign(series_id=lambda d: d["series_id"].astype(str))
        .groupby("series_id")["y"]
        .sum()
        .reindex(products, fill_value=0.0)
        .clip(lower=0)
        .to_numpy()
        / 28
    )
    replayed = replace(policy, budget=None, max_weeks=MAX_WEEKS, shock=0.0)
    plan = inventory_plan(demand, replayed, items=items)
    lead_time_days, review_days = int(policy.lead_time_days), int(policy.review_days)
    if items is None:
        items = pd.DataFrame({"price": 1.0, "unit_cost": 0.6, "product_name": products}, index=products)
    items = items.reindex(products)
    price, cost = items["price"].fillna(0).to_numpy(float), items["unit_cost"].fillna(0).to_numpy(float)
    start = np.ceil(recent * (lead_time_days + review_days))
    reorder = np.repeat(plan["reorder_point"].to_numpy()[:, None], len(days), axis=1)
    size = np.repeat(plan["order_quantity"].to_numpy()[:, None], len(days), axis=1)
    if replan:
        _replans(history, products, days, review_days, replayed, items, reorder, size)
    top = reorder if order_up_to else reorder + size
    ours = _simulate(
        actual,
        start,
        lead_time_days,
        lambda t, position: np.where(position <= reorder[:, t], top[:, t] - position, 0) * (t % review_days == 0),
    )
    up_to = recent * (lead_time_days + review_days)
    naive = _simulate(
        actual, start, lead_time_days, lambda t, position: np.maximum(up_to - position, 0) * (t % review_days == 0)
    )
    rows = []
    label = "order up to (R, S)" if order_up_to else "recommended (reorder point)"
    for name, result in ((label, ours), ("rule of thumb (last 4 weeks)", naive)):
        on_hand, short, orders, arrived = result
        cycles, without = _cycles(short, arrived)
        holding = (on_hand * cost[:, None]).sum() * policy.holding_cost_rate / 365
        lost = (short * (price - cost)[:, None]).sum()
        demand_total = actual.sum()
        rows.append(
            {
                "policy": name,
                "orders": int(orders),
                "stockout_units": float(short.sum()),
                "fill_rate": float(1 - short.sum() / demand_total) if demand_total else 1.0,
                "cycles": cycles,
                "cycle_service_level": without / cycles if cycles else float("nan"),
                "service_level_target": float(policy.service_level),
                "average_stock_units": float(on_hand.sum(axis=0).mean()),
                "holding_cost": float(holding),
                "ordering_cost": float(orders * policy.order_cost),
                "lost_margin": float(lost),
                "total_cost": float(holding + orders * policy.order_cost + lost),
            }
        )
    return pd.DataFrame(rows)


def _replans(history, products, days, review_days: int, policy: StockPolicy, items, reorder, size) -> None:
    """Fill `reorder` and `size` (products x days, the plan made before the window in every column) from each
    review day on with a plan made that day from the history before it (a 28-day forecast)."""
    from smbcore.forecast import forecast as make_forecast

    for t in range(review_days, len(days), review_days):
        known = history[history["date"] < days[t]]
        demand = demand_over_time(make_forecast(known, 28, "D", levels=(80,)), known)
        plan = inventory_plan(demand, policy, items=items).set_index("product_id")
        plan.index = plan.index.astype(str)
        at = plan.reindex(products)
        reorder[:, t:] = at["reorder_point"].fillna(0.0).to_numpy()[:, None]
        size[:, t:] = at["order_quantity"].fillna(0.0).to_numpy()[:, None]


def _simulate(actual: np.ndarray, start: np.ndarray, lead: int, rule) -> tuple:
    """Day by day: receive what arrives, sell what is asked and on hand, then order by `rule(day, position)`
    (units per product); an order placed at the end of day t is on the shelf for day t + lead + 1. Returns (on
    hand at each day's end, units short, orders, products x days: True where a delivery arrived that day)."""
    products, days = actual.shape
    on_hand, pipeline = start.astype(float).copy(), np.zeros((products, days + lead + 2))
    stock, short, orders = np.zeros((products, days)), np.zeros((products, days)), 0
    for t in range(days):
        on_hand += pipeline[:, t]
        sold = np.minimum(on_hand, actual[:, t])
        short[:, t] = actual[:, t] - sold
        on_hand -= sold
        position = on_hand + pipeline[:, t + 1 :].sum(axis=1)
        order = np.ceil(np.maximum(rule(t, position), 0))
        pipeline[:, t + lead + 1] += order
        orders += int((order > 0).sum())
        stock[:, t] = on_hand
    return stock, short, orders, pipeline[:, :days] > 0


def _cycles(short: np.ndarray, arrived: np.ndarray) -> tuple[int, int]:
    """(replenishment cycles, cycles without a stock-out): a cycle runs from the day one delivery is on the
    shelf to the day before the next one is (the days its stock had to last); only cycles with a delivery at both ends count,
    so the stock a product started the replay with is left out."""
    cycles = without = 0
    for row_short, row_arrived in zip(short, arrived, strict=True):
        days = np.flatnonzero(row_arrived)
        for begin, end in zip(days[:-1], days[1:], strict=True):
            cycles += 1
            without += int(row_short[begin:end].sum() == 0)
    return cycles, without


def backtest_rota(
    transactions: pd.DataFrame, forecast: pd.DataFrame, hourly_profile: pd.DataFrame, policy: StaffPolicy
) -> pd.DataFrame:
    """The forecast rota against a flat one with about the same paid hours, on the orders that really came.

    transactions: order lines (order_id, timestamp, is_return) covering the forecast's dates. forecast: the
    daily orders forecast made before those dates (date, yhat, ...). An hour is short when its real orders
    need more people than were on. Returns one row per rota: rota, staff_hours, cost, short_hours,
    orders_in_short_hours.
    """
    rota = staffing_plan(forecast, hourly_profile, replace(policy, plan_for="forecast"))
    open_hours, min_staff, per_hour = policy.open_hours, policy.min_staff, policy.orders_per_staff_hour
    sales = transactions[~transactions["is_return"]]
    first = sales.groupby("order_id")["timestamp"].min()
    dates = pd.DatetimeIndex(forecast["date"].unique())
    first = first[first.dt.normalize().isin(dates)]
    hours = pd.DataFrame({"date": first.dt.normalize(), "hour": first.dt.hour}).value_counts().rename("orders")
    grid = pd.MultiIndex.from_product([dates, range(open_hours[0], open_hours[1])], names=["date", "hour"])
    real = hours.reindex(grid, fill_value=0).reset_index()
    starts, labels, _ = shift_blocks(open_hours, policy.shift_hours)
    real["shift"] = np.asarray(labels)[np.searchsorted(starts, real["hour"].to_numpy(), side="right") - 1]
    # Days the plan expects the shop shut have nobody on, in both rotas; the flat one has the same whole number
    # of people every open hour of the other days, as near the forecast rota's paid hours as whole people allow.
    planned = real.merge(rota[["date", "shift", "staff"]], on=["date", "shift"], how="left")["staff"].fillna(0)
    open_day = real["date"].isin(rota["date"]).to_numpy()
    people = max(round(rota["staff_hours"].sum() / max(open_day.sum(), 1)), min_staff, 1)
    flat = np.where(open_day, float(people), 0.0)
    rows = []
    for name, staff in (("forecast rota", planned.to_numpy(dtype=float)), (f"flat rota, {people} on all day", flat)):
        short = real["orders"].to_numpy() > staff * per_hour
        rows.append(
            {
                "rota": name,
                "staff_hours": float(staff.sum()),
                "cost": float(staff.sum() * policy.hourly_wage),
                "short_hours": int(short.sum()),
                "orders_in_short_hours": int(real["orders"].to_numpy()[short].sum()),
            }
        )
    return pd.DataFrame(rows)
