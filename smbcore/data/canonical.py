"""Build a canonical table from an owner's columns: rename, convert, apply the table's rules, report problems."""

from __future__ import annotations

import re

import pandas as pd

from smbcore.data import purchase_log, refunds
from smbcore.data.contracts import ColumnSpec, TableSpec
from smbcore.data.currency import currency_counts
from smbcore.data.parsing import DateOrder, clean_text, parse_dates, parse_flags, parse_numbers
from smbcore.data.report import Problem, row_numbers

__all__ = ["build_canonical"]

_EXAMPLES = 5


def _row_numbers(mask: pd.Series) -> list[int]:
    return row_numbers(mask[mask].index[:10])


def _examples(values: pd.Series, mask: pd.Series) -> list:
    return values[mask].drop_duplicates().head(_EXAMPLES).tolist()


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_") or "column"


def _convert(
    raw: pd.Series, spec: ColumnSpec, source: str, date_order: DateOrder, problems: list[Problem]
) -> tuple[pd.Series, pd.Series]:
    """Convert one mapped column; returns (values, bad) and records what could not be read."""
    if spec.kind == "text":
        values = clean_text(raw)
        return values, pd.Series(False, index=raw.index)
    if spec.kind == "number":
        values, bad = parse_numbers(raw)
        what = "numbers"
    elif spec.kind == "flag":
        values, bad = parse_flags(raw)
        what = "yes/no values"
    else:
        values, bad, reading = parse_dates(raw, date_order)
        if spec.kind == "date":
            values = values.dt.normalize()
        what = "dates"
        if reading.ambiguous:
            problems.append(
                Problem(
                    "question",
                    spec.name,
                    reading.styles.get("like 03/04/2011", 0),
                    reading.examples,
                    f"Dates in '{source}' such as '{reading.examples[0]}' can be read two ways (day first: "
                    f"3 April; month first: March 4) and nothing in the file settles it. Tell us which order "
                    "your system writes dates in.",
                )
            )
        elif reading.order != "auto" and date_order == "auto":
            problems.append(
                Problem(
                    "info",
                    spec.name,
                    reading.styles.get("like 03/04/2011", 0),
                    reading.examples,
                    f"Dates in '{source}' were read {'day' if reading.order == 'day_first' else 'month'} first, "
                    "because some values only make sense that way.",
                )
            )
        if len(reading.styles) > 1:
            described = "; ".join(f"{n:,} rows {style}" for style, n in reading.styles.items())
            problems.append(
                Problem(
                    "warning",
                    spec.name,
                    sum(reading.styles.values()),
                    [],
                    f"'{source}' mixes date styles "
                    f"({described}). Each was read on its own; check the preview looks right.",
                )
            )
    if bad.any():
        level = "error" if spec.required else "warning"
        outcome = "Those rows are left out." if spec.required else "Those cells are left empty."
        problems.append(
            Problem(
                level,
                spec.name,
                int(bad.sum()),
                _examples(raw, bad),
                f"'{source}' has {int(bad.sum()):,} values that are not {what}. {outcome} "
                f"Fix them in your file or map another column to '{spec.name}'.",
                _row_numbers(bad),
            )
        )
    return values, bad


def _infer_extra(raw: pd.Series) -> pd.Series:
    """An unmapped column kept as a feature: numbers when nearly all cells are numbers, else text."""
    values, bad = parse_numbers(raw)
    filled = raw.notna() & (raw.astype("string").str.strip() != "")
    if filled.any() and bad.sum() <= 0.01 * filled.sum():
        return values
    return clean_text(raw)


def _fill_order_level(frame: pd.DataFrame, problems: list[Problem], mapping: dict[str, str]) -> None:
    """Some exports (Shopify) write order fields (date, customer, consent, currency) only on an order's first line:
    copy them to the order's other lines. A value blank on every line of an order stays unknown."""
    for col in ("timestamp", "customer_id", "country", "marketing_consent", "currency"):
        if col in frame and frame[col].isna().any() and frame[col].notna().any():
            filled = frame.groupby("order_id", sort=False)[col].transform("first")
            newly = frame[col].isna() & filled.notna() & frame["order_id"].notna()
            if newly.any():
                frame.loc[newly, col] = filled[newly]
                problems.append(
                    Problem(
                        "info",
                        col,
                        int(newly.sum()),
                        [],
                        f"Filled in '{mapping.get(col, col)}' "
                        f"for {int(newly.sum()):,} lines from other lines of the same order.",
                    )
                )


def _join_date_and_time(raw: pd.DataFrame, mapping: dict[str, str]) -> pd.Series | None:
    """A date column plus a time-of-day column ('Datum' + 'Uhrzeit') read as one timestamp; None without a time."""
    if "time_of_day" not in mapping or "timestamp" not in mapping:
        return None
    date = raw[mapping["timestamp"]].astype("string").str.strip()
    time = raw[mapping["time_of_day"]].astype("string").str.strip()
    joinable = (
        date.notna() & (date != "") & ~date.str.contains(":", regex=False).fillna(False) & (time.fillna("") != "")
    )
    return date.where(~joinable, date + " " + time)


def _product_names(frame: pd.DataFrame, mapping: dict[str, str], problems: list[Problem]) -> None:
    """A product code carrying several names (a reused code, or names edited over time) is reported."""
    if "product_name" not in mapping or "product_id" not in mapping:
        return
    pairs = frame[["product_id", "product_name"]].dropna()
    names = pairs.groupby("product_id", sort=False)["product_name"].nunique()
    several = names[names > 1]
    if several.empty:
        return
    described = []
    for code in several.index[:5]:
        counts = pairs.loc[pairs["product_id"] == code, "product_name"].value_counts()
        described.append(f"'{code}': " + ", ".join(f"'{n}' ({c:,} rows)" for n, c in counts.head(4).items()))
    rows = int(pairs["product_id"].isin(several.index).sum())
    problems.append(
        Problem(
            "warning",
            "product_id",
            rows,
            list(several.index[:5]),
            f"{len(several):,} product codes in '{mapping['product_id']}' carry more than one name "
            f"({'; '.join(described)}). Figures per product count them as one product; if they are different "
            "products, give each its own code.",
        )
    )


def _currencies(frame: pd.DataFrame, mapping: dict[str, str], problems: list[Problem]) -> None:
    """Several currencies in one file cannot be added up: say which and how many rows each."""
    if "currency" not in frame:
        return
    frame["currency"] = frame["currency"].str.upper()
    counts = currency_counts(frame["currency"])
    if len(counts) > 1:
        described = ", ".join(f"{code} ({n:,} rows)" for code, n in counts.items())
        problems.append(
            Problem(
                "warning",
                "currency",
                int(counts.iloc[1:].sum()),
                list(counts.index[1:6]),
                f"'{mapping['currency']}' holds several currencies: {described}. Amounts are added up as if they "
                f"were all {counts.index[0]}, which they are not: upload each currency as its own file, or convert "
                "them first.",
            )
        )


def _transactions_rules(frame: pd.DataFrame, raw_keep: pd.Series, problems: list[Problem]) -> pd.Series:
    """Returns, and lines that cannot count as sales or returns. Returns the rows to keep."""
    keep = raw_keep.copy()
    refunds.sign_refund_prices(frame, problems)
    zero = frame["quantity"].eq(0) & keep
    if zero.any():
        problems.append(
            Problem(
                "warning",
                "quantity",
                int(zero.sum()),
                [],
                f"{int(zero.sum()):,} lines have a quantity of 0; they are not sales or returns and are left out.",
                _row_numbers(zero),
            )
        )
        keep &= ~zero
    negative_price = frame["unit_price"].lt(0) & keep
    if negative_price.any():
        names = frame.get("product_name", frame["product_id"])
        problems.append(
            Problem(
                "warning",
                "unit_price",
                int(negative_price.sum()),
                _examples(names, negative_price),
                f"{int(negative_price.sum()):,} lines have a price below zero (accounting adjustments, not products). "
                "They are left out of sales and returns.",
                _row_numbers(negative_price),
            )
        )
        keep &= ~negative_price
    frame["is_return"] = refunds.is_return(frame)
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    returns = frame["is_return"] & keep
    if returns.any():
        problems.append(
            Problem(
                "info",
                "quantity",
                int(returns.sum()),
                [],
                f"{int(returns.sum()):,} lines are "
                "returns or cancellations (negative quantity or a 'C' order number); they count "
                "as returns, not sales.",
            )
        )
    free = frame["unit_price"].eq(0) & keep
    if free.any():
        problems.append(
            Problem(
                "info",
                "unit_price",
                int(free.sum()),
                [],
                f"{int(free.sum()):,} lines have a "
                "price of 0 (free items or stock corrections); they count as units but no revenue.",
            )
        )
    if "customer_id" in frame:
        guests = frame["customer_id"].isna() & keep
        if guests.any():
            problems.append(
                Problem(
                    "warning",
                    "customer_id",
                    int(guests.sum()),
                    [],
                    f"{int(guests.sum()):,} lines "
                    f"({guests.sum() / max(keep.sum(), 1):.0%}) have no customer id (guest checkouts). They count "
                    "in sales and product figures, not in customer figures.",
                    _row_numbers(guests),
                )
            )
    else:
        problems.append(
            Problem(
                "warning",
                "customer_id",
                0,
                [],
                "No customer column is mapped: sales and "
                "product figures work, customer figures (repeat buyers, churn) need one.",
            )
        )
    return keep


def _without_summary_lines(raw: pd.DataFrame, required: list[str], problems: list[Problem]) -> pd.DataFrame:
    """Lines with every required column blank (an export's footer such as '754 record(s) downloaded', or blank
    lines) hold no order data: they are left out and reported as such, not as rows with missing values."""
    if not required:
        return raw
    blank = raw[required].apply(lambda col: col.astype("string").str.strip().fillna("").eq("")).all(axis=1)
    if not blank.any() or blank.all():
        return raw
    said = raw[blank].apply(
        lambda row: next((str(v).strip() for v in row if str(v).strip() not in ("", "nan", "<NA>")), ""), axis=1
    )
    problems.append(
        Problem(
            "info",
            None,
            int(blank.sum()),
            [text[:60] for text in said if text][:_EXAMPLES],
            f"{int(blank.sum()):,} lines hold no order data (blank lines or summary lines such as the export's "
            "'records downloaded' footer); they are left out.",
            _row_numbers(blank),
        )
    )
    return raw[~blank]


def build_canonical(
    raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], date_order: DateOrder = "auto"
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Canonical frame for `spec` from the owner's text columns and a canonical->owner column mapping.

    Returns (frame, problems). The frame holds the spec's mapped columns (converted), table-derived
    columns (transactions: is_return, revenue) and, where the table keeps them, the owner's other
    columns under snake_case names. It is None when a required column is missing or dates need the
    owner's answer. Rows whose required values cannot be read are left out and reported.
    Transactions: returns, refund columns and unpaid lines follow smbcore.data.refunds (refunded orders get
    return lines appended after the sale lines; failed or cancelled payments are left out).
    """
    problems: list[Problem] = []
    mapping = _known_columns(raw, mapping, problems)
    _needed_columns(raw, spec, mapping, problems)
    if any(p.level == "error" for p in problems):
        return None, problems
    raw = _without_summary_lines(raw, [mapping[c] for c in spec.required if c in mapping], problems)
    frame, keep = _converted(raw, spec, mapping, date_order, problems)
    if any(p.level == "question" for p in problems):
        return None, problems
    if spec.name == "transactions":
        if "time_of_day" in frame:
            del frame["time_of_day"]
        purchase_log.complete(frame, mapping, problems)
        _fill_order_level(frame, problems, mapping)
        _product_names(frame, mapping, problems)
    _currencies(frame, mapping, problems)
    keep &= _missing_required(frame, spec, mapping, problems, keep)
    if spec.name == "transactions":
        keep &= ~refunds.unpaid_lines(raw, frame, mapping, keep, problems)
        keep = _transactions_rules(frame, keep, problems)
    if spec.row_id_prefix and "customer_id" not in frame:
        _row_ids(frame, spec.row_id_prefix, len(raw), problems)
    _other_columns(frame, raw, spec, mapping, problems)
    if spec.name != "transactions":
        return frame[keep].reset_index(drop=True), problems
    returned = refunds.refund_lines(raw, frame, mapping, keep, date_order, problems)
    frame = frame[keep].reset_index(drop=True)
    if len(returned):
        frame = pd.concat([frame, returned], ignore_index=True)
    _copies(frame, problems)
    return frame, problems


def _known_columns(raw: pd.DataFrame, mapping: dict[str, str], problems: list[Problem]) -> dict[str, str]:
    """The mapping without the owner's columns that are not in the file (each reported as an error)."""
    for src in mapping.values():
        if src not in raw.columns:
            problems.append(
                Problem(
                    "error",
                    None,
                    0,
                    [],
                    f"The column '{src}' is not in the file. Pick one of: {', '.join(map(str, raw.columns[:30]))}.",
                )
            )
    return {k: v for k, v in mapping.items() if v in raw.columns}


def _needed_columns(raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], problems: list[Problem]) -> None:
    """An error for each column the table needs that nothing stands in for (no mapping, fallback or made-up id)."""
    made = purchase_log.made_up_columns(spec.name, mapping)
    for col in spec.columns:
        generated = (spec.row_id_prefix is not None and col.name == "customer_id") or col.name in made
        if not col.required or generated or col.name in mapping or col.fallback in mapping:
            continue
        hint = ""
        if len(raw.columns) == 1:
            hint = (
                f" We found only one column ('{str(raw.columns[0])[:60]}'): the file may use a separator "
                "we do not read; save it as CSV with commas or semicolons."
            )
        problems.append(
            Problem(
                "error",
                col.name,
                len(raw),
                [],
                f"No column for '{col.name}' ({col.description.lower()}), "
                f"which this table needs. Map one of your columns to it.{hint}",
            )
        )


def _converted(
    raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], date_order: DateOrder, problems: list[Problem]
) -> tuple[pd.DataFrame, pd.Series]:
    """(frame, keep): the mapped columns converted to their kinds (a date and a time of day read as one
    timestamp), fallbacks filled in; keep is False on rows whose required values cannot be read."""
    frame = pd.DataFrame(index=raw.index)
    keep = pd.Series(True, index=raw.index)
    joined = _join_date_and_time(raw, mapping) if spec.name == "transactions" else None
    for col in spec.columns:
        if col.name not in mapping or (col.name == "time_of_day" and joined is not None):
            continue
        cells = joined if col.name == "timestamp" and joined is not None else raw[mapping[col.name]]
        values, bad = _convert(cells, col, mapping[col.name], date_order, problems)
        frame[col.name] = values
        if col.required:
            keep &= ~bad
    for col in spec.columns:
        if not col.fallback or col.fallback not in frame:
            continue
        if col.name in frame:
            frame[col.name] = frame[col.name].fillna(frame[col.fallback])
            continue
        frame[col.name] = frame[col.fallback]
        problems.append(
            Problem(
                "info",
                col.name,
                0,
                [],
                f"No product code column: the product name ('{mapping[col.fallback]}') is used as the product id.",
            )
        )
    return frame, keep


def _row_ids(frame: pd.DataFrame, prefix: str, rows: int, problems: list[Problem]) -> None:
    """No customer id column: each row gets one from its row number (in place, as the first column)."""
    width = len(str(rows))
    frame.insert(0, "customer_id", pd.array([f"{prefix}{i + 1:0{width}d}" for i in range(rows)], dtype="string"))
    problems.append(
        Problem(
            "info",
            "customer_id",
            rows,
            [],
            f"No customer id column: each row is given an id from its row number ({prefix}{1:0{width}d}, ...).",
        )
    )


def _other_columns(
    frame: pd.DataFrame, raw: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], problems: list[Problem]
) -> None:
    """The owner's unmapped columns: kept under snake_case names where the table keeps them (in place), else
    named in an info line."""
    if spec.keeps_extra_columns:
        mapped = set(mapping.values())
        for source in raw.columns:
            if source in mapped:
                continue
            name = _snake(source)
            while name in frame:
                name += "_x"
            frame[name] = _infer_extra(raw[source])
        return
    used = set(mapping.values())
    if spec.name == "transactions":
        used |= set(refunds.used_columns(raw, mapping))
    ignored = [c for c in raw.columns if c not in used]
    if ignored:
        problems.append(Problem("info", None, 0, [], f"Columns not used: {', '.join(map(str, ignored[:15]))}."))


def _copies(frame: pd.DataFrame, problems: list[Problem]) -> None:
    """Order lines that are exact copies of another are kept, and said."""
    duplicated = int(frame.duplicated().sum())
    if duplicated:
        problems.append(
            Problem(
                "warning",
                None,
                duplicated,
                [],
                f"{duplicated:,} lines are exact copies of another "
                "line (same order, product, time, quantity and price). They are kept: if your "
                "export repeats lines by mistake, remove the copies and upload again.",
            )
        )


def _missing_required(
    frame: pd.DataFrame, spec: TableSpec, mapping: dict[str, str], problems: list[Problem], keep: pd.Series
) -> pd.Series:
    """Rows with an empty required cell (not already reported as unreadable) are left out and reported."""
    ok = pd.Series(True, index=frame.index)
    for name in spec.required:
        if name not in frame:
            continue
        empty = frame[name].isna() & keep
        if empty.any():
            source = mapping.get(name) or mapping.get(spec.column(name).fallback or "", name)
            problems.append(
                Problem(
                    "error",
                    name,
                    int(empty.sum()),
                    [],
                    f"{int(empty.sum()):,} rows have no '{source}'. Those rows are left out.",
                    _row_numbers(empty),
                )
            )
            ok &= ~empty
    return ok
