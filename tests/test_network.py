"""Safe defaults for the network (issue 14, item 10): a single-user install (nobody signs in) is for this
computer only; listening beyond it shows nothing until sign-in is set up; secrets never reach git or an image."""

from __future__ import annotations

import tomllib

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from smbcore import accounts
from smbcore.network import open_to_other_computers

from .conftest import ROOT

PASSWORD = "correct horse battery"


@pytest.fixture
def listen_on(tmp_path, monkeypatch):
    """Set Streamlit's `server.address` for one test (as `--server.address` would), and put it back after."""
    monkeypatch.setenv("SMBCORE_HOME", str(tmp_path / "home"))
    before = config.get_option("server.address")

    def set_address(address: str) -> None:
        config.set_option("server.address", address)

    yield set_address
    config.set_option("server.address", before)


def run_app() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.run()
    assert not app.exception
    return app


def test_every_address_without_sign_in_shows_only_how_to_fix_it(listen_on):
    listen_on("0.0.0.0")
    app = run_app()
    assert [t.value for t in app.title] == ["smbcore is not open to other computers without sign-in"]
    [refusal] = app.error
    assert "0.0.0.0" in refusal.value and "python -m smbcore add-user NAME" in refusal.value
    assert "[auth]" in refusal.value and "--server.address 127.0.0.1" in refusal.value
    # Nothing else at all: no sidebar (no page list, no data picker), no figures, no tables, no sign-in form.
    assert not app.sidebar.children and not app.metric and not app.dataframe and not app.text_input
    assert [type(e).__name__ for e in app.main.children.values()] == ["Title", "Error"]


def test_this_computer_only_opens_as_before(listen_on):
    listen_on("127.0.0.1")
    app = run_app()
    assert not app.error and {"Orders", "Customers"} <= {m.label for m in app.metric}
    assert app.sidebar.selectbox(key="data_source").value == "online_retail"


def test_every_address_with_an_account_asks_to_sign_in(listen_on):
    listen_on("0.0.0.0")
    accounts.add_user("ann", PASSWORD)
    app = run_app()
    assert [t.value for t in app.title] == ["Sign in to smbcore"] and not app.error and not app.metric
    assert [b.proto.url for b in app.get("link_button")] == ["/account/sign-in"] and not app.sidebar.children


@pytest.mark.parametrize(
    "address, open_",
    [
        ("127.0.0.1", False),
        ("127.0.1.1", False),
        ("localhost", False),
        ("::1", False),
        ("[::1]", False),
        ("::ffff:127.0.0.1", False),
        ("", True),  # not set: Streamlit listens on every interface
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.20", True),
        ("shop.example.com", True),  # a name may resolve to any address
    ],
)
def test_which_addresses_are_this_computer_only(address, open_):
    assert open_to_other_computers(address) is open_


def test_the_shipped_settings_listen_on_this_computer_and_check_the_host():
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["address"] == "127.0.0.1"
    assert "localhost" in server["allowedHosts"] and "*" not in server["allowedHosts"]


def test_secrets_stay_out_of_git_and_out_of_the_image():
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in (ROOT / ".dockerignore").read_text().splitlines()
    dockerfile = (ROOT / "Dockerfile").read_text()
    copies = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY")]
    assert ".streamlit" not in copies and ".streamlit/config.toml" in copies
