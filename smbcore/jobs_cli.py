"""The command line's refresh and worker commands (see smbcore/__main__.py):

  python -m smbcore refresh [--owner NAME | --sample NAME | --all]
  python -m smbcore worker [--once]

`refresh` works out everything the pages show for one workspace (default: the single-user workspace) or for all
of them, here and now (cron-able: nothing is redone when the data has not changed); it prints each step and
exits 0 when every workspace finished, 1 when a step met a problem (named in the output). `worker` serves the
jobs an app started with SMBCORE_JOBS=queue leaves in $SMBCORE_HOME/jobs, on the executor smbcore.jobs picks
(a local pool, or the Dask cluster of SMBCORE_DASK_SCHEDULER).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from smbcore.errors import SmbcoreError

__all__ = ["add_commands", "commands"]


class WorkspaceChoiceError(SmbcoreError):
    """The workspace asked for does not exist: the message lists the ones that do."""


def add_commands(sub) -> None:
    """Add the `refresh` and `worker` commands to the command line's subparsers."""
    refresh = sub.add_parser("refresh", help="work out everything the pages show, for one workspace or all")
    which = refresh.add_mutually_exclusive_group()
    which.add_argument("--owner", help="an owner's workspace (hosted install with sign-in)")
    which.add_argument("--sample", help="a bundled sample, e.g. online_retail")
    which.add_argument("--all", action="store_true", help="every sample, every owner and the single-user workspace")
    worker = sub.add_parser("worker", help="serve the refresh jobs an app queued (SMBCORE_JOBS=queue)")
    worker.add_argument("--once", action="store_true", help="stop when the queue is empty")


def _workspaces(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(name in words, workspace file) of each workspace to refresh."""
    from smbcore import accounts
    from smbcore.data import SAMPLES, default_home, sample_workspace

    if args.sample:
        if args.sample not in SAMPLES:
            raise WorkspaceChoiceError(f"There is no sample '{args.sample}'; the samples are {', '.join(SAMPLES)}.")
        return [(f"sample {args.sample}", sample_workspace(args.sample).path)]
    if args.owner:
        if args.owner.strip().lower() not in accounts.users():
            raise WorkspaceChoiceError(
                f"There is no owner '{args.owner}'; add one with 'python -m smbcore add-user NAME'."
            )
        return [(f"owner {args.owner}", accounts.owner_workspace(args.owner).path)]
    single = default_home() / "workspace.duckdb"
    if not args.all:
        if not single.exists():
            raise WorkspaceChoiceError(
                f"There is no saved data in {single} yet: save a file on 'Your data' first, or use --sample NAME."
            )
        return [("your workspace", single)]
    found = [(f"sample {name}", sample_workspace(name).path) for name in SAMPLES]
    found += [(f"owner {name}", accounts.owner_workspace(name).path) for name in accounts.users()]
    return found + ([("your workspace", single)] if single.exists() else [])


def _refresh(args: argparse.Namespace) -> int:
    from smbcore import refresh, results

    problems = 0
    for words, path in _workspaces(args):
        started = time.monotonic()

        def show(state: dict, words=words, started=started) -> None:
            if state["state"] == "running":
                print(f"{words}: step {state['done'] + 1} of {state['total']}: {state['step']}", flush=True)

        final = refresh.run(path, progress=show)
        if final.get("state") != "done":
            print(f"{words}: another process is refreshing it (step {final.get('done', 0)} of "
                  f"{final.get('total', '?')}); nothing started twice.")  # fmt: skip
            continue
        for name, message in final["failed"]:
            print(f"{words}: '{results.label_of(name)}' could not be done: {message}")
        problems += len(final["failed"])
        print(f"{words}: done in {time.monotonic() - started:.1f} s ({final['total']} results).", flush=True)
    return 1 if problems else 0


def _worker(args: argparse.Namespace) -> int:
    from smbcore import jobs

    print(f"Serving refresh jobs from {jobs.queue_folder()} (stop with Ctrl+C).", flush=True)
    try:
        ran = jobs.serve(once=args.once)
    except KeyboardInterrupt:
        return 0
    print(f"{ran} jobs done.")
    return 0


commands = {"refresh": _refresh, "worker": _worker}
