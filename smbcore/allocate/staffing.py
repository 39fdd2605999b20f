"""Staff: how many people each shift needs, from the forecast of orders per day and the shop's own
weekday x hour pattern.

Orders in an hour = the day's forecast x that weekday's share of orders in that hour. People needed in an
hour = orders / orders one person handles per hour, rounded up, never below the minimum on duty in an hour the
shop is open on that weekday (an hour of a weekday that has never had an order is not staffed for its own sake).
A shift gets the most people any of its hours needs. Orders placed outside the opening hours (an online shop
takes them at all hours) wait for the next shift: they are handled in the opening hour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.allocate.policies import OPEN_HOURS, PLAN_FOR, StaffPolicy
from smbcore.allocate.scenarios import with_shock
from smbcore.timing import has_times

__all__ = [
    "hourly_profile",
    "even_profile",
    "default_open_hours",
    "within_hours",
    "open_days",
    "planned_orders",
    "rota_with_overrides",
    "staffing_plan",
    "staffing_tradeoff",
    "PLAN_FOR",
    "OPEN_HOURS",
]

ALL_HOURS_SPAN = 14  # orders spread over more hours of the day than this: they come in at all hours (online shop)
CLOSED_BELOW = 0.05  # orders a day: a forecast this low is a day the shop is shut (closed weekday, holiday)


def hourly_profile(transactions: pd.DataFrame) -> pd.DataFrame:
    """Share of each weekday's orders that falls in each hour, from order lines (order_id, timestamp, is_return).

    Returns columns weekday (0 = Monday), hour (0-23), share (per weekday the shares add up to 1; a weekday
    without orders gets the shop's overall hourly pattern). A file with dates but no times (see
    smbcore.timing.has_times) says nothing about hours: its orders are spread evenly over OPEN_HOURS (the page
    uses `even_profile` of the owner's opening hours instead)."""
    if not has_times(transactions["timestamp"]):
        return even_profile(OPEN_HOURS)
    sales = transactions[~transactions["is_return"]]
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


def even_profile(open_hours: tuple[int, int]) -> pd.DataFrame:
    """Each weekday's orders spread evenly over the opening hours (opening hour, closing hour): for files with
    dates but no times. Same columns as `hourly_profile`."""
    opening, closing = int(open_hours[0]), int(open_hours[1])
    hours = np.arange(24)
    inside = (hours >= opening) & (hours < closing)
    share = np.where(inside, 1.0 / max(closing - opening, 1), 0.0)
    return pd.DataFrame({"weekday": np.repeat(np.arange(7), 24), "hour": np.tile(hours, 7), "share": np.tile(share, 7)})


def default_open_hours(hourly_profile: pd.DataFrame) -> tuple[tuple[int, int], bool]:
    """The opening hours to suggest from the weekday x hour pattern (see `hourly_profile`), and whether orders
    come in at all hours. The hours are the first to the last hour holding at least 1% of orders on an average
    weekday; when that spans more than ALL_HOURS_SPAN hours (orders round the clock, as in an online shop) they
    are a normal working day, OPEN_HOURS, and orders outside them wait for the next shift (see `within_hours`).
    Returns ((opening hour, closing hour), round_the_clock)."""
    busy = hourly_profile.groupby("hour")["share"].mean()
    hours = busy[busy >= 0.01].index
    if not len(hours):
        return OPEN_HOURS, False
    span = (int(hours.min()), int(hours.max()) + 1)
    if span[1] - span[0] > ALL_HOURS_SPAN:
        return OPEN_HOURS, True
    return span, False


def within_hours(hourly_profile: pd.DataFrame, open_hours: tuple[int, int]) -> pd.DataFrame:
    """The profile with each weekday's orders placed outside the opening hours moved to its opening hour: they
    wait for the next shift. Same columns as `hourly_profile`; each weekday's shares still add up to 1."""
    opening, closing = int(open_hours[0]), int(open_hours[1])
    matrix = _profile_matrix(hourly_profile)
    outside = np.ones(24, dtype=bool)
    outside[opening:closing] = False
    waiting = matrix[:, outside].sum(axis=1)
    matrix[:, outside] = 0.0
    matrix[:, opening] += waiting
    return pd.DataFrame(
        {"weekday": np.repeat(np.arange(7), 24), "hour": np.tile(np.arange(24), 7), "share": matrix.ravel()}
    )


def shift_blocks(open_hours: tuple[int, int], shift_hours: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(first hour of each shift, its label '09:00-13:00', its length in hours) for the opening hours."""
    opening, closing = open_hours
    starts = np.arange(opening, closing, shift_hours)
    ends = np.minimum(starts + shift_hours, closing)
    return starts, [f"{a:02d}:00-{b:02d}:00" for a, b in zip(starts, ends, strict=True)], ends - starts


def _daily(forecast: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in ("yhat", "yhat_hi_80", "yhat_hi_95") if c in forecast]
    days = forecast.groupby("date")[columns].sum().sort_index().astype(float)
    return days[days["yhat"].fillna(0) >= CLOSED_BELOW]


def open_days(forecast: pd.DataFrame) -> pd.DatetimeIndex:
    """The dates of `forecast` (date, yhat of orders per day) the shop is expected open: the rota's days. Days
    the forecast puts at (about) zero, such as closed weekdays and public holidays the shop shuts on, are not."""
    return pd.DatetimeIndex(_daily(forecast).index)


def _profile_matrix(hourly_profile: pd.DataFrame) -> np.ndarray:
    """7 x 24 shares (weekday x hour)."""
    matrix = np.zeros((7, 24))
    matrix[hourly_profile["weekday"].to_numpy(int), hourly_profile["hour"].to_numpy(int)] = hourly_profile["share"]
    return matrix


def _staff_grid(day_orders, weekdays, shares, policy: StaffPolicy):
    """People per day x shift for `day_orders` per day: each hour needs orders / productivity (rounded up, at
    least the minimum in hours the weekday has had orders), a shift the most any of its hours needs. Returns
    (staff, orders per day x hour)."""
    open_hours = policy.open_hours
    hours = np.arange(open_hours[0], open_hours[1])
    orders = day_orders[:, None] * shares[weekdays][:, hours]
    opened = shares[weekdays][:, hours] > 0  # the weekday has had orders in that hour: the shop is open then
    need = np.maximum(np.ceil(orders / policy.orders_per_staff_hour - 1e-9), np.where(opened, policy.min_staff, 0))
    starts, _, _ = shift_blocks(open_hours, policy.shift_hours)
    return np.maximum.reduceat(need, starts - open_hours[0], axis=1), orders


def planned_orders(forecast: pd.DataFrame, policy: StaffPolicy) -> pd.DataFrame:
    """The orders forecast a rota is planned on: `forecast` (date, yhat and bands of orders per day) with the
    policy's demand shock, on every date or only in its shock months (see scenarios.with_shock)."""
    return with_shock(forecast, policy.shock, list(policy.shock_months) or None)


def staffing_plan(forecast: pd.DataFrame, hourly_profile: pd.DataFrame, policy: StaffPolicy) -> pd.DataFrame:
    """The rota: people per day and shift.

    forecast: date, yhat (and yhat_hi_80 / yhat_hi_95) of orders per day; several series on a date are added.
    The policy's demand shock is applied by `planned_orders`, not here.
    hourly_profile: weekday, hour, share (see `hourly_profile`). policy: productivity, fewest on duty, opening
    hours, shift length, wage and plan_for (the forecast or a busier day than forecast). Days the forecast
    expects the shop shut (see `open_days`) get no shifts; a quiet open day still gets the minimum on duty, but
    only in hours its weekday has had orders (share > 0), so a shift after a Saturday's early closing gets
    nobody. Returns one row per date and shift:
    date, weekday, shift ('09:00-13:00'), expected_orders, staff, staff_hours, cost, orders_per_person (the
    load per person per hour at the shift's busiest hour).
    """
    open_hours, shift_hours = policy.open_hours, policy.shift_hours
    opening = open_hours[0]
    days = _daily(forecast)
    weekdays = days.index.day_of_week.to_numpy()
    shares = _profile_matrix(hourly_profile)
    planned = days[PLAN_FOR[policy.plan_for]].to_numpy()
    staff, orders = _staff_grid(planned, weekdays, shares, policy)
    starts, labels, lengths = shift_blocks(open_hours, shift_hours)
    offsets = starts - opening
    expected = np.add.reduceat(orders, offsets, axis=1)
    peak = np.maximum.reduceat(orders, offsets, axis=1)
    n_days, n_shifts = staff.shape
    rota = pd.DataFrame(
        {
            "date": np.repeat(days.index.to_numpy(), n_shifts),
            "weekday": np.repeat(days.index.day_name().to_numpy(), n_shifts),
            "shift": np.tile(labels, n_days),
            "expected_orders": expected.ravel(),
            "staff": staff.ravel().astype(int),
            "staff_hours": (staff * lengths).ravel().astype(int),
        }
    )
    rota["cost"] = rota["staff_hours"].to_numpy(dtype=float) * float(policy.hourly_wage)
    rota["orders_per_person"] = peak.ravel() / np.maximum(staff.ravel(), 1)
    return rota


def staffing_tradeoff(forecast: pd.DataFrame, hourly_profile: pd.DataFrame, policy: StaffPolicy) -> pd.DataFrame:
    """Cost against service for each PLAN_FOR choice: how many open hours are expected to be short of people
    when actual orders vary as the forecast's band says (an hour is short when its orders need more people
    than planned). forecast and hourly_profile as for `staffing_plan`; the policy's own plan_for is not used.
    Returns plan_for, cost, staff_hours, short_hours (expected), short_share."""
    from scipy.stats import norm

    days = _daily(forecast)
    weekdays = days.index.day_of_week.to_numpy()
    shares = _profile_matrix(hourly_profile)
    hours = np.arange(*policy.open_hours)
    mean = days["yhat"].to_numpy()
    sd = (days["yhat_hi_80"].to_numpy() - days["yhat"].to_numpy()) / norm.ppf(0.9)
    hour_mean = mean[:, None] * shares[weekdays][:, hours]
    hour_sd = np.maximum(sd[:, None] * shares[weekdays][:, hours], 1e-9)
    starts, _, lengths = shift_blocks(policy.open_hours, policy.shift_hours)
    shift_of_hour = np.searchsorted(starts, hours, side="right") - 1
    rows = []
    for label, column in PLAN_FOR.items():
        staff, _ = _staff_grid(days[column].to_numpy(), weekdays, shares, policy)
        capacity = staff[:, shift_of_hour] * policy.orders_per_staff_hour
        chance = norm.sf((capacity - hour_mean) / hour_sd)  # chance the hour's orders outrun the people on
        staff_hours = float((staff * lengths).sum())
        rows.append(
            {
                "plan_for": label,
                "cost": staff_hours * policy.hourly_wage,
                "staff_hours": staff_hours,
                "short_hours": float(chance.sum()),
                "short_share": float(chance.mean()) if chance.size else 0.0,
            }
        )
    return pd.DataFrame(rows)


def rota_with_overrides(rota: pd.DataFrame, workspace, policy: StaffPolicy) -> pd.DataFrame:
    """The rota with the owner's overrides (recorded on the Fairness page as model 'rota', subject
    'YYYY-MM-DD HH:00-HH:00', action the people on that shift), its staff hours and cost worked out again.

    rota: staffing_plan output for this policy's opening hours and shift length (may be empty). Adds overridden
    and override_reason; staff and staff_hours stay whole numbers and cost is money, also on an empty rota."""
    from smbcore.overrides import apply_overrides

    keyed = rota.assign(key=rota["date"].dt.strftime("%Y-%m-%d").astype(object) + " " + rota["shift"].astype(object))
    out = apply_overrides(keyed, workspace, "rota", "staff", key="key").drop(columns="key")
    _, labels, lengths = shift_blocks(policy.open_hours, policy.shift_hours)
    length = out["shift"].map(dict(zip(labels, lengths.tolist(), strict=True)))
    people = pd.to_numeric(out["staff"], errors="coerce").fillna(0).round().clip(lower=0)
    out["staff"] = people.to_numpy(dtype=int)
    out["staff_hours"] = (people * pd.to_numeric(length, errors="coerce").fillna(0)).to_numpy(dtype=int)
    out["cost"] = out["staff_hours"].to_numpy(dtype=float) * float(policy.hourly_wage)
    return out
