"""What website visits say: which pages and traffic sources lead to purchases, and where visitors leave.

Every function takes the canonical `sessions` table (one row per visit; `converted` required;
optional page counts admin_pages/info_pages/product_pages, traffic_source, visitor_type, month,
bounce_rate, exit_rate) and returns a dict or a DataFrame with the columns stated.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["visit_columns", "visit_kpis", "conversion_by_page_type", "conversion_by", "leaving_by", "month_order"]

PAGE_TYPES = {"admin_pages": "Account pages", "info_pages": "Information pages", "product_pages": "Product pages"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def month_order(values: pd.Series) -> pd.Series:
    """Month number 1-12 for names like 'Feb', 'June', 'september' (NA when not a month name)."""
    return values.astype("string").str.lower().str[:3].map({m: i + 1 for i, m in enumerate(_MONTHS)})


def _converted(sessions: pd.DataFrame) -> pd.Series:
    return sessions["converted"].fillna(False).astype(bool)


def visit_columns(sessions: pd.DataFrame) -> list[str]:
    """The columns this sessions table has with at least one value (pages use it to pick what to show)."""
    return [c for c in sessions.columns if sessions[c].notna().any()]


def visit_kpis(sessions: pd.DataFrame) -> dict:
    """visits, purchases, conversion_rate, and (when present) avg_product_pages and avg_bounce_rate."""
    converted = _converted(sessions)
    out = {
        "visits": int(len(sessions)),
        "purchases": int(converted.sum()),
        "conversion_rate": float(converted.mean()) if len(sessions) else 0.0,
    }
    if "product_pages" in sessions:
        out["avg_product_pages"] = float(sessions["product_pages"].mean())
    if "bounce_rate" in sessions:
        out["avg_bounce_rate"] = float(sessions["bounce_rate"].mean())
    return out


def conversion_by_page_type(sessions: pd.DataFrame) -> pd.DataFrame:
    """For each page type, how often visits that saw it end in a purchase, against visits that did not.

    Returns columns: page_type, visits_seeing, share_of_visits, conversion_if_seen, conversion_if_not, lift.
    """
    converted = _converted(sessions)
    rows = []
    for column, label in PAGE_TYPES.items():
        if column not in sessions:
            continue
        seen = sessions[column].fillna(0) > 0
        rate_seen = float(converted[seen].mean()) if seen.any() else float("nan")
        rate_not = float(converted[~seen].mean()) if (~seen).any() else float("nan")
        rows.append(
            {
                "page_type": label,
                "visits_seeing": int(seen.sum()),
                "share_of_visits": float(seen.mean()),
                "conversion_if_seen": rate_seen,
                "conversion_if_not": rate_not,
                "lift": rate_seen / rate_not if rate_not else float("nan"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["page_type", "visits_seeing", "share_of_visits", "conversion_if_seen", "conversion_if_not", "lift"],
    )


def conversion_by(sessions: pd.DataFrame, column: str, min_visits: int = 30) -> pd.DataFrame:
    """Visits, purchases and conversion rate for each value of `column` (e.g. traffic_source, visitor_type).

    Values with fewer than `min_visits` visits are pooled as 'Other (small groups)'. Returns columns:
    <column>, visits, purchases, conversion_rate, sorted by visits (months in calendar order).
    """
    frame = pd.DataFrame(
        {column: sessions[column].astype("string").fillna("Unknown"), "converted": _converted(sessions)}
    )
    sizes = frame[column].value_counts()
    small = sizes[sizes < min_visits].index
    if len(small) > 1:
        frame.loc[frame[column].isin(small), column] = "Other (small groups)"
    grouped = frame.groupby(column)["converted"]
    out = pd.DataFrame({"visits": grouped.size(), "purchases": grouped.sum().astype(int)})
    out["conversion_rate"] = out["purchases"] / out["visits"]
    out = out.reset_index()
    if column == "month":
        return out.sort_values(column, key=month_order).reset_index(drop=True)
    return out.sort_values("visits", ascending=False).reset_index(drop=True)


def leaving_by(sessions: pd.DataFrame, by: list[str], min_visits: int = 30) -> pd.DataFrame:
    """Average bounce and exit rates (0-1) for each combination of the `by` columns (e.g. visitor_type, month).

    Combinations with fewer than `min_visits` visits are left out (their averages mean little).
    Returns columns: *by, visits, bounce_rate, exit_rate.
    """
    frame = sessions.assign(**{c: sessions[c].astype("string").fillna("Unknown") for c in by})
    grouped = frame.groupby(by)
    out = pd.DataFrame(
        {
            "visits": grouped.size(),
            "bounce_rate": grouped["bounce_rate"].mean(),
            "exit_rate": grouped["exit_rate"].mean(),
        }
    ).reset_index()
    out = out[out["visits"] >= min_visits]
    if "month" in by:
        out = out.sort_values("month", key=month_order, kind="stable").reset_index(drop=True)
    return out
