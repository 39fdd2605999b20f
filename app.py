"""smbcore: the app. Builds the navigation, the shared sidebar (which data is shown), then runs the page."""

import streamlit as st

from pages._shared import mark_run_through_app, sign_in, source_picker

st.set_page_config(page_title="smbcore: your shop's data, decided", page_icon=":material/storefront:", layout="wide")

if not sign_in():
    st.stop()

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/insights:", default=True),
        st.Page("pages/customers.py", title="Customers", icon=":material/group:"),
        st.Page("pages/marketing.py", title="Marketing", icon=":material/campaign:"),
        st.Page("pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
        st.Page("pages/plan.py", title="Plan", icon=":material/inventory:"),
        st.Page("pages/fairness.py", title="Fairness", icon=":material/balance:"),
        st.Page("pages/data.py", title="Your data", icon=":material/upload_file:"),
        st.Page("pages/health.py", title="Data health check", icon=":material/health_and_safety:"),
    ]
)
source_picker()
mark_run_through_app()
navigation.run()
