"""The canonical tables: their columns, kinds, and the names owners' files use for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["ColumnSpec", "TableSpec", "TABLES", "table_spec", "PRESETS", "normalise_name"]

Kind = Literal["text", "number", "datetime", "date", "flag"]


def normalise_name(name: str) -> str:
    """Lower-case a column name and drop everything but letters and digits ('Lineitem name' -> 'lineitemname')."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column: its name, kind, whether a table needs it, and the names it goes by in exports."""

    name: str
    kind: Kind
    required: bool = False
    synonyms: tuple[str, ...] = ()
    description: str = ""
    fallback: str | None = None  # another canonical column that can stand in when this one is not mapped

    def matches(self, column: str) -> bool:
        key = normalise_name(column)
        return key == normalise_name(self.name) or key in {normalise_name(s) for s in self.synonyms}


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns and whether columns we do not know are kept (as features) or left out."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    keeps_extra_columns: bool = False
    row_id_prefix: str | None = None  # a missing customer_id is made from the row number with this prefix
    derived: tuple[str, ...] = field(default=())  # columns smbcore adds (not mapped from the file)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


_TRANSACTIONS = TableSpec(
    name="transactions",
    description="Order lines: one row per product in an order (sales and returns).",
    columns=(
        ColumnSpec(
            "order_id",
            "text",
            True,
            (
                "invoiceno",
                "invoice",
                "invoice_no",
                "invoice number",
                "order",
                "order id",
                "order number",
                "order no",
                "transaction id",
                "transaction",
                "receipt",
                "receipt no",
                "order_ref",
            ),
            "The order or invoice number",
        ),
        ColumnSpec(
            "timestamp",
            "datetime",
            True,
            (
                "invoicedate",
                "invoice date",
                "created at",
                "order date",
                "date",
                "datetime",
                "date time",
                "time",
                "purchased at",
                "paid at",
                "transaction date",
                "order time",
                "created",
            ),
            "When the order was placed",
        ),
        ColumnSpec(
            "product_id",
            "text",
            True,
            (
                "stockcode",
                "stock code",
                "sku",
                "lineitem sku",
                "product id",
                "item id",
                "item code",
                "product code",
                "variant id",
                "article",
                "article number",
                "item number",
            ),
            "The product code or SKU",
            fallback="product_name",
        ),
        ColumnSpec(
            "quantity",
            "number",
            True,
            (
                "qty",
                "lineitem quantity",
                "units",
                "quantity ordered",
                "count",
                "items",
                "amount of items",
                "quantity sold",
            ),
            "How many were bought (negative for returns)",
        ),
        ColumnSpec(
            "unit_price",
            "number",
            True,
            (
                "unitprice",
                "price",
                "lineitem price",
                "unit price",
                "item price",
                "sale price",
                "price each",
                "selling price",
                "net price",
            ),
            "Price of one item",
        ),
        ColumnSpec(
            "customer_id",
            "text",
            False,
            (
                "customerid",
                "customer",
                "customer id",
                "email",
                "customer email",
                "client id",
                "client",
                "buyer",
                "member id",
                "customer number",
                "account id",
            ),
            "Who bought",
        ),
        ColumnSpec(
            "product_name",
            "text",
            False,
            (
                "description",
                "lineitem name",
                "product name",
                "item name",
                "product",
                "item",
                "title",
                "product title",
                "item description",
            ),
            "Product name",
        ),
        ColumnSpec(
            "country",
            "text",
            False,
            ("shipping country", "billing country", "nation", "country code"),
            "Customer's country",
        ),
        ColumnSpec(
            "region",
            "text",
            False,
            ("state", "province", "shipping province", "county", "region name"),
            "Region, state or county",
        ),
        ColumnSpec("channel", "text", False, ("sales channel", "source", "order source"), "Sales channel"),
        ColumnSpec(
            "store_id",
            "text",
            False,
            ("store", "store id", "shop", "location", "branch", "outlet", "store number"),
            "Which shop or branch",
        ),
    ),
    derived=("is_return", "revenue"),
)

_CUSTOMERS = TableSpec(
    name="customers",
    description="One row per customer with attributes such as age, gender, location, signup date, consent.",
    columns=(
        ColumnSpec(
            "customer_id",
            "text",
            True,
            (
                "customerid",
                "customer",
                "customer id",
                "email",
                "client id",
                "client",
                "member id",
                "customer number",
                "account id",
                "id",
            ),
            "Customer id (matches orders)",
        ),
        ColumnSpec("age", "number", False, ("customer age", "age years"), "Age in years"),
        ColumnSpec("gender", "text", False, ("sex",), "Gender"),
        ColumnSpec("country", "text", False, ("nation", "country code"), "Country"),
        ColumnSpec(
            "signup_date",
            "date",
            False,
            ("signup", "signed up", "joined", "join date", "created at", "registration date", "customer since"),
            "When they became a customer",
        ),
        ColumnSpec(
            "marketing_consent",
            "flag",
            False,
            (
                "accepts marketing",
                "consent",
                "opt in",
                "optin",
                "subscribed",
                "email opt in",
                "marketing opt in",
                "newsletter",
            ),
            "Agreed to marketing emails",
        ),
    ),
    keeps_extra_columns=True,
    row_id_prefix="C",
)

_SESSIONS = TableSpec(
    name="sessions",
    description="Website visits: one row per session, with pages seen and whether it ended in a purchase.",
    columns=(
        ColumnSpec(
            "converted",
            "flag",
            True,
            ("revenue", "purchase", "purchased", "conversion", "ordered", "transaction made"),
            "Did the visit end in a purchase",
        ),
        ColumnSpec("customer_id", "text", False, ("customerid", "customer", "user id", "visitor id"), "Who visited"),
        ColumnSpec(
            "timestamp",
            "datetime",
            False,
            ("session start", "visit time", "date", "started at"),
            "When the visit started",
        ),
        ColumnSpec("month", "text", False, ("visit month",), "Month of the visit"),
        ColumnSpec(
            "visitor_type", "text", False, ("visitortype", "visitor", "new or returning"), "New or returning visitor"
        ),
        ColumnSpec(
            "traffic_source",
            "text",
            False,
            ("traffictype", "traffic type", "source", "utm source", "referrer", "channel"),
            "Where the visit came from",
        ),
        ColumnSpec("device", "text", False, ("operatingsystems", "operating system", "os", "device type"), "Device"),
        ColumnSpec("browser", "text", False, (), "Browser"),
        ColumnSpec("region", "text", False, (), "Visitor's region"),
        ColumnSpec("weekend", "flag", False, ("is weekend",), "Visit on a weekend"),
        ColumnSpec("admin_pages", "number", False, ("administrative",), "Account/admin pages seen"),
        ColumnSpec("admin_seconds", "number", False, ("administrative_duration",), "Seconds on account pages"),
        ColumnSpec("info_pages", "number", False, ("informational",), "Information pages seen"),
        ColumnSpec("info_seconds", "number", False, ("informational_duration",), "Seconds on information pages"),
        ColumnSpec("product_pages", "number", False, ("productrelated", "product related"), "Product pages seen"),
        ColumnSpec("product_seconds", "number", False, ("productrelated_duration",), "Seconds on product pages"),
        ColumnSpec("bounce_rate", "number", False, ("bouncerates", "bounce rates"), "Bounce rate of pages seen"),
        ColumnSpec("exit_rate", "number", False, ("exitrates", "exit rates"), "Exit rate of pages seen"),
        ColumnSpec("page_value", "number", False, ("pagevalues", "page values"), "Value of pages seen"),
        ColumnSpec("special_day", "number", False, ("specialday",), "Closeness to a special day (0-1)"),
    ),
    keeps_extra_columns=True,
)

_CAMPAIGNS = TableSpec(
    name="campaigns",
    description="Past outreach: one row per customer contacted, with what we knew and whether they responded.",
    columns=(
        ColumnSpec(
            "responded",
            "flag",
            True,
            ("y", "response", "converted", "subscribed", "outcome", "result"),
            "Did the customer respond",
        ),
        ColumnSpec(
            "customer_id",
            "text",
            False,
            ("customerid", "customer", "customer id", "client id", "id"),
            "Who was contacted",
        ),
        ColumnSpec("contacted_at", "datetime", False, ("contact date", "sent at", "date"), "When"),
        ColumnSpec("channel", "text", False, ("contact", "contact type", "medium"), "How (email, phone, ...)"),
        ColumnSpec("cost", "number", False, ("contact cost", "cost per contact"), "What the contact cost"),
    ),
    keeps_extra_columns=True,
    row_id_prefix="C",
)

_EXTERNAL = TableSpec(
    name="external",
    description="Outside factors by day or week: weather, economy, promotions, holidays.",
    columns=(
        ColumnSpec("date", "date", True, ("dteday", "day", "week", "week start", "datetime"), "Day or week"),
        ColumnSpec("store_id", "text", False, ("store", "store id", "shop", "location", "branch"), "Which shop"),
    ),
    keeps_extra_columns=True,
)

_DEMAND = TableSpec(
    name="demand",
    description="Sales or demand already added up by day or week (for example from a till report).",
    columns=(
        ColumnSpec("date", "date", True, ("dteday", "day", "week", "week start", "period"), "Day or week"),
        ColumnSpec(
            "y",
            "number",
            True,
            (
                "cnt",
                "sales",
                "demand",
                "units",
                "units sold",
                "weekly sales",
                "weekly_sales",
                "revenue",
                "total",
                "count",
            ),
            "How much was sold",
        ),
        ColumnSpec(
            "series_id",
            "text",
            False,
            ("series", "store", "store id", "product", "sku", "department"),
            "Which store or product, if there are several",
        ),
    ),
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (_TRANSACTIONS, _CUSTOMERS, _SESSIONS, _CAMPAIGNS, _EXTERNAL, _DEMAND)
}

# Known exports: when all signature columns are present, this mapping is used as the guess.
PRESETS: dict[str, dict] = {
    "shopify_orders": {
        "label": "a Shopify orders export",
        "table": "transactions",
        "signature": ("Name", "Created at", "Lineitem name", "Lineitem quantity", "Lineitem price"),
        "mapping": {
            "order_id": "Name",
            "timestamp": "Created at",
            "product_name": "Lineitem name",
            "product_id": "Lineitem sku",
            "quantity": "Lineitem quantity",
            "unit_price": "Lineitem price",
            "customer_id": "Email",
            "country": "Shipping Country",
            "region": "Shipping Province",
            "channel": "Source",
            "store_id": "Location",
        },
    },
    "uci_online_retail": {
        "label": "the UCI Online Retail file",
        "table": "transactions",
        "signature": ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"),
        "mapping": {
            "order_id": "InvoiceNo",
            "timestamp": "InvoiceDate",
            "product_id": "StockCode",
            "product_name": "Description",
            "quantity": "Quantity",
            "unit_price": "UnitPrice",
            "customer_id": "CustomerID",
            "country": "Country",
        },
    },
}


def table_spec(table: str) -> TableSpec:
    """The spec of a canonical table; a clear error for an unknown name."""
    from smbcore.errors import UnknownTableError

    try:
        return TABLES[table]
    except KeyError:
        raise UnknownTableError(f"There is no table called '{table}'. Use one of: {', '.join(TABLES)}.") from None
