"""smbcore: the app. Builds the navigation, the shared sidebar (which data is shown), then runs the page."""

import streamlit as st

from pages._shared import source_picker

st.set_page_config(page_title="smbcore: your shop's data, decided", page_icon=":material/storefront:",
                   layout="wide")

# URL paths differ from the file names on purpose: Streamlit also treats a `pages/` folder as the old
# file-based navigation, and a page reached that way would run without this file (no sidebar, no setup).
navigation = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon=":material/insights:", default=True, url_path="shop"),
    st.Page("pages/data.py", title="Your data", icon=":material/upload_file:", url_path="your-data"),
    st.Page("pages/health.py", title="Data health check", icon=":material/health_and_safety:",
            url_path="health-check"),
])
source_picker()
navigation.run()
