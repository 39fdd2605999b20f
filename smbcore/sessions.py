"""Signed-in owners of a hosted app: who holds which sign-in, for how long, and who may try again.

No Streamlit here. `server.py` (the web server's guard) and `pages/_shared.py` (every script run) use it.

- A sign-in is a random id (`sid`) kept in a small SQLite store under $SMBCORE_HOME (sessions.sqlite3, 0600),
  with the owner's name and when it was last used. The browser holds a token: the owner's name and the sid,
  signed with a secret made once and kept in $SMBCORE_HOME/session-secret (0600), using itsdangerous.
  A token is good while its signature holds, it is younger than `SMBCORE_SIGNIN_HOURS` (default 12), its sid
  is still in the store (sign-out removes every sid of that owner: signed out everywhere), the owner still has
  an account, and it was used within the last `SMBCORE_IDLE_MINUTES` (default 30). The store is shared by
  every app process on the machine, so sign-out and idle expiry hold across them.
- Failed sign-ins are counted per name and per client address: after `FAILURE_LIMIT` failures within
  `FAILURE_WINDOW` seconds, further tries for that name or from that address are refused (with the same
  answer as a wrong password) until the oldest failure is older than the window. Each failure is logged with
  the normalised name and the client address, never the password.
- `BINDINGS` (in this process only) records which Streamlit session belongs to which sign-in, so a browser
  session can only be resumed, uploaded to, or have its downloads fetched by the sign-in that opened it.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from smbcore.data.workspace import default_home
from smbcore.errors import SmbcoreError

__all__ = [
    "COOKIE",
    "FAILURE_LIMIT",
    "FAILURE_WINDOW",
    "SIGN_IN_REFUSED",
    "SignIn",
    "SessionStore",
    "Bindings",
    "BINDINGS",
    "mark_guarded",
    "guarded",
    "idle_seconds",
    "media_seconds",
    "max_age_seconds",
    "safe_for_log",
]

COOKIE = "smbcore_session"
FAILURE_LIMIT = 5
FAILURE_WINDOW = 15 * 60
# The one answer to every refused sign-in: wrong name, wrong password or too many tries look the same.
SIGN_IN_REFUSED = "That user name and password do not match. Ask whoever runs this app to reset it if needed."
_TOUCH_EVERY = 5.0  # seconds: last-used times are written at most this often per sign-in
_log = logging.getLogger("smbcore.signin")


def _seconds_from_env(name: str, default: float, unit: str = "minutes") -> float:
    """Seconds from a number of `unit` (minutes or hours) in environment variable `name` (fractions allowed);
    `default` when unset. A value that is not a positive number is refused with a message naming the variable."""
    text = os.environ.get(name, "").strip()
    try:
        amount = float(text) if text else default
    except ValueError:
        amount = -1
    if not amount > 0:
        raise SmbcoreError(f"{name} must be a positive number of {unit}, not {text!r}: set it to one, or unset it.")
    return amount * (3600 if unit == "hours" else 60)


def idle_seconds() -> float:
    """How long a sign-in may go unused before it ends: $SMBCORE_IDLE_MINUTES (default 30 minutes)."""
    return _seconds_from_env("SMBCORE_IDLE_MINUTES", 30)


def media_seconds() -> float:
    """How long a download link works after the page run that made it: $SMBCORE_MEDIA_MINUTES (default 15)."""
    return _seconds_from_env("SMBCORE_MEDIA_MINUTES", 15)


def max_age_seconds() -> float:
    """How long a sign-in lasts at most, used or not: $SMBCORE_SIGNIN_HOURS (default 12 hours)."""
    return _seconds_from_env("SMBCORE_SIGNIN_HOURS", 12, "hours")


def safe_for_log(text: str, limit: int = 64) -> str:
    """`text` as it may appear in a log line: control characters (line ends, tabs, bidi) replaced, cut to
    `limit` characters, so a typed name can never forge or hide log lines."""
    import unicodedata

    shown = "".join("?" if unicodedata.category(ch)[0] == "C" else ch for ch in str(text))
    return shown[:limit] + ("..." if len(shown) > limit else "")


@dataclass(frozen=True)
class SignIn:
    """A valid sign-in: the owner's (normalised) user name and the sign-in's random id."""

    name: str
    sid: str


def _private_file(path: Path) -> None:
    """Create `path` if missing, readable and writable by this user only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


class SessionStore:
    """Sign-ins, sign-outs and failed tries, kept in `home` (default $SMBCORE_HOME). `clock` gives the time in
    seconds (time.time); tests pass their own to move time forward."""

    def __init__(self, home: Path | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.clock = clock
        self._db = self.home / "sessions.sqlite3"
        self._serializer: URLSafeTimedSerializer | None = None

    # --- storage -------------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if not self._db.exists():
            _private_file(self._db)
        db = sqlite3.connect(self._db, timeout=15, isolation_level=None)
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS signins (sid TEXT PRIMARY KEY, name TEXT NOT NULL,
                                                created REAL NOT NULL, last_seen REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
            CREATE INDEX IF NOT EXISTS failures_key ON failures (key, at);
            """
        )
        return db

    def secret(self) -> bytes:
        """The signing secret: 32 random bytes made the first time and kept in $SMBCORE_HOME/session-secret
        (0600). Several processes starting at once all end up with the same one (created with O_EXCL)."""
        path = self.home / "session-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
        for _ in range(50):  # another process may be between creating and writing it
            text = path.read_text().strip()
            if text:
                return bytes.fromhex(text)
            time.sleep(0.02)
        raise SmbcoreError(f"{path} is empty: delete it and start the app again.")

    def _signer(self) -> URLSafeTimedSerializer:
        if self._serializer is None:
            self._serializer = URLSafeTimedSerializer(self.secret(), salt="smbcore.sign-in")
        return self._serializer

    # --- sign-ins ------------------------------------------------------------------------------------------
    def start(self, name: str) -> str:
        """A new sign-in for `name` (already checked): the token to put in the owner's cookie."""
        sid = secrets.token_urlsafe(24)
        now = self.clock()
        with closing(self._connect()) as db:
            db.execute("INSERT INTO signins VALUES (?, ?, ?, ?)", (sid, name, now, now))
        return self._signer().dumps({"n": name, "s": sid})

    def check(self, token: str | None, *, touch: bool = True) -> SignIn | None:
        """The sign-in `token` stands for, or None when it is missing, forged, too old, signed out, idle for
        longer than `idle_seconds()`, or its owner no longer has an account. `touch` marks it as used now."""
        if not token:
            return None
        try:
            data = self._signer().loads(token, max_age=max_age_seconds())
            name, sid = str(data["n"]), str(data["s"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        from smbcore.accounts import users

        now = self.clock()
        with closing(self._connect()) as db:
            row = db.execute("SELECT name, last_seen FROM signins WHERE sid = ?", (sid,)).fetchone()
            if row is None or row[0] != name:
                return None
            if now - row[1] > idle_seconds():
                db.execute("DELETE FROM signins WHERE sid = ?", (sid,))
                _log.info("Sign-in of %s ended after being idle.", safe_for_log(name))
                return None
            if name not in users():
                return None
            if touch and now - row[1] >= _TOUCH_EVERY:
                db.execute("UPDATE signins SET last_seen = ? WHERE sid = ?", (now, sid))
        return SignIn(name, sid)

    def sign_out_everywhere(self, name: str) -> int:
        """End every sign-in of `name` (every browser, every app process); returns how many there were."""
        with closing(self._connect()) as db:
            ended = db.execute("DELETE FROM signins WHERE name = ?", (name,)).rowcount
        _log.info("%s signed out everywhere (%d sign-ins ended).", safe_for_log(name), ended)
        return ended

    # --- failed tries --------------------------------------------------------------------------------------
    def _failures(self, db: sqlite3.Connection, key: str, now: float) -> int:
        return db.execute(
            "SELECT COUNT(*) FROM failures WHERE key = ? AND at > ?", (key, now - FAILURE_WINDOW)
        ).fetchone()[0]

    def sign_in(self, typed_name: str, password: str, address: str | None) -> str | None:
        """Check a typed name and password from client `address`: the new sign-in's token, or None (then show
        `SIGN_IN_REFUSED`, whatever the reason). Refused without looking at the password while the name or the
        address has `FAILURE_LIMIT` failures within `FAILURE_WINDOW`; each failure is counted and logged."""
        from smbcore.accounts import normalise_name, verify

        name = normalise_name(typed_name)
        address = address or "unknown address"
        keys = (f"name:{name}", f"address:{address}")
        now = self.clock()
        with closing(self._connect()) as db:
            db.execute("DELETE FROM failures WHERE at <= ?", (now - FAILURE_WINDOW,))
            counts = [self._failures(db, key, now) for key in keys]
        if max(counts) >= FAILURE_LIMIT:
            verify("", password)  # the same work as a real check, so the answer takes as long
            _log.warning(
                "Sign-in refused for %r from %s: too many failed tries in the last %d minutes "
                "(name: %d, address: %d).",
                safe_for_log(name), safe_for_log(address), FAILURE_WINDOW // 60, *counts,
            )  # fmt: skip
            return None
        if verify(name, password):
            return self.start(name)
        with closing(self._connect()) as db:
            db.executemany("INSERT INTO failures VALUES (?, ?)", [(key, now) for key in keys])
        _log.warning(
            "Failed sign-in for %r from %s (%d of %d allowed tries for this name in %d minutes).",
            safe_for_log(name), safe_for_log(address), counts[0] + 1, FAILURE_LIMIT, FAILURE_WINDOW // 60,
        )  # fmt: skip
        return None


class Bindings:
    """Which Streamlit session (by its id) was opened by which sign-in (by sid), and when its page last ran.
    Kept in this process only, as Streamlit's sessions are. Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._by_session: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def bind(self, session_id: str, sid: str) -> bool:
        """Record a run of `session_id` by sign-in `sid`. False (and nothing changed) when the session was
        opened by another sign-in: that session must not be shown to this one."""
        with self._lock:
            bound = self._by_session.get(session_id)
            if bound is not None and bound[0] != sid:
                return False
            now = self.clock()
            self._by_session[session_id] = (sid, now)
            if len(self._by_session) > 1000:  # forget sessions unused for longer than any sign-in lasts
                oldest = now - max_age_seconds()
                self._by_session = {s: b for s, b in self._by_session.items() if b[1] >= oldest}
            return True

    def ran(self, session_id: str) -> None:
        """Note that a run of `session_id` just finished (its download links count their minutes from now)."""
        with self._lock:
            bound = self._by_session.get(session_id)
            if bound is not None:
                self._by_session[session_id] = (bound[0], self.clock())

    def owner(self, session_id: str | None) -> str | None:
        """The sid of the sign-in that opened `session_id` (None: not known in this process)."""
        with self._lock:
            bound = self._by_session.get(session_id or "")
        return bound[0] if bound else None

    def last_run(self, session_id: str) -> float | None:
        with self._lock:
            bound = self._by_session.get(session_id)
        return bound[1] if bound else None

    def sessions_of(self, sid: str) -> list[str]:
        with self._lock:
            return [session for session, (owner, _) in self._by_session.items() if owner == sid]

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._by_session.pop(session_id, None)


BINDINGS = Bindings()
_GUARDED = threading.Event()


def mark_guarded() -> None:
    """Called by server.py when its guard is in front of the app in this process."""
    _GUARDED.set()


def guarded() -> bool:
    """True when this process serves the app through server.py's guard (sign-in pages, cookie checks)."""
    return _GUARDED.is_set()
