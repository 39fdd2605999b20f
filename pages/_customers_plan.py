"""The Customers page's 'Marketing plan' tab: the email plan filtered by the owner, consent honoured, a control
group held back, exports for email tools, and recording a send (smbcore.campaigns)."""

import altair as alt
import pandas as pd
import streamlit as st

from pages._shared import (
    SAMPLE_CONSENT,
    active_workspace,
    consent_answers,
    currency,
    customer_analysis,
    include_unknown_consent_first,
    labels_for,
    load,
    marketing_plan,
    show_chart,
    show_table,
)
from smbcore import campaigns, overrides
from smbcore.consent import consent_counts, consent_for, contactable, refused, unknown_words
from smbcore.formatting import number, plural
from smbcore.labels import plain_frame
from smbcore.safety import csv_bytes, plain_text, visible_text
from smbcore.segments import NO_CONTACT

__all__ = ["plan_section"]


def plan_section() -> None:
    c = currency()
    plan = overrides.apply_overrides(marketing_plan(), active_workspace(), "marketing plan", "action")
    st.caption(
        "One action per customer: who to email, with which products, on which day and hour (when they "
        "usually buy). Customers who refused marketing are never on the list."
    )
    if plan["send_hour"].isna().all():
        st.caption("Your file has dates but no times of day, so the plan suggests a day to send, not an hour.")
    f1, f2, f3, f4 = st.columns(4)
    segments = f1.multiselect("Segments", sorted(plan["segment"].unique()), key="plan_segments")
    countries = f2.multiselect(
        "Countries",
        sorted(plan["country"].dropna().unique()) if "country" in plan else [],
        format_func=visible_text,
        key="plan_countries",
    )
    minimum = f3.number_input(f"Minimum net spend ({c})", min_value=0.0, value=0.0, step=50.0, key="plan_min")
    control = f4.slider(
        "Hold back as control",
        0,
        50,
        10,
        format="%d%%",
        key="plan_control",
        help="A random share of each action's customers is not contacted, so you can later "
        "measure what the emails changed.",
    )
    chosen = plan
    if segments:
        chosen = chosen[chosen["segment"].isin(segments)]
    if countries:
        chosen = chosen[chosen["country"].isin(countries)]
    chosen = chosen[chosen["monetary"] >= minimum]
    if (chosen["action"] != NO_CONTACT.name).sum() == 0:
        st.info(
            "None of these customers is worth an email now (each is long gone and below the median value). "
            + ("Widen the filters above to see others." if len(chosen) < len(plan) else "")
        )
        return
    chosen = consent_filter(chosen)
    if (chosen["action"] != NO_CONTACT.name).sum() == 0:  # consent unknown for all: said once, with the checkbox
        return
    counts = chosen["action"].value_counts().rename_axis("action").reset_index(name="customers")
    show_chart(
        alt.Chart(counts, title="Customers per action")
        .mark_bar(color="#1f6f8b")
        .encode(
            x=alt.X("customers:Q", title="Customers", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("action:N", sort="-x", title=None),
            tooltip=["action", "customers"],
        ),
        width="stretch",
    )
    assigned = campaigns.hold_out_control(chosen, control / 100, seed=len(chosen))
    sending = int((assigned["group"] == "send").sum())
    st.markdown(
        f"**{plural(sending, 'customer')} to email**, {number(len(assigned) - sending)} held back as control, "
        f"{number((chosen['action'] == NO_CONTACT.name).sum())} not worth contacting."
    )
    show_table(chosen, hide_index=True, width="stretch", height=320, column_config=labels_for(chosen))
    people = load("customers")
    no_address = campaigns.missing_emails(assigned, people)
    if no_address:
        st.warning(plain_text(no_address))
    d1, d2, d3, d4 = st.columns(4)
    for holder, tool, label in (
        (d1, "csv", "Email list (CSV)"),
        (d2, "mailchimp", "For Mailchimp"),
        (d3, "klaviyo", "For Klaviyo"),
    ):
        rows = campaigns.export_list(assigned, tool, people)
        data = csv_bytes(plain_frame(rows, c) if tool == "csv" else rows)
        holder.download_button(label, data, f"email_list_{tool}.csv", "text/csv", key=f"dl_plan_{tool}")
    d4.button(
        "Record this send",
        key="record_send",
        on_click=_record,
        args=(assigned,),
        help="Saves who was sent what and who was held back, so 'Did it work?' can measure it later.",
    )
    message = st.session_state.pop("record_message", None)
    if message:
        st.success(message)


def consent_filter(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan's rows that may be emailed: refusals are never in the plan; customers whose consent is unknown
    are left out unless the owner ticks the box. The page first says what the counts count (all customers,
    those worth contacting, refusals), then how many of those worth contacting have unknown consent; when
    that is all of them it says once that nobody can be emailed yet."""
    tx = load("transactions")
    buyers = tx["customer_id"].dropna().astype("string").unique()
    answers = consent_for(buyers, consent_answers())
    refusals, recorded = int(refused(answers).sum()), bool(answers.notna().any())
    analysed = len(customer_analysis().profile)
    whole = marketing_plan()
    worth = int((whole["action"] != NO_CONTACT.name).sum())
    filtered = (plan["action"] != NO_CONTACT.name).sum()
    st.caption(
        f"{number(worth)} of your {plural(analysed, 'customer')} with an order are worth contacting; "
        f"{number(len(whole) - worth)} get 'No contact' (long gone and below the median value)."
        + (f" The filters above keep {number(filtered)} of those worth contacting." if len(plan) < len(whole) else "")
    )
    if refusals:
        st.caption(f"{plural(refusals, 'customer')} who refused marketing are left out.")
    to_contact = plan[plan["action"] != NO_CONTACT.name]
    unknown = consent_counts(to_contact)["unknown"]
    include = False
    if unknown:
        nobody = unknown == len(to_contact)
        if include_unknown_consent_first():
            st.info(SAMPLE_CONSENT)
        else:
            st.warning(
                ("Nobody can be emailed yet. " if nobody else "") + unknown_words(unknown, len(to_contact), recorded)
            )
        include = st.checkbox(
            f"Include the {plural(unknown, 'customer')} whose consent is unknown",
            value=include_unknown_consent_first(),
            key="plan_unknown",
            help="Tick only if they agreed to hear from you (for example when they signed up in your shop).",
        )
    return contactable(plan, include)


def _record(assigned: pd.DataFrame) -> None:
    export_id = campaigns.record_send(active_workspace(), assigned)
    st.session_state["record_message"] = f"Recorded as {export_id}. Check 'Did it work?' once orders have come in."
