"""The owners' corpus (tests/data/owners) and its manifest agree: files exist, mapped columns exist, closed
weekdays really have no sales, bulk orders exist, consent counts are right.

These are checks of the test data itself; the tests that drive the corpus through the app live elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from smbcore.data.contracts import TABLES
from smbcore.data.reading import read_raw

OWNERS = Path(__file__).parent / "data" / "owners"
MANIFEST = json.loads((OWNERS / "manifest.json").read_text(encoding="utf-8"))
EXTRA_CANONICAL = {"marketing_consent", "currency"}

# Files the current reader cannot split into columns yet (issue 13, "Intake that knows real shops").
READER_GAPS = {"till_printout.txt": "whitespace-separated text is read as one column"}

IDS = [e["file"] for e in MANIFEST]


def _read(entry: dict) -> pd.DataFrame:
    raw = read_raw(OWNERS / entry["file"])
    if entry["file"] in READER_GAPS and (raw.frame is None or raw.frame.shape[1] == 1):
        pytest.xfail(READER_GAPS[entry["file"]])
    assert raw.frame is not None, [p.message for p in raw.problems]
    return raw.frame


def _data_rows(entry: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that are real records: drop footer lines (rows with an empty mapped date) the reader kept."""
    date_col = entry["mapping"].get("timestamp") or entry["mapping"].get("date")
    if date_col is None:
        return frame
    return frame[frame[date_col].notna() & (frame[date_col].astype(str).str.strip() != "")]


def _dates(entry: dict, frame: pd.DataFrame) -> pd.Series:
    col = entry["mapping"].get("timestamp") or entry["mapping"].get("date")
    text = frame[col].astype(str).str.strip()
    dayfirst = entry["date_order"] == "day" and not text.str.match(r"\d{4}-").all()  # ISO is never day-first
    parsed = pd.to_datetime(text, format="mixed", dayfirst=dayfirst, errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)


def _number(series: pd.Series) -> pd.Series:
    text = series.astype(str).str.replace(r"[^\d,.\-]", "", regex=True)
    comma_decimal = text.str.contains(r",\d{1,2}$", regex=True)
    text = text.where(~comma_decimal, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    return pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")


def test_manifest_describes_a_broad_corpus():
    assert len(MANIFEST) >= 22
    tables = {e["table"] for e in MANIFEST}
    assert {"transactions", "demand", "customers"} <= tables
    assert {e["language"] for e in MANIFEST} >= {"en", "de", "fr", "es", "it", "nl"}
    assert {e["currency"] for e in MANIFEST} >= {"USD", "EUR", "GBP", "CHF"}
    assert any(e["bulk_orders"] for e in MANIFEST)
    assert any(e["malformed_lines"] for e in MANIFEST)
    assert any(not e["has_times"] for e in MANIFEST) and any(e["has_times"] for e in MANIFEST)
    assert any(set(e["closed_weekdays"]) == {5, 6} for e in MANIFEST)
    assert any(e["consent"] and e["consent"]["blank"] > 0 for e in MANIFEST)
    assert sum(p.stat().st_size for p in OWNERS.iterdir()) < 4.6e6


@pytest.mark.parametrize("entry", MANIFEST, ids=IDS)
def test_entry_is_well_formed(entry):
    assert (OWNERS / entry["file"]).is_file()
    assert entry["date_order"] in ("day", "month", "auto")
    spec = TABLES[entry["table"]]
    known = {c.name for c in spec.columns} | EXTRA_CANONICAL
    assert set(entry["mapping"]) <= known, set(entry["mapping"]) - known
    assert all(0 <= d <= 6 for d in entry["closed_weekdays"])
    if entry["table"] == "transactions":
        assert {"timestamp", "unit_price"} <= set(entry["mapping"])


@pytest.mark.parametrize("entry", MANIFEST, ids=IDS)
def test_mapped_columns_are_in_the_file(entry):
    frame = _read(entry)
    missing = [col for col in entry["mapping"].values() if col not in frame.columns]
    assert not missing, f"{entry['file']}: {missing} not in {list(frame.columns)}"
    rows = len(_data_rows(entry, frame))
    assert 300 <= rows <= 6000, rows


@pytest.mark.parametrize("entry", [e for e in MANIFEST if e["table"] != "customers"], ids=lambda e: e["file"])
def test_dates_parse_and_closed_weekdays_have_no_sales(entry):
    frame = _data_rows(entry, _read(entry))
    dates = _dates(entry, frame)
    assert dates.notna().mean() > 0.99, frame.loc[dates.isna()].head()
    weekdays = set(dates.dropna().dt.day_of_week)
    assert not weekdays & set(entry["closed_weekdays"]), sorted(weekdays)
    open_days = set(range(7)) - set(entry["closed_weekdays"])
    assert weekdays == open_days  # every day the shop is open does appear
    if not entry["has_times"]:
        assert (dates.dropna().dt.hour == 0).all() and (dates.dropna().dt.minute == 0).all()


@pytest.mark.parametrize("entry", [e for e in MANIFEST if e["bulk_orders"]], ids=lambda e: e["file"])
def test_bulk_orders_exist_and_dwarf_normal_orders(entry):
    frame = _data_rows(entry, _read(entry))
    m = entry["mapping"]
    value = _number(frame[m["quantity"]]) * _number(frame[m["unit_price"]])
    per_order = value.groupby(frame[m["order_id"]]).sum()
    for order in entry["bulk_orders"]:
        assert order in per_order.index
        assert per_order[order] >= 50 * per_order.median()


@pytest.mark.parametrize("entry", [e for e in MANIFEST if e["consent"]], ids=lambda e: e["file"])
def test_consent_counts_match(entry):
    frame = _read(entry)
    m = entry["mapping"]
    consent = frame[m["marketing_consent"]].fillna("").astype(str).str.strip().str.lower()
    if entry["table"] == "transactions":  # per distinct customer, from the lines that carry the flag
        first = frame[consent != ""]
        consent = first.groupby(first[m["customer_id"]])[m["marketing_consent"]].first().str.lower()
    counts = {"yes": int((consent == "yes").sum()), "no": int((consent == "no").sum()),
              "blank": int((consent == "").sum())}  # fmt: skip
    assert counts == entry["consent"]


def test_customers_file_ids_match_an_orders_file():
    customers = next(e for e in MANIFEST if e["table"] == "customers")
    ids = set(_read(customers)[customers["mapping"]["customer_id"]])
    orders = next(e for e in MANIFEST if e["file"] == "woocommerce_orders.csv")
    buyers = set(_read(orders)[orders["mapping"]["customer_id"]])
    assert len(ids & buyers) >= 150  # the rest registered but did not order in these nine months


@pytest.mark.parametrize("entry", [e for e in MANIFEST if e["malformed_lines"]], ids=lambda e: e["file"])
def test_malformed_lines_are_really_malformed(entry):
    path = OWNERS / entry["file"]
    raw_lines = path.read_bytes().decode("utf-8-sig").splitlines()
    header_fields = len(raw_lines[0].split(";" if ";" in raw_lines[0] else ","))
    for n in entry["malformed_lines"]:
        line = raw_lines[n - 1]
        sep = ";" if ";" in raw_lines[0] else ","
        fields = len(line.split(sep)) if line else 0
        assert fields != header_fields, (n, line)
