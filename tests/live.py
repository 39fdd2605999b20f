"""The real app for browser tests: `streamlit run app.py` on a free local port, and Debian's Chromium."""

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


def start_app(home: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start the app with SMBCORE_HOME=home and wait until /_stcore/health answers; returns (server, url)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium is missing: run `apt-get install -y chromium` (.ci/run does).")
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    env = dict(os.environ, SMBCORE_HOME=str(home))
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("The app did not start within 60 s: " + server.stderr.read().decode()[-2000:])


def stop_app(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=20)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
