"""Marketing: who to contact. A response model learned from the shop's own past campaign (or orders, or
website visits), its held-out quality in words, and the contact list for a budget, with overrides applied."""

import altair as alt
import pandas as pd
import streamlit as st

from pages._shared import (
    SAMPLE_CONSENT,
    active_source,
    active_workspace,
    consent_answers,
    currency,
    current_model,
    include_unknown_consent_first,
    labels_for,
    money,
    own_workspace,
    plain_errors,
    require_app,
    show_chart,
    show_table,
    source_label,
    version,
)
from smbcore import fairness, overrides
from smbcore.consent import consent_counts, contactable, unknown_words, with_consent
from smbcore.formatting import number, percent, plural
from smbcore.labels import feature_words, plain_frame, plain_name
from smbcore.safety import csv_bytes, plain_text, visible_text
from smbcore.selection import TOP_SHARE
from smbcore.targeting import ORDERS_SOURCE, RULE_WORDS, VISITS_SOURCE

require_app()

st.title("Marketing: who to contact")
st.caption(f"Showing: {source_label(active_source())}.")


def page() -> None:
    if not any(version(t) for t in ("campaigns", "transactions", "sessions")):
        st.info("Targeting needs a past campaign, orders or website visits. Add one on 'Your data' or pick a sample.")
        return
    base, now, source = current_model()
    if source == ORDERS_SOURCE:
        st.markdown(
            f"Learned from **{source}**: the {plural(base.rows, 'customer')} who had ordered before those 90 days. "
            f"It scores all {plural(len(now), 'customer')} who have ordered so far."
        )
    elif source == VISITS_SOURCE:
        st.markdown(f"Learned from **{source}** ({plural(base.rows, 'visit')}); the list ranks those visits.")
    else:
        st.markdown(
            f"Learned from **{source}** ({plural(base.rows, 'past contact')}); the list below ranks "
            f"{plural(len(now), 'person', 'people')}."
        )
    with st.expander("Which columns the model uses, and which it leaves out", expanded=False):
        candidates = [c for c in now.columns if c not in ("customer_id",)]
        sensitive = st.multiselect(
            "Sensitive attributes (kept for the fairness check, not used to decide)",
            candidates,
            default=[c for c in base.sensitive if c in candidates],
            format_func=visible_text,
            key="tg_sensitive",
        )
        exclude = st.multiselect("Leave out as well", candidates, format_func=visible_text, key="tg_exclude")
        use_sensitive = st.toggle(
            "Use the sensitive attributes to decide (not recommended)", False, key="tg_use_sensitive"
        )
    model, now, _ = current_model(sensitive, exclude, use_sensitive)
    show_table(
        pd.DataFrame(
            {"column": [plain_name(c) for c in model.left_out], "why it is left out": list(model.left_out.values())}
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "column": "Column",
            "why it is left out": st.column_config.TextColumn("Why it is left out", width="large"),
        },
    )
    if use_sensitive:
        show_sensitive_change(base, model, now)
    quality(model)
    drift = model.drift(now)
    large = drift[drift["size"] == "large"]
    if len(large):
        st.warning(
            "The customers scored now differ a lot from those the model learned from in: "
            + ", ".join(large["input"].head(5).map(feature_words))
            + ". Treat the chances as a ranking, not as exact odds, and check the results after sending."
        )
    contact_list(model, now)


def quality(model) -> None:
    q = model.evaluate()
    gains = q["gains"]
    at20 = float(gains.loc[gains["contacted"].round(2) == TOP_SHARE, "responders_reached"].iloc[0])
    range_words = (
        f"95% range {number(q['auc_low'], 2)} to {number(q['auc_high'], 2)}"
        if q["tells"] or pd.notna(q["auc_low"])
        else "too few checked rows for a range"
    )
    if not q["tells"]:
        st.info(
            f"Your data cannot tell yet who responds: on rows the model did not learn from its ranking scored "
            f"{number(q['auc'], 2)} ({range_words}; 0.5 is a coin toss). So the list below does not rank on it: "
            f"it follows a stated rule ({RULE_WORDS}), and everyone's chance is the rate seen so far, "
            f"{percent(q['train_rate'], 1)}."
        )
        return
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        "Ranking quality (ROC AUC)", number(q["auc"], 2), help=f"0.5 is a coin toss, 1 is perfect; {range_words}."
    )
    m2.metric("Average precision", number(q["average_precision"], 2))
    m3.metric("Top 10% respond", f"{number(q['lift_top10'], 1)}x as often")
    m4.metric(f"Responders in the top {TOP_SHARE:.0%}", percent(at20))
    st.caption(
        f"Checked on rows the model did not learn from ({q['split']}). Contacting the top {TOP_SHARE:.0%} reaches "
        f"{percent(at20)} of those who respond. Response rate when it learned: {percent(q['train_rate'], 1)}; in "
        f"the checked rows: {percent(q['test_rate'], 1)}; the model expected {percent(q['predicted_rate'], 1)}."
    )
    chart = (
        alt.Chart(gains.assign(random=gains["contacted"]))
        .transform_fold(["responders_reached", "random"], as_=["line", "value"])
        .mark_line(point=True)
        .encode(
            x=alt.X("contacted:Q", title="Share of customers contacted, best first", axis=alt.Axis(format="%")),
            y=alt.Y("value:Q", title="Share of responders reached", axis=alt.Axis(format="%")),
            color=alt.Color(
                "line:N",
                title=None,
                scale=alt.Scale(domain=["responders_reached", "random"], range=["#1f6f8b", "#bbbbbb"]),
                legend=alt.Legend(labelExpr="datum.label == 'random' ? 'At random' : 'By the model'"),
            ),
        )
        .properties(title="Gains: how many responders the top of the list reaches", height=280)
    )
    show_chart(chart, width="stretch")


def show_sensitive_change(base, model, now) -> None:
    before, after = base.evaluate()["auc"], model.evaluate()["auc"]
    a, b = base.top_share(now), model.top_share(now)
    moved = len(set(a.loc[a["contact"], "customer_id"]) ^ set(b.loc[b["contact"], "customer_id"])) // 2
    st.warning(
        f"Using {plain_text(', '.join(model.sensitive))} to decide changes the ranking quality from {number(before, 3)} to "
        f"{number(after, 3)} "
        f"and swaps {moved:,} of the top {TOP_SHARE:.0%} for others. Check the Fairness page before using this list."
    )


def contact_list(model, now) -> None:
    st.subheader("Who to contact")
    c = currency()
    c1, c2, c3 = st.columns(3)
    budget = c1.number_input(f"Budget ({c})", 0.0, 1e8, 500.0, 50.0, key="tg_budget")
    cost = c2.number_input(f"Cost per contact ({c})", 0.01, 1000.0, 1.0, 0.1, key="tg_cost")
    value = c3.number_input(f"Value of a response ({c})", 0.0, 1e6, 30.0, 5.0, key="tg_value")
    equal_by = own_workspace().setting(overrides.equal_share_key(active_source()))
    groups = None
    if equal_by and equal_by in now:
        groups = fairness.age_band(now[equal_by]) if equal_by.lower() == "age" else now[equal_by].astype("string")
        st.info(
            f"As chosen on the Fairness page, the list contacts the same share of every {plain_text(equal_by)} group."
        )
    eligible = consent_filter(now)
    if eligible.empty:  # consent unknown for everyone: the warning above says so once, with the checkbox
        return
    chosen = model.select(eligible, budget, cost, value, equal_share_by=groups)
    chosen = overrides.apply_overrides(chosen, active_workspace(), "targeting", "contact")
    contacted = chosen[chosen["contact"]]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Customers to contact", f"{len(contacted):,}")
    m2.metric("Expected responses", number(contacted["probability"].sum()))
    m3.metric("Expected value", money(contacted["expected_value"].sum(), c))
    m4.metric("Cost", money(len(contacted) * cost, c))
    if chosen["overridden"].any():
        st.caption(f"{int(chosen['overridden'].sum())} decisions changed by you on the Fairness page are applied.")
    show_table(
        chosen,
        hide_index=True,
        width="stretch",
        height=360,
        column_config=labels_for(chosen)
        | {
            "customer_id": "Customer",
            "probability": st.column_config.NumberColumn("Chance of responding", format="percent"),
            "expected_value": st.column_config.NumberColumn(f"Expected value ({c})", format="%.2f"),
            "rank": "Rank",
            "contact": "Contact",
            "overridden": "Changed by you",
            "override_reason": "Why",
        },
    )
    st.download_button(
        f"Download the contact list: the {len(contacted):,} customers to contact (CSV)",
        csv_bytes(plain_frame(contacted.drop(columns=["contact"]), c)),
        "contact_list.csv",
        "text/csv",
        key="dl_contact_list",
    )


def consent_filter(now: pd.DataFrame) -> pd.DataFrame:
    """The rows that may be contacted: never a customer who refused marketing; customers whose consent is
    unknown only when the owner ticks the box (the page says how many)."""
    if "customer_id" not in now:
        return now
    answers = consent_answers()
    marked = with_consent(now, answers)
    counts = consent_counts(marked)
    if counts["refused"]:
        st.caption(f"{counts['refused']:,} customers who refused marketing are left out.")
    include = False
    if counts["unknown"]:
        recorded = bool(answers["marketing_consent"].notna().any())
        nobody = counts["unknown"] == len(marked)
        if include_unknown_consent_first():
            st.info(SAMPLE_CONSENT)
        else:
            st.warning(
                ("Nobody can be contacted yet. " if nobody else "")
                + unknown_words(counts["unknown"], len(marked), recorded)
            )
        include = st.checkbox(
            f"Include the {plural(counts['unknown'], 'customer')} whose consent is unknown",
            value=include_unknown_consent_first(),
            key="tg_unknown",
            help="Tick only if they agreed to hear from you.",
        )
    return contactable(marked, include).drop(columns=["marketing_consent"])


with plain_errors("learning who to contact"):
    page()
