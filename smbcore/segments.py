"""The customer vocabulary, defined once: the email plan's actions, the named segments (each a name, its rule
in words, its test and its action), and the choices an owner may override a decision with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Action",
    "SegmentRule",
    "ACTIONS",
    "SEGMENTS",
    "SEGMENT_NAMES",
    "NO_CONTACT",
    "WIN_BACK",
    "CROSS_SELL",
    "REBUY",
    "CONTACT_CHOICES",
    "segment_rule",
    "assign_segments",
    "override_choices",
]


@dataclass(frozen=True)
class Action:
    """What the email plan sends a customer. new_products: suggest products new to them (else their own
    favourites may come back); contact: False only for 'No contact' (left out of lists and control groups)."""

    name: str
    new_products: bool
    contact: bool = True


CROSS_SELL = Action("Cross-sell", new_products=True)
WELCOME = Action("Welcome series", new_products=True)
NUDGE = Action("Second-purchase nudge", new_products=True)
REBUY = Action("Re-buy reminder", new_products=False)
WIN_BACK = Action("Win-back offer", new_products=False)
NO_CONTACT = Action("No contact", new_products=False, contact=False)
ACTIONS: dict[str, Action] = {a.name: a for a in (CROSS_SELL, WELCOME, NUDGE, REBUY, WIN_BACK, NO_CONTACT)}

Test = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class SegmentRule:
    """A named segment. test: takes a frame with r_score, f_score, m_score (1-5, 5 = best fifth), frequency
    (orders) and recency_days and returns True for the rows the rule fits (first rule that fits wins);
    words: the rule for owners; action and why: what the email plan does for the segment, and why."""

    name: str
    words: str
    test: Test
    action: Action
    why: str


SEGMENTS: tuple[SegmentRule, ...] = (
    SegmentRule("New", "first order in the last 30 days and only one order so far",
                lambda s: (s["frequency"] == 1) & (s["recency_days"] <= 30),
                WELCOME, "first order was recent: welcome them and suggest a second product"),
    SegmentRule("Champions", "bought recently (R 4-5), often (F 4-5) and spend a lot (M 4-5)",
                lambda s: (s["r_score"] >= 4) & (s["f_score"] >= 4) & (s["m_score"] >= 4),
                CROSS_SELL, "a top customer: show products new to them"),
    SegmentRule("Loyal", "buy often (F 4-5) and not long ago (R 3-5)",
                lambda s: (s["f_score"] >= 4) & (s["r_score"] >= 3),
                CROSS_SELL, "buys often: show products new to them"),
    SegmentRule("Promising", "bought recently (R 4-5) but only a few times (F 1-3)",
                lambda s: (s["r_score"] >= 4) & (s["f_score"] <= 3),
                NUDGE, "recent but few orders: a nudge towards the next one"),
    SegmentRule("Can't lose", "used to buy often and spend a lot (F 4-5, M 4-5) but not for a long time (R 1-2)",
                lambda s: (s["r_score"] <= 2) & (s["f_score"] >= 4) & (s["m_score"] >= 4),
                WIN_BACK, "was a big customer and has not bought for a long time"),
    SegmentRule("At risk", "used to buy fairly often (F 3-5) but not for a while (R 1-2)",
                lambda s: (s["r_score"] <= 2) & (s["f_score"] >= 3),
                WIN_BACK, "has not bought for a while"),
    SegmentRule("Needs attention", "in the middle: neither recent nor long gone (R 3)",
                lambda s: s["r_score"] == 3,
                REBUY, "buying less often than before: remind them of their favourites"),
    SegmentRule("Hibernating", "few orders (F 1-2) and not recently (R 2)",
                lambda s: (s["r_score"] == 2) & (s["f_score"] <= 2),
                WIN_BACK, "few orders, long ago"),
    SegmentRule("Lost", "few orders (F 1-2) and the longest time since the last one (R 1)",
                lambda s: s["r_score"] == 1,
                WIN_BACK, "long gone"),
)  # fmt: skip
SEGMENT_NAMES: list[str] = [rule.name for rule in SEGMENTS]
_BY_NAME = {rule.name: rule for rule in SEGMENTS}
_FALLBACK = "Needs attention"  # a row no rule fits (only possible with missing scores)
CONTACT_CHOICES = ("contact", "do not contact")  # the contact list's decisions (see smbcore.overrides)


def assign_segments(scores: pd.DataFrame) -> pd.Series:
    """The segment of every row: the first rule of SEGMENTS that fits. scores: r_score, f_score, m_score,
    frequency, recency_days (any index). Returns a string Series with the same index."""
    fits = [rule.test(scores).to_numpy(dtype=bool) for rule in SEGMENTS]
    return pd.Series(np.select(fits, SEGMENT_NAMES, default=_FALLBACK), index=scores.index, dtype="string")


def segment_rule(segment: str) -> SegmentRule:
    """The rule named `segment` (with its action and why); KeyError for a name that is not a segment."""
    return _BY_NAME[segment]


def override_choices(decision: str) -> list[str]:
    """What an owner may replace a decision with on the Fairness page: a contact list's 'contact' or 'do not
    contact', the email plan's actions, the segments, the number of people on a rota shift. Any other
    decision: ['changed']."""
    return {
        "targeting": list(CONTACT_CHOICES),
        "marketing plan": list(ACTIONS),
        "segments": list(SEGMENT_NAMES),
        "rota": ["1", "2", "3", "4"],
    }.get(decision, ["changed"])
