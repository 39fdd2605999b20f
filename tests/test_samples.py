"""The four bundled UCI samples load into canonical tables with the published row counts."""

import pandas as pd

from smbcore.data import SAMPLES, read_table
from smbcore.data.samples import sample_path


def test_online_retail_matches_published_figures(retail):
    tx = retail["transactions"]
    result = read_table(sample_path("online_retail"), "transactions")
    assert result.rows_read == 541_909
    # Two 'Adjust bad debt' lines have a negative price: reported and left out, everything else kept.
    assert len(tx) == 541_907
    left_out = result.report.query("column == 'unit_price' and level == 'warning'")
    assert left_out["rows"].tolist() == [2]
    assert "Adjust bad debt" in left_out["examples"].iloc[0]
    assert tx["order_id"].nunique() == 25_900 - 2  # the two bad-debt invoices held only those lines
    assert tx["order_id"].str.startswith("C").sum() == 9_288
    assert tx["customer_id"].nunique() == 4_372
    assert tx["country"].nunique() == 38
    assert tx["quantity"].sum() == 5_176_450 - 2  # each bad-debt line had quantity 1
    assert tx["customer_id"].isna().sum() == 135_080 - 2
    assert tx["is_return"].sum() == (tx["quantity"] < 0).sum()
    assert retail["customers"]["customer_id"].is_unique and len(retail["customers"]) == 4_372


def test_online_shoppers_sessions(shoppers):
    sessions = shoppers["sessions"]
    assert len(sessions) == 12_330
    assert sessions["converted"].sum() == 1_908
    assert {"product_pages", "bounce_rate", "visitor_type", "traffic_source", "month"} <= set(sessions.columns)


def test_bank_marketing_customers_and_campaigns(bank):
    customers, campaigns = bank["customers"], bank["campaigns"]
    assert len(customers) == len(campaigns) == 41_188
    assert customers["customer_id"].equals(campaigns["customer_id"])
    assert {"age", "job", "marital", "education"} <= set(customers.columns)
    assert campaigns["responded"].sum() == 4_640
    assert "duration" in campaigns.columns and "channel" in campaigns.columns
    assert customers["age"].between(17, 98).all()


def test_bike_sharing_demand_and_weather(bikes):
    demand, external = bikes["demand"], bikes["external"]
    assert len(demand) == len(external) == 731
    assert demand["date"].min() == pd.Timestamp("2011-01-01") and demand["date"].max() == pd.Timestamp("2012-12-31")
    assert demand["y"].sum() == 3_292_679  # total rentals in day.csv
    assert external["temperature_c"].between(-10, 45).all()
    assert external["holiday"].sum() == 21


def test_every_sample_fills_the_tables_it_lists():
    from smbcore.data import load_sample

    for name, meta in SAMPLES.items():
        if name == "online_retail":
            continue  # loaded by the fixture above; this loop covers the small ones fast
        assert set(load_sample(name)) == set(meta["tables"])
        assert "CC BY 4.0" in meta["credit"]
