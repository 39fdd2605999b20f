"""Nothing lost: a process killed in the middle of saving leaves every saved table whole and the decisions
log intact; after a restart the owner sees one complete version of each table, never a mix. A full disk is
reported as a full disk, and keeps what was saved."""

import errno
import logging
import os
import subprocess
import sys
import time

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from smbcore.data import Workspace
from smbcore.data.workspace import content_version
from smbcore.errors import DiskFullError
from smbcore.synthetic import generate_transactions

from .conftest import ROOT
from .live import launch_chromium, start_app, stop_app

WRITER = """
import sys, time
sys.path.insert(0, sys.argv[2])
from smbcore.data import Workspace
from smbcore.synthetic import generate_transactions
frames = [generate_transactions(n_lines=60_000, n_customers=2_000, days=300, seed=s) for s in (1, 2)]
workspace = Workspace(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    print(f"saving {i}", flush=True)
    started = time.monotonic()
    workspace.save("transactions", frames[i % 2], source=f"save {i}")
    print(f"saved {i} {time.monotonic() - started:.3f}", flush=True)
    workspace.log_decision("data", "transactions", "saved", reason=f"save {i}")
    i += 1
"""


def _kill_during_a_save(path, share: float) -> tuple[int, bool]:
    """Start WRITER on `path`, let it save twice to time a save, then kill it `share` of the quickest save's time
    after it printed that it started the next save. Returns (that save's number, True when the kill came before the
    save returned: no 'saved' line after it)."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(ROOT)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    seconds = []
    while True:
        words = writer.stdout.readline().split()
        if words[0] == "saved":
            seconds.append(float(words[2]))
        elif len(seconds) >= 2:  # 'saving N' of the third save or later
            break
    number = int(words[1])
    time.sleep(share * min(seconds))
    writer.kill()
    writer.wait()
    after = writer.stdout.read().split("\n")
    return number, f"saved {number}" not in " ".join(after)


def test_killing_the_server_mid_save_leaves_the_workspace_whole(tmp_path):
    """The writer saves two tables in turn and logs each save; the kill comes while a save is running (checked:
    the writer had said 'saving N' and never 'saved N'). After a restart the table is one whole version (the one
    saved before, or the one being saved if the kill came after its commit), and the log holds every save before."""
    frames = [generate_transactions(n_lines=60_000, n_customers=2_000, days=300, seed=s) for s in (1, 2)]
    versions = [content_version(frame) for frame in frames]
    kept_the_previous = []
    for trial, share in enumerate((0.2, 0.5, 0.8)):  # kill at different moments of a save
        for attempt in range(3):  # on a busy machine the save may, rarely, end before the kill: try again
            path = tmp_path / f"workspace_{trial}_{attempt}.duckdb"
            number, mid_save = _kill_during_a_save(path, share)
            if mid_save:
                break
        assert mid_save, f"the kill never came before save {number} ended ({share:.0%} of a save's time)"
        workspace = Workspace(path)  # as after a restart
        table = workspace.load("transactions")
        version = workspace.version("transactions")
        previous, interrupted = versions[(number - 1) % 2], versions[number % 2]
        assert version in (previous, interrupted) and content_version(table) == version  # whole, as catalogued
        assert len(table) == len(frames[versions.index(version)])
        assert workspace.catalog()["source"].tolist() == [f"save {number - (version == previous)}"]
        log = workspace.decisions()
        assert log["reason"].tolist() == [f"save {k}" for k in range(number)]  # every save before, nothing after
        assert log["id"].is_unique and log["id"].is_monotonic_increasing
        kept_the_previous.append(version == previous)
    assert any(kept_the_previous)  # at least one kill came before the commit: the save before it was kept whole


def _orders_file(n_lines: int, start: str, seed: int) -> tuple[bytes, str]:
    """An orders CSV and how the Overview page shows its dates."""
    tx = generate_transactions(n_lines=n_lines, n_customers=1_500, days=200, start=start, seed=seed)
    dates = f"Orders from {tx['timestamp'].min():%d %b %Y} to {tx['timestamp'].max():%d %b %Y}."
    return tx.to_csv(index=False).encode(), dates


def _upload_and_save(page, url: str, name: str, data: bytes) -> None:
    page.goto(f"{url}/data")
    page.locator("input[type=file]").set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.get_by_role("button", name="Save as my orders").click(timeout=180_000)


def _shown_dates(page, url: str) -> str:
    page.goto(url)
    page.get_by_text("Showing: Your own data.").wait_for(timeout=120_000)
    caption = page.get_by_text("Orders from ", exact=False)
    caption.wait_for(timeout=120_000)
    return caption.inner_text()


def _taking_turns(read_or_write, tries: int = 40):
    """Run a workspace call from this test process while the app's server may hold the file (DuckDB allows one
    process at a time; the app's own sessions take turns through a lock inside the server process)."""
    for _ in range(tries - 1):
        try:
            return read_or_write()
        except duckdb.IOException as exc:
            if "lock" not in str(exc):
                raise
            time.sleep(0.25)
    return read_or_write()


@pytest.mark.browser
@pytest.mark.slow
def test_killing_the_running_app_during_an_upload_save_keeps_what_was_saved(tmp_path):
    """`streamlit run`; a browser saves an orders file, then saves a large one once to time it; then, over and
    over, starts saving the other file and kills the server part-way through that time. After each restart the
    owner sees one whole version, the decisions log is intact, and at least one kill came before the save ended."""
    from playwright.sync_api import sync_playwright

    home = tmp_path / "home"
    path = home / "workspace.duckdb"
    files = {  # rows -> (file name, CSV, how the Overview shows its dates)
        5_000: ("small.csv", *_orders_file(5_000, "2023-01-01", seed=5)),
        300_000: ("large.csv", *_orders_file(300_000, "2024-03-01", seed=6)),
    }
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        server, url = start_app(home)
        _upload_and_save(page, url, *files[5_000][:2])
        page.get_by_text("Saved 5,000 rows", exact=False).wait_for(timeout=120_000)
        _taking_turns(
            lambda: Workspace(path).log_decision("data", "transactions", "checked", reason="before the crash")
        )
        _upload_and_save(page, url, *files[300_000][:2])
        clicked = time.monotonic()
        page.get_by_text("Saved 300,000 rows", exact=False).wait_for(timeout=120_000)
        save_seconds = time.monotonic() - clicked
        saved_rows, outcomes = 300_000, []
        for share in (0.2, 0.4, 0.6):  # kill at these shares of the time one save took
            other = 5_000 if saved_rows == 300_000 else 300_000
            _upload_and_save(page, url, *files[other][:2])
            time.sleep(share * save_seconds)
            server.kill()
            server.wait()
            server, url = start_app(home)
            shown = _shown_dates(page, url)
            workspace = Workspace(path)
            table, catalogued, log = _taking_turns(
                lambda ws=workspace: (ws.load("transactions"), ws.version("transactions"), ws.decisions())
            )
            assert catalogued == content_version(table)  # whole, as catalogued
            assert len(table) in files and shown == files[len(table)][2], (len(table), shown)
            assert "before the crash" in log["reason"].tolist()
            outcomes.append("kept the saved file" if len(table) == saved_rows else "the new save had finished")
            saved_rows = len(table)
        stop_app(server)
        browser.close()
    print(f"one save took {save_seconds:.1f} s; after each kill and restart: {outcomes}")
    assert "kept the saved file" in outcomes  # at least one kill landed before the save was done


@pytest.fixture()
def small_disk(tmp_path):
    """A real 8 MB filesystem (tmpfs), so a save meets 'No space left on device' exactly as on a full disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; run as root (e.g. in the dev container) to test a full disk")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.decode().strip()}): the full-disk test needs one")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder, leave: int) -> None:
    """Fill the filesystem of `folder` with one file, then free `leave` bytes of it."""
    filler = folder / "filler"
    chunk = b"\0" * 65_536
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    os.truncate(filler, max(filler.stat().st_size - leave, 0))


def test_a_full_disk_says_so_and_keeps_the_saved_table(small_disk, caplog):
    """It used to say 'TransactionContext Error: cannot rollback - no transaction is active' (the ROLLBACK after
    the failed COMMIT hid 'No space left on device') and log nothing."""
    workspace = Workspace(small_disk / "workspace.duckdb")
    first = generate_transactions(n_lines=500, n_customers=50, days=60, seed=1)
    bigger = generate_transactions(n_lines=60_000, n_customers=2_000, days=300, seed=2)
    kept = workspace.save("transactions", first, source="march.csv")
    workspace.log_decision("data", "transactions", "saved", reason="march")
    _fill(small_disk, leave=64 * 1024)
    with caplog.at_level(logging.ERROR, logger="smbcore.workspace"), pytest.raises(DiskFullError) as failed:
        workspace.save("transactions", bigger, source="april.csv")
    message = str(failed.value)
    assert message.startswith("The disk is full, so your 'transactions' table was not saved.")
    assert "Nothing you saved before was lost" in message and "Free some space" in message
    assert "No space left on device" in caplog.text and "transactions" in caplog.text  # the real cause, logged
    assert workspace.version("transactions") == kept == content_version(workspace.load("transactions"))
    assert workspace.decisions()["reason"].tolist() == ["march"]
    (small_disk / "filler").unlink()  # space freed: the same save now works
    assert workspace.save("transactions", bigger, source="april.csv") == content_version(bigger)
    assert len(workspace.load("transactions")) == len(bigger)


def test_the_data_page_says_the_disk_is_full(small_disk, monkeypatch):
    monkeypatch.setenv("SMBCORE_HOME", str(small_disk))
    workspace = Workspace(small_disk / "workspace.duckdb")
    kept = workspace.save("transactions", generate_transactions(n_lines=500, n_customers=50, days=60, seed=1))
    data = generate_transactions(n_lines=60_000, n_customers=2_000, days=300, seed=2).to_csv(index=False).encode()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.session_state["data_source"] = "own"
    app.run()
    app.switch_page("pages/data.py").run()
    _fill(small_disk, leave=64 * 1024)
    app.file_uploader(key="upload_file").set_value(("april.csv", data, "text/csv")).run()
    next(b for b in app.button if b.label.startswith("Save as my orders")).click().run()
    assert not app.exception
    shown = " ".join(e.value for e in app.error).replace("\\", "")
    assert "The disk is full, so your 'transactions' table was not saved." in shown, shown
    assert "rollback" not in shown and "Saving did not work" not in shown
    assert workspace.version("transactions") == kept


def test_erasing_on_a_full_disk_says_what_was_done(small_disk, bank):
    """Erasing needs room for a second copy of the file (compaction). On a full disk it says either that nothing
    was changed, or that the rows are gone but old copies may remain; deleting again after freeing space
    finishes the job."""
    workspace = Workspace(small_disk / "workspace.duckdb")
    for table, frame in bank.items():
        workspace.save(table, frame.head(5_000), source="bank.csv")
    workspace.log_decision("targeting", "C00001", "contested", reason="unfair", decided_by="C00001")
    _fill(small_disk, leave=128 * 1024)
    with pytest.raises(DiskFullError) as failed:
        workspace.forget_customer("C00001")
    still_there = "C00001" in set(workspace.load("customers")["customer_id"])
    if str(failed.value).startswith("The disk is full, so the customer was not deleted"):
        assert still_there and workspace.decisions()["subject"].tolist() == ["C00001"]
    else:
        assert "delete the same customer again" in str(failed.value) and not still_there
        assert "C00001" not in set(workspace.decisions()["subject"])
    assert list(small_disk.glob("*.compact*")) == []  # no half-written copy left behind
    (small_disk / "filler").unlink()
    workspace.forget_customer("C00001")
    assert b"C00001" not in workspace.path.read_bytes()
