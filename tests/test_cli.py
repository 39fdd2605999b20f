"""The command line prints the same report and figures as the app."""

import subprocess
import sys

from smbcore.synthetic import generate_transactions, raw_orders_csv

from .conftest import ROOT


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "smbcore", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_validate_reports_bad_rows(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order;SKU;Qty;Price;Date\n1;A;2;3,50;2024-01-02\n2;B;two;1,00;2024-01-03\n")
    out = run("validate", str(path), "--table", "transactions")
    assert out.returncode == 0, out.stderr
    assert "separator: semicolon" in out.stdout
    assert "'Qty' has 1 values that are not numbers" in out.stdout and "rows 3" in out.stdout
    assert "Ready: 1 rows for the 'transactions' table." in out.stdout


def test_validate_fails_on_missing_column(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order,SKU,Date\n1,A,2024-01-02\n")
    out = run("validate", str(path))
    assert out.returncode == 1
    assert "No column for 'quantity'" in out.stdout


def test_summary_prints_figures(tmp_path):
    tx = generate_transactions(n_lines=2_000, n_customers=100, seed=3)
    path = tmp_path / "orders.csv"
    path.write_text(raw_orders_csv(tx))
    out = run("summary", str(path), "--currency", "$")
    assert out.returncode == 0, out.stderr
    orders = tx.loc[~tx["is_return"].astype(bool), "order_id"].nunique()
    assert f"Orders               {orders:,}" in out.stdout
    assert "Top products by revenue:" in out.stdout and "$" in out.stdout


def test_recommend_writes_k_rows_per_customer(tmp_path):
    tx = generate_transactions(n_lines=3_000, n_customers=80, seed=4)
    path = tmp_path / "orders.csv"
    path.write_text(raw_orders_csv(tx))
    out = run("recommend", str(path), "--k", "5", "--out", str(tmp_path / "recs.csv"))
    assert out.returncode == 0, out.stderr
    import pandas as pd

    recs = pd.read_csv(tmp_path / "recs.csv")
    assert list(recs.columns) == ["customer_id", "rank", "product_id", "product_name", "score", "reason"]
    assert (recs.groupby("customer_id").size() == 5).all()
    assert f"for {recs['customer_id'].nunique():,} customers" in out.stdout


def test_forecast_writes_the_horizon(tmp_path):
    tx = generate_transactions(n_lines=4_000, n_customers=100, days=200, seed=8)
    path = tmp_path / "orders.csv"
    path.write_text(raw_orders_csv(tx))
    out = run("forecast", str(path), "--horizon", "14", "--out", str(tmp_path / "f.csv"), "--country", "GB")
    assert out.returncode == 0, out.stderr
    assert "No holiday calendar" not in out.stdout
    import pandas as pd

    result = pd.read_csv(tmp_path / "f.csv", parse_dates=["date"])
    assert len(result) == 14 and (result["yhat"] >= 0).all()
    assert result["date"].min() == tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    assert "inside the 80% band" in out.stdout


def test_forecast_says_when_a_holiday_calendar_is_unknown(tmp_path):
    tx = generate_transactions(n_lines=1_500, n_customers=50, days=120, seed=9)
    path = tmp_path / "orders.csv"
    path.write_text(raw_orders_csv(tx))
    out = run("forecast", str(path), "--horizon", "7", "--out", str(tmp_path / "f.csv"), "--country", "Atlantis")
    assert out.returncode == 0, out.stderr
    assert "No holiday calendar is known for 'Atlantis'" in out.stdout
