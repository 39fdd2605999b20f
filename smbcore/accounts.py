"""Owners and their own workspaces when the app is hosted: a simple built-in account list (passwords kept
only as salted argon2id hashes) and, for every owner, a folder of their own that no name can escape.

With no account list the app runs single-user, as on a laptop. `python -m smbcore add-user NAME` creates one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from smbcore.data.workspace import Workspace, default_home
from smbcore.errors import SmbcoreError

__all__ = ["AccountError", "add_user", "verify", "users", "owner_home", "owner_workspace", "accounts_path"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,62}[a-z0-9]$|^[a-z0-9]$")
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a real password")  # verify against this for unknown names: same time either way


class AccountError(SmbcoreError):
    """A user name or password that cannot be used; the message says why."""


def accounts_path() -> Path:
    return default_home() / "accounts.json"


def _check_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.match(name) or ".." in name:
        raise AccountError(
            f"'{name}' cannot be a user name: use 1-64 lower-case letters, digits and . _ - @, starting and "
            "ending with a letter or digit."
        )
    return name


def users() -> list[str]:
    """The user names in the account list (empty when there is none: the app then runs single-user)."""
    path = accounts_path()
    return sorted(json.loads(path.read_text())) if path.exists() else []


def add_user(name: str, password: str) -> None:
    """Add or replace a user. Only a salted argon2id hash of the password is written."""
    name = _check_name(name)
    if len(password) < 10:
        raise AccountError("The password must have at least 10 characters.")
    path = accounts_path()
    accounts = json.loads(path.read_text()) if path.exists() else {}
    accounts[name] = _HASHER.hash(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a new file and swap it in, so a crash never leaves half an account list.
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        json.dump(accounts, handle, indent=1)
    os.replace(handle.name, path)
    os.chmod(path, 0o600)


def verify(name: str, password: str) -> bool:
    """True when `password` is `name`'s password. Unknown names and bad input are simply False."""
    try:
        name = _check_name(name)
    except AccountError:
        return False
    path = accounts_path()
    stored = json.loads(path.read_text()).get(name) if path.exists() else None
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def owner_home(name: str) -> Path:
    """The owner's own folder under $SMBCORE_HOME/owners; a name that could point elsewhere is refused."""
    root = (default_home() / "owners").resolve()
    home = (root / _check_name(name)).resolve()
    if home.parent != root:
        raise AccountError(f"'{name}' cannot be a user name.")
    return home


def owner_workspace(name: str) -> Workspace:
    """The owner's workspace (created on first use)."""
    return Workspace(owner_home(name) / "workspace.duckdb")
