"""Memory of the readers on hostile and large files (issue 17, item 6): peak RSS and time of each case, each in a
child process of its own (its ``ru_maxrss``), so that one case's memory does not hide another's.

Cases: a 200 MB CSV whose data is one line; a 200 MB CSV field; a 10 MB XLSX read whole (the import job) and its
preview (the column-check page: the header and the first rows). A watchdog kills a child above ``BENCH_RSS_CAP_MB``
(default 6,000 MB) so that the baseline cannot take the machine down: such a case reads "killed at the cap".

    uv run python benchmarks/bench_import_memory.py --baseline   # before a change: keeps the figures in /tmp
    uv run python benchmarks/bench_import_memory.py              # after: the table, with the baseline beside it

The 1,000,000-row import with these limits in force is ``benchmarks/bench_import.py`` (its own section).
Targets: the preview of a 10 MB workbook under 3 s and 300 MB; a hostile file refused before memory grows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section

TMP = Path(tempfile.gettempdir())
BASELINE = TMP / "paritrana-bench-import-memory-baseline.json"
CAP_MB = int(os.environ.get("BENCH_RSS_CAP_MB", "6000"))
MB = 1024 * 1024
HEADER = b"NIK;Nama Lengkap;Kode Desa\n"


def one_line_csv() -> Path:
    """200 MB of one data line: 20 million short fields, no line end."""
    path = TMP / "paritrana-one-line-200mb.csv"
    if not path.exists():
        with path.open("wb") as out:
            out.write(HEADER)
            piece = b"xxxxxxxxx;" * (MB // 10)
            for _ in range(200):
                out.write(piece)
    return path


def big_field_csv() -> Path:
    """A list whose second row holds one name of 200 MB (quoted, as a spreadsheet writes it)."""
    path = TMP / "paritrana-field-200mb.csv"
    if not path.exists():
        with path.open("wb") as out:
            out.write(HEADER + b'3603014507900001;Siti Aminah;3603012003\n3603014507900002;"')
            piece = b"A" * MB
            for _ in range(200):
                out.write(piece)
            out.write(b'";3603012003\n')
    return path


def workbook(target_mb: float = 10.0) -> Path:
    """About ``target_mb`` of XLSX: a worker list as Excel saves it (shared strings), 11 columns."""
    path = TMP / f"paritrana-workers-{target_mb:g}mb.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(["NIK", "Nama Lengkap", "Tgl Lahir", "JK", "Kode Desa", "No HP", "Pekerjaan", "Segmen", "KPJ", "Desil"])
    jobs = ["petani", "nelayan", "pedagang", "buruh bangunan", "ojek"]
    rows = int(target_mb * 19_000)
    for i in range(rows):
        ws.append(
            [
                f"360301{(i % 28) + 1:02d}0{(i % 9) + 1}9{i % 10}{i % 9000 + 1000:04d}",
                f"Pekerja Nomor {i}",
                f"{(i % 28) + 1:02d}/0{(i % 9) + 1}/199{i % 10}",
                "L" if i % 2 else "P",
                "3603012003",
                f"08{1_000_000_000 + i}",
                jobs[i % 5],
                "BPU",
                f"KPJ{i:08d}",
                str(i % 10 + 1),
            ]
        )
    wb.save(path)
    return path


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
case, path = sys.argv[1], Path(sys.argv[2])
from paritrana.registry import ingest
start = time.perf_counter()
outcome = "read"
try:
    if case == "preview":
        if hasattr(ingest, "preview_table"):
            found = ingest.preview_table(path, filename=path.name)
            outcome = f"{len(found.rows)} rows previewed"
        else:  # before: the column-check page read the whole file, then showed its first rows
            table = ingest.read_table(path, filename=path.name)
            outcome = f"{table.frame.head(5).height} rows previewed (whole file read)"
    else:  # what the import job does before it writes: read, map the columns, validate
        table = ingest.read_table(path, filename=path.name)
        from datetime import date
        ingest.validate(table, ingest.guess_mapping(table.headers), today=date(2026, 12, 1))
        outcome = f"{table.frame.height:,} rows read and validated"
except Exception as exc:  # the figure is what matters here: refused or crashed, and how
    outcome = f"{type(exc).__name__}: {str(exc)[:90]}"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "outcome": outcome}))
"""


def run_case(case: str, path: Path) -> dict[str, object]:
    """Run one case in a child process; kill it when its RSS passes the cap."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "paritrana.settings"}
    child = subprocess.Popen(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", CHILD, case, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    start, highest = time.perf_counter(), 0.0
    while child.poll() is None:
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
            rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
            highest = max(highest, rss / 1024)
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
        if highest > CAP_MB:
            child.kill()
            child.wait()
            return {
                "seconds": time.perf_counter() - start,
                "peak_mb": highest,
                "outcome": f"killed at the {CAP_MB:,} MB cap",
            }
        time.sleep(0.05)
    out, err = child.communicate()
    if child.returncode != 0:
        return {"seconds": time.perf_counter() - start, "peak_mb": highest, "outcome": f"crashed: {err[-200:]!r}"}
    return json.loads(out.decode().strip().splitlines()[-1])


def cases() -> list[tuple[str, str, Path]]:
    book = workbook()
    return [
        ("csv-one-line", "read", one_line_csv()),
        ("csv-field", "read", big_field_csv()),
        ("xlsx-read", "read", book),
        ("xlsx-preview", "preview", book),
    ]


LABELS = {
    "csv-one-line": "200 MB CSV, the data one line (20 million fields), read and validated",
    "csv-field": "200 MB CSV field (one name), read and validated",
    "xlsx-read": "10 MB XLSX read and validated (the import job)",
    "xlsx-preview": "10 MB XLSX preview (the column-check page)",
}


def main() -> None:
    results = {name: run_case(kind, path) for name, kind, path in cases()}
    if "--baseline" in sys.argv:
        BASELINE.write_text(json.dumps(results, indent=1), encoding="utf-8")
        print(json.dumps(results, indent=1))
        return
    before = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    rows = []
    for name, result in results.items():
        old = before.get(name)
        rows.append(
            [
                LABELS[name],
                f"{old['seconds']:.2f} s, {old['peak_mb']:,.0f} MB: {old['outcome']}" if old else "-",
                f"{result['seconds']:.2f} s, {result['peak_mb']:,.0f} MB",
                str(result["outcome"]),
            ]
        )
    book = workbook()
    body = (
        f"Each case in a child process of its own (peak RSS from `ru_maxrss`; the watchdog kills a child above "
        f"{CAP_MB:,} MB). The workbook is {book.stat().st_size / 1e6:.1f} MB, 190,000 rows of 10 columns, saved "
        "by openpyxl (shared strings). Before: the readers as they were (the whole file in memory, parsed whole; "
        "the column-check page read the whole workbook on every view). After: the limits of "
        "`PARITRANA_IMPORT_MAX_*` at their defaults, checked while streaming; the preview reads the first rows only. "
        "Target for the preview: under 3 s and 300 MB.\n\n"
    )
    body += markdown_table(["case", "before", "after", "after: outcome"], rows)
    write_section("import-memory", "Bounded readers: memory of an import by the file (issue 17)", body)


if __name__ == "__main__":
    main()
