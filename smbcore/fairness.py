"""Is it fair? Who a model or an action selects, group by group (fairlearn MetricFrame), the gaps in plain
words, ranges for small groups, and a mitigation whose cost in responses is shown before anyone adopts it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from scipy.stats import beta
from sklearn.metrics import precision_score

from smbcore.errors import SmbcoreError
from smbcore.selection import TOP_SHARE, select_top_share

__all__ = [
    "FairnessReport",
    "SensitiveColumnError",
    "audit",
    "audit_decisions",
    "mitigate",
    "action_audit",
    "churn_audit",
    "contact_audit",
    "age_band",
    "gap_words",
]


class SensitiveColumnError(SmbcoreError):
    """A sensitive column to check that is not in the data (or no column at all): an audit of nothing would read
    as 'nothing to see', so it is refused with the column's name and the columns there are."""


def _sensitive_columns(sensitive, frame: pd.DataFrame) -> list[str]:
    """The columns to audit: a single name (str) is one column, not its letters; any other iterable is a list
    of names. Every name must be a column of `frame` (exact spelling); otherwise SensitiveColumnError."""
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive if sensitive is not None else [])
    if not columns:
        raise SensitiveColumnError("No sensitive column was given to check: name at least one (e.g. 'age').")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        there = [str(c) for c in frame.columns]
        listed = ", ".join(f"'{c}'" for c in there[:40]) + (f" and {len(there) - 40} more" if len(there) > 40 else "")
        names = ", ".join(f"'{c}'" for c in missing)
        raise SensitiveColumnError(
            f"The sensitive column{'s' if len(missing) > 1 else ''} {names} "
            f"{'are' if len(missing) > 1 else 'is'} not in this data, so {'they' if len(missing) > 1 else 'it'} "
            f"cannot be checked. The columns there "
            f"are: {listed or 'none'}. Check the spelling, or map the column on 'Your data' and save again."
        )
    return list(dict.fromkeys(columns))


def age_band(age: pd.Series) -> pd.Series:
    """Ages as bands: under 30, 30-44, 45-59, 60 and over (missing stays missing)."""
    bands = pd.cut(pd.to_numeric(age, errors="coerce"), [-np.inf, 30, 45, 60, np.inf], right=False,
                   labels=["under 30", "30-44", "45-59", "60 and over"])  # fmt: skip
    return bands.astype("string")


def _groups(frame: pd.DataFrame, column: str) -> pd.Series:
    values = age_band(frame[column]) if column.lower() == "age" else frame[column].astype("string")
    return values.fillna("unknown")


def _range(hits: np.ndarray, sizes: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson range of a rate: honest for small groups."""
    tail = (1 - level) / 2
    low = np.where(hits > 0, beta.ppf(tail, hits, sizes - hits + 1), 0.0)
    high = np.where(hits < sizes, beta.ppf(1 - tail, hits + 1, sizes - hits), 1.0)
    return low, high


def gap_words(rates: pd.Series, what: str) -> str:
    """'Customers aged 60 and over are 3.1 times less likely than those aged 30-44 to be contacted.'"""
    rates = rates.dropna()
    if len(rates) < 2:
        return "Only one group: nothing to compare."
    high, low = rates.idxmax(), rates.idxmin()
    if rates[high] == 0:
        return f"Nobody in any group is {what}."
    if rates[low] == 0:
        return f"Nobody in group '{low}' is {what}, against {rates[high]:.0%} in '{high}'."
    ratio = rates[high] / rates[low]
    if ratio < 1.25:
        return f"Every group is about as likely to be {what} ({rates[low]:.0%} to {rates[high]:.0%}): a small gap."
    size = "a large gap" if ratio >= 2 else "a moderate gap"
    return (
        f"Group '{low}' is {ratio:.1f} times less likely than group '{high}' to be {what} "
        f"({rates[low]:.0%} against {rates[high]:.0%}): {size}."
    )


SMALL_GROUP = 30  # fewer people than this: a rate is too uncertain to headline a comparison


def _words_for(table: pd.DataFrame, what: str) -> str:
    """gap_words over groups of at least SMALL_GROUP people, naming the small ones left out."""
    big = table[table["size"] >= SMALL_GROUP]
    small = table.loc[table["size"] < SMALL_GROUP, "group"].tolist()
    text = gap_words(big.set_index("group")["selection_rate"], what)
    if small:
        text += f" (Groups of fewer than {SMALL_GROUP} people are too small to judge and left out of this: {', '.join(small)}.)"
    return text


@dataclass
class FairnessReport:
    """by_group: attribute, group, size, selection_rate (+ low/high range), true_positive_rate,
    false_positive_rate, precision; differences: per attribute, demographic_parity_difference and
    equalized_odds_difference; words: per attribute, a plain reading."""

    by_group: pd.DataFrame
    differences: pd.DataFrame
    words: dict


def audit(
    model, frame: pd.DataFrame, sensitive, share: float = TOP_SHARE, selected: np.ndarray | None = None
) -> FairnessReport:
    """Group figures for the model's decision 'contact the top `share` by score' on `frame` (rows with the
    model's target, e.g. its held-out rows), for each sensitive column (age is banded).
    sensitive: one column name (a str is one column) or a list of names, each a column of `frame`; a missing or
    misspelt name raises SensitiveColumnError naming it and listing the columns there are.
    selected: the decisions to audit instead (True = selected), e.g. after mitigation."""
    _sensitive_columns(sensitive, frame)  # before scoring: a wrong name is the owner's first thing to hear
    chosen = select_top_share(model.score(frame), share) if selected is None else np.asarray(selected, dtype=bool)
    return audit_decisions(frame, frame[model.target].astype(int).to_numpy(), chosen, sensitive)


def audit_decisions(frame: pd.DataFrame, outcome: np.ndarray, selected: np.ndarray, sensitive) -> FairnessReport:
    """Group figures for any yes/no decision (`selected`) against what really happened (`outcome`, 1/0), for
    each sensitive column of `frame` (same rows; age is banded): e.g. the churn model's 'at risk' flags.
    sensitive: one name or a list of names, as for `audit` (SensitiveColumnError when one is not in `frame`)."""
    y = np.asarray(outcome, dtype=int)
    chosen = np.asarray(selected, dtype=bool)
    rows, differences, words = [], [], {}
    for column in _sensitive_columns(sensitive, frame):
        groups = _groups(frame, column)
        metrics = MetricFrame(
            metrics={
                "size": count,
                "selection_rate": selection_rate,
                "true_positive_rate": true_positive_rate,
                "false_positive_rate": false_positive_rate,
                "precision": lambda t, p: precision_score(t, p, zero_division=0),
            },
            y_true=y,
            y_pred=chosen.astype(int),
            sensitive_features=groups.to_numpy(),
        )
        table = metrics.by_group.reset_index().rename(columns={"sensitive_feature_0": "group"})
        hits = np.array([chosen[groups.to_numpy() == g].sum() for g in table["group"]])
        table["selection_low"], table["selection_high"] = _range(hits, table["size"].to_numpy(dtype=float))
        table.insert(0, "attribute", column)
        rows.append(table)
        dp = demographic_parity_difference(y, chosen, sensitive_features=groups.to_numpy())
        eo = equalized_odds_difference(y, chosen, sensitive_features=groups.to_numpy())
        differences.append({"attribute": column, "demographic_parity_difference": dp, "equalized_odds_difference": eo})
        words[column] = _words_for(table, "selected")
    by_group = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return FairnessReport(by_group, pd.DataFrame(differences), words)


def mitigate(
    model, frame: pd.DataFrame, column: str, constraint: str = "demographic_parity", share: float = TOP_SHARE
) -> dict:
    """Equalise selection across the groups of `column` with fairlearn's ThresholdOptimizer (group-specific
    thresholds on the model's scores, fitted on `frame`), and show what it costs. `column` must be a column of
    `frame` (SensitiveColumnError otherwise).

    Besides the optimizer (which picks its own number to contact), the same number as the model's top
    `share` is contacted with the same share of every group, so the cost in responses is like for like.
    Returns {"before", "after" (optimizer), "same_share": FairnessReport; "tradeoff": DataFrame (version,
    selected, responders_reached, precision, gap); "thresholds": the fitted optimizer; "selected": the three
    decisions; "not_fitted": None, or why the optimizer was left out}. `gap` is the demographic parity
    difference (or equalized odds difference) for `column`.

    The optimizer needs responders and non-responders in every group; when a group has only one kind (a small
    group, or one with no responders at all), it is left out ("after" and "thresholds" are None, the table has
    the two other versions) and "not_fitted" names the groups."""
    from fairlearn.postprocessing import ThresholdOptimizer

    (column,) = _sensitive_columns(column, frame)
    y = frame[model.target].astype(int).to_numpy()
    groups = _groups(frame, column).to_numpy()
    data = model.model_frame(frame)
    one_outcome = sorted(str(g) for g in np.unique(groups) if np.unique(y[groups == g]).size < 2)
    optimizer, after, report_after, not_fitted = None, None, None, None
    if one_outcome:
        names = ", ".join(f"'{g}'" for g in one_outcome)
        verb = "has" if len(one_outcome) == 1 else "have"
        not_fitted = (
            "fairlearn's ThresholdOptimizer needs people who responded and people who did not in every "
            f"{column} group; {names} {verb} only one kind here, so it is left out."
        )
    else:
        optimizer = ThresholdOptimizer(
            estimator=model.pipeline,
            constraints=constraint,
            objective="balanced_accuracy_score",
            prefit=True,
            predict_method="predict_proba",
        )
        optimizer.fit(data, y, sensitive_features=groups)
        after = optimizer.predict(data, sensitive_features=groups, random_state=0).astype(bool)
        report_after = audit(model, frame, [column], selected=after)
    score = model.score(frame).to_numpy()
    before = select_top_share(score, share)
    # The budget-bound version of the same idea: the same share of every group, each group's best-scored first.
    same_share = select_top_share(score, share, groups)
    report_before = audit(model, frame, [column], share)
    report_share = audit(model, frame, [column], selected=same_share)
    key = "demographic_parity_difference" if constraint == "demographic_parity" else "equalized_odds_difference"
    rows = []
    for name, chosen, report in (
        ("as the model ranks", before, report_before),
        ("same share of every group, same number contacted", same_share, report_share),
        ("fairlearn ThresholdOptimizer (its own number)", after, report_after),
    ):
        if chosen is None:  # the optimizer could not be fitted (see not_fitted)
            continue
        rows.append(
            {
                "version": name,
                "selected": int(chosen.sum()),
                "responders_reached": int(y[chosen].sum()),
                "precision": float(y[chosen].mean()) if chosen.any() else 0.0,
                "gap": float(report.differences[key].iloc[0]),
            }
        )
    return {
        "before": report_before,
        "after": report_after,
        "same_share": report_share,
        "tradeoff": pd.DataFrame(rows),
        "thresholds": optimizer,
        "selected": {"as ranked": before, "same share": same_share, "optimizer": after},
        "not_fitted": not_fitted,
    }


def action_audit(plan: pd.DataFrame, people: pd.DataFrame, sensitive, action_column: str = "action") -> pd.DataFrame:
    """Who gets each action (an offer, win-back, contact / no contact) by group: plan has customer_id and
    `action_column`; people has customer_id and the sensitive columns. Returns attribute, action, group,
    customers, share (of that group getting the action), share_low, share_high (95% range), words.
    sensitive: one name or a list of names, each a column of `people` (SensitiveColumnError otherwise)."""
    columns = _sensitive_columns(sensitive, people)
    merged = plan[["customer_id", action_column]].merge(people, on="customer_id", how="inner")
    rows = []
    for column in columns:
        groups = _groups(merged, column)
        for action in merged[action_column].dropna().unique():
            got = merged[action_column] == action
            table = pd.DataFrame({"group": groups, "got": got}).groupby("group")["got"].agg(["size", "sum"])
            low, high = _range(table["sum"].to_numpy(float), table["size"].to_numpy(float))
            share = table["sum"] / table["size"]
            text = gap_words(share, f"given '{action}'")
            for (group, row), lo, hi in zip(table.iterrows(), low, high, strict=True):
                rows.append({"attribute": column, "action": action, "group": group, "customers": int(row["size"]),
                             "share": float(row["sum"] / row["size"]), "share_low": lo, "share_high": hi,
                             "words": text})  # fmt: skip
    return pd.DataFrame(
        rows, columns=["attribute", "action", "group", "customers", "share", "share_low", "share_high", "words"]
    )


def churn_audit(held: pd.DataFrame, people: pd.DataFrame, sensitive, share: float = TOP_SHARE) -> FairnessReport | None:
    """Who the churn model flags 'at risk' (the riskiest `share` of the customers in both frames), by group,
    against who then did not buy. held: customers.held_out_churn (customer_id, churn_risk, churned); people:
    customer_id and the sensitive columns (a name or a list, as for `audit`). None when no customer is in both."""
    columns = _sensitive_columns(sensitive, people)
    merged = held.merge(people[["customer_id", *columns]], on="customer_id", how="inner")
    if merged.empty:
        return None
    flagged = select_top_share(merged["churn_risk"], share)
    return audit_decisions(merged, merged["churned"].astype(int).to_numpy(), flagged, columns)


def contact_audit(contact_list: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame | None:
    """Who ends up on a contact list, by group: contact_list has customer_id and contact (True/False, e.g.
    TargetingModel.top_share with the owner's overrides); people has customer_id and the sensitive columns to
    check. Returns action_audit's table (action 'contact' or 'no contact'), None when people has no sensitive
    column."""
    if people.shape[1] < 2:
        return None
    plan = contact_list.assign(action=contact_list["contact"].map({True: "contact", False: "no contact"}))
    return action_audit(plan, people, [c for c in people.columns if c != "customer_id"])
