"""The bundled samples are shared by every owner of a server and never change; what an owner does while a sample
is shown (contests, overrides, mitigations, recorded sends, settings) stays in that owner's own folder, marked with
the sample's name, and reaches nobody else (issue 14, item 1)."""

import hashlib
import inspect
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from smbcore import accounts, campaigns, overrides
from smbcore.data import SampleChangeError, Workspace, sample_view, sample_workspace
from smbcore.data.samples import _RELEASE, notes_path, sample_path
from smbcore.data.workspace import _READS

from .conftest import ROOT

PASSWORD = "correct horse battery"
# A contest reason an attacker would write: an image the browser would fetch and a phishing link.
HOSTILE = "![b](http://127.0.0.1:9/x.png) [verify your account](http://127.0.0.1:9/phish)"


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("samples_home")


@pytest.fixture(scope="module")
def bank_sample(sample_home):
    return sample_workspace("bank_marketing", sample_home)


# Every write a Workspace offers, with arguments that would succeed on an owner's workspace.
WRITES = {
    "save": lambda: ("customers", pd.DataFrame({"customer_id": ["C00001"]})),
    "remove": lambda: ("customers",),
    "forget_customer": lambda: ("C00001",),
    "log_decision": lambda: ("targeting", "C00001", "contested"),
    "set_setting": lambda: ("currency", "$"),
    "compact": lambda: (),
}


def test_every_write_method_is_covered():
    """A write added to Workspace later is refused on a sample unless it is declared a read (deny by default)."""
    public = {n for n, m in inspect.getmembers(Workspace, callable) if not n.startswith("_")}
    assert set(WRITES) == public - _READS


@pytest.mark.parametrize("method", list(WRITES))
def test_a_sample_refuses_every_write_and_stays_byte_for_byte_the_same(bank_sample, method):
    before = fingerprint(bank_sample.path)
    customers = bank_sample.load("customers")
    with pytest.raises(SampleChangeError, match="The bundled samples cannot be changed") as refused:
        getattr(bank_sample, method)(*WRITES[method]())
    assert "Bank phone campaign sample" in str(refused.value) and "your own workspace" in str(refused.value)
    assert fingerprint(bank_sample.path) == before
    assert bank_sample.tables() == ["campaigns", "customers"] and bank_sample.decisions().empty
    pd.testing.assert_frame_equal(bank_sample.load("customers"), customers)


def test_owners_actions_on_a_sample_stay_in_their_own_notes(tmp_path, bank_sample):
    before = fingerprint(bank_sample.path)
    ann_own, bob_own = (
        Workspace(tmp_path / "ann" / "workspace.duckdb"),
        Workspace(tmp_path / "bob" / "workspace.duckdb"),
    )
    ann, bob = sample_view("bank_marketing", ann_own, bank_sample), sample_view("bank_marketing", bob_own, bank_sample)
    overrides.contest(ann, "targeting", "C00001", HOSTILE, raised_by="ann")
    overrides.override(ann, "targeting", "C00002", "do not contact", "asked not to be called", "ann")
    ann.set_setting("country", "PT")
    ann.log_decision("targeting", "all customers", "mitigation", "same share per age")
    assigned = pd.DataFrame({"customer_id": ["C00001", "C00003"], "segment": ["Loyal"] * 2,
                             "action": ["Thank you"] * 2, "group": ["send", "control"]})  # fmt: skip
    export_id = campaigns.record_send(ann, assigned)
    # Ann sees all of it on the sample...
    assert overrides.overrides(ann, "targeting")["subject"].tolist() == ["C00002"]
    assert overrides.open_contests(ann)["reason"].tolist() == [HOSTILE]
    assert ann.setting("country") == "PT" and ann.setting("currency") == "€"  # hers, else the sample's
    assert campaigns.sends(ann)["export_id"].unique().tolist() == [export_id]
    assert len(ann.decisions()) == 4
    # ...kept in her own folder, in a file named after the sample; never in the sample, her own data's log or Bob's.
    assert ann.notes.path == notes_path(ann_own, "bank_marketing") == tmp_path / "ann/on_samples/bank_marketing.duckdb"
    assert ann_own.decisions().empty and ann_own.setting("country") is None and ann_own.tables() == []
    assert bob.decisions().empty and overrides.open_contests(bob).empty and campaigns.sends(bob) is None
    assert bob.setting("country") is None
    assert fingerprint(bank_sample.path) == before and bank_sample.decisions().empty
    # The sample's own tables cannot be replaced or emptied through a view either.
    with pytest.raises(SampleChangeError):
        ann.save("customers", bank_sample.load("customers"))
    with pytest.raises(SampleChangeError):
        ann.forget_customer("C00001")
    assert ann.tables() == ["campaigns", "customers"]  # the data shown: the owner's sends are not data tables


def test_a_sample_file_from_before_is_rebuilt_without_the_owners_decisions_it_shared(tmp_path):
    """Before this fix every owner wrote into the one sample file: a server upgraded from then must not keep
    showing those contests, overrides and sends to everyone."""
    old = Workspace(tmp_path / "samples" / "bank_marketing.duckdb")
    old.save("campaign_lists", pd.DataFrame({"customer_id": ["C00001"], "export_id": ["send-1"]}))
    old.log_decision("targeting", "C00002", "override", action="do not contact", decided_by="bob@bobs-shop")
    old.set_setting("sample_release", f"4:{sample_path('bank_marketing').stat().st_size}")
    sample = sample_workspace("bank_marketing", tmp_path)
    assert sample.decisions().empty and sample.tables() == ["campaigns", "customers"]
    assert sample.setting("sample_release", "").startswith(f"{_RELEASE}:")
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["bank_marketing.duckdb"]  # no leftovers


def test_the_equal_share_choice_is_one_key_per_data_source():
    assert overrides.equal_share_key("own") != overrides.equal_share_key("bank_marketing")


# ---------------------------------------------------------------------------------------- two owners, one app


def act_as(app: AppTest, owner: str) -> AppTest:
    """Sign `app` in as `owner` (an account made by accounts.add_user). The only place these tests sign in: when
    sign-in moves to a signed cookie, only this changes."""
    app.session_state["owner"] = owner
    return app


def open_app(owner: str, source: str, page: str) -> AppTest:
    app = act_as(AppTest.from_file(str(ROOT / "app.py"), default_timeout=300), owner)
    app.session_state["data_source"] = source
    app.run()
    return app.switch_page(page).run()


def open_tab(app: AppTest, key: str, name: str) -> AppTest:
    app.session_state[key] = name
    return app.run()


def texts(app: AppTest) -> str:
    return "\n".join(e.value for kind in ("markdown", "info", "success", "caption") for e in app.get(kind))


def contact_list(app: AppTest) -> pd.DataFrame:
    return app.dataframe[-1].value.set_index("customer_id")


def contest(app: AppTest, subject: str, reason: str) -> None:
    app.selectbox(key="contest_model").set_value("targeting")
    app.text_input(key="contest_subject").input(subject)
    app.text_area(key="contest_reason").input(reason)
    next(b for b in app.button if b.label == "Record the contest").click().run()


@pytest.mark.slow
def test_one_owners_actions_on_a_sample_reach_no_other_owner(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    accounts.add_user("ann", PASSWORD)
    accounts.add_user("bob", PASSWORD + "!")
    samples = {name: sample_workspace(name, home).path for name in ("bank_marketing", "online_retail")}
    before = {name: fingerprint(path) for name, path in samples.items()}

    # Ann, on the bank sample: takes the top customer off her contact list and contests C00001.
    ann = open_app("ann", "bank_marketing", "pages/marketing.py")
    assert not ann.exception and not ann.error, [e.value for e in ann.error]
    top = contact_list(ann).index[0]
    assert contact_list(ann).loc[top, "contact"]
    ann.switch_page("pages/fairness.py").run()
    open_tab(ann, "fairness_tab", "Contest and override")
    contest(ann, "C00001", HOSTILE)
    contest(ann, top, "Asked not to be called again")
    notes = Workspace(notes_path(accounts.owner_workspace("ann"), "bank_marketing"))
    asked = int(notes.decisions().query("subject == @top")["id"].iloc[-1])
    ann.selectbox(key=f"ov_action_{asked}").set_value("do not contact")
    ann.text_input(key=f"ov_why_{asked}").input("Customer asked").run()
    ann.button(key=f"ov_apply_{asked}").click().run()
    assert not ann.exception and "Open contests: 1" in texts(ann)
    ann.switch_page("pages/marketing.py").run()
    assert not contact_list(ann).loc[top, "contact"] and contact_list(ann).loc[top, "overridden"]

    # Ann, on the gift-shop sample: records a send.
    ann.session_state["data_source"] = "online_retail"
    ann.switch_page("pages/customers.py").run()
    open_tab(ann, "customers_tab", "Marketing plan")
    ann.button(key="record_send").click().run()
    assert not ann.exception and "Recorded as send-" in "".join(s.value for s in ann.success)
    open_tab(ann, "customers_tab", "Did it work?")
    sent = ann.selectbox(key="learn_export").options
    assert len(sent) == 1 and sent[0].startswith("send-")

    # Bob, on the same samples, sees none of it.
    bob = open_app("bob", "bank_marketing", "pages/fairness.py")
    open_tab(bob, "fairness_tab", "Contest and override")
    assert not bob.exception and "Open contests: 0" in texts(bob)
    shown = texts(bob) + str([e.label for e in bob.expander])
    assert "C00001" not in shown and "127.0.0.1" not in shown and "verify your account" not in shown
    log = bob.dataframe[-1].value  # the decisions log, exactly as its download has it
    assert log.empty, log
    bob.switch_page("pages/marketing.py").run()
    assert contact_list(bob).loc[top, "contact"] and not contact_list(bob)["overridden"].any()
    bob.session_state["data_source"] = "online_retail"
    bob.switch_page("pages/customers.py").run()
    open_tab(bob, "customers_tab", "Did it work?")
    assert not bob.exception and "No send recorded yet" in texts(bob)

    # Ann, back later in a new session, still has hers; her own data's log has none of it; the samples never changed.
    again = open_app("ann", "bank_marketing", "pages/fairness.py")
    open_tab(again, "fairness_tab", "Contest and override")
    assert "Open contests: 1" in texts(again)
    assert again.dataframe[-1].value["decision"].tolist() == ["contested", "contested", "override"]
    assert accounts.owner_workspace("ann").decisions().empty and accounts.owner_workspace("bob").decisions().empty
    assert {name: fingerprint(path) for name, path in samples.items()} == before
