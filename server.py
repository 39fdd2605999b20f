"""smbcore's web server: Streamlit's own (uvicorn) running app.py, with a guard in front of it.

Start it with `streamlit run server.py` (all the usual --server.* flags and .streamlit/config.toml apply).
Streamlit finds `app` below and serves app.py through it; `Guard` sees every request before Streamlit does.

With accounts (`python -m smbcore add-user NAME`):
- /account/sign-in is our own sign-in form. A right name and password sets the `smbcore_session` cookie
  (signed, HttpOnly, SameSite=Strict, Secure over HTTPS); smbcore.sessions says how long it holds.
- Before sign-in nothing of the app is served: `/` and page addresses lead to the sign-in form; the app's
  websocket (so no page list and no message of any kind, such as clear-cache), uploads, downloads (/media),
  /_stcore/metrics and every other Streamlit address are refused. Health checks and static files stay open.
- Signed in, a browser may resume, upload to, or download from only the Streamlit sessions its own sign-in
  opened (a session id is not a password); download links end with their session, or `SMBCORE_MEDIA_MINUTES`
  after the page last ran. Once a sign-in has ended (signed out, idle), its open websocket passes only page
  runs, which then show the sign-in link.
With an identity provider ([auth] in .streamlit/secrets.toml) Streamlit's st.login signs people in; before
that, uploads, downloads and metrics are refused, and the websocket passes only page runs (the sign-in button).
Single-user (neither): everything as Streamlit serves it, and the server refuses to start when it would listen
beyond this computer.
"""

from __future__ import annotations

import html
import json
import logging
import sys
import time
from pathlib import PurePosixPath
from urllib.parse import parse_qs

import anyio
import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from streamlit import config
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager

from pages._signin import oidc_configured
from smbcore import sessions
from smbcore.accounts import users
from smbcore.network import REFUSAL, open_to_other_computers

_log = logging.getLogger("smbcore.server")
SIGN_IN_PATH = "/account/sign-in"
SIGN_OUT_PATH = "/account/sign-out"
# Open to everyone: load balancers' health checks, the sign-in pages, and Streamlit's public JavaScript/CSS.
_OPEN_PREFIXES = ("/_stcore/health", "/healthz", "/static/", "/favicon.png", "/account/")
# Page runs (and the keep-alive) are the only messages a websocket may pass without a valid sign-in.
_VISITOR_MESSAGES = {"rerun_script", "app_heartbeat"}
_MAX_FORM_BYTES = 8192

# st.navigation in app.py decides the pages; never let the first session of a new process list pages/.
PagesManager.uses_pages_directory = False


def refuse_to_start_if_open() -> None:
    """Stop the server before it listens when it would be reachable from other computers (server.address)
    while nobody has to sign in, saying how to fix it (smbcore.network.REFUSAL)."""
    address = config.get_option("server.address")
    if open_to_other_computers(address) and not (users() or oidc_configured()):
        where = address or "every network address (server.address is not set)"
        print(
            "smbcore did not start.\n" + REFUSAL.format(address=where).replace("**", "").replace("`", "'"),
            file=sys.stderr,
        )
        raise SystemExit(2)


# --- who is asking --------------------------------------------------------------------------------------------
def _store() -> sessions.SessionStore:
    return sessions.SessionStore()


def _cookies(scope) -> dict[str, str]:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            jar: dict[str, str] = {}
            for part in value.decode("latin-1").split(";"):
                name, _, text = part.strip().partition("=")
                jar.setdefault(name, text)
            return jar
    return {}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def signed_in(scope) -> sessions.SignIn | None:
    """The valid smbcore sign-in of this request's cookie (None: none). Does not count as use."""
    return _store().check(_cookies(scope).get(sessions.COOKIE), touch=False)


def _oidc_signed_in(scope) -> bool:
    """True when the request carries Streamlit's own signed identity-provider cookie saying 'logged in'."""
    try:
        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
        from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks

        raw = _get_signed_cookie_with_chunks(_cookies(scope), USER_COOKIE_NAME)
        return bool(raw and json.loads(raw).get("is_logged_in") is True)
    except Exception:  # anything unreadable is 'not signed in'
        return False


def _runtime() -> Runtime | None:
    return Runtime.instance() if Runtime.exists() else None


def media_allowed(file_name: str, sid: str) -> bool:
    """True when download `file_name` (/media/<id>.<ext>) is shown right now in a connected Streamlit session
    opened by sign-in `sid`, whose page ran within `sessions.media_seconds()`."""
    runtime = _runtime()
    if runtime is None:
        return False
    file_id = PurePosixPath(file_name).stem
    manager = runtime.media_file_mgr
    with manager._lock:  # Streamlit keeps which session shows which file only here
        shown = {session: set(files.values()) for session, files in manager._files_by_session_and_coord.items()}
    now = time.time()
    for session_id in sessions.BINDINGS.sessions_of(sid):
        last_run = sessions.BINDINGS.last_run(session_id) or 0
        if (
            file_id in shown.get(session_id, ())
            and runtime.is_active_session(session_id)
            and now - last_run <= sessions.media_seconds()
        ):
            return True
    return False


# --- the guard ------------------------------------------------------------------------------------------------
def _without_session_id(scope) -> dict:
    """A copy of websocket `scope` whose Sec-WebSocket-Protocol no longer names a session to resume."""
    headers = []
    for key, value in scope["headers"]:
        if key == b"sec-websocket-protocol":
            entries = value.decode("latin-1").split(",")[:2]
            value = ",".join(entries).encode("latin-1")
        headers.append((key, value))
    return {**scope, "headers": headers}


def _resumed_session(scope) -> str | None:
    entries = [part.strip() for part in (_header(scope, b"sec-websocket-protocol") or "").split(",")]
    return entries[2] if len(entries) >= 3 and entries[2] else None


class Guard:
    """ASGI middleware in front of Streamlit; see the module's docstring for what it lets through."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path.startswith(_OPEN_PREFIXES) and scope["type"] == "http":
            return await self.app(scope, receive, send)
        if users():
            return await self._accounts(scope, receive, send, path)
        if oidc_configured():
            return await self._identity_provider(scope, receive, send, path)
        return await self.app(scope, receive, send)

    async def _accounts(self, scope, receive, send, path: str) -> None:
        signin = signed_in(scope)
        if signin is None:
            return await _refuse(scope, receive, send, path)
        if scope["type"] == "websocket":
            resumed = _resumed_session(scope)
            if resumed and sessions.BINDINGS.owner(resumed) != signin.sid:
                _log.warning("A browser signed in as %s asked to resume another sign-in's session: given a new "
                             "session instead.", sessions.safe_for_log(signin.name))  # fmt: skip
                scope = _without_session_id(scope)
            token = _cookies(scope).get(sessions.COOKIE)
            return await self.app(
                scope, _page_runs_only_once_ended(receive, lambda: _store().check(token, touch=False)), send
            )
        if path.startswith("/_stcore/upload_file/"):
            session_id = path.split("/")[3] if path.count("/") >= 3 else ""
            if sessions.BINDINGS.owner(session_id) != signin.sid:
                return await PlainTextResponse("Not your session.", status_code=403)(scope, receive, send)
        if path.startswith("/media/") and not media_allowed(path.removeprefix("/media/"), signin.sid):
            return await PlainTextResponse("This download has expired. Go back to the app and download it again.",
                                           status_code=404)(scope, receive, send)  # fmt: skip
        return await self.app(scope, receive, send)

    async def _identity_provider(self, scope, receive, send, path: str) -> None:
        if _oidc_signed_in(scope):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":  # the sign-in button is on the page itself
            return await self.app(scope, _page_runs_only_once_ended(receive, lambda: None), send)
        if path.startswith(("/_stcore/upload_file/", "/media/", "/_stcore/metrics", "/_stcore/agent")):
            return await PlainTextResponse("Sign in first.", status_code=403)(scope, receive, send)
        return await self.app(scope, receive, send)


async def _refuse(scope, receive, send, path: str) -> None:
    """No valid sign-in: close a websocket before it opens, send pages to the sign-in form, refuse the rest."""
    if scope["type"] == "websocket":
        await receive()  # the websocket.connect message
        await send({"type": "websocket.close", "code": 1008})
        return
    method = scope.get("method", "GET")
    streamlit_only = path.startswith(("/_stcore/", "/media/", "/component/", "/app/static/"))
    if method in ("GET", "HEAD") and not streamlit_only:
        return await RedirectResponse(SIGN_IN_PATH, status_code=303)(scope, receive, send)
    return await PlainTextResponse("Sign in first.", status_code=403)(scope, receive, send)


def _page_runs_only_once_ended(receive, still_signed_in):
    """Wrap a websocket's `receive`: while `still_signed_in()` is true every message passes; after (sign-out
    everywhere, idle expiry, or never signed in), only page runs and keep-alives pass and the rest are dropped."""

    async def guarded():
        while True:
            message = await receive()
            if message["type"] != "websocket.receive" or still_signed_in() is not None:
                return message
            back = BackMsg()
            try:
                back.ParseFromString(message.get("bytes") or b"")
            except Exception:
                return message  # Streamlit closes the connection on a frame that is not a message
            if back.WhichOneof("type") in _VISITOR_MESSAGES:
                return message
            _log.warning("Dropped a '%s' message from a browser that is not signed in.", back.WhichOneof("type"))

    return guarded


# --- the sign-in pages -----------------------------------------------------------------------------------------
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to smbcore</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f6f8fa; color: #1c2430; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: .5rem;
       box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.4rem; margin-top: 0; }}
label {{ display: block; margin: 1rem 0 .3rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem; background: #1f6f8b; color: #fff;
         border: 0; border-radius: .3rem; cursor: pointer; }}
.error {{ background: #fdecea; color: #7d1a12; padding: .6rem; border-radius: .3rem; }}
.note {{ color: #4a5563; font-size: .9rem; }}
</style></head>
<body><main>
<h1>Sign in to smbcore</h1>
{message}
<form method="post" action="{action}">
<label for="name">User name</label>
<input id="name" name="name" autocomplete="username" required autofocus value="{name}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>
"""
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # not no-referrer: browsers would then send `Origin: null` with the form
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}


def _form(message: str = "", name: str = "", status: int = 200) -> HTMLResponse:
    shown = f'<p class="{"error" if status != 200 else "note"}">{html.escape(message)}</p>' if message else ""
    body = _PAGE.format(message=shown, action=SIGN_IN_PATH, name=html.escape(name))
    return HTMLResponse(body, status_code=status, headers=_PAGE_HEADERS)


def _same_origin(request: Request) -> bool:
    """A form post from this app's own pages (Origin matches Host), not from another web site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # no Origin at all: not a browser form post from another site
    return origin.split("://", 1)[-1] == request.headers.get("host")


def _https(request: Request) -> bool:
    return request.url.scheme == "https" or bool(config.get_option("server.sslCertFile"))


async def sign_in_page(request: Request) -> Response:
    if not users():
        return RedirectResponse("/", status_code=303)
    if request.method == "GET":
        if signed_in(request.scope):
            return RedirectResponse("/", status_code=303)
        return _form()
    if not _same_origin(request):
        return PlainTextResponse("Sign in from the app's own page.", status_code=403)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            return PlainTextResponse("Too much data.", status_code=413)
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=4)
    name = fields.get("name", [""])[0]
    password = fields.get("password", [""])[0]
    address = request.client.host if request.client else None
    token = await anyio.to_thread.run_sync(_store().sign_in, name, password, address)
    if token is None:
        return _form(sessions.SIGN_IN_REFUSED, name=name, status=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(sessions.COOKIE, token, max_age=int(sessions.max_age_seconds()), path="/",
                        secure=_https(request), httponly=True, samesite="strict")  # fmt: skip
    return response


async def sign_out_page(request: Request) -> Response:
    """Sign out everywhere (every browser and app process of this owner), forget the cookie, show the form."""
    signin = signed_in(request.scope)
    if signin is not None and (request.method == "GET" or _same_origin(request)):
        await anyio.to_thread.run_sync(_store().sign_out_everywhere, signin.name)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", secure=_https(request), httponly=True, samesite="strict")
    return response


refuse_to_start_if_open()
# The table toolbar's own "Download as CSV" exports cells as they are (a live formula included): off, even when
# the server is started from another folder and .streamlit/config.toml is not found. The app's own downloads
# neutralise formulas.
config.set_option("client.disableDataExport", True, "smbcore server.py")
sessions.mark_guarded()

app = st.App(
    "app.py",
    routes=[
        Route(SIGN_IN_PATH, sign_in_page, methods=["GET", "POST"]),
        Route(SIGN_OUT_PATH, sign_out_page, methods=["GET", "POST"]),
    ],
    middleware=[Middleware(Guard)],
)
