"""Intake on owners' real-shaped files (issue 13, item 5): automatic mapping on the owners' corpus, and one test
per intake rule (languages, presets, consent and currency in orders exports, purchase logs, row numbers,
whitespace-separated text, zip uploads, product codes with several names)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from smbcore.data import Workspace, detect_preset, guess_mapping, guess_table, read_raw, read_table
from smbcore.data.contracts import normalise_name
from smbcore.data.parsing import parse_flags

OWNERS = Path(os.environ.get("OWNERS_CORPUS") or Path(__file__).parent / "data" / "owners")


def _mapping_is_right(guessed: dict[str, str], expected: dict[str, str]) -> bool:
    """Every column the manifest maps is guessed to the same file column, and nothing else is mapped.

    The manifest writes an amount for the whole line as 'unit_price'; the app reads such a column as `line_total`
    (and works out the price of one item from it), so a guessed line_total matches an expected unit_price. A
    separate time-of-day column next to the expected date is part of the timestamp and allowed.
    """
    guessed = dict(guessed)
    if "line_total" in guessed and "unit_price" not in guessed:
        guessed["unit_price"] = guessed.pop("line_total")
    if "time_of_day" in guessed and "timestamp" in expected:
        guessed.pop("time_of_day")
    return guessed == expected


def _corpus() -> list[dict]:
    manifest = OWNERS / "manifest.json"
    if not manifest.exists():
        pytest.skip(f"The owners' corpus is not at {OWNERS} yet (set OWNERS_CORPUS to its folder).")
    return json.loads(manifest.read_text(encoding="utf-8"))


def test_automatic_mapping_gets_nine_in_ten_owner_files_fully_right():
    entries = _corpus()
    right, wrong = 0, []
    for entry in entries:
        raw = read_raw(OWNERS / entry["file"])
        assert raw.frame is not None, (entry["file"], [p.message for p in raw.problems])
        columns = list(raw.frame.columns)
        table = guess_table(columns, raw.frame)
        guessed = guess_mapping(columns, table, raw.frame)
        if table == entry["table"] and _mapping_is_right(guessed, entry["mapping"]):
            right += 1
        else:
            wrong.append((entry["file"], table, guessed))
    share = right / len(entries)
    assert share >= 0.9, f"{right} of {len(entries)} files mapped fully right; wrong: {wrong}"


def _csv(text: str) -> bytes:
    return text.strip().encode("utf-8") + b"\n"


@pytest.mark.parametrize(
    "header, expected",
    [
        (
            "Datum;Uhrzeit;Beleg;Artikelnummer;Artikel;Menge;Einzelpreis;Kundennummer",
            {"timestamp": "Datum", "time_of_day": "Uhrzeit", "order_id": "Beleg", "product_id": "Artikelnummer",
             "product_name": "Artikel", "quantity": "Menge", "unit_price": "Einzelpreis", "customer_id": "Kundennummer"},
        ),
        (
            "Datum;Bon;Produkt;Anzahl;Preis;Kunde",
            {"timestamp": "Datum", "order_id": "Bon", "product_name": "Produkt", "quantity": "Anzahl",
             "unit_price": "Preis", "customer_id": "Kunde"},
        ),
        (
            "Date;N° commande;Produit;Quantité;Prix unitaire;Client",
            {"timestamp": "Date", "order_id": "N° commande", "product_name": "Produit", "quantity": "Quantité",
             "unit_price": "Prix unitaire", "customer_id": "Client"},
        ),
        (
            "Fecha;Pedido;Producto;Cantidad;Precio;Cliente",
            {"timestamp": "Fecha", "order_id": "Pedido", "product_name": "Producto", "quantity": "Cantidad",
             "unit_price": "Precio", "customer_id": "Cliente"},
        ),
        (
            "Data;Ordine;Prodotto;Quantità;Prezzo;Cliente",
            {"timestamp": "Data", "order_id": "Ordine", "product_name": "Prodotto", "quantity": "Quantità",
             "unit_price": "Prezzo", "customer_id": "Cliente"},
        ),
        (
            "Datum;Bestelling;Product;Aantal;Prijs;Klant",
            {"timestamp": "Datum", "order_id": "Bestelling", "product_name": "Product", "quantity": "Aantal",
             "unit_price": "Prijs", "customer_id": "Klant"},
        ),
        (
            "order_date,order_no,model,item_name,qty,price,customer_name,shop_name",
            {"timestamp": "order_date", "order_id": "order_no", "product_id": "model", "product_name": "item_name",
             "quantity": "qty", "unit_price": "price", "customer_id": "customer_name", "store_id": "shop_name"},
        ),
    ],
)  # fmt: skip
def test_headers_in_six_languages_and_name_style_columns_are_guessed(header, expected):
    columns = header.split(";") if ";" in header else header.split(",")
    assert guess_table(columns) == "transactions"
    assert guess_mapping(columns, "transactions") == expected


def test_accented_names_fold_to_plain_letters():
    assert normalise_name("Quantité") == "quantite"
    assert normalise_name("QUANTITÀ ") == "quantita"
    assert normalise_name("Stückpreis") == normalise_name("Stuckpreis")


def test_german_till_with_separate_date_and_time_reads_the_time():
    text = "Datum;Uhrzeit;Bon;Artikel;Menge;Preis\n13.09.2024;07:26;48201;Käsekuchen;2;2,80\n13.09.2024;13:05;48202;Brezel;1;0,95\n"
    result = read_table(text.encode("cp1252"), "transactions")
    assert result.ok
    assert list(result.frame["timestamp"].dt.hour) == [7, 13]
    assert "time_of_day" not in result.frame


@pytest.mark.parametrize(
    "columns, preset",
    [
        (["Name", "Email", "Accepts Marketing", "Currency", "Created at", "Lineitem quantity", "Lineitem name",
          "Lineitem price"], "shopify_orders"),  # no Lineitem sku, Billing or Source columns: still Shopify
        (["order_id", "order_number", "order_date", "item_name", "item_quantity", "item_total"], "woocommerce_orders"),
        (["Date", "Time", "Item", "Qty", "Gross Sales", "Net Sales", "Transaction ID"], "square_item_sales"),
        (["Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Order ID", "Currency"], "etsy_sold_items"),
        (["amazon-order-id", "purchase-date", "sku", "product-name", "quantity", "currency", "item-price"],
         "amazon_orders"),
        (["Order Number", "Sale Date", "Item Title", "Quantity", "Sold For", "Buyer Username"], "ebay_orders"),
        (["id", "Created date (UTC)", "Amount", "Amount Refunded", "Currency", "Captured", "Customer ID"],
         "stripe_payments"),
        (["Date", "Receipt Number", "Line Type", "Customer Code", "Quantity", "Subtotal", "Details"],
         "lightspeed_x_sales"),
        (["Email", "Date", "Transaction ID", "Payment Method", "Total Amount", "Description"], "sumup_transactions"),
        (["Date", "Time", "Receipt number", "Product", "Quantity", "Price per unit"], "zettle_items"),
    ],
)  # fmt: skip
def test_presets_of_ten_shop_systems_tolerate_missing_optional_columns(columns, preset):
    assert detect_preset(columns) == preset
    assert guess_table(columns) == "transactions"
    mapping = guess_mapping(columns, "transactions")
    assert {"order_id", "timestamp"} <= set(mapping)


def test_sumup_merchant_email_is_not_taken_for_a_customer():
    columns = ["Email", "Date", "Transaction ID", "Payment Method", "Total Amount", "Description"]
    assert "customer_id" not in guess_mapping(columns, "transactions")


@pytest.mark.parametrize(
    "cells, expected",
    [
        (["yes", "no", "TRUE", "false", "1", "0"], [True, False, True, False, True, False]),
        (["ja", "nein", "oui", "non", "sí", "sì"], [True, False, True, False, True, True]),
        (["si", "no", "ja", "nee", "", None], [True, False, True, False, pd.NA, pd.NA]),
    ],
)
def test_consent_flags_in_six_languages_and_blank_stays_unknown(cells, expected):
    values, bad = parse_flags(pd.Series(cells, dtype="string"))
    assert values.tolist() == expected
    assert not bad.any()


SHOPIFY = """Name,Email,Financial Status,Accepts Marketing,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku
#1003,cara@example.org,paid,,EUR,2024-03-03 11:00:00 +0100,1,Mug,12.00,MUG
#1002,ben@example.org,paid,yes,EUR,2024-03-02 10:00:00 +0100,1,Mug,12.00,MUG
#1002,ben@example.org,,,,2024-03-02 10:00:00 +0100,2,Tea,4.50,TEA
#1001,ana@example.org,paid,no,EUR,2024-03-01 09:00:00 +0100,1,Tea,4.50,TEA
#1001,ana@example.org,,,,2024-03-01 09:00:00 +0100,3,Mug,12.00,MUG
"""


def test_shopify_consent_and_currency_are_read_and_filled_down_the_order():
    result = read_table(_csv(SHOPIFY), "transactions")
    assert result.ok
    assert result.mapping["marketing_consent"] == "Accepts Marketing"
    consent = result.frame.set_index(result.frame["order_id"] + "/" + result.frame["product_id"])["marketing_consent"]
    assert consent["#1002/TEA"]  # blank on the order's second line: the first line's 'yes'
    assert not consent["#1001/MUG"]
    assert pd.isna(consent["#1003/MUG"])  # never answered: unknown, not yes
    assert set(result.frame["currency"]) == {"EUR"}


def test_accepts_email_marketing_is_the_consent_column_of_the_newer_shopify_export():
    text = SHOPIFY.replace("Accepts Marketing", "Accepts Email Marketing")
    assert read_table(_csv(text), "transactions").mapping["marketing_consent"] == "Accepts Email Marketing"


def test_several_currencies_in_one_file_are_named_with_row_counts():
    text = SHOPIFY.replace("paid,,EUR", "paid,,USD")
    result = read_table(_csv(text), "transactions")
    warning = next(p for p in result.problems if p.column == "currency" and p.level == "warning")
    assert warning.level == "warning"
    assert "EUR (4 rows)" in warning.message and "USD (1 rows)" in warning.message


PURCHASE_LOG = """Customer,Date,Quantity,Amount
Kate,2024-04-01,2,29.00
Kate,2024-04-01,1,10.00
Mia,2024-04-01,3,30.00
Kate,2024-04-02,1,14.50
"""


def test_purchase_log_without_order_or_product_ids_becomes_orders():
    columns = ["Customer", "Date", "Quantity", "Amount"]
    assert guess_table(columns) == "transactions"
    result = read_table(_csv(PURCHASE_LOG), "transactions")
    assert result.ok, result.report
    frame = result.frame
    assert frame["order_id"].nunique() == 3  # Kate on 1 April (two lines), Mia on 1 April, Kate on 2 April
    assert set(frame["product_id"]) == {"ALL"} and set(frame["product_name"]) == {"All products"}
    assert frame["unit_price"].tolist() == [14.5, 10.0, 10.0, 14.5]  # amount / quantity
    assert frame["revenue"].sum() == pytest.approx(83.5)
    words = " ".join(p.message for p in result.problems if p.level == "info")
    assert "one order" in words and "All products" in words and "divided by the quantity" in words


MALFORMED = (
    "order,date,sku,qty,price\n"
    + "".join(
        f"A{i},2024-03-0{1 + i % 5},P{i % 3},1,2.50\n" if i != 4 else "A4,2024-03-02,P1,1,2.50,extra\n"
        for i in range(1, 9)
    )
    + "A9,2024-03-02,P1,,2.50\n"
)


def test_row_numbers_after_a_malformed_line_in_the_middle_are_the_spreadsheet_rows():
    # Rows: header = 1, A1 = 2, A2 = 3, A3 = 4, malformed A4 = 5, A5 = 6, ... A8 = 9, A9 (no quantity) = 10.
    result = read_table(MALFORMED.encode(), "transactions")
    malformed = next(p for p in result.problems if "different number of values" in p.message)
    assert malformed.row_numbers == [5] and "row 5" in malformed.message
    missing = next(p for p in result.problems if p.column == "quantity" and p.level == "error")
    assert missing.row_numbers == [10]
    left_out = next(p for p in result.problems if "of 9 rows" in p.message)
    assert left_out.message.startswith("2 of 9 rows are left out")
    assert result.rows_read == 9


def test_product_code_with_several_names_is_reported():
    text = "order,date,sku,product,qty,price\n1,2024-03-01,TEE-M,Bio-T-Shirt M,1,20\n2,2024-03-02,TEE-M,Organic Tee M,2,20\n3,2024-03-03,TEE-M,Organic Tee M,1,20\n"
    result = read_table(text.encode(), "transactions")
    warning = next(p for p in result.problems if p.column == "product_id" and p.level == "warning")
    assert "'TEE-M'" in warning.message
    assert "'Organic Tee M' (2 rows)" in warning.message and "'Bio-T-Shirt M' (1 rows)" in warning.message


def test_whitespace_separated_text_is_read():
    text = (
        "Date        Order   Product          Qty   Price\n"
        "2024-03-01  1001    Blue Mug         2     7.50\n"
        "2024-03-02  1002    Tea Towel        1     4.00\n"
    )
    raw = read_raw(text.encode(), name="report.txt")
    assert raw.frame is not None and list(raw.frame.columns) == ["Date", "Order", "Product", "Qty", "Price"]
    assert raw.frame["Product"].tolist() == ["Blue Mug", "Tea Towel"]
    result = read_table(raw, "transactions")
    assert result.ok and result.frame["revenue"].sum() == pytest.approx(19.0)


def test_zip_holding_one_csv_is_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/orders.csv", PURCHASE_LOG)
    raw = read_raw(buffer.getvalue(), name="orders.zip")
    assert raw.frame is not None and len(raw.frame) == 4
    assert raw.name == "orders.zip / export/orders.csv"


def test_currency_is_kept_per_table(tmp_path):
    workspace = Workspace(tmp_path / "w.duckdb")
    workspace.set_setting("currency", "£")  # the old workspace-wide setting
    orders = read_table(_csv(SHOPIFY), "transactions").frame
    workspace.save("transactions", orders)  # EUR from the file's own column
    totals = read_table(b"date,sales\n2024-03-01,10\n2024-03-02,12\n", "demand").frame
    workspace.save("demand", totals, currency="$")  # the owner's choice on the Data page
    assert workspace.currency("transactions") == "€"
    assert workspace.currency("demand") == "$"
    workspace.save("demand", totals, currency="CHF")
    assert workspace.currency("transactions") == "€"  # saving another table never relabels this one
    assert workspace.currency("demand") == "CHF "
    assert workspace.currency("customers") == "£"  # nothing of its own: the old setting


def test_an_item_column_of_codes_is_the_product_code():
    text = "DATE       TIME  RECEIPT ITEM        QTY   PRICE\n02/09/2024 09:24   60000 HX-M6-50      6    0.12\n02/09/2024 09:24   60000 TAPE-DUCT     1    4.50\n13/09/2024 12:06   60001 SAND-P120     2    0.65\n"
    raw = read_raw(text.encode(), name="till.txt")
    assert list(raw.frame.columns) == ["DATE", "TIME", "RECEIPT", "ITEM", "QTY", "PRICE"]
    mapping = guess_mapping(list(raw.frame.columns), "transactions", raw.frame)
    assert mapping["product_id"] == "ITEM" and "product_name" not in mapping
    result = read_table(raw, "transactions")
    assert result.ok and list(result.frame["timestamp"].dt.hour) == [9, 9, 12]


def test_lightspeed_sale_and_payment_rows_are_left_out():
    text = (
        "Date,Receipt Number,Line Type,Customer Code,Quantity,Subtotal,Total,Details,Sku\n"
        "2024-05-01 10:00,R1,Sale,C1,2,10.00,12.00,,\n"
        "2024-05-01 10:00,R1,Sale Line,C1,2,10.00,12.00,Candle,CAN-1\n"
        "2024-05-01 10:00,R1,Payment,C1,,,12.00,Card,\n"
    )
    result = read_table(text.encode(), "transactions")
    assert result.ok and len(result.frame) == 1
    assert result.frame["revenue"].sum() == pytest.approx(12.0)
    assert any("'Payment' rows" in p.message for p in result.problems)
