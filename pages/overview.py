"""Overview: how the shop is doing, from its orders and its website visits."""

import altair as alt
import streamlit as st

from pages._cached import cached_on, top_products
from pages._errors import plain_errors
from pages._signin import require_app
from pages._source import active_source, currency, load, needs_table, source_label
from pages._tables import money, show_chart, table_with_download
from smbcore import browsing, formatting, overview
from smbcore.safety import plain_text
from smbcore.timing import has_times

require_app()

# smbcore's figures on the data shown, cached per content version of the table they read (pages/_cached.py).
kpis = cached_on("transactions")(overview.kpis)
sales_over_time = cached_on("transactions")(overview.sales_over_time)
new_vs_returning = cached_on("transactions")(overview.new_vs_returning)
sales_by_country = cached_on("transactions")(overview.sales_by_country)
orders_by_weekday_hour = cached_on("transactions")(overview.orders_by_weekday_hour)
orders_by_weekday = cached_on("transactions")(overview.orders_by_weekday)

st.title("How your shop is doing")
st.caption(f"Showing: {source_label(active_source())}. Change it in the sidebar.")

sales_tab, visits_tab = st.tabs(["Sales and customers", "Website visits"])


def sales_section() -> None:
    c = currency()
    k = kpis()
    st.caption(f"Orders from {k['first_date']:%d %b %Y} to {k['last_date']:%d %b %Y}.")
    cols = st.columns(6)
    cols[0].metric(
        "Net revenue",
        money(k["net_revenue"], c, compact=True),
        help=f"Sales minus returns and cancellations: {money(k['net_revenue'], c)}.",
    )
    cols[1].metric("Orders", f"{k['orders']:,}")
    if k["customers"]:
        cols[2].metric("Customers", f"{k['customers']:,}", help="Customers with an id who bought at least once.")
        repeat = f"{k['repeat_rate']:.0%}"
        cols[4].metric("Repeat customers", repeat, help="Share of customers who ordered twice or more.")
    else:
        why = "Your file has no customer ids, so customers cannot be counted. Map a customer column on 'Your data'."
        cols[2].metric("Customers", "—", help=why)
        cols[4].metric("Repeat customers", "—", help=why)
    cols[3].metric(
        "Average order",
        formatting.money(k["avg_order_value"], c, decimals=2 if k["avg_order_value"] < 100 else 0, compact=True),
        help=f"Sales value per order: {c}{k['avg_order_value']:,.2f}.",
    )
    if not k["customers"]:
        st.caption("— : your file has no customer ids, so customers and repeat customers cannot be counted.")
    if k["returns_value"] > 0:
        cols[5].metric(
            "Returns",
            f"{k['returns_share']:.1%}",
            help=f"{money(k['returns_value'], c)} returned or cancelled, as a share of sales.",
        )
    else:
        cols[5].metric("Returns", "0%", help="No returns or cancellations recorded in this file.")

    st.subheader("Sales over time")
    freq_label = st.segmented_control("Add up by", ["Day", "Week", "Month"], default="Week", key="overview_freq")
    freq = {"Day": "D", "Week": "W", "Month": "M"}[freq_label or "Week"]
    over_time = sales_over_time(freq)
    chart = (
        alt.Chart(over_time, title=f"Net revenue per {(freq_label or 'Week').lower()} ({c})")
        .mark_bar(color="#1f6f8b")
        .encode(
            x=alt.X(
                "period_start:T",
                title=(freq_label or "Week") + " starting",
                axis=alt.Axis(format=_date_format(over_time["period_start"])),
            ),
            y=alt.Y("net_revenue:Q", title=f"Net revenue ({c})"),
            tooltip=[
                alt.Tooltip("period_start:T", title="Starting"),
                alt.Tooltip("net_revenue:Q", title=f"Net revenue ({c})", format=",.0f"),
                alt.Tooltip("orders:Q", title="Orders"),
                alt.Tooltip("returns:Q", title=f"Returns ({c})", format=",.0f"),
            ],
        )
    )
    show_chart(chart, width="stretch")
    best = over_time.loc[over_time["net_revenue"].idxmax()]
    st.caption(
        f"Best {(freq_label or 'week').lower()}: starting {best['period_start']:%d %b %Y}, "
        f"{money(best['net_revenue'], c)} from {best['orders']:,} orders."
    )
    with st.expander("The numbers behind this chart"):
        table_with_download(
            over_time, f"sales_per_{freq_label.lower() if freq_label else 'week'}.csv", key="dl_sales_over_time"
        )

    st.subheader("What sells")
    left, right = st.columns(2)
    by_revenue = top_products("revenue", 10)
    by_buyers = top_products("buyers", 10)
    with left:
        show_chart(
            alt.Chart(by_revenue, title=f"Top 10 products by net revenue ({c})")
            .mark_bar(color="#1f6f8b")
            .encode(
                x=alt.X("revenue:Q", title=f"Net revenue ({c})"),
                y=alt.Y("product_name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
                tooltip=["product_id", "product_name", alt.Tooltip("revenue:Q", format=",.0f"), "units", "buyers"],
            ),
            width="stretch",
        )
        table_with_download(by_revenue, "top_products_by_revenue.csv", key="dl_top_revenue")
    with right:
        if not k["customers"]:
            st.markdown("**Top 10 products by number of customers**")
            st.info(
                "This needs customer ids, which your file does not have. Map a customer column on 'Your data' "
                "to see which products the most different customers buy."
            )
        else:
            top_by_buyers(by_buyers)
    st.caption("Postage, fees and manual adjustments are not counted as products.")

    st.subheader("Who buys")
    newret = new_vs_returning()
    if newret.empty:
        st.caption("New and returning customers need customer ids, which your file does not have.")
    else:
        long = newret.melt("month", ["new_customers", "returning_customers"], var_name="kind", value_name="customers")
        long["kind"] = long["kind"].map({"new_customers": "New", "returning_customers": "Returning"})
        show_chart(
            alt.Chart(long, title="New and returning customers per month")
            .mark_bar()
            .encode(
                x=alt.X("yearmonth(month):O", title="Month"),
                y=alt.Y("customers:Q", title="Customers who ordered"),
                color=alt.Color("kind:N", title="Customer", scale=alt.Scale(range=["#e39b2d", "#1f6f8b"])),
                tooltip=[alt.Tooltip("yearmonth(month):O", title="Month"), "kind", "customers"],
            ),
            width="stretch",
        )
        st.caption(
            "A customer is 'new' in the month of their first order in your data, so the first month "
            "counts everyone as new."
        )
    left, right = st.columns(2)
    with left:
        countries = sales_by_country()
        show_chart(
            alt.Chart(countries, title=f"Net sales by country ({c})")
            .mark_bar(color="#1f6f8b")
            .encode(
                x=alt.X("revenue:Q", title=f"Sales ({c})"),
                y=alt.Y("country:N", sort="-x", title=None),
                tooltip=[
                    "country",
                    alt.Tooltip("revenue:Q", format=",.0f"),
                    "orders",
                    "customers",
                    alt.Tooltip("share_of_revenue:Q", format=".1%", title="Share"),
                ],
            ),
            width="stretch",
        )
        table_with_download(countries, "sales_by_country.csv", key="dl_countries")
    with right:
        if has_times(load("transactions")["timestamp"]):
            busy_hours()
        else:
            busy_weekdays()


def _date_format(dates) -> str:
    """Axis dates that always carry the month: '27 Jan' over up to ten months, 'Jan 2025' over longer spans."""
    span = (dates.max() - dates.min()).days if len(dates) else 0
    return "%b %Y" if span > 300 else "%d %b"


def top_by_buyers(by_buyers) -> None:
    """The products the most different customers bought (for files with customer ids)."""
    show_chart(
        alt.Chart(by_buyers, title="Top 10 products by number of customers")
        .mark_bar(color="#8b5a1f")
        .encode(
            x=alt.X("buyers:Q", title="Different customers who bought it"),
            y=alt.Y("product_name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            tooltip=["product_id", "product_name", "buyers", alt.Tooltip("revenue:Q", format=",.0f")],
        ),
        width="stretch",
    )
    table_with_download(by_buyers, "top_products_by_customers.csv", key="dl_top_buyers")


def busy_hours() -> None:
    """Orders per weekday and hour, for files that record the time of day."""
    heat = orders_by_weekday_hour()
    open_hours = heat[heat["orders"] > 0]["hour"]
    shown = heat[heat["hour"].between(open_hours.min(), open_hours.max())] if len(open_hours) else heat
    show_chart(
        alt.Chart(shown, title="When orders come in (orders per weekday and hour)")
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of day"),
            y=alt.Y("weekday:N", sort=list(heat["weekday"].cat.categories), title=None),
            color=alt.Color("orders:Q", title="Orders", scale=alt.Scale(scheme="blues")),
            tooltip=["weekday", "hour", "orders"],
        ),
        width="stretch",
    )
    peak = heat.loc[heat["orders"].idxmax()]
    st.caption(
        f"Busiest hour: {peak['weekday']}s {int(peak['hour']):02d}:00-{int(peak['hour']) + 1:02d}:00, "
        f"with {int(peak['orders']):,} orders in the period."
    )


def busy_weekdays() -> None:
    """Orders per weekday, for files with dates but no times of day (no hour is claimed)."""
    days = orders_by_weekday()
    show_chart(
        alt.Chart(days, title="When orders come in (orders per weekday)")
        .mark_bar(color="#1f6f8b")
        .encode(
            x=alt.X("weekday:N", sort=list(days["weekday"].cat.categories), title=None),
            y=alt.Y("orders:Q", title="Orders"),
            tooltip=["weekday", "orders"],
        ),
        width="stretch",
    )
    peak = days.loc[days["orders"].idxmax()]
    st.caption(
        f"Busiest day: {peak['weekday']}s, with {int(peak['orders']):,} orders in the period. Your file has dates "
        "but no times of day, so there is no hour-by-hour picture."
    )


# Website visit figures (smbcore.browsing), cached per content version of the sessions table.
visit_kpis = cached_on("sessions")(browsing.visit_kpis)
conversion_by_page_type = cached_on("sessions")(browsing.conversion_by_page_type)
visit_columns = cached_on("sessions")(browsing.visit_columns)
conversion_by = cached_on("sessions")(browsing.conversion_by)
leaving_by = cached_on("sessions")(browsing.leaving_by)


def visits_section() -> None:
    k = visit_kpis()
    cols = st.columns(3)
    cols[0].metric("Visits", f"{k['visits']:,}")
    cols[1].metric("Visits with a purchase", f"{k['purchases']:,}")
    cols[2].metric("Conversion rate", f"{k['conversion_rate']:.1%}", help="Share of visits that ended in a purchase.")

    pages = conversion_by_page_type()
    if not pages.empty:
        st.subheader("Which pages lead to a purchase")
        long = pages.melt(
            "page_type", ["conversion_if_seen", "conversion_if_not"], var_name="seen", value_name="conversion"
        )
        long["seen"] = long["seen"].map(
            {"conversion_if_seen": "Visited these pages", "conversion_if_not": "Did not visit them"}
        )
        order = ["Visited these pages", "Did not visit them"]
        show_chart(
            alt.Chart(long, title="Share of visits ending in a purchase, by pages seen")
            .mark_bar()
            .encode(
                x=alt.X("conversion:Q", title="Visits ending in a purchase", axis=alt.Axis(format="%")),
                y=alt.Y("page_type:N", title=None),
                yOffset=alt.YOffset("seen:N", sort=order),
                color=alt.Color(
                    "seen:N", title=None, sort=order, scale=alt.Scale(domain=order, range=["#1f6f8b", "#bbbbbb"])
                ),
                tooltip=["page_type", "seen", alt.Tooltip("conversion:Q", format=".1%")],
            ),
            width="stretch",
        )
        top = pages.sort_values("lift", ascending=False).iloc[0]
        st.caption(
            f"Visits that include {plain_text(top['page_type'].lower())} end in a purchase {top['lift']:.1f} times as "
            f"often as visits that do not ({top['conversion_if_seen']:.0%} against "
            f"{top['conversion_if_not']:.0%})."
        )
        table_with_download(pages, "conversion_by_page_type.csv", key="dl_pages")

    left, right = st.columns(2)
    for column, title, holder, key in (
        ("traffic_source", "traffic source", left, "dl_source"),
        ("visitor_type", "visitor type", right, "dl_visitor"),
    ):
        with holder:
            if column not in visit_columns():
                continue
            frame = conversion_by(column)
            show_chart(
                alt.Chart(frame, title=f"Conversion by {title}")
                .mark_bar(color="#1f6f8b")
                .encode(
                    x=alt.X("conversion_rate:Q", title="Visits ending in a purchase", axis=alt.Axis(format="%")),
                    y=alt.Y(f"{column}:N", sort="-x", title=title.capitalize()),
                    tooltip=[column, "visits", "purchases", alt.Tooltip("conversion_rate:Q", format=".1%")],
                ),
                width="stretch",
            )
            table_with_download(frame, f"conversion_by_{column}.csv", key=key)

    columns = visit_columns()
    if {"bounce_rate", "exit_rate", "visitor_type", "month"} <= set(columns):
        st.subheader("Where visitors leave")
        leaving = leaving_by(["visitor_type", "month"])
        months = list(dict.fromkeys(leaving["month"]))
        long = leaving.melt(
            ["visitor_type", "month", "visits"], ["bounce_rate", "exit_rate"], var_name="rate", value_name="value"
        )
        long["rate"] = long["rate"].map({"bounce_rate": "Bounce rate", "exit_rate": "Exit rate"})
        show_chart(
            alt.Chart(long, title="Bounce and exit rates by month and visitor type")
            .mark_line(point=True)
            .encode(
                x=alt.X("month:N", sort=months, title="Month"),
                y=alt.Y("value:Q", title="Average rate", axis=alt.Axis(format="%")),
                color=alt.Color("visitor_type:N", title="Visitor type"),
                strokeDash=alt.StrokeDash("rate:N", title="Rate"),
                tooltip=["month", "visitor_type", "rate", alt.Tooltip("value:Q", format=".1%"), "visits"],
            ),
            width="stretch",
        )
        st.caption(
            "Bounce rate: share of visits that left after one page. Exit rate: share of page views that "
            "were the last of the visit. Lower is better."
        )
        table_with_download(leaving, "bounce_exit_by_visitor_month.csv", key="dl_leaving")


with sales_tab:
    if needs_table("transactions", "Sales figures come from order lines.", key="overview_tx"):
        with plain_errors("working out your sales figures"):
            sales_section()

with visits_tab:
    if needs_table("sessions", "Visit figures come from your web shop's visit export.", key="overview_sessions"):
        with plain_errors("working out your website figures"):
            visits_section()
