"""Customers and recommendations: segments, churn risk, value, products for each customer, the email plan."""

import altair as alt
import pandas as pd
import streamlit as st

from pages._cached import top_products
from pages._customers_plan import plan_section
from pages._shared import (
    active_source,
    active_workspace,
    all_recommendations,
    currency,
    customer_analysis,
    labels_for,
    lazy_tabs,
    load,
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
from smbcore.customers import check_words, segment_summary
from smbcore.data import read_table
from smbcore.formatting import is_known, number, percent, plural
from smbcore.safety import plain_text, visible_text
from smbcore.segments import SEGMENT_NAMES, SEGMENTS

require_app()

CANNOT_TELL = "can't tell yet"  # short enough for a metric box; the full sentence is shown beside it

st.title("Your customers")
st.caption(f"Showing: {source_label(active_source())}. Everything here is learned from these orders only.")

if not needs_table("transactions", "Customer figures come from order lines with a customer id.", key="cust_tx"):
    st.stop()


def segments_section() -> None:
    c = currency()
    analysis = customer_analysis()
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
            f"How sure: the models learned only from what customers did up to {check['checked_from']:%d %b %Y} "
            f"and were checked on the 90 days after it, which they had not seen."
        )

    summary = segment_summary(prof)
    left, right = st.columns(2)
    left.altair_chart(
        alt.Chart(summary, title="Customers per segment")
        .mark_bar(color="#1f6f8b")
        .encode(
            x=alt.X("customers:Q", title="Customers", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("segment:N", sort=SEGMENT_NAMES, title=None),
            tooltip=["segment", "customers"],
        ),
        width="stretch",
    )
    right.altair_chart(
        alt.Chart(summary, title=f"Net spend per segment ({c})")
        .mark_bar(color="#8b5a1f")
        .encode(
            x=alt.X("revenue:Q", title=f"Net spend to date ({c})"),
            y=alt.Y("segment:N", sort=SEGMENT_NAMES, title=None),
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
        rules = pd.DataFrame({"Segment": SEGMENT_NAMES, "Rule": [rule.words for rule in SEGMENTS]})
        show_table(rules, hide_index=True, width="stretch")
    shown = prof.reset_index()[
        [
            "customer_id",
            "segment",
            "recency_days",
            "frequency",
            "monetary",
            "churn_risk",
            "chance_active",
            "expected_orders_90d",
            "expected_spend_90d",
            "expected_spend_365d",
            "r_score",
            "f_score",
            "m_score",
        ]
    ]
    if prof["churn_risk"].isna().all():  # the churn model did not run or cannot tell: no per-customer risk
        shown = shown.drop(columns="churn_risk")
    shown = overrides.apply_overrides(shown, active_workspace(), "segments", "segment")
    table_with_download(
        shown.round(
            {
                "recency_days": 0,
                "monetary": 2,
                "expected_spend_90d": 2,
                "expected_spend_365d": 2,
                "expected_orders_90d": 1,
                "churn_risk": 3,
                "chance_active": 3,
            }
        ),
        "customers.csv",
        key="dl_customers",
        column_config={
            "recency_days": st.column_config.NumberColumn("Days since last order", format="%.0f"),
            "frequency": st.column_config.NumberColumn("Orders"),
            "monetary": st.column_config.NumberColumn(f"Net spend ({c})", format="%.0f"),
            "churn_risk": st.column_config.ProgressColumn(
                "Risk of no order in 90 days", format="percent", min_value=0.0, max_value=1.0
            ),
            "chance_active": st.column_config.ProgressColumn(
                "Chance of ordering in the next 12 months",
                format="percent",
                min_value=0.0,
                max_value=1.0,
                help="How likely this customer orders at least once in the next 12 months, from how often and how "
                "recently they bought.",
            ),
            "expected_orders_90d": st.column_config.NumberColumn("Expected orders, next 90 days", format="%.1f"),
            "expected_spend_90d": st.column_config.NumberColumn(f"Expected spend, next 90 days ({c})", format="%.0f"),
            "expected_spend_365d": st.column_config.NumberColumn(
                f"Expected spend, next 12 months ({c})", format="%.0f"
            ),
            "customer_id": "Customer",
            "segment": "Segment",
        },
    )


def lookup_section() -> None:
    c = currency()
    prof = customer_analysis().profile
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
    top = top_products("buyers", 200)
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
