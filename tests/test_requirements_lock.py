"""The image installs requirements.lock with hashes: it must pin every package requirements.txt pins, at the same
version, and give at least one hash for every package it lists (pip --require-hashes refuses the file otherwise)."""

import re

from .conftest import ROOT

_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def _lock_entries(text: str) -> dict[str, str]:
    """Each package line of the lock with its continuation lines (the hashes)."""
    entries, name = {}, None
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            entries[name] = line
        elif name and line.startswith(" "):
            entries[name] += "\n" + line
    return entries


def test_the_lock_pins_what_requirements_pins_with_hashes():
    wanted = _pins((ROOT / "requirements.txt").read_text())
    lock_text = (ROOT / "requirements.lock").read_text()
    locked = _pins(lock_text)
    assert wanted, "requirements.txt pins nothing"
    different = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert not different, f"requirements.lock is out of date (wanted, locked): {different}; re-run pip-compile"
    without_hash = [name for name, entry in _lock_entries(lock_text).items() if "--hash=sha256:" not in entry]
    assert not without_hash, f"requirements.lock lists packages without a hash: {without_hash}"


def test_the_image_installs_the_lock_with_hashes_on_a_pinned_base():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim@sha256:[0-9a-f]{64}$", dockerfile, re.M)
    assert "--require-hashes" in dockerfile and "-r requirements.lock" in dockerfile
