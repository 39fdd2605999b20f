"""The invariants every page, download and command must keep on an owner's file (issue 13).

Used by tests/test_owners.py (the owners' corpus, every page and tab under AppTest, every download, every CLI
command) and by the Hypothesis "random shop" test. Each check returns a list of plain-words failures, so one
test run names every broken place at once instead of stopping at the first.
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

CORPUS = Path(os.environ.get("OWNERS_CORPUS") or Path(__file__).resolve().parent / "data" / "owners")

# Figures that cannot be true or cannot be read: nan, inf, a negative zero, a float with many decimals.
_BAD_TEXT = [
    (re.compile(r"(?<![A-Za-z])(nan|NaN|NaT|inf|-inf|Infinity)(?![A-Za-z])"), "nan/inf"),
    (re.compile(r"-0(\.0+)?\s?%|-0\.0+\b|[£$€]-0\.00\b|-[£$€]0(\.00)?\b"), "negative zero"),
    (re.compile(r"\d\.\d{7,}"), "a number with 7+ decimals"),
    (re.compile(r"Something went wrong"), "'Something went wrong'"),
    (re.compile(r"Traceback \(most recent call last\)"), "a traceback"),
]
# Hour-of-day claims that a file with dates but no times cannot support.
_HOUR_CLAIM = re.compile(r"00:00\s?-\s?01:00|Busiest hour|\bat hour 0\b")


def manifest() -> list[dict]:
    """The corpus entries (see tests/data/owners/README.md)."""
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def bad_text(text: str, where: str) -> list[str]:
    """Failures for figures that must never be shown in `text`."""
    found = []
    for pattern, what in _BAD_TEXT:
        match = pattern.search(text)
        if match:
            start = max(match.start() - 60, 0)
            found.append(f"{where}: {what}: ...{text[start : match.end() + 40]!r}")
    return found


def hour_claims(text: str, where: str) -> list[str]:
    match = _HOUR_CLAIM.search(text)
    return (
        [f"{where}: hour-of-day claim on a file without times: {text[max(match.start() - 60, 0) : match.end() + 40]!r}"]
        if match
        else []
    )


# ---- downloads under AppTest ---------------------------------------------------------------------------------
@dataclass
class Downloads:
    """Every file a page offered for download during an AppTest run, by media file id."""

    by_id: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)

    def install(self, monkeypatch) -> None:
        original = MemoryMediaFileStorage.load_and_get_id
        store = self.by_id

        def recording(storage, path_or_data, mimetype, kind, filename=None):
            file_id = original(storage, path_or_data, mimetype, kind, filename)
            if isinstance(path_or_data, bytes):
                store[file_id] = (filename, path_or_data)
            return file_id

        monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)

    def offered(self, app) -> list[tuple[str, str, bytes]]:
        """(label, file name, bytes) of each download button now on the page."""
        out = []
        for button in app.get("download_button"):
            file_id = Path(str(button.proto.url)).stem
            if file_id in self.by_id:
                name, data = self.by_id[file_id]
                out.append((button.proto.label, name or "", data))
        return out


def read_download(data: bytes) -> pd.DataFrame | None:
    """A downloaded CSV as text cells (None when it is not a CSV)."""
    try:
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except Exception:  # noqa: BLE001 - not a CSV: checked as text only
        return None


def check_download(label: str, name: str, data: bytes, where: str) -> list[str]:
    """A download opens in Excel with accents intact, holds no nan/inf/-0.0 and no 16-decimal number."""
    failures = []
    if name.endswith(".csv") and not data.startswith(b"\xef\xbb\xbf"):
        failures.append(f"{where}: download '{name}' ({label}) has no byte-order mark, so Excel garbles é and €")
    frame = read_download(data)
    if frame is None:
        return failures
    cells = frame.to_numpy().ravel().tolist() + list(frame.columns)
    for cell in cells:
        text = str(cell)
        if text in {"nan", "NaN", "inf", "-inf", "NaT", "None", "<NA>"}:
            failures.append(f"{where}: download '{name}' ({label}) holds {text!r}")
            break
        if re.fullmatch(r"-0(\.0+)?", text):
            failures.append(f"{where}: download '{name}' ({label}) holds a negative zero")
            break
        if re.fullmatch(r"-?\d+\.\d{7,}", text):
            failures.append(f"{where}: download '{name}' ({label}) holds {text!r} (too many decimals)")
            break
    return failures


_COUNTED_LABELS = (
    re.compile(r"the ([\d,]+) customers to contact"),  # Marketing: the contact list
)
_COUNTED_ON_PAGE = {"email_list_csv.csv": re.compile(r"\*\*([\d,]+) customers to email\*\*")}


def rows_match_label(label: str, name: str, data: bytes, text: str, where: str) -> list[str]:
    """A download holds as many rows as its label, or the page next to it, says it does."""
    frame = read_download(data)
    if frame is None:
        return []
    said = [p.search(label) for p in _COUNTED_LABELS]
    if name in _COUNTED_ON_PAGE:
        said.append(_COUNTED_ON_PAGE[name].search(text))
    failures = []
    for match in filter(None, said):
        promised = int(match.group(1).replace(",", ""))
        if promised != len(frame):
            failures.append(f"{where}: '{name}' ({label}) promises {promised} rows and holds {len(frame)}")
    return failures


def page_texts(app) -> str:
    """All words and figures an owner reads on the page (not table cells)."""
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "title", "header", "subheader"):
        parts += [str(e.value) for e in getattr(app, kind)]
    parts += [f"{m.label}: {m.value} {m.proto.delta}" for m in app.metric]
    return "\n".join(parts)


def table_texts(app) -> str:
    """Text cells of the tables on the page (numbers are formatted by the table itself)."""
    parts = []
    for frame in app.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            text = value.select_dtypes(include=["object", "string"])
            parts += [str(v) for v in text.to_numpy().ravel().tolist() if isinstance(v, str)]
    return "\n".join(parts)
