"""Shared fixtures: a throwaway SMBCORE_HOME, and the bundled samples loaded once per test run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smbcore.data import load_sample  # noqa: E402

# Page tests work results out in the test's own thread and start no refresh on their own; the tests of jobs and
# refreshes (tests/test_refresh.py) switch these on themselves.
os.environ.setdefault("SMBCORE_EXECUTOR", "inline")
os.environ.setdefault("SMBCORE_AUTO_REFRESH", "0")


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    """A fresh, empty SMBCORE_HOME for one test."""
    monkeypatch.setenv("SMBCORE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def retail() -> dict:
    return load_sample("online_retail")


@pytest.fixture(scope="session")
def shoppers() -> dict:
    return load_sample("online_shoppers")


@pytest.fixture(scope="session")
def bank() -> dict:
    return load_sample("bank_marketing")


@pytest.fixture(scope="session")
def bikes() -> dict:
    return load_sample("bike_sharing")
