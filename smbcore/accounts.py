"""Owners and their own workspaces when the app is hosted: a simple built-in account list (passwords kept
only as salted argon2id hashes) and, for every owner, a folder of their own that no name can escape.

With no account list the app runs single-user, as on a laptop. `python -m smbcore add-user NAME` creates one.
Names are normalised once (NFKC, trimmed, case-folded) at creation and at sign-in; a name that normalisation
would change is refused at creation, so 'ANN ', tab+'ann' and 'ann' can never be two accounts.
With an identity provider (OIDC), an owner's folder comes from the provider's issuer and `sub` (never from the
e-mail, which can be changed, reused or unverified), and the e-mail is shown only when the provider verified it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from smbcore.data.workspace import Workspace, default_home
from smbcore.errors import SmbcoreError

__all__ = [
    "AccountError",
    "add_user",
    "verify",
    "users",
    "owner_home",
    "owner_workspace",
    "accounts_path",
    "normalise_name",
    "oidc_owner_folder",
    "oidc_display_name",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,62}[a-z0-9]$|^[a-z0-9]$")
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a real password")  # verify against this for unknown names: same time either way


class AccountError(SmbcoreError):
    """A user name or password that cannot be used; the message says why."""


def accounts_path() -> Path:
    return default_home() / "accounts.json"


def normalise_name(name: str) -> str:
    """The one form of a user name: Unicode NFKC, surrounding white space (tabs, line ends) removed, case-folded.
    'ANN ', tab+'ann', 'ann' + line end and 'Ann' all become 'ann'; a Kelvin sign 'K' becomes 'k'."""
    return unicodedata.normalize("NFKC", str(name)).strip().casefold()


def _check_name(name: str) -> str:
    """`name` normalised, when it is a safe folder name; AccountError otherwise."""
    name = normalise_name(name)
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
    """Add or replace a user. Only a salted argon2id hash of the password is written. The name must already be
    in its normalised form (see `normalise_name`): 'ANN ', tab+'ann' or a Kelvin-sign 'Kate' are refused with
    the name to use instead, so the name an owner types at sign-in is always the one that was created."""
    if normalise_name(name) != name:
        raise AccountError(
            f"{name!r} cannot be a user name as written: it has capital letters, spaces or line ends around it, "
            f"or look-alike characters. Use {normalise_name(name)!r} instead."
        )
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
    """True when `password` is `name`'s password. The name is normalised first (so 'ANN ' signs in as 'ann').
    Unknown names and bad input are simply False."""
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


_UNVERIFIED = "signed-in user"


def oidc_owner_folder(issuer: str, sub: str) -> str:
    """The owner's folder name for an identity-provider sign-in: 'oidc-' and the first 32 hex digits of the
    SHA-256 of issuer, a NUL byte and `sub` (the provider's stable, unique subject id). Different identities
    never share a folder (unlike folding e-mails to safe characters), the same identity always gets the same
    one, and the name is a safe folder name. AccountError when the provider gave no issuer or no subject."""
    issuer, sub = str(issuer or "").strip(), str(sub or "").strip()
    if not issuer or not sub:
        raise AccountError(
            "The sign-in service did not say who you are (no issuer or subject id), so no workspace can be "
            "opened. Ask whoever runs this app to check the [auth] settings."
        )
    digest = hashlib.sha256(f"{issuer}\0{sub}".encode()).hexdigest()
    return _check_name(f"oidc-{digest[:32]}")


def oidc_display_name(user: Mapping) -> str:
    """What to show as the signed-in owner's name: their e-mail only when the provider says it is verified
    (`email_verified` true), otherwise 'signed-in user'. Control and format characters (line ends, bidi
    overrides, zero-width) are removed from the e-mail shown."""
    verified = user.get("email_verified")
    email = str(user.get("email") or "")
    if not email or not (verified is True or str(verified).strip().lower() == "true"):
        return _UNVERIFIED
    shown = "".join(ch for ch in email if unicodedata.category(ch)[0] not in "CZ")
    return shown or _UNVERIFIED
