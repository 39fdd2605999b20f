"""The few error types smbcore raises, and messages worth asserting in tests."""

__all__ = [
    "SmbcoreError",
    "NotEnoughDataError",
    "UnknownTableError",
    "ContractError",
    "MissingTableError",
    "DiskFullError",
    "disk_is_full",
    "NO_CUSTOMER_IDS",
    "require_customer_ids",
    "EMPTY_FILE",
    "HEADER_ONLY",
    "NOT_TABULAR",
]


class SmbcoreError(ValueError):
    """Base for errors a person can act on; the message says what to do."""


class NotEnoughDataError(SmbcoreError):
    """The data was accepted but is too short or too thin for this figure; the message says which figure, why and
    what the owner can do. Pages show it as a note, not as an error."""


class UnknownTableError(SmbcoreError):
    """A table name that is not one of the canonical tables."""


class ContractError(SmbcoreError):
    """A frame that does not meet its table's column contract (raised before anything is saved)."""


class MissingTableError(SmbcoreError):
    """A computation needs a table the workspace does not have."""


class DiskFullError(SmbcoreError):
    """The server's disk is full, so a change could not be written; the message says what was not saved, that
    nothing saved before was lost, and to free space and try again."""


def disk_is_full(exc: BaseException) -> bool:
    """True when `exc` (or an error it was raised from) says the disk or the owner's quota is full. DuckDB reports
    it as text ('Could not write file ...: No space left on device'), Python as OSError ENOSPC or EDQUOT."""
    import errno

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


NO_CUSTOMER_IDS = (
    "{what}: not possible without knowing who bought, and these orders have no customer ids. On 'Your data', "
    "map the column that holds customer numbers or e-mail addresses as 'customer_id' (Customer, Kunde, Client, "
    "Email...) and save again."
)
EMPTY_FILE = "The file '{name}' is empty: it has no column names and no rows. Export it again and upload the new file."
HEADER_ONLY = (
    "The file '{name}' has column names but no rows of data. Check that the export covers the dates you wanted."
)
NOT_TABULAR = (
    "The file '{name}' does not look like a table: it is not a CSV (text with , ; tab or | between values) "
    "nor an Excel .xlsx file. Open it in a spreadsheet and save it as CSV, then upload that."
)


def require_customer_ids(transactions, what: str, error: type[SmbcoreError] = NotEnoughDataError) -> None:
    """Raise `error` with NO_CUSTOMER_IDS when the order lines have no customer id at all: every per-customer
    figure (`what`, e.g. 'Products suggested for each customer') needs them."""
    if "customer_id" not in transactions or transactions["customer_id"].isna().all():
        raise error(NO_CUSTOMER_IDS.format(what=what))


class PolicyError(SmbcoreError):
    """A plan setting (stock, staff or marketing budget policy) outside what a plan can use, e.g. a closing hour
    before the opening hour; the message names the setting, its value and the range it needs."""


class DecisionLogError(SmbcoreError):
    """A contest or override of a decision that cannot be logged as given (no reason); the message says what to add."""


class ScenarioError(SmbcoreError):
    """A what-if scenario that cannot be saved as given (no name); the message says what to add."""


__all__ += ["PolicyError", "DecisionLogError", "ScenarioError"]
