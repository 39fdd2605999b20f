"""Nothing lost: a process killed in the middle of saving leaves every saved table whole and the decisions
log intact; after a restart the owner sees one complete version of each table, never a mix."""

import subprocess
import sys
import time

from smbcore.data import Workspace
from smbcore.data.workspace import content_version
from smbcore.synthetic import generate_transactions

from .conftest import ROOT

WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from smbcore.data import Workspace
from smbcore.synthetic import generate_transactions
frames = [generate_transactions(n_lines=60_000, n_customers=2_000, days=300, seed=s) for s in (1, 2)]
workspace = Workspace(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    workspace.save("transactions", frames[i % 2], source=f"save {i}")
    workspace.log_decision("data", "transactions", "saved", reason=f"save {i}")
    i += 1
"""


def test_killing_the_server_mid_save_leaves_the_workspace_whole(tmp_path):
    path = tmp_path / "workspace.duckdb"
    first = generate_transactions(n_lines=60_000, n_customers=2_000, days=300, seed=1)
    second = generate_transactions(n_lines=60_000, n_customers=2_000, days=300, seed=2)
    known = {content_version(first), content_version(second)}
    for wait in (1.5, 2.3, 3.1):  # kill at different moments of a save
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(ROOT)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(wait)
        writer.kill()
        writer.wait()
        workspace = Workspace(path)  # as after a restart
        table = workspace.load("transactions")
        version = workspace.version("transactions")
        assert version in known and content_version(table) == version  # one whole version, as catalogued
        assert len(table) in (len(first), len(second))
        log = workspace.decisions()
        assert log["id"].is_unique and log["id"].is_monotonic_increasing
        assert log["reason"].str.startswith("save ").all()
