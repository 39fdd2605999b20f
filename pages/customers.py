"""Customers and recommendations: segments, churn risk, value, products for each customer, the email plan."""

import altair as alt
import pandas as pd
import streamlit as st

from pages._shared import (
    SAMPLE_CONSENT,
    active_source,
    active_workspace,
    all_recommendations,
    compute,
    currency,
    include_unknown_consent_first,
    labels_for,
    lazy_tabs,
    load,
    marketing_plan,
    money,
    needs_table,
    plain_errors,
    recommender,
    require_app,
    show_chart,
    show_table,
    source_label,
    table_with_download,
)
from smbcore import campaigns, overrides
from smbcore.consent import consent_counts, consent_for, contactable, customer_consent, refused, unknown_words
from smbcore.customers import SEGMENT_RULES, check_words
from smbcore.data import read_table
from smbcore.formatting import is_known, number, percent, plural
from smbcore.labels import plain_frame
from smbcore.safety import csv_bytes, plain_text, visible_text

require_app()

CANNOT_TELL = "can't tell yet"  # short enough for a metric box; the full sentence is shown beside it

st.title("Your customers")
st.caption(f"Showing: {source_label(active_source())}. Everything here is learned from these orders only.")

if not needs_table("transactions", "Customer figures come from order lines with a customer id.", key="cust_tx"):
    st.stop()


def segments_section() -> None:
    c = currency()
    analysis = compute("transactions", "customers.analyse")
    prof, check = analysis.profile, analysis.check
    for note in analysis.notes:
        st.info(plain_text(note))
    if "churn_auc" in check:
        cols = st.columns(3)
        churn_words, spend_words = check_words(check, c)
        cols[0].metric(
            "Churn model check (AUC)",
            number(check["churn_auc"], 2) if check["churn_tells"] else CANNOT_TELL,
            help=churn_words,
        )
        cols[1].metric(
            "90-day spend: average miss per customer",
            money(check["spend_mae"], c),
            delta="closer than 'same as last 90 days'"
            if check["spend_beats_naive"]
            else "no closer than 'same as last 90 days'",
            delta_color="normal" if check["spend_beats_naive"] else "off",
            help=spend_words,
        )
        cols[2].metric("Bought again in those 90 days", percent(check["actual_repeat_rate"]))
        if not check["churn_tells"]:
            st.caption(f"Churn model: your data cannot tell yet who will stop buying. {churn_words}")
        st.caption(spend_words)
        st.caption(
            f"How sure: the models learned from the 90 days after {check['trained_on_cutoff']:%d %b %Y} and were "
            f"checked on the 90 days after {check['checked_from']:%d %b %Y}, which they had not seen."
        )

    summary = (
        prof.groupby("segment")
        .agg(customers=("frequency", "size"), revenue=("monetary", "sum"), churn_risk=("churn_risk", "mean"))
        .reset_index()
    )
    order = [name for name, _ in SEGMENT_RULES]
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(summary, title="Customers per segment")
        .mark_bar(color="#1f6f8b")
        .encode(
            x=alt.X("customers:Q", title="Customers", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("segment:N", sort=order, title=None),
            tooltip=["segment", "customers"],
        ),
        width="stretch",
    )
    right.altair_chart(
        alt.Chart(summary, title=f"Net spend per segment ({c})")
        .mark_bar(color="#8b5a1f")
        .encode(
            x=alt.X("revenue:Q", title=f"Net spend to date ({c})"),
            y=alt.Y("segment:N", sort=order, title=None),
            tooltip=["segment", alt.Tooltip("revenue:Q", format=",.0f")]
            + ([alt.Tooltip("churn_risk:Q", format=".0%")] if summary["churn_risk"].notna().any() else []),
        ),
        width="stretch",
    )
    with st.expander("How each segment is defined"):
        st.caption(
            "Each customer gets 1-5 for how recently (R), how often (F) and how much (M) they bought, by "
            "fifths of all customers (5 = best fifth). The first rule that fits names the segment."
        )
        show_table(pd.DataFrame(SEGMENT_RULES, columns=["Segment", "Rule"]), hide_index=True, width="stretch")
    shown = prof.reset_index()[
        [
            "customer_id",
            "segment",
            "recency_days",
            "frequency",
            "monetary",
            "churn_risk",
            "expected_spend_90d",
            "r_score",
            "f_score",
            "m_score",
        ]
    ]
    if prof["churn_risk"].isna().all():  # the churn model did not run or cannot tell: no per-customer risk
        shown = shown.drop(columns="churn_risk")
    shown = overrides.apply_overrides(shown, active_workspace(), "segments", "segment")
    table_with_download(
        shown.round({"recency_days": 0, "monetary": 2, "expected_spend_90d": 2, "churn_risk": 3}),
        "customers.csv",
        key="dl_customers",
        column_config={
            "recency_days": st.column_config.NumberColumn("Days since last order", format="%.0f"),
            "frequency": st.column_config.NumberColumn("Orders"),
            "monetary": st.column_config.NumberColumn(f"Net spend ({c})", format="%.0f"),
            "churn_risk": st.column_config.ProgressColumn(
                "Risk of no order in 90 days", format="percent", min_value=0.0, max_value=1.0
            ),
            "expected_spend_90d": st.column_config.NumberColumn(f"Expected spend, next 90 days ({c})", format="%.0f"),
            "customer_id": "Customer",
            "segment": "Segment",
        },
    )


def lookup_section() -> None:
    c = currency()
    prof = compute("transactions", "customers.analyse").profile
    ids = prof.sort_values("monetary", ascending=False).index.tolist()
    customer = st.selectbox(
        "Customer (largest spend first; type to search)", ids, format_func=visible_text, key="lookup_customer"
    )
    if customer is None:
        return
    row = prof.loc[customer]
    cols = st.columns(5)
    cols[0].metric("Segment", row["segment"])
    cols[1].metric("Orders", number(row["frequency"]))
    cols[2].metric("Net spend", money(row["monetary"], c))
    cols[3].metric("Last order", f"{plural(row['recency_days'], 'day')} ago")
    cols[4].metric("Risk of no order in 90 days", percent(row["churn_risk"], unknown=CANNOT_TELL))
    if not is_known(row["churn_risk"]):
        st.caption("Risk of no order: your data cannot tell yet who will stop buying (see 'Segments and risk').")
    tx = load("transactions")
    mine = tx[tx["customer_id"] == customer]
    orders = mine.groupby("order_id").agg(date=("timestamp", "min"), value=("revenue", "sum")).reset_index()
    show_chart(
        alt.Chart(orders, title=f"Orders of customer {customer} ({c})")
        .mark_circle(size=80)
        .encode(
            x=alt.X("date:T", title="Order date"),
            y=alt.Y("value:Q", title=f"Order value ({c})"),
            color=alt.condition(alt.datum.value < 0, alt.value("#c0392b"), alt.value("#1f6f8b")),
            tooltip=["order_id", "date", alt.Tooltip("value:Q", format=",.2f")],
        ),
        width="stretch",
    )
    only_new = st.toggle("Only products new to this customer", key="lookup_new")
    recs = recommender().recommend([customer], k=10, exclude_purchased=only_new)
    st.markdown("**Suggested products, and why**")
    shown = recs[["rank", "product_id", "product_name", "reason"]]
    show_table(shown, hide_index=True, width="stretch", column_config=labels_for(shown))


def recommendations_section() -> None:
    left, right = st.columns([2, 1])
    mode = left.radio(
        "Suggest", ["Re-buys and new products", "Only products new to them"], horizontal=True, key="recs_mode"
    )
    k = right.slider("Products per customer", 1, 20, 10, key="recs_k")
    recs = all_recommendations(k, mode.startswith("Only"))
    st.caption(f"{recs['customer_id'].nunique():,} customers, {len(recs):,} suggestions.")
    table_with_download(recs, "recommendations.csv", key="dl_recs", height=360)
    st.subheader("Frequently bought together")
    model = recommender()
    top = compute("transactions", "overview.top_products", "buyers", 200)
    labels = dict(zip(top["product_id"], top["product_name"], strict=True))
    product = st.selectbox(
        "Product", list(labels), format_func=lambda p: visible_text(f"{labels[p]} ({p})"), key="together"
    )
    together = model.similar(product, k=10)
    if together.empty:
        st.info("Too few orders with this product to say what goes with it.")
    else:
        table_with_download(
            together,
            f"bought_together_{product}.csv",
            key="dl_together",
            column_config={
                "orders_together": "Orders with both",
                "share": st.column_config.NumberColumn("Share", format="percent"),
                "score": st.column_config.NumberColumn("Times more often than chance", format="%.1f"),
            },
        )


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
    if (chosen["action"] != "No contact").sum() == 0:
        st.info(
            "None of these customers is worth an email now (each is long gone and below the median value). "
            + ("Widen the filters above to see others." if len(chosen) < len(plan) else "")
        )
        return
    chosen = consent_filter(chosen)
    if (chosen["action"] != "No contact").sum() == 0:  # consent unknown for all: said once, with the checkbox
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
        f"{number((chosen['action'] == 'No contact').sum())} not worth contacting."
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
    answers = consent_for(buyers, customer_consent(tx, load("customers")))
    refusals, recorded = int(refused(answers).sum()), bool(answers.notna().any())
    analysed = len(compute("transactions", "customers.analyse").profile)
    whole = marketing_plan()
    worth = int((whole["action"] != "No contact").sum())
    filtered = (plan["action"] != "No contact").sum()
    st.caption(
        f"{number(worth)} of your {plural(analysed, 'customer')} with an order are worth contacting; "
        f"{number(len(whole) - worth)} get 'No contact' (long gone and below the median value)."
        + (f" The filters above keep {number(filtered)} of those worth contacting." if len(plan) < len(whole) else "")
    )
    if refusals:
        st.caption(f"{plural(refusals, 'customer')} who refused marketing are left out.")
    to_contact = plan[plan["action"] != "No contact"]
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


def learn_section() -> None:
    sends = campaigns.sends(active_workspace())
    if sends is None:
        st.info(
            "No send recorded yet. On 'Marketing plan', download a list and press 'Record this send'. After "
            "the campaign, upload the new orders on 'Your data' and come back here."
        )
        return
    export_id = st.selectbox("Send", sorted(sends["export_id"].unique(), reverse=True), key="learn_export")
    chosen = sends[sends["export_id"] == export_id]
    sent_at = pd.Timestamp(chosen["exported_at"].iloc[0])
    days = st.slider("Count orders within this many days of the send", 7, 90, 30, key="learn_days")
    upload = st.file_uploader(
        "Orders since the send (CSV or Excel; leave empty to use your saved orders)",
        type=["csv", "txt", "tsv", "gz", "xlsx"],
        key="learn_orders",
    )
    orders = load("transactions")
    if upload is not None:
        result = read_table(upload.getvalue(), "transactions", name=upload.name)
        if not result.ok:
            st.error(
                "That file cannot be read as orders: "
                + plain_text(" ".join(result.report.query("level in ['error', 'question']")["message"]))
                + " Fix it and upload it again."
            )
            return
        orders = result.frame
        st.caption(f"Using {len(orders):,} order lines from {plain_text(upload.name)}.")
    result = campaigns.measure_uplift(chosen, orders, sent_at, days)
    overall = result.iloc[0]
    if overall["control"] == 0:
        st.warning("This send had no control group, so its effect cannot be measured.")
    st.markdown(
        f"Of the emailed customers **{overall['rate_sent']:.1%}** bought within {days} days, against "
        f"**{overall['rate_control']:.1%}** of the control group: a difference of "
        f"**{overall['uplift']:+.1%}** (95% range {overall['uplift_low']:+.1%} to {overall['uplift_high']:+.1%})."
    )
    table_with_download(result, f"uplift_{export_id}.csv", key="dl_uplift")


SECTIONS = {
    "Segments and risk": (segments_section, "working out your customer segments"),
    "Look up a customer": (lookup_section, "looking up the customer"),
    "Recommendations": (recommendations_section, "working out recommendations"),
    "Marketing plan": (plan_section, "building the marketing plan"),
    "Did it work?": (learn_section, "measuring the campaign"),
}
KEPT = ("lookup_customer", "lookup_new", "recs_mode", "recs_k", "together", "plan_segments", "plan_countries",
        "plan_min", "plan_control", "plan_unknown", "learn_export", "learn_days")  # fmt: skip
for label, tab in lazy_tabs(list(SECTIONS), "customers_tab", KEPT).items():
    if tab.open:
        section, what = SECTIONS[label]
        with tab, plain_errors(what):
            section()
