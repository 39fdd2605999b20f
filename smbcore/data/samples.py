"""The bundled UCI sample data sets (CC BY 4.0), read through the same path as an owner's files."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd

from smbcore.data.loading import read_table
from smbcore.data.reading import RawFile, read_raw
from smbcore.data.readonly import ReadOnlyWorkspace, SampleView
from smbcore.data.workspace import Workspace, default_home
from smbcore.errors import SmbcoreError

__all__ = ["SAMPLES", "load_sample", "sample_workspace", "sample_view", "notes_path", "sample_path", "samples_with"]

_DIR = Path(__file__).resolve().parent.parent / "samples"
# Bump when the way samples are turned into tables changes, so cached sample workspaces are rebuilt.
_RELEASE = "5"  # 5: rebuilt whole, read-only (older files held owners' shared decisions)

SAMPLES: dict[str, dict] = {
    "online_retail": {
        "label": "Gift shop orders (sample)",
        "file": "online_retail.csv.gz",
        "tables": ("transactions", "customers"),
        "currency": "£",
        "about": "UCI Online Retail: 541,909 order lines of a UK online gift shop, Dec 2010 to Dec 2011, 4,372 customers in 38 countries.",
        "credit": "Chen, Sain & Guo (2012). UCI Machine Learning Repository, Online Retail, "
        "doi:10.24432/C5BW33. Licence CC BY 4.0.",
    },
    "online_shoppers": {
        "label": "Web shop visits (sample)",
        "file": "online_shoppers_intention.csv.gz",
        "tables": ("sessions",),
        "currency": "£",
        "about": "UCI Online Shoppers: 12,330 visits to an online shop over one year, with pages seen and whether the visit "
        "ended in a purchase.",
        "credit": "Sakar, Polat, Katircioglu & Kastro (2019). UCI Machine Learning Repository, Online Shoppers "
        "Purchasing Intention, doi:10.24432/C5F88Q. Licence CC BY 4.0.",
    },
    "bank_marketing": {
        "label": "Bank phone campaign (sample)",
        "file": "bank-additional-full.csv.gz",
        "tables": ("customers", "campaigns"),
        "currency": "€",
        "about": "UCI Bank Marketing: 41,188 customers called in a Portuguese bank's campaign (2008-2010), with age, job, marital "
        "status, education, and whether they said yes.",
        "credit": "Moro, Cortez & Rita (2014). UCI Machine Learning Repository, Bank Marketing, "
        "doi:10.24432/C5K306. Licence CC BY 4.0.",
    },
    "bike_sharing": {
        "label": "Bike rentals and weather (sample)",
        "file": "day.csv.gz",
        "tables": ("demand", "external"),
        "currency": "$",
        "country": "US",
        "about": "UCI Bike Sharing: 731 days of bike rentals in Washington D.C. (2011-2012) with weather and holidays.",
        "credit": "Fanaee-T & Gama (2013). UCI Machine Learning Repository, Bike Sharing, "
        "doi:10.24432/C5W894. Licence CC BY 4.0.",
    },
}

_BANK_PEOPLE = ["age", "job", "marital", "education", "default", "housing", "loan"]
_BIKE_WEATHER = {1: "clear", 2: "mist or cloud", 3: "light rain or snow", 4: "heavy rain or snow"}


def sample_path(name: str) -> Path:
    if name not in SAMPLES:
        raise SmbcoreError(f"There is no sample called '{name}'. Samples: {', '.join(SAMPLES)}.")
    return _DIR / SAMPLES[name]["file"]


def samples_with(table: str) -> list[str]:
    """Names of the samples that fill `table`."""
    return [name for name, meta in SAMPLES.items() if table in meta["tables"]]


def _must(result) -> pd.DataFrame:
    if result.frame is None:  # the bundled files are fixed, so this means a bug in our reading code
        raise SmbcoreError("A bundled sample could not be read:\n" + result.report.to_string())
    return result.frame


def _online_retail(path: Path) -> dict[str, pd.DataFrame]:
    tx = _must(read_table(path, "transactions"))
    with_id = tx.dropna(subset=["customer_id"])
    country = (
        with_id.groupby(["customer_id", "country"], observed=True)
        .size()
        .rename("lines")
        .reset_index()
        .sort_values(["customer_id", "lines"], ascending=[True, False])
        .drop_duplicates("customer_id")[["customer_id", "country"]]
        .reset_index(drop=True)
    )
    return {"transactions": tx, "customers": country}


def _bank_marketing(path: Path) -> dict[str, pd.DataFrame]:
    raw = read_raw(path)
    people = RawFile(raw.name, raw.frame[_BANK_PEOPLE], [], raw.details)
    contacts = RawFile(raw.name, raw.frame.drop(columns=_BANK_PEOPLE), [], raw.details)
    customers = _must(read_table(people, "customers"))
    campaigns = _must(read_table(contacts, "campaigns", mapping={"responded": "y", "channel": "contact"}))
    return {"customers": customers, "campaigns": campaigns}


def _bike_sharing(path: Path) -> dict[str, pd.DataFrame]:
    raw = read_raw(path)
    demand = _must(read_table(raw, "demand", mapping={"date": "dteday", "y": "cnt"}))
    demand = demand.assign(series_id=pd.array(["rentals"] * len(demand), dtype="string"))[["series_id", "date", "y"]]
    external = _must(read_table(raw, "external", mapping={"date": "dteday"}))
    # The file stores weather scaled to 0-1 (see its Readme): turn it back into units people read.
    external = pd.DataFrame(
        {
            "date": external["date"],
            "temperature_c": (external["temp"] * 41).round(1),
            "feels_like_c": (external["atemp"] * 50).round(1),
            "humidity_pct": (external["hum"] * 100).round(0),
            "wind_kmh": (external["windspeed"] * 67).round(1),
            "weather": external["weathersit"].map(_BIKE_WEATHER).astype("string"),
            "holiday": external["holiday"].astype("boolean"),
            "working_day": external["workingday"].astype("boolean"),
        }
    )
    return {"demand": demand, "external": external}


def _online_shoppers(path: Path) -> dict[str, pd.DataFrame]:
    sessions = _must(read_table(path, "sessions"))
    # The published file hides source, region, browser and system names behind numbers: say so in the label.
    for column, word in (
        ("traffic_source", "Source"),
        ("region", "Region"),
        ("browser", "Browser"),
        ("device", "System"),
    ):
        sessions[column] = (word + " " + sessions[column]).astype("string")
    sessions["visitor_type"] = sessions["visitor_type"].str.replace("_", " ").str.capitalize()
    return {"sessions": sessions}


_LOADERS = {
    "online_retail": _online_retail,
    "online_shoppers": _online_shoppers,
    "bank_marketing": _bank_marketing,
    "bike_sharing": _bike_sharing,
}


def load_sample(name: str) -> dict[str, pd.DataFrame]:
    """The canonical tables of a bundled sample, by table name (see SAMPLES[name]['tables'])."""
    path = sample_path(name)
    return _LOADERS[name](path)


def sample_workspace(name: str, home: Path | None = None) -> ReadOnlyWorkspace:
    """The shared, read-only workspace holding sample `name` ($SMBCORE_HOME/samples/<name>.duckdb), built from
    the bundled file on first use (and again when the bundled file or the way it is read changes).

    It refuses every write (SampleChangeError): what an owner does while a sample is shown goes to
    `sample_view`'s notes in the owner's own folder. A (re)build writes a new file and swaps it in whole, so a
    file from an older release, in which owners' contests, overrides, sends and settings were shared, is
    replaced, never carried over."""
    target = (home or default_home()) / "samples" / f"{name}.duckdb"
    release = f"{_RELEASE}:{sample_path(name).stat().st_size}"
    if not target.exists() or ReadOnlyWorkspace(target).setting("sample_release") != release:
        _build(name, target, release)
    return ReadOnlyWorkspace(target, f"the {SAMPLES[name]['label'].removesuffix(' (sample)')} sample")


def _build(name: str, target: Path, release: str) -> None:
    building = target.with_name(f".{name}.{os.getpid()}.{uuid.uuid4().hex}.duckdb")
    try:
        workspace = Workspace(building)
        for table, frame in load_sample(name).items():
            workspace.save(table, frame, source=f"sample: {SAMPLES[name]['label']}")
        workspace.set_setting("currency", SAMPLES[name]["currency"])
        workspace.set_setting("sample_release", release)
        os.replace(building, target)
    finally:
        for left in (building, building.with_name(building.name + ".wal")):
            left.unlink(missing_ok=True)


def notes_path(owner: Workspace, name: str) -> Path:
    """Where an owner's own decisions, settings and sends on sample `name` are kept: next to their workspace,
    in on_samples/<name>.duckdb (so the file carries the sample's name, inside the owner's folder)."""
    return owner.path.parent / "on_samples" / f"{name}.duckdb"


def sample_view(name: str, owner: Workspace, sample: ReadOnlyWorkspace | None = None) -> SampleView:
    """Sample `name` as `owner` (the owner's own Workspace) sees it: the sample's tables, read-only, and the
    owner's own decisions, settings and sends on it (see SampleView). `sample`: the already opened
    sample_workspace(name), when the caller keeps one."""
    return SampleView(name, sample or sample_workspace(name), Workspace(notes_path(owner, name)))
