"""Where refresh jobs run: a `concurrent.futures` executor chosen by the environment, and a queue a separate
worker process serves.

- `SMBCORE_DASK_SCHEDULER=tcp://host:8786`: jobs run on that Dask distributed cluster (`Client.get_executor()`);
  the workers need smbcore installed and the workspaces' folder mounted at the same path.
- `SMBCORE_EXECUTOR=inline`: jobs run at once in the calling thread (tests, the CLI).
- otherwise: a local pool of `SMBCORE_WORKERS` processes (default 1), started on first use, so a page stays
  responsive while a refresh runs.
- `SMBCORE_JOBS=queue`: the app only writes job files into `$SMBCORE_HOME/jobs/`; `python -m smbcore worker`
  takes them in turn and runs them on the executor above.

Jobs are `refresh.run(path)` (everything for a workspace) and `results.compute(path, request)` (one result, for a
page setting the refresh did not cover). Both are safe to run twice: a result already stored is read, and a
refresh or result another process is working on is waited for, not started again.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import socket
import sys
import tempfile
import threading
import time
import types
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from smbcore import claims, refresh, results
from smbcore.errors import SmbcoreError

__all__ = [
    "NoWorkerError",
    "enqueue",
    "stalled",
    "executor",
    "queue_folder",
    "reset",
    "serve",
    "submit_refresh",
    "submit_result",
]

_log = logging.getLogger("smbcore.jobs")
_EXECUTOR: Executor | None = None
_CLIENT = None  # the Dask client behind the executor, when there is one
_GUARD = threading.Lock()
_IN_FLIGHT: dict[tuple, Future] = {}
STALLED_SECONDS = 120
_START = claims.start_time(os.getpid())  # with the pid, names this process in the files of the jobs it takes


class InlineExecutor(Executor):
    """Runs each job at once in the calling thread and returns its finished future."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _make_executor() -> Executor:
    scheduler = os.environ.get("SMBCORE_DASK_SCHEDULER")
    if scheduler:
        from distributed import Client

        global _CLIENT
        _CLIENT = Client(scheduler)
        return _CLIENT.get_executor(pure=False)
    if os.environ.get("SMBCORE_EXECUTOR") == "inline":
        return InlineExecutor()
    workers = int(os.environ.get("SMBCORE_WORKERS") or 1)
    # spawn: the app's threads (Streamlit, DuckDB) must not be copied into the workers by fork
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_end_with_parent)


def _end_with_parent() -> None:
    """In a pool process: end when the app that started it has ended, instead of finishing a refresh for a
    stopped app (the next start resumes it). A watch thread, since the pool starts its processes from
    short-lived page threads (so PR_SET_PDEATHSIG would end them too early)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(0)

    threading.Thread(target=watch, name="smbcore-end-with-parent", daemon=True).start()


def executor() -> Executor:
    """This process's job executor (made on first use, see the module docstring)."""
    global _EXECUTOR
    with _GUARD:
        if _EXECUTOR is None:
            _EXECUTOR = _make_executor()
        return _EXECUTOR


@contextlib.contextmanager
def _bare_main():
    """Streamlit runs each page as the module __main__ (from the page's file), and a spawned process imports
    its parent's __main__ first: it would run the app. While the pool starts a process, __main__ is bare."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _drop_if_broken(future: Future) -> None:
    """A worker process that died (out of memory, killed) breaks its pool: the next job gets a new pool."""
    global _EXECUTOR
    if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
        with _GUARD:
            _EXECUTOR = None


def reset() -> None:
    """Shut this process's executor down (and its Dask client): the next job makes one from the environment."""
    global _EXECUTOR, _CLIENT
    with _GUARD:
        executor, client, _EXECUTOR, _CLIENT = _EXECUTOR, _CLIENT, None, None
        _IN_FLIGHT.clear()
    if executor is not None:
        executor.shutdown(wait=True)
    if client is not None:
        client.close()


def _submit_once(key: tuple, fn, *args) -> Future:
    """`fn(*args)` on the executor, unless the same job is already in flight from this process."""
    with _GUARD:
        found = _IN_FLIGHT.get(key)
        if found is not None and not found.done():
            return found
    pool = executor()
    if isinstance(pool, ProcessPoolExecutor):
        with _bare_main():  # the pool starts its processes inside submit
            future = pool.submit(fn, *args)
        future.add_done_callback(_drop_if_broken)
    else:
        future = pool.submit(fn, *args)
    with _GUARD:
        _IN_FLIGHT[key] = future
        for old in [k for k, f in _IN_FLIGHT.items() if f.done() and k != key]:
            del _IN_FLIGHT[old]
    return future


def submit_refresh(path: str | Path) -> Future | None:
    """Start the workspace's refresh unless its results are current or it is running (None then). With
    SMBCORE_JOBS=queue the job is queued for `python -m smbcore worker` instead (None)."""
    path = str(path)
    if refresh.running(path) or refresh.is_current(path):
        return None
    if os.environ.get("SMBCORE_JOBS") == "queue":
        enqueue("refresh", path)
        return None
    return _submit_once(("refresh", path), refresh.run, path)


def submit_result(path: str | Path, req: results.Request) -> Future | None:
    """Work out one result as a job (a page setting the refresh did not cover); noted for later refreshes."""
    path = str(path)
    refresh.remember(path, req)
    if os.environ.get("SMBCORE_JOBS") == "queue":
        enqueue("result", path, req)
        return None
    return _submit_once(("result", path, req.key), compute_quietly, path, req)


def compute_quietly(path: str, req: results.Request) -> None:
    """results.compute as a job: the page reads the stored result, so the value itself (a fitted model can be
    hundreds of MB) is not sent back through the pool or the cluster."""
    results.compute(path, req)


class NoWorkerError(SmbcoreError):
    """Jobs wait in the queue and no worker takes them."""

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "Nothing is working out these figures: this app hands its work to a separate worker, and none has "
            f"taken any for {STALLED_SECONDS // 60} minutes. Ask whoever runs the app to start "
            "'python -m smbcore worker' (or to unset SMBCORE_JOBS), then open this page again."
        )


def stalled(seconds: float | None = None) -> bool:
    """True when a queued job has waited `seconds` (default STALLED_SECONDS) without a worker taking it."""
    limit = time.time() - (STALLED_SECONDS if seconds is None else seconds)
    try:
        return any(file.stat().st_mtime < limit for file in queue_folder().glob("*.job"))
    except OSError:
        return False


def queue_folder() -> Path:
    """Where queued jobs wait for `python -m smbcore worker`: $SMBCORE_HOME/jobs."""
    from smbcore.data import default_home

    return default_home() / "jobs"


def enqueue(kind: str, path: str, req: results.Request | None = None) -> Path:
    """Write a job file for the worker (written whole, then renamed into place)."""
    folder = queue_folder()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        pickle.dump({"kind": kind, "path": path, "request": req}, out)
    target = folder / f"{time.time_ns()}-{os.getpid()}.job"
    os.replace(temp, target)
    return target


def _take(folder: Path) -> tuple[Path, dict] | None:
    """The oldest queued job, moved out of the queue so no other worker takes it; None when there is none."""
    for file in sorted(folder.glob("*.job")):
        taken = file.with_name(f"{file.stem}.taken~{socket.gethostname()}~{os.getpid()}~{_START}")
        try:
            os.rename(file, taken)
        except FileNotFoundError:
            continue  # another worker took it
        with open(taken, "rb") as handle:
            return taken, pickle.load(handle)
    return None


def _requeue(taken: Path) -> None:
    os.replace(taken, taken.with_name(taken.name.split(".taken~")[0] + ".job"))


def _requeue_orphans(folder: Path) -> None:
    """Jobs taken by a worker on this machine that has died go back into the queue (a killed worker's refresh
    resumes); a worker elsewhere is left to its own machine."""
    for file in folder.glob("*.taken~*"):
        _, host, pid, started = file.name.split("~")
        if claims.process_alive(host, int(pid), None if started == "None" else started) is False:
            _requeue(file)


def _run(job: dict):
    if job["kind"] == "refresh":
        return refresh.run(job["path"])
    return results.compute(job["path"], job["request"])


def serve(once: bool = False, poll_seconds: float = 1.0) -> int:
    """The worker loop: take queued jobs in turn and run them on the executor; returns how many ran. With
    `once`, stops when the queue is empty."""
    folder = queue_folder()
    folder.mkdir(parents=True, exist_ok=True)
    _requeue_orphans(folder)
    done = 0
    while True:
        found = _take(folder)
        if found is None:
            if once:
                return done
            time.sleep(poll_seconds)
            continue
        taken, job = found
        try:
            executor().submit(_run, job).result()
        except BrokenProcessPool:  # a pool process died (out of memory, killed): a new pool, the job again
            _log.warning("A worker process died during a %s job on %s; it is queued again.", job["kind"], job["path"])
            reset()
            _requeue(taken)
            continue
        except Exception as exc:  # one job's failure never stops the worker
            _log.warning("Job %s on %s failed: %s", job["kind"], job["path"], exc)
        taken.unlink(missing_ok=True)
        done += 1
