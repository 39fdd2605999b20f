"""The running app for the benchmarks that need one (load.py, load_ws.py, cold_start.py): `streamlit run
server.py` in its own process group on a free local port, waiting for its health check, stopping it, and the
CPU and memory of its process tree read from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["free_port", "start_server", "stop_server", "tree_usage", "wait_healthy"]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, home: Path, log) -> subprocess.Popen:
    """`streamlit run server.py` in its own process group, single-user mode on `home`, output to `log`."""
    command = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    env = dict(os.environ, SMBCORE_HOME=str(home))
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    """Block until /_stcore/health answers 200 (checked every 0.05 s, so start-up times are exact to that), or
    fail if the server exits or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url}/_stcore/health did not answer 200 within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    """Terminate the server's whole process group, then kill it if it has not gone within 15 s."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)
    except ProcessLookupError:
        pass


def tree_usage(pid: int) -> tuple[float, float]:
    """(resident MB, user+system CPU seconds with reaped children) of pid and all its descendants, from /proc."""
    stats: dict[int, list[str]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stats[int(entry)] = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(p for p, fields in stats.items() if int(fields[1]) == tree[-1])
    pages = sum(int(stats[p][21]) for p in tree if p in stats)  # rss, in pages (field 24 of /proc/PID/stat)
    ticks = sum(int(f) for p in tree if p in stats for f in stats[p][11:15])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20, ticks / os.sysconf("SC_CLK_TCK")
