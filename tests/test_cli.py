"""The command line prints the same report and figures as the app."""

import subprocess
import sys

import pandas as pd
import pytest

from smbcore.data import TABLES
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
    recs = pd.read_csv(tmp_path / "recs.csv")
    assert list(recs.columns) == ["Customer", "Rank", "Product code", "Product", "score", "Why"]
    assert (recs.groupby("Customer").size() == 5).all()
    assert f"for {recs['Customer'].nunique():,} customers" in out.stdout


def test_forecast_writes_the_horizon(tmp_path):
    tx = generate_transactions(n_lines=4_000, n_customers=100, days=200, seed=8)
    path = tmp_path / "orders.csv"
    path.write_text(raw_orders_csv(tx))
    out = run("forecast", str(path), "--horizon", "14", "--out", str(tmp_path / "f.csv"), "--country", "GB")
    assert out.returncode == 0, out.stderr
    assert "No holiday calendar" not in out.stdout
    result = pd.read_csv(tmp_path / "f.csv", parse_dates=["Date"])
    assert len(result) == 14 and (result["Forecast"] >= 0).all()
    assert result["Date"].min() == tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    assert "inside the 80% band" in out.stdout


def test_forecast_says_when_a_holiday_calendar_is_unknown(tmp_path):
    tx = generate_transactions(n_lines=1_500, n_customers=50, days=120, seed=9)
    path = tmp_path / "orders.csv"
    path.write_text(raw_orders_csv(tx))
    out = run("forecast", str(path), "--horizon", "7", "--out", str(tmp_path / "f.csv"), "--country", "Atlantis")
    assert out.returncode == 0, out.stderr
    assert "No holiday calendar is known for 'Atlantis'" in out.stdout


def no_traceback(out: subprocess.CompletedProcess) -> None:
    """A problem is one plain sentence on stderr and exit status 2."""
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr + out.stdout
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.strip().endswith((".", ")."))


def till_export(tmp_path, seed: int = 8):
    """A German till export: semicolons, decimal commas, day-first dates and headers no guess knows."""
    tx = generate_transactions(n_lines=2_500, n_customers=80, days=200, seed=seed)
    rows = ["Beleg;Zeitpunkt;Artikelnr;Stk;EP;Kundennr;Bezeichnung"]
    for r in tx.itertuples():
        price = f"{r.unit_price:.2f}".replace(".", ",")
        rows.append(
            f"{r.order_id};{r.timestamp:%d.%m.%Y %H:%M};{r.product_id};{r.quantity};{price};{r.customer_id};"
            f"{r.product_name}"
        )
    path = tmp_path / "kasse.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tx, path


TILL_MAP = ["--map", "order_id=Beleg", "--map", "timestamp=Zeitpunkt", "--map", "product_id=Artikelnr",
            "--map", "quantity=Stk", "--map", "unit_price=EP", "--map", "customer_id=Kundennr",
            "--map", "product_name=Bezeichnung", "--date-order", "day"]  # fmt: skip


def test_every_command_takes_a_column_mapping_and_a_date_order(tmp_path):
    tx, path = till_export(tmp_path)
    no_traceback(unmapped := run("summary", str(path)))
    assert "cannot be used yet" in unmapped.stderr and "--map CANONICAL=COLUMN" in unmapped.stderr
    out = run("summary", str(path), *TILL_MAP, "--currency", "€")
    assert out.returncode == 0, out.stderr
    orders = tx.loc[~tx["is_return"].astype(bool), "order_id"].nunique()
    assert f"Orders               {orders:,}" in out.stdout and "€" in out.stdout
    out = run("validate", str(path), *TILL_MAP)
    assert out.returncode == 0 and "Ready: 2,500 rows" in out.stdout, out.stdout
    for command in (["recommend", "--k", "3"], ["forecast", "--horizon", "7"], ["email-list"]):
        out = run(command[0], str(path), *command[1:], *TILL_MAP, "--out", str(tmp_path / "out.csv"))
        assert out.returncode == 0, (command, out.stderr)
        assert "nan" not in out.stdout.lower()


def test_forecast_gives_days_unless_asked_for_weeks(tmp_path):
    """Regression (issue 13): a market stall trading on Saturdays only got 28 weekly rows for --horizon 28,
    and the check crashed with a traceback."""
    lines = ["Order,SKU,Qty,Price,Date"]
    saturdays = pd.date_range("2024-01-06", periods=20, freq="7D")
    for i, day in enumerate(saturdays):
        lines += [f"{i}-1,JAM,{1 + i % 3},3.50,{day:%Y-%m-%d} 09:30", f"{i}-2,HONEY,2,6.00,{day:%Y-%m-%d} 11:10"]
    path = tmp_path / "stall.csv"
    path.write_text("\n".join(lines) + "\n")
    out = run("forecast", str(path), "--horizon", "28", "--out", str(tmp_path / "days.csv"))
    assert out.returncode == 0, out.stderr
    days = pd.read_csv(tmp_path / "days.csv", parse_dates=["Date"])
    assert len(days) == 28 and (days["Date"].diff().dropna() == pd.Timedelta(days=1)).all()
    assert days["Date"].iloc[0] == saturdays[-1] + pd.Timedelta(days=1)
    out = run("forecast", str(path), "--horizon", "4", "--per", "week", "--out", str(tmp_path / "weeks.csv"))
    assert out.returncode == 0, out.stderr
    weeks = pd.read_csv(tmp_path / "weeks.csv", parse_dates=["Date"])
    assert len(weeks) == 4 and (weeks["Date"].diff().dropna() == pd.Timedelta(days=7)).all()
    assert "(4 weeks ahead)" in out.stdout and "nan" not in out.stdout


def test_summary_never_prints_nan_or_minus_zero(tmp_path):
    """Regression (issue 13): 'Returns £-0.00 (-0.0% of sales)' and 'nan%' repeat customers."""
    path = tmp_path / "no_customers.csv"
    path.write_text("Order,SKU,Qty,Price,Date\n1,A,2,3.50,2024-01-06\n2,B,1,1.00,2024-01-13\n3,A,1,3.50,2024-01-20\n")
    out = run("summary", str(path))
    assert out.returncode == 0, out.stderr
    assert "Returns              £0.00 (0.0% of sales)" in out.stdout
    assert "nan" not in out.stdout.lower() and "-0.0" not in out.stdout
    assert "no customer ids" in out.stdout


def customers_file(tmp_path, tx) -> tuple:
    """A customers file with e-mail addresses and a newsletter consent column: ja / nein / blank."""
    ids = tx["customer_id"].drop_duplicates().tolist()
    answers = ["nein" if i % 5 == 0 else "" if i % 7 == 0 else "ja" for i in range(len(ids))]
    path = tmp_path / "kunden.csv"
    lines = ["Kunde,E-Mail,Newsletter"] + [
        f"{c},{c.lower()}@laden.example,{a}" for c, a in zip(ids, answers, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    refused = {c for c, a in zip(ids, answers, strict=True) if a == "nein"}
    unknown = {c for c, a in zip(ids, answers, strict=True) if a == ""}
    return path, refused, unknown


def test_email_list_honours_consent(tmp_path):
    tx, orders = till_export(tmp_path, seed=9)
    people, refused, unknown = customers_file(tmp_path, tx)
    base = ["email-list", str(orders), *TILL_MAP, "--customers", str(people), "--customers-map", "customer_id=Kunde",
            "--customers-map", "marketing_consent=Newsletter"]  # fmt: skip
    out = run(*base, "--out", str(tmp_path / "list.csv"))
    assert out.returncode == 0, out.stderr
    listed = pd.read_csv(tmp_path / "list.csv", encoding="utf-8-sig")
    assert len(listed) > 10 and not refused & set(listed["Customer"]) and not unknown & set(listed["Customer"])
    assert f"{len(refused):,} customers who refused marketing are left out." in out.stdout
    assert "unless you add --include-unknown" in out.stdout
    out = run(*base, "--include-unknown", "--tool", "mailchimp", "--out", str(tmp_path / "mc.csv"))
    assert out.returncode == 0, out.stderr
    mailchimp = pd.read_csv(tmp_path / "mc.csv", encoding="utf-8-sig")
    assert mailchimp["Email Address"].str.endswith("@laden.example").all()
    assert not refused & set(mailchimp["Customer ID"]) and unknown & set(mailchimp["Customer ID"])


@pytest.mark.skipif(
    "marketing_consent" not in {c.name for c in TABLES["transactions"].columns},
    reason="reading a consent column from an orders file comes with the intake work of issue 13",
)
def test_email_list_from_a_shopify_export_leaves_out_accepts_marketing_no(tmp_path):
    """Regression (issue 13): a Shopify export's 'Accepts Marketing' was not used; 'no' customers got emails."""
    tx = generate_transactions(n_lines=1_500, n_customers=60, days=200, seed=10)
    tx = tx.sort_values("timestamp", kind="stable")
    ids = tx["customer_id"].drop_duplicates().tolist()
    refusers = set(ids[:8])
    rows = ["Name,Email,Financial Status,Paid at,Accepts Marketing,Lineitem quantity,Lineitem name,Lineitem price,"
            "Lineitem sku,Created at"]  # fmt: skip
    seen = set()
    for r in tx.itertuples():
        first = r.order_id not in seen
        seen.add(r.order_id)
        email = f"{r.customer_id.lower()}@example.com" if first else ""
        accepts = ("no" if r.customer_id in refusers else "yes") if first else ""
        rows.append(
            f"#{r.order_id},{email},paid,,{accepts},{r.quantity},{r.product_name},{r.unit_price:.2f},"
            f"{r.product_id},{r.timestamp:%Y-%m-%d %H:%M:%S} +0100"
        )
    path = tmp_path / "orders_export.csv"
    path.write_text("\n".join(rows) + "\n")
    out = run("email-list", str(path), "--tool", "mailchimp", "--out", str(tmp_path / "mc.csv"))
    assert out.returncode == 0, out.stderr
    mailchimp = pd.read_csv(tmp_path / "mc.csv", encoding="utf-8-sig")
    assert len(mailchimp) > 10
    assert not {f"{c.lower()}@example.com" for c in refusers} & set(mailchimp["Email Address"])
    assert "8 customers who refused marketing are left out." in out.stdout


def test_problems_are_one_plain_sentence_and_status_2(tmp_path):
    _, path = till_export(tmp_path)
    no_traceback(out := run("forecast", str(path), "--map", "qty=Stk"))
    assert "'qty' is not a column of the orders table" in out.stderr
    no_traceback(out := run("forecast", str(path), "--map", "quantity=Menge"))
    assert "the file has no column 'Menge'" in out.stderr
    no_traceback(out := run("forecast", str(tmp_path / "missing.csv")))
    assert "There is no file" in out.stderr
    no_traceback(run("forecast", str(path), "--horizon", "many"))
    no_traceback(run("summary", str(path), "--date-order", "sideways"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    no_traceback(out := run("summary", str(empty)))
    assert "is empty" in out.stderr


def test_a_forecast_error_is_one_line_naming_what_to_change(tmp_path):
    """smbcore.forecast's errors are SmbcoreErrors: a horizon of 0 or daily totals with one date print the
    forecast's own sentence (what to change), exit 2, no traceback, and write nothing."""
    tx = generate_transactions(n_lines=400, n_customers=30, days=60, seed=5)
    path = tmp_path / "orders.csv"
    path.write_text(raw_orders_csv(tx))
    no_traceback(out := run("forecast", str(path), "--horizon", "0", "--out", str(tmp_path / "f.csv")))
    assert out.stderr.strip() == "The horizon must be at least 1 period, not 0."
    one_day = tmp_path / "totals.csv"
    one_day.write_text("date,y\n2024-03-01,120\n")
    no_traceback(
        out := run("forecast", str(one_day), "--map", "date=date", "--map", "y=y", "--out", str(tmp_path / "f.csv"))
    )
    assert "needs at least two" in out.stderr
    assert not (tmp_path / "f.csv").exists()
