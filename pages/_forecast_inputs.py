"""The Forecast page's inputs: which history (table, measure, level, period, one-off orders), the holiday
country, the outside factors, the owner's own events and the what-if changes. Not a page (starts with '_')."""

import json
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from pages._shared import (
    OWN,
    active_source,
    active_workspace,
    cached_on,
    currency,
    edit_table,
    load,
    money,
    own_workspace,
    version,
)
from smbcore import forecast as fc
from smbcore import overview
from smbcore.data import SAMPLES
from smbcore.safety import visible_text

# smbcore's figures on the orders shown, cached per content version (pages/_cached.py).
one_off_orders = cached_on("transactions")(overview.one_off_orders)
sales_history = cached_on("transactions")(fc.sales_history)

__all__ = ["Choice", "choose_history", "holiday_country", "outside_factors", "own_events", "what_if"]

MEASURES = {"revenue": "Net revenue", "orders": "Orders", "units": "Units sold"}
LEVELS = {
    "Whole shop": None,
    "Per store": "store_id",
    "Per country (top 10)": "country",
    "Top 10 products": "product_id",
}
TABLE_CHOICE = {"transactions": "Your orders (transactions)", "demand": "Your daily or weekly totals (demand)"}


@dataclass
class Choice:
    """What the owner chose to forecast."""

    history: pd.DataFrame  # series_id, date, y
    freq: str
    unit: str
    transactions: pd.DataFrame | None  # the orders the history comes from (None for daily totals)
    by: str | None  # the column series are split by (store_id lets per-store factors line up)
    is_money: bool


def choose_table() -> str | None:
    """Which saved table the forecast uses: the only one, or, when both orders and daily totals are saved, the
    owner's choice (kept in session state; the most recently saved one until they choose)."""
    tables = [t for t in TABLE_CHOICE if version(t) is not None]
    if len(tables) < 2:
        return tables[0] if tables else None
    saved = active_workspace().catalog().set_index("name")["saved_at"]
    newest = max(tables, key=lambda t: saved.get(t))
    return st.radio(
        "Forecast from",
        tables,
        index=tables.index(newest),
        format_func=TABLE_CHOICE.get,
        horizontal=True,
        key="fc_table",
        help="Both your orders and your daily totals are saved. The most recently saved one is chosen first.",
    )


def one_offs_choice() -> bool:
    """Whether one-off bulk orders count in the forecast: left out unless the owner includes them (the rule:
    overview.one_off_orders, the same the health check reports)."""
    orders, limit, typical = one_off_orders()
    if orders.empty:
        return False
    c = currency()
    sales = orders[~orders["is_return"].astype(bool)]
    if len(orders) == 1:
        row = orders.iloc[0]
        what = "one refund" if row["is_return"] else "one order"
        about = f"{what} of {money(row['value'], c)} on {row['day'].day} {row['day']:%B %Y}"
        it = "it"
    else:
        refunds = len(orders) - len(sales)
        about = f"{len(sales)} orders" + (f" and {refunds} refunds" if refunds else "")
        about += f" of over {money(limit, c)} each (largest {money(orders['value'].max(), c)})"
        it = "them"
    holder = st.empty()  # the sentence goes above its checkbox, so the box's label reads after what it is about
    include = st.checkbox(f"Include {it} in the forecast", False, key="fc_one_offs")
    verdict = "included, as you chose" if include else "left out, so a one-off does not drive the forecast"
    holder.caption(
        f"{about[0].upper()}{about[1:]}: far larger than usual (a typical order is {money(typical, c)}), {verdict}."
    )
    return include


def choose_history() -> Choice | None:
    """What to forecast, from the widgets and the active data (forecast.sales_history); None when there is no
    sales history."""
    table = choose_table()
    if table == "transactions":
        tx = load("transactions")
        c1, c2, c3 = st.columns(3)
        measure = c1.selectbox("Forecast", list(MEASURES), format_func=MEASURES.get, key="fc_measure")
        levels = [k for k, v in LEVELS.items() if v is None or v in tx]
        level = c2.selectbox("For", levels, format_func=visible_text, key="fc_level")
        period = c3.segmented_control("Per", ["Day", "Week"], default="Day", key="fc_period") or "Day"
        freq = "D" if period == "Day" else "W"
        include = one_offs_choice()
        history = sales_history(measure, LEVELS[level], freq, include_one_offs=include)
        unit = f"{MEASURES[measure]} ({currency()})" if measure == "revenue" else MEASURES[measure]
        freq = fc.infer_freq(history["date"]) if freq == "W" else freq
        return Choice(history, freq, unit, tx, LEVELS[level], measure == "revenue")
    if table == "demand":
        history = fc.sales_history(load("demand"))
        return Choice(history, fc.infer_freq(history["date"]), f"Sales ({currency('demand')})", None, None, False)
    return None


def holiday_country(choice: Choice) -> str:
    """The country whose public holidays the forecast uses (fc.shop_country: the owner's answer, the orders'
    country or currency), asked once and kept in the workspace settings. When nothing tells, no public
    holidays are used (never another country's) and the page says so and asks."""
    workspace = active_workspace()
    own = active_source() == OWN
    table = "transactions" if choice.transactions is not None else "demand"
    settings = {"country": workspace.setting("country"), "currency": currency(table)}
    if not own:
        settings["country"] = settings["country"] or SAMPLES.get(active_source(), {}).get("country")
    found = fc.shop_country(choice.transactions, settings)
    typed = st.text_input(
        "Public holidays of",
        value=found or "",
        key="fc_country",
        placeholder="your country, e.g. DE, US, FR",
        help="Your shop's country, as a name or code such as GB, US, DE, FR. Leave empty for none. "
        "It is kept for next time.",
    ).strip()
    if own and typed and fc.country_code(typed) and fc.country_code(typed) != found:
        workspace.set_setting("country", fc.country_code(typed))
    if found is None and not typed:
        st.caption(
            "Nothing in your data says which country your shop is in (no country column, and the currency is "
            "used in several countries), so no public holidays are used. Type your country above to use its "
            "holidays; it is kept for next time."
        )
    return typed


def outside_factors(by: str | None) -> tuple[pd.DataFrame | None, list[str]]:
    """The owner's outside-factor table (numeric factors only) and the factors they offer to the forecast.
    Per-store factors line up with per-store series; otherwise they are averaged over stores by date."""
    external = load("external") if version("external") is not None else None
    if external is None:
        return None, []
    numeric = [
        c for c in external.columns if c not in ("date", "store_id") and pd.api.types.is_numeric_dtype(external[c])
    ]
    offered = st.multiselect(
        "Outside factors to consider", numeric, default=numeric, format_func=visible_text, key="fc_factors"
    )
    if not offered:
        return None, []
    keep = ["date", *offered]
    if "store_id" in external and by == "store_id":
        return external[["store_id", *keep]].rename(columns={"store_id": "series_id"}), offered
    return external[keep], offered


def own_events() -> list[pd.Timestamp]:
    """The owner's own events (promotions, closures, fairs), kept in their workspace between visits."""
    workspace = own_workspace()
    saved = pd.DataFrame(json.loads(workspace.setting("events", "[]") or "[]"), columns=["date", "what"])
    saved["date"] = pd.to_datetime(saved["date"], errors="coerce")
    with st.expander(f"Your own events ({len(saved)} saved): promotions, closures, fairs"):
        st.caption(
            "Add the dates of your past and planned events. Once a past event is in the history, the forecast "
            "learns what such an event did and applies it to the planned ones."
        )
        edited = edit_table(
            saved,
            num_rows="dynamic",
            key="fc_events",
            column_config={
                "date": st.column_config.DateColumn("Date", required=True),
                "what": st.column_config.TextColumn("What (e.g. summer sale)"),
            },
            width="stretch",
        )
    edited = edited.dropna(subset=["date"])
    if _events_json(edited) != _events_json(saved.dropna(subset=["date"])):
        workspace.set_setting("events", _events_json(edited))
    return [pd.Timestamp(d) for d in edited["date"]]


def _events_json(events: pd.DataFrame) -> str:
    return json.dumps(
        [
            {"date": pd.Timestamp(d).strftime("%Y-%m-%d"), "what": "" if pd.isna(w) else str(w)}
            for d, w in events[["date", "what"]].itertuples(index=False)
        ]
    )


def what_if(external, event_future, used, future_dates, freq) -> tuple:
    """Scenario sliders. Returns (future factor values or None, (promotion date, lift %) or None)."""
    shiftable = fc.changeable(used)
    st.markdown("**What if?**")
    future_external = event_future
    if shiftable:
        st.caption(
            "Change the outside factors over the forecast period. Without a change they are the seasonal "
            "average for factors like weather and the last value for the rest, as the download says."
        )
        columns = st.columns(min(len(shiftable), 3))
        shifts = {
            factor: columns[i % len(columns)].slider(
                f"{fc.factor_label(factor, True)}: change by",
                -5 * step,
                5 * step,
                0.0,
                step / 10,
                key=f"fc_shift_{factor}",
            )  # fmt: skip
            for i, (factor, step) in enumerate(fc.factor_steps(external, shiftable).items())
        }
        assumed = fc.future_values(external, shiftable, future_dates, freq)
        with st.expander("Or type the future values yourself (for example from a weather forecast)"):
            typed = edit_table(
                assumed.assign(**{f: assumed[f] + shift for f, shift in shifts.items()}),
                key="fc_future_table",
                hide_index=True,
                disabled=["date"],
                column_config={"date": st.column_config.DateColumn("Date", format="ddd D MMM YYYY")}
                | {f: st.column_config.NumberColumn(fc.factor_label(f)) for f in shiftable},
                width="stretch",
            )
        future_external = fc.future_after_what_if(assumed, typed, event_future)
    c1, c2 = st.columns(2)
    label = "%d %b %Y" if freq == "D" else "week of %d %b %Y"
    options = [None, *future_dates]
    when = c1.selectbox(
        "Plan a promotion in",
        options,
        format_func=lambda d: "No promotion" if d is None else d.strftime(label),
        key="fc_promo_when",
    )
    lift = c2.slider(
        "Extra sales it brings (%)",
        0,
        200,
        20,
        5,
        key="fc_promo_lift",
        help="Your own estimate. Past promotions entered under 'Your own events' teach the forecast their effect.",
        disabled=when is None,
    )
    return future_external, ((when, lift) if when is not None and lift else None)
