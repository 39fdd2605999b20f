"""One plan: checks that stock, staff and marketing do not contradict each other, in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.allocate.policies import StaffPolicy

__all__ = ["consistency_checks", "WAGE_SHARE_LIMIT"]

WAGE_SHARE_LIMIT = 0.5  # wages above this share of the sales forecast for the same days are flagged


def consistency_checks(
    stock: pd.DataFrame,
    campaign: pd.DataFrame | None,
    rota: pd.DataFrame,
    staff_forecast: pd.DataFrame,
    hourly_profile: pd.DataFrame,
    policy: StaffPolicy,
    sales_per_order: float | None = None,
    symbol: str = "",
) -> list[dict]:
    """Contradictions between the three plans.

    stock: inventory plan (product_id, product_name, stock, demand_lead_review, order_units, order_quantity,
    reorder_point). campaign: the email plan (customer_id, product_ids joined with ' | ', action) or None.
    rota: staffing_plan output (may be empty: no open day). staff_forecast: date, yhat, yhat_hi_80 of orders per
    day. hourly_profile and policy: as given to staffing_plan (productivity, opening hours). stock may be None (no
    stock plan: the email check is left out). sales_per_order: the shop's average sales per order (money); with
    it, wages above WAGE_SHARE_LIMIT of the forecast sales on the rota's days are flagged. symbol: the money
    sign for amounts in the text.
    Returns a list of {"level": "warning" | "ok", "text": ...}.
    """
    out = []
    if stock is None:
        stock = pd.DataFrame(
            {"product_id": [], "product_name": [], "stock": [], "demand_lead_review": [], "order_now": [],
             "order_units": [], "order_quantity": []}, dtype=float,
        ).astype({"order_now": bool, "product_id": object, "product_name": object})  # fmt: skip
    short = stock[
        (np.isfinite(stock["stock"]) & (stock["stock"] < stock["demand_lead_review"]))
        | (stock["order_now"] & (stock["order_units"] < np.ceil(stock["order_quantity"]) - 1e-9))
    ]
    if campaign is not None and "product_ids" in campaign and len(short):
        featured = campaign["product_ids"].fillna("").str.split(r" \| ")
        risky = set(short["product_id"].astype(str))
        hits = featured.map(lambda ids: bool(risky.intersection(ids)))
        if hits.any():
            names = short["product_name"].head(5).tolist()
            out.append(
                {
                    "level": "warning",
                    "text": f"{int(hits.sum()):,} planned emails feature products that may run out before new "
                    f"stock arrives ({', '.join(map(str, names))}). Take them out of the emails or order more.",
                    "customers": campaign.loc[hits, "customer_id"].tolist(),
                }
            )
    if campaign is not None and not out:
        out.append({"level": "ok", "text": "No email features a product the stock plan expects to run out of."})
    if rota.empty:
        out.append({"level": "warning", "text": "The rota has no shifts (the forecast expects no open day), so "
                    "there is no staffing to check against the busiest days."})  # fmt: skip
        return out
    days = staff_forecast.groupby("date")[["yhat", "yhat_hi_80"]].sum()
    days = days[days.index.isin(rota["date"])]  # days the shop is open
    out += _wages_against_sales(rota, days["yhat"].sum(), sales_per_order, symbol)
    peaks = days[days["yhat"] >= days["yhat"].quantile(0.9)]
    capacity = rota.groupby("date")["staff_hours"].sum() * policy.orders_per_staff_hour
    open_share = _open_share(rota, hourly_profile, policy.open_hours)
    short_days = [d for d, row in peaks.iterrows() if capacity.get(d, 0) < row["yhat_hi_80"] * open_share.get(d, 1)]
    if short_days:
        listed = ", ".join(pd.Timestamp(d).strftime("%a %d %b") for d in short_days[:5])
        out.append(
            {
                "level": "warning",
                "text": f"On {len(short_days)} of the busiest forecast days ({listed}) the rota covers the forecast "
                "but not a busier-than-forecast day. Plan for a busy day, or have someone on call.",
            }
        )
    else:
        out.append({"level": "ok", "text": "The busiest forecast days have staff for a busier-than-forecast day too."})
    return out


def _wages_against_sales(rota: pd.DataFrame, orders: float, sales_per_order: float | None, c: str) -> list[dict]:
    """A warning when the rota's wages are above WAGE_SHARE_LIMIT of the sales `orders` forecast orders bring."""
    if sales_per_order is None or not np.isfinite(sales_per_order) or sales_per_order <= 0:
        return []
    wages, sales = float(rota["cost"].sum()), float(orders) * float(sales_per_order)
    if wages <= WAGE_SHARE_LIMIT * sales:
        return []
    share = f"{wages / sales:.0%} of" if sales > 0 else "more than"
    return [
        {
            "level": "warning",
            "text": f"The rota's wages ({c}{wages:,.0f}) are {share} the sales forecast for the same days (about "
            f"{c}{sales:,.0f}, at {c}{sales_per_order:,.2f} an order): far above the {WAGE_SHARE_LIMIT:.0%} of sales "
            "most shops can pay in wages. Plan fewer hours (shorter opening hours, fewer people on duty) or "
            "check the orders one person handles an hour.",
            "wages": wages,
            "sales": sales,
        }
    ]


def _open_share(rota: pd.DataFrame, profile: pd.DataFrame, open_hours: tuple[int, int]) -> dict:
    """Per open date, the share of the day's orders that fall in opening hours."""
    opening, closing = int(open_hours[0]), int(open_hours[1])
    inside = profile[(profile["hour"] >= opening) & (profile["hour"] < closing)].groupby("weekday")["share"].sum()
    return {d: float(inside.get(pd.Timestamp(d).day_of_week, 1.0)) for d in rota["date"].dropna().unique()}
