"""Sign-in that holds and nothing for visitors (issue 14, items 2, 4, 5, 9 and the start-up part of 10).

Fast tests check smbcore.sessions on its own (tokens, idle expiry, sign-out everywhere, rate limit). The live
tests start the real server (`streamlit run server.py`, two processes sharing one SMBCORE_HOME) and talk to it
as browsers do, with plain HTTP and Streamlit's websocket protocol (tests/live.py), without Chromium."""

from __future__ import annotations

import http.client
import json
import logging
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlparse

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from websockets.exceptions import InvalidStatus

from smbcore import accounts, sessions

from .conftest import ROOT
from .live import StreamlitClient, start_server, stop_app

PASSWORD = "correct horse battery"


class Clock:
    """Time that tests move forward by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(home) -> tuple[sessions.SessionStore, Clock]:
    accounts.add_user("ann", PASSWORD)
    accounts.add_user("bob", PASSWORD + "!")
    clock = Clock()
    return sessions.SessionStore(clock=clock), clock


# --- smbcore.sessions on its own ---------------------------------------------------------------------------------
def test_a_token_names_its_owner_and_cannot_be_forged(store, home):
    store, _ = store
    token = store.start("ann")
    assert store.check(token) == sessions.SignIn("ann", store.check(token).sid)
    payload, _, signature = token.rpartition(".")
    assert store.check(payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]) is None
    assert store.check(token.replace(token[:8], "eyJuIjoiY")) is None  # another name, same signature
    assert store.check("") is None and store.check(None) is None and store.check("not a token") is None
    # signed with another secret (another installation): refused
    other = sessions.SessionStore(home / "elsewhere")
    assert store.check(other.start("ann")) is None
    # the secret and the store are readable by this user only, and the same secret is kept
    for name in ("session-secret", "sessions.sqlite3"):
        assert stat.S_IMODE(os.stat(home / name).st_mode) == 0o600
    assert sessions.SessionStore(home).secret() == store.secret()


def test_a_sign_in_ends_when_idle_and_use_keeps_it(store, monkeypatch):
    store, clock = store
    monkeypatch.setenv("SMBCORE_IDLE_MINUTES", "30")
    token = store.start("ann")
    clock.now += 29 * 60
    assert store.check(token) is not None  # used: idle time starts again
    clock.now += 29 * 60
    assert store.check(token, touch=False) is not None
    clock.now += 2 * 60  # 31 minutes since last use
    assert store.check(token) is None
    clock.now -= 10 * 60
    assert store.check(token) is None  # ended is ended


def test_sign_out_ends_every_sign_in_of_that_owner_only(store):
    store, _ = store
    ann_laptop, ann_phone, bob = store.start("ann"), store.start("ann"), store.start("bob")
    assert store.sign_out_everywhere("ann") == 2
    assert store.check(ann_laptop) is None and store.check(ann_phone) is None
    assert store.check(bob).name == "bob"


def test_a_removed_account_can_no_longer_use_its_sign_in(store):
    store, _ = store
    token = store.start("bob")
    path = accounts.accounts_path()
    path.write_text(json.dumps({k: v for k, v in json.loads(path.read_text()).items() if k != "bob"}))
    assert store.check(token) is None


def test_failed_sign_ins_are_limited_per_name_and_logged_without_the_password(store, caplog):
    store, clock = store
    caplog.set_level(logging.WARNING, logger="smbcore.signin")
    for attempt in range(sessions.FAILURE_LIMIT):
        assert store.sign_in(" ANN", f"guess number {attempt}", f"10.0.0.{attempt}") is None
    # the right password is now refused too, with the same answer (None), from any address
    assert store.sign_in("ann", PASSWORD, "10.0.9.9") is None
    assert store.sign_in("bob", PASSWORD + "!", "10.0.9.9") is not None  # another name is not locked
    failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Failed sign-in")]
    assert len(failed) == sessions.FAILURE_LIMIT
    assert all("'ann' from 10.0.0." in line for line in failed)  # the normalised name and the address
    assert "too many failed tries" in caplog.records[-1].getMessage() or any(
        "too many failed tries" in r.getMessage() for r in caplog.records
    )
    assert not any("guess number" in r.getMessage() or PASSWORD in r.getMessage() for r in caplog.records)
    clock.now += sessions.FAILURE_WINDOW + 1  # the window has passed: she can sign in again
    assert store.sign_in("ann", PASSWORD, "10.0.9.9") is not None


def test_failed_sign_ins_are_limited_per_client_address(store):
    store, _ = store
    for name in ("carl", "dora", "emil", "fred", "gina"):  # one address trying many names
        assert store.sign_in(name, PASSWORD, "203.0.113.7") is None
    assert store.sign_in("ann", PASSWORD, "203.0.113.7") is None  # refused from that address
    assert store.sign_in("ann", PASSWORD, "198.51.100.1") is not None  # ann from elsewhere is fine


def test_a_typed_name_cannot_forge_log_lines(store, caplog):
    store, _ = store
    caplog.set_level(logging.WARNING, logger="smbcore.signin")
    store.sign_in("eve\nINFO admin signed in", "x", "10.0.0.1")
    assert all("\n" not in r.getMessage() for r in caplog.records)


def test_a_streamlit_session_belongs_to_the_sign_in_that_opened_it():
    bindings = sessions.Bindings()
    assert bindings.bind("session-1", "ann-sid") and bindings.bind("session-1", "ann-sid")
    assert not bindings.bind("session-1", "bob-sid") and bindings.owner("session-1") == "ann-sid"
    assert bindings.sessions_of("ann-sid") == ["session-1"] and bindings.owner("unknown") is None


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan"])
def test_a_wrong_idle_setting_is_refused_with_its_name(monkeypatch, value):
    monkeypatch.setenv("SMBCORE_IDLE_MINUTES", value)
    with pytest.raises(ValueError, match="SMBCORE_IDLE_MINUTES must be a positive number of minutes"):
        sessions.idle_seconds()


# --- the real server --------------------------------------------------------------------------------------------
class Browser:
    """Cookies and plain HTTP against the live server, as one browser."""

    def __init__(self, url: str) -> None:
        self.url, self.cookie = url, None
        self.host = urlparse(url).netloc

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, timeout=60)
        sent = {"Origin": self.url, **(headers or {})}
        if self.cookie:
            sent["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.body = response.read()
        for header in response.headers.get_all("set-cookie") or []:
            pair = header.split(";")[0]
            self.cookie = None if "Max-Age=0" in header or pair.endswith(("=", '=""')) else pair
        return response

    def sign_in(self, name: str, password: str):
        form = urlencode({"name": name, "password": password}).encode()
        return self.request("POST", "/account/sign-in", form, {"Content-Type": "application/x-www-form-urlencoded"})

    def tab(self, session_id: str | None = None) -> StreamlitClient:
        return StreamlitClient(self.url, self.cookie, session_id)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two app processes on one SMBCORE_HOME with accounts ann (with saved orders) and bob: `main` with the usual settings, and
    `short` where sign-ins end after 24 s unused and download links after 6 s. Yields (main, short, home)."""
    home = tmp_path_factory.mktemp("signin") / "home"
    env = {"SMBCORE_HOME": str(home)}
    setup = (  # ann has saved orders of her own, so her pages and downloads are hers; bob sees a sample
        "from smbcore import accounts; from smbcore.synthetic import generate_transactions; "
        f"accounts.add_user('ann', {PASSWORD!r}); accounts.add_user('bob', {PASSWORD + '!'!r}); "
        "accounts.owner_workspace('ann').save('transactions', "
        "generate_transactions(n_lines=2_000, n_customers=80, days=120, seed=5), source='ann.csv')"
    )
    subprocess.run([sys.executable, "-c", setup], env={**os.environ, **env}, cwd=ROOT, check=True)
    logs = [open(home.parent / f"{name}.log", "w") for name in ("main", "short")]  # noqa: SIM115
    main, main_url = start_server(home, stderr=logs[0])
    short, short_url = start_server(home, env={"SMBCORE_IDLE_MINUTES": "0.4", "SMBCORE_MEDIA_MINUTES": "0.1"},
                                    stderr=logs[1])  # fmt: skip
    try:
        yield main_url, short_url, home
    finally:
        for server in (main, short):
            stop_app(server)
        for log in logs:
            log.close()


def status(url: str, path: str, cookie: str | None = None, method: str = "GET", body: bytes | None = None) -> int:
    request = urllib.request.Request(url + path, data=body, method=method, headers={"Cookie": cookie} if cookie else {})
    try:
        return urllib.request.urlopen(request, timeout=60).status
    except urllib.error.HTTPError as error:
        return error.code


def upload(url: str, session_id: str, cookie: str | None) -> int:
    boundary = "smbcoretest"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"orders.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n{'x' * 1000}\r\n--{boundary}--\r\n").encode()  # fmt: skip
    connection = http.client.HTTPConnection(urlparse(url).netloc, timeout=60)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": url}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("PUT", f"/_stcore/upload_file/{session_id}/file-1", body=body, headers=headers)
    return connection.getresponse().status


@pytest.mark.slow
def test_visitors_get_the_sign_in_form_and_nothing_else(servers):
    url, _, _ = servers
    visitor = Browser(url)
    home_page = visitor.request("GET", "/")
    assert home_page.status == 303 and home_page.getheader("location") == "/account/sign-in"
    assert visitor.request("GET", "/customers").getheader("location") == "/account/sign-in"
    form = visitor.request("GET", "/account/sign-in")
    assert form.status == 200 and b'name="password"' in form.body and form.getheader("X-Frame-Options") == "DENY"
    assert status(url, "/_stcore/health") == 200 and status(url, "/favicon.png") == 200  # still open
    # no websocket at all: no page list, no clear_cache, no message of any kind
    with pytest.raises(InvalidStatus, match="403"):
        StreamlitClient(url)
    assert status(url, "/_stcore/metrics") == 403
    assert upload(url, "00000000-0000-0000-0000-000000000000", None) == 403
    assert status(url, "/_stcore/host-config") == 403


@pytest.mark.slow
def test_a_signed_in_owner_keeps_the_sign_in_across_a_refresh(servers):
    url, _, _ = servers
    ann = Browser(url)
    wrong = ann.sign_in("ann", "not her password")
    assert wrong.status == 401 and sessions.SIGN_IN_REFUSED.encode() in wrong.body and ann.cookie is None
    done = ann.sign_in("ANN ", PASSWORD)  # the name as typed, normalised
    assert done.status == 303 and done.getheader("location") == "/"
    cookie_header = done.getheader("set-cookie")
    assert "HttpOnly" in cookie_header and "SameSite=strict" in cookie_header and "Max-Age" in cookie_header
    assert ann.request("GET", "/").status == 200  # the app itself, not the sign-in form
    tab = ann.tab()
    first = tab.run()
    assert "Signed in as ann" in first.text and first.media
    tab.close()
    refreshed = ann.tab()  # a refresh: a new websocket with the same cookie, no sign-in again
    again = refreshed.run()
    assert "Signed in as ann" in again.text and "Sign in to smbcore" not in again.text
    assert again.session_id != first.session_id
    refreshed.close()


@pytest.mark.slow
def test_a_session_id_is_not_a_password(servers):
    url, _, _ = servers
    ann, bob = Browser(url), Browser(url)
    ann.sign_in("ann", PASSWORD)
    bob.sign_in("bob", PASSWORD + "!")
    ann_tab = ann.tab()
    ann_run = ann_tab.run()
    # bob presents ann's session id while her tab is open: he gets a session of his own
    bob_tab = bob.tab(session_id=ann_run.session_id)
    bob_run = bob_tab.run()
    assert bob_run.session_id != ann_run.session_id
    assert "Signed in as bob" in bob_run.text and "Signed in as ann" not in bob_run.text
    # nor can he upload into her session, or fetch her downloads
    assert upload(url, ann_run.session_id, bob.cookie) == 403
    assert all(status(url, link, bob.cookie) == 404 for link in ann_run.media)
    bob_tab.close()
    # her closed tab cannot be resumed by bob either, nor by a visitor; she herself can
    ann_tab.close()
    time.sleep(2)
    resumed = bob.tab(session_id=ann_run.session_id)
    assert resumed.run().session_id != ann_run.session_id
    resumed.close()
    with pytest.raises(InvalidStatus, match="403"):
        StreamlitClient(url, None, ann_run.session_id)
    own = ann.tab(session_id=ann_run.session_id)
    assert own.run().session_id == ann_run.session_id
    own.close()


@pytest.mark.slow
def test_download_links_need_the_owners_cookie_and_end_with_their_session(servers):
    _, url, _ = servers  # download links last 6 s after the page ran
    ann = Browser(url)
    ann.sign_in("ann", PASSWORD)
    tab = ann.tab()
    run = tab.run()
    link = run.media[0]
    assert status(url, link, ann.cookie) == 200
    assert status(url, link) == 403  # no cookie: refused
    time.sleep(7)
    assert status(url, link, ann.cookie) == 404  # expired
    fresh = tab.run()  # the page shows it again: a working link again
    assert status(url, fresh.media[0], ann.cookie) == 200
    tab.close()
    time.sleep(1)
    assert status(url, fresh.media[0], ann.cookie) == 404  # its session ended


@pytest.mark.slow
def test_a_sign_in_ends_after_being_unused(servers):
    _, url, _ = servers  # sign-ins end after 24 s unused
    ann = Browser(url)
    ann.sign_in("ann", PASSWORD)
    tab = ann.tab()
    assert "Signed in as ann" in tab.run().text
    time.sleep(25)
    ended = tab.run()
    assert "Sign in to smbcore" in ended.text and "Signed in as ann" not in ended.text and not ended.media
    tab.close()
    assert ann.request("GET", "/").getheader("location") == "/account/sign-in"
    with pytest.raises(InvalidStatus, match="403"):
        ann.tab()


@pytest.mark.slow
def test_signing_out_signs_out_everywhere(servers):
    main, short, home = servers
    laptop, phone = Browser(main), Browser(short)  # two browsers, two app processes
    laptop.sign_in("ann", PASSWORD)
    phone.sign_in("ann", PASSWORD)
    laptop_tab, phone_tab = laptop.tab(), phone.tab()
    shown = laptop_tab.run()
    assert "Signed in as ann" in phone_tab.run().text
    after = laptop_tab.run(click=shown.widget_id("Sign out"))
    assert "Sign in to smbcore" in after.text
    ended = phone_tab.run()  # the other browser's next run shows the sign-in link
    assert "Sign in to smbcore" in ended.text and "Signed in as ann" not in ended.text
    # the phone's open websocket now passes page runs only: its clear_cache is dropped (and logged)
    clear = BackMsg()
    clear.clear_cache = True
    phone_tab.send(clear)
    assert "Sign in to smbcore" in phone_tab.run().text
    for browser in (laptop, phone):
        assert browser.request("GET", "/").getheader("location") == "/account/sign-in"
    laptop_tab.close()
    phone_tab.close()
    time.sleep(1)
    assert "Dropped a 'clear_cache' message" in (home.parent / "short.log").read_text()


@pytest.mark.slow
def test_sign_in_from_another_web_site_is_refused(servers):
    url, _, _ = servers
    forged = Browser(url).request(
        "POST",
        "/account/sign-in",
        urlencode({"name": "ann", "password": PASSWORD}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"},
    )
    assert forged.status == 403 and forged.getheader("set-cookie") is None


@pytest.mark.slow
def test_the_sign_in_form_lets_browsers_say_it_posts_to_its_own_site(servers):
    """Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with the form's own post (Fetch standard,
    'serializing a request origin'), which the same-site check refuses: nobody could sign in from a real browser
    (found by tests/test_browser_two_owners.py). Under `same-origin` the browser names the app's own address,
    and nothing of it goes to another site."""
    url, _, _ = servers
    form = Browser(url).request("GET", "/account/sign-in")
    assert form.getheader("Referrer-Policy") == "same-origin"
    ann = Browser(url)
    assert ann.sign_in("ann", PASSWORD).status == 303 and ann.cookie  # what the browser then sends
    sandboxed = Browser(url).request(  # `null` still says nothing about where the post comes from: refused
        "POST",
        "/account/sign-in",
        urlencode({"name": "ann", "password": PASSWORD}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"},
    )
    assert sandboxed.status == 403 and sandboxed.getheader("set-cookie") is None


@pytest.mark.slow
def test_too_many_failed_sign_ins_are_refused_like_a_wrong_password_and_logged(tmp_path):
    home = tmp_path / "home"
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    subprocess.run([sys.executable, "-c", f"from smbcore import accounts; accounts.add_user('bob', {PASSWORD!r})"],
                   env={**os.environ, "SMBCORE_HOME": str(home)}, cwd=ROOT,
                   check=True)  # fmt: skip
    server, url = start_server(home, stderr=log)
    try:
        bob = Browser(url)
        answers = [bob.sign_in("bob", f"wrong password {n}") for n in range(sessions.FAILURE_LIMIT)]
        right = bob.sign_in("Bob", PASSWORD)  # the right password, now refused the same way
        for answer in [*answers, right]:
            assert answer.status == 401 and sessions.SIGN_IN_REFUSED.encode() in answer.body
        assert bob.cookie is None
        # the same page either way (only the typed name is filled in again)
        assert answers[0].body.replace(b"bob", b"") == right.body.replace(b"Bob", b"")
    finally:
        stop_app(server)
        log.close()
    text = (tmp_path / "server.log").read_text()
    assert text.count("Failed sign-in for 'bob' from 127.0.0.1") == sessions.FAILURE_LIMIT
    assert "Sign-in refused for 'bob' from 127.0.0.1: too many failed tries" in text
    assert "wrong password" not in text and PASSWORD not in text


@pytest.mark.slow
def test_the_server_refuses_to_start_beyond_this_computer_without_sign_in(tmp_path):
    with pytest.raises(RuntimeError) as refused:
        start_server(tmp_path / "home", address="0.0.0.0")
    words = str(refused.value)
    assert "smbcore did not start" in words and "0.0.0.0" in words
    assert "python -m smbcore add-user NAME" in words and "--server.address 127.0.0.1" in words


@pytest.mark.slow
def test_started_without_server_py_an_app_with_accounts_shows_only_how_to_start_it(tmp_path):
    home = tmp_path / "home"
    setup = f"from smbcore import accounts; accounts.add_user('ann', {PASSWORD!r})"
    subprocess.run([sys.executable, "-c", setup], env={**os.environ, "SMBCORE_HOME": str(home)}, cwd=ROOT, check=True)
    server, url = start_server(home, script="app.py")  # the old command: no sign-in page, no guard
    try:
        tab = StreamlitClient(url)
        run = tab.run()
        tab.close()
    finally:
        stop_app(server)
    assert "Start smbcore with `streamlit run server.py`" in run.text
    assert "Signed in as" not in run.text and not run.media and "Data shown" not in run.text


@pytest.mark.slow
def test_with_an_identity_provider_visitors_can_only_press_sign_in(tmp_path):
    """[auth] set up, nobody signed in yet: the page (with its sign-in button) runs, but metrics, downloads and
    uploads are refused and any other message (clear_cache) is dropped."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1:1/oauth2callback"\ncookie_secret = "only for this test 12345"\n'
        'client_id = "x"\nclient_secret = "y"\n'
        'server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"\n'
    )
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    server, url = start_server(tmp_path / "home", env={"STREAMLIT_SECRETS_FILES": str(secrets)}, stderr=log)
    try:
        assert status(url, "/_stcore/metrics") == 403 and status(url, "/media/0123abcd.csv") == 403
        assert upload(url, "00000000-0000-0000-0000-000000000000", None) == 403
        tab = StreamlitClient(url)
        first = tab.run()
        assert "Sign in" in first.text and "Data shown" not in first.text
        clear = BackMsg()
        clear.clear_cache = True
        tab.send(clear)
        tab.run()
        tab.close()
    finally:
        stop_app(server)
        log.close()
    assert "Dropped a 'clear_cache' message" in (tmp_path / "server.log").read_text()
