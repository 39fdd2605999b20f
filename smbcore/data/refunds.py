"""Returns, refunds and unpaid lines of an orders export: the one place these rules live.

Shop systems write returns in different ways; each is turned into the canonical form (a line with
`is_return` True and negative `revenue`), so returns are counted once and sales never count as returns:

- a negative quantity (tills, French/Spanish/Italian shops, Lightspeed, Square 'Refund' rows, credit notes);
  when the price is negative too (the money written with its sign), the price is made positive so the refund is
  negative once;
- a 'C' + number order id among plain-number order ids (the UCI Online Retail convention for cancellations);
  ids that merely start with a 'c' (Square's 'c1bT8...') are not cancellations;
- refund money in columns next to the sale lines (Shopify 'Refunded Amount', WooCommerce 'refunded_total' and
  'item_refunded', Stripe 'Amount Refunded'): the sale lines stay sales, and each refunded order gets return
  lines for the refunded money: one per refunded line when the export says which lines (line refund column), plus
  one for any rest of the order's refund (shipping, tax, or the whole refund when only the order's total is
  known). The rest line is 'Refund' (one unit); when only the order's total is known it is the order's product
  if the order has one product (or exactly one product whose price fits the amount). It is dated at the order, or at a refund date column when the export
  has one;
- failed, declined, voided or cancelled payments (a status column: Stripe 'Failed', Amazon 'Cancelled',
  WooCommerce 'cancelled') are no sales and no returns: they are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smbcore.data.contracts import normalise_name
from smbcore.data.currency import table_symbol
from smbcore.data.parsing import DateOrder, parse_dates, parse_numbers
from smbcore.data.report import Problem, row_numbers
from smbcore.formatting import money

__all__ = [
    "REFUND_ID",
    "REFUND_NAME",
    "used_columns",
    "is_return",
    "sign_refund_prices",
    "unpaid_lines",
    "refund_lines",
]

REFUND_ID = "REFUND"
REFUND_NAME = "Refund"

# Order-level refund money (repeated on every line, or only on an order's first line as Shopify does).
ORDER_REFUND_COLUMNS = ("Refunded Amount", "refunded_total", "Amount Refunded", "Order Refund Amount",
                        "Total Refunded", "Refund Amount", "Erstatteter Betrag", "Montant remboursé")  # fmt: skip
# Refund money of this line only.
LINE_REFUND_COLUMNS = ("item_refunded", "Lineitem refunded", "Item Refunded", "Line Refunded Amount")
REFUND_DATE_COLUMNS = ("Refunded at", "Refund Date", "Refunded date (UTC)", "Refunded Date", "Date Refunded",
                       "refund_date", "Erstattet am")  # fmt: skip
STATUS_COLUMNS = ("Financial Status", "status", "order-status", "Order Status", "Payment Status",
                  "Transaction Status", "Zahlungsstatus")  # fmt: skip
# Status values meaning no money changed hands (English, German, French, Spanish, Italian, Dutch).
UNPAID = {"failed", "declined", "voided", "void", "canceled", "cancelled", "expired", "fehlgeschlagen",
          "abgelehnt", "storniert", "annule", "annulee", "echoue", "cancelado", "fallido", "annullato", "fallito",
          "geannuleerd", "mislukt"}  # fmt: skip


def _column(raw: pd.DataFrame, names: tuple[str, ...], mapped: set[str]) -> str | None:
    """The first of the raw frame's unmapped columns whose name is one of `names` (case and accents folded)."""
    wanted = {normalise_name(n) for n in names}
    return next((c for c in raw.columns if c not in mapped and normalise_name(c) in wanted), None)


def used_columns(raw: pd.DataFrame, mapping: dict[str, str]) -> list[str]:
    """The unmapped columns these rules read (status, refund money, refund date): used, though not mapped."""
    mapped = set(mapping.values())
    found = (_column(raw, names, mapped) for names in (STATUS_COLUMNS, ORDER_REFUND_COLUMNS, LINE_REFUND_COLUMNS,
                                                       REFUND_DATE_COLUMNS))  # fmt: skip
    return [c for c in found if c is not None]


def _per_order(frame: pd.DataFrame, values: pd.Series, how: str) -> pd.Series:
    """An order-level value on every line of its order (exports that write it only on the first line)."""
    if "order_id" not in frame:
        return values
    return values.groupby(frame["order_id"], sort=False).transform(how).where(frame["order_id"].notna(), values)


def _say_money(frame: pd.DataFrame, amount: float) -> str:
    return money(amount, table_symbol(frame) or "")


def is_return(frame: pd.DataFrame) -> pd.Series:
    """Lines that are returns: a negative quantity, or a 'C' + number order id among plain-number order ids."""
    ids = frame["order_id"].astype("string")
    c_ids = ids.str.fullmatch(r"[Cc]\d+").fillna(False)
    plain = ids.str.fullmatch(r"\d+").fillna(False)
    cancelled = c_ids & bool(plain.sum() > c_ids.sum())
    return (frame["quantity"] < 0).fillna(False) | cancelled


def sign_refund_prices(frame: pd.DataFrame, problems: list[Problem]) -> None:
    """A refund line written with both a negative quantity and a negative price ('-1' x '-$4.75') is a refund of
    a positive price: the price's sign is dropped so the line's revenue is negative once (in place)."""
    both = (frame["quantity"] < 0).fillna(False) & (frame["unit_price"] < 0).fillna(False)
    if both.any():
        frame.loc[both, "unit_price"] = -frame.loc[both, "unit_price"]
        problems.append(
            Problem(
                "info",
                "unit_price",
                int(both.sum()),
                [],
                f"{int(both.sum()):,} refund lines have a negative quantity and a negative price; they count as "
                "returns of the price without its minus sign.",
                row_numbers(both[both].index[:10]),
            )
        )


def unpaid_lines(raw: pd.DataFrame, frame: pd.DataFrame, mapping: dict[str, str], keep: pd.Series,
                 problems: list[Problem]) -> pd.Series:  # fmt: skip
    """Lines of failed, declined, voided or cancelled payments (from a status column): True where unpaid.

    The status is taken per order when an export writes it only on the order's first line."""
    status_col = _column(raw, STATUS_COLUMNS, set(mapping.values()))
    none = pd.Series(False, index=frame.index)
    if status_col is None:
        return none
    status = raw[status_col].astype("string").str.strip().mask(lambda s: s == "")
    status = _per_order(frame, status.reindex(frame.index), "first")
    unpaid = status.map(lambda s: normalise_name(s) in UNPAID if isinstance(s, str) else False).astype(bool) & keep
    if not unpaid.any():
        return none
    counts = status[unpaid].value_counts()
    described = ", ".join(f"'{value}' {n:,}" for value, n in counts.items())
    problems.append(
        Problem(
            "info",
            status_col,
            int(unpaid.sum()),
            list(counts.index[:5]),
            f"{int(unpaid.sum()):,} lines are payments that failed or orders that were cancelled ('{status_col}': "
            f"{described}). No money changed hands, so they are left out: they are neither sales nor returns.",
            row_numbers(unpaid[unpaid].index[:10]),
        )
    )
    return unpaid


def _rest_product(lines: pd.DataFrame, amount: float) -> tuple[str, str | None, float]:
    """(product_id, product_name, units) of an order's refund rest: the order's one product, or the one product
    whose price times some of its units is the amount; else 'Refund' and one unit."""
    products = lines.drop_duplicates("product_id")
    fits = []
    for _, line in products.iterrows():
        price, qty = float(line["unit_price"]), float(line["quantity"])
        units = amount / price if price > 0 else np.nan
        if np.isfinite(units) and abs(units - round(units)) < 1e-6 and 1 <= round(units) <= qty:
            fits.append((line, float(round(units))))
    if len(products) == 1 or len(fits) == 1:
        line, units = fits[0] if fits else (products.iloc[0], 1.0)
        return line["product_id"], line.get("product_name"), units
    return REFUND_ID, REFUND_NAME, 1.0


def refund_lines(raw: pd.DataFrame, frame: pd.DataFrame, mapping: dict[str, str], keep: pd.Series,
                 date_order: DateOrder, problems: list[Problem]) -> pd.DataFrame:  # fmt: skip
    """Return lines for refund money written in columns next to the sale lines (see the module's rules).

    `frame` is the converted transactions frame (same index as `raw`), `keep` the lines kept as sales. Returns a
    frame with `frame`'s columns (the order's other fields copied from its first kept line), empty when the
    export has no refund columns or nothing was refunded.
    """
    mapped = set(mapping.values())
    order_col = _column(raw, ORDER_REFUND_COLUMNS, mapped)
    line_col = _column(raw, LINE_REFUND_COLUMNS, mapped)
    empty = frame.iloc[0:0].copy()
    if (order_col is None and line_col is None) or "order_id" not in frame:
        return empty
    kept = frame[keep & frame["order_id"].notna() & ~frame["is_return"]]
    if kept.empty:
        return empty
    line_refund = pd.Series(0.0, index=kept.index)
    if line_col is not None:
        line_refund = parse_numbers(raw.loc[kept.index, line_col])[0].fillna(0.0).abs()
    line_total = line_refund.groupby(kept["order_id"], sort=False).sum()
    order_refund = line_total.copy()
    if order_col is not None:
        whole = parse_numbers(raw[order_col])[0].abs()
        whole = _per_order(frame, whole.reindex(frame.index), "max").loc[kept.index]
        order_refund = whole.groupby(kept["order_id"], sort=False).max().fillna(0.0)
        order_refund = np.maximum(order_refund, line_total)
    refunded = order_refund[order_refund > 0.005]
    if refunded.empty:
        return empty
    when = kept["timestamp"]
    date_col = _column(raw, REFUND_DATE_COLUMNS, mapped)
    if date_col is not None:
        dates = parse_dates(raw.loc[kept.index, date_col], date_order)[0]
        if dates.dtype == when.dtype and dates.notna().any():
            when = dates.fillna(when)
        else:  # a date we cannot put on the order's clock (no dates, or time zones that differ): the order's date
            date_col = None
    out = []
    positions = kept.groupby("order_id", sort=False).indices
    for order, amount in refunded.items():
        lines = kept.iloc[positions[order]]
        first = lines.iloc[0]
        refund_day = when.loc[lines.index].max()
        for idx in lines.index[line_refund.loc[lines.index] > 0.005]:
            line = lines.loc[idx].copy()
            units = min(float(line["quantity"]), max(1.0, round(line_refund[idx] / line["unit_price"])))
            line["quantity"], line["unit_price"] = -units, line_refund[idx] / units
            line["timestamp"] = refund_day
            out.append(line)
        rest = amount - float(line_refund.loc[lines.index].sum())
        if rest > 0.005:
            line = first.copy()  # with line refunds in the export, the rest is shipping or tax, not goods
            product_id, product_name, units = (REFUND_ID, REFUND_NAME, 1.0) if line_col else _rest_product(lines, rest)
            line["product_id"] = product_id
            if "product_name" in frame:
                line["product_name"] = product_name
            line["quantity"], line["unit_price"], line["timestamp"] = -units, rest / units, refund_day
            out.append(line)
    lines = pd.DataFrame(out, columns=frame.columns).astype(frame.dtypes.to_dict())
    lines["revenue"] = lines["quantity"] * lines["unit_price"]
    lines["is_return"] = True
    total = float(refunded.sum())
    source = " and ".join(f"'{c}'" for c in (line_col, order_col) if c)
    dated = f"dated at '{date_col}'" if date_col else "dated at the order"
    problems.append(
        Problem(
            "info",
            order_col or line_col,
            len(lines),
            [],
            f"{len(refunded):,} refunded orders ({_say_money(frame, total)}) become returns: {len(lines):,} return "
            f"lines from {source}, {dated}. Their sale lines stay sales, so net sales are sales less these refunds.",
        )
    )
    return lines.reset_index(drop=True)
