"""Navigation and sign-in: every page runs through app.py, and only for a visitor who may see it.

Also imported by server.py (the web server's guard), which shares `oidc_configured`: no page-drawing here at
import time.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from pages._errors import log, plain_errors
from pages._source import OWNER_KEY, forget_choice

__all__ = ["mark_run_through_app", "oidc_configured", "require_app", "run_finished", "sign_in"]

# Navigation is st.navigation in app.py, never Streamlit's older "every file in pages/ is a page" mode.
# Streamlit still starts in that mode for the first run of a new process (or of each AppTest run), and then
# runs a page file on its own; require_app() below turns such a run into a proper one.
PagesManager.uses_pages_directory = False
_VIA_APP = "_run_via_app"


def mark_run_through_app() -> None:
    """Called by app.py just before it runs the page."""
    st.session_state[_VIA_APP] = True


def require_app() -> None:
    """First line of every page: if the page was started without app.py (no sidebar, no shared setup),
    rerun at once, this time through app.py."""
    if not st.session_state.pop(_VIA_APP, False):
        PagesManager.uses_pages_directory = False  # AppTest resets it before each run
        st.rerun()


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section: people sign in through an identity provider."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than saying 'no'
        return False


def _in_app_test() -> bool:
    """True inside an AppTest run (Streamlit sets `global.appTest` only while AppTest runs a script)."""
    from streamlit import config

    return bool(config.get_option("global.appTest"))


def _owner_from_cookie() -> str | None:
    """The owner this run is for, from the browser's sign-in cookie, checked now (signature, sign-out, idle
    time, account still there) and counted as use; None when there is no valid sign-in or this Streamlit
    session was opened by another sign-in. The form that signs in is server.py's /account/sign-in page.

    Test seam: under AppTest (`global.appTest`, and no server.py guard in this process) there is no browser
    and no cookie, so tests act as a signed-in owner with `at.session_state["owner"] = name`. A real server
    always runs through server.py's guard, where session state alone never signs anyone in."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from smbcore.sessions import BINDINGS, COOKIE, SessionStore, guarded

    if not guarded():
        return st.session_state.get(OWNER_KEY) if _in_app_test() else None
    signin = SessionStore().check(st.context.cookies.get(COOKIE))
    ctx = get_script_run_ctx()
    if signin is None or ctx is None or not BINDINGS.bind(ctx.session_id, signin.sid):
        return None
    return signin.name


def run_finished() -> None:
    """Called by app.py after the page ran: this session's download links count their minutes from now."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from smbcore.sessions import BINDINGS

    ctx = get_script_run_ctx()
    if ctx is not None:
        BINDINGS.ran(ctx.session_id)


def _sign_out() -> None:
    """Sign-out button: end this owner's sign-ins everywhere (every browser, every app process)."""
    from smbcore.sessions import SessionStore, guarded

    owner = st.session_state.get(OWNER_KEY)
    if owner and guarded():
        SessionStore().sign_out_everywhere(owner)
    st.session_state.clear()


def _sign_in_with_identity_provider() -> bool:
    """Streamlit's st.login; the owner's folder comes from the provider's issuer and subject."""
    if not st.user.is_logged_in:
        st.title("smbcore")
        st.button("Sign in", on_click=st.login, type="primary")
        return False
    from smbcore.accounts import oidc_display_name, oidc_owner_folder

    with plain_errors("signing you in"):
        folder = oidc_owner_folder(st.user.get("iss"), st.user.get("sub"))
    if st.session_state.get(OWNER_KEY) != folder:  # once per sign-in: lets an admin move a pre-change folder
        log.info("Identity-provider owner %s uses the folder owners/%s", oidc_display_name(st.user), folder)
    st.session_state[OWNER_KEY] = folder
    st.sidebar.text(f"Signed in as {oidc_display_name(st.user)}")
    st.sidebar.button("Sign out", on_click=st.logout)
    return True


def sign_in() -> bool:
    """True when the visitor may see the app. Single-user (no account list, no identity provider): always.
    With an identity provider in .streamlit/secrets.toml ([auth]): Streamlit's st.login. Otherwise, with
    accounts made by `python -m smbcore add-user`: the sign-in cookie set by server.py's sign-in page, checked
    on every run. Each owner gets their own workspace."""
    from smbcore.accounts import users
    from smbcore.sessions import guarded, idle_seconds

    if oidc_configured():
        return _sign_in_with_identity_provider()
    if not users():
        return True
    if not guarded() and not _in_app_test():
        st.title("Start smbcore with `streamlit run server.py`")
        st.error(
            "This app has accounts, and people sign in through `server.py`, which was not used to start it. "
            "Stop it and start it again with `streamlit run server.py` (README, Hosting)."
        )
        return False
    owner = _owner_from_cookie()
    if owner:
        if st.session_state.get(OWNER_KEY) != owner:
            forget_choice()
        st.session_state[OWNER_KEY] = owner
        st.sidebar.caption(f"Signed in as {owner}")
        st.sidebar.button("Sign out", key="signout", on_click=_sign_out, help="Signs you out in every browser.")
        return True
    st.session_state.clear()  # nothing of an ended sign-in stays in this browser tab
    st.title("Sign in to smbcore")
    st.info(
        "You are not signed in: you signed out, or the app was not used for "
        f"{round(idle_seconds() / 60)} minutes. Sign in again to go on."
    )
    st.link_button("Sign in", "/account/sign-in", type="primary")
    return False
