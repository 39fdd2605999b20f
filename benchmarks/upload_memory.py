"""Upload memory: peak memory of reading and checking hostile and realistic uploads (issue 14, item 3).

    .venv/bin/python benchmarks/upload_memory.py [--scale 1.0] [--only NAME ...]

Generates each file in a temporary folder (nothing big is kept or committed): gzip bombs that unpack to 999 MB and
1.2 GB (order lines, as in the issue), one 999 MB line (a single enormous cell, gzip), two bombs uploaded together,
a workbook whose small first sheet sits beside two 1,000,000-row sheets, a workbook of 10 million shared strings,
and realistic order exports at and under the limits (a till export of 250,000 to 1,000,000 lines, a Shopify export
of about 200 MB, a 200,000-row Excel sheet), and a gzip just under the limits (the largest file accepted). Each case runs in a fresh Python process that reads the file's bytes
(as an upload arrives), resets its peak-memory mark, then runs `read_table(bytes, "transactions")` as the Data page
does (two threads for "two at once", as two owners in one server). Reported: the process's peak RSS above what it
held before reading (Linux VmHWM after writing 5 to /proc/self/clear_refs), the time, and what the owner is told.

Writes benchmarks/results/upload_memory.md and upload_memory.json. `--scale 0.1` makes every file ten times
smaller (for a quick check while developing).
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
MB = 1_000_000

_CHILD = r"""
import json, sys, threading, time
sys.path.insert(0, {root!r})
from smbcore.data import read_table
from smbcore.data import reading

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
files = {files!r}
uploads = [(Path_name, open(path, "rb").read()) for Path_name, path in files]
before = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
results = [None] * len(uploads)

def read(i):
    name, data = uploads[i]
    result = read_table(data, "transactions", name=name)
    errors = [p.message for p in result.problems if p.level == "error"]
    results[i] = {{"rows": 0 if result.frame is None else len(result.frame), "told": errors[0] if errors else ""}}

t0 = time.perf_counter()
threads = [threading.Thread(target=read, args=(i,)) for i in range(len(uploads))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "before_mb": before, "peak_mb": status("VmHWM:"), "results": results,
    "limits": [reading.MAX_EXPANDED, reading.MAX_ROWS]}}))
"""

NOTE = (
    "The limits are chosen so that the largest files still accepted (the till export at the row limit, the "
    "Shopify export and the gzip just under the size limit) add no more than about 1 GB, and two uploads at once "
    "are read one after the other (the second waits for its turn), so together they need about what one needs. "
    "Files over the limits are refused after unpacking at most the limit."
)
HEADER = "Name,Email,Created at,Lineitem sku,Lineitem name,Lineitem quantity,Lineitem price,Billing Country,Notes\n"


def _order_line(i: int, width: int) -> str:
    """One order line of about `width` bytes (the Notes column pads it), different on every line."""
    line = f"#{i // 3},c{i % 9973}@example.org,2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} 10:{i % 60:02d},SKU{i % 500},"
    line += f"Mug {i % 500},{i % 5 + 1},{(i % 90) + 1.5:.2f},GB,"
    return line + "x" * max(0, width - len(line) - 1) + "\n"


def gzip_orders(path: Path, unpacked: int, width: int = 525) -> int:
    """A gzip of order lines unpacking to `unpacked` bytes (the issue's bomb: 999 MB, 1.9M lines of 525 bytes)."""
    lines = 0
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(HEADER.encode())
        block = "".join(_order_line(i, width) for i in range(10_000)).encode()
        written = len(HEADER)
        while written + len(block) <= unpacked:
            out.write(block)
            written, lines = written + len(block), lines + 10_000
    return lines


def gzip_one_line(path: Path, size: int) -> None:
    """A gzip of a header and one line with one enormous cell."""
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(HEADER.encode() + b"#1,a@example.org,2024-01-01,SKU1,")
        chunk = b"x" * 10 * MB
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write(b",1,2.00,GB,\n")


def plain_orders(path: Path, rows: int, width: int) -> None:
    with open(path, "w") as out:
        out.write(HEADER)
        for start in range(0, rows, 10_000):
            out.write("".join(_order_line(i, width) for i in range(start, min(rows, start + 10_000))))


def shopify_orders(path: Path, size: int) -> int:
    """The corpus's Shopify export (71 columns) with its lines repeated, order numbers changed, to `size` bytes."""
    lines = (ROOT / "tests" / "data" / "owners" / "shopify_orders_us.csv").read_text().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    written, copies = 0, 0
    with open(path, "w") as out:
        out.write(header)
        while written < size:
            text = "".join(line.replace("#1", f"#{copies}-1", 1) for line in body)
            out.write(text)
            written, copies = written + len(text), copies + 1
    return copies * len(body)


_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}{strings}'
    "</Types>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_rows(rows: int, strings: int = 0, big_cell: int = 0):
    """Sheet XML in pieces: a header and `rows` order rows of inline values (or shared-string references)."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'
    names = ["Name", "Created at", "Lineitem sku", "Lineitem quantity", "Lineitem price", "Email"]
    yield '<row r="1">' + "".join(f'<c t="inlineStr"><is><t>{n}</t></is></c>' for n in names) + "</row>"
    batch = []
    for i in range(rows):
        r = i + 2
        email = f'<c t="s"><v>{i % strings}</v></c>' if strings else f'<c t="inlineStr"><is><t>c{i % 997}</t></is></c>'
        batch.append(
            f'<row r="{r}"><c t="inlineStr"><is><t>#{i}</t></is></c><c t="inlineStr"><is><t>2024-03-{i % 28 + 1:02d}'
            f'</t></is></c><c t="inlineStr"><is><t>SKU{i % 500}</t></is></c><c><v>{i % 5 + 1}</v></c>'
            f"<c><v>{i % 90 + 1.5}</v></c>{email}</row>"
        )
        if len(batch) == 20_000:
            yield "".join(batch)
            batch = []
    yield "".join(batch)
    if big_cell:
        yield f'<row r="{rows + 2}"><c t="inlineStr"><is><t>'
        for _ in range(big_cell // MB):
            yield "x" * MB
        yield "</t></is></c></row>"
    yield "</sheetData></worksheet>"


def workbook(path: Path, sheet_rows: list[int], strings: int = 0, big_cell: int = 0) -> None:
    """An .xlsx written part by part (openpyxl's writer takes minutes for a million rows)."""
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheet_rows) + 1)
    )
    shared = (
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        if strings
        else ""
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES.format(sheets=sheets, strings=shared))
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} {_REL}><sheets>'
            + "".join(f'<sheet name="Sheet{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(sheet_rows) + 1))
            + "</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_DOC}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheet_rows) + 1)
        )
        if strings:
            rels += (
                f'<Relationship Id="rId{len(sheet_rows) + 1}" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">{rels}</Relationships>',
        )
        for i, rows in enumerate(sheet_rows, start=1):
            with archive.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                for piece in _sheet_rows(rows, strings if i == 1 else 0, big_cell if i == 1 else 0):
                    out.write(piece.encode())
        if strings:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
                out.write(
                    f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{strings}" uniqueCount="{strings}">'.encode()
                )
                for start in range(0, strings, 100_000):
                    stop = min(strings, start + 100_000)
                    out.write("".join(f"<si><t>customer{i}@example.org</t></si>" for i in range(start, stop)).encode())
                out.write(b"</sst>")


def measure(files: list[tuple[str, Path]]) -> dict:
    code = _CHILD.format(root=str(ROOT), files=[(name, str(path)) for name, path in files])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        return {
            "seconds": None,
            "before_mb": None,
            "peak_mb": None,
            "results": [{"rows": 0, "told": out.stderr[-300:]}],
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


def cases(tmp: Path, scale: float, wanted):
    """(name, the file, before: what the issue measured, files to read together), for the names `wanted` accepts;
    each file is made only when needed."""
    n = lambda x: max(1, int(x * scale))  # noqa: E731
    bomb = tmp / "orders_999mb.csv.gz"
    if wanted("gzip 999 MB") or wanted("2 gzip bombs at once"):
        lines = gzip_orders(bomb, n(999 * MB))
        what = f"{bomb.stat().st_size / MB:.1f} MB gzip, {lines:,} lines unpacked ({n(999 * MB) / MB:,.0f} MB)"
        yield "gzip 999 MB", what, "6.1 GB peak", [("orders.csv.gz", bomb)]
        yield (
            "2 gzip bombs at once",
            "the 999 MB bomb, two threads",
            "over 11 GB",
            [("a.csv.gz", bomb), ("b.csv.gz", bomb)],
        )
    if wanted("gzip just under the limits"):
        under = tmp / "orders_199mb.csv.gz"
        lines = gzip_orders(under, n(199 * MB))
        what = f"{under.stat().st_size / MB:.1f} MB gzip, {lines:,} lines ({n(199 * MB) / MB:,.0f} MB) unpacked"
        yield "gzip just under the limits", what, "", [("orders.csv.gz", under)]
        yield "2 of those at once", "two threads", "", [("a.csv.gz", under), ("b.csv.gz", under)]
    if wanted("gzip 1.2 GB"):
        big = tmp / "orders_1200mb.csv.gz"
        gzip_orders(big, n(1200 * MB))
        yield "gzip 1.2 GB", f"{big.stat().st_size / MB:.1f} MB gzip", "refused after 2.8 GB", [("orders.csv.gz", big)]
    if wanted("one 999 MB line"):
        line = tmp / "one_line.csv.gz"
        gzip_one_line(line, n(999 * MB))
        what = f"{line.stat().st_size / MB:.1f} MB gzip"
        yield "one 999 MB line", what, "4.0 GB, then 'Something went wrong'", [("orders.csv.gz", line)]
    if wanted("workbook: 20 rows + 2 x 1M-row sheets"):
        sheets = tmp / "three_sheets.xlsx"
        workbook(sheets, [20, n(1_000_000), n(1_000_000)])
        what = f"{sheets.stat().st_size / MB:.1f} MB .xlsx, no <dimension>"
        yield "workbook: 20 rows + 2 x 1M-row sheets", what, "586 s, +1.7 GB", [("orders.xlsx", sheets)]
    if wanted("workbook: 10M shared strings"):
        strings = tmp / "strings.xlsx"
        workbook(strings, [n(200_000)], strings=n(10_000_000))
        what = f"{strings.stat().st_size / MB:.1f} MB .xlsx"
        yield "workbook: 10M shared strings", what, "157 s, +1.75 GB", [("orders.xlsx", strings)]
    if wanted("workbook: one 190 MB cell"):
        cell = tmp / "one_cell.xlsx"
        workbook(cell, [2], big_cell=n(190 * MB))
        what = f"{cell.stat().st_size / MB:.1f} MB .xlsx, under the sheet limit"
        yield "workbook: one 190 MB cell", what, "", [("orders.xlsx", cell)]
    for rows in (250_000, 500_000, 1_000_000):
        if wanted(f"till export, {n(rows):,} lines"):
            till = tmp / f"till_{rows}.csv"
            plain_orders(till, n(rows), 110)
            what = f"{till.stat().st_size / MB:.0f} MB CSV, 9 columns"
            yield f"till export, {n(rows):,} lines", what, "", [("orders.csv", till)]
    if wanted("Shopify export"):
        shop = tmp / "shopify.csv"
        shop_lines = shopify_orders(shop, n(195 * MB))
        what = f"{shop.stat().st_size / MB:.0f} MB CSV, 71 columns"
        yield f"Shopify export, {shop_lines:,} lines", what, "", [("orders.csv", shop)]
    if wanted(f"Excel sheet, {n(200_000):,} rows"):
        sheet = tmp / "orders.xlsx"
        workbook(sheet, [n(200_000)])
        yield (
            f"Excel sheet, {n(200_000):,} rows",
            f"{sheet.stat().st_size / MB:.1f} MB .xlsx",
            "",
            [("orders.xlsx", sheet)],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:

        def wanted(name: str) -> bool:
            return not args.only or any(word in name for word in args.only)

        for name, what, before, files in cases(Path(tmp), args.scale, wanted):
            if not wanted(name):
                continue
            measured = measure(files)
            told = "; ".join((f"read {r['rows']:,} rows" if not r["told"] else r["told"]) for r in measured["results"])
            row = {"case": name, "file": what, "before": before, **measured, "told": told}
            row["added_mb"] = None if measured["peak_mb"] is None else measured["peak_mb"] - measured["before_mb"]
            rows.append(row)
            print(
                f"{name:45} +{row['added_mb'] or 0:7.0f} MB {measured['seconds'] or 0:7.1f} s  {told[:110]}", flush=True
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"upload_memory{'' if args.scale == 1 else f'_scale{args.scale}'}.json").write_text(
        json.dumps(rows, indent=1)
    )
    limits = rows[0].get("limits") if rows else None
    lines = [
        "# Upload memory: hostile and realistic uploads",
        "",
        f"`.venv/bin/python benchmarks/upload_memory.py{'' if args.scale == 1 else f' --scale {args.scale}'}` on "
        f"{platform.machine()}, Python {platform.python_version()}; limits: "
        + (f"{limits[0] // MB:,} MB of text, {limits[1]:,} rows" if limits else "?")
        + ". Each case: a fresh process reads the file's bytes, resets its peak-memory mark, then runs "
        "`read_table(bytes, 'transactions')` (two threads for two uploads at once). *Peak added* is the peak RSS "
        "(VmHWM) above the RSS before reading; the uploaded bytes themselves are counted in *before*.",
        "",
        NOTE,
        "",
        "| case | file | before this change (issue 14) | peak added MB | peak RSS MB | time s | what the owner is told |",
        "|:--|:--|:--|--:|--:|--:|:--|",
    ]
    for row in rows:
        told = row["told"].replace("|", "/")
        added = "failed" if row["added_mb"] is None else f"{row['added_mb']:,.0f}"
        peak = "" if row["peak_mb"] is None else f"{row['peak_mb']:,.0f}"
        seconds = "" if row["seconds"] is None else f"{row['seconds']:.1f}"
        lines.append(f"| {row['case']} | {row['file']} | {row['before']} | {added} | {peak} | {seconds} | {told} |")
    (RESULTS / f"upload_memory{'' if args.scale == 1 else f'_scale{args.scale}'}.md").write_text(
        "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    main()
