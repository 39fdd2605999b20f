"""The email plan: the next best action for each customer (from their segment's rule, the churn risk and
consent), with products and a send time, and the smallest change that would give a customer another action."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from smbcore.segments import CROSS_SELL, NO_CONTACT, REBUY, WIN_BACK, assign_segments, segment_rule

if TYPE_CHECKING:
    from smbcore.customers import CustomerAnalysis
    from smbcore.recommend import Recommender

__all__ = ["next_best_actions", "what_would_change", "segment_if", "GONE", "HIGH_RISK"]

GONE = ("Lost", "Hibernating")  # below the median value, these segments get "No contact"
HIGH_RISK = 0.7  # a valuable customer this likely to buy nothing in 90 days gets a win-back offer instead


def segment_if(profile: pd.DataFrame, customer_id: str, recency_days: float, frequency: float) -> str:
    """The segment `customer_id` would have with these days since the last order and orders, their R and F
    scores re-read against everyone else's values as the segment rules do (M stays). profile: rfm /
    analyse(...).profile (index customer_id)."""
    row = profile.loc[customer_id]
    others = profile.drop(index=customer_id)
    n = len(profile)
    scores = pd.DataFrame(
        {
            "r_score": [np.ceil((1 + (others["recency_days"] > recency_days).sum()) / n * 5).clip(1, 5)],
            "f_score": [np.ceil((1 + (others["frequency"] < frequency).sum()) / n * 5).clip(1, 5)],
            "m_score": [row["m_score"]],
            "frequency": [frequency],
            "recency_days": [recency_days],
        }
    )
    return str(assign_segments(scores).iat[0])


def what_would_change(profile: pd.DataFrame, customer_id: str) -> list[str]:
    """The smallest change in one behaviour that would give a customer a different action in the email plan,
    in words ("would get 'Win-back offer' instead of 'Cross-sell' if the last order were 35 days older").
    profile: rfm / analyse(...).profile (index customer_id). Days move in steps of 5 (older up to a year, more
    recent up to the last order), orders by 1 to 10 either way; the smallest step that changes the action is
    said (see `segment_if`). Returns up to two sentences (a change of days, a change of orders)."""
    row = profile.loc[customer_id]
    now = segment_rule(row["segment"]).action.name

    def action(recency: float, frequency: float) -> str:
        return segment_rule(segment_if(profile, customer_id, recency, frequency)).action.name

    found = []
    changes = [*range(5, 366, 5), *(-d for d in range(5, int(row["recency_days"]) + 1, 5))]
    for days in sorted(changes, key=abs):
        other = action(row["recency_days"] + days, row["frequency"])
        if other != now:
            when = f"{days} days older" if days > 0 else f"{-days} days more recent"
            found.append(f"would get '{other}' instead of '{now}' if the last order were {when}")
            break
    for more in [k for j in range(1, 11) for k in (j, -j) if row["frequency"] + k >= 1]:
        other = action(row["recency_days"], row["frequency"] + more)
        if other != now:
            count = f"{abs(more)} {'more' if more > 0 else 'fewer'} order{'s' if abs(more) > 1 else ''}"
            found.append(f"would get '{other}' instead of '{now}' with {count}")
            break
    return found


def _actions(prof: pd.DataFrame) -> pd.DataFrame:
    """Per customer of `prof` (segment, monetary, churn_risk): action, new_products (suggest products new to
    them) and why. The segment's rule decides; 'No contact' for GONE segments below the median value; a
    win-back offer for valuable customers with a churn risk of HIGH_RISK or more who would get a cross-sell or
    a re-buy reminder."""
    rules = prof["segment"].map(segment_rule)
    action = rules.map(lambda r: r.action.name)
    why = rules.map(lambda r: r.why)
    value_line = prof["monetary"].median() if len(prof) else 0.0
    skip = prof["segment"].isin(GONE) & (prof["monetary"] < value_line)
    action = action.where(~skip, NO_CONTACT.name)
    why = why.where(~skip, "long gone and below-median value: not worth an email")
    high_risk = (
        (prof["churn_risk"].fillna(0) >= HIGH_RISK)
        & (prof["monetary"] >= value_line)
        & action.isin([CROSS_SELL.name, REBUY.name])
    )
    action = action.where(~high_risk, WIN_BACK.name)
    why = why.where(~high_risk, "valuable, and likely not to buy in the next 90 days")
    new_products = rules.map(lambda r: r.action.new_products).astype(bool)
    return pd.DataFrame({"action": action.astype("string"), "new_products": new_products, "why": why})


def _products(model, actions: pd.DataFrame, products: int) -> pd.DataFrame:
    """product_ids and product_names (joined with ' | ') per contacted customer: products new to them when
    their segment's action asks for it, else any (their favourites may come back)."""
    contact = actions[actions["action"] != NO_CONTACT.name]
    picks = [
        model.recommend(ids, k=products, exclude_purchased=new)
        for new, ids in (
            (True, contact.index[contact["new_products"]]),
            (False, contact.index[~contact["new_products"]]),
        )
        if len(ids)
    ]
    recs = pd.concat(picks) if picks else pd.DataFrame(columns=["customer_id", "product_id", "product_name"])
    joined = recs.groupby("customer_id").agg(
        product_ids=("product_id", " | ".join), product_names=("product_name", " | ".join)
    )
    joined.index = joined.index.astype("string")
    return joined


def _countries(transactions: pd.DataFrame) -> pd.Series:
    """Each customer's most common country (None when never given)."""
    country = (
        transactions.dropna(subset=["customer_id"])
        .groupby("customer_id")["country"]
        .agg(lambda s: s.mode().iat[0] if s.notna().any() else None)
    )
    country.index = country.index.astype("string")
    return country


def next_best_actions(
    transactions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    asof: pd.Timestamp | str | None = None,
    analysis: CustomerAnalysis | None = None,
    recommender: Recommender | None = None,
    products: int = 3,
) -> pd.DataFrame:
    """The email plan: what to send each customer, with which products, when.

    Consent comes from `smbcore.consent.customer_consent` (orders and customers table): customers who
    refused are left out entirely; `marketing_consent` says True, or <NA> when unknown (the caller decides
    whether to include those, see `smbcore.consent.contactable`). Lost and hibernating
    customers worth less than the median get "No contact". Returns one row per customer with: customer_id,
    segment, action, product_ids, product_names (joined with ' | '), send_day, send_hour (empty when the file
    has no times of day), churn_risk (empty when the churn model cannot tell; actions then follow the segment
    rules only), expected_spend_90d, monetary, country (when known), reason, marketing_consent.
    analysis: a customers.CustomerAnalysis (default: analysed here); recommender: a fitted
    recommend.Recommender (default: fitted here).
    """
    from smbcore import recommend
    from smbcore.consent import consent_for, customer_consent, refused
    from smbcore.customers import analyse, send_times

    analysis = analysis or analyse(transactions, asof)
    prof = analysis.profile
    consent = consent_for(prof.index, customer_consent(transactions, customers))
    prof = prof[~refused(consent).to_numpy()]
    actions = _actions(prof)
    plan = pd.DataFrame({"segment": prof["segment"], "action": actions["action"]}, index=prof.index)
    model = recommender or recommend.fit(transactions, asof=asof)
    plan = plan.join(_products(model, actions, products)).join(send_times(transactions))
    plan["churn_risk"] = prof["churn_risk"]
    plan["expected_spend_90d"] = prof["expected_spend_90d"]
    plan["monetary"] = prof["monetary"]
    if "country" in transactions:
        plan["country"] = _countries(transactions).reindex(plan.index).astype("string")
    plan["reason"] = (prof["segment"] + ": " + actions["why"]).astype("string")
    plan["marketing_consent"] = consent.reindex(plan.index)
    plan = plan.fillna({"product_ids": "", "product_names": ""})
    return plan.rename_axis("customer_id").reset_index()
