"""Who to contact: what the response model learns from (a past campaign, else purchases, else website visits)
and whom it scores; the model itself, its held-out quality and the contact list are in smbcore.response_model
(its names are importable from here too)."""

from __future__ import annotations

import pandas as pd

from smbcore.errors import require_customer_ids
from smbcore.requirements import CHECK_DAYS, facts
from smbcore.response_model import (
    AFTER_CONTACT_NAMES,
    REQUIREMENT,
    RULE_WORDS,
    SENSITIVE_NAMES,
    TargetingDataError,
    TargetingError,
    TargetingModel,
    fit,
    sensitive_columns,
)

__all__ = [
    "TargetingModel",
    "fit",
    "frames_from",
    "training_frame",
    "purchase_frames",
    "SENSITIVE_NAMES",
    "sensitive_columns",
    "AFTER_CONTACT_NAMES",
    "TargetingError",
    "TargetingDataError",
    "REQUIREMENT",
    "RULE_WORDS",
    "OUTCOME_WORDS",
    "CAMPAIGN_SOURCE",
    "ORDERS_SOURCE",
    "VISITS_SOURCE",
]

CAMPAIGN_SOURCE = "your past campaign: who responded"
ORDERS_SOURCE = "your orders: who bought again in the last 90 days"
VISITS_SOURCE = "your website visits: which ended in a purchase"
# What the response model's chance is a chance of, by what it learned from (frames_from's source words).
OUTCOME_WORDS = {
    CAMPAIGN_SOURCE: "chance of responding to a contact",
    ORDERS_SOURCE: "chance of an order in the next 90 days",
    VISITS_SOURCE: "chance that a visit ends in a purchase",
}


def training_frame(campaigns: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per past contact: the campaign row plus the customer's attributes (joined on customer_id)."""
    if customers is None or "customer_id" not in campaigns:
        return campaigns.copy()
    extra = customers.drop_duplicates("customer_id")
    extra = extra[["customer_id", *[c for c in extra.columns if c not in campaigns]]]
    return campaigns.merge(extra, on="customer_id", how="left")


_BEHAVIOUR = ["recency_days", "frequency", "monetary", "tenure_days", "orders_90d", "orders_180d", "spend_90d",
              "spend_180d", "products", "avg_gap_days", "return_share"]  # fmt: skip


def purchase_frames(transactions: pd.DataFrame, days: int = 90) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Without a past campaign, learn from purchases: who bought in the last `days` given their behaviour
    before them. Returns (training frame: customer_id, behaviour, country, responded; scoring frame: the
    same behaviour as of the last order date, without responded)."""
    from smbcore.customers import rfm

    require_customer_ids(transactions, "Learning who to contact from your orders", TargetingDataError)
    end = transactions["timestamp"].max()
    cutoff = end - pd.Timedelta(days=days)
    before = transactions[transactions["timestamp"] <= cutoff]
    missing = REQUIREMENT.shortfalls(facts(transactions)) if days == CHECK_DAYS else []
    if before.empty or missing:
        raise TargetingDataError(
            "Learning who to contact from your orders needs "
            + ("; ".join(missing) if missing else f"more than {days} days of orders")
            + ". Add more history (or a past campaign with who responded) on 'Your data'."
        )
    country = None
    if "country" in transactions:
        country = (
            transactions.dropna(subset=["customer_id"])
            .groupby("customer_id")["country"]
            .agg(lambda s: s.mode().iat[0] if s.notna().any() else None)
        )
    frames = []
    for asof, part in ((cutoff, before), (end, transactions)):
        table = rfm(part, asof)[_BEHAVIOUR].rename_axis("customer_id").reset_index()
        if country is not None:
            table["country"] = table["customer_id"].map(country).astype("string")
        frames.append(table)
    later = transactions[(transactions["timestamp"] > cutoff) & ~transactions["is_return"]]
    frames[0]["responded"] = frames[0]["customer_id"].isin(later["customer_id"].dropna().unique())
    return frames[0], frames[1]


def frames_from(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    """What to learn from and whom to score, from the workspace's tables (name -> frame), best source first:
    a past campaign (joined with customers), else purchases (transactions), else website visits (sessions).
    Returns (training frame, frame to score, target column, the source in words)."""
    if tables.get("campaigns") is not None:
        frame = training_frame(tables["campaigns"], tables.get("customers"))
        return frame, frame.drop(columns=["responded"]), "responded", CAMPAIGN_SOURCE
    if tables.get("transactions") is not None:
        train, now = purchase_frames(tables["transactions"])
        return train, now, "responded", ORDERS_SOURCE
    if tables.get("sessions") is not None:
        visits = tables["sessions"].reset_index(drop=True)
        if "customer_id" not in visits:
            visits = visits.assign(customer_id=[f"visit {i + 1}" for i in range(len(visits))])
        return visits, visits.drop(columns=["converted"]), "converted", VISITS_SOURCE
    raise TargetingError("Targeting needs a past campaign, orders or website visits. Add one on 'Your data'.")
