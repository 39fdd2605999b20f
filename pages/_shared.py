"""What every page shares, re-exported from the small modules that hold it (so `from pages._shared import ...`
keeps working; new code may import from those modules directly):

- pages/_signin.py: navigation (every page runs through app.py) and sign-in;
- pages/_source.py: which data is shown (own workspace or a sample), its versions and currencies, loading tables;
- pages/_cached.py: smbcore computations cached per data version (`cached_on`), the shared fitted models;
- pages/_tables.py: tables, charts, tabs and downloads (file text shown safely, plain labels);
- pages/_errors.py: `plain_errors`, failures as plain messages.

No modelling here (or there): these files only connect Streamlit to smbcore. Files in pages/ whose name starts
with '_' are not pages (app.py lists the pages with st.navigation).
"""

from pages._cached import (
    all_recommendations,
    cached_on,
    consent_answers,
    current_model,
    customer_analysis,
    forget_cached,
    input_importance,
    marketing_plan,
    recommender,
)
from pages._errors import plain_errors
from pages._signin import mark_run_through_app, oidc_configured, require_app, run_finished, sign_in
from pages._source import (
    OWN,
    SAMPLE_CONSENT,
    TABLE_WORDS,
    active_source,
    active_workspace,
    currency,
    include_unknown_consent_first,
    load,
    load_table,
    needs_table,
    own_workspace,
    source_label,
    source_picker,
    use_source,
    version,
)
from pages._tables import edit_table, labels_for, lazy_tabs, money, show_chart, show_table, table_with_download
from smbcore.data import TABLES

__all__ = [
    "OWN",
    "SAMPLE_CONSENT",
    "TABLES",
    "TABLE_WORDS",
    "active_source",
    "active_workspace",
    "all_recommendations",
    "cached_on",
    "consent_answers",
    "current_model",
    "input_importance",
    "currency",
    "customer_analysis",
    "edit_table",
    "forget_cached",
    "include_unknown_consent_first",
    "labels_for",
    "lazy_tabs",
    "load",
    "load_table",
    "marketing_plan",
    "mark_run_through_app",
    "money",
    "needs_table",
    "oidc_configured",
    "own_workspace",
    "plain_errors",
    "recommender",
    "require_app",
    "run_finished",
    "show_chart",
    "show_table",
    "sign_in",
    "source_label",
    "source_picker",
    "table_with_download",
    "use_source",
    "version",
]
