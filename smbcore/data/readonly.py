"""The bundled samples as owners see them: a read-only workspace, and the owner's own notes on a sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smbcore.data.storage import Connection
from smbcore.data.workspace import Workspace
from smbcore.errors import MissingTableError, SmbcoreError

__all__ = ["ReadOnlyWorkspace", "SampleView", "SampleChangeError"]


class SampleChangeError(SmbcoreError):
    """A write to a bundled sample: the samples are shared by every owner of the server and never change."""


# What a read-only workspace still does. Every other public method of Workspace (save, remove, forget_customer,
# log_decision, set_setting, and any write added later) is refused: deny by default.
_READS = frozenset({"load", "tables", "catalog", "version", "decisions", "currency", "setting"})


class ReadOnlyWorkspace(Workspace):
    """A workspace that can only be read: a bundled sample, shared by every owner of the server.

    Every write raises SampleChangeError naming the sample, and the file is opened read-only, so nothing
    (not even a write this class forgot) can change it. `label` names it in the message."""

    def __init__(self, path: str | Path, label: str = "this sample"):
        self.path = Path(path)
        self.label = label
        if not self.path.exists():
            raise MissingTableError(f"{label.capitalize()} is not prepared yet ({self.path.name} is missing).")

    def _connect(self) -> Connection:
        return Connection(str(self.path), read_only=True)

    def refuse(self, what: str = "changed"):
        raise SampleChangeError(
            f"The bundled samples cannot be {what}: {self.label} is shared demo data, the same for everyone "
            "using this app. What you decide while it is shown (contests, overrides, recorded sends, settings) is "
            "kept in your own workspace; to change the data itself, upload your own file on 'Your data'."
        )


def _refusing(name: str):
    def refused(self, *args, **kwargs):
        self.refuse()

    refused.__name__ = name
    refused.__doc__ = f"Refused: a read-only workspace cannot {name.replace('_', ' ')} (SampleChangeError)."
    return refused


for _name, _member in list(vars(Workspace).items()):
    if not _name.startswith("_") and callable(_member) and _name not in _READS:
        setattr(ReadOnlyWorkspace, _name, _refusing(_name))


class SampleView:
    """A bundled sample as one owner sees it: its tables from the read-only sample, and everything the owner
    does while it is shown in the owner's own notes on that sample.

    `sample` is the shared ReadOnlyWorkspace; `notes` is a Workspace inside the owner's folder, one file per
    sample (see smbcore.data.samples.sample_view), so it carries the sample's name. Decisions (contests,
    overrides, mitigations, sends), settings and tables the owner makes (e.g. campaign_lists) are written to
    and read from `notes` only: no owner ever sees another's, and the owner's own data's log never mixes with
    them. The sample's tables cannot be replaced or removed (SampleChangeError).

    Reads: `path` (the sample's file, the key of the cached results), `tables()`, `catalog()`, `version()` and
    `currency()` describe the sample's data; `load(table)` gives a sample table, else the owner's table of that
    name from the notes; `setting(key)` is the owner's value, else the sample's; `decisions()` is the owner's
    log on this sample."""

    def __init__(self, name: str, sample: ReadOnlyWorkspace, notes: Workspace):
        self.name, self.sample, self.notes = name, sample, notes
        self.path = sample.path

    def tables(self) -> list[str]:
        return self.sample.tables()

    def catalog(self) -> pd.DataFrame:
        return self.sample.catalog()

    def version(self, table: str) -> str | None:
        return self.sample.version(table)

    def currency(self, table: str) -> str:
        return self.sample.currency(table)

    def load(self, table: str) -> pd.DataFrame:
        if table in self.sample.tables():
            return self.sample.load(table)
        return self.notes.load(table)

    def save(self, table: str, frame: pd.DataFrame, source: str = "", currency: str | None = None) -> str:
        """Keep a table of the owner's own (e.g. the sends recorded on this sample) in their notes."""
        if table in self.sample.tables():
            self.sample.refuse()
        return self.notes.save(table, frame, source=source, currency=currency)

    def remove(self, table: str) -> None:
        if table in self.sample.tables():
            self.sample.refuse()
        self.notes.remove(table)

    def forget_customer(self, customer_id: str, reason: str = "", decided_by: str = "owner") -> dict[str, int]:
        self.sample.refuse("changed (deleting works on your own saved data)")

    def log_decision(self, *args, **kwargs) -> int:
        return self.notes.log_decision(*args, **kwargs)

    def decisions(self) -> pd.DataFrame:
        return self.notes.decisions()

    def setting(self, key: str, default: str | None = None) -> str | None:
        found = self.notes.setting(key)
        return found if found is not None else self.sample.setting(key, default)

    def set_setting(self, key: str, value: str) -> None:
        self.notes.set_setting(key, value)
