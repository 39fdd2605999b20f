"""Staff: how many people each shift needs, from the forecast of orders per day and the shop's own
weekday x hour pattern.

Orders in an hour = the day's forecast x that weekday's share of orders in that hour. People needed in an
hour = orders / orders one person handles per hour, rounded up, never below the minimum on duty. A shift
gets the most people any of its hours needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["hourly_profile", "staffing_plan", "staffing_tradeoff", "PLAN_FOR"]

PLAN_FOR = {"forecast": "yhat", "busy day (80% upper)": "yhat_hi_80", "very busy day (95% upper)": "yhat_hi_95"}


def hourly_profile(transactions: pd.DataFrame) -> pd.DataFrame:
    """Share of each weekday's orders that falls in each hour, from order lines (order_id, timestamp, is_return).

    Returns columns weekday (0 = Monday), hour (0-23), share (per weekday the shares add up to 1; a weekday
    without orders gets the shop's overall hourly pattern)."""
    sales = transactions[~transactions["is_return"].fillna(False).astype(bool)]
    orders = sales.groupby("order_id")["timestamp"].min()
    counts = (
        pd.crosstab(orders.dt.day_of_week.rename("weekday"), orders.dt.hour.rename("hour"))
        .reindex(index=range(7), columns=range(24), fill_value=0)
        .rename_axis(index="weekday", columns="hour")
    )
    overall = counts.sum(axis=0) / max(counts.to_numpy().sum(), 1)
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    shares = shares.apply(lambda row: overall if row.isna().all() else row, axis=1)
    out = shares.stack().rename("share").reset_index()
    out.columns = ["weekday", "hour", "share"]
    return out


def _hourly_orders(forecast: pd.DataFrame, profile: pd.DataFrame, column: str) -> pd.DataFrame:
    days = forecast.groupby("date", as_index=False)[column].sum()
    days["weekday"] = days["date"].dt.day_of_week
    hours = days.merge(profile, on="weekday")
    hours["orders"] = hours[column] * hours["share"]
    return hours[["date", "weekday", "hour", "orders"]]


def staffing_plan(
    forecast: pd.DataFrame,
    hourly_profile: pd.DataFrame,
    orders_per_staff_hour: float,
    min_staff: int = 1,
    open_hours: tuple[int, int] = (9, 17),
    shift_hours: int = 4,
    hourly_wage: float = 12.0,
    plan_for: str = "forecast",
    demand_shock: float = 0.0,
) -> pd.DataFrame:
    """The rota: people per day and shift.

    forecast: date, yhat (and yhat_hi_80 / yhat_hi_95) of orders per day; several series on a date are added.
    hourly_profile: weekday, hour, share (see `hourly_profile`). open_hours: (opening hour, closing hour).
    plan_for: a key of PLAN_FOR (plan for the forecast or for a busier day than forecast). Days the forecast
    expects the shop shut (under half an order) get no shifts. Returns one row per date and shift: date, weekday, shift ('09:00-13:00'), expected_orders, staff,
    staff_hours, cost, orders_per_person (the load per person per hour at the shift's busiest hour).
    """
    if orders_per_staff_hour <= 0:
        raise ValueError("Orders one person handles per hour must be above 0.")
    opening, closing = open_hours
    if closing <= opening:
        raise ValueError(f"Closing hour ({closing}) must be after opening hour ({opening}).")
    hours = _hourly_orders(forecast, hourly_profile, PLAN_FOR[plan_for])
    closed = forecast.groupby("date")["yhat"].sum() < 0.5  # the forecast expects the shop shut (e.g. Saturdays)
    hours = hours[(hours["hour"] >= opening) & (hours["hour"] < closing)]
    hours = hours[~hours["date"].map(closed)].copy()
    hours["orders"] *= 1 + demand_shock
    hours["staff"] = np.maximum(np.ceil(hours["orders"] / orders_per_staff_hour - 1e-9), min_staff).astype(int)
    start = opening + ((hours["hour"] - opening) // shift_hours) * shift_hours
    hours["shift"] = [f"{s:02d}:00-{min(s + shift_hours, closing):02d}:00" for s in start]
    hours["length"] = np.minimum(start + shift_hours, closing) - start
    rota = hours.groupby(["date", "weekday", "shift"], as_index=False).agg(
        expected_orders=("orders", "sum"), staff=("staff", "max"), length=("length", "first"), peak=("orders", "max")
    )
    rota["staff_hours"] = rota["staff"] * rota["length"]
    rota["cost"] = rota["staff_hours"] * hourly_wage
    rota["orders_per_person"] = rota["peak"] / rota["staff"]
    rota["weekday"] = rota["date"].dt.day_name()
    return rota.drop(columns=["length", "peak"])


def staffing_tradeoff(
    forecast: pd.DataFrame,
    hourly_profile: pd.DataFrame,
    orders_per_staff_hour: float,
    min_staff: int = 1,
    open_hours: tuple[int, int] = (9, 17),
    shift_hours: int = 4,
    hourly_wage: float = 12.0,
    demand_shock: float = 0.0,
) -> pd.DataFrame:
    """Cost against service for each PLAN_FOR choice: how many open hours are expected to be short of people
    when actual orders vary as the forecast's band says (an hour is short when its orders need more people than
    planned). Returns plan_for, cost, staff_hours, short_hours (expected), short_share."""
    from scipy.stats import norm

    days = forecast.groupby("date", as_index=False)[["yhat", "yhat_hi_80"]].sum()
    sd = (days["yhat_hi_80"] - days["yhat"]) / norm.ppf(0.9)
    rows = []
    for label in PLAN_FOR:
        rota = staffing_plan(
            forecast,
            hourly_profile,
            orders_per_staff_hour,
            min_staff,
            open_hours,
            shift_hours,
            hourly_wage,
            label,
            demand_shock,
        )
        hours = _hourly_orders(days.assign(yhat=days["yhat"] * (1 + demand_shock)), hourly_profile, "yhat")
        hours = hours[(hours["hour"] >= open_hours[0]) & (hours["hour"] < open_hours[1])]
        start = open_hours[0] + ((hours["hour"] - open_hours[0]) // shift_hours) * shift_hours
        shift = [f"{s:02d}:00-{min(s + shift_hours, open_hours[1]):02d}:00" for s in start]
        staffed = hours.assign(shift=shift).merge(rota[["date", "shift", "staff"]], on=["date", "shift"])
        share = staffed.merge(hourly_profile, on=["weekday", "hour"])["share"].to_numpy()
        day_sd = staffed.merge(days.assign(sd=sd)[["date", "sd"]], on="date")["sd"].to_numpy() * (1 + demand_shock)
        capacity = staffed["staff"].to_numpy() * orders_per_staff_hour
        # Chance the hour's orders exceed what the planned people handle (hourly orders ~ day's share of a
        # normal day total).
        chance = norm.sf((capacity - staffed["orders"].to_numpy()) / np.maximum(day_sd * share, 1e-9))
        rows.append(
            {
                "plan_for": label,
                "cost": rota["cost"].sum(),
                "staff_hours": rota["staff_hours"].sum(),
                "short_hours": float(chance.sum()),
                "short_share": float(chance.mean()) if len(chance) else 0.0,
            }
        )
    return pd.DataFrame(rows)
