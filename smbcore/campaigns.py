"""Email lists that can learn: a random control group held back, exports for email tools, measured uplift."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd

from smbcore.errors import MissingTableError, SmbcoreError
from smbcore.segments import NO_CONTACT

__all__ = [
    "hold_out_control",
    "export_list",
    "email_addresses",
    "missing_emails",
    "measure_uplift",
    "record_send",
    "sends",
    "SENDS",
]

_Z95 = 1.96
SENDS = "campaign_lists"  # the workspace table of recorded sends


def hold_out_control(plan: pd.DataFrame, control_share: float = 0.10, seed: int = 0) -> pd.DataFrame:
    """Mark a random `control_share` of each action's customers as 'control' (never contacted).

    Takes the next_best_actions frame (customer_id, action, ...); rows with action 'No contact' stay out of
    both groups. Returns the contactable rows with an added column `group` ('send' or 'control').
    """
    if not 0 <= control_share < 1:
        raise SmbcoreError(
            f"The share held back as control must be from 0% to under 100%, not {control_share:.0%}: pick a "
            "smaller share (10% is usual)."
        )
    rng = np.random.default_rng(seed)
    rows = plan[plan["action"] != NO_CONTACT.name].copy()
    group = pd.Series("send", index=rows.index, dtype="string")
    for _, idx in rows.groupby("action").groups.items():
        n_control = int(round(len(idx) * control_share))
        group[rng.choice(np.asarray(idx), size=n_control, replace=False)] = "control"
    rows["group"] = group
    return rows.reset_index(drop=True)


def email_addresses(ids: pd.Series, customers: pd.DataFrame | None = None) -> pd.Series:
    """The e-mail address of each customer id ('' when unknown), index as `ids`: the id itself when it is an
    address, else a customers table's e-mail column (a column named like 'email' holding addresses)."""
    ids = ids.astype("string")
    found = ids.str.strip().where(ids.str.contains("@", regex=False).fillna(False))
    if customers is not None and "customer_id" in customers:
        for column in [c for c in customers.columns if "mail" in str(c).lower() and c != "customer_id"]:
            values = customers[column].astype("string").str.strip()
            book = values[values.str.contains("@", regex=False).fillna(False)]
            book.index = customers.loc[book.index, "customer_id"].astype("string")
            book = book[~book.index.duplicated()]
            found = found.fillna(ids.map(book))
    return found.fillna("").astype("string")


def missing_emails(assigned: pd.DataFrame, customers: pd.DataFrame | None = None) -> str | None:
    """The warning an email-tool export needs before download, or None when every customer to send to has an
    address: how many have none, and which column to map."""
    send = assigned[assigned["group"] == "send"] if "group" in assigned else assigned
    missing = int((email_addresses(send["customer_id"], customers) == "").sum())
    if not missing:
        return None
    return (
        f"{missing:,} of {len(send):,} customers have no e-mail address, so they are not in the Mailchimp and "
        "Klaviyo files: map the column holding e-mails as customer_id or add a customers table with an email "
        "column."
    )


def export_list(
    assigned: pd.DataFrame,
    tool: Literal["csv", "mailchimp", "klaviyo"] = "csv",
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows to send (group 'send') in the layout an email tool imports.

    assigned: hold_out_control's frame. Customers who refused marketing (marketing_consent False) are never
    exported, whatever the caller passed. csv: customer_id, email (when known), segment, action, product_ids,
    product_names, send_day, send_hour, churn_risk, expected_spend_90d, reason. mailchimp: 'Email Address',
    'Customer ID', 'Tags' (segment, action) and merge fields PRODUCTS, SENDDAY, SENDHOUR. klaviyo: 'Email',
    'External ID', 'Segment', 'Action', 'Products', 'Send Day', 'Send Hour'. E-mail addresses come from
    `email_addresses` (the id, or `customers`' email column); the email-tool files hold only customers with
    an address (see `missing_emails` for the warning).
    """
    send = assigned[assigned["group"] == "send"]
    if "marketing_consent" in send:
        send = send[send["marketing_consent"].astype("boolean").ne(False).fillna(True).to_numpy()]
    columns = [
        "customer_id",
        "segment",
        "action",
        "product_ids",
        "product_names",
        "send_day",
        "send_hour",
        "churn_risk",
        "expected_spend_90d",
        "reason",
    ]
    ids = send["customer_id"].astype("string")
    email = email_addresses(ids, customers)
    if tool == "csv":
        out = send[columns].reset_index(drop=True)
        if (email != "").any():
            out.insert(1, "email", email.to_numpy())
        return out
    has = (email != "").to_numpy()
    send, ids, email = send[has], ids[has], email[has]
    if tool == "mailchimp":
        return pd.DataFrame(
            {
                "Email Address": email,
                "Customer ID": ids,
                "Tags": send["segment"] + "," + send["action"],
                "PRODUCTS": send["product_names"],
                "SENDDAY": send["send_day"],
                "SENDHOUR": send["send_hour"],
            }
        ).reset_index(drop=True)
    return pd.DataFrame(
        {
            "Email": email,
            "External ID": ids,
            "Segment": send["segment"],
            "Action": send["action"],
            "Products": send["product_names"],
            "Send Day": send["send_day"],
            "Send Hour": send["send_hour"],
        }
    ).reset_index(drop=True)


def measure_uplift(
    assigned: pd.DataFrame, transactions: pd.DataFrame, sent_at: pd.Timestamp | str, days: int = 30
) -> pd.DataFrame:
    """How much more the contacted customers bought than the held-back control, per action and overall.

    `assigned` has customer_id, action, group; `transactions` holds the orders after the send. Returns
    columns: action, sent, control, bought_sent, bought_control, rate_sent, rate_control, uplift (difference
    of purchase rates), uplift_low, uplift_high (95% range), spend_per_sent, spend_per_control.
    """
    start = pd.Timestamp(sent_at)
    window = transactions[
        (transactions["timestamp"] >= start) & (transactions["timestamp"] < start + pd.Timedelta(days=days))
    ].dropna(subset=["customer_id"])
    sales = window[~window["is_return"]]
    bought = set(sales["customer_id"].astype(str))
    spend = window.groupby(window["customer_id"].astype(str))["revenue"].sum()
    frame = assigned.assign(customer_id=assigned["customer_id"].astype(str))
    frame["bought"] = frame["customer_id"].isin(bought)
    frame["spend"] = frame["customer_id"].map(spend).fillna(0.0)
    rows = []
    for action, part in [("All actions", frame), *frame.groupby("action")]:
        sent, control = part[part["group"] == "send"], part[part["group"] == "control"]
        p1 = sent["bought"].mean() if len(sent) else np.nan
        p0 = control["bought"].mean() if len(control) else np.nan
        se = np.sqrt(p1 * (1 - p1) / max(len(sent), 1) + p0 * (1 - p0) / max(len(control), 1))
        rows.append(
            {
                "action": action,
                "sent": len(sent),
                "control": len(control),
                "bought_sent": int(sent["bought"].sum()),
                "bought_control": int(control["bought"].sum()),
                "rate_sent": p1,
                "rate_control": p0,
                "uplift": p1 - p0,
                "uplift_low": p1 - p0 - _Z95 * se,
                "uplift_high": p1 - p0 + _Z95 * se,
                "spend_per_sent": sent["spend"].mean() if len(sent) else np.nan,
                "spend_per_control": control["spend"].mean() if len(control) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def record_send(workspace, assigned: pd.DataFrame, now: datetime | None = None) -> str:
    """Keep who was sent what and who was held back (hold_out_control's frame), so measure_uplift can check it
    later, and log the send; returns its id ('send-YYYYMMDD-HHMMSS').

    `workspace`: the data shown (a Workspace, or a SampleView, whose sends stay in the owner's own notes on
    that sample). Adds rows customer_id, segment, action, group, export_id, exported_at to the SENDS table."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    export_id = f"send-{now:%Y%m%d-%H%M%S}"
    rows = assigned[["customer_id", "segment", "action", "group"]].assign(export_id=export_id, exported_at=now)
    earlier = sends(workspace)
    if earlier is not None:
        rows = pd.concat([earlier, rows], ignore_index=True)
    workspace.save(SENDS, rows, source="marketing plan")
    workspace.log_decision(
        "marketing plan",
        export_id,
        "sent",
        action="email list exported",
        details={
            "send": int((assigned["group"] == "send").sum()),
            "control": int((assigned["group"] == "control").sum()),
        },
    )
    return export_id


def sends(workspace) -> pd.DataFrame | None:
    """The recorded sends of the data shown (see record_send), or None when none was recorded."""
    try:
        return workspace.load(SENDS)
    except MissingTableError:
        return None
