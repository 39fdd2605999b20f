"""Refresh jobs (issue 17): results worked out once per data version, off the page, and read by the pages.

An owner's own export (the WooCommerce file of the owners' corpus, with the newsletter customers file) is saved
into a fresh single-user workspace; the refresh runs on it, then the pages are opened under AppTest and must read
every heavy result instead of fitting again (smbcore.results.COMPUTED counts what this process worked out).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from smbcore import cache, jobs, recipes, refresh, results
from smbcore.data import Workspace

from .app_checks import start
from .conftest import ROOT
from .owner_checks import manifest
from .test_owners import save_entry

PAGES = ["pages/overview.py", "pages/customers.py", "pages/marketing.py", "pages/plan.py", "pages/fairness.py",
         "pages/health.py", "pages/forecast.py"]  # fmt: skip


def _owner_workspace(home, files=("woocommerce_orders.csv", "customers_newsletter.csv")) -> Workspace:
    workspace = Workspace(home / "workspace.duckdb")
    entries = {entry["file"]: entry for entry in manifest()}
    for name in files:
        save_entry(entries[name], workspace)
    return workspace


def _heavy(counts) -> dict:
    return {name: n for name, n in counts.items() if name in recipes.HEAVY}


@pytest.fixture()
def refreshed(home) -> Workspace:
    workspace = _owner_workspace(home)
    final = refresh.run(workspace.path)
    assert final["state"] == "done" and final["done"] == final["total"] >= 20, final
    return workspace


def test_pages_read_the_refresh_instead_of_fitting(refreshed, monkeypatch):
    assert refresh.is_current(refreshed.path)
    results.COMPUTED.clear()
    for page in PAGES:
        app = start(monkeypatch, refreshed.path.parent, "own", page)
        assert not app.exception, (page, [e.value for e in app.exception])
    assert _heavy(results.COMPUTED) == {}, "pages fitted again after the refresh"
    # every default the refresh worked out is what a page asked for: none was worked out again
    assert results.COMPUTED.total() <= 3, dict(results.COMPUTED)


def test_a_saved_table_starts_exactly_one_refresh(home, monkeypatch):
    monkeypatch.setenv("SMBCORE_AUTO_REFRESH", "1")
    workspace = _owner_workspace(home, ("woocommerce_orders.csv",))
    results.COMPUTED.clear()
    app = start(monkeypatch, home, "own", "pages/overview.py")
    app.switch_page("pages/customers.py").run()
    app.run()
    assert not app.exception
    assert results.COMPUTED["smbcore.customers.analyse"] == 1  # the refresh's fit; the page read it
    assert refresh.is_current(workspace.path)
    first = refresh.status(workspace.path)["started"]
    # a new table: one more refresh, on the new versions
    _owner_workspace(home, ("customers_newsletter.csv",))
    app.run()
    app.run()
    assert refresh.status(workspace.path)["started"] > first
    assert refresh.is_current(workspace.path)
    assert results.COMPUTED["smbcore.recipes.marketing_plan"] == 2  # reads customers: worked out again, once
    assert results.COMPUTED["smbcore.customers.analyse"] == 1  # reads only the orders, which did not change


def test_new_data_or_a_new_smbcore_never_serves_an_old_result(refreshed, monkeypatch):
    path = refreshed.path
    old = results.request(recipes.recommender, results.table_versions(path))
    assert results.lookup(path, old) is not results.MISSING
    monkeypatch.setattr("smbcore.__version__", "99.0.0")
    assert results.lookup(path, old) is results.MISSING
    monkeypatch.undo()
    monkeypatch.setattr(cache, "CODE", "another-code")
    assert results.lookup(path, old) is results.MISSING
    assert not refresh.is_current(path)
    monkeypatch.undo()
    orders = refreshed.load("transactions")
    refreshed.save("transactions", orders.iloc[: len(orders) // 2], source="half")
    new = results.request(recipes.recommender, results.table_versions(path))
    assert new != old and results.lookup(path, new) is results.MISSING
    assert not refresh.is_current(path)


def test_a_data_problem_is_stored_and_told_not_refitted(home):
    workspace = _owner_workspace(home, ("woocommerce_orders.csv",))
    orders = workspace.load("transactions")
    workspace.save("transactions", orders.iloc[:30], source="a few lines")  # too short to replay anything
    final = refresh.run(workspace.path)
    failed = dict(final["failed"])
    assert "smbcore.allocate.prepare.stock_replay_inputs" in failed, failed
    req = results.request("smbcore.allocate.prepare.stock_replay_inputs", results.table_versions(workspace.path),
                          200, 56)  # fmt: skip
    results.COMPUTED.clear()
    with pytest.raises(Exception, match=failed["smbcore.allocate.prepare.stock_replay_inputs"][:40]):
        results.lookup(workspace.path, req)
    assert results.COMPUTED.total() == 0


def _cli(*args, env_home) -> subprocess.CompletedProcess:
    env = {**os.environ, "SMBCORE_HOME": str(env_home), "SMBCORE_EXECUTOR": "inline"}
    return subprocess.run([sys.executable, "-m", "smbcore", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def test_the_command_line_refresh_and_worker(home):
    workspace = _owner_workspace(home, ("woocommerce_orders.csv",))
    done = _cli("refresh", env_home=home)
    assert done.returncode in (0, 1), done.stderr
    assert "your workspace: done in" in done.stdout
    assert refresh.is_current(workspace.path)
    again = _cli("refresh", env_home=home)
    assert "done in" in again.stdout and refresh.is_current(workspace.path)
    # the worker serves what an app queued (SMBCORE_JOBS=queue)
    _owner_workspace(home, ("customers_newsletter.csv",))
    assert not refresh.is_current(workspace.path)
    jobs.enqueue("refresh", str(workspace.path))
    served = _cli("worker", "--once", env_home=home)
    assert served.returncode == 0 and "1 jobs done" in served.stdout, served.stdout + served.stderr
    assert refresh.is_current(workspace.path) and not list(jobs.queue_folder().iterdir())
    wrong = _cli("refresh", "--sample", "nope", env_home=home)
    assert wrong.returncode == 2 and "There is no sample 'nope'" in wrong.stderr and "Traceback" not in wrong.stderr


def _refresh_in_background(home, workspace: Workspace, steps: int) -> subprocess.Popen:
    """`python -m smbcore refresh` in another process, returned once it has finished `steps` steps."""
    env = {**os.environ, "SMBCORE_HOME": str(home), "SMBCORE_EXECUTOR": "inline"}
    child = subprocess.Popen([sys.executable, "-m", "smbcore", "refresh"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 300
    while (refresh.status(workspace.path) or {}).get("done", 0) < steps and time.monotonic() < deadline:
        time.sleep(0.1)
    return child


def test_a_killed_refresh_keeps_everything_and_the_next_resumes(home):
    workspace = _owner_workspace(home)
    saved = results.table_versions(workspace.path)
    child = _refresh_in_background(home, workspace, steps=12)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    cut = refresh.status(workspace.path)
    assert cut["state"] == "running" and 12 <= cut["done"] < cut["total"], cut
    assert not refresh.running(workspace.path)  # its lock's process is dead
    assert results.table_versions(workspace.path) == saved
    assert workspace.load("transactions").shape[0] > 0
    analysed = results.request(recipes.ANALYSE, saved)
    assert results.lookup(workspace.path, analysed) is not results.MISSING  # an earlier step's result is intact
    results.COMPUTED.clear()
    final = refresh.run(workspace.path)
    assert final["state"] == "done" and refresh.is_current(workspace.path)
    assert results.COMPUTED["smbcore.customers.analyse"] == 0  # resumed, not started over
    assert results.COMPUTED.total() <= final["total"] - 12


def test_a_page_waits_on_a_running_refresh_and_shows_its_step(refreshed, monkeypatch):
    """While another process holds the refresh, a page asks nothing twice: it shows the refresh's step and
    reads the result when it lands."""
    from pages import _cached

    path = str(refreshed.path)
    req = results.request(recipes.all_recommendations, results.table_versions(path), 5, True)
    lock = cache.folder_for(path) / "refresh.lock"
    lock.write_text(f'{{"host": "{os.uname().nodename}", "pid": {os.getpid()}}}')  # a live refresh: this test
    (cache.folder_for(path) / "refresh.json").write_text(
        '{"state": "running", "step": "Scoring every customer", "done": 6, "total": 30}'
    )
    words, share = _cached._progress_words(path, req, time.monotonic())
    assert words == "Working out your figures in the background, step 7 of 30: Scoring every customer."
    assert share == pytest.approx(0.2)
    assert jobs.submit_refresh(path) is None  # running: not started twice
    lock.unlink()


def test_jobs_run_on_a_dask_cluster(home, monkeypatch):
    distributed = pytest.importorskip("distributed")
    workspace = _owner_workspace(home, ("woocommerce_orders.csv",))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        monkeypatch.setenv("SMBCORE_DASK_SCHEDULER", cl.scheduler_address)
        jobs.reset()
        try:
            final = jobs.submit_refresh(workspace.path).result(timeout=600)
            req = results.request(recipes.all_recommendations, results.table_versions(workspace.path), 3, True)
            assert jobs.submit_result(workspace.path, req).result(timeout=300) is None  # the value stays put
            table = results.lookup(workspace.path, req)
            assert "distributed" in type(jobs.executor()).__module__
        finally:
            jobs.reset()
    assert final["state"] == "done" and refresh.is_current(workspace.path)
    assert isinstance(table, pd.DataFrame) and table.groupby("customer_id").size().max() == 3


def test_a_table_saved_during_a_refresh_gets_its_own(home):
    workspace = _owner_workspace(home, ("woocommerce_orders.csv",))
    child = _refresh_in_background(home, workspace, steps=3)
    _owner_workspace(home, ("customers_newsletter.csv",))  # saved while the refresh runs (waits for the file)
    assert child.wait(timeout=600) == 0
    assert refresh.is_current(workspace.path)  # on the new versions: customers included
    assert "customers" in refresh.status(workspace.path)["versions"]
    assert not refresh.running(workspace.path)


def test_a_lock_left_by_a_dead_process_does_not_block(home, tmp_path):
    from smbcore import claims

    lock = tmp_path / "refresh.lock"
    mine = claims.take(lock)
    assert mine is not None and claims.alive(lock) and claims.take(lock) is None
    mine.release()
    assert not lock.exists()
    # a container restarted: its hostname and a small pid come back, but not the process's start time
    lock.write_text(f'{{"host": "{os.uname().nodename}", "pid": {os.getpid()}, "started": "1", "token": "old"}}')
    assert not claims.alive(lock)
    taken = claims.take(lock)
    assert taken is not None and claims.alive(lock)
    taken.release()


def test_pages_still_show_results_that_could_not_be_kept(home, monkeypatch):
    """A full disk: nothing can be stored, every page still shows its figures (worked out in the page)."""
    _owner_workspace(home, ("woocommerce_orders.csv",))

    def disk_full(file, value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache, "_write", disk_full)
    for page in ("pages/customers.py", "pages/overview.py"):
        app = start(monkeypatch, home, "own", page)
        assert not app.exception, (page, [e.value for e in app.exception])
        assert not app.error, (page, [e.value for e in app.error])
    assert not any(cache.folder_for(home / "workspace.duckdb").glob("*.pkl"))


def test_pages_work_when_no_job_can_be_started(home, monkeypatch):
    """The Dask scheduler is down: the page works its figures out itself instead of failing."""
    _owner_workspace(home, ("woocommerce_orders.csv",))
    monkeypatch.setenv("SMBCORE_AUTO_REFRESH", "1")
    monkeypatch.setenv("SMBCORE_DASK_SCHEDULER", "tcp://127.0.0.1:9")
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "1s")
    monkeypatch.setattr(jobs, "_EXECUTOR", None)
    try:
        app = start(monkeypatch, home, "own", "pages/customers.py")
        assert not app.exception, [e.value for e in app.exception]
        assert "Everything here is learned" in " ".join(c.value for c in app.caption)
    finally:
        monkeypatch.setattr(jobs, "_EXECUTOR", None)
