"""Shared fixtures: a throwaway SMBCORE_HOME, and the bundled samples loaded once per test run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smbcore.data import load_sample  # noqa: E402


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
