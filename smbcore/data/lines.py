"""Order lines: the derived columns of the transactions table, sales, goods, product names and trading weekdays.

The one place these rules live. Every function takes order lines of the canonical `transactions` table
(order_id, timestamp, product_id, quantity, unit_price, is_return, revenue; optional product_name).
"""

from __future__ import annotations

import pandas as pd

from smbcore.data.refunds import is_return as _return_rule

__all__ = [
    "with_derived",
    "sale_lines",
    "non_product_lines",
    "most_common_names",
    "WEEKDAYS",
    "closed_weekdays",
]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def with_derived(tx: pd.DataFrame) -> pd.DataFrame:
    """Order lines with the derived columns of the transactions contract filled in.

    is_return: yes/no (pandas 'boolean'), never empty; where missing or empty, a line is a return by the
    rule of smbcore.data.refunds.is_return (a negative quantity, or a 'C' order number). revenue: quantity x
    unit_price where missing or empty. A frame whose derived columns are already complete is returned as it
    is (the same object), so its content version does not change; otherwise a copy. Workspaces saved before
    these columns were part of the contract load through this."""
    complete = (
        "is_return" in tx
        and pd.api.types.is_bool_dtype(tx["is_return"])
        and not tx["is_return"].isna().any()
        and "revenue" in tx
        and not tx["revenue"].isna().any()
    )
    if complete:
        return tx
    out = tx.copy()
    rule = _return_rule(out)
    given = out["is_return"] if "is_return" in out else pd.Series(pd.NA, index=out.index, dtype="boolean")
    out["is_return"] = given.astype("boolean").fillna(rule).astype("boolean")
    product = out["quantity"] * out["unit_price"]
    out["revenue"] = out["revenue"].fillna(product) if "revenue" in out else product
    return out


def sale_lines(tx: pd.DataFrame) -> pd.DataFrame:
    """The sale lines of `tx` (returns and cancellations left out); same columns."""
    return tx[~tx["is_return"]]


# Lines that are not goods: shipping lines are matched on the whole name ("DOTCOM POSTAGE", not
# "FRENCH CARRIAGE LANTERN"); fees and adjustments anywhere in it.
_SHIPPING = r"(?i)\s*(?:\w+ )?(?:day )?(?:postage|carriage|shipping|delivery)(?: charges?)?\s*"
_FEES = r"(?i)\b(?:fees?|bank charges?|discount|manual|adjust\w*|commission|samples?)\b"


def non_product_lines(tx: pd.DataFrame) -> pd.Series:
    """True for lines that are postage, fees, discounts or manual adjustments rather than goods (by name)."""
    if "product_name" not in tx:
        return pd.Series(False, index=tx.index)
    codes, names = pd.factorize(tx["product_name"])  # a few thousand names on hundreds of thousands of lines
    names = pd.Series(names, dtype="string")
    per_name = (names.str.fullmatch(_SHIPPING) | names.str.contains(_FEES, regex=True)).fillna(False).to_numpy(bool)
    return pd.Series(per_name[codes] & (codes >= 0), index=tx.index)


def most_common_names(tx: pd.DataFrame) -> pd.Series:
    """The name used most often for each product code (exports sometimes rename a product mid-year; a tie goes
    to the name first in alphabetical order). Returns a Series product_id -> product_name, sorted by product_id,
    for the codes that have a name at all; empty when `tx` has no product_name column."""
    if "product_name" not in tx:
        return pd.Series([], dtype="object", name="product_name")
    pairs = tx[["product_id", "product_name"]].dropna()
    counts = pairs.groupby(["product_id", "product_name"], observed=True).size().rename("n").reset_index()
    counts = counts.sort_values(["product_id", "n", "product_name"], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates("product_id").set_index("product_id")["product_name"]


_CLOSED_SHARE = 0.1  # a weekday with sales in at most 1 in 10 of its weeks counts as closed
_MIN_CLOSED_DAYS = 28  # ... over at least four weeks of history


def closed_weekdays(days_with_sales, first: pd.Timestamp, last: pd.Timestamp) -> list[int]:
    """Weekdays (0 = Monday) on which the shop regularly does not trade: the one rule for closed weekdays, used by
    the health check, the overview and the forecast.

    days_with_sales: the dates that had sales (any iterable of dates); first, last: the history's first and last
    day. A weekday is closed when, over at least four weeks, it had sales in at most 1 in 10 of its weeks while
    the busiest weekday had sales in at least half of them (a slow seller with a few scattered sales has no
    closed days). Returns [] for shorter histories.
    """
    from scipy.stats import binom  # scipy is slow to import; only this rule needs it

    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    span = (last - first).days + 1
    if span < _MIN_CLOSED_DAYS:
        return []
    trading = pd.DatetimeIndex(pd.DatetimeIndex(list(days_with_sales)).normalize().unique())
    counts = pd.Series(trading.day_of_week).value_counts().reindex(range(7), fill_value=0)
    weeks = span // 7
    if counts.max() < 0.5 * weeks:
        return []
    rare = counts <= _CLOSED_SHARE * weeks
    # A quiet shop misses some open days by chance: a weekday is closed only when, trading as often as its
    # typical open weekday, it would have had so few trading weeks less than 1 time in 100.
    typical = float(counts[~rare].median()) / weeks
    return [day for day in range(7) if rare[day] and binom.cdf(counts[day], weeks, min(typical, 1.0)) < 0.01]
