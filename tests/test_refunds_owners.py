"""Returns and refunds on the owners' corpus (issue 13): after reading, the returns an owner sees are the money the
file says was refunded, and no sale is counted as a return.

The truth is computed straight from each raw file with pandas, from the columns the system documents (see
tests/data/owners/make_corpus.py), independently of smbcore's reading code.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from smbcore.data import read_table
from smbcore.overview import kpis

OWNERS = Path(os.environ.get("OWNERS_CORPUS") or Path(__file__).parent / "data" / "owners")
RETURN_TRAITS = re.compile(r"return|refund|storno|credit note|cancel", re.IGNORECASE)


def _entries() -> list[dict]:
    manifest = OWNERS / "manifest.json"
    if not manifest.exists():
        return []
    return [e for e in json.loads(manifest.read_text(encoding="utf-8")) if RETURN_TRAITS.search(" ".join(e["traits"]))]


def _raw(entry: dict) -> tuple[pd.DataFrame, bool]:
    """The file as text cells with pandas (own separator and encoding guess); True when decimals are commas."""
    data = (OWNERS / entry["file"]).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    header = text.splitlines()[0]
    sep = ";" if ";" in header else ("\t" if "\t" in header else ",")
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, on_bad_lines="skip")
    return frame, sep == ";"


def _money(cells: pd.Series, decimal_comma: bool) -> pd.Series:
    text = cells.str.replace(r"[^\d,.\-]", "", regex=True)
    text = text.str.replace(".", "", regex=False).str.replace(",", ".") if decimal_comma else text.str.replace(",", "")
    return pd.to_numeric(text.replace("", "0"))


def _truth(entry: dict) -> tuple[float, set[str]]:
    """(refunded money, order ids with a refund) from the raw file, by the system's documented refund layout."""
    raw, comma = _raw(entry)
    cols = set(raw.columns)
    order_col = entry["mapping"]["order_id"]
    if "Refunded Amount" in cols:  # Shopify: order level, on the order's first line
        refunded = _money(raw["Refunded Amount"], comma)
        return float(refunded.sum()), set(raw.loc[refunded > 0, order_col])
    if "refunded_total" in cols:  # WooCommerce: order level, repeated on every line of the order
        orders = raw.drop_duplicates(order_col)
        refunded = _money(orders["refunded_total"], comma)
        return float(refunded.sum()), set(orders.loc[refunded > 0, order_col])
    if "Amount Refunded" in cols:  # Stripe: per payment; failed payments are no sales
        paid = raw[raw["Status"] != "Failed"]
        refunded = _money(paid["Amount Refunded"], comma)
        return float(refunded.sum()), set(paid.loc[refunded > 0, order_col])
    if "Event Type" in cols:  # Square: separate 'Refund' rows with negative money
        refunds = raw[raw["Event Type"] == "Refund"]
        return float(-_money(refunds["Gross Sales"], comma).sum()), set(refunds[order_col])
    if "Line Type" in cols:  # Lightspeed: return sales are 'Sale Line' rows with negative quantity and total
        lines = raw[raw["Line Type"] == "Sale Line"]
        back = lines[_money(lines["Quantity"], comma) < 0]
        return float(-_money(back["Total"], comma).sum()), set(back[order_col])
    if "order-status" in cols:  # Amazon: cancelled orders (quantity 0) moved no money at all
        return 0.0, set()
    quantity = _money(raw[entry["mapping"]["quantity"]], comma)  # negative quantities x price of one item
    price = _money(raw[entry["mapping"]["unit_price"]], comma)
    back = quantity < 0
    return float(-(quantity[back] * price[back]).sum()), set(raw.loc[back, order_col])


ENTRIES = _entries()


def test_the_corpus_has_files_with_returns_to_check():
    if not ENTRIES:
        pytest.skip(f"The owners' corpus is not at {OWNERS}.")
    assert len(ENTRIES) >= 10, [e["file"] for e in ENTRIES]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_returns_after_reading_are_the_money_refunded_and_no_sale_is_a_return(entry):
    truth, refunded_orders = _truth(entry)
    result = read_table(OWNERS / entry["file"], "transactions")
    assert result.ok, [p.message for p in result.problems if p.level in ("error", "question")]
    frame = result.frame
    figures = kpis(frame)
    if truth == 0:
        assert figures["returns_value"] == 0
    else:
        assert abs(figures["returns_value"] - truth) <= 0.02 * truth, (figures["returns_value"], truth)
    assert figures["returns_value"] >= 0 and figures["returns_share"] >= 0
    returned = frame.loc[frame["is_return"], "order_id"]
    assert set(returned) == refunded_orders  # every return is a refund in the file, and every refund is there
    assert (frame.loc[frame["is_return"], "revenue"] < 0).all()
    assert (frame.loc[~frame["is_return"], "revenue"] >= 0).all()


def test_shopify_refunds_are_reported_in_plain_words():
    path = OWNERS / "shopify_orders_us.csv"
    if not path.exists():
        pytest.skip(f"The owners' corpus is not at {OWNERS}.")
    result = read_table(path, "transactions")
    said = [p.message for p in result.problems if "refunded orders" in p.message]
    assert said and said[0].startswith("37 refunded orders ($1,544) become returns"), said
    assert kpis(result.frame)["returns_share"] == pytest.approx(1544.05 / 25694.0, rel=1e-3)


def _read(text: str, date_order="auto"):
    return read_table(text.strip().encode("utf-8") + b"\n", "transactions", date_order=date_order)


def test_order_ids_starting_with_c_are_sales_unless_the_file_numbers_cancellations_that_way():
    square = _read(
        """Date,Time,Item,Qty,Gross Sales,Transaction ID
03/10/2025,08:01:00,Latte,1,$4.75,c1bT8UEzP8Zq4x4BdbbNR3
03/10/2025,08:05:00,Latte,1,$4.75,XGjKqsoSbP9tBAb4bi909j
03/10/2025,08:30:00,Latte,-1,-$4.75,XGjKqsoSbP9tBAb4bi909j""",
        "month_first",
    ).frame
    assert square["is_return"].tolist() == [False, False, True]
    assert square["revenue"].tolist() == [4.75, 4.75, -4.75]
    uci = _read(
        """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID
536365,85123A,WHITE HANGING HEART,6,01/12/2010 08:26,2.55,17850
536366,22633,HAND WARMER,6,01/12/2010 08:28,1.85,17850
C536379,D,Discount,-1,01/12/2010 09:41,27.50,14527""",
        "day_first",
    ).frame
    assert uci["is_return"].tolist() == [False, False, True]


def test_a_refund_written_with_negative_quantity_and_negative_price_counts_once_as_a_return():
    frame = _read(
        """order,date,product,quantity,price
A1,2025-03-10,Mug,2,9.50
A2,2025-03-11,Mug,-1,-9.50"""
    ).frame
    assert frame["revenue"].tolist() == [19.0, -9.5]
    assert frame["is_return"].tolist() == [False, True]


def test_failed_payments_are_left_out_and_a_refund_date_column_dates_the_return():
    result = _read(
        """id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Status,Refunded date (UTC),Customer ID
ch_1,2025-01-05 10:00:00,39.00,0.00,chf,true,Paid,,cus_a
ch_2,2025-01-06 10:00:00,39.00,0.00,chf,false,Failed,,cus_b
ch_3,2025-01-07 10:00:00,39.00,39.00,chf,true,Refunded,2025-01-20 09:00:00,cus_c"""
    )
    frame = result.frame
    assert sorted(frame["order_id"]) == ["ch_1", "ch_3", "ch_3"]
    back = frame[frame["is_return"]].iloc[0]
    assert back["revenue"] == -39.0 and back["timestamp"] == pd.Timestamp("2025-01-20 09:00:00")
    assert any("failed" in p.message and "'Failed' 1" in p.message for p in result.problems)
    assert kpis(frame)["returns_value"] == 39.0


def test_a_partial_refund_of_one_product_is_that_product_and_its_units():
    frame = _read(
        """Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Refunded Amount,Currency
#1001,a@example.com,partially_refunded,2025-03-01 10:00:00 -0500,2,Lavender Candle,24.00,CND-LAV,48.00,USD
#1001,a@example.com,,2025-03-01 10:00:00 -0500,1,Wick Trimmer,16.00,WCK-TRM,,
#1002,b@example.com,refunded,2025-03-02 10:00:00 -0500,1,Wick Trimmer,16.00,WCK-TRM,22.95,USD
#1002,b@example.com,,2025-03-02 10:00:00 -0500,1,Matches,8.00,MTC,,"""
    ).frame
    back = frame[frame["is_return"]].set_index("order_id")
    assert back.loc["#1001", ["product_id", "quantity", "revenue"]].tolist() == ["CND-LAV", -2.0, -48.0]
    assert back.loc["#1002", ["product_id", "product_name", "quantity", "revenue"]].tolist() == [
        "REFUND", "Refund", -1.0, -22.95
    ]  # fmt: skip
    assert back.loc["#1001", "customer_id"] == "a@example.com" and back.loc["#1002", "currency"] == "USD"
