"""Write the owners' corpus: realistic, invented exports of many shop and till systems (issue 13).

Run from anywhere: `python tests/data/owners/make_corpus.py`. The output is deterministic (each file has its
own seeded numpy generator), so running it again rewrites identical files. Nothing here is real personal data:
names are invented ("Anna Beispiel"), e-mail addresses are on example.com / example.org / example.net /
example.de, addresses are made up.

Every file comes with an entry in manifest.json that says which system and language it imitates, which
canonical table it belongs to, the mapping a person would choose, and the traits the app must handle
(closed weekdays, bulk orders, consent counts, malformed lines, ...). README.md is written from the same
entries.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from dateutil.easter import easter

HERE = Path(__file__).resolve().parent
MANIFEST: list[dict] = []
DESCRIPTIONS: dict[str, str] = {}

# ---------------------------------------------------------------------------------------------------------------
# Calendars


def public_holidays(country: str, years=(2023, 2024, 2025)) -> set[date]:
    """Days a shop in `country` is closed for public holidays (the common national ones, fixed for the corpus)."""
    days: set[date] = set()
    for y in years:
        e = easter(y)
        if country == "US":
            days |= {date(y, 1, 1), date(y, 7, 4), date(y, 12, 25)}
            nov = [date(y, 11, d) for d in range(1, 31) if date(y, 11, d).weekday() == 3]
            days.add(nov[3])  # Thanksgiving: fourth Thursday
        elif country == "GB":
            days |= {date(y, 1, 1), date(y, 12, 25), date(y, 12, 26), e - timedelta(2), e + timedelta(1)}
        elif country == "DE":
            days |= {date(y, 1, 1), date(y, 5, 1), date(y, 10, 3), date(y, 12, 25), date(y, 12, 26)}
            days |= {e - timedelta(2), e + timedelta(1), e + timedelta(39), e + timedelta(50)}
        elif country == "FR":
            days |= {date(y, m, d) for m, d in ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))}
            days |= {e + timedelta(1), e + timedelta(39), e + timedelta(50)}
        elif country == "ES":
            days |= {date(y, m, d) for m, d in ((1, 1), (1, 6), (5, 1), (8, 15), (10, 12), (11, 1), (12, 6), (12, 8))}
            days |= {date(y, 12, 25), e - timedelta(2)}
        elif country == "IT":
            days |= {date(y, m, d) for m, d in ((1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8))}
            days |= {date(y, 12, 25), date(y, 12, 26), e + timedelta(1)}
        elif country == "NL":
            days |= {date(y, 1, 1), date(y, 4, 27), date(y, 12, 25), date(y, 12, 26)}
            days |= {e + timedelta(1), e + timedelta(39), e + timedelta(50)}
        elif country == "AT":
            days |= {date(y, m, d) for m, d in ((1, 1), (1, 6), (5, 1), (8, 15), (10, 26), (11, 1), (12, 8))}
            days |= {date(y, 12, 25), date(y, 12, 26), e + timedelta(1), e + timedelta(39), e + timedelta(50)}
        elif country == "CH":
            days |= {date(y, 1, 1), date(y, 8, 1), date(y, 12, 25), date(y, 12, 26), e - timedelta(2)}
    return days


RETAIL_WEEK = (0.85, 0.9, 0.95, 1.0, 1.15, 1.4, 0.8)
ONLINE_WEEK = (1.12, 1.05, 1.0, 0.98, 0.92, 0.85, 1.08)
OFFICE_WEEK = (1.05, 1.0, 1.0, 1.0, 0.95, 0.5, 0.4)
GIFT_MONTHS = {1: 0.8, 2: 0.85, 11: 1.2, 12: 1.5}
FLAT_MONTHS: dict[int, float] = {}


# ---------------------------------------------------------------------------------------------------------------
# Invented people

FIRST = {
    "en": "Anna Ben Chloe Daniel Emma Finn Grace Harry Isla Jack Kate Leo Mia Noah Olivia Paul Ruby Sam Tara Will".split(),
    "de": "Anna Ben Clara David Emma Felix Greta Hannes Ida Jonas Karla Lukas Marie Nina Oskar Paula Rosa Tim Ute Jan".split(),
    "fr": "Camille Léa Hugo Lucas Chloé Louis Manon Jules Inès Théo Zoé Arthur Élise Noé Julie Paul Anaïs Éric".split(),
    "es": "Lucía Hugo Martina Pablo Sofía Álvaro Julia Mateo Paula Diego Carmen Javier Elena Sergio Marta Raúl".split(),
    "it": "Giulia Luca Sofia Marco Chiara Matteo Sara Davide Elena Paolo Anna Fabio Laura Nicola Marta Enrico".split(),
    "nl": "Emma Daan Sanne Bram Lotte Thijs Fleur Ruben Iris Sem Noor Jesse Eva Luuk Anouk Joris Femke Pieter".split(),
}
LAST = {
    "en": "Example Sample Specimen Placeholder Mockford Testwood Dummett Fakeley Templeton Draftman".split(),
    "de": "Beispiel Muster Probe Vorlage Entwurf Schablone Platzhalter Testmann Musterfrau Beispielhaus".split(),
    "fr": "Exemple Modèle Essai Brouillon Gabarit Maquette Fictif Témoin".split(),
    "es": "Ejemplo Muestra Prueba Modelo Borrador Plantilla Ficticio Supuesto".split(),
    "it": "Esempio Campione Prova Modello Bozza Fittizio Schema Saggio".split(),
    "nl": "Voorbeeld Proef Monster Sjabloon Ontwerp Verzonnen Fictief Schets".split(),
}
ASCII = str.maketrans("äöüßéèêëàâîïôûùçñáíóúÉÁÓÍÚÈ", "aousee" "eeaaiiouucnaiouEAOIUE")  # for e-mail addresses


@dataclass
class Person:
    first: str
    last: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def make_people(rng, n: int, lang: str, domains=("example.com",)) -> list[Person]:
    people = []
    for i in range(n):
        first = FIRST[lang][rng.integers(len(FIRST[lang]))]
        last = LAST[lang][rng.integers(len(LAST[lang]))]
        local = f"{first}.{last}".lower().replace(" ", "").translate(ASCII).replace("ß", "ss")
        email = f"{local}{i + 1}@{domains[rng.integers(len(domains))]}"
        people.append(Person(first, last, email))
    return people


# ---------------------------------------------------------------------------------------------------------------
# The shop simulation


@dataclass
class Product:
    sku: str
    name: str
    price: float
    weight: float = 1.0
    category: str = ""


@dataclass
class Order:
    when: datetime
    customer: int | None
    lines: list[tuple[int, int]]  # (product index, quantity)
    bulk: bool = False
    number: str = ""


@dataclass
class Shop:
    start: date
    end: date
    orders_per_day: float
    products: list[Product]
    country: str = "US"
    closed_weekdays: tuple[int, ...] = ()
    closed_holidays: bool = True
    closed_ranges: tuple[tuple[date, date], ...] = ()
    week: tuple[float, ...] = RETAIL_WEEK
    months: dict = field(default_factory=lambda: dict(GIFT_MONTHS))
    trend: float = 0.15  # growth of the daily level from the first to the last day
    hours: tuple[float, float] = (9.0, 18.0)
    n_customers: int = 300
    guest_share: float = 0.2
    drift_share: float = 0.35  # customers who stop buying at some point (so churn is learnable)
    extra_lines: float = 0.6  # Poisson mean of lines beyond the first
    extra_qty: float = 0.3  # Poisson mean of units beyond the first
    weekend_hours: tuple[float, float] | None = None

    def closed(self, d: date) -> bool:
        if d.weekday() in self.closed_weekdays:
            return True
        if self.closed_holidays and d in public_holidays(self.country):
            return True
        return any(a <= d <= b for a, b in self.closed_ranges)


def days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(1)


def simulate(rng, shop: Shop) -> list[Order]:
    """Orders with a weekly season, a month season, a mild trend and repeat customers (some drift away)."""
    span = (shop.end - shop.start).days
    n = shop.n_customers
    join = np.where(rng.random(n) < 0.45, 0, rng.integers(0, max(1, int(span * 0.8)), n))
    leave = np.full(n, span + 1)
    drifting = rng.random(n) < shop.drift_share
    leave[drifting] = join[drifting] + rng.integers(30, max(31, span), drifting.sum())
    weight = rng.lognormal(0.0, 0.9, n)
    probs = np.array([p.weight for p in shop.products], dtype=float)
    probs /= probs.sum()
    orders: list[Order] = []
    for i, d in enumerate(days(shop.start, shop.end)):
        if shop.closed(d):
            continue
        level = shop.orders_per_day * shop.week[d.weekday()] * shop.months.get(d.month, 1.0)
        level *= 1.0 + shop.trend * i / max(1, span)
        todays = []
        for _ in range(rng.poisson(level)):
            active = np.flatnonzero((join <= i) & (i < leave))
            if n == 0 or rng.random() < shop.guest_share or active.size == 0:
                cust = None
            else:
                w = weight[active]
                cust = int(active[rng.choice(active.size, p=w / w.sum())])
            k = 1 + rng.poisson(shop.extra_lines)
            picks = rng.choice(len(shop.products), size=min(k, len(shop.products)), replace=False, p=probs)
            lines = [(int(p), int(1 + rng.poisson(shop.extra_qty))) for p in picks]
            todays.append(Order(datetime.combine(d, time()), cust, lines))
        hours = shop.weekend_hours if (shop.weekend_hours and d.weekday() >= 5) else shop.hours
        for order, t in zip(todays, sorted(intraday(rng, hours, len(todays)))):
            order.when = datetime.combine(d, time()) + timedelta(hours=t)
        orders.extend(todays)
    return orders


def intraday(rng, hours: tuple[float, float], k: int) -> list[float]:
    """Times of day (hours) within opening hours, busier around late morning and late afternoon."""
    lo, hi = hours
    peaks = rng.choice([lo + (hi - lo) * 0.3, lo + (hi - lo) * 0.75], size=k)
    t = rng.normal(peaks, (hi - lo) * 0.18)
    t = np.clip(t, lo + 0.02, hi - 0.02)
    return list(np.round(t * 3600) / 3600)


def add_bulk(rng, orders: list[Order], when: datetime, lines: list[tuple[int, int]], customer=None) -> Order:
    """Insert a one-off bulk order at `when` (kept in time order)."""
    order = Order(when, customer, lines, bulk=True)
    orders.append(order)
    orders.sort(key=lambda o: o.when)
    return order


# ---------------------------------------------------------------------------------------------------------------
# Formatting helpers


def money(x: float, comma: bool = False) -> str:
    s = f"{x:.2f}"
    return s.replace(".", ",") if comma else s


def write_rows(path: Path, header: list[str], rows: list[list], delimiter=",", encoding="utf-8", quoting=None):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=quoting or csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def entry(
    file: str,
    system: str,
    language: str,
    table: str,
    mapping: dict,
    *,
    date_order: str,
    has_times: bool,
    closed_weekdays=(),
    bulk_orders=(),
    currency: str | None,
    consent=None,
    malformed_lines=(),
    notes: str,
    imitates: str,
    traits: list[str],
):
    MANIFEST.append(
        {
            "file": file,
            "system": system,
            "language": language,
            "table": table,
            "mapping": mapping,
            "date_order": date_order,
            "has_times": has_times,
            "closed_weekdays": sorted(closed_weekdays),
            "bulk_orders": list(bulk_orders),
            "currency": currency,
            "consent": consent,
            "malformed_lines": list(malformed_lines),
            "traits": traits,
            "notes": notes,
        }
    )
    DESCRIPTIONS[file] = imitates


def consent_counts(values) -> dict:
    vals = [str(v).strip().lower() for v in values]
    return {
        "yes": sum(v in ("yes", "ja", "true", "subscribed") for v in vals),
        "no": sum(v in ("no", "nein", "false", "unsubscribed") for v in vals),
        "blank": sum(v == "" for v in vals),
    }


# ---------------------------------------------------------------------------------------------------------------
# Shopify

SHOPIFY_COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "{consent}",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Street", "Billing Address1", "Billing Address2", "Billing Company", "Billing City",
    "Billing Zip", "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip",
    "Shipping Province", "Shipping Country", "Shipping Phone", "Notes", "Note Attributes", "Cancelled at",
    "Payment Method", "Payment Reference", "Refunded Amount", "Vendor", "Outstanding Balance", "Employee",
    "Location", "Device ID", "Id", "Tags", "Risk Level", "Source", "Lineitem discount", "Tax 1 Name",
    "Tax 1 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name",
    "Payment ID", "Payment Terms Name", "Next Payment Due At", "Payment References",
]  # fmt: skip
# Fields repeated on every line of a multi-line order; all other order fields are only on its first line.
SHOPIFY_REPEATED = {
    "Name", "Email", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
    "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable",
    "Lineitem fulfillment status", "Vendor", "Lineitem discount",
}  # fmt: skip


def shopify(
    rng, path: Path, shop: Shop, *, consent_col: str, currency: str, tz: str, places, vendor: str,
    tax_name: str, tax_rate: float, first_number: int, lang: str, domains, renames=None,
):  # fmt: skip
    """Shopify's orders export: one row per line item; order fields only on the first line of each order."""
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, lang, domains)
    accepts = rng.random(shop.n_customers) < 0.62
    place_of = rng.integers(len(places), size=shop.n_customers)
    zone = ZoneInfo(tz)
    header = [c.format(consent=consent_col) for c in SHOPIFY_COLUMNS]
    rows, consent_by_email = [], {}
    for k, o in enumerate(orders):
        o.number = f"#{first_number + k}"
        if o.customer is None:  # a guest checkout still has an e-mail address; never opted in
            guest = make_people(rng, 1, lang, domains)[0]
            email, name, yes = guest.email.replace("@", f".g{k}@"), guest.name, False
            city, zipc, prov, country = places[rng.integers(len(places))]
        else:
            p = people[o.customer]
            email, name, yes = p.email, p.name, bool(accepts[o.customer])
            city, zipc, prov, country = places[place_of[o.customer]]
        consent_by_email[email] = "yes" if yes else "no"
        local = o.when.replace(tzinfo=zone)
        stamp = local.strftime("%Y-%m-%d %H:%M:%S %z")
        paid = (local + timedelta(seconds=int(rng.integers(1, 40)))).strftime("%Y-%m-%d %H:%M:%S %z")
        fulfilled = (local + timedelta(hours=int(rng.integers(18, 70)))).strftime("%Y-%m-%d %H:%M:%S %z")
        subtotal = sum(shop.products[p].price * q for p, q in o.lines)
        shipping = 0.0 if subtotal >= 75 else 6.95
        taxes = round(subtotal * tax_rate, 2)
        total = subtotal + shipping + (0 if tax_name.startswith("VAT") or "MwSt" in tax_name else taxes)
        status, refunded = "paid", 0.0
        r = rng.random()
        if r < 0.03:
            status, refunded = "refunded", total
        elif r < 0.06:
            status = "partially_refunded"
            p, q = o.lines[0]
            refunded = shop.products[p].price
        for j, (p, q) in enumerate(o.lines):
            prod = shop.products[p]
            pname = prod.name
            if renames and prod.sku in renames and o.when.date() >= renames[prod.sku][0]:
                pname = renames[prod.sku][1]
            values = {
                "Name": o.number, "Email": email, "Financial Status": status, "Paid at": paid,
                "Fulfillment Status": "fulfilled", "Fulfilled at": fulfilled, consent_col: "yes" if yes else "no",
                "Currency": currency, "Subtotal": money(subtotal), "Shipping": money(shipping),
                "Taxes": money(taxes), "Total": money(total), "Discount Amount": "0.00",
                "Shipping Method": "Standard" if shipping else "Free shipping", "Created at": stamp,
                "Lineitem quantity": q, "Lineitem name": pname, "Lineitem price": money(prod.price),
                "Lineitem sku": prod.sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                "Lineitem fulfillment status": "fulfilled", "Billing Name": name,
                "Billing Street": f"{int(rng.integers(1, 200))} Sample Street", "Billing City": city,
                "Billing Zip": zipc, "Billing Province": prov, "Billing Country": country, "Shipping Name": name,
                "Shipping City": city, "Shipping Zip": zipc, "Shipping Province": prov, "Shipping Country": country,
                "Payment Method": "Shopify Payments", "Payment Reference": f"c{int(rng.integers(1e9, 9e9))}.1",
                "Refunded Amount": money(refunded), "Vendor": vendor, "Outstanding Balance": "0.00",
                "Id": str(5_100_000_000_000 + k * 7919), "Risk Level": "Low", "Source": "web",
                "Lineitem discount": "0.00", "Tax 1 Name": f"{tax_name} {tax_rate * 100:g}%",
                "Tax 1 Value": money(taxes), "Payment ID": f"rSd{int(rng.integers(1e8, 9e8))}",
            }  # fmt: skip
            row = []
            for col in header:
                v = values.get(col, "")
                row.append(v if (j == 0 or col in SHOPIFY_REPEATED) else "")
            rows.append(row)
    rows.reverse()  # Shopify lists the newest order first
    # keep each order's lines in their original order after reversing the orders
    by_order: dict[str, list] = {}
    for row in rows:
        by_order.setdefault(row[0], []).insert(0, row)
    rows = [r for rs in by_order.values() for r in rs]
    write_rows(path, header, rows)
    return orders, consent_by_email


def make_shopify_us(rng):
    products = [
        Product("CND-LAV-8", "Lavender Soy Candle 8oz", 24.0, 3),
        Product("CND-CED-8", "Cedarwood Soy Candle 8oz", 24.0, 2.5),
        Product("CND-CIT-8", "Citrus Grove Candle 8oz", 22.0, 2),
        Product("CND-LAV-16", "Lavender Soy Candle 16oz", 38.0, 1.2),
        Product("DIF-EUC", "Eucalyptus Reed Diffuser", 32.0, 1.5),
        Product("DIF-AMB", "Amber Reed Diffuser", 34.0, 1),
        Product("WAX-MLT-6", "Wax Melts 6-pack", 12.0, 2.2),
        Product("MTC-BOX", "Long Matches Gift Box", 8.0, 1.8),
        Product("GFT-SET-3", "Candle Trio Gift Set", 58.0, 0.8),
        Product("WCK-TRM", "Wick Trimmer", 16.0, 0.6),
    ]
    places = [
        ("Portland", "97201", "OR", "US"), ("Austin", "78701", "TX", "US"), ("Denver", "80202", "CO", "US"),
        ("Boston", "02108", "MA", "US"), ("Madison", "53703", "WI", "US"), ("Raleigh", "27601", "NC", "US"),
        ("Toronto", "M5V 2T6", "ON", "CA"), ("Seattle", "98101", "WA", "US"),
    ]  # fmt: skip
    shop = Shop(date(2024, 4, 1), date(2025, 3, 31), 1.5, products, country="US", week=ONLINE_WEEK,
                closed_holidays=False, hours=(0.0, 24.0), n_customers=260, guest_share=0.12, trend=0.2)  # fmt: skip
    path = HERE / "shopify_orders_us.csv"
    orders, consent = shopify(
        rng, path, shop, consent_col="Accepts Marketing", currency="USD", tz="America/New_York", places=places,
        vendor="Wick & Ember", tax_name="Sales tax", tax_rate=0.07, first_number=1001, lang="en",
        domains=("example.com", "example.org", "example.net"),
    )  # fmt: skip
    entry(
        path.name, "Shopify", "en", "transactions",
        {"order_id": "Name", "timestamp": "Created at", "product_id": "Lineitem sku", "product_name": "Lineitem name",
         "quantity": "Lineitem quantity", "unit_price": "Lineitem price", "customer_id": "Email",
         "country": "Billing Country", "region": "Billing Province", "channel": "Source",
         "marketing_consent": "Accepts Marketing", "currency": "Currency"},
        date_order="auto", has_times=True, currency="USD", consent=consent_counts(consent.values()),
        notes="Shopify repeats Name, Email, Created at and the Lineitem fields on every line of an order; Accepts "
        "Marketing, Currency, Financial Status, totals, Billing/Shipping and Source are only on its first line "
        "(blank on the others). Newest order first. Returns are not negative lines: Financial Status is refunded or "
        "partially_refunded and Refunded Amount holds the money. Consent counts are per distinct customer (e-mail).",
        imitates="Shopify orders export (Orders > Export, CSV for Excel) of a US candle shop, 12 months, USD.",
        traits=["with times (UTC offset)", "consent yes/no in the orders", "USD", "refund rows by status",
                "multi-line orders with blank repeated fields", "customers repeat, some drift away"],
    )  # fmt: skip


def make_shopify_eu(rng):
    products = [
        Product("TEE-ORG-S", "Bio-T-Shirt Natur S", 29.0, 1.5),
        Product("TEE-ORG-M", "Bio-T-Shirt Natur M", 29.0, 2.5),
        Product("TEE-ORG-L", "Bio-T-Shirt Natur L", 29.0, 2),
        Product("HOD-ORG-M", "Bio-Hoodie Salbei M", 69.0, 1),
        Product("HOD-ORG-L", "Bio-Hoodie Salbei L", 69.0, 0.9),
        Product("SCK-3P", "Socken 3er-Pack", 15.0, 2.2),
        Product("CAP-LIN", "Leinen-Cap", 25.0, 0.8),
        Product("BAG-CTN", "Baumwolltasche", 12.0, 1.4),
    ]
    places = [
        ("Berlin", "10115", "BE", "DE"), ("Hamburg", "20095", "HH", "DE"), ("München", "80331", "BY", "DE"),
        ("Köln", "50667", "NW", "DE"), ("Wien", "1010", "9", "AT"), ("Leipzig", "04109", "SN", "DE"),
        ("Zürich", "8001", "ZH", "CH"), ("Freiburg", "79098", "BW", "DE"),
    ]  # fmt: skip
    shop = Shop(date(2024, 6, 1), date(2025, 5, 31), 1.25, products, country="DE", week=ONLINE_WEEK,
                closed_holidays=False, hours=(0.0, 24.0), n_customers=220, guest_share=0.1, trend=0.1)  # fmt: skip
    path = HERE / "shopify_orders_eu.csv"
    orders, consent = shopify(
        rng, path, shop, consent_col="Accepts Email Marketing", currency="EUR", tz="Europe/Berlin", places=places,
        vendor="Faden & Co", tax_name="DE MwSt", tax_rate=0.19, first_number=2201, lang="de",
        domains=("example.de", "example.com"), renames={"TEE-ORG-M": (date(2024, 11, 1), "Organic Tee Natural M")},
    )  # fmt: skip
    entry(
        path.name, "Shopify", "de", "transactions",
        {"order_id": "Name", "timestamp": "Created at", "product_id": "Lineitem sku", "product_name": "Lineitem name",
         "quantity": "Lineitem quantity", "unit_price": "Lineitem price", "customer_id": "Email",
         "country": "Billing Country", "region": "Billing Province", "channel": "Source",
         "marketing_consent": "Accepts Email Marketing", "currency": "Currency"},
        date_order="auto", has_times=True, currency="EUR", consent=consent_counts(consent.values()),
        notes="The newer Shopify export: the consent column is 'Accepts Email Marketing'. Prices include VAT (MwSt). "
        "SKU TEE-ORG-M carries two names: 'Bio-T-Shirt Natur M' until October 2024, then 'Organic Tee Natural M'. "
        "Same blank-on-later-lines layout and refund handling as the US Shopify file. Consent per distinct e-mail.",
        imitates="Shopify orders export of a German organic clothing shop (new 'Accepts Email Marketing' column), "
        "12 months, EUR.",
        traits=["with times (UTC offset)", "consent yes/no in the orders", "EUR", "a product code with two names",
                "refund rows by status", "customers repeat, some drift away"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# WooCommerce (+ the customers file that matches it)

WOO_COLUMNS = [
    "order_id", "order_number", "order_date", "status", "shipping_total", "shipping_tax_total", "fee_total",
    "tax_total", "discount_total", "order_total", "refunded_total", "order_currency", "payment_method",
    "shipping_method", "customer_id", "billing_first_name", "billing_last_name", "billing_email", "billing_city",
    "billing_postcode", "billing_country", "shipping_country", "item_id", "item_product_id", "item_name",
    "item_sku", "item_quantity", "item_subtotal", "item_subtotal_tax", "item_total", "item_refunded",
    "customer_note",
]  # fmt: skip


def make_woocommerce_and_customers(rng):
    products = [
        Product("TEA-EG-100", "Earl Grey Loose Leaf 100g", 7.5, 3),
        Product("TEA-AS-100", "Assam Breakfast 100g", 6.95, 2.6),
        Product("TEA-SN-50", "Sencha Green 50g", 8.25, 1.6),
        Product("TEA-RB-100", "Rooibos Vanilla 100g", 6.5, 1.8),
        Product("TEA-CH-100", "Masala Chai 100g", 7.25, 1.5),
        Product("ACC-INF", "Steel Tea Infuser", 9.0, 0.9),
        Product("ACC-POT", "Glass Teapot 800ml", 28.0, 0.5),
        Product("GFT-SAMP", "Tea Tasting Sampler", 19.5, 0.8),
    ]
    cities = [("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR"), ("York", "YO1 7HH"), ("Bath", "BA1 1LT"),
              ("Norwich", "NR2 1TF"), ("Cardiff", "CF10 1EP"), ("Glasgow", "G1 1XQ")]  # fmt: skip
    shop = Shop(date(2024, 7, 1), date(2025, 3, 31), 1.8, products, country="GB", week=ONLINE_WEEK,
                closed_holidays=False, hours=(0.0, 24.0), n_customers=420, guest_share=0.25, trend=0.15)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "en", ("example.com", "example.org"))
    user_id = 100 + rng.permutation(shop.n_customers * 3)[: shop.n_customers]
    city_of = rng.integers(len(cities), size=shop.n_customers)
    rows, buyers = [], set()
    item_id = 5000
    for k, o in enumerate(orders):
        oid = 10240 + k * 3 + int(rng.integers(0, 3))
        if o.customer is None:
            g = make_people(rng, 1, "en", ("example.net",))[0]
            first, last, email, cid = g.first, g.last, g.email.replace("@", f".{oid}@"), 0
            city, pc = cities[rng.integers(len(cities))]
        else:
            p = people[o.customer]
            first, last, email, cid = p.first, p.last, p.email, int(user_id[o.customer])
            city, pc = cities[city_of[o.customer]]
            buyers.add(o.customer)
        subtotal = sum(shop.products[p].price * q for p, q in o.lines)
        ship = 0.0 if subtotal > 40 else 3.95
        status, refunded = "completed", 0.0
        r = rng.random()
        if r < 0.025:
            status, refunded = "refunded", subtotal + ship
        elif r < 0.04:
            status = "processing"
        for j, (p, q) in enumerate(o.lines):
            prod = shop.products[p]
            item_id += 1
            line_total = prod.price * q
            rows.append([
                oid, oid, o.when.strftime("%Y-%m-%d %H:%M:%S"), status, money(ship), "0.00", "0.00",
                money(subtotal / 6), "0.00", money(subtotal + ship), money(refunded), "GBP",
                "stripe" if rng.random() < 0.7 else "paypal", "Royal Mail 2nd Class" if ship else "Free shipping",
                cid, first, last, email, city, pc, "GB", "GB", item_id, 300 + p, prod.name, prod.sku, q,
                money(line_total), money(line_total / 6), money(line_total),
                money(line_total if status == "refunded" else 0.0), "",
            ])  # fmt: skip
    path = HERE / "woocommerce_orders.csv"
    write_rows(path, WOO_COLUMNS, rows)
    entry(
        path.name, "WooCommerce", "en", "transactions",
        {"order_id": "order_id", "timestamp": "order_date", "product_id": "item_sku", "product_name": "item_name",
         "quantity": "item_quantity", "unit_price": "item_total", "customer_id": "billing_email",
         "country": "billing_country", "currency": "order_currency"},
        date_order="auto", has_times=True, currency="GBP",
        notes="WooCommerce Customer/Order CSV Export, one row per line item with the order fields repeated. "
        "item_total is the line total (quantity x price), there is no unit price column. customer_id is the "
        "WordPress user id and is 0 for every guest checkout, so the e-mail is the right customer key. "
        "Refunds: status 'refunded' with refunded_total and item_refunded. Order ids are not consecutive.",
        imitates="WooCommerce orders export (one row per item) of a UK loose-leaf tea shop, 9 months, GBP.",
        traits=["with times", "GBP", "amount is the line total", "guest customer id 0", "refund rows by status",
                "ids match customers_newsletter.csv"],
    )  # fmt: skip

    # The shop's customer list (newsletter plug-in export): registered customers, consent yes/no/blank.
    crow = []
    for c in range(shop.n_customers):
        if c not in buyers and rng.random() < 0.1:
            continue
        p = people[c]
        r = rng.random()
        consent = "yes" if r < 0.5 else ("no" if r < 0.8 else "")
        reg = shop.start + timedelta(int(rng.integers(-400, 200)))
        crow.append([p.email, p.first, p.last, cities[city_of[c]][0], "United Kingdom",
                     reg.strftime("%d/%m/%Y"), consent, int(rng.integers(0, 2))])  # fmt: skip
    cpath = HERE / "customers_newsletter.csv"
    write_rows(cpath, ["Email", "First Name", "Last Name", "City", "Country", "Registered", "Newsletter",
                       "Loyalty Tier"], crow)  # fmt: skip
    entry(
        cpath.name, "WooCommerce customers (newsletter plug-in)", "en", "customers",
        {"customer_id": "Email", "country": "Country", "signup_date": "Registered", "marketing_consent": "Newsletter"},
        date_order="day", has_times=False, currency=None, consent=consent_counts(r[6] for r in crow),
        notes="Customers of woocommerce_orders.csv, keyed by e-mail (= billing_email there). Newsletter is yes, no "
        "or blank (never asked): blank must not be treated as yes. Registered is DD/MM/YYYY (UK).",
        imitates="Customer list with a newsletter consent column for the WooCommerce tea shop.",
        traits=["consent yes/no/blank", "ids match woocommerce_orders.csv", "UK dates DD/MM/YYYY"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Square item sales

SQUARE_COLUMNS = [
    "Date", "Time", "Time Zone", "Category", "Item", "Qty", "Price Point Name", "SKU", "Modifiers Applied",
    "Gross Sales", "Discounts", "Net Sales", "Tax", "Transaction ID", "Payment ID", "Device Name", "Notes",
    "Details", "Event Type", "Location", "Dining Option", "Customer ID", "Customer Name", "Customer Reference ID",
    "Unit", "Count", "Itemization Type", "Channel",
]  # fmt: skip


def usd(x: float) -> str:
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def square_id(rng, n=22) -> str:
    abc = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
    return "".join(abc[i] for i in rng.integers(len(abc), size=n))


def make_square(rng):
    products = [
        Product("", "Drip Coffee", 3.25, 4, "Coffee"), Product("", "Latte", 4.75, 4, "Coffee"),
        Product("", "Cappuccino", 4.5, 2.5, "Coffee"), Product("", "Cold Brew", 4.95, 2, "Coffee"),
        Product("", "Chai Latte", 4.85, 1.5, "Tea"), Product("", "Blueberry Muffin", 3.5, 1.8, "Bakery"),
        Product("", "Butter Croissant", 3.75, 2, "Bakery"), Product("", "Breakfast Sandwich", 7.95, 1.4, "Food"),
        Product("BEAN-12", "Whole Bean House Blend 12oz", 15.0, 0.4, "Retail"),
    ]  # fmt: skip
    shop = Shop(date(2024, 10, 1), date(2025, 3, 29), 4.2, products, country="US", closed_weekdays=(6,),
                week=(0.9, 0.95, 1.0, 1.0, 1.1, 1.3, 0.0), months=FLAT_MONTHS, hours=(6.5, 15.0), n_customers=90,
                guest_share=0.72, trend=0.08, extra_lines=0.35, extra_qty=0.1)  # fmt: skip
    orders = simulate(rng, shop)
    custs = [(square_id(rng, 26), p.name) for p in make_people(rng, shop.n_customers, "en")]
    rows = []
    for o in orders:
        tx, pay = square_id(rng), square_id(rng, 29)
        dining = "For Here" if rng.random() < 0.4 else "To Go"
        cid, cname = custs[o.customer] if o.customer is not None else ("", "")
        stamp = (o.when.strftime("%m/%d/%Y"), o.when.strftime("%H:%M:%S"))
        refund_day = None if rng.random() > 0.01 else o.when + timedelta(days=int(rng.integers(0, 3)), minutes=30)
        for p, q in o.lines:
            prod = products[p]
            gross = prod.price * q
            mods = "Oat Milk" if prod.category == "Coffee" and rng.random() < 0.2 else ""
            base = [prod.category, prod.name, q, "Regular", prod.sku, mods]
            rows.append([*stamp, "Eastern Time (US & Canada)", *base, usd(gross), "$0.00", usd(gross),
                         usd(gross * 0.0775), tx, pay, "Front Counter", "",
                         f"https://squareup.com/dashboard/sales/transactions/{tx}", "Payment", "Maple Street Coffee",
                         dining, cid, cname, "", "ea", q, "Item", "Point of Sale"])  # fmt: skip
            if refund_day is not None and refund_day.weekday() != 6:
                rows.append([refund_day.strftime("%m/%d/%Y"), refund_day.strftime("%H:%M:%S"),
                             "Eastern Time (US & Canada)", prod.category, prod.name, -q, "Regular", prod.sku, mods,
                             usd(-gross), "$0.00", usd(-gross), usd(-gross * 0.0775), tx, pay, "Front Counter",
                             "Wrong order", f"https://squareup.com/dashboard/sales/transactions/{tx}", "Refund",
                             "Maple Street Coffee", dining, cid, cname, "", "ea", -q, "Item", "Point of Sale"])  # fmt: skip
    rows.sort(key=lambda r: datetime.strptime(r[0] + r[1], "%m/%d/%Y%H:%M:%S"), reverse=True)
    path = HERE / "square_item_sales.csv"
    write_rows(path, SQUARE_COLUMNS, rows)
    entry(
        path.name, "Square", "en", "transactions",
        {"order_id": "Transaction ID", "timestamp": "Date", "product_name": "Item", "quantity": "Qty",
         "unit_price": "Gross Sales", "customer_id": "Customer ID", "store_id": "Location", "channel": "Channel"},
        date_order="month", has_times=True, closed_weekdays=[6], currency="USD",
        notes="Square Dashboard item sales export. Date is MM/DD/YYYY and the time of day is in the separate Time "
        "column. Gross Sales is the line total with a dollar sign ('$9.50'), not a unit price. SKU is empty except "
        "for retail beans, so products are identified by Item. Refunds are separate rows with Event Type 'Refund', "
        "negative Qty and negative money ('-$4.75'). Most walk-in customers have no Customer ID. Closed on Sundays "
        "and on Thanksgiving, Christmas and New Year's Day.",
        imitates="Square item sales detail export of a US coffee shop, 6 months, USD.",
        traits=["US dates MM/DD/YYYY", "times in a separate column", "closed Sundays", "closed US holidays",
                "amount is the line total", "currency signs in numbers", "refund rows with negative quantity",
                "mostly no customer ids", "no product codes"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Etsy sold order items

ETSY_COLUMNS = [
    "Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Coupon Code", "Coupon Details", "Discount Amount",
    "Shipping Discount", "Order Shipping", "Order Sales Tax", "Item Total", "Currency", "Transaction ID",
    "Listing ID", "Date Paid", "Date Shipped", "Ship Name", "Ship Address1", "Ship Address2", "Ship City",
    "Ship State", "Ship Zipcode", "Ship Country", "Order ID", "Variations", "Order Type", "Listings Type",
    "Payment Type", "InPerson Discount", "InPerson Location", "VAT Paid by Buyer", "SKU",
]  # fmt: skip


def make_etsy(rng):
    products = [
        Product("", "Personalized Leather Keychain, Custom Initials", 18.0, 3),
        Product("", "Handstamped Brass Bookmark", 14.0, 2),
        Product("", "Leather Card Wallet - Minimalist", 32.0, 1.6),
        Product("", "Custom Dog Collar Tag", 16.5, 2.2),
        Product("", "Leather Journal Cover A5", 46.0, 0.8),
        Product("", "Watch Strap 20mm Tan Leather", 38.0, 0.9),
    ]
    listing = [1_040_000_000 + int(x) for x in rng.integers(1, 9e8, size=len(products))]
    states = [("Springfield", "IL", "62701", "United States"), ("Columbus", "OH", "43215", "United States"),
              ("Tucson", "AZ", "85701", "United States"), ("Albany", "NY", "12207", "United States"),
              ("Bristol", "", "BS1 4DJ", "United Kingdom"), ("Ottawa", "ON", "K1P 1J1", "Canada")]  # fmt: skip
    shop = Shop(date(2024, 4, 1), date(2025, 3, 31), 2.1, products, country="US", week=ONLINE_WEEK,
                closed_holidays=False, hours=(0.0, 24.0), n_customers=330, guest_share=0.0, trend=0.1,
                extra_lines=0.15, extra_qty=0.25)  # fmt: skip
    orders = simulate(rng, shop)
    buyers = [f"{p.first.lower()}{p.last[:3].lower()}{int(rng.integers(10, 999))}" for p in
              make_people(rng, shop.n_customers, "en")]  # fmt: skip
    people = make_people(rng, shop.n_customers, "en")
    where = rng.integers(len(states), size=shop.n_customers)
    rows = []
    for k, o in enumerate(orders):
        oid = 3_100_000_000 + k * 37 + int(rng.integers(0, 30))
        city, st, zipc, country = states[where[o.customer]]
        ship = 4.5 if country == "United States" else 12.0
        for p, q in o.lines:
            prod = products[p]
            d = o.when.strftime("%m/%d/%y")
            var = "Personalization:" + "ABCDEFGHJKLMNPRST"[int(rng.integers(17))] + "." if "Custom" in prod.name else ""
            rows.append([d, prod.name, buyers[o.customer], q, money(prod.price), "", "", "0", "0", money(ship),
                         "0", money(prod.price * q), "USD", 4_200_000_000 + len(rows) * 11, listing[p], d,
                         (o.when + timedelta(days=3)).strftime("%m/%d/%y"), people[o.customer].name,
                         f"{int(rng.integers(1, 999))} Example Ave", "", city, st, zipc, country, oid, var, "online",
                         "listing", "online_cc", "", "", "", prod.sku])  # fmt: skip
    rows.reverse()
    path = HERE / "etsy_sold_order_items.csv"
    write_rows(path, ETSY_COLUMNS, rows)
    entry(
        path.name, "Etsy", "en", "transactions",
        {"order_id": "Order ID", "timestamp": "Sale Date", "product_id": "Listing ID", "product_name": "Item Name",
         "quantity": "Quantity", "unit_price": "Price", "customer_id": "Buyer", "country": "Ship Country",
         "region": "Ship State", "currency": "Currency"},
        date_order="month", has_times=False, currency="USD",
        notes="Etsy Shop Manager > Settings > Options > Download Data > Orders: 'Sold Order Items'. Sale Date is a "
        "date only, MM/DD/YY with a two-digit year. The SKU column is empty (the seller never set SKUs), so the "
        "Listing ID is the product code. Buyer is the Etsy username. Item Total is the line total; Price is per item.",
        imitates="Etsy 'Sold Order Items' CSV of a US leather goods maker, 12 months, USD.",
        traits=["date only (no times)", "US dates MM/DD/YY", "empty SKU column", "customers repeat, some drift away"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Amazon Seller Central (tab-separated flat file)

AMAZON_COLUMNS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name", "sku", "asin",
    "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation",
]  # fmt: skip


def make_amazon(rng):
    products = [
        Product("YM-CORK-6", "Cork Yoga Mat 6mm - Natural Grip, Eco Friendly", 54.99, 1.5),
        Product("YM-TPE-4-BL", "TPE Yoga Mat 4mm Non Slip, Blue", 24.99, 3),
        Product("YB-CORK-2PK", "Cork Yoga Blocks (Set of 2)", 21.99, 2.2),
        Product("YS-COT-8FT", "Cotton Yoga Strap 8ft with Metal D-Ring", 9.99, 2.5),
        Product("YM-BAG-CNV", "Canvas Yoga Mat Bag with Pocket", 19.99, 1.2),
    ]
    asin = ["B0" + square_id(rng, 8).upper() for _ in products]
    states = [("AUSTIN", "TX", "78701"), ("BROOKLYN", "NY", "11201"), ("OAKLAND", "CA", "94612"),
              ("SEATTLE", "WA", "98101"), ("MIAMI", "FL", "33101"), ("CHICAGO", "IL", "60601")]  # fmt: skip
    shop = Shop(date(2024, 7, 1), date(2025, 3, 31), 3.6, products, country="US", week=ONLINE_WEEK,
                months={1: 1.5, 2: 1.1, 11: 1.1, 12: 1.25}, closed_holidays=False, hours=(0.0, 24.0),
                n_customers=0, guest_share=1.0, trend=0.2, extra_lines=0.08, extra_qty=0.15)  # fmt: skip
    orders = simulate(rng, shop)
    rows = []
    for o in orders:
        oid = f"{int(rng.integers(111, 114))}-{int(rng.integers(1e6, 9.9e6))}-{int(rng.integers(1e6, 9.9e6))}"
        utc = o.when + timedelta(hours=5)
        city, st, pc = states[rng.integers(len(states))]
        cancelled = rng.random() < 0.02
        fba = rng.random() < 0.7
        for p, q in o.lines:
            prod = products[p]
            stamp = utc.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            upd = (utc + timedelta(days=int(rng.integers(1, 5)))).strftime("%Y-%m-%dT%H:%M:%S+00:00")
            price = "" if cancelled else money(prod.price * q)
            rows.append([oid, "" if fba else oid, stamp, upd, "Cancelled" if cancelled else "Shipped",
                         "Amazon" if fba else "Merchant", "Amazon.com", "", "Standard" if rng.random() < 0.8 else
                         "Expedited", prod.name, prod.sku, asin[p], "Cancelled" if cancelled else "Shipped",
                         0 if cancelled else q, "" if cancelled else "USD", price,
                         "" if cancelled else money(prod.price * q * 0.07), "" if cancelled else "0.00", "", "", "",
                         "", "", city, st, pc, "US", "", "false", "", ""])  # fmt: skip
    rows.reverse()
    path = HERE / "amazon_all_orders.txt"
    write_rows(path, AMAZON_COLUMNS, rows, delimiter="\t")
    entry(
        path.name, "Amazon Seller Central", "en", "transactions",
        {"order_id": "amazon-order-id", "timestamp": "purchase-date", "product_id": "sku",
         "product_name": "product-name", "quantity": "quantity", "unit_price": "item-price",
         "region": "ship-state", "country": "ship-country", "channel": "sales-channel", "currency": "currency"},
        date_order="auto", has_times=True, currency="USD",
        notes="Tab-separated 'All Orders' flat file (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL), .txt. "
        "purchase-date is ISO 8601 in UTC. item-price is the line total for the quantity, not a unit price. No "
        "customer column at all (Amazon hides buyers). Cancelled orders have order-status 'Cancelled', quantity 0 "
        "and empty currency and item-price.",
        imitates="Amazon Seller Central 'All Orders' report of a US yoga accessories seller, 9 months, USD.",
        traits=["tab-separated", "no customer ids", "amount is the line total", "cancelled rows with quantity 0",
                "with times (UTC)"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# German till export (Kassenexport), cp1252, semicolons, decimal commas


def make_kasse(rng):
    products = [
        Product("", "Brötchen", 0.45, 6), Product("", "Laugenbrezel", 0.95, 3), Product("", "Roggenbrot 1kg", 4.2, 1.4),
        Product("", "Dinkelvollkornbrot", 4.9, 1), Product("", "Käsekuchen Stück", 2.8, 1.3),
        Product("", "Bienenstich", 2.6, 1), Product("", "Kaffee groß", 2.9, 1.8), Product("", "Croissant", 1.3, 1.5),
        Product("", "Mohnschnecke", 1.9, 0.9), Product("", "Apfelstrudel", 3.1, 0.7),
    ]  # fmt: skip
    shop = Shop(date(2024, 9, 2), date(2025, 2, 28), 19.0, products, country="DE", closed_weekdays=(6,),
                week=(0.95, 0.9, 0.95, 1.0, 1.1, 1.45, 0.0), months={12: 1.15}, hours=(6.5, 18.0),
                weekend_hours=(7.0, 13.0), n_customers=0, guest_share=1.0, trend=0.05, extra_lines=0.4,
                extra_qty=0.9)  # fmt: skip
    orders = simulate(rng, shop)
    rows = []
    bon = 48_200
    for o in orders:
        bon += 1
        for p, q in o.lines:
            prod = products[p]
            rows.append([o.when.strftime("%d.%m.%Y"), o.when.strftime("%H:%M"), bon, prod.name, q, money(prod.price, True)])
        if rng.random() < 0.004:  # a line cancelled (Storno) at the till: a negative line on the same receipt
            p, q = o.lines[0]
            rows.append([o.when.strftime("%d.%m.%Y"), o.when.strftime("%H:%M"), bon, products[p].name, -q,
                         money(products[p].price, True)])  # fmt: skip
    path = HERE / "kasse_export_baeckerei.csv"
    write_rows(path, ["Datum", "Uhrzeit", "Bon", "Artikel", "Menge", "Preis"], rows, delimiter=";", encoding="cp1252")
    entry(
        path.name, "German till (Kassensystem CSV export)", "de", "transactions",
        {"order_id": "Bon", "timestamp": "Datum", "product_name": "Artikel", "quantity": "Menge", "unit_price": "Preis"},
        date_order="day", has_times=True, closed_weekdays=[6], currency="EUR",
        notes="Windows-1252 encoded (Brötchen, Käsekuchen), semicolon-separated, decimal commas, dates DD.MM.YYYY "
        "with the time in a separate Uhrzeit column (HH:MM). Preis is the unit price. No product codes (Artikel is "
        "the name) and no customers. Closed on Sundays and on German public holidays (3 Oct, 25/26 Dec, 1 Jan); "
        "Saturday is short (07:00-13:00). Cancelled lines (Storno) are negative Menge on the same Bon.",
        imitates="Till export of a German bakery (Datum;Uhrzeit;Bon;Artikel;Menge;Preis), 6 months, EUR.",
        traits=["cp1252", "semicolons", "decimal commas", "European dates DD.MM.YYYY", "closed Sundays",
                "German public holidays closed", "no product codes", "no customer ids", "negative Storno lines"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# French shop


def make_french(rng):
    products = [
        Product("SAV-LAV", "Savon de Marseille lavande", 5.9, 3), Product("SAV-OLI", "Savon à l'huile d'olive", 5.5, 2.5),
        Product("BOU-FIG", "Bougie parfumée figue", 24.0, 1.2), Product("EAU-FLE", "Eau de toilette fleur d'oranger", 38.0, 0.8),
        Product("CRM-MAI", "Crème mains karité", 12.5, 1.8), Product("COF-CAD", "Coffret cadeau Provence", 45.0, 0.6),
        Product("SEL-BAI", "Sels de bain romarin", 9.9, 1.1),
    ]  # fmt: skip
    shop = Shop(date(2024, 4, 2), date(2025, 3, 29), 7.5, products, country="FR", closed_weekdays=(0, 6),
                week=(0.0, 0.85, 0.95, 1.0, 1.15, 1.5, 0.0), hours=(10.0, 19.0), n_customers=260, guest_share=0.45,
                trend=0.1, extra_lines=0.5, extra_qty=0.25)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "fr")
    rows, n = [], 0
    for o in orders:
        n += 1
        client = people[o.customer].name if o.customer is not None else ""
        for p, q in o.lines:
            rows.append([o.when.strftime("%d/%m/%Y"), f"CMD-{n:05d}", products[p].name, q, money(products[p].price, True), client])
        if client and rng.random() < 0.015:  # a return later: an avoir (credit note) with a negative quantity
            later = o.when + timedelta(days=7)
            while shop.closed(later.date()):
                later += timedelta(days=1)
            p, q = o.lines[0]
            rows.append([later.strftime("%d/%m/%Y"), f"AV-{n:05d}", products[p].name, -q, money(products[p].price, True), client])
    rows.sort(key=lambda r: datetime.strptime(r[0], "%d/%m/%Y"))
    path = HERE / "commandes_boutique.csv"
    write_rows(path, ["Date", "N° commande", "Produit", "Quantité", "Prix unitaire", "Client"], rows, delimiter=";",
               encoding="utf-8-sig")  # fmt: skip
    entry(
        path.name, "French shop export", "fr", "transactions",
        {"order_id": "N° commande", "timestamp": "Date", "product_name": "Produit", "quantity": "Quantité",
         "unit_price": "Prix unitaire", "customer_id": "Client"},
        date_order="day", has_times=False, closed_weekdays=[0, 6], currency="EUR",
        notes="UTF-8 with a byte-order mark, semicolons, decimal commas, DD/MM/YYYY dates without times. Closed on "
        "Sundays and Mondays and on French public holidays. Product names only (no codes). Client is the customer's "
        "name, blank for anonymous sales. Returns are credit notes (N° commande AV-...) with a negative Quantité.",
        imitates="Order list of a French soap and gift boutique (Date;N° commande;Produit;Quantité;Prix unitaire;"
        "Client), 12 months, EUR.",
        traits=["date only (no times)", "European dates DD/MM/YYYY", "closed Sundays and Mondays",
                "French public holidays closed", "semicolons", "decimal commas", "no product codes",
                "returns as negative quantities"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Purchase log: customer, date, quantity, amount only


def make_purchase_log(rng):
    products = [Product("", "all", 12.0, 1)]
    shop = Shop(date(2024, 4, 1), date(2025, 3, 31), 9.0, products, country="US", closed_weekdays=(6,),
                week=(0.9, 0.9, 1.0, 1.0, 1.1, 1.3, 0.0), hours=(8.0, 18.0), n_customers=420, guest_share=0.0,
                trend=0.12, extra_lines=0.0, extra_qty=1.6, drift_share=0.45)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "en")
    rows = []
    for o in orders:
        q = o.lines[0][1]
        amount = q * float(rng.choice([9.5, 12.0, 14.5])) * (1 - 0.1 * (q >= 5))
        rows.append([people[o.customer].name, o.when.strftime("%m/%d/%Y"), q, money(amount)])
    path = HERE / "purchase_log.csv"
    write_rows(path, ["Customer", "Date", "Quantity", "Amount"], rows)
    entry(
        path.name, "Hand-kept purchase log", "en", "transactions",
        {"timestamp": "Date", "quantity": "Quantity", "unit_price": "Amount", "customer_id": "Customer"},
        date_order="month", has_times=False, closed_weekdays=[6], currency="USD",
        notes="Only customer, date, quantity and amount: no order id and no product id, so those canonical columns "
        "are left out of the mapping (one order per customer and day, one 'all products' line). Amount is the line "
        "total paid, not a unit price. US dates MM/DD/YYYY, no times, no currency column (dollars). Closed Sundays "
        "(and US holidays). Many customers stop coming during the year, so churn is learnable.",
        imitates="A purchase log kept in a spreadsheet by a US refill shop: Customer, Date, Quantity, Amount; "
        "12 months.",
        traits=["no order ids", "no product ids", "amount is the line total", "US dates MM/DD/YYYY",
                "date only (no times)", "closed Sundays", "customers repeat, some drift away"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Messy café file: German headers, semicolons, decimal commas, malformed lines, one huge catering order


def make_cafe(rng):
    products = [
        Product("", "Cappuccino", 3.4, 4), Product("", "Milchkaffee", 3.6, 3), Product("", "Espresso", 2.2, 2),
        Product("", "Käsekuchen", 3.9, 1.5), Product("", "Apfelkuchen", 3.7, 1.3), Product("", "Tagessuppe", 5.8, 1),
        Product("", "Quiche Lorraine", 6.9, 0.8), Product("", "Chai Latte", 3.9, 1.2), Product("", "Croissant", 1.8, 1.6),
    ]  # fmt: skip
    shop = Shop(date(2024, 5, 6), date(2025, 2, 28), 8.0, products, country="DE", closed_weekdays=(0,),
                week=(0.0, 0.85, 0.9, 1.0, 1.1, 1.35, 1.3), months=FLAT_MONTHS, hours=(8.0, 18.0),
                closed_ranges=((date(2024, 8, 12), date(2024, 8, 25)),), n_customers=70, guest_share=0.7,
                trend=0.1, extra_lines=0.5, extra_qty=0.2)  # fmt: skip
    orders = simulate(rng, shop)
    bulk = add_bulk(rng, orders, datetime(2024, 10, 17, 11, 5),
                    [(3, 2100), (4, 2000), (0, 5700), (1, 4300), (6, 1700), (5, 2200)])  # fmt: skip
    cards = [f"K-{1000 + i}" for i in range(shop.n_customers)]
    lines, malformed = ["Belegnr;Datum;Zeit;Artikel;Anzahl;Einzelpreis;Summe;Kunde"], []
    beleg = 7000
    bulk_id = ""
    broken = {int(len(orders) * 0.31), int(len(orders) * 0.77)}
    for k, o in enumerate(orders):
        beleg += 1
        if o.bulk:
            bulk_id = str(beleg)
        kunde = "Firma Beispiel GmbH" if o.bulk else (cards[o.customer] if o.customer is not None else "")
        for p, q in o.lines:
            prod = products[p]
            name = prod.name
            if k in broken and not o.bulk:
                name = prod.name + ";klein"  # a semicolon typed into a product name: one field too many
                malformed.append(len(lines) + 1)
            lines.append(";".join([str(beleg), o.when.strftime("%d.%m.%Y"), o.when.strftime("%H:%M"), name, str(q),
                                   money(prod.price, True), money(prod.price * q, True), kunde]))  # fmt: skip
        if rng.random() < 0.006:  # a return: the same article with a negative Anzahl on a new Beleg
            beleg += 1
            p, q = o.lines[0]
            lines.append(";".join([str(beleg), o.when.strftime("%d.%m.%Y"), (o.when + timedelta(minutes=9)).strftime(
                "%H:%M"), products[p].name, str(-q), money(products[p].price, True),
                money(-products[p].price * q, True), kunde]))  # fmt: skip
    path = HERE / "cafe_kasse_messy.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    entry(
        path.name, "Café till export (hand-edited)", "de", "transactions",
        {"order_id": "Belegnr", "timestamp": "Datum", "product_name": "Artikel", "quantity": "Anzahl",
         "unit_price": "Einzelpreis", "customer_id": "Kunde"},
        date_order="day", has_times=True, closed_weekdays=[0], bulk_orders=[bulk_id], currency="EUR",
        malformed_lines=malformed,
        notes="Semicolons, decimal commas, German headers, DD.MM.YYYY dates with the time in Zeit. Summe is the line "
        "total (Einzelpreis is per item). Closed on Mondays, on German public holidays and for a summer fortnight "
        "(12-25 Aug 2024). Beleg " + bulk_id + " is a one-off catering order for a company (about EUR 75,000, "
        "thousands of items) that must not drive the forecast. The malformed lines have a semicolon typed into the "
        "product name, so they have one field too many. Kunde is a loyalty-card number for a few regulars, "
        "otherwise blank. Returns are negative Anzahl.",
        imitates="A small café's till export, edited by hand: Belegnr;Datum;Zeit;Artikel;Anzahl;Einzelpreis;Summe;"
        "Kunde; 10 months, EUR.",
        traits=["semicolons", "decimal commas", "German headers", "malformed lines (extra field)",
                "one-off bulk order", "closed Mondays", "a closed fortnight", "German public holidays closed",
                "mostly no customer ids", "no product codes", "returns as negative quantities"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Daily till totals (demand table): only trading days are listed


def make_daily_totals(rng):
    rows = []
    start, end = date(2024, 1, 2), date(2025, 3, 29)
    closed = public_holidays("GB")
    span = (end - start).days
    week = (0.8, 0.85, 0.9, 1.0, 1.25, 1.6, 0.0)
    for i, d in enumerate(days(start, end)):
        if d.weekday() == 6 or d in closed or date(2024, 7, 29) <= d <= date(2024, 8, 11):
            continue
        level = 820 * week[d.weekday()] * GIFT_MONTHS.get(d.month, 1.0) * (1 + 0.12 * i / span)
        rows.append([d.isoformat(), money(max(0.0, rng.normal(level, level * 0.12)))])
    path = HERE / "daily_till_totals.csv"
    write_rows(path, ["date", "sales"], rows)
    entry(
        path.name, "Till Z-report totals", "en", "demand", {"date": "date", "y": "sales"},
        date_order="auto", has_times=False, closed_weekdays=[6], currency="GBP",
        notes="One row per trading day with the day's takings in pounds (ISO dates). Days the shop was shut are not "
        "listed at all: every Sunday, UK bank holidays (Christmas, Boxing Day, New Year, Easter) and a summer "
        "fortnight (29 Jul - 11 Aug 2024). Those missing days are zero sales, not unknown.",
        imitates="Daily till totals (date,sales) of a UK gift shop, 15 months, GBP.",
        traits=["demand table", "only trading days listed", "closed Sundays", "UK bank holidays closed",
                "a closed fortnight", "date only"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------

MAKERS = [
    make_shopify_us, make_shopify_eu, make_woocommerce_and_customers, make_square, make_etsy, make_amazon,
    make_kasse, make_french, make_purchase_log, make_cafe, make_daily_totals,
]  # fmt: skip


def main() -> None:
    MANIFEST.clear()
    DESCRIPTIONS.clear()
    for i, make in enumerate(MAKERS):
        make(np.random.default_rng(1300 + i))
    (HERE / "manifest.json").write_text(json.dumps(MANIFEST, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_readme()


def write_readme() -> None:
    lines = [
        "# Owners' corpus",
        "",
        "Realistic, invented exports of the shop and till systems owners use (issue 13). Every person, e-mail address",
        "and shop here is made up. The files are written by `make_corpus.py` (deterministic: seeded numpy generators)",
        "and described in `manifest.json`: system, language, table, the mapping a person would choose, and the traits",
        "the app must handle (closed weekdays, one-off bulk orders, consent counts, malformed lines, ...).",
        "",
        "Regenerate with `python tests/data/owners/make_corpus.py`; `tests/test_corpus_files.py` checks that the",
        "files and the manifest agree.",
        "",
        "| File | Imitates | Traits |",
        "| --- | --- | --- |",
    ]
    for e in MANIFEST:
        lines.append(f"| `{e['file']}` | {DESCRIPTIONS[e['file']]} | {', '.join(e['traits'])} |")
    (HERE / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
