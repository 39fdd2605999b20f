"""Errors a person can act on are SmbcoreError (pages show their message, the CLI prints it in one line), never a
plain ValueError or RuntimeError that pages turn into 'Something went wrong... send the server log'."""

import pytest

from smbcore import campaigns, overrides, sessions
from smbcore.data import Workspace
from smbcore.errors import SmbcoreError
from smbcore.synthetic import generate_transactions


def test_a_contest_or_override_without_a_reason_says_what_to_do_and_records_nothing(tmp_path):
    workspace = Workspace(tmp_path / "workspace.duckdb")
    with pytest.raises(SmbcoreError, match="Say why the decision is contested"):
        overrides.contest(workspace, "targeting", "C00001", "   ")
    with pytest.raises(SmbcoreError, match="Say why the decision is overridden"):
        overrides.override(workspace, "targeting", "C00001", "contact", "")
    assert workspace.decisions().empty


def test_an_impossible_control_share_names_the_share_and_a_usual_one():
    from smbcore.customers import analyse, next_best_actions

    tx = generate_transactions(n_lines=2_000, n_customers=80, days=200, seed=3)
    plan = next_best_actions(tx, analysis=analyse(tx))
    with pytest.raises(SmbcoreError, match=r"from 0% to under 100%, not 150%.*10% is usual"):
        campaigns.hold_out_control(plan, control_share=1.5)


def test_a_bad_idle_time_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("SMBCORE_IDLE_MINUTES", "half an hour")
    with pytest.raises(SmbcoreError, match="SMBCORE_IDLE_MINUTES must be a positive number of minutes"):
        sessions.idle_seconds()
