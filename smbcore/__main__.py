"""Command line: `python -m smbcore validate FILE --table transactions`, `python -m smbcore summary FILE`,
`python -m smbcore recommend FILE --k 10 --out recs.csv`, `python -m smbcore forecast FILE --horizon 28 --out f.csv`.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import pandas as pd

from smbcore import health, overview
from smbcore.data import TABLES, guess_table, read_raw, read_table
from smbcore.safety import csv_bytes

__all__ = ["main"]


def _print_report(result) -> None:
    details = result.details
    print(
        f"Read {details.get('rows_read', 0):,} rows ({details.get('file_kind', '?')}, "
        f"{details.get('encoding', '-')}, separator: {details.get('delimiter', '-')})."
    )
    if result.mapping:
        print("Columns used: " + ", ".join(f"{k} <- '{v}'" for k, v in result.mapping.items()))
    report = result.report
    if report.empty:
        print("No problems found.")
    for row in report.itertuples():
        where = f" [{row.column}]" if row.column else ""
        rows = f" rows {row.row_numbers}" if row.row_numbers else ""
        examples = f" e.g. {row.examples}" if row.examples else ""
        print(f"{row.level.upper():8}{where} {row.message}{examples}{rows}")
    if result.ok:
        print(f"Ready: {len(result.frame):,} rows for the '{result.table}' table.")


def _validate(args: argparse.Namespace) -> int:
    raw = read_raw(args.file)
    table = args.table or (guess_table(list(raw.frame.columns)) if raw.frame is not None else "transactions")
    result = read_table(raw, table, date_order=args.date_order)
    print(f"Table: {table}")
    _print_report(result)
    return 0 if result.ok else 1


def _summary(args: argparse.Namespace) -> int:
    result = read_table(args.file, "transactions", date_order=args.date_order)
    if not result.ok:
        _print_report(result)
        return 1
    tx = result.frame
    k = overview.kpis(tx)
    c = args.currency
    lines = [
        ("Period", f"{k['first_date']:%d %b %Y} to {k['last_date']:%d %b %Y}"),
        ("Net revenue", f"{c}{k['net_revenue']:,.2f}"),
        ("Gross sales", f"{c}{k['gross_sales']:,.2f}"),
        ("Returns", f"{c}{k['returns_value']:,.2f} ({k['returns_share']:.1%} of sales)"),
        ("Orders", f"{k['orders']:,}"),
        ("Customers", f"{k['customers']:,}"),
        ("Average order value", f"{c}{k['avg_order_value']:,.2f}"),
        ("Repeat customers", f"{k['repeat_rate']:.1%} bought more than once"),
    ]
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        print(f"{name:<{width}}  {value}")
    print("\nTop products by revenue:")
    top = overview.top_products(tx, "revenue", 5)
    for row in top.itertuples():
        print(f"  {row.product_name or row.product_id}: {c}{row.revenue:,.0f}")
    print("\n" + "\n".join(health.check({"transactions": tx}, c).headlines))
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from smbcore import recommend

    result = read_table(args.file, "transactions", date_order=args.date_order)
    if not result.ok:
        _print_report(result)
        return 1
    model = recommend.fit(result.frame)
    recs = model.recommend(model.users_, k=args.k, exclude_purchased=args.new)
    Path(args.out).write_bytes(csv_bytes(recs))
    print(f"Wrote {len(recs):,} suggestions for {recs['customer_id'].nunique():,} customers to {args.out}.")
    return 0


def _forecast(args: argparse.Namespace) -> int:
    from smbcore import forecast

    raw = read_raw(args.file)
    table = guess_table(list(raw.frame.columns)) if raw.frame is not None else "transactions"
    table = table if table in ("transactions", "demand") else "transactions"
    result = read_table(raw, table, date_order=args.date_order)
    if not result.ok:
        _print_report(result)
        return 1
    if table == "transactions":
        history = forecast.series_from_transactions(result.frame, args.measure, None, "D")
    else:
        history = result.frame.assign(series_id=result.frame.get("series_id", "All sales"))
    history = history[["series_id", "date", "y"]]
    holidays = None
    if args.country:
        years = range(history["date"].min().year, history["date"].max().year + 2)
        holidays = forecast.holiday_dates(args.country, years)
        if not holidays:
            print(f"No holiday calendar is known for '{args.country}'; forecasting without holidays.")
    out = forecast.forecast(history, args.horizon, holidays=holidays)
    Path(args.out).write_bytes(csv_bytes(out))
    check = forecast.backtest(history, args.horizon, holidays=holidays)
    print(
        f"Wrote {len(out):,} forecast rows to {args.out}. On the last {args.horizon} periods the forecast missed "
        f"{check['mase'].mean():.2f} times as much as 'same as one season ago'; "
        f"{check['coverage_80'].mean():.0%} of actual values fell inside the 80% band."
    )
    return 0


def _add_user(args: argparse.Namespace) -> int:
    import getpass

    from smbcore import accounts

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ; nothing was changed.")
            return 1
    try:
        accounts.add_user(args.name, password)
    except accounts.AccountError as exc:
        print(exc)
        return 1
    print(f"'{args.name.strip().lower()}' can now sign in; their data goes to {accounts.owner_home(args.name)}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m smbcore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check a file and print the validation report")
    validate.add_argument("file")
    validate.add_argument("--table", choices=list(TABLES), help="which table the file holds (guessed if left out)")
    summary = sub.add_parser("summary", help="print the overview figures of an orders file")
    summary.add_argument("file")
    summary.add_argument("--currency", default="£")
    rec = sub.add_parser("recommend", help="write the top products for every customer to a CSV")
    rec.add_argument("file")
    rec.add_argument("--k", type=int, default=10, help="products per customer")
    rec.add_argument("--out", default="recommendations.csv")
    rec.add_argument("--new", action="store_true", help="only products the customer has not bought")
    fcast = sub.add_parser("forecast", help="forecast daily sales from an orders file or daily totals")
    fcast.add_argument("file")
    fcast.add_argument("--horizon", type=int, default=28, help="periods ahead")
    fcast.add_argument("--measure", choices=["revenue", "orders", "units"], default="revenue")
    fcast.add_argument("--out", default="forecast.csv")
    fcast.add_argument("--country", help="public holidays of this country (e.g. GB, US); used when they help")
    for p in (validate, summary, rec, fcast):
        p.add_argument(
            "--date-order",
            choices=["auto", "day_first", "month_first"],
            default="auto",
            help="how to read dates like 03/04/2011 when the file does not settle it",
        )
    user = sub.add_parser("add-user", help="add (or reset) an owner who can sign in to the hosted app")
    user.add_argument("name")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    if args.command == "add-user":
        return _add_user(args)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
    pd.set_option("display.width", 200)
    return {"validate": _validate, "summary": _summary, "recommend": _recommend, "forecast": _forecast}[args.command](
        args
    )


if __name__ == "__main__":
    sys.exit(main())
