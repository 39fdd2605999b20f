"""Sign-in and one workspace per owner: passwords kept only as hashes, names that cannot escape their folder,
and no owner seeing another's data through the app."""

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from smbcore import accounts, sessions
from smbcore.data import Workspace
from smbcore.synthetic import generate_transactions

from .conftest import ROOT

PASSWORD = "correct horse battery"


@pytest.fixture
def hosted(tmp_path, monkeypatch):
    monkeypatch.setenv("SMBCORE_HOME", str(tmp_path / "home"))
    accounts.add_user("ann", PASSWORD)
    accounts.add_user("bob", PASSWORD + "!")
    return tmp_path / "home"


def test_only_a_salted_hash_is_stored_and_wrong_passwords_fail(hosted):
    stored = accounts.accounts_path().read_text()
    assert PASSWORD not in stored and "$argon2id$" in stored
    assert accounts.verify("ann", PASSWORD) and accounts.verify("ANN ", PASSWORD)
    assert not accounts.verify("ann", PASSWORD + "!") and not accounts.verify("ann", "")
    assert not accounts.verify("nobody", PASSWORD) and not accounts.verify("../ann", PASSWORD)
    accounts.add_user("carl", PASSWORD)
    assert accounts.accounts_path().read_text().count("$argon2id$") == 3
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.add_user("dan", "short")


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "", ".hidden", "x" * 65, "ann/../../etc", "c:\\\\x", "a..b"])
def test_names_that_could_escape_their_folder_are_refused(hosted, name):
    with pytest.raises(accounts.AccountError):
        accounts.owner_home(name)
    with pytest.raises(accounts.AccountError):
        accounts.add_user(name, PASSWORD)


def test_each_owner_has_a_folder_inside_the_owners_root(hosted):
    home = accounts.owner_home("ann")
    assert home.parent == (hosted / "owners").resolve() and home != accounts.owner_home("bob")


def test_add_user_from_the_command_line(hosted):
    done = subprocess.run(
        [sys.executable, "-m", "smbcore", "add-user", "eve", "--password-stdin"],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert accounts.verify("eve", "a long enough password")


def signed_in(name: str) -> AppTest:
    """The app as owner `name` sees it. AppTest has no browser and so no sign-in cookie: tests act as a
    signed-in owner through session state, which only AppTest runs accept (see the next test)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.session_state["owner"] = name
    app.run()
    return app


def test_sign_in_is_required_and_owners_never_see_each_others_data(hosted):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.run()
    assert [t.value for t in app.title] == ["Sign in to smbcore"] and not app.metric  # nothing shown yet
    [link] = app.get("link_button")
    assert link.proto.url == "/account/sign-in" and not app.sidebar.children  # no page list, no data picker
    tx = generate_transactions(n_lines=2_000, n_customers=80, days=120, seed=5)
    accounts.owner_workspace("ann").save("transactions", tx, source="ann.csv")
    ann = signed_in("ann")
    assert not ann.exception and "Signed in as ann" in [c.value for c in ann.sidebar.caption]
    assert ann.sidebar.selectbox(key="data_source").value == "own"  # her own orders
    bob = signed_in("bob")
    assert not bob.exception
    assert bob.sidebar.selectbox(key="data_source").value == "online_retail"  # he has saved nothing
    bob.switch_page("pages/data.py").run()
    assert not bob.exception and "ann.csv" not in str([d.value for d in bob.dataframe])
    assert Workspace(accounts.owner_home("bob") / "workspace.duckdb").tables() == []


def test_on_a_real_server_session_state_alone_signs_nobody_in(hosted):
    """Behind server.py's guard only the sign-in cookie counts: an owner name in session state (the AppTest
    seam) shows the sign-in link, not ann's data."""
    sessions.mark_guarded()
    try:
        app = signed_in("ann")
    finally:
        sessions._GUARDED.clear()
    assert [t.value for t in app.title] == ["Sign in to smbcore"] and not app.metric and not app.sidebar.children
    assert "owner" not in app.session_state


def test_signing_out_in_the_app_ends_the_sign_in(hosted):
    app = signed_in("ann")
    next(b for b in app.sidebar.button if b.label == "Sign out").click().run()
    assert [t.value for t in app.title] == ["Sign in to smbcore"] and "owner" not in app.session_state


# Identity-provider (OIDC) sign-in: folders from issuer + subject, never from the e-mail (issue 14, item 12).
GOOGLE, OTHER = "https://accounts.google.com", "https://login.example.org"


def test_identity_provider_owners_never_share_a_folder(hosted):
    identities = [
        (GOOGLE, "ann+shop@gmail.com"),  # e-mails used as subjects: the old rule folded these together
        (GOOGLE, "ann-shop@gmail.com"),
        (GOOGLE, "ann@shöp.de"),
        (GOOGLE, "ann@sh-p.de"),
        (GOOGLE, "1234"),
        (OTHER, "1234"),  # the same subject id at another provider is someone else
        (GOOGLE + "1", "234"),  # issuer and subject cannot be shifted into each other
        (GOOGLE, "ANN-SHOP@gmail.com"),
    ]
    folders = [accounts.oidc_owner_folder(issuer, sub) for issuer, sub in identities]
    assert len(set(folders)) == len(identities)
    assert accounts.oidc_owner_folder(GOOGLE, "1234") == folders[4]  # the same person always gets the same folder
    for folder in folders:
        assert folder.startswith("oidc-") and len(folder) == 37
        home = accounts.owner_home(folder)  # passes the safe-name check, inside the owners' root
        assert home.parent == (hosted / "owners").resolve() and home.name == folder


@pytest.mark.parametrize("issuer, sub", [(GOOGLE, ""), ("", "1234"), (GOOGLE, None), (None, None), (GOOGLE, "  ")])
def test_an_identity_without_issuer_or_subject_gets_no_folder(issuer, sub):
    with pytest.raises(accounts.AccountError, match="did not say who you are"):
        accounts.oidc_owner_folder(issuer, sub)


@pytest.mark.parametrize(
    "user, shown",
    [
        ({"email": "ann@shop.de", "email_verified": True, "sub": "1"}, "ann@shop.de"),
        ({"email": "ann@shop.de", "email_verified": "true", "sub": "1"}, "ann@shop.de"),
        ({"email": "ann@shop.de", "email_verified": False, "sub": "1"}, "signed-in user"),
        ({"email": "ann@shop.de", "email_verified": "false", "sub": "1"}, "signed-in user"),
        ({"email": "ann@shop.de", "sub": "1"}, "signed-in user"),  # the provider did not say: not shown
        ({"email": "", "email_verified": True, "sub": "1"}, "signed-in user"),
        ({"email": "ann@shop.de\u202e\n", "email_verified": True}, "ann@shop.de"),  # no bidi or line ends
    ],
)
def test_only_a_verified_email_is_shown_as_the_owners_name(user, shown):
    assert accounts.oidc_display_name(user) == shown


# Names normalised once, at creation and at sign-in (issue 14, item 9).
@pytest.mark.parametrize("typed", ["ANN ", "\tann", "ann\n", "Ann", "ａｎｎ", "\u212aate"])  # last: Kelvin-sign K
def test_names_that_normalisation_would_change_are_refused_at_creation(hosted, typed):
    with pytest.raises(accounts.AccountError, match="Use '(ann|kate)' instead"):
        accounts.add_user(typed, PASSWORD)
    assert set(accounts.users()) == {"ann", "bob"}  # nothing added, ann not replaced


@pytest.mark.parametrize("typed", ["ANN ", "\tann", "ann\n", "Ann", "ａｎｎ"])
def test_sign_in_maps_every_spelling_of_a_name_to_the_one_account(hosted, typed):
    assert accounts.normalise_name(typed) == "ann"
    assert accounts.verify(typed, PASSWORD) and not accounts.verify(typed, PASSWORD + "!")
    assert accounts.owner_home(typed) == accounts.owner_home("ann")


def test_a_kelvin_sign_name_signs_in_to_the_plain_account(hosted):
    accounts.add_user("kate", PASSWORD)
    assert accounts.verify("\u212aate", PASSWORD) and accounts.verify("KATE", PASSWORD)
    assert accounts.owner_home("\u212aate") == accounts.owner_home("kate")
