"""The Fairness page's 'Contest and override' and 'Data ethics' tabs: record a contest, answer it with a
real choice of the decision's own (smbcore.segments.override_choices), the log, and erasing a customer."""

import streamlit as st

from pages._shared import active_source, active_workspace, forget_cached, own_workspace, table_with_download
from smbcore import overrides
from smbcore.errors import SmbcoreError
from smbcore.formatting import plural
from smbcore.safety import plain_text
from smbcore.segments import override_choices

__all__ = ["MODELS", "contest_tab", "ethics_tab"]

MODELS = {
    "targeting": "Who to contact (Marketing page)",
    "marketing plan": "Email plan actions (Customers page)",
    "segments": "Customer segment labels (Customers page)",
    "rota": "Staff rota (Plan page)",
}


def _record_contest() -> None:
    """Form callback (runs before the page, so the click is never lost)."""
    state = st.session_state
    subject, reason = state.get("contest_subject", "").strip(), state.get("contest_reason", "").strip()
    if not subject or not reason:
        state["contest_message"] = ("warning", "Say about whom or what, and why.")
        return
    overrides.contest(
        active_workspace(), state["contest_model"], subject, reason, state.get("contest_by") or "customer"
    )
    state["contest_message"] = ("success", "Recorded. Review it below.")


def _answer(row_id: int, model: str, subject: str, keep: bool) -> None:
    state = st.session_state
    why, who = state.get(f"ov_why_{row_id}", "").strip(), state.get(f"ov_by_{row_id}") or "owner"
    if not why:
        state["contest_message"] = ("warning", "Say why: the log keeps the reason.")
        return
    if keep:
        active_workspace().log_decision(model, subject, "kept", reason=why, decided_by=who)
    else:
        overrides.override(active_workspace(), model, subject, state[f"ov_action_{row_id}"], why, who)
    state["contest_message"] = ("success", f"{'Kept' if keep else 'Overridden'}: {subject}. The log has it.")


def contest_tab() -> None:
    workspace = active_workspace()
    st.markdown("**Record a contest**: a customer left out of an offer, a segment label, a staffing cut.")
    with st.form("contest_form", clear_on_submit=True):
        c1, c2 = st.columns(2)
        c1.selectbox("Which decision", list(MODELS), format_func=MODELS.get, key="contest_model")
        c2.text_input("About whom or what (customer id, or date and shift)", key="contest_subject")
        st.text_area("Their reason", key="contest_reason")
        st.text_input("Raised by", value="customer", key="contest_by")
        st.form_submit_button("Record the contest", on_click=_record_contest)
    if message := st.session_state.pop("contest_message", None):
        (st.success if message[0] == "success" else st.warning)(plain_text(message[1]))
    pending = overrides.open_contests(workspace)
    st.markdown(f"**Open contests: {len(pending)}**")
    for row in pending.itertuples():
        with st.expander(
            f"{MODELS.get(row.model, row.model)}: {plain_text(row.subject)} ({row.logged_at:%d %b %Y %H:%M})"
        ):
            st.markdown(f"Reason given: {plain_text(row.reason)} (raised by {plain_text(row.decided_by)})")
            c1, c2 = st.columns(2)
            c1.selectbox("New decision", override_choices(row.model), key=f"ov_action_{row.id}")
            c2.text_input("Decided by", value="owner", key=f"ov_by_{row.id}")
            st.text_input("Why", key=f"ov_why_{row.id}")
            b1, b2 = st.columns(2)
            args = (int(row.id), row.model, row.subject)
            b1.button("Override", key=f"ov_apply_{row.id}", on_click=_answer, args=(*args, False))
            b2.button("Keep the decision", key=f"ov_keep_{row.id}", on_click=_answer, args=(*args, True))
    st.markdown("**The decisions log** (append-only: nothing in it is ever changed or removed)")
    log = workspace.decisions()
    table_with_download(log, "decisions_log.csv", key="dl_log", label="Download the log (CSV)", height=300)


def ethics_tab() -> None:
    st.markdown(
        """
**What data is used for what**
- Orders: sales figures, forecasts, stock and staff plans, customer segments, churn risk, recommendations.
- Website visits: which pages and sources lead to purchases.
- A past campaign: who is likely to respond next time.
- Customer attributes such as age, gender or marital status: **only** to check that decisions treat groups
  fairly. They are not used to decide unless you switch that on, and the page then warns you.

**What is never done**: no data leaves this app; nothing is sold or shared; no decision with legal or
similarly significant effects (credit, pricing for one person, hiring) should be based on these models.

**Removing a customer's data**: the customer's rows are deleted from every saved table in one step (campaign
lists included); wherever the decisions log named them, it now shows a made-up name ('erased-' and 12 letters and
digits that cannot be traced back); the log records that a deletion happened, how many rows and why, but not who;
figures worked out before are thrown away, and the file is rewritten so no old copy of the customer remains.
"""
    )
    if active_source() != "own":
        st.caption("Deleting works on your own saved data; the samples cannot be changed.")
        return
    with st.form("forget_form", clear_on_submit=True):
        st.text_input("Customer id to delete", key="forget_id")
        st.text_input("Why (e.g. 'asked to be forgotten')", key="forget_why")
        st.checkbox("I understand this cannot be undone", key="forget_sure")
        st.form_submit_button("Delete this customer's data", on_click=_forget)
    if message := st.session_state.pop("forget_message", None):
        {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}[message[0]](
            plain_text(message[1])
        )


def _forget() -> None:
    state = st.session_state
    who = state.get("forget_id", "").strip()
    if not who or not state.get("forget_sure"):
        state["forget_message"] = ("warning", "Give the customer id and tick the box to confirm.")
        return
    try:
        removed = own_workspace().forget_customer(who, reason=state.get("forget_why", ""))
    except SmbcoreError as exc:  # e.g. the disk is full: the message says what was done and what to do
        state["forget_message"] = ("error", str(exc))
        return
    finally:
        forget_cached()
    if removed:
        state["forget_message"] = (
            "success",
            "Deleted: " + ", ".join(f"{plural(n, 'row')} from {t.replace('_', ' ')}" for t, n in removed.items()) + ".",
        )
    else:
        state["forget_message"] = ("info", f"No saved table has rows for customer '{who}'.")
