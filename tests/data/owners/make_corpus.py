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
import re
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
ASCII = str.maketrans("äöüßéèêëàâîïôûùçñáíóúÉÁÓÍÚÈ", "aouseeeeaaiiouucnaiouEAOIUE")  # for e-mail addresses


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
        for order, t in zip(todays, sorted(intraday(rng, hours, len(todays))), strict=True):
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
    shop = Shop(date(2024, 4, 1), date(2025, 3, 31), 1.25, products, country="US", week=ONLINE_WEEK,
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
        for p, q in o.lines:
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
    shop = Shop(date(2024, 10, 1), date(2025, 3, 29), 3.0, products, country="US", closed_weekdays=(6,),
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
    shop = Shop(date(2024, 7, 1), date(2025, 3, 31), 2.7, products, country="US", week=ONLINE_WEEK,
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
            rows.append(
                [o.when.strftime("%d.%m.%Y"), o.when.strftime("%H:%M"), bon, prod.name, q, money(prod.price, True)]
            )
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
    shop = Shop(date(2024, 4, 2), date(2025, 3, 29), 6.2, products, country="FR", closed_weekdays=(0, 6),
                week=(0.0, 0.85, 0.95, 1.0, 1.15, 1.5, 0.0), hours=(10.0, 19.0), n_customers=260, guest_share=0.45,
                trend=0.1, extra_lines=0.5, extra_qty=0.25)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "fr")
    rows, n = [], 0
    for o in orders:
        n += 1
        client = people[o.customer].name if o.customer is not None else ""
        for p, q in o.lines:
            rows.append(
                [
                    o.when.strftime("%d/%m/%Y"),
                    f"CMD-{n:05d}",
                    products[p].name,
                    q,
                    money(products[p].price, True),
                    client,
                ]
            )
        if client and rng.random() < 0.015:  # a return later: an avoir (credit note) with a negative quantity
            later = o.when + timedelta(days=7)
            while shop.closed(later.date()):
                later += timedelta(days=1)
            p, q = o.lines[0]
            rows.append(
                [
                    later.strftime("%d/%m/%Y"),
                    f"AV-{n:05d}",
                    products[p].name,
                    -q,
                    money(products[p].price, True),
                    client,
                ]
            )
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
    add_bulk(rng, orders, datetime(2024, 10, 17, 11, 5),
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
# eBay orders report (Seller Hub), UK site


EBAY_COLUMNS = [
    "Sales Record Number", "Order Number", "Buyer Username", "Buyer Name", "Buyer Email", "Buyer Note",
    "Buyer Address 1", "Buyer Address 2", "Buyer City", "Buyer County", "Buyer Postcode", "Buyer Country",
    "Post To Name", "Post To Phone", "Post To Address 1", "Post To Address 2", "Post To City", "Post To County",
    "Post To Postcode", "Post To Country", "Item Number", "Item Title", "Custom Label", "Sold Via Promoted Listings",
    "Quantity", "Sold For", "Postage And Packaging", "Included VAT Rate", "Seller Collected Tax",
    "eBay Collected Tax", "Total Price", "Payment Method", "Sale Date", "Paid On Date", "Post By Date",
    "Dispatched On Date", "Feedback Left", "Feedback Received", "My Item Note", "PayPal Transaction ID",
    "Delivery Service", "Tracking Number", "Transaction ID", "Variation Details", "Global Shipping Programme",
    "Click And Collect", "eBay Plus",
]  # fmt: skip


def make_ebay(rng):
    products = [
        Product("LEGO-MIX-1KG", "Genuine LEGO 1kg Mixed Bricks Bundle", 24.99, 2),
        Product("LEGO-MINI-10", "10 x LEGO Minifigures Random Mix", 14.5, 2.5),
        Product("LEGO-TECH-500", "LEGO Technic Parts 500g Gears Beams Pins", 19.99, 1.2),
        Product("LEGO-PLATE-BASE", "LEGO Baseplate 32x32 Green", 8.99, 1.5),
        Product("LEGO-WHEELS-20", "LEGO Wheels and Tyres Job Lot x20", 11.99, 1),
    ]
    item_no = [int(x) for x in rng.integers(1.2e11, 3.9e11, size=len(products))]
    towns = [
        ("Leeds", "West Yorkshire", "LS6 2AB"),
        ("Swindon", "Wiltshire", "SN1 1AA"),
        ("Derby", "Derbyshire", "DE1 1BB"),
        ("Exeter", "Devon", "EX1 1AA"),
        ("Hull", "East Yorkshire", "HU1 1AA"),
    ]
    shop = Shop(date(2024, 6, 1), date(2025, 3, 31), 2.0, products, country="GB", week=ONLINE_WEEK,
                closed_holidays=False, hours=(0.0, 24.0), n_customers=360, guest_share=0.0, trend=0.1,
                extra_lines=0.12, extra_qty=0.2)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "en", ("example.com", "example.net"))
    users = [f"{p.first.lower()}_{p.last.lower()}{i}" for i, p in enumerate(people)]
    where = rng.integers(len(towns), size=shop.n_customers)
    rows = []
    for k, o in enumerate(orders):
        rec = 10_500 + k
        onum = f"{int(rng.integers(10, 28))}-{int(rng.integers(10000, 99999))}-{int(rng.integers(10000, 99999))}"
        p_ = people[o.customer]
        town, county, pc = towns[where[o.customer]]
        sale = o.when.strftime("%d-%b-%y")
        for p, q in o.lines:
            prod = products[p]
            rows.append([rec, onum, users[o.customer], p_.name, p_.email, "", f"{int(rng.integers(1, 90))} Sample Lane",
                         "", town, county, pc, "United Kingdom", p_.name, "", "", "", town, county, pc,
                         "United Kingdom", item_no[p], prod.name, prod.sku, "No", q, f"£{prod.price:.2f}", "£3.20",
                         "", "", "£0.00", f"£{prod.price * q + 3.2:.2f}", "Managed payments", sale, sale,
                         (o.when + timedelta(2)).strftime("%d-%b-%y"), (o.when + timedelta(1)).strftime("%d-%b-%y"),
                         "Yes", "", "", "", "Royal Mail 2nd Class", "", int(rng.integers(1e12, 9e12)), "", "No",
                         "No", "No"])  # fmt: skip
    rows.reverse()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EBAY_COLUMNS)
    w.writerows(rows)
    w.writerow([])
    w.writerow([f"{len(orders)} record(s) downloaded,from {orders[0].when:%d-%b-%y} to {orders[-1].when:%d-%b-%y}"])
    w.writerow(["Seller ID : lego_bricks_example_uk"])
    path = HERE / "ebay_orders_report.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    footer = [len(rows) + 2, len(rows) + 3, len(rows) + 4]
    entry(
        path.name, "eBay", "en", "transactions",
        {"order_id": "Order Number", "timestamp": "Sale Date", "product_id": "Custom Label", "product_name": "Item Title",
         "quantity": "Quantity", "unit_price": "Sold For", "customer_id": "Buyer Username", "country": "Buyer Country",
         "region": "Buyer County"},
        date_order="day", has_times=False, currency="GBP", malformed_lines=footer,
        notes="eBay Seller Hub orders report (ebay.co.uk). Sale Date is DD-Mon-YY (e.g. 05-Mar-25), date only. "
        "Money carries the pound sign ('£24.99'); Sold For is the price of one item, Total Price the order total. "
        "Custom Label is the seller's SKU. The report ends with a blank line, a 'N record(s) downloaded' line and a "
        "'Seller ID' line: these footer lines are not orders (listed as malformed_lines).",
        imitates="eBay Seller Hub 'Orders' report of a UK seller of used LEGO, 10 months, GBP.",
        traits=["date only (no times)", "dates like 05-Mar-25", "currency signs in numbers", "footer lines",
                "GBP", "customers repeat, some drift away"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Stripe payments (a one-product subscription business), CHF

STRIPE_COLUMNS = [
    "id", "Description", "Seller Message", "Created date (UTC)", "Amount", "Amount Refunded", "Currency",
    "Converted Amount", "Converted Amount Refunded", "Fee", "Tax", "Converted Currency", "Mode", "Status",
    "Statement Descriptor", "Customer ID", "Customer Description", "Customer Email", "Captured", "Card ID",
    "Card Last4", "Card Brand", "Card Funding", "Card Exp Month", "Card Exp Year", "Card Name",
    "Card Address Country", "Card Issue Country", "Invoice ID", "Transfer",
]  # fmt: skip


def make_stripe(rng):
    n = 120
    people = make_people(rng, n, "de", ("example.de", "example.com"))
    cus = ["cus_" + square_id(rng, 14) for _ in range(n)]
    start, end = date(2024, 4, 1), date(2025, 3, 31)
    span = (end - start).days
    joined = np.where(rng.random(n) < 0.4, 0, rng.integers(0, span - 30, n))
    cancel = np.where(rng.random(n) < 0.45, joined + rng.integers(60, 330, n), span + 99)
    rows = []
    for c in range(n):
        d = start + timedelta(int(joined[c]))
        first = True
        while (d - start).days <= min(span, cancel[c]):
            when = datetime.combine(d, time()) + timedelta(hours=float(rng.uniform(5, 22)))
            status, amount, refunded = "Paid", 39.0, 0.0
            r = rng.random()
            if r < 0.03:
                status = "Failed"
            elif r < 0.05 and not first:
                status, refunded = "Refunded", 39.0
            desc = "Subscription creation" if first else "Subscription update"
            ch = "ch_" + square_id(rng, 24)
            rows.append(
                [
                    ch,
                    "Kaffee-Abo Monatsbox",
                    "Payment complete."
                    if status != "Failed"
                    else "The bank did not return any further details with this decline.",
                    when.strftime("%Y-%m-%d %H:%M:%S"),
                    money(amount),
                    money(refunded),
                    "chf",
                    money(amount),
                    money(refunded),
                    money(amount * 0.029 + 0.3) if status != "Failed" else "0.00",
                    "",
                    "chf",
                    "Live",
                    status,
                    "RÖSTEREI BEISPIEL",
                    cus[c],
                    people[c].name,
                    people[c].email,
                    "false" if status == "Failed" else "true",
                    "card_" + square_id(rng, 24),
                    str(int(rng.integers(1000, 9999))),
                    str(rng.choice(["Visa", "MasterCard"])),
                    "credit",
                    int(rng.integers(1, 13)),
                    int(rng.integers(2025, 2030)),
                    people[c].name,
                    "CH",
                    "CH",
                    "in_" + square_id(rng, 24) if status != "Failed" else "",
                    "",
                    desc,
                ][: len(STRIPE_COLUMNS)]
            )
            if status == "Failed":  # Stripe retries three days later
                d += timedelta(3)
                continue
            first = False
            m = d.month % 12 + 1
            y = d.year + (d.month == 12)
            d = date(y, m, min(d.day, 28))
    rows.sort(key=lambda r: r[3], reverse=True)
    path = HERE / "stripe_payments.csv"
    write_rows(path, STRIPE_COLUMNS, rows)
    entry(
        path.name, "Stripe", "en", "transactions",
        {"order_id": "id", "timestamp": "Created date (UTC)", "product_name": "Description", "unit_price": "Amount",
         "customer_id": "Customer ID", "currency": "Currency"},
        date_order="auto", has_times=True, currency="CHF",
        notes="Stripe Dashboard > Payments > Export (unified payments). One product only (a monthly coffee "
        "subscription box at CHF 39), so there is no product code and no quantity column: every payment is one "
        "unit. Currency is lower-case 'chf'. Failed payments are listed too (Status 'Failed', Captured false) and "
        "are not sales; refunds show Status 'Refunded' and Amount Refunded. About 45% of subscribers cancel during "
        "the year, so churn is learnable.",
        imitates="Stripe payments export of a Swiss coffee roaster's single subscription product, 12 months, CHF.",
        traits=["single product", "no quantity column", "CHF", "failed payments listed", "refunds by status",
                "with times (UTC)", "subscribers cancel (churn)"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Lightspeed Retail (X-Series) sales export: Sale, Sale Line and Payment rows

LIGHTSPEED_COLUMNS = [
    "Date", "Receipt Number", "Line Type", "Customer Code", "Customer Name", "Note", "Quantity", "Subtotal",
    "Sales Tax", "Discount", "Loyalty", "Total", "Paid", "Details", "Register", "User", "Status", "Sku",
    "AccountCodeSale", "AccountCodePurchase",
]  # fmt: skip


def make_lightspeed(rng):
    products = [
        Product("10001", "Merino Beanie - Charcoal", 35.0, 2), Product("10002", "Merino Beanie - Forest", 35.0, 1.5),
        Product("10010", "Wool Socks Hiking", 22.0, 3), Product("10020", "Fleece Gloves", 28.0, 1.6),
        Product("10030", "Rain Shell Jacket", 149.0, 0.6), Product("10040", "Thermal Base Layer Top", 59.0, 1),
        Product("10050", "Trail Map Pack", 12.0, 1.2),
    ]  # fmt: skip
    shop = Shop(date(2024, 4, 1), date(2025, 3, 29), 2.4, products, country="GB", closed_weekdays=(6,),
                week=(0.85, 0.85, 0.9, 1.0, 1.15, 1.5, 0.0), months={10: 1.2, 11: 1.3, 12: 1.5, 1: 0.9},
                hours=(9.5, 17.5), n_customers=200, guest_share=0.55, trend=0.1, extra_lines=0.3)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "en")
    codes = [f"C{2000 + i}" for i in range(shop.n_customers)]
    rows = []
    for k, o in enumerate(orders):
        rec = str(3100 + k)
        stamp = o.when.strftime("%Y-%m-%d %H:%M:%S")
        code, name = (codes[o.customer], people[o.customer].name) if o.customer is not None else ("", "")
        sign = -1 if rng.random() < 0.012 else 1  # a return sale: negative quantities and totals
        lines = [(p, sign * q) for p, q in o.lines]
        sub = sum(products[p].price * q for p, q in lines) / 1.2
        total = sub * 1.2
        qty = sum(q for _, q in lines)
        user = str(rng.choice(["Sam", "Priya", "Owen"]))
        rows.append([stamp, rec, "Sale", code, name, "", qty, money(sub), money(total - sub), "0.00", "0.00",
                     money(total), money(total), "", "Main Register", user, "CLOSED", "", "", ""])  # fmt: skip
        for p, q in lines:
            prod = products[p]
            ls = prod.price * q / 1.2
            rows.append([stamp, rec, "Sale Line", code, name, "", q, money(ls), money(ls * 0.2), "0.00", "0.00",
                         money(ls * 1.2), "", prod.name, "Main Register", user, "CLOSED", prod.sku, "4000",
                         "5000"])  # fmt: skip
        rows.append([stamp, rec, "Payment", code, name, "", "", "", "", "", "", "", money(total),
                     str(rng.choice(["Card", "Cash"])), "Main Register", user, "CLOSED", "", "", ""])  # fmt: skip
    path = HERE / "lightspeed_sales_history.csv"
    write_rows(path, LIGHTSPEED_COLUMNS, rows)
    entry(
        path.name, "Lightspeed Retail (X-Series)", "en", "transactions",
        {"order_id": "Receipt Number", "timestamp": "Date", "product_id": "Sku", "product_name": "Details",
         "quantity": "Quantity", "unit_price": "Total", "customer_id": "Customer Code"},
        date_order="auto", has_times=True, closed_weekdays=[6], currency="GBP",
        notes="Lightspeed X-Series (formerly Vend) sales history export. Each sale has one 'Sale' summary row, one "
        "'Sale Line' row per product and a 'Payment' row (Line Type). Only the Sale Line rows are order lines: the "
        "Sale and Payment rows must be left out or the sales are counted twice. Total is the line total including "
        "VAT (Subtotal is without VAT); Details holds the product name on Sale Line rows and the payment method on "
        "Payment rows. Returns are sales with negative Quantity and totals. Closed on Sundays and UK bank holidays.",
        imitates="Lightspeed Retail X-Series sales history of a UK outdoor clothing shop, 12 months, GBP.",
        traits=["summary and payment rows mixed with lines", "amount is the line total", "closed Sundays",
                "UK bank holidays closed", "returns as negative quantities", "with times"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# SumUp item sales (market stall), six weeks


def make_sumup(rng):
    products = [
        Product("", "Bergkäse 200g", 5.8, 2), Product("", "Bauernbrot", 4.5, 2.5), Product("", "Honig 500g", 8.9, 1.2),
        Product("", "Eier 10 Stk", 4.2, 2.4), Product("", "Apfelsaft 1l", 3.2, 1.6), Product("", "Speck 250g", 7.5, 1),
    ]  # fmt: skip
    shop = Shop(date(2025, 2, 1), date(2025, 3, 15), 55.0, products, country="AT", closed_weekdays=(0, 1, 3, 4, 6),
                week=(0.0, 0.0, 0.8, 0.0, 0.0, 1.2, 0.0), months=FLAT_MONTHS, hours=(7.0, 12.5), n_customers=0,
                guest_share=1.0, trend=0.0, extra_lines=0.7, extra_qty=0.2)  # fmt: skip
    orders = simulate(rng, shop)
    rows = []
    for k, o in enumerate(orders):
        tx = "T" + square_id(rng, 9).upper()
        method = "Karte" if rng.random() < 0.55 else "Bar"
        for p, q in o.lines:
            prod = products[p]
            rows.append([o.when.strftime("%d.%m.%Y"), o.when.strftime("%H:%M"), tx, f"{k + 1:05d}", method,
                         prod.name, q, money(prod.price, True), money(prod.price * q, True), "10%", "Lebensmittel",
                         "Erfolgreich"])  # fmt: skip
    path = HERE / "sumup_sales_report.csv"
    write_rows(path, ["Datum", "Uhrzeit", "Transaktions-ID", "Belegnummer", "Zahlungsart", "Beschreibung", "Menge",
                      "Preis", "Betrag", "MwSt-Satz", "Kategorie", "Status"], rows, delimiter=";")  # fmt: skip
    entry(
        path.name, "SumUp", "de", "transactions",
        {"order_id": "Transaktions-ID", "timestamp": "Datum", "product_name": "Beschreibung", "quantity": "Menge",
         "unit_price": "Preis"},
        date_order="day", has_times=True, closed_weekdays=[0, 1, 3, 4, 6], currency="EUR",
        notes="SumUp item sales export (German locale) of a farmers' market stall that trades only on Wednesday and "
        "Saturday mornings: six weeks of history. Semicolons, decimal commas, DD.MM.YYYY with the time in Uhrzeit. "
        "Preis is per item, Betrag the line total. No product codes, no customers.",
        imitates="SumUp sales report (items) of an Austrian market stall, 6 weeks, EUR.",
        traits=["six weeks of history", "open two days a week", "semicolons", "decimal commas",
                "European dates DD.MM.YYYY", "no product codes", "no customer ids"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Zettle (Excel), office-district café closed at weekends, six weeks


def make_zettle(rng):
    from openpyxl import Workbook

    products = [
        Product("FW", "Flat White", 3.4, 4), Product("AM", "Americano", 2.8, 3), Product("TEA", "Breakfast Tea", 2.2, 1.5),
        Product("SAND-HC", "Ham & Cheese Toastie", 5.95, 1.4), Product("SAND-VEG", "Veggie Wrap", 5.5, 1.1),
        Product("CK-BAN", "Banana Bread", 2.95, 1.3),
    ]  # fmt: skip
    shop = Shop(date(2025, 2, 3), date(2025, 3, 14), 48.0, products, country="GB", closed_weekdays=(5, 6),
                week=(1.0, 1.05, 1.05, 1.0, 0.85, 0.0, 0.0), months=FLAT_MONTHS, hours=(7.5, 15.5), n_customers=0,
                guest_share=1.0, trend=0.0, extra_lines=0.3, extra_qty=0.1)  # fmt: skip
    orders = simulate(rng, shop)
    wb = Workbook()
    ws = wb.active
    ws.title = "Sales"
    wb.properties.created = wb.properties.modified = datetime(2025, 3, 15, 9, 0)
    ws.append(["Date", "Time", "Receipt number", "Product", "Variant", "SKU", "Quantity", "Unit price", "Discount",
               "Total", "VAT rate", "Staff", "Device", "Payment method", "Currency"])  # fmt: skip
    for k, o in enumerate(orders):
        staff = str(rng.choice(["Isla", "Ben"]))
        pay = "Card" if rng.random() < 0.85 else "Cash"
        for p, q in o.lines:
            prod = products[p]
            variant = str(rng.choice(["Regular", "Large"])) if prod.sku in ("FW", "AM") else ""
            ws.append([o.when.date(), o.when.strftime("%H:%M"), 20_000 + k, prod.name, variant, prod.sku, q,
                       prod.price, 0, round(prod.price * q, 2), 0.2, staff, "iPad Counter", pay, "GBP"])  # fmt: skip
    for cell in ws["A"][1:]:
        cell.number_format = "DD/MM/YYYY"
    path = HERE / "zettle_sales.xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(fixed_zip_times(buf.getvalue()))
    entry(
        path.name, "Zettle (iZettle)", "en", "transactions",
        {"order_id": "Receipt number", "timestamp": "Date", "product_id": "SKU", "product_name": "Product",
         "quantity": "Quantity", "unit_price": "Unit price", "currency": "Currency"},
        date_order="auto", has_times=True, closed_weekdays=[5, 6], currency="GBP",
        notes="Excel workbook (.xlsx) like Zettle's sales export. Date cells are real Excel dates shown DD/MM/YYYY; "
        "the time is a separate text column. An office-district café: open Monday to Friday only, six weeks of "
        "history. Unit price is per item, Total the line total. No customers.",
        imitates="Zettle by PayPal sales export (Excel) of a UK weekday café, 6 weeks, GBP.",
        traits=["Excel .xlsx", "six weeks of history", "closed Saturdays and Sundays", "no customer ids", "GBP"],
    )  # fmt: skip


def fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip (xlsx) with fixed member timestamps so the generated bytes do not change between runs."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 4, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-03-15T09:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Spanish, Italian and Dutch shops


def make_spanish(rng):
    products = [
        Product("ACE-500", "Aceite de oliva virgen extra 500 ml", 9.5, 3), Product("ACE-5L", "Aceite de oliva 5 l", 42.0, 0.8),
        Product("JAM-100", "Jamón ibérico loncheado 100 g", 12.9, 2), Product("QUE-MAN", "Queso manchego curado 250 g", 7.8, 2),
        Product("AZA-VIN", "Azafrán de La Mancha 1 g", 6.5, 1), Product("TUR-ALI", "Turrón de Alicante 200 g", 5.9, 1.2),
    ]  # fmt: skip
    shop = Shop(date(2024, 4, 1), date(2025, 3, 31), 3.6, products, country="ES", closed_weekdays=(6,),
                week=(0.85, 0.9, 0.95, 1.0, 1.15, 1.4, 0.0), months={12: 1.9, 11: 1.2, 8: 0.7}, hours=(10.0, 20.5),
                n_customers=240, guest_share=0.35, trend=0.12, extra_lines=0.6)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "es", ("example.com", "example.org"))
    provs = ["Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga"]
    prov_of = rng.integers(len(provs), size=shop.n_customers)
    rows = []
    for k, o in enumerate(orders):
        num = f"P{24000 + k}"
        email = people[o.customer].email if o.customer is not None else ""
        prov = provs[prov_of[o.customer]] if o.customer is not None else ""
        for p, q in o.lines:
            prod = products[p]
            rows.append(
                [o.when.strftime("%d/%m/%Y %H:%M"), num, prod.sku, prod.name, q, money(prod.price, True), email, prov]
            )
        if email and rng.random() < 0.012:
            p, q = o.lines[0]
            later = o.when + timedelta(days=5)
            while shop.closed(later.date()):
                later += timedelta(days=1)
            rows.append([later.strftime("%d/%m/%Y %H:%M"), f"D{24000 + k}", products[p].sku, products[p].name, -q,
                         money(products[p].price, True), email, prov])  # fmt: skip
    rows.sort(key=lambda r: datetime.strptime(r[0], "%d/%m/%Y %H:%M"))
    path = HERE / "pedidos_tienda.csv"
    write_rows(path, ["Fecha", "Pedido", "Referencia", "Producto", "Cantidad", "Precio unitario", "Email cliente",
                      "Provincia"], rows, delimiter=";")  # fmt: skip
    entry(
        path.name, "Spanish shop export", "es", "transactions",
        {"order_id": "Pedido", "timestamp": "Fecha", "product_id": "Referencia", "product_name": "Producto",
         "quantity": "Cantidad", "unit_price": "Precio unitario", "customer_id": "Email cliente",
         "region": "Provincia"},
        date_order="day", has_times=True, closed_weekdays=[6], currency="EUR",
        notes="Semicolons, decimal commas, 'DD/MM/YYYY HH:MM' in one column. Closed on Sundays and Spanish national "
        "holidays. Strong Christmas season (turrón, jamón). Walk-in sales have no e-mail. Returns (devoluciones) are "
        "order numbers D... with a negative Cantidad.",
        imitates="Order export of a Spanish delicatessen (Fecha;Pedido;Referencia;Producto;Cantidad;Precio unitario;"
        "Email cliente;Provincia), 12 months, EUR.",
        traits=["semicolons", "decimal commas", "European dates DD/MM/YYYY", "with times", "closed Sundays",
                "Spanish public holidays closed", "returns as negative quantities", "strong December season"],
    )  # fmt: skip


def make_italian(rng):
    products = [
        Product("CER-TAZ-01", "Tazza in ceramica dipinta a mano", 18.0, 3), Product("CER-PIA-02", "Piatto piano decorato", 24.0, 2),
        Product("CER-VAS-03", "Vaso in maiolica", 45.0, 0.8), Product("CER-CIO-04", "Ciotola limoni", 21.0, 1.6),
        Product("CER-BRO-05", "Brocca per acqua", 36.0, 0.9), Product("CER-SET-06", "Set sottobicchieri (4)", 15.0, 1.4),
    ]  # fmt: skip
    shop = Shop(date(2024, 4, 2), date(2025, 3, 29), 5.0, products, country="IT", closed_weekdays=(6,),
                week=(0.6, 0.9, 0.95, 1.0, 1.15, 1.45, 0.0), months={7: 1.3, 8: 1.2, 12: 1.3, 1: 0.6, 2: 0.7},
                closed_ranges=((date(2024, 8, 10), date(2024, 8, 25)),), hours=(9.5, 19.5), n_customers=230,
                guest_share=0.5, trend=0.08, extra_lines=0.45)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "it")
    add_bulk(rng, orders, datetime(2024, 11, 14, 10, 30), [(0, 300), (1, 250), (3, 200)],
                   customer=int(rng.integers(shop.n_customers)))  # fmt: skip
    rows, big_id = [], ""
    for k, o in enumerate(orders):
        num = f"{2024 if o.when.year == 2024 else 2025}/{k + 1:04d}"
        if o.bulk:
            big_id = num
        cliente = people[o.customer].name if o.customer is not None else ""
        for p, q in o.lines:
            prod = products[p]
            rows.append([o.when.strftime("%d/%m/%Y"), num, prod.sku, prod.name, q, money(prod.price, True), cliente])
        if cliente and rng.random() < 0.01:
            p, q = o.lines[0]
            rows.append([o.when.strftime("%d/%m/%Y"), f"R-{num}", products[p].sku, products[p].name, -q,
                         money(products[p].price, True), cliente])  # fmt: skip
    path = HERE / "ordini_negozio.csv"
    write_rows(path, ["Data", "Numero ordine", "Codice articolo", "Descrizione", "Quantità", "Prezzo", "Cliente"],
               rows, delimiter=";", encoding="cp1252")  # fmt: skip
    entry(
        path.name, "Italian shop export", "it", "transactions",
        {"order_id": "Numero ordine", "timestamp": "Data", "product_id": "Codice articolo",
         "product_name": "Descrizione", "quantity": "Quantità", "unit_price": "Prezzo", "customer_id": "Cliente"},
        date_order="day", has_times=False, closed_weekdays=[6], bulk_orders=[big_id], currency="EUR",
        notes="Windows-1252, semicolons, decimal commas, DD/MM/YYYY without times. Closed on Sundays, Italian public "
        "holidays and for the Ferragosto fortnight (10-25 Aug 2024). Order " + big_id + " is a one-off order from a "
        "hotel (750 pieces, about 60x a normal order). Order numbers restart their year prefix in 2025. Returns "
        "(reso) are R-... with a negative Quantità. Cliente is the customer's name, blank for walk-ins.",
        imitates="Order export of an Italian ceramics shop (Data;Numero ordine;Codice articolo;Descrizione;Quantità;"
        "Prezzo;Cliente), 12 months, EUR.",
        traits=["cp1252", "semicolons", "decimal commas", "date only (no times)", "closed Sundays",
                "a closed fortnight", "Italian public holidays closed", "one-off bulk order",
                "returns as negative quantities"],
    )  # fmt: skip


def make_dutch(rng):
    products = [
        Product("KAA-JON-500", "Jonge Gouda 500 g", 6.95, 3), Product("KAA-BEL-500", "Belegen Gouda 500 g", 7.95, 2.5),
        Product("KAA-OUD-500", "Oude kaas 500 g", 9.5, 1.8), Product("KAA-GEI-250", "Geitenkaas 250 g", 5.75, 1.2),
        Product("KAA-KOM-500", "Komijnekaas 500 g", 7.5, 1), Product("MOS-250", "Grove mosterd 250 ml", 3.25, 1.1),
        Product("KAA-PAK", "Kaaspakket cadeau", 29.95, 0.5),
    ]  # fmt: skip
    shop = Shop(date(2024, 5, 1), date(2025, 3, 31), 5.2, products, country="NL", closed_weekdays=(0,),
                week=(0.0, 0.85, 0.95, 1.0, 1.2, 1.5, 0.6), hours=(9.0, 18.0), weekend_hours=(9.0, 17.0),
                n_customers=250, guest_share=0.55, trend=0.1, extra_lines=0.5)  # fmt: skip
    orders = simulate(rng, shop)
    klanten = [f"KL{3000 + i}" for i in range(shop.n_customers)]
    rows = []
    for k, o in enumerate(orders):
        num = f"B{50000 + k}"
        klant = klanten[o.customer] if o.customer is not None else ""
        for p, q in o.lines:
            prod = products[p]
            rows.append([o.when.strftime("%d-%m-%Y"), o.when.strftime("%H:%M"), num, prod.sku, prod.name, q,
                         money(prod.price, True), klant])  # fmt: skip
    path = HERE / "bestellingen_kaaswinkel.csv"
    write_rows(path, ["Datum", "Tijd", "Bestelnummer", "Artikelnummer", "Omschrijving", "Aantal", "Prijs", "Klant"],
               rows, delimiter=";")  # fmt: skip
    entry(
        path.name, "Dutch shop export", "nl", "transactions",
        {"order_id": "Bestelnummer", "timestamp": "Datum", "product_id": "Artikelnummer", "product_name": "Omschrijving",
         "quantity": "Aantal", "unit_price": "Prijs", "customer_id": "Klant"},
        date_order="day", has_times=True, closed_weekdays=[0], currency="EUR",
        notes="Semicolons, decimal commas, DD-MM-YYYY dates with the time in Tijd. Closed on Mondays (common for "
        "Dutch shops) and on Dutch public holidays (Koningsdag, Christmas, ...), open on Sundays. Klant is a "
        "loyalty number, blank for walk-ins.",
        imitates="Order export of a Dutch cheese shop (Datum;Tijd;Bestelnummer;Artikelnummer;Omschrijving;Aantal;"
        "Prijs;Klant), 11 months, EUR.",
        traits=["semicolons", "decimal commas", "European dates DD-MM-YYYY", "closed Mondays",
                "Dutch public holidays closed", "times in a separate column"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# A manufacturer's orders to the shops it supplies (B2B)


def make_manufacturer(rng):
    products = [
        Product("GR-1001", "Granola Honey Almond 500g (case of 12)", 38.4, 3),
        Product("GR-1002", "Granola Dark Chocolate 500g (case of 12)", 40.8, 2.5),
        Product("GR-1003", "Granola No Added Sugar 500g (case of 12)", 39.6, 1.5),
        Product("MU-2001", "Bircher Muesli 750g (case of 8)", 30.4, 2),
        Product("BR-3001", "Oat Bars Mixed (box of 24)", 21.6, 2.2),
        Product("BR-3002", "Oat Bars Apricot (box of 24)", 21.6, 1.2),
    ]
    shops = ["Bio Markt Beispiel", "Feinkost Muster", "Reformhaus Probe", "Unverpackt Vorlage", "Hofladen Entwurf",
             "Naturkost Schablone", "Café Platzhalter", "Bioladen Testmann", "Marktstand Musterfrau",
             "Delikatessen Beispielhaus", "Kiosk am Muster", "Genussladen Probe"]  # fmt: skip
    weights = np.array([6, 5, 4, 3, 2.5, 2, 1.5, 1.5, 1, 1, 0.8, 0.6])
    start, end = date(2024, 1, 2), date(2025, 3, 31)
    holidays = public_holidays("DE")
    rows, inv = [], 24_000
    span = (end - start).days
    for i, d in enumerate(days(start, end)):
        if d.weekday() >= 5 or d in holidays or date(2024, 12, 23) <= d <= date(2025, 1, 6):
            continue
        for s in range(len(shops)):
            if s == 8 and d > date(2024, 9, 30):  # one customer stops ordering in October
                continue
            if rng.random() > weights[s] * 0.055 * (1 + 0.1 * i / span):
                continue
            inv += 1
            picks = rng.choice(len(products), size=int(rng.integers(2, 5)), replace=False)
            for p in picks:
                q = int(max(1, rng.normal(weights[s] * 4, weights[s])))
                prod = products[p]
                rows.append([f"RE-{inv}", d.strftime("%d.%m.%Y"), f"K{100 + s}", shops[s], prod.sku, prod.name, q,
                             money(prod.price, True), money(prod.price * q, True), "EUR"])  # fmt: skip
            if rng.random() < 0.02:  # a credit note for a damaged case
                p = picks[0]
                rows.append([f"GS-{inv}", d.strftime("%d.%m.%Y"), f"K{100 + s}", shops[s], products[p].sku,
                             products[p].name, -1, money(products[p].price, True), money(-products[p].price, True),
                             "EUR"])  # fmt: skip
    path = HERE / "manufacturer_invoices.csv"
    write_rows(path, ["Rechnungsnr", "Rechnungsdatum", "Kundennr", "Kunde", "Artikelnr", "Artikelbezeichnung",
                      "Menge", "Einzelpreis", "Nettobetrag", "Währung"], rows, delimiter=";")  # fmt: skip
    entry(
        path.name, "Manufacturer's invoice export (ERP)", "de", "transactions",
        {"order_id": "Rechnungsnr", "timestamp": "Rechnungsdatum", "product_id": "Artikelnr",
         "product_name": "Artikelbezeichnung", "quantity": "Menge", "unit_price": "Einzelpreis",
         "customer_id": "Kundennr", "currency": "Währung"},
        date_order="day", has_times=False, closed_weekdays=[5, 6], currency="EUR",
        notes="A granola maker's invoices to the 12 shops it supplies: few customers, large quantities (cases), "
        "Monday to Friday only, no invoices on German public holidays or during the company holiday 23 Dec - 6 Jan. "
        "Semicolons, decimal commas, DD.MM.YYYY dates only. Einzelpreis is per case; Nettobetrag the line total. "
        "Credit notes (GS-...) have Menge -1. Customer K108 stops ordering after September 2024.",
        imitates="ERP invoice-line export of a German granola manufacturer selling to 12 shops, 15 months, EUR.",
        traits=["B2B: few big customers", "large quantities", "closed Saturdays and Sundays", "a closed fortnight",
                "date only (no times)", "German public holidays closed", "credit notes as negative quantities"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Whitespace-separated text and a zipped CSV


def make_whitespace(rng):
    products = [Product("HX-M6-50", "", 0.12, 3), Product("WS-M6-100", "", 0.05, 2.5), Product("SCR-4x40", "", 0.09, 3),
                Product("GLUE-PVA", "", 4.49, 0.6), Product("TAPE-DUCT", "", 5.99, 0.8), Product("SAND-P120", "", 0.65, 1.2),
                Product("HNG-BRASS", "", 2.35, 0.9)]  # fmt: skip
    shop = Shop(date(2024, 9, 2), date(2025, 2, 28), 11.0, products, country="GB", closed_weekdays=(6,),
                week=(1.0, 0.95, 0.95, 1.0, 1.1, 1.35, 0.0), months=FLAT_MONTHS, hours=(8.0, 17.5), n_customers=0,
                guest_share=1.0, trend=0.05, extra_lines=0.5, extra_qty=3.0)  # fmt: skip
    orders = simulate(rng, shop)
    out = [f"{'DATE':<10} {'TIME':<5} {'RECEIPT':>7} {'ITEM':<10} {'QTY':>4} {'PRICE':>7}"]
    for k, o in enumerate(orders):
        for p, q in o.lines:
            prod = products[p]
            out.append(f"{o.when:%d/%m/%Y} {o.when:%H:%M} {60000 + k:>7} {prod.sku:<10} {q:>4} {prod.price:>7.2f}")
    path = HERE / "till_printout.txt"
    path.write_bytes(("\n".join(out) + "\n").encode("ascii"))
    entry(
        path.name, "Old till program printout (text)", "en", "transactions",
        {"order_id": "RECEIPT", "timestamp": "DATE", "product_id": "ITEM", "quantity": "QTY", "unit_price": "PRICE"},
        date_order="day", has_times=True, closed_weekdays=[6], currency="GBP",
        notes="Plain text with columns separated by runs of spaces (fixed width), no commas or tabs. Dates DD/MM/YYYY "
        "with the time in TIME. Item codes only, no names, no customers. Closed Sundays and UK bank holidays.",
        imitates="Journal printout of an old hardware-shop till saved as text, 6 months, GBP.",
        traits=["whitespace-separated", "closed Sundays", "UK bank holidays closed", "no product names",
                "no customer ids", "UK dates DD/MM/YYYY"],
    )  # fmt: skip


def make_zip(rng):
    products = [
        Product("PL-MON-S", "Monstera Deliciosa small", 19.0, 2), Product("PL-POT-M", "Pothos Golden medium", 14.0, 2.5),
        Product("PL-SNK-M", "Snake Plant medium", 24.0, 1.6), Product("PT-TERRA-14", "Terracotta Pot 14cm", 7.5, 2.2),
        Product("SO-MIX-5L", "Houseplant Soil Mix 5L", 9.0, 1.4), Product("FE-LIQ-250", "Liquid Plant Food 250ml", 8.5, 1),
    ]  # fmt: skip
    shop = Shop(date(2024, 4, 1), date(2025, 3, 31), 3.2, products, country="US", week=ONLINE_WEEK,
                months={4: 1.3, 5: 1.35, 6: 1.1, 12: 1.3, 1: 0.75}, closed_holidays=False, hours=(0.0, 24.0),
                n_customers=360, guest_share=0.15, trend=0.18, extra_lines=0.5)  # fmt: skip
    orders = simulate(rng, shop)
    people = make_people(rng, shop.n_customers, "en", ("example.com", "example.net"))
    rows = []
    for k, o in enumerate(orders):
        email = people[o.customer].email if o.customer is not None else ""
        for p, q in o.lines:
            prod = products[p]
            rows.append([f"GL-{7000 + k}", o.when.strftime("%Y-%m-%dT%H:%M:%SZ"), prod.sku, prod.name, q,
                         money(prod.price), email, "US"])  # fmt: skip
    inner = io.StringIO()
    w = csv.writer(inner, lineterminator="\n")
    w.writerow(["order_ref", "created", "model", "model_name", "qty", "price_each", "customer_email", "country_code"])
    w.writerows(rows)
    path = HERE / "plant_shop_orders.zip"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("orders_2024-2025.csv", date_time=(2025, 4, 1, 0, 0, 0)), inner.getvalue())
    path.write_bytes(out.getvalue())
    entry(
        path.name, "Custom web shop export (zipped CSV)", "en", "transactions",
        {"order_id": "order_ref", "timestamp": "created", "product_id": "model", "product_name": "model_name",
         "quantity": "qty", "unit_price": "price_each", "customer_id": "customer_email", "country": "country_code"},
        date_order="auto", has_times=True, currency="USD",
        notes="A .zip holding one CSV (orders_2024-2025.csv). Column names in the 'model' / 'model_name' / "
        "'price_each' style of a home-made shop system. ISO 8601 UTC timestamps. Spring and Christmas peaks.",
        imitates="Zipped orders CSV from a small US houseplant web shop's own system, 12 months, USD.",
        traits=["zip file", "model/*_name style headers", "with times (UTC)", "customers repeat, some drift away"],
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------

MAKERS = [
    make_shopify_us, make_shopify_eu, make_woocommerce_and_customers, make_square, make_etsy, make_amazon,
    make_kasse, make_french, make_purchase_log, make_cafe, make_daily_totals, make_ebay, make_stripe,
    make_lightspeed, make_sumup, make_zettle, make_spanish, make_italian, make_dutch, make_manufacturer,
    make_whitespace, make_zip,
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
