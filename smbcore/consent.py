"""Marketing consent: who agreed to be contacted, read from every table that records it, applied everywhere.

One rule, used by the email plan, every email export, the Marketing contact list and the command line:
customers who said no are never contacted; customers whose consent is unknown are left out unless the owner
chooses to include them.

Where consent comes from (column `marketing_consent`, True/False/empty, as the Data page reads it):
- the orders table: many shop exports carry it on each order (Shopify 'Accepts Marketing' / 'Accepts Email
  Marketing', WooCommerce, Square and similar). Per customer, the latest order with a yes/no decides; when
  orders at that same latest time disagree, no wins.
- the customers table: the owner's customer list. It has no dates, so its answer is combined with the orders'
  answer safely: no in either wins over yes; yes in either (and no no) is yes; otherwise unknown.
Customer ids that are e-mail addresses are matched without regard to case or surrounding spaces.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "COLUMN",
    "customer_consent",
    "consent_for",
    "refused",
    "with_consent",
    "contactable",
    "consent_counts",
    "unknown_words",
]

COLUMN = "marketing_consent"


def _key(ids: pd.Series) -> pd.Series:
    """The id consent is matched on: trimmed, and lower-cased when it is an e-mail address."""
    text = ids.astype("string").str.strip()
    return text.where(~text.str.contains("@", regex=False).fillna(False), text.str.lower())


def _latest_from_orders(transactions: pd.DataFrame) -> pd.Series:
    """Per matching key: the answer on the latest order that has one (no wins a tie). Index: key."""
    rows = transactions.dropna(subset=["customer_id"])
    rows = rows[rows[COLUMN].notna()]
    if rows.empty:
        return pd.Series(dtype="boolean")
    frame = pd.DataFrame(
        {
            "key": _key(rows["customer_id"]).to_numpy(),
            "t": rows["timestamp"].to_numpy() if "timestamp" in rows else 0,
            "yes": rows[COLUMN].astype(bool).to_numpy(),
        }
    )
    latest = frame[frame["t"] == frame.groupby("key")["t"].transform("max")]
    return latest.groupby("key")["yes"].all().astype("boolean")


def _from_customers(customers: pd.DataFrame) -> pd.Series:
    """Per matching key: the customers table's answer (a customer listed twice: no wins). Index: key."""
    rows = customers.dropna(subset=["customer_id"])
    rows = rows[rows[COLUMN].notna()]
    if rows.empty:
        return pd.Series(dtype="boolean")
    return rows[COLUMN].astype(bool).groupby(_key(rows["customer_id"]).to_numpy()).all().astype("boolean")


def customer_consent(transactions: pd.DataFrame | None, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every known customer's marketing consent, from the orders and the customers table (see the module).

    transactions: orders with customer_id, timestamp and optionally marketing_consent; customers: optionally
    customer_id and marketing_consent. Either may be None. Returns one row per customer id found in either
    table (as spelled there): customer_id (string), marketing_consent (boolean: True, False or <NA> unknown).
    """
    ids, answers = [], []
    for table, read in ((transactions, _latest_from_orders), (customers, _from_customers)):
        if table is None or "customer_id" not in table:
            continue
        ids.append(table["customer_id"].dropna().astype("string"))
        if COLUMN in table:
            answers.append(read(table))
    if not ids:
        return pd.DataFrame({"customer_id": pd.array([], dtype="string"), COLUMN: pd.array([], dtype="boolean")})
    every = pd.concat(ids).drop_duplicates()
    keys = _key(every)
    if answers:
        both = pd.concat(answers, axis=1)
        refused = both.eq(False).any(axis=1)
        agreed = both.eq(True).any(axis=1)
        decided = pd.Series(pd.NA, index=both.index, dtype="boolean").mask(agreed, True).mask(refused, False)
    else:
        decided = pd.Series(dtype="boolean")
    consent = pd.array(keys.map(decided).to_numpy(), dtype="boolean")
    return pd.DataFrame({"customer_id": every.to_numpy(), COLUMN: consent}).reset_index(drop=True)


def with_consent(frame: pd.DataFrame, consent: pd.DataFrame) -> pd.DataFrame:
    """`frame` (with customer_id) plus its customers' `marketing_consent` from `customer_consent` (<NA> for a
    customer it does not know). Rows and their order are kept."""
    out = frame.drop(columns=[COLUMN], errors="ignore")
    out[COLUMN] = consent_for(out["customer_id"], consent).to_numpy()
    return out


def consent_for(ids, consent: pd.DataFrame) -> pd.Series:
    """Each of `ids`' marketing_consent from `customer_consent` (<NA> when unknown); indexed by `ids`."""
    answers = consent.assign(key=_key(consent["customer_id"])).drop_duplicates("key").set_index("key")[COLUMN]
    index = pd.Index(ids)
    values = _key(pd.Series(index.to_numpy(), dtype="string")).map(answers).to_numpy()
    return pd.Series(pd.array(values, dtype="boolean"), index=index, name=COLUMN)


def refused(consent: pd.Series) -> pd.Series:
    """True where the answer (from `consent_for`) is a no; unknown is not a refusal."""
    return consent.astype("boolean").eq(False).fillna(False).astype(bool)


def contactable(frame: pd.DataFrame, include_unknown: bool = False) -> pd.DataFrame:
    """The rows of `frame` (with `marketing_consent`, see `with_consent`) that may be contacted: consent yes,
    plus unknown when the owner chose to include them. A refusal is never contactable."""
    if COLUMN not in frame:
        return frame.iloc[0:0] if not include_unknown else frame
    return frame[frame[COLUMN].astype("boolean").fillna(include_unknown).astype(bool).to_numpy()]


class ConsentCounts(dict):
    """agreed, refused, unknown (customers of a frame), and recorded (True when the data holds any answer)."""


def consent_counts(frame: pd.DataFrame) -> ConsentCounts:
    """How many rows of `frame` (with `marketing_consent`) said yes, said no, or are unknown."""
    answer = (
        frame[COLUMN].astype("boolean") if COLUMN in frame else pd.Series(pd.NA, index=frame.index, dtype="boolean")
    )
    counts = ConsentCounts(
        agreed=int(answer.eq(True).sum()),
        refused=int(answer.eq(False).sum()),
        unknown=int(answer.isna().sum()),
    )
    counts["recorded"] = counts["agreed"] + counts["refused"] > 0
    return counts


def unknown_words(unknown: int, total: int, recorded: bool) -> str:
    """The sentence a page and the command line show when consent is unknown for some customers."""
    who = f"{unknown:,} of {total:,} customers" if unknown < total else f"all {total:,} customers"
    if recorded:
        return (
            f"Marketing consent is unknown for {who} (no yes or no is recorded for them). They are left out unless "
            "you include them; include them only if they agreed to hear from you."
        )
    return (
        f"Your data does not record marketing consent, so it is unknown for {who}. They are left out unless "
        "you include them. Map your file's consent column (e.g. 'Accepts Marketing') to 'marketing_consent', "
        "or add a customers table with a consent column, so that refusals are always left out."
    )
