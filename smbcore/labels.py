"""Plain names for the columns smbcore returns, and the precision they are shown and downloaded with.

Defined once: pages label their tables with these names (pages/_shared.labels_for) and every download and
command-line CSV carries them as its column names (`plain_frame`). Money is rounded to 2 decimals, shares
(0 to 1) to 3, days to 1, other decimals to 3 (up to 6 for values smaller than 0.01).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "MONEY",
    "SHARES",
    "COUNTS",
    "FORECAST",
    "DAYS",
    "WORDS",
    "PHRASES",
    "plain_name",
    "feature_words",
    "value_words",
    "rounded",
    "plain_frame",
]

MONEY = {
    "monetary": "Net spend",
    "expected_spend_90d": "Expected spend, next 90 days",
    "spend_90d": "Spend, last 90 days",
    "spend_180d": "Spend, last 180 days",
    "spend_per_sent": "Spend per emailed customer",
    "spend_per_control": "Spend per control customer",
    "revenue": "Net revenue",
    "net_revenue": "Net revenue",
    "gross_sales": "Sales",
    "returns": "Returns",
    "new_revenue": "From new customers",
    "returning_revenue": "From returning customers",
    "expected_value": "Expected value",
}
SHARES = {
    "churn_risk": "Risk of no order in 90 days",
    "rate_sent": "Bought (emailed)",
    "rate_control": "Bought (control)",
    "uplift": "Difference",
    "uplift_low": "Difference, low",
    "uplift_high": "Difference, high",
    "share_of_revenue": "Share of revenue",
    "conversion_rate": "Conversion rate",
    "conversion_if_seen": "Conversion if seen",
    "conversion_if_not": "Conversion if not seen",
    "bounce_rate": "Bounce rate",
    "exit_rate": "Exit rate",
    "share_of_visits": "Share of visits",
    "probability": "Chance of responding",
    "return_share": "Share returned",
}
COUNTS = {
    "orders": "Orders",
    "customers": "Customers",
    "units": "Units",
    "buyers": "Customers who bought",
    "visits": "Visits",
    "purchases": "Purchases",
    "visits_seeing": "Visits that saw them",
    "new_customers": "New customers",
    "returning_customers": "Returning customers",
    "frequency": "Orders",
    "products": "Different products bought",
    "orders_90d": "Orders, last 90 days",
    "orders_180d": "Orders, last 180 days",
    "sent": "Emailed",
    "control": "Held back",
    "bought_sent": "Bought (emailed, customers)",
    "bought_control": "Bought (control, customers)",
}
FORECAST = {
    "yhat": "Forecast",
    "yhat_lo_80": "80% range from",
    "yhat_hi_80": "80% range to",
    "yhat_lo_95": "95% range from",
    "yhat_hi_95": "95% range to",
}
DAYS = {
    "recency_days": "Days since last order",
    "tenure_days": "Days since first order",
    "avg_gap_days": "Average days between orders",
}
WORDS = {
    "series_id": "Series",
    "fallback": "Future factor values taken as",
    "product_id": "Product code",
    "product_name": "Product",
    "country": "Country",
    "period_start": "Starting",
    "month": "Month",
    "page_type": "Page type",
    "traffic_source": "Traffic source",
    "visitor_type": "Visitor type",
    "weekday": "Weekday",
    "hour": "Hour",
    "customer_id": "Customer",
    "email": "E-mail",
    "segment": "Segment",
    "action": "Action",
    "product_ids": "Product codes",
    "product_names": "Products to feature",
    "send_day": "Send on",
    "send_hour": "At hour",
    "reason": "Why",
    "rank": "Rank",
    "r_score": "R",
    "f_score": "F",
    "m_score": "M",
    "first_order": "First order",
    "last_order": "Last order",
    "contact": "Contact",
    "overridden": "Changed by you",
    "override_reason": "Why changed",
    "marketing_consent": "Agreed to marketing",
    "group": "Group",
    "date": "Date",
}
# How a column reads inside a sentence ("... if spend in the last 90 days were €656 instead of €43.50"); columns
# without a phrase read as their plain name in lower case.
PHRASES = {
    "recency_days": "days since the last order",
    "tenure_days": "days since the first order",
    "avg_gap_days": "average days between orders",
    "frequency": "number of orders",
    "monetary": "net spend",
    "orders_90d": "orders in the last 90 days",
    "orders_180d": "orders in the last 180 days",
    "spend_90d": "spend in the last 90 days",
    "spend_180d": "spend in the last 180 days",
    "products": "different products bought",
    "return_share": "share of spend returned",
}
# The R/F/M scores get their meaning in a CSV, where there is no help text beside the column.
_CSV_WORDS = {"r_score": "Recency score (1-5)", "f_score": "Frequency score (1-5)", "m_score": "Spend score (1-5)"}


def plain_name(column: str, currency: str | None = None, for_csv: bool = False) -> str:
    """The owner-facing name of `column` ('monetary' -> 'Net spend (£)'); unknown names are kept."""
    if column in MONEY:
        return f"{MONEY[column]} ({currency.strip()})" if currency and currency.strip() else MONEY[column]
    if column in SHARES:
        words = SHARES[column]
        return f"{words} (share)" if for_csv and "share" not in words.lower() else words
    if for_csv and column in _CSV_WORDS:
        return _CSV_WORDS[column]
    for names in (COUNTS, FORECAST, DAYS, WORDS):
        if column in names:
            return names[column]
    return column


def feature_words(column: str) -> str:
    """A column as it reads inside a sentence: 'spend_90d' -> 'spend in the last 90 days'; 'country' ->
    'country'; names smbcore does not know are kept as the owner's file spells them."""
    if column in PHRASES:
        return PHRASES[column]
    name = plain_name(column)
    return name if name == column else name[0].lower() + name[1:]


def value_words(column: str, value, currency: str | None = None) -> str:
    """One value of `column` in words with its unit, rounded as shown: money '€43.50' / '€656' (with `currency`), days
    '12 days', shares '35%', counts '3'; other numbers to 2 decimals (whole numbers without), text as given in
    quotes; 'missing' when there is none."""
    from smbcore.formatting import is_known, money, number, percent, plural

    if isinstance(value, str):
        return f"'{value}'"
    if not is_known(value):
        return "missing"
    value = float(value)
    if column in MONEY:
        return money(value, (currency or "").strip(), decimals=0 if abs(value) >= 100 else 2)
    if column in SHARES:
        return percent(value)
    if column in DAYS:
        return plural(round(value), "day")
    if column in COUNTS:
        return number(value)
    return number(value) if value == round(value) or abs(value) >= 100 else number(value, 2)


def _decimals(column: str) -> int | None:
    if column in MONEY or column in FORECAST:
        return 2
    if column in SHARES:
        return 3
    if column in DAYS:
        return 1
    return None


def _tidy(values: pd.Series, decimals: int | None) -> pd.Series:
    """Rounded floats, and never -0.0."""
    x = values.astype(float)
    if decimals is None:  # an unknown measure: 3 decimals, more (up to 6) for small values
        magnitude = np.floor(np.log10(np.abs(x.where(x != 0)))).fillna(0)
        digits = np.clip(2 - magnitude, 3, 6).astype(int)
        x = pd.Series([round(v, int(d)) for v, d in zip(x, digits, strict=True)], index=x.index)
    else:
        x = x.round(decimals)
    return x + 0.0


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every float column rounded to its sensible precision (see the module); counts that are
    whole numbers become integers; other columns are kept."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_float_dtype(out[column]):
            continue
        values = out[column].astype(float)
        if column in COUNTS and (values.dropna() % 1 == 0).all():  # whole counts read as whole numbers
            out[column] = values.round().astype("Int64")
        else:
            out[column] = _tidy(values, _decimals(str(column)))
    return out


def plain_frame(frame: pd.DataFrame, currency: str | None = None) -> pd.DataFrame:
    """What a download holds: `frame` rounded (see `rounded`) with plain column names (see `plain_name`)."""
    out = rounded(frame)
    names = [plain_name(str(c), currency, for_csv=True) for c in out.columns]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # two internal names with one plain name: keep both apart
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} ({out.columns[i]})"
    out.columns = names
    return out
