"""Hostile and messy files: each gives a clear report and never a crash."""

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from smbcore.data import guess_table, read_raw, read_table
from smbcore.errors import EMPTY_FILE, HEADER_ONLY, NOT_TABULAR
from smbcore.synthetic import generate_transactions, raw_orders_csv

GOOD = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "1001,A1,Mug,2,2024-03-04 10:00,3.50,C1,United Kingdom\n"
    "1001,B2,Plate,1,2024-03-04 10:00,5.00,C1,United Kingdom\n"
    "1002,A1,Mug,4,2024-03-05 11:30,3.50,C2,France\n"
)


def messages(result) -> str:
    return " ".join(result.report["message"])


def test_empty_file():
    result = read_table(b"", "transactions", name="orders.csv")
    assert not result.ok
    assert result.report["message"].tolist() == [EMPTY_FILE.format(name="orders.csv")]


def test_header_only():
    result = read_table(GOOD.splitlines()[0].encode() + b"\n", "transactions", name="orders.csv")
    assert not result.ok
    assert HEADER_ONLY.format(name="orders.csv") in messages(result)


@pytest.mark.parametrize(
    "garbage",
    [
        np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20,
    ],
)
def test_binary_garbage(garbage):
    result = read_table(garbage, "transactions", name="photo.png")
    assert not result.ok
    assert messages(result) == NOT_TABULAR.format(name="photo.png")


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_separators_are_detected(sep):
    result = read_table(GOOD.replace(",", sep).encode(), "transactions")
    assert result.ok, result.report
    assert len(result.frame) == 3
    assert result.frame["quantity"].tolist() == [2, 1, 4]


def test_unknown_separator_says_so():
    result = read_table(GOOD.replace(",", ":").encode(), "transactions", name="orders.txt")
    assert not result.ok
    report = result.report
    assert set(report["level"]) == {"error"}
    assert "only one column" in messages(result)
    assert "order_id" in report["column"].tolist()


def test_latin1_and_windows_bytes():
    text = GOOD.replace("Mug", "Café crème mug").replace("Plate", "Plate £5 – blue")
    result = read_table(text.encode("cp1252"), "transactions")
    assert result.ok
    assert result.details["encoding"] == "cp1252"
    assert result.frame["product_name"].tolist()[:2] == ["Café crème mug", "Plate £5 – blue"]


def test_a_few_accents_in_a_windows_export_read_as_windows_1252():
    """Seen in the app: with one accented name among hundreds of lines the detector's first pick was
    mac_latin2, which turned 'Café cup' into 'Cafť cup'."""
    lines = ["Invoice;InvoiceDate;StockCode;Description;Quantity;UnitPrice;CustomerID"]
    names = ["Mug", "Tea, green", "Café cup", "Plate"]
    lines += [
        f'A{i // 3};{i % 27 + 1:02d}/03/2024 10:15;P{i % 4};"{names[i % 4]}";{i % 5 + 1};3,50;C{i % 40}'
        for i in range(400)
    ]
    raw = read_raw(("\n".join(lines) + "\n").encode("cp1252"), "orders.csv")
    assert raw.details["encoding"] == "cp1252"
    assert "Café cup" in set(raw.frame["Description"])


def test_bom_and_gzip():
    data = gzip.compress(("\ufeff" + GOOD).encode("utf-8"))
    result = read_table(data, "transactions")
    assert result.ok
    assert result.mapping["order_id"] == "InvoiceNo"  # not '\ufeffInvoiceNo'


def test_decimal_commas_and_currency_signs():
    text = "Order;SKU;Qty;Price;Date\n1;A;2;3,50;2024-01-02\n2;B;1;1.234,50;2024-01-03\n3;C;1;£2,00;2024-01-04\n"
    result = read_table(text.encode(), "transactions")
    assert result.ok
    assert result.frame["unit_price"].tolist() == [3.5, 1234.5, 2.0]


def test_thousands_commas_stay_thousands():
    text = 'Order,SKU,Qty,Price,Date\n1,A,2,"1,500",2024-01-02\n2,B,1,"12,000",2024-01-03\n'
    result = read_table(text.encode(), "transactions")
    assert result.frame["unit_price"].tolist() == [1500.0, 12000.0]


def test_missing_required_column_names_it():
    text = GOOD.replace("Quantity", "Colour")
    result = read_table(text.encode(), "transactions")
    assert not result.ok
    row = result.report.query("column == 'quantity'").iloc[0]
    assert row["level"] == "error"
    assert "Map one of your columns to it" in row["message"]


def test_duplicate_column_names():
    text = "Order,SKU,Qty,Qty,Price,Date\n1,A,2,9,3.5,2024-01-02\n"
    raw = read_raw(text.encode())
    assert list(raw.frame.columns) == ["Order", "SKU", "Qty", "Qty (2)", "Price", "Date"]
    result = read_table(raw, "transactions")
    assert result.ok and result.frame["quantity"].tolist() == [2]
    assert "appears more than once" in messages(result)


def test_non_numeric_quantities_name_rows_and_examples():
    text = GOOD + "1003,A1,Mug,two,2024-03-06 09:00,3.50,C3,France\n1004,A1,Mug,,2024-03-06 09:00,3.50,C3,France\n"
    result = read_table(text.encode(), "transactions")
    assert result.ok
    assert len(result.frame) == 3
    bad = result.report.query("column == 'quantity' and level == 'error'")
    assert bad["rows"].tolist() == [1, 1]  # 'two' (not a number) and the empty cell (missing)
    unreadable = bad[bad["examples"] != ""].iloc[0]
    assert unreadable["examples"] == "'two'" and unreadable["row_numbers"] == "5"
    assert "not numbers" in unreadable["message"]
    assert bad[bad["examples"] == ""].iloc[0]["row_numbers"] == "6"


def test_mixed_date_formats_are_read_and_reported():
    text = "Order,SKU,Qty,Price,Date\n1,A,1,2,2024-03-25 10:00\n2,A,1,2,26/03/2024 11:00\n3,A,1,2,27 March 2024\n"
    result = read_table(text.encode(), "transactions")
    assert result.ok
    assert result.frame["timestamp"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-25", "2024-03-26", "2024-03-27"]
    assert "mixes date styles" in messages(result)


def test_ambiguous_dates_are_asked_not_guessed():
    text = "Order,SKU,Qty,Price,Date\n1,A,1,2,03-04-2011\n2,A,1,2,05-06-2011\n"
    result = read_table(text.encode(), "transactions")
    assert not result.ok and result.needs_answer
    question = result.report.query("level == 'question'").iloc[0]
    assert question["column"] == "timestamp" and "03-04-2011" in question["message"]
    day_first = read_table(text.encode(), "transactions", date_order="day_first")
    month_first = read_table(text.encode(), "transactions", date_order="month_first")
    assert day_first.frame["timestamp"].iloc[0] == pd.Timestamp("2011-04-03")
    assert month_first.frame["timestamp"].iloc[0] == pd.Timestamp("2011-03-04")


def test_day_first_is_inferred_when_the_file_settles_it():
    text = "Order,SKU,Qty,Price,Date\n1,A,1,2,03/04/2011\n2,A,1,2,25/04/2011\n"
    result = read_table(text.encode(), "transactions")
    assert result.ok
    assert result.frame["timestamp"].tolist() == [pd.Timestamp("2011-04-03"), pd.Timestamp("2011-04-25")]


def test_dates_that_contradict_the_order_are_reported():
    text = "Order,SKU,Qty,Price,Date\n1,A,1,2,25/04/2011\n2,A,1,2,26/04/2011\n3,A,1,2,04/27/2011\n"
    result = read_table(text.encode(), "transactions")
    assert len(result.frame) == 2
    bad = result.report.query("column == 'timestamp' and level == 'error'").iloc[0]
    assert bad["examples"] == "'04/27/2011'" and bad["row_numbers"] == "4"


def test_time_zone_offsets_keep_local_time():
    text = "Order,SKU,Qty,Price,Date\n1,A,1,2,2024-05-01 10:23:45 +0100\n2,A,1,2,2024-05-01 18:00:00 -0500\n"
    result = read_table(text.encode(), "transactions")
    assert result.frame["timestamp"].dt.hour.tolist() == [10, 18]


def test_returns_and_cancellations():
    text = GOOD + "C1001,A1,Mug,-2,2024-03-07 10:00,3.50,C1,United Kingdom\n1005,A1,Mug,0,2024-03-07 10:00,3.5,C1,UK\n"
    result = read_table(text.encode(), "transactions")
    frame = result.frame
    assert frame["is_return"].tolist() == [False, False, False, True]
    assert frame["revenue"].iloc[-1] == -7.0
    assert result.report.query("column == 'quantity' and level == 'warning'")["rows"].tolist() == [1]


def test_excel_file(tmp_path):
    frame = pd.read_csv(io.StringIO(GOOD))
    path = tmp_path / "orders.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Notes")
        frame.to_excel(writer, sheet_name="Orders", index=False)
    result = read_table(path, "transactions")
    assert result.ok and result.details["sheet"] == "Orders"
    assert result.frame["unit_price"].tolist() == [3.5, 5.0, 3.5]


def test_damaged_excel_and_old_xls():
    assert "could not be opened" in messages(read_table(b"PK\x03\x04" + b"\x00" * 200, "transactions"))
    old = read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "transactions", name="old.xls")
    assert not old.ok and "old-style Excel" in messages(old)


def test_shopify_export():
    text = (
        "Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,"
        "Shipping Country\n"
        "#1001,ann@example.com,paid,2024-05-01 10:23:45 +0100,2,Blue mug,12.00,MUG-B,GB\n"
        "#1001,,,,1,Red plate,8.50,,\n"
        "#1002,bob@example.com,paid,2024-05-02 09:00:00 +0100,1,Blue mug,12.00,MUG-B,FR\n"
    )
    raw = read_raw(text.encode())
    assert guess_table(list(raw.frame.columns)) == "transactions"
    result = read_table(raw, "transactions")
    assert result.ok
    assert result.mapping["order_id"] == "Name" and result.mapping["customer_id"] == "Email"
    frame = result.frame
    assert frame["customer_id"].tolist() == ["ann@example.com", "ann@example.com", "bob@example.com"]
    assert frame["timestamp"].iloc[1] == pd.Timestamp("2024-05-01 10:23:45")
    assert frame["product_id"].tolist() == ["MUG-B", "Red plate", "MUG-B"]  # no SKU: the name stands in


def test_ragged_lines_are_reported():
    text = GOOD + "1009,A1,Mug,1,2024-03-06 09:00,3.50,C3,France,extra,cells\n"
    result = read_table(text.encode(), "transactions")
    assert result.ok
    assert len(result.frame) == 3
    assert "different number of values" in messages(result)


def test_unknown_table_name_is_a_clear_error():
    with pytest.raises(ValueError, match="no table called 'orders'"):
        read_table(GOOD.encode(), "orders")


@pytest.mark.slow
def test_one_million_rows():
    frame = generate_transactions(n_lines=1_000_000, n_customers=20_000, n_products=3_000, seed=7)
    data = raw_orders_csv(frame).encode()
    result = read_table(data, "transactions")
    assert result.ok
    assert len(result.frame) == 1_000_000
    assert result.frame["is_return"].sum() == frame["is_return"].sum()
    assert result.frame["revenue"].sum() == pytest.approx(frame["revenue"].sum())


def test_zipped_csv():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("orders.csv", GOOD)
    result = read_table(buffer.getvalue(), "transactions", name="export.zip")
    assert result.ok and len(result.frame) == 3


def test_an_unknown_date_order_is_refused_not_read_month_first():
    from smbcore.errors import SmbcoreError

    with pytest.raises(SmbcoreError, match="day first"):
        read_table(b"Date,Sales\n13.09.2024,5\n", "demand", date_order="day")


def test_an_exports_summary_footer_is_left_out_as_such_not_as_rows_missing_values():
    text = (
        "Sales Record Number,Order Number,Sale Date,SKU,Quantity,Price\n"
        "101,1-1,02-Jun-24,A1,1,£5.00\n102,1-2,03-Jun-24,A2,2,£6.00\n"
        ",,,,,\n2 record(s) downloaded,,,,,\nSeller ID : example_shop,,,,,\n"
    )
    result = read_table(text.encode(), "transactions")
    assert len(result.frame) == 2
    assert not any(p.level == "error" for p in result.problems), result.report
    footer = next(p for p in result.problems if "summary lines" in p.message)
    assert footer.row_numbers[-2:] == [5, 6] and "2 record(s) downloaded" in footer.examples


def test_old_mac_line_ends_are_read():
    """Issue 14: a CSV whose lines end in CR only (old Mac exports) was one long header line, then
    'Something went wrong while reading your file'."""
    result = read_table(GOOD.replace("\n", "\r").encode(), "transactions", name="orders.csv")
    assert result.ok, result.report
    assert result.frame["quantity"].tolist() == [2, 1, 4]
    assert result.frame["product_name"].tolist() == ["Mug", "Plate", "Mug"]


def test_utf8_with_a_stray_windows_byte_keeps_its_accents():
    """Issue 14: UTF-8 'CAFÉ' became 'CAFÃ‰' when one byte elsewhere in the file was not UTF-8 (a line pasted
    from a Windows export, or a file cut off mid-letter): the whole file was decoded as Windows-1252."""
    text = GOOD.replace("Mug", "CAFÉ crème mug")
    data = text.encode("utf-8") + "1003,C3,Café cup,1,2024-03-06 09:00,2.00,C3,France\n".encode("cp1252")
    raw = read_raw(data, "orders.csv")
    assert raw.details["encoding"] == "utf-8"
    assert raw.frame["Description"].tolist() == ["CAFÉ crème mug", "Plate", "CAFÉ crème mug", "Café cup"]
    cut = read_raw(text.encode("utf-8") + "1003,C3,É".encode()[:-1], "orders.csv")
    assert cut.frame["Description"].tolist()[:3] == ["CAFÉ crème mug", "Plate", "CAFÉ crème mug"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            GOOD + "1003,C3," + "x" * 10_000_000 + ",1,2024-03-06 09:00,2.00,C3,France\n",
            "row 5, column 3 ('Description')",
        ),
        (GOOD.replace("Description", "Description" + "y" * 200_000, 1), "row 1, column 3"),
        (
            GOOD.replace(",", ";") + '1003;C3;"' + "z" * 300_000 + '";1;2024-03-06;2,00;C3;France\n',
            "row 5, column 3 ('Description')",
        ),
    ],
    ids=["10 MB cell", "200 KB header", "quoted cell, semicolons"],
)
def test_an_oversize_cell_is_refused_with_its_row_and_column(text, where):
    """Issue 14: a 10 MB cell within the first 50 lines, or a 200 KB header cell, ended in
    '_csv.Error: field larger than field limit' ('Something went wrong while reading your file')."""
    result = read_table(text.encode(), "transactions", name="orders.csv")
    assert not result.ok
    assert list(result.report["level"]) == ["error"]
    assert f"'orders.csv' has a cell of more than 131,072 characters in {where}" in messages(result)


def test_an_oversize_cell_in_a_ragged_file_is_refused_with_its_row():
    """Past the first 50 lines the row-by-row reader (used for files with blank or ragged lines) met the limit."""
    lines = GOOD.splitlines() + ["", "1003,C3,Cup,1,2024-03-06 09:00,2.00,C3,France"] * 40
    text = "\n".join(lines + ["1004,C4," + "w" * 200_000 + ",1,2024-03-07 09:00,2.00,C4,France"]) + "\n"
    result = read_table(text.encode(), "transactions", name="orders.csv")
    assert not result.ok
    assert "in row 85, column 3 ('Description')" in messages(result)


def _workbook(path, sheets):
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def test_only_the_first_sheet_of_a_workbook_is_parsed(tmp_path, monkeypatch):
    """Issue 14: pd.read_excel(sheet_name=None) parsed every sheet before taking the first (a 20-row first sheet
    beside 1M-row sheets: 586 s, +1.7 GB); and openpyxl, even read-only, read every sheet without a <dimension>
    element to its end when the workbook opened. Now only the first sheet with data is opened and streamed: a spy
    on openpyxl records which sheets' XML was opened and which were iterated."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
    orders = [
        [1000 + i, "A1", "Mug", i % 5 + 1, f"2024-03-{i % 28 + 1:02d} 10:00", 3.5, f"C{i % 7}"] for i in range(20)
    ]
    archive = [[f"row {i}"] + [i * 10 + j for j in range(9)] for i in range(20_000)]  # 200,000 cells
    path = tmp_path / "orders.xlsx"
    _workbook(path, [("Notes", []), ("Orders", [header, *orders]), ("Archive", [["Old"] + [""] * 9, *archive])])
    _drop_dimensions(path)

    opened, iterated = [], []
    source, rows = ReadOnlyWorksheet._get_source, ReadOnlyWorksheet._cells_by_row

    def spy_source(self):
        opened.append(self.title)
        return source(self)

    def spy_rows(self, *args, **kwargs):
        iterated.append(self.title)
        return rows(self, *args, **kwargs)

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_source", spy_source)
    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", spy_rows)
    result = read_table(path, "transactions", name="orders.xlsx")
    assert "Archive" not in opened and iterated == ["Notes", "Orders"]
    assert result.ok and result.details["sheet"] == "Orders"
    assert len(result.frame) == 20 and result.frame["quantity"].tolist()[:3] == [1, 2, 3]
    assert "The workbook has 3 sheets; we read only the first one with data, 'Orders'." in messages(result)


def _drop_dimensions(path):
    """Rewrite an .xlsx without the <dimension> elements of its sheets (files from other tools may have none)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, re.sub(rb"<dimension [^>]*/>", b"", data) if "worksheets/" in part else data)


def test_a_sheet_over_the_row_limit_is_refused_while_reading(tmp_path, monkeypatch):
    from smbcore.data import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 50)
    path = tmp_path / "orders.xlsx"
    _workbook(path, [("Orders", [["Order", "Qty"], *([i, 1] for i in range(51))])])
    raw = read_raw(path)
    assert raw.frame is None
    assert raw.problems[0].message == reading.TOO_MANY_ROWS.format(name="orders.xlsx", rows=52, limit=50)
    _workbook(path, [("Orders", [["Order", "Qty"], *([i, 1] for i in range(50))])])
    assert len(read_raw(path).frame) == 50
