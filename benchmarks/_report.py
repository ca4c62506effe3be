"""Shared by the benchmark scripts: time a callable and write a table into docs/performance.md.

Each benchmark owns one section of docs/performance.md, between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->``; running it again replaces only that section.
"""

from __future__ import annotations

import platform
import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

PERFORMANCE_MD = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def best_of(fn: Callable[[], object], *, repeat: int = 3) -> tuple[float, float]:
    """Run ``fn`` ``repeat`` times; return (best, median) wall time in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line() -> str:
    import os

    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}."
    )


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the section ``name`` of docs/performance.md and print it."""
    block = f"<!-- bench:{name} -->\n## {title}\n\n{machine_line()}\n\n{body.strip()}\n<!-- /bench:{name} -->"
    text = PERFORMANCE_MD.read_text(encoding="utf-8") if PERFORMANCE_MD.exists() else "# Performance\n\n"
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    PERFORMANCE_MD.write_text(text, encoding="utf-8")
    print(block)
