"""Who is selected: the top share of rows by a score, overall or the same share of every group. One rule for the
contact list, the fairness audit, the mitigation and the churn flags ("the top 20%")."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TOP_SHARE", "select_top_share", "top_count"]

TOP_SHARE = 0.2  # the share the pages show and audit: "the top 20%"


def top_count(rows: int, share: float) -> int:
    """How many of `rows` rows are the top `share` (0-1): rows x share rounded to the nearest whole (halves
    to even), at most `rows`."""
    return int(min(np.rint(max(share, 0.0) * rows), rows))


def select_top_share(scores, share: float = TOP_SHARE, groups=None) -> np.ndarray:
    """True for the rows in the top `share` by score (higher is better; ties keep row order): top_count(n, share)
    rows. groups (one label per row, missing = 'unknown'): the same share of every group instead, each group's
    best first (top_count of each group's size). scores: array-like of numbers (missing count as lowest).
    Returns a boolean array, one per row, in the order given."""
    values = pd.to_numeric(pd.Series(np.asarray(scores, dtype=float)), errors="coerce").fillna(-np.inf).to_numpy()
    order = np.argsort(-values, kind="stable")
    chosen = np.zeros(len(values), dtype=bool)
    if groups is None:
        chosen[order[: top_count(len(values), share)]] = True
        return chosen
    labels = pd.Series(np.asarray(groups, dtype=object)).astype("string").fillna("unknown").to_numpy()
    for group in pd.unique(labels):
        members = order[labels[order] == group]  # this group's rows, best first
        chosen[members[: top_count(len(members), share)]] = True
    return chosen
