"""The data health check: is there enough good data for each capability, in plain words, before any model runs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from smbcore.data.lines import WEEKDAYS, closed_weekdays, non_product_lines
from smbcore.formatting import money, percent
from smbcore.overview import one_off_orders
from smbcore.requirements import REQUIREMENTS, facts

__all__ = ["HealthReport", "check", "check_transactions"]

_FEW_ORDERS = 3


@dataclass
class HealthReport:
    """findings: DataFrame[table, level, topic, message] (level: problem, note, good);
    readiness: DataFrame[capability, status, reason] (status: ready, limited, not yet);
    headline: one sentence per table that has data."""

    findings: pd.DataFrame
    readiness: pd.DataFrame
    headlines: list[str] = field(default_factory=list)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _months(days: float) -> str:
    months = days / 30.44
    return f"{days:.0f} days" if months < 2 else f"{months:.0f} months"


def _date(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%b %Y}"


def _gap(start: pd.Timestamp, end: pd.Timestamp, size: int) -> str:
    """'one day (4 Jul 2024)' or '11 days (23 Dec 2024 to 6 Jan 2025)'."""
    return f"one day ({_date(start)})" if size == 1 else f"{size} days ({_date(start)} to {_date(end)})"


def _missing_days(open_days: pd.DatetimeIndex, missing: pd.DatetimeIndex, orders: int) -> tuple[str, str, str]:
    """(level, topic, message) for open days without orders. A low-volume business (a few orders a day) has
    days without orders by chance: at `orders / open days` orders a day, a share exp(-rate) of open days
    would have none if orders came at random. Only when that is under one day, or days without orders are over twice that,
    are they worth checking (a problem when over 10% of open days); otherwise they are said plainly as normal."""
    runs = pd.Series(open_days.get_indexer(missing)).diff().ne(1).cumsum()  # a closed day does not break a run
    longest = (
        pd.Series(missing).groupby(runs.to_numpy()).agg(["min", "max", "size"]).sort_values("size", ascending=False)
    ).iloc[0]
    rate = orders / len(open_days)
    expected = len(open_days) * math.exp(-rate)
    days = _plural(len(missing), "open day")
    gap = f"the longest gap is {_gap(longest['min'], longest['max'], int(longest['size']))}"
    if expected >= 1 and len(missing) <= 2 * expected:
        return (
            "note",
            "Days without orders",
            f"{days} of {len(open_days):,} have no orders; {gap}. That is normal for a business with about "
            f"{rate:.1f} orders per open day: some days simply have none.",
        )
    level = "problem" if len(missing) > 0.1 * len(open_days) else "note"
    verb = "has" if len(missing) == 1 else "have"
    return (
        level,
        "Missing days",
        f"{days} {verb} no orders at all; {gap}. Check that the export covers every day, or that the shop was "
        "closed then.",
    )


def check_transactions(tx: pd.DataFrame, currency: str = "£") -> tuple[list[dict], list[dict], str]:
    """Findings, readiness rows and the headline for the transactions table (see HealthReport)."""
    first, last = tx["timestamp"].min(), tx["timestamp"].max()
    span = (last.normalize() - first.normalize()).days + 1
    returns = tx["is_return"]
    gross = tx.loc[~returns, "revenue"].sum()
    service = non_product_lines(tx)
    found = [("good", "Date coverage", f"Orders from {_date(first)} to {_date(last)}: {_months(span)}.")]
    found += _calendar(tx, first, last)
    found += _returns(tx, gross, currency)
    found += _one_offs(tx, currency)
    found += _customer_ids(tx, gross)
    found += _service_lines(tx, service)
    found += _rare_products(tx[~returns & ~service])
    findings = [{"table": "transactions", "level": lv, "topic": topic, "message": msg} for lv, topic, msg in found]
    has_ids = "customer_id" in tx
    customers = int(tx.loc[~returns, "customer_id"].nunique()) if has_ids else 0
    readiness = _transaction_readiness(tx, span, customers, has_ids)
    return findings, readiness, _headline(span, customers, readiness)


def _calendar(tx: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> list[tuple[str, str, str]]:
    """Closed weekdays, and open days without orders."""
    found = []
    with_orders = pd.DatetimeIndex(tx["timestamp"].dt.normalize().unique())
    calendar = pd.date_range(first.normalize(), last.normalize(), freq="D")
    closed = closed_weekdays(with_orders, first, last)
    if closed:
        names = ", ".join(WEEKDAYS[d] for d in closed)
        found.append(("note", "Closed days", f"Almost no orders on {names}: treated as closed days, not gaps."))
    open_days = calendar[~calendar.day_of_week.isin(closed)]
    missing = open_days.difference(with_orders)
    if len(missing):
        found.append(_missing_days(open_days, missing, tx["order_id"].nunique()))
    else:
        found.append(("good", "Missing days", "Every open day has orders."))
    return found


def _returns(tx: pd.DataFrame, gross: float, currency: str) -> list[tuple[str, str, str]]:
    returns = tx["is_return"]
    if not returns.any():
        return [("good", "Returns", "No returns or cancellations in the data.")]
    returned = -tx.loc[returns, "revenue"].sum()
    share = returned / gross if gross else 0.0
    lines = _plural(int(returns.sum()), "return or cancellation line")
    message = f"{lines}, worth {money(returned, currency)}: {percent(share, 1)} of sales."
    return [("problem" if share > 0.2 else "note", "Returns", message)]


def _one_offs(tx: pd.DataFrame, currency: str) -> list[tuple[str, str, str]]:
    one_offs, limit, typical = one_off_orders(tx)
    bulk = one_offs[~one_offs["is_return"]].set_index("order_id")["value"]
    if not len(bulk):
        return []
    examples = ", ".join(f"{oid} ({money(val, currency)})" for oid, val in bulk.head(3).items())
    return [
        (
            "note",
            "One-off bulk orders",
            f"{len(bulk)} orders are far larger than usual (over "
            f"{money(limit, currency)}; a typical order is {money(typical, currency)}), e.g. "
            f"{examples}. Check them: one-off orders distort averages and forecasts.",
        )
    ]


def _customer_ids(tx: pd.DataFrame, gross: float) -> list[tuple[str, str, str]]:
    if "customer_id" not in tx:
        return [("problem", "Customers without ids", "There is no customer column: customer figures are not possible.")]
    no_id = tx["customer_id"].isna()
    if not no_id.any():
        return []
    sales_share = tx.loc[no_id & ~tx["is_return"], "revenue"].sum() / gross if gross else float("nan")
    return [
        (
            "note" if no_id.mean() < 0.5 else "problem",
            "Customers without ids",
            f"{percent(no_id.mean())} of lines ({percent(sales_share)} of "
            "sales) have no customer id: they count in sales, not in customer figures.",
        )
    ]


def _service_lines(tx: pd.DataFrame, service: pd.Series) -> list[tuple[str, str, str]]:
    if not service.any():
        return []
    names = tx.loc[service, "product_name"].value_counts().head(3).index
    return [
        (
            "note",
            "Postage, fees and adjustments",
            f"{service.sum():,} lines are postage, fees, discounts or "
            f"manual adjustments (e.g. {', '.join(repr(n) for n in names)}). They count in sales, not in "
            "product rankings.",
        )
    ]


def _rare_products(goods_sold: pd.DataFrame) -> list[tuple[str, str, str]]:
    product_orders = goods_sold.groupby("product_id")["order_id"].nunique()
    few = int((product_orders < _FEW_ORDERS).sum())
    if not few:
        return []
    return [
        (
            "note",
            "Rarely sold products",
            f"{few:,} of {len(product_orders):,} products were sold in fewer than "
            f"{_FEW_ORDERS} orders: too few to forecast or recommend one by one.",
        )
    ]


def _headline(span: int, customers: int, readiness: list[dict]) -> str:
    weekly = "yes" if span >= 8 * 7 else "not yet (needs 8 weeks)"
    yearly = "yes" if span >= 730 else ("only one cycle" if span >= 365 else "not yet (needs a year)")
    enough = [r["capability"].lower() for r in readiness if r["status"] == "ready"]
    who = f" from {_plural(customers, 'customer')}" if customers else ""
    return (
        f"{_months(span)} of orders{who}: "
        + (f"enough for {', '.join(enough)}" if enough else "not yet enough for predictions")
        + f"; weekly season {weekly}, yearly season {yearly}."
    )


def _transaction_readiness(tx: pd.DataFrame, span: int, customers: int, has_ids: bool) -> list[dict]:
    """Readiness per capability. The customer models' rows are exactly their REQUIREMENTS (smbcore.requirements),
    judged on the same facts the models use, so this check and the models always agree."""
    rows = []

    def add(capability: str, status: str, reason: str) -> None:
        rows.append({"capability": capability, "status": status, "reason": reason})

    data = facts(tx)
    for need in REQUIREMENTS.values():
        if not has_ids or customers == 0:
            add(need.capability, "not yet", "Needs a customer id on orders.")
        else:
            add(need.capability, *need.status(data))
    status = "ready" if span >= 8 * 7 else ("limited" if span >= 28 else "not yet")
    add("Forecasts", status, f"{span} days of history (8 weeks or more shows the weekly pattern)")
    has_hours = tx["timestamp"].dt.hour.nunique() > 1
    add(
        "Staffing plan",
        "ready" if has_hours and span >= 28 else "limited",
        "order times include the hour of day" if has_hours else "order times have no hour of day",
    )
    return rows


def _other_tables(tables: dict[str, pd.DataFrame]) -> tuple[list[dict], list[dict], list[str]]:
    """Findings, readiness rows and headlines of the tables other than transactions."""
    findings, readiness, headlines = [], [], []
    for name, judge in (("sessions", _sessions), ("campaigns", _campaigns), ("customers", _customers)):
        if tables.get(name) is not None:
            rows, said = judge(tables[name])
            readiness += rows
            headlines += said
    for name in ("demand", "external"):
        if tables.get(name) is not None:
            f, r, h = _dated_table(name, tables[name])
            findings, readiness, headlines = findings + f, readiness + r, headlines + h
    return findings, readiness, headlines


def _sessions(sessions: pd.DataFrame) -> tuple[list[dict], list[str]]:
    converted = sessions["converted"].fillna(False).astype(bool)
    buyers = int(converted.sum())
    row = {
        "capability": "Website conversion",
        "status": "ready" if buyers >= 30 else "limited",
        "reason": f"{buyers:,} visits with a purchase",
    }
    return [row], [f"{len(sessions):,} website visits, {converted.mean():.1%} ended in a purchase."]


def _campaigns(campaigns: pd.DataFrame) -> tuple[list[dict], list[str]]:
    responders = int(campaigns["responded"].fillna(False).astype(bool).sum())
    row = {
        "capability": "Marketing response model",
        "status": "ready" if responders >= 30 and len(campaigns) >= 200 else "limited",
        "reason": f"{len(campaigns):,} contacts, {responders:,} responses",
    }
    return [row], [f"{len(campaigns):,} past contacts, {responders:,} responded."]


def _customers(customers: pd.DataFrame) -> tuple[list[dict], list[str]]:
    sensitive = [c for c in ("age", "gender", "marital", "marital_status") if c in customers]
    reason = (
        "attributes to check: " + ", ".join(sensitive)
        if sensitive
        else "no age, gender or marital status column to check across"
    )
    return [
        {"capability": "Fairness checks by group", "status": "ready" if sensitive else "limited", "reason": reason}
    ], []


def _dated_table(name: str, frame: pd.DataFrame) -> tuple[list[dict], list[dict], list[str]]:
    """Date coverage of a daily or weekly table (demand, external); demand also says what it allows."""
    dates = pd.DatetimeIndex(frame["date"].dropna().unique()).sort_values()
    span = (dates.max() - dates.min()).days + 1
    step = pd.Series(dates).diff().dt.days.median()
    weekly = bool(step and step >= 6)
    missing = max(span // (7 if weekly else 1) - len(dates), 0)
    finding = {
        "table": name,
        "level": "good" if missing == 0 else "note",
        "topic": "Date coverage",
        "message": f"{_date(dates.min())} to {_date(dates.max())}: {_months(span)}, "
        f"{'weekly' if weekly else 'daily'}; {missing} missing dates.",
    }
    if name != "demand":
        return [finding], [], []
    row = {
        "capability": "Forecasts",
        "status": "ready" if span >= 56 else "limited",
        "reason": f"{span} days of daily or weekly totals",
    }
    yearly = "yes" if span >= 730 else "only one cycle" if span >= 365 else "not yet"
    return [finding], [row], [f"{_months(span)} of daily totals: yearly season {yearly}."]


def check(tables: dict[str, pd.DataFrame], currency: str = "£") -> HealthReport:
    """Check whatever canonical tables are given (keys: transactions, sessions, campaigns, customers, ...)."""
    findings, readiness, headlines = [], [], []
    tx = tables.get("transactions")
    if tx is not None and len(tx):
        f, r, h = check_transactions(tx, currency)
        findings, readiness, headlines = f, r, [h]
    f, r, h = _other_tables(tables)
    known = {row["capability"] for row in readiness}
    readiness += [row for row in r if row["capability"] not in known]
    return HealthReport(
        pd.DataFrame(findings + f, columns=["table", "level", "topic", "message"]),
        pd.DataFrame(readiness, columns=["capability", "status", "reason"]),
        headlines + h,
    )
