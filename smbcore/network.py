"""Where the app may listen without sign-in: the rule behind "a single-user install is for this computer only".

No Streamlit here: app.py reads `server.address` and asks `open_to_other_computers(address)`.
"""

from __future__ import annotations

import ipaddress

__all__ = ["open_to_other_computers", "REFUSAL"]

# Names that always mean "this computer only". Any other host name may resolve to a network address.
_LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}


def open_to_other_computers(address: str | None) -> bool:
    """True when a server listening on `address` (Streamlit's `server.address`) can be reached from other
    computers. Unset or empty means every interface, so True; `127.0.0.0/8`, `::1` and `localhost` are this
    computer only, so False. A host name other than localhost counts as open (it may resolve to anything)."""
    text = (address or "").strip().strip("[]").lower()
    if not text:
        return True
    if text in _LOOPBACK_NAMES:
        return False
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return True
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    return not (mapped or ip).is_loopback


REFUSAL = (
    "This app is set to listen on **{address}**, so other computers can reach it, but nobody has to sign in: "
    "anyone who can reach it would see your shop's data. Do one of these, then restart the app:\n\n"
    "- make an account for each person who uses it: `python -m smbcore add-user NAME` "
    "(with Docker, before starting it: `docker run --rm -it -v smbcore-data:/data smbcore python -m smbcore "
    "add-user NAME`); or\n"
    "- set up sign-in with your identity provider (an `[auth]` section in `.streamlit/secrets.toml`, "
    "see README, Hosting); or\n"
    "- keep it on this computer only: run it with `--server.address 127.0.0.1` (the default in "
    "`.streamlit/config.toml`)."
)
