"""Command line for the shop's own files:

  python -m smbcore validate FILE [--table transactions]
  python -m smbcore summary FILE [--currency £]
  python -m smbcore recommend FILE --k 10 --out recs.csv
  python -m smbcore forecast FILE --horizon 28 [--per day|week] --out f.csv
  python -m smbcore email-list FILE [--customers FILE] [--include-unknown] --out list.csv
  python -m smbcore refresh [--owner NAME | --sample NAME | --all]   and   python -m smbcore worker [--once]

Every command reading a file takes --map CANONICAL=COLUMN (repeatable: which of the file's columns holds
e.g. quantity) and --date-order day|month (how to read dates like 03/04/2024). A problem prints one plain
sentence on standard error and exits with status 2; `validate` exits 1 when the file is not ready.
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
from pathlib import Path

import pandas as pd

from smbcore import formatting, health, jobs_cli, overview
from smbcore.data import TABLES, guess_mapping, guess_table, read_raw, read_table
from smbcore.errors import SmbcoreError
from smbcore.labels import plain_frame
from smbcore.safety import csv_bytes

__all__ = ["main"]

_DATE_ORDERS = {"auto": "auto", "day": "day_first", "month": "month_first", "day_first": "day_first",
                "month_first": "month_first"}  # fmt: skip
_TABLE_WORDS = {"transactions": "orders", "customers": "customers", "demand": "daily totals"}


class CommandError(SmbcoreError):
    """Bad input on the command line (an option, a file): the message says what to do."""


def _sentence(text: str) -> str:
    """One line: a multi-line message (a report, a contract breach) joined into a single sentence."""
    return re.sub(r"\s*\n\s*-?\s*", " ", str(text)).strip()


def _mapping(args: argparse.Namespace, columns: list[str], table: str, pairs: list[str] | None = None) -> dict:
    """The guessed column mapping with the owner's --map pairs put over it (each column used once)."""
    used = guess_mapping(columns, table)
    known = [c.name for c in TABLES[table].columns]
    for pair in pairs if pairs is not None else args.map or []:
        canonical, sep, column = pair.partition("=")
        canonical, column = canonical.strip(), column.strip()
        if not sep or not canonical or not column:
            raise CommandError(f"'--map {pair}' should read CANONICAL=COLUMN, for example --map quantity=Menge.")
        if canonical not in known:
            raise CommandError(
                f"'--map {pair}': '{canonical}' is not a column of the {_TABLE_WORDS.get(table, table)} table; "
                f"use one of {', '.join(known)}."
            )
        if column not in columns:
            raise CommandError(
                f"'--map {pair}': the file has no column '{column}'; its columns are {', '.join(map(str, columns))}."
            )
        used = {k: v for k, v in used.items() if v != column}
        used[canonical] = column
    return used


def _read(args: argparse.Namespace, path: str, table: str | None = None, pairs: list[str] | None = None):
    """Read `path` as `table` (guessed when None) with the owner's mapping and date order: (table, result)."""
    if not Path(path).is_file():
        raise CommandError(f"There is no file '{path}': check the name and the folder.")
    raw = read_raw(path)
    if raw.frame is None:
        raise CommandError(" ".join(p.message for p in raw.problems) or f"'{path}' could not be read.")
    columns = list(raw.frame.columns)
    table = table or guess_table(columns)
    result = read_table(raw, table, _mapping(args, columns, table, pairs), _DATE_ORDERS[args.date_order])
    return table, result


def _ready(result, path: str):
    """The table of a read file, or a CommandError naming what stops it (the full report goes to stdout)."""
    if result.ok:
        return result.frame
    _print_report(result)
    problems = result.report.query("level in ['error', 'question']")["message"].tolist()
    raise CommandError(
        f"'{path}' cannot be used yet: {problems[0] if problems else 'see the report above.'} "
        "Use --map CANONICAL=COLUMN to say which column holds what, or --date-order day|month."
    )


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


def _write(frame: pd.DataFrame, out: str, currency: str | None = None, plain: bool = True) -> None:
    """Write a CSV: plain column names (smbcore.labels), or the frame's own names for an email tool's layout."""
    try:
        Path(out).write_bytes(csv_bytes(plain_frame(frame, currency) if plain else frame))
    except OSError as exc:
        raise CommandError(
            f"Could not write '{out}' ({exc.strerror}): check the folder exists and is writable."
        ) from None


def _validate(args: argparse.Namespace) -> int:
    table, result = _read(args, args.file, args.table)
    print(f"Table: {table}")
    _print_report(result)
    return 0 if result.ok else 1


def _summary(args: argparse.Namespace) -> int:
    _, result = _read(args, args.file, "transactions")
    tx = _ready(result, args.file)
    k = overview.kpis(tx)
    c = args.currency

    def money(value: float) -> str:
        return formatting.money(value, c, decimals=2)

    lines = [
        ("Period", f"{k['first_date']:%d %b %Y} to {k['last_date']:%d %b %Y}"),
        ("Net revenue", money(k["net_revenue"])),
        ("Gross sales", money(k["gross_sales"])),
        ("Returns", f"{money(k['returns_value'])} ({formatting.percent(k['returns_share'], 1)} of sales)"),
        ("Orders", f"{k['orders']:,}"),
        ("Customers", f"{k['customers']:,}"),
        ("Average order value", money(k["avg_order_value"])),
        (
            "Repeat customers",
            f"{formatting.percent(k['repeat_rate'], 1)} bought more than once"
            if k["customers"]
            else "not known: the file has no customer ids (use --map customer_id=COLUMN if it has them)",
        ),
    ]
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        print(f"{name:<{width}}  {value}")
    print("\nTop products by revenue:")
    top = overview.top_products(tx, "revenue", 5)
    for row in top.itertuples():
        print(f"  {row.product_name or row.product_id}: {money(row.revenue)}")
    print("\n" + "\n".join(health.check({"transactions": tx}, c).headlines))
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from smbcore import recommend

    _, result = _read(args, args.file, "transactions")
    model = recommend.fit(_ready(result, args.file))
    recs = model.recommend(model.users_, k=args.k, exclude_purchased=args.new)
    _write(recs, args.out)
    print(f"Wrote {len(recs):,} suggestions for {recs['customer_id'].nunique():,} customers to {args.out}.")
    return 0


def _forecast_table(args: argparse.Namespace) -> str:
    """Which table a forecast file holds: its columns' guess, or the daily totals when the owner's --map names
    only columns of that table."""
    raw = read_raw(args.file)
    table = guess_table(list(raw.frame.columns), raw.frame) if raw.frame is not None else "transactions"
    mapped = {pair.partition("=")[0].strip() for pair in args.map or []}
    demand_only = mapped and all(m in {c.name for c in TABLES["demand"].columns} for m in mapped)
    table = "demand" if demand_only and not mapped <= {c.name for c in TABLES["transactions"].columns} else table
    return table if table in ("transactions", "demand") else "transactions"


def _forecast_history(args: argparse.Namespace) -> pd.DataFrame:
    """The sales history (series_id, date, y) of the file, by the app's rule (forecast.sales_history); says when
    one-off orders are left out."""
    from smbcore import forecast

    if not Path(args.file).is_file():
        raise CommandError(f"There is no file '{args.file}': check the name and the folder.")
    table, result = _read(args, args.file, _forecast_table(args))
    frame = _ready(result, args.file)
    period = "D" if args.per == "day" else "W"
    history = forecast.sales_history(frame, args.measure, None, period, include_one_offs=args.include_one_offs)
    one_offs = overview.one_off_orders(frame)[0] if table == "transactions" else ()
    if len(one_offs) and not args.include_one_offs:
        print(
            f"{len(one_offs):,} one-off orders far larger than usual (largest {formatting.number(one_offs['value'].max())} in the file's money) "
            "are left out, so they do not drive the forecast; add --include-one-offs to count them."
        )
    return history


def _print_check(history: pd.DataFrame, horizon: int, freq: str, holidays, unit: str) -> None:
    """How accurate the forecast was on the last `horizon` periods, or why that cannot be said."""
    from smbcore import forecast

    try:
        check = forecast.backtest(history, horizon, freq, holidays=holidays)
    except SmbcoreError as exc:
        print(f"The forecast could not be checked on past {unit}: {_sentence(exc)}")
        return
    missed, inside = check["mase"].mean(), check["coverage_80"].mean()
    if math.isfinite(missed):
        print(
            f"On the last {horizon} {unit} the forecast missed {formatting.number(missed, 2)} times as much as "
            f"'same as one season ago'; {formatting.percent(inside)} of actual values fell inside the 80% band."
        )
    else:
        print(
            f"On the last {horizon} {unit} sales did not change from one season to the next, so the "
            f"forecast cannot be compared with 'same as one season ago'; {formatting.percent(inside)} of actual "
            "values fell inside the 80% band."
        )


def _forecast(args: argparse.Namespace) -> int:
    from smbcore import forecast

    history = _forecast_history(args)
    freq = "D" if args.per == "day" else "W-MON"
    holidays = None
    if args.country:
        years = range(history["date"].min().year, history["date"].max().year + 2)
        holidays = forecast.holiday_dates(args.country, years)
        if not holidays:
            print(f"No holiday calendar is known for '{args.country}'; forecasting without holidays.")
    out = forecast.forecast(history, args.horizon, freq, holidays=holidays)
    _write(out, args.out)
    unit = "days" if args.per == "day" else "weeks"
    print(f"Wrote {len(out):,} forecast rows ({args.horizon} {unit} ahead) to {args.out}.")
    _print_check(history, args.horizon, freq, holidays, unit)
    return 0


def _email_list(args: argparse.Namespace) -> int:
    from smbcore import campaigns, customers
    from smbcore.consent import consent_counts, consent_for, contactable, customer_consent, refused, unknown_words

    _, result = _read(args, args.file, "transactions")
    tx = _ready(result, args.file)
    people = None
    if args.customers:
        _, people_result = _read(args, args.customers, "customers", args.customers_map or [])
        people = _ready(people_result, args.customers)
    if not 0 <= args.control < 100:
        raise CommandError(f"--control {args.control} should be a percentage from 0 to under 100.")
    plan = customers.next_best_actions(tx, people)
    answers = consent_for(tx["customer_id"].dropna().astype("string").unique(), customer_consent(tx, people))
    refusals = int(refused(answers).sum())
    to_contact = plan[plan["action"] != "No contact"]
    unknown = consent_counts(to_contact)["unknown"]
    chosen = contactable(plan, args.include_unknown)
    assigned = campaigns.hold_out_control(chosen, args.control / 100, seed=len(chosen))
    rows = campaigns.export_list(assigned, args.tool, people)
    _write(rows, args.out, args.currency, plain=args.tool == "csv")
    sending = int((assigned["group"] == "send").sum())
    print(
        f"Wrote {len(rows):,} customers to email to {args.out} ({len(assigned) - sending:,} held back as control, "
        f"{int((plan['action'] == 'No contact').sum()):,} not worth contacting)."
    )
    if refusals:
        print(f"{refusals:,} customers who refused marketing are left out.")
    if unknown:
        words = unknown_words(unknown, len(to_contact), bool(answers.notna().any()))
        if args.include_unknown:
            print(f"The {unknown:,} customers whose consent is unknown are included, as --include-unknown asks.")
        else:
            print(words.replace("unless you include them", "unless you add --include-unknown"))
    if args.tool != "csv":
        missing = campaigns.missing_emails(assigned, people)
        if missing:
            print(missing)
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


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one plain sentence (exit 2), without the usage block."""

    def error(self, message: str):
        sys.stderr.write(f"{_sentence(message)[:1].upper()}{_sentence(message)[1:]} (see '{self.prog} --help').\n")
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m smbcore", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
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
    fcast = sub.add_parser("forecast", help="forecast sales from an orders file or daily totals")
    fcast.add_argument("file")
    fcast.add_argument("--horizon", type=int, default=28, help="days ahead (weeks with --per week)")
    fcast.add_argument("--per", choices=["day", "week"], default="day", help="one forecast row per day or week")
    fcast.add_argument("--measure", choices=["revenue", "orders", "units"], default="revenue")
    fcast.add_argument("--out", default="forecast.csv")
    fcast.add_argument("--country", help="public holidays of this country (e.g. GB, US); used when they help")
    fcast.add_argument(
        "--include-one-offs", action="store_true", help="count one-off bulk orders (left out by default)"
    )
    email = sub.add_parser("email-list", help="write the email plan (consent honoured) to a CSV")
    email.add_argument("file", help="the orders file")
    email.add_argument("--customers", help="a customers file (consent, e-mail addresses)")
    email.add_argument("--customers-map", action="append", metavar="CANONICAL=COLUMN", help="as --map, for it")
    email.add_argument("--include-unknown", action="store_true", help="also email customers whose consent is unknown")
    email.add_argument("--tool", choices=["csv", "mailchimp", "klaviyo"], default="csv", help="file layout")
    email.add_argument("--control", type=float, default=10.0, help="percent held back to measure the effect")
    email.add_argument("--currency", default="")
    email.add_argument("--out", default="email_list.csv")
    for p in (validate, summary, rec, fcast, email):
        p.add_argument(
            "--map",
            action="append",
            metavar="CANONICAL=COLUMN",
            help="which of the file's columns holds a canonical column, e.g. --map quantity=Menge (repeatable)",
        )
        p.add_argument(
            "--date-order",
            choices=list(_DATE_ORDERS),
            default="auto",
            help="how to read dates like 03/04/2024 when the file does not settle it: day or month first",
        )
    jobs_cli.add_commands(sub)
    user = sub.add_parser("add-user", help="add (or reset) an owner who can sign in to the hosted app")
    user.add_argument("name")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "add-user":
        return _add_user(args)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
    pd.set_option("display.width", 200)
    commands = {"validate": _validate, "summary": _summary, "recommend": _recommend, "forecast": _forecast,
                "email-list": _email_list, **jobs_cli.commands}  # fmt: skip
    try:
        return commands[args.command](args)
    except (SmbcoreError, ValueError, OSError) as exc:  # the data or the input: say what to do, no traceback
        sys.stdout.flush()
        sys.stderr.write(_sentence(exc) + "\n")
        return 2
    except Exception as exc:  # our bug: still one sentence, with what to report
        sys.stdout.flush()
        sys.stderr.write(
            f"smbcore could not finish '{args.command}' on this file ({type(exc).__name__}: {_sentence(exc)}). "
            "Please report it with the file's column names.\n"
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
