"""smbcore: the app. Builds the navigation, the shared sidebar (which data is shown), then runs the page."""

import logging

import streamlit as st

from pages._signin import mark_run_through_app, oidc_configured, run_finished, sign_in
from pages._source import source_picker
from smbcore.accounts import users
from smbcore.network import REFUSAL, open_to_other_computers

st.set_page_config(page_title="smbcore: your shop's data, decided", page_icon=":material/storefront:", layout="wide")

# Listening beyond this computer needs sign-in: without it, anyone on the network would see the owner's data.
_address = st.get_option("server.address")
if open_to_other_computers(_address) and not (users() or oidc_configured()):
    _where = _address or "every network address (server.address is not set)"
    logging.getLogger("smbcore.app").error("Refusing to show the app: listening on %s without sign-in.", _where)
    st.title("smbcore is not open to other computers without sign-in")
    st.error(REFUSAL.format(address=_where))
    st.stop()

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
run_finished()
