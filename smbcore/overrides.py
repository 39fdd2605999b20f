"""Contest and override: anyone affected can contest a decision; the owner reviews it and may override it.
Every step is an append-only row of the workspace's decisions log (who, when, what, why), and overrides
apply to every download of the decisions they change."""

from __future__ import annotations

import pandas as pd

from smbcore.errors import DecisionLogError

__all__ = [
    "contest",
    "override",
    "overrides",
    "apply_overrides",
    "open_contests",
    "equal_share_key",
    "NO_CONTEST_REASON",
    "NO_OVERRIDE_REASON",
]

NO_CONTEST_REASON = "Say why the decision is contested: the log keeps the reason. Nothing was recorded."
NO_OVERRIDE_REASON = "Say why the decision is overridden: the log keeps the reason. Nothing was changed."


def equal_share_key(source: str) -> str:
    """The setting, in the owner's own workspace, naming the column whose groups the contact list gives the same
    share (empty: none), for the data `source` ('own' or a sample's name; each owner has their own). One key for
    two pages on purpose: the Fairness page sets it, the Marketing page applies it to the list it shows and
    downloads. The choice itself is also logged as a 'mitigation' decision of the data shown."""
    return f"targeting_equal_share:{source}"


def contest(workspace, model: str, subject: str, reason: str, raised_by: str = "customer") -> int:
    """Record that `subject` (e.g. a customer id) contests `model`'s decision about them, and why."""
    if not reason.strip():
        raise DecisionLogError(NO_CONTEST_REASON)
    return workspace.log_decision(model, str(subject), "contested", reason=reason.strip(), decided_by=raised_by)


def override(workspace, model: str, subject: str, action: str, reason: str, decided_by: str = "owner") -> int:
    """Replace `model`'s decision about `subject` with `action` (e.g. 'contact', 'do not contact', a segment)."""
    if not reason.strip():
        raise DecisionLogError(NO_OVERRIDE_REASON)
    return workspace.log_decision(model, str(subject), "override", action=action, reason=reason.strip(),
                                  decided_by=decided_by)  # fmt: skip


def overrides(workspace, model: str) -> pd.DataFrame:
    """The latest override per subject for `model`: subject, action, reason, decided_by, logged_at."""
    log = workspace.decisions()
    log = log[(log["model"] == model) & (log["decision"] == "override")]
    latest = log.sort_values("id").groupby("subject").tail(1)
    return latest[["subject", "action", "reason", "decided_by", "logged_at"]].reset_index(drop=True)


def open_contests(workspace) -> pd.DataFrame:
    """Contests not yet followed by an override or a 'kept' review of the same model and subject."""
    log = workspace.decisions()
    contests = log[log["decision"] == "contested"]
    answered = log[log["decision"].isin(["override", "kept"])]
    last_answer = answered.groupby(["model", "subject"])["id"].max()
    keys = list(zip(contests["model"], contests["subject"], strict=True))
    still_open = [last_answer.get(k, -1) < i for k, i in zip(keys, contests["id"], strict=True)]
    return contests[still_open].reset_index(drop=True)


def apply_overrides(frame: pd.DataFrame, workspace, model: str, column: str, key: str = "customer_id") -> pd.DataFrame:
    """`frame` with `column` replaced by the owner's override wherever there is one, plus `overridden`
    (True/False) and `override_reason`. Subjects are matched on `key`."""
    latest = overrides(workspace, model).set_index("subject")
    out = frame.copy()
    if latest.empty:
        return out.assign(overridden=False, override_reason="")
    ids = out[key].astype(str)
    hit = ids.isin(latest.index)
    if column in out and pd.api.types.is_bool_dtype(out[column]):
        replaced = ids[hit].map(latest["action"]).map({"contact": True, "do not contact": False})
        out[column] = out[column].astype(object)
        out.loc[hit, column] = replaced.to_numpy()
        out[column] = out[column].astype(bool)
    elif column in out and pd.api.types.is_numeric_dtype(out[column]):  # e.g. people on a shift
        replaced = pd.to_numeric(ids[hit].map(latest["action"]), errors="coerce")
        out[column] = out[column].astype(float)
        out.loc[hit, column] = replaced.fillna(out.loc[hit, column]).to_numpy()
    else:
        out[column] = (
            out[column].astype("string") if column in out else pd.Series(pd.NA, index=out.index, dtype="string")
        )
        out.loc[hit, column] = ids[hit].map(latest["action"]).astype("string").to_numpy()
    out["overridden"] = hit.to_numpy()
    out["override_reason"] = ids.map(latest["reason"].astype("string")).fillna("").to_numpy()
    return out
