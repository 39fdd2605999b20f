"""Fairness and transparency: a card for every model, why a decision came out as it did, who ends up on each
list by group, a mitigation whose cost is shown, contest and override with a kept log, and data ethics."""

import altair as alt
import pandas as pd
import streamlit as st

from pages._fairness_contest import contest_tab, ethics_tab
from pages._shared import (
    active_source,
    active_workspace,
    cached_on,
    currency,
    current_model,
    customer_analysis,
    input_importance,
    lazy_tabs,
    load,
    marketing_plan,
    own_workspace,
    plain_errors,
    recommender,
    require_app,
    show_chart,
    show_table,
    source_label,
    table_with_download,
    version,
)
from smbcore import customers, explain, fairness, overrides, recipes, recommend, targeting
from smbcore.formatting import number, percent, plural
from smbcore.labels import feature_words, plain_name, value_words
from smbcore.safety import csv_bytes, plain_text, visible_text
from smbcore.selection import TOP_SHARE
from smbcore.targeting import sensitive_columns

# smbcore's held-out checks on the orders shown, cached per content version (pages/_cached.py).
held_out_check = cached_on("transactions")(recommend.held_out_check)
held_out_churn = cached_on("transactions")(customers.held_out_churn)
# Of the targeting model as first fitted (current_model()): stored by the refresh.
targeting_audit = cached_on(every_table=True)(recipes.targeting_audit)
targeting_mitigation = cached_on(every_table=True)(recipes.targeting_mitigation)
contact_list = cached_on(every_table=True)(recipes.contact_list)
contact_threshold = cached_on(every_table=True)(recipes.contact_threshold)

require_app()

st.title("Fairness and transparency")
st.caption(
    f"Showing: {source_label(active_source())}. Every model here explains itself, is checked for unequal "
    "treatment, and any decision can be contested and overridden, with the record kept."
)


GROUP_COLUMNS = {
    "attribute": "Attribute",
    "group": "Group",
    "size": st.column_config.NumberColumn("People", format="%d"),
    "selection_rate": st.column_config.NumberColumn("Contacted", format="percent"),
    "selection_low": st.column_config.NumberColumn("range from", format="percent"),
    "selection_high": st.column_config.NumberColumn("to", format="percent"),
    "true_positive_rate": st.column_config.NumberColumn("Responders contacted", format="percent"),
    "false_positive_rate": st.column_config.NumberColumn("Non-responders contacted", format="percent"),
    "precision": st.column_config.NumberColumn("Contacted who responded", format="percent"),
}
ACTION_COLUMNS = {
    "attribute": "Attribute",
    "action": "Action",
    "group": "Group",
    "customers": "Customers",
    "share": st.column_config.NumberColumn("Share", format="percent"),
    "share_low": st.column_config.NumberColumn("range from", format="percent"),
    "share_high": st.column_config.NumberColumn("to", format="percent"),
}


def targeting_model():
    if any(version(t) for t in ("campaigns", "transactions", "sessions")):
        return current_model()
    return None


def cards_tab() -> None:
    models, facts = {}, {}
    found = targeting_model()
    if found:
        models["targeting"] = found[0]
    if version("transactions"):
        models["customers"] = customer_analysis()
        models["recommendations"] = recommender()
        facts["recommendations"] = {"quality": recommend.check_words(held_out_check())}
        models["forecast"] = "forecast"
        models["allocation"] = "allocation"
    if version("demand"):
        models["forecast"] = "forecast"
    if not models:
        st.info("No model runs on this data yet.")
        return
    labels = {"purpose": "What it is for", "learned_from": "What it learned from", "inputs": "Inputs used",
              "left_out": "Left out", "quality": "Checked quality", "limits": "Known limits",
              "not_for": "Must not be used for"}  # fmt: skip
    for name, model in models.items():
        card = explain.model_card(model, **facts.get(name, {}))
        with st.expander(card["name"], expanded=len(models) == 1):  # one model: show its card at once
            for key, label in labels.items():
                st.markdown(f"**{label}.** {plain_text(card[key])}")
    cards = csv_bytes(explain.model_cards(models, facts))
    st.download_button("Download the model cards (CSV)", cards, "model_cards.csv", "text/csv", key="dl_cards")


def plan_decision() -> None:
    """One customer's email-plan action (from their segment) and what would change it."""
    analysis = customer_analysis()
    profile = analysis.profile
    st.markdown("**One customer's email-plan action**")
    who = st.selectbox(
        "Customer", profile.index.astype(str).tolist()[:5000], format_func=visible_text, key="why_plan_customer"
    )
    row = profile.loc[who]
    risk = percent(row["churn_risk"], unknown="")
    st.markdown(
        f"Customer {plain_text(who)} is **{row['segment']}**: last order {plural(row['recency_days'], 'day')} ago, "
        f"{plural(row['frequency'], 'order')}"
        + (
            f". Churn model (Customers page): chance of **no** order in the next 90 days **{risk}**."
            if risk
            else ". Your data cannot tell yet who will stop buying, so the action follows the segment rules alone."
        )
    )
    if few := customers.few_customers_words(len(profile)):
        st.caption(few)
    changes = customers.what_would_change(profile, who)
    if changes:
        st.markdown("**What would change it:** " + "; or ".join(plain_text(f"{who} {c}") for c in changes) + ".")


def why_tab() -> None:
    if version("transactions"):
        plan_decision()
    found = targeting_model()
    if not found:
        st.info("Explanations need a response model: a past campaign, orders or website visits.")
        return
    model, now, source = found
    if not model.tells:
        quality = model.evaluate()
        st.info(
            "Your data cannot tell yet who responds: on the rows the model did not learn from, its ranking scored "
            f"{number(quality['auc'], 2)} (95% range {number(quality['auc_low'], 2)} to "
            f"{number(quality['auc_high'], 2)}; 0.5 is a coin toss). So the contact list follows a stated rule "
            f"({targeting.RULE_WORDS}), and there is no model decision to explain per customer."
        )
        return
    st.markdown("**What matters most overall** (how much the ranking quality drops when an input is scrambled)")
    table = input_importance()  # of the model above: the targeting model as first fitted
    table = table.assign(input=table["input"].map(plain_name))
    chart = (
        alt.Chart(table.head(12))
        .mark_bar(color="#1f6f8b")
        .encode(
            x=alt.X("auc_drop:Q", title="Drop in ranking quality (ROC AUC) when scrambled"),
            y=alt.Y("input:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=[alt.Tooltip("input:N", title="Input"), alt.Tooltip("auc_drop:Q", title="Drop", format=".3f")],
        )
        .properties(title="Inputs that matter most to who is contacted", height=26 * min(len(table), 12) + 40)
    )
    show_chart(chart, width="stretch")
    st.markdown("**One decision**")
    ids = now["customer_id"].astype(str).tolist()
    who = st.selectbox("Customer", ids[:5000], format_func=visible_text, key="why_customer")
    row = now[now["customer_id"].astype(str) == who].head(1)
    threshold = contact_threshold()
    p = float(model.score(row).iloc[0])
    on_list = p >= threshold
    parts = explain.explain(model, row).sort_values("contribution")
    up = [feature_words(c) for c in parts[parts["contribution"] > 0.05].tail(3)["input"].tolist()[::-1]]
    down = [feature_words(c) for c in parts[parts["contribution"] < -0.05].head(3)["input"].tolist()]
    st.markdown(
        f"Response model (Marketing page), {targeting.OUTCOME_WORDS.get(source, 'chance of responding')}: "
        f"**{percent(p)}**. "
        f"{'On' if on_list else 'Not on'} a list of the top {TOP_SHARE:.0%} (which starts at {percent(threshold)}). Pushed up "
        f"most by {plain_text(', '.join(up)) or 'nothing much'}; pushed down most by "
        f"{plain_text(', '.join(down)) or 'nothing much'}."
    )
    if version("transactions"):
        st.caption(
            "The churn model above and this response model are two different models, learned in different ways "
            "from the same orders, so their chances for one customer need not add up to 100%. The email plan "
            "uses the churn model; the Marketing page's contact list uses the response model."
        )
    c = currency()
    shown_values = [value_words(i, v, c) for i, v in zip(parts["input"], parts["value"], strict=True)]
    chart = (
        alt.Chart(
            parts.assign(
                value=shown_values, contribution=parts["contribution"].round(3), input=parts["input"].map(plain_name)
            )
        )
        .mark_bar()
        .encode(
            x=alt.X("contribution:Q", title="Effect on the chance (log-odds; right = more likely)"),
            y=alt.Y("input:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.condition("datum.contribution > 0", alt.value("#1f6f8b"), alt.value("#c0392b")),
            tooltip=[
                alt.Tooltip("input:N", title="Input"),
                alt.Tooltip("value:N", title="This customer"),
                alt.Tooltip("contribution:Q", title="Effect", format=".2f"),
            ],  # fmt: skip
        )
        .properties(title=f"What pushed customer {who}'s chance up or down, against an average customer", height=320)
    )
    show_chart(chart, width="stretch")
    changes = explain.what_would_change(model, row, threshold, c)
    if changes:
        st.markdown("**What would change it:** " + "; or ".join(plain_text(f"{who} {c}") for c in changes) + ".")
    else:
        st.markdown("**What would change it:** no single realistic change of one input flips this decision.")


def bias_tab() -> None:
    shown = customer_models_bias()
    found = targeting_model()
    model, now = (found[0], found[1]) if found else (None, None)
    sensitive = [c for c in model.sensitive if c in model.holdout] if model else []
    if not sensitive:
        if not shown:
            st.info(
                "This data has no sensitive attributes (age, gender, marital status...) to check against. If your "
                "customers table has them, save it on 'Your data'; you can also mark any column as sensitive on "
                "the Marketing page."
            )
        return
    targeting_bias(model, now, sensitive)


def customer_models_bias() -> bool:
    """The churn model and the email plan, by group, when the customers table has sensitive attributes."""
    if not (version("transactions") and version("customers")):
        return False
    people = load("customers")
    sensitive = sensitive_columns(people.columns)
    if not sensitive:
        return False
    if customer_analysis().profile["churn_risk"].notna().any():
        churn_by_group(people, sensitive)
    else:
        st.markdown(
            "**Churn model**: not used on this data (too little history, or it cannot tell yet who will stop "
            "buying), so nobody is flagged by it."
        )
    plan = overrides.apply_overrides(marketing_plan(), active_workspace(), "marketing plan", "action")
    table = fairness.action_audit(plan, people, sensitive)
    st.markdown("**Email plan: who gets which action** (the plan as downloaded, overrides included), by group")
    for words in table.drop_duplicates(["attribute", "action"])["words"].head(8):
        st.markdown(f"- {plain_text(words)}")
    table_with_download(table.drop(columns="words"), "plan_actions_by_group.csv", key="dl_plan_groups",
                        column_config=ACTION_COLUMNS)  # fmt: skip
    return True


def churn_by_group(people: pd.DataFrame, sensitive: list[str]) -> None:
    """Who the churn model flags 'at risk', by group (only when the model is used on this data)."""
    report = fairness.churn_audit(held_out_churn(), people, sensitive)
    if report is None:
        return
    st.markdown(
        f"**Churn model: who is flagged 'at risk'** (the riskiest {TOP_SHARE:.0%}, scored 90 days before the last order and "
        "checked against who then did not buy), by group"
    )
    for column, words in report.words.items():
        st.markdown(f"- **{plain_text(column)}**: {plain_text(words.replace('selected', 'flagged at risk'))}")
    table_with_download(report.by_group, "churn_by_group.csv", key="dl_churn_groups", column_config=GROUP_COLUMNS
                        | {"selection_rate": st.column_config.NumberColumn("Flagged at risk", format="percent"),
                           "true_positive_rate": st.column_config.NumberColumn("Leavers flagged", format="percent"),
                           "false_positive_rate": st.column_config.NumberColumn("Stayers flagged", format="percent"),
                           "precision": st.column_config.NumberColumn("Flagged who left", format="percent")})  # fmt: skip


def targeting_bias(model, now, sensitive) -> None:
    if not model.tells:
        st.markdown(
            f"**Who to contact**: your data cannot tell yet who responds, so the list follows a stated rule "
            f"({targeting.RULE_WORDS}) rather than the model. Who that rule puts on the list, by group:"
        )
        actions_by_group(model, now, sensitive)
        return
    st.markdown(f"**Who the model would contact** (top {TOP_SHARE:.0%}, on rows it did not learn from), by group")
    report = targeting_audit(tuple(sensitive))  # fairness.audit of this model, stored (pages/_cached.py)
    for column, words in report.words.items():
        st.markdown(f"- **{plain_text(column)}**: {plain_text(words)}")
    table_with_download(report.by_group, "fairness_by_group.csv", key="dl_fair_groups", column_config=GROUP_COLUMNS)
    st.caption(
        "Ranges are 95% ranges: a small group's rate is uncertain. Demographic parity difference (the gap in "
        "contact rates) and equalized odds difference (the gap in rates among responders and non-responders): "
        + "; ".join(
            f"{plain_text(r.attribute)} {number(r.demographic_parity_difference, 2)} and {number(r.equalized_odds_difference, 2)}"
            for r in report.differences.itertuples()
        )
        + ". Under 0.05 is small, over 0.2 large."
    )
    st.markdown("**Make it fairer, knowing the cost**")
    column = st.selectbox("Equalise contact rates across", sensitive, format_func=visible_text, key="fair_mitigate_by")
    result = targeting_mitigation(column)
    trade = result["tradeoff"]
    if result["not_fitted"]:
        st.caption(plain_text(result["not_fitted"]))
    show_table(
        trade,
        hide_index=True,
        width="stretch",
        column_config={
            "version": "Version",
            "selected": "Contacted",
            "responders_reached": "Responders reached",
            "precision": st.column_config.NumberColumn("Contacted who responded", format="percent"),
            "gap": st.column_config.NumberColumn("Gap in contact rates", format="%.3f"),
        },
    )
    same = trade.iloc[1]
    ranked = trade.iloc[0]
    st.markdown(
        f"Contacting the same number with the same share of every {plain_text(column)} group cuts the gap from "
        f"{number(ranked['gap'], 2)} to {number(same['gap'], 2)} and reaches "
        f"{number(ranked['responders_reached'] - same['responders_reached'])} fewer responders "
        f"({number(ranked['responders_reached'])} against {number(same['responders_reached'])})."
    )
    key = overrides.equal_share_key(active_source())
    workspace = own_workspace()
    chosen = workspace.setting(key) == column
    if st.toggle(
        f"Use the same share of every {plain_text(column)} group on the Marketing page's list", chosen, key="fair_apply"
    ):
        if not chosen:
            workspace.set_setting(key, column)
            active_workspace().log_decision("targeting", "all customers", "mitigation", f"same share per {column}",
                                            reason="chosen on the Fairness page")  # fmt: skip
    elif chosen:
        workspace.set_setting(key, "")
        active_workspace().log_decision("targeting", "all customers", "mitigation", "none",
                                        reason="switched off on the Fairness page")  # fmt: skip
    actions_by_group(model, now, sensitive)


def actions_by_group(model, now, sensitive) -> None:
    """Bias checks of actions: who is on the downloaded contact list, by group."""
    chosen = overrides.apply_overrides(contact_list(), active_workspace(), "targeting", "contact")
    table = fairness.contact_audit(chosen, now[["customer_id", *[c for c in sensitive if c in now]]])
    if table is None:
        return
    st.markdown("**Who ends up on the contact list** (all customers, the list as downloaded, overrides included)")
    for words in table[table["action"] == "contact"].drop_duplicates("attribute")["words"]:
        st.markdown(f"- {plain_text(words)}")
    table_with_download(table.drop(columns="words"), "actions_by_group.csv", key="dl_actions_groups",
                        column_config=ACTION_COLUMNS)  # fmt: skip


TABS = {"Model cards": cards_tab, "Why this decision": why_tab, "Bias checks": bias_tab,
        "Contest and override": contest_tab, "Data ethics": ethics_tab}  # fmt: skip
KEPT = ("why_plan_customer", "why_customer", "fair_mitigate_by", "contest_model", "contest_subject", "contest_reason",
        "contest_by", "forget_id", "forget_why", "forget_sure")  # fmt: skip
with plain_errors("checking fairness"):
    for label, tab in lazy_tabs(list(TABS), "fairness_tab", KEPT).items():
        if tab.open:
            with tab:
                TABS[label]()
