"""Numbers as a shop owner reads them: rounded, never 'nan', 'inf' or '-0'; one helper for every shown figure."""

from __future__ import annotations

import math

__all__ = ["NOT_KNOWN", "is_known", "number", "percent", "money", "plural"]

NOT_KNOWN = "not known"


def is_known(value) -> bool:
    """True for a finite number (False for None, NaN, pd.NA, inf)."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _rounded(value: float, decimals: int) -> float:
    out = round(float(value), decimals)
    return 0.0 if out == 0 else out  # no negative zero


def number(value, decimals: int = 0, unknown: str = NOT_KNOWN) -> str:
    """'1,234' / '3.5' (with `decimals`); `unknown` for a missing or infinite value."""
    if not is_known(value):
        return unknown
    return f"{_rounded(value, decimals):,.{decimals}f}"


def percent(share, decimals: int = 0, unknown: str = NOT_KNOWN) -> str:
    """A share (0.123) as '12%' (or '12.3%' with decimals=1); `unknown` when missing or infinite."""
    if not is_known(share):
        return unknown
    return f"{_rounded(float(share) * 100, decimals):,.{decimals}f}%"


def money(value, symbol: str, decimals: int = 0, compact: bool = False, unknown: str = NOT_KNOWN) -> str:
    """'£1,234', '-£12' (or '£9.77m' / '£45.2k' when compact); `unknown` when missing or infinite."""
    if not is_known(value):
        return unknown
    value = float(value)
    size = abs(value)
    if compact and size >= 1e6:
        text, amount = "m", _rounded(size / 1e6, 2)
        body = f"{amount:,.2f}{text}"
    elif compact and size >= 1e4:
        amount = _rounded(size / 1e3, 1)
        body = f"{amount:,.1f}k"
    else:
        amount = _rounded(size, decimals)
        body = f"{amount:,.{decimals}f}"
    sign = "-" if value < 0 and amount != 0 else ""
    return f"{sign}{symbol}{body}"


def plural(count, word: str, many: str | None = None) -> str:
    """'1 order', '5 orders', '1,204 customers' (`many`: the plural when it is not word + 's')."""
    n = _rounded(float(count), 0) if is_known(count) else 0
    return f"{number(n)} {word if n == 1 else many or word + 's'}"
