"""Intake on owners' real-shaped files (issue 13, item 5): automatic mapping on the owners' corpus, and one test
per intake rule (languages, presets, consent and currency in orders exports, purchase logs, row numbers,
whitespace-separated text, zip uploads, product codes with several names)."""

from __future__ import annotations

import gzip
import io
import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from smbcore.data import Workspace, detect_preset, guess_mapping, guess_table, read_raw, read_table
from smbcore.data.contracts import normalise_name
from smbcore.data.parsing import parse_flags

OWNERS = Path(os.environ.get("OWNERS_CORPUS") or Path(__file__).parent / "data" / "owners")


def _mapping_is_right(guessed: dict[str, str], expected: dict[str, str]) -> bool:
    """Every column the manifest maps is guessed to the same file column, and nothing else is mapped.

    The manifest writes an amount for the whole line as 'unit_price'; the app reads such a column as `line_total`
    (and works out the price of one item from it), so a guessed line_total matches an expected unit_price. A
    separate time-of-day column next to the expected date is part of the timestamp and allowed.
    """
    guessed = dict(guessed)
    if "line_total" in guessed and "unit_price" not in guessed:
        guessed["unit_price"] = guessed.pop("line_total")
    if "time_of_day" in guessed and "timestamp" in expected:
        guessed.pop("time_of_day")
    return guessed == expected


def _corpus() -> list[dict]:
    manifest = OWNERS / "manifest.json"
    if not manifest.exists():
        pytest.skip(f"The owners' corpus is not at {OWNERS} yet (set OWNERS_CORPUS to its folder).")
    return json.loads(manifest.read_text(encoding="utf-8"))


def test_automatic_mapping_gets_nine_in_ten_owner_files_fully_right():
    entries = _corpus()
    right, wrong = 0, []
    for entry in entries:
        raw = read_raw(OWNERS / entry["file"])
        assert raw.frame is not None, (entry["file"], [p.message for p in raw.problems])
        columns = list(raw.frame.columns)
        table = guess_table(columns, raw.frame)
        guessed = guess_mapping(columns, table, raw.frame)
        if table == entry["table"] and _mapping_is_right(guessed, entry["mapping"]):
            right += 1
        else:
            wrong.append((entry["file"], table, guessed))
    share = right / len(entries)
    assert share >= 0.9, f"{right} of {len(entries)} files mapped fully right; wrong: {wrong}"
