"""Data health check: is the data complete and long enough for each capability, before any model runs."""

import streamlit as st

from pages._cached import cached_on
from pages._errors import plain_errors
from pages._signin import require_app
from pages._source import TABLE_WORDS, active_source, currency, source_label, versions
from pages._tables import table_with_download
from smbcore import health
from smbcore.safety import plain_text

require_app()

STATUS = {"ready": "Ready", "limited": "Limited", "not yet": "Not yet"}  # the detail is in the reason
READY = {
    "ready": ":green[:material/check_circle:]",
    "limited": ":orange[:material/error:]",
    "not yet": ":gray[:material/block:]",
}
LEVEL = {
    "good": ":green[:material/check_circle:]",
    "note": ":gray[:material/info:]",
    "problem": ":orange[:material/warning:]",
}


# smbcore.health.check on every table of the data shown, cached per content version (pages/_cached.py).
check = cached_on(every_table=True, spinner="Checking your data...", max_entries=8)(health.check)


st.title("Data health check")
st.caption(
    f"Checking: {source_label(active_source())}. Before any prediction, this says what your data "
    "can support and what to look at."
)

with plain_errors("checking your data"):
    if not versions():
        st.info("There is no data to check yet. Upload a file on 'Your data', or pick a sample in the sidebar.")
        st.page_link("pages/data.py", label="Go to Your data", icon=":material/upload:")
        st.stop()
    report = check(currency())
    for line in report.headlines:
        st.success(plain_text(line))
    st.subheader("What your data is ready for")
    for row in report.readiness.itertuples():
        st.markdown(f"{READY[row.status]} **{row.capability}: {STATUS[row.status]}.** {plain_text(row.reason)}")
    with st.expander("The same as a table"):
        table_with_download(
            report.readiness.assign(status=report.readiness["status"].map(STATUS)),
            "data_readiness.csv",
            key="dl_readiness",
            column_config={
                "capability": "Capability",
                "status": "Status",
                "reason": st.column_config.TextColumn("Why", width="large"),
            },
        )
    st.subheader("Findings")
    for table, group in report.findings.groupby("table", sort=False):
        st.markdown(f"**{TABLE_WORDS.get(table, table).capitalize()}**")
        for row in group.itertuples():
            st.markdown(f"{LEVEL[row.level]} **{row.topic}.** {plain_text(row.message)}")
    with st.expander("All findings as a table"):
        table_with_download(report.findings, "data_health_findings.csv", key="dl_health")
