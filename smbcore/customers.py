"""Who buys: recency/frequency/value, named segments (the rules are in smbcore.segments), churn risk, 90-day
and 12-month spend, expected orders and the chance each customer is still a customer, learned from the shop's
own history (checked on a held-out period; the models are in smbcore.customer_value and smbcore.btyd). The
email plan built on them (next_best_actions, what_would_change) is in smbcore.email_plan and importable from
here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error

from smbcore.customer_value import (
    HORIZON_DAYS,
    SMALL_SHOP,
    features,
    fit,
    learning_frames,
    orders_factor,
    predict,
    training_frame,
    value_columns,
)
from smbcore.email_plan import next_best_actions, what_would_change
from smbcore.errors import require_customer_ids
from smbcore.formatting import money, number
from smbcore.overview import WEEKDAYS
from smbcore.requirements import REQUIREMENTS, auc_with_range, better_than_chance, facts
from smbcore.segments import assign_segments
from smbcore.timing import has_times

__all__ = [
    "CustomerAnalysis",
    "analyse",
    "check_models",
    "check_words",
    "few_customers_words",
    "held_out_churn",
    "profile",
    "next_best_actions",
    "rfm",
    "segment_summary",
    "send_times",
    "what_would_change",
]

REQUIREMENT = REQUIREMENTS["churn"]  # what the churn and spend models need; the health check reports the same


def few_customers_words(customers: int) -> str | None:
    """The caveat for segments among fewer customers than the churn model's minimum (REQUIREMENT.min_customers):
    the 1-5 scores rank customers against each other, so with a handful of them 'Hibernating' or 'Lost' only
    means later than most of the others, not long ago. None when there are enough customers."""
    if customers >= REQUIREMENT.min_customers:
        return None
    return (
        f"With only {customers:,} customers, the segment names are ranks among them, not judgements: "
        "'Hibernating', 'Lost' or 'Needs attention' only means a longer wait since the last order than most of "
        "your other customers, even if it was just days ago. Read the days since each customer's last order "
        f"beside the name; the names mean more from {REQUIREMENT.min_customers} customers on."
    )


def _score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1-5 by quintile of rank (ties share the lower rank), 5 = best."""
    ranks = values.rank(method="min", ascending=higher_is_better, pct=True)
    return np.ceil(ranks * 5).clip(1, 5).astype(int)


def _sales_lines(transactions: pd.DataFrame) -> pd.DataFrame:
    """Order lines with a customer id (NotEnoughDataError when there are none: every customer figure needs them)."""
    require_customer_ids(transactions, "Customer segments, churn risk and the email plan")
    tx = transactions.dropna(subset=["customer_id"])
    return tx[["customer_id", "order_id", "timestamp", "product_id", "quantity", "revenue", "is_return"]].assign(
        is_return=tx["is_return"]
    )


@dataclass
class CustomerAnalysis:
    """profile: one row per customer (see `profile`); check: how the churn and spend models did on a
    held-out 90-day period (dict); notes: plain sentences on how sure the figures are."""

    profile: pd.DataFrame
    check: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _check(lines: pd.DataFrame, cutoff: pd.Timestamp) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Train on behaviour 90 days before `cutoff`, score customers at `cutoff`, compare with the next 90 days.
    Returns the check (dict), the training frame and the checked frame with churn_risk and predicted_spend."""
    train_cut = cutoff - pd.Timedelta(days=HORIZON_DAYS)
    test = training_frame(lines, cutoff)
    has_train = (train_cut - lines["timestamp"].min()).days >= 30
    train = learning_frames(lines, cutoff) if has_train else test
    churn_risk, spend = predict(fit(train), test)
    y = test["bought"].to_numpy()
    actual = test["spend"].to_numpy()
    auc, low, high = auc_with_range(y, -churn_risk)
    spend_mae = float(mean_absolute_error(actual, spend))
    naive_mae = float(mean_absolute_error(actual, test["spend_90d"].clip(lower=0).to_numpy()))
    check = {
        "checked_customers": len(test),
        "checked_from": cutoff,
        "checked_to": cutoff + pd.Timedelta(days=HORIZON_DAYS),
        "trained_on_cutoff": train_cut if has_train else cutoff,
        "churn_auc": auc,
        "churn_auc_range": (low, high),
        "churn_tells": better_than_chance(low),
        "spend_mae": spend_mae,
        "naive_spend_mae": naive_mae,
        "mean_spend": float(np.mean(np.clip(actual, 0, None))),
        "spend_beats_naive": spend_mae < naive_mae,
        "actual_repeat_rate": float(y.mean()),
        "orders_factor": orders_factor(test),
    }
    return check, train, test.assign(churn_risk=churn_risk, predicted_spend=spend)


def held_out_churn(transactions: pd.DataFrame, asof: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """The churn model's held-out decisions, for auditing: customers scored 90 days before `asof` (default:
    the last order) by a model that learned from the 90 days before that. Returns customer_id, churn_risk,
    churned (True when they did not buy in the 90 days that followed), expected_spend_90d (the spend model's
    figure then) and spend (what they really spent in those 90 days)."""
    lines = _sales_lines(transactions)
    asof = pd.Timestamp(asof) if asof is not None else lines["timestamp"].max()
    cutoff = asof - pd.Timedelta(days=HORIZON_DAYS)
    test = _check(lines, cutoff)[2]
    out = pd.DataFrame(
        {
            "churn_risk": test["churn_risk"],
            "churned": ~test["bought"],
            "expected_spend_90d": test["predicted_spend"],
            "spend": test["spend"],
        },
        index=test.index,
    )
    return out.rename_axis("customer_id").reset_index()


def check_models(transactions: pd.DataFrame, cutoff: pd.Timestamp | str) -> dict:
    """The held-out check alone: models learn from the 90 days before `cutoff` and are judged on the 90 days
    after it. Returns churn_auc (+ churn_auc_range, the 95% range), churn_tells (the range is above 0.5),
    spend_mae and naive_spend_mae ('same as last 90 days'; average miss per customer in currency), mean_spend
    (average actual spend per customer then), spend_beats_naive, actual_repeat_rate, sizes."""
    return _check(_sales_lines(transactions), pd.Timestamp(cutoff))[0]


def rfm(transactions: pd.DataFrame, asof: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """Recency/frequency/value, 1-5 scores and a named segment for every customer with a sale up to `asof`.

    Returns one row per customer_id with: first_order, last_order, recency_days, frequency (orders), monetary
    (net spend), tenure_days, orders_90d, orders_180d, spend_90d, spend_180d, products, avg_gap_days,
    return_share, peak_90d (largest spend in any 90 days), r_score, f_score, m_score, segment.
    """
    lines = _sales_lines(transactions)
    asof = pd.Timestamp(asof) if asof is not None else lines["timestamp"].max()
    out = features(lines, asof)
    out["r_score"] = _score(out["recency_days"], higher_is_better=False)
    out["f_score"] = _score(out["frequency"])
    out["m_score"] = _score(out["monetary"])
    out["segment"] = assign_segments(out)
    return out.rename_axis("customer_id")


def analyse(transactions: pd.DataFrame, asof: pd.Timestamp | str | None = None) -> CustomerAnalysis:
    """RFM segments plus churn risk and expected 90-day spend, learned and checked on the shop's own history.

    Models learn from how customers behaved in the 90 days after earlier cut-off dates: the check trains on
    the cut-offs 180 and 210 days before `asof` and scores the one 90 days before (its outcome is known), the
    final models train on the cut-offs 90 and 120 days before `asof` and predict the 90 days after it.

    The models run only when the data meets REQUIREMENTS['churn'] (the rule the health check reports). When the
    held-out check cannot tell leavers from stayers better than chance (its 95% AUC range reaches 0.5),
    churn_risk is left empty, so the email plan follows the segment rules; when the spend model misses by more
    than 'same as last 90 days', expected_spend_90d is the last 90 days' spend. `notes` say which and why.
    """
    lines = _sales_lines(transactions)
    asof = pd.Timestamp(asof) if asof is not None else lines["timestamp"].max()
    out = rfm(transactions, asof)
    check: dict = {"customers": len(out)}
    notes: list[str] = [few] if (few := few_customers_words(len(out))) else []
    missing = REQUIREMENT.shortfalls(facts(transactions, asof))
    if missing:
        out["churn_risk"] = np.nan
        out["expected_spend_90d"] = out["spend_90d"].clip(lower=0)
        out = out.join(value_columns(out, naive=True))
        notes.append(
            "Churn risk needs " + "; ".join(missing) + ", so it is left empty, and expected orders and spend "
            "simply repeat the last 90 days (the next 12 months at the same pace). The email plan follows "
            "the segment rules."
        )
        return CustomerAnalysis(out, check, notes)

    test_cut = asof - pd.Timedelta(days=HORIZON_DAYS)
    held_out, train, test = _check(lines, test_cut)
    check.update(held_out)
    if len(test) < SMALL_SHOP:
        notes.append(
            f"Learned from {len(test)} customers only: simpler models are used and the ranges are wide. "
            "Treat the risks as a rough ordering, not exact chances."
        )

    final_train = learning_frames(lines, asof, nearest=test)
    final = fit(final_train)
    churn_now, spend_now = predict(final, out)
    out["churn_risk"] = churn_now if check["churn_tells"] else np.nan
    out["expected_spend_90d"] = spend_now if check["spend_beats_naive"] else out["spend_90d"].clip(lower=0)
    # When the spend model lost its check, every value column repeats the last 90 days (orders too), so the
    # columns never contradict each other (expected orders with no expected spend).
    out = out.join(value_columns(out, check["orders_factor"], naive=not check["spend_beats_naive"]))
    if not check["churn_tells"]:
        notes.append(
            "Your data cannot tell yet who will stop buying. " + check_words(check, "")[0] + " So no churn risk is "
            "shown per customer, and the email plan follows the segment rules (how recently, how often and how "
            "much each customer bought)."
        )
    if not check["spend_beats_naive"]:
        notes.append(
            "The spend model was no closer than 'same as the last 90 days' on the checked period, so expected "
            "orders and spend simply repeat each customer's last 90 days (the next 12 months at the same pace)."
        )
    return CustomerAnalysis(out, check, notes)


def check_words(check: dict, symbol: str) -> list[str]:
    """The held-out check in plain sentences (churn, then spend), every figure rounded and finite.

    check: CustomerAnalysis.check (after a check ran); symbol: the currency sign."""
    auc, (low, high) = check["churn_auc"], check["churn_auc_range"]
    n = number(check["checked_customers"])
    if not np.isfinite(auc):
        churn = (
            f"on the {n} customers checked, everyone did the same in the 90 days after "
            f"{check['checked_from']:%d %b %Y} (all bought again, or none did), so there was nothing to tell apart."
        )
    elif not np.isfinite(low):
        churn = f"the check on {n} customers gave a score of {number(auc, 2)} but is too small to give a range."
    else:
        verdict = "better than a coin toss" if check["churn_tells"] else "no better than a coin toss"
        churn = (
            f"on {n} customers the risk ordered who did not buy again with a score of {number(auc, 2)} "
            f"(0.5 is a coin toss, 1 is perfect; 95% range {number(low, 2)} to {number(high, 2)}): {verdict}."
        )
    model, naive = check["spend_mae"], check["naive_spend_mae"]
    closer = "closer than" if check["spend_beats_naive"] else "no closer than"
    spend = (
        f"Expected 90-day spend missed by {money(model, symbol)} per customer on average, against "
        f"{money(naive, symbol)} for 'same as the last 90 days' ({closer} that guess); these customers spent "
        f"{money(check['mean_spend'], symbol)} each on average in those 90 days."
    )
    return [churn[0].upper() + churn[1:], spend]


def segment_summary(profile: pd.DataFrame) -> pd.DataFrame:
    """Per segment present in `profile` (rfm / analyse(...).profile): customers, revenue (their net spend to
    date) and churn_risk (the mean; NaN when not known)."""
    return (
        profile.groupby("segment")
        .agg(customers=("frequency", "size"), revenue=("monetary", "sum"), churn_risk=("churn_risk", "mean"))
        .reset_index()
    )


def profile(transactions: pd.DataFrame, asof: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """One row per customer: recency_days, frequency, monetary, r/f/m scores, segment, churn_risk (chance of no
    purchase in the next 90 days), expected_spend_90d (net spend in the next 90 days, currency),
    expected_orders_90d (orders in the next 90 days), chance_active (0-1: chance the customer is still active,
    i.e. orders again within the next 365 days; low for customers long gone, high for frequent recent buyers), expected_spend_365d (net spend in the
    next 365 days, currency), and the behaviour features they come from (see smbcore.customer_value.features).
    The value columns are finite for every customer, one-order customers included."""
    return analyse(transactions, asof).profile


def send_times(transactions: pd.DataFrame) -> pd.DataFrame:
    """Per customer (index customer_id) send_day (weekday name) and send_hour: when they usually order (the
    shop's busiest when they ordered < 2 times). send_hour is empty (<NA>) for everyone when the file has dates
    but no times of day."""
    orders = (
        transactions.dropna(subset=["customer_id"])
        .loc[lambda d: ~d["is_return"]]
        .groupby(["customer_id", "order_id"])["timestamp"]
        .min()
        .reset_index()
    )
    orders["weekday"] = orders["timestamp"].dt.day_of_week
    orders["hour"] = orders["timestamp"].dt.hour
    shop_day = int(orders["weekday"].mode().iat[0]) if len(orders) else 1
    shop_hour = int(orders["hour"].mode().iat[0]) if len(orders) else 10
    grouped = orders.groupby("customer_id")
    day = grouped["weekday"].agg(lambda s: s.mode().iat[0])
    hour = grouped["hour"].agg(lambda s: s.mode().iat[0])
    few = grouped.size() < 2
    send_hour = hour.where(~few, shop_hour).astype("Int64")
    if not has_times(orders["timestamp"]):  # dates only: the file says nothing about the hour
        send_hour[:] = pd.NA
    out = pd.DataFrame({"send_day": day.where(~few, shop_day), "send_hour": send_hour})
    out["send_day"] = out["send_day"].map(dict(enumerate(WEEKDAYS))).astype("string")
    out.index = out.index.astype("string")
    return out
