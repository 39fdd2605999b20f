"""Every owners' corpus file through everything: saved, every page and tab under AppTest, every download, every
command line call, with the issue-13 invariants (no crash, no error box, no nan/inf/-0.0%, consent honoured in
every export, closed weekdays forecast as zero, no hour claims without times)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from smbcore.data import Workspace, guess_mapping, read_raw, read_table
from smbcore.data.currency import symbol_for

from .conftest import ROOT
from .owner_checks import (
    CORPUS,
    Downloads,
    bad_text,
    check_download,
    hour_claims,
    manifest,
    page_texts,
    read_download,
    rows_match_label,
    table_texts,
)
from .test_intake_owners import _mapping_is_right

pytestmark = pytest.mark.skipif(not (CORPUS / "manifest.json").exists(), reason="owners' corpus not present")
ENTRIES = manifest() if (CORPUS / "manifest.json").exists() else []
ORDER_FILES = [e for e in ENTRIES if e["table"] in ("transactions", "demand")]

PAGES = {
    "pages/overview.py": (None, []),
    "pages/customers.py": (
        "customers_tab",
        ["Segments and risk", "Look up a customer", "Recommendations", "Marketing plan", "Did it work?"],
    ),
    "pages/marketing.py": (None, []),
    "pages/forecast.py": (None, []),
    "pages/plan.py": ("plan_tab", ["Stock", "Staff", "Marketing budget", "One plan"]),
    "pages/fairness.py": (
        "fairness_tab",
        ["Model cards", "Why this decision", "Bias checks", "Contest and override", "Data ethics"],
    ),
    "pages/health.py": (None, []),
    "pages/data.py": (None, []),
}
EMAIL_EXPORT_WORDS = ("mailchimp", "klaviyo", "email", "contact")
_NO = {"no", "n", "false", "0", "nein", "non", "nee", "f"}
_YES = {"yes", "y", "true", "1", "ja", "oui", "si", "sì", "t"}


def _id(entry: dict) -> str:
    return entry["file"]


def _customers_for(entry: dict) -> dict | None:
    """The corpus customers file that belongs with this orders file, if any."""

    def pairs(other: dict) -> bool:
        return other.get("pairs_with") == entry["file"] or f"ids match {entry['file']}" in other.get("traits", [])

    return next((e for e in ENTRIES if e["table"] == "customers" and pairs(e)), None)


def _paired(customers: dict) -> bool:
    return any(_customers_for(e) is customers for e in ORDER_FILES)


DATE_ORDER = {"day": "day_first", "month": "month_first", "auto": "auto"}


def confirmed_mapping(entry: dict) -> dict:
    """What the owner confirms on the Data page: the app's own guess where it is right, else the manifest's."""
    raw = read_raw(CORPUS / entry["file"])
    guessed = guess_mapping(list(raw.frame.columns), entry["table"], raw.frame)
    return guessed if _mapping_is_right(guessed, entry["mapping"]) else entry["mapping"]


def save_entry(entry: dict, workspace: Workspace) -> None:
    """Read the file with its confirmed mapping and date order and save it, as the Data page does."""
    result = read_table(
        CORPUS / entry["file"],
        entry["table"],
        mapping=confirmed_mapping(entry),
        date_order=DATE_ORDER[entry.get("date_order", "auto")],
    )
    assert result.ok, (entry["file"], result.report.to_dict("records"))
    # the currency the owner picks on the Data page when the file has no currency column of its own
    workspace.save(entry["table"], result.frame, source=entry["file"], currency=symbol_for(entry.get("currency")))


def refused_ids(entry: dict) -> set[str]:
    """Customers who said no to marketing (and never yes after), read straight from the raw file."""
    files = [entry] + ([_customers_for(entry)] if _customers_for(entry) else [])
    refused: set[str] = set()
    for item in files:
        mapping = item["mapping"]
        if "marketing_consent" not in mapping or "customer_id" not in mapping:
            continue
        raw = read_raw(CORPUS / item["file"]).frame
        pairs = raw[[mapping["customer_id"], mapping["marketing_consent"]]].astype(str)
        pairs.columns = ["customer_id", "consent"]
        pairs["consent"] = pairs["consent"].str.strip().str.lower()
        said = pairs[pairs["consent"].isin(_NO | _YES) & (pairs["customer_id"].str.strip() != "")]
        last = said.groupby("customer_id")["consent"].last()
        refused |= {c.strip() for c in last[last.isin(_NO)].index}
    return refused


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> dict:
    return {}


def home_for(entry: dict, homes: dict, tmp_path_factory) -> Path:
    if entry["file"] not in homes:
        home = tmp_path_factory.mktemp("owner")
        workspace = Workspace(home / "workspace.duckdb")
        save_entry(entry, workspace)
        if _customers_for(entry):
            save_entry(_customers_for(entry), workspace)
        homes[entry["file"]] = home
    return homes[entry["file"]]


def _forecast_zero_on_closed_days(entry: dict, name: str, data: bytes) -> list[str]:
    closed = entry.get("closed_weekdays") or []
    frame = read_download(data)
    if not closed or frame is None or not name.startswith("forecast"):
        return []
    date_col = next((c for c in frame.columns if c.lower() in ("date", "day", "period_start", "starting")), None)
    value_col = next((c for c in frame.columns if c.lower() in ("yhat", "forecast")), None)
    if date_col is None or value_col is None:
        return []
    dates = pd.to_datetime(frame[date_col], errors="coerce")
    if dates.dt.normalize().diff().dt.days.median() != 1:  # weekly figures: weekdays do not apply
        return []
    on_closed = frame[dates.dt.day_of_week.isin(closed)]
    values = pd.to_numeric(on_closed[value_col], errors="coerce").fillna(0)
    if (values.abs() > 0).any():
        return [f"forecast download '{name}': {int((values > 0).sum())} closed-weekday days are not zero"]
    return []


@pytest.mark.slow
@pytest.mark.parametrize(
    "entry", ORDER_FILES + [e for e in ENTRIES if e["table"] == "customers" and not _paired(e)], ids=_id
)
def test_every_page_tab_and_download_tells_the_truth(entry, homes, tmp_path_factory, monkeypatch):
    home = home_for(entry, homes, tmp_path_factory)
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    downloads = Downloads()
    downloads.install(monkeypatch)
    refused = refused_ids(entry)
    failures: list[str] = []
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.session_state["data_source"] = "own"
    app.run()
    for page, (key, tabs) in PAGES.items():
        app.switch_page(page).run()
        for tab in tabs or [None]:
            if tab is not None:
                app.session_state[key] = tab
                app.run()
            where = f"{entry['file']} {page}" + (f" [{tab}]" if tab else "")
            if app.exception:
                failures.append(f"{where}: exception {[e.value for e in app.exception]}")
                continue
            failures += [f"{where}: error box: {e.value}" for e in app.error]
            text = page_texts(app) + "\n" + table_texts(app)
            failures += bad_text(text, where)
            if not entry.get("has_times", True):
                failures += hour_claims(text, where)
            for label, name, data in downloads.offered(app):
                failures += check_download(label, name, data, where)
                failures += rows_match_label(label, name, data, text, where)
                failures += [f"{where}: {f}" for f in _forecast_zero_on_closed_days(entry, name, data)]
                lowered = (name + " " + label).lower()
                if refused and any(word in lowered for word in EMAIL_EXPORT_WORDS):
                    sent = data.decode("utf-8-sig", errors="replace")
                    leaked = [c for c in refused if c and c in sent]
                    if leaked:
                        failures.append(
                            f"{where}: '{name}' lists {len(leaked)} who refused marketing, e.g. {leaked[:3]}"
                        )
    assert not failures, "\n".join(dict.fromkeys(failures))


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "smbcore", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )


def _maps(entry: dict) -> list[str]:
    args = []
    for canonical, column in confirmed_mapping(entry).items():
        args += ["--map", f"{canonical}={column}"]
    order = entry.get("date_order", "auto")
    if order in ("day", "month"):
        args += ["--date-order", order]
    return args


@pytest.mark.slow
@pytest.mark.parametrize("entry", ORDER_FILES, ids=_id)
def test_every_command_on_the_file(entry, tmp_path):
    path = str(CORPUS / entry["file"])
    maps = _maps(entry)
    calls = [
        ["validate", path, "--table", entry["table"], *maps],
        ["forecast", path, "--horizon", "28", "--out", str(tmp_path / "f.csv"), *maps],
    ]
    if entry["table"] == "transactions":
        calls += [
            ["summary", path, *maps],
            ["recommend", path, "--out", str(tmp_path / "r.csv"), *maps],
            ["email-list", path, "--out", str(tmp_path / "e.csv"), *maps],
        ]
    failures = []
    for call in calls:
        done = _cli(*call)
        where = f"{entry['file']} `{call[0]}`"
        if done.returncode not in (0, 2):
            failures.append(f"{where}: exit {done.returncode}: {done.stderr[-400:]}")
        if "Traceback" in done.stderr:
            failures.append(f"{where}: traceback: {done.stderr[-400:]}")
        if done.returncode == 2 and len(done.stderr.strip().splitlines()) != 1:
            failures.append(f"{where}: a refusal should be one plain line, got {done.stderr!r}")
        failures += bad_text(done.stdout, where)
    forecast = read_download((tmp_path / "f.csv").read_bytes()) if (tmp_path / "f.csv").exists() else None
    if forecast is not None and "date" in forecast.columns:
        days = pd.to_datetime(forecast["date"]).diff().dt.days.dropna()
        if len(forecast) != 28 or (len(days) and days.median() != 1):
            failures.append(f"{entry['file']} `forecast --horizon 28`: {len(forecast)} rows, not 28 days")
    refused = refused_ids(entry)
    if refused and (tmp_path / "e.csv").exists():
        sent = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
        leaked = [c for c in refused if c in sent]
        if leaked:
            failures.append(f"{entry['file']} `email-list`: lists {len(leaked)} who refused marketing")
    for out in tmp_path.glob("*.csv"):
        failures += check_download("CLI", out.name, out.read_bytes(), entry["file"])
    assert not failures, "\n".join(failures)
