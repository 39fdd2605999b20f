"""The real app for live tests: `streamlit run server.py` on a free local port, Debian's Chromium, and a plain
websocket client that speaks Streamlit's protocol (for tests that need no browser)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVER_COMMAND = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.headless", "true"]


def start_app(home: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start the app with SMBCORE_HOME=home and wait until /_stcore/health answers; returns (server, url)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium is missing: run `apt-get install -y chromium` (.ci/run does).")
    return start_server(home, port)


def start_server(home: Path, port: int | None = None, address: str = "127.0.0.1", env: dict | None = None,
                 stderr=subprocess.PIPE, script: str = "server.py") -> tuple[subprocess.Popen, str]:  # fmt: skip
    """`streamlit run server.py` (or `script`) with SMBCORE_HOME=home (and `env` added) on `address`; waits until
    /_stcore/health answers and returns (server, url). RuntimeError with the server's last words if it stops
    or does not answer within 60 s."""
    port = port or free_port()
    command = [*SERVER_COMMAND, "--server.port", str(port), "--server.address", address]
    command[command.index("server.py")] = script
    env = dict(os.environ, SMBCORE_HOME=str(home), **(env or {}))
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline and server.poll() is None:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    words = server.stderr.read().decode()[-2000:] if server.stderr else ""
    raise RuntimeError("The app did not start within 60 s: " + words)


def stop_app(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=20)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class Run:
    """What one page run sent to a client: every element as protobuf text, the session id, download links."""

    def __init__(self, session_id: str, deltas: list) -> None:
        self.session_id = session_id
        self.deltas = deltas
        self.text = "\n".join(str(delta) for delta in deltas)

    @property
    def media(self) -> list[str]:
        """The /media/... addresses of the downloads and images this run showed."""
        import re

        return sorted(set(re.findall(r"/media/[0-9a-f]+\.\w+", self.text)))

    def widget_id(self, label: str) -> str:
        """The id of the button labelled `label` (AssertionError when the run showed none)."""
        for delta in self.deltas:
            element = delta.new_element
            kind = element.WhichOneof("type")
            if kind in ("button", "download_button") and getattr(element, kind).label == label:
                return getattr(element, kind).id
        raise AssertionError(f"no button {label!r} in this run")


class StreamlitClient:
    """A browser tab without a browser: Streamlit's websocket (/_stcore/stream) with `cookie` (a Cookie header
    value), asking to resume `session_id` when given, as Streamlit's frontend does after a reconnect."""

    def __init__(self, url: str, cookie: str | None = None, session_id: str | None = None) -> None:
        from websockets.sync.client import connect

        headers = {"Origin": url}
        if cookie:
            headers["Cookie"] = cookie
        protocols = ["streamlit", "xsrf-unused"] + ([session_id] if session_id else [])
        self._connection = connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=protocols,
                                   additional_headers=headers, open_timeout=30, max_size=None)  # fmt: skip
        self.socket = self._connection.__enter__()
        self.session_id: str | None = None

    def send(self, message) -> None:
        """Send a BackMsg as it is."""
        self.socket.send(message.SerializeToString())

    def run(self, click: str | None = None, timeout: float = 180) -> Run:
        """Run the page (clicking the button with id `click` if given) and collect what it sent until it
        finished. TimeoutError when it did not finish in `timeout` seconds."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_script_hash = ""
        if click:
            state = back.rerun_script.widget_states.widgets.add()
            state.id = click
            state.trigger_value = True
        self.send(back)
        deltas, deadline = [], time.time() + timeout
        while time.time() < deadline:
            forward = ForwardMsg()
            forward.ParseFromString(self.socket.recv(timeout=max(0.1, deadline - time.time())))
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                self.session_id = forward.new_session.initialize.session_id or self.session_id
            elif kind == "delta":
                deltas.append(forward.delta)
            elif kind == "script_finished" and forward.script_finished != forward.FINISHED_EARLY_FOR_RERUN:
                return Run(self.session_id or "", deltas)
        raise TimeoutError("the page did not finish")

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
