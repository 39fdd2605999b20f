"""Decoding an owner's file: any common encoding, with what could not be read said, never silently replaced."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from smbcore.data.report import Problem

__all__ = ["decode", "looks_binary", "replaced_characters"]


def decode(data: bytes) -> tuple[str | None, str, bool]:
    """Decode text, trusting a BOM, then strict UTF-8, then charset-normalizer (usually cp1252/Latin-1).

    Returns (text or None for a binary file, encoding, whether `data` is exactly `text` in UTF-8)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding, False
    if b"\x00" in data[:8192]:
        return None, "binary", False
    try:
        return data.decode("utf-8"), "utf-8", True
    except UnicodeDecodeError:
        pass
    if (mixed := _mostly_utf8(data)) is not None:
        return mixed, "utf-8", False
    matches = charset_normalizer.from_bytes(data[:500_000])
    best = matches.best()
    encoding = best.encoding if best is not None else "cp1252"
    # With few accented letters several code pages read a file equally cleanly, and the detector may pick an
    # unusual one (mac_latin2 turned 'Café' into 'Cafť'); then prefer Windows-1252, what Western tills export.
    if best is not None and any(m.chaos <= best.chaos and "cp1252" in m.could_be_from_charset for m in matches):
        encoding = "cp1252"
    if encoding in {"latin_1", "iso8859_1", "ascii"}:
        encoding = "cp1252"  # a superset in the printable range: £ € and smart quotes from Windows exports
    return data.decode(encoding, errors="replace"), encoding, False


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    """Error handler: a byte that is not UTF-8 is read as Windows-1252 (Latin-1 where cp1252 has a gap)."""
    byte = error.object[error.start : error.start + 1]
    return byte.decode("cp1252", errors="ignore") or byte.decode("latin-1"), error.start + 1


codecs.register_error("smbcore_cp1252", _cp1252_byte)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few bytes that are not (a file cut off mid-letter, or lines pasted from a Windows export).

    A file of Windows-1252 text almost never holds a valid UTF-8 sequence of two or more bytes (that needs, say,
    'Ã' followed by '©'), so when valid sequences are at least as many as the stray bytes the file is UTF-8: it is
    decoded as such and only the stray bytes are read as Windows-1252. Decoding the whole file as Windows-1252
    instead turned every UTF-8 'É' into 'Ã‰'. Returns None when the file does not look like UTF-8.
    """
    sample = data[:2_000_000]
    valid = len(_UTF8_MULTIBYTE.findall(sample))
    if not valid:
        return None
    if valid < sample.decode("utf-8", errors="replace").count("\ufffd"):  # stray bytes (a run may count once)
        return None
    return data.decode("utf-8", errors="smbcore_cp1252")


def looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    replaced = sample.count("\ufffd")
    return (control + replaced) / len(sample) > 0.02


def replaced_characters(text: str, encoding: str, name: str) -> list[Problem]:
    """A warning when bytes that are not text in the file's encoding were shown as '\ufffd' (never silently)."""
    first = text.find("\ufffd")
    if first < 0:
        return []
    count, row = text.count("\ufffd"), text.count("\n", 0, first) + 1
    return [
        Problem(
            "warning",
            None,
            count,
            [],
            f"{count:,} character{'s' if count > 1 else ''} in '{name}' could not be read as {encoding} text and "
            f"show as '\ufffd' (first in row {row}). If letters look wrong, save the file as UTF-8 (in Excel: "
            "'CSV UTF-8') and upload it again.",
            [row],
        )
    ]
