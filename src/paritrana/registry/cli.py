"""``paritrana workers import FILE``: the same import as the web page, with a progress bar on a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paritrana.core.files import write_output


def _actor(username: str | None) -> Any:
    from django.contrib.auth import get_user_model

    from paritrana.core.errors import NotFound
    from paritrana.core.permissions import SYSTEM

    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound("There is no active user {username}.", username=username)
    return user


def cmd_workers(args: argparse.Namespace) -> int:
    from paritrana.registry.actions import do_import_workers

    path = Path(args.file)
    if not path.is_file():
        from paritrana.core.errors import InvalidInput

        raise InvalidInput("There is no file {path}.", field="file", path=str(path))
    mapping = json.loads(args.mapping) if args.mapping else None
    progress_cb: Callable[[int, int], None] | None = None
    bar = None
    if sys.stderr.isatty() and args.format != "json":
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("import", total=None)

        def progress_cb(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

    try:
        result = do_import_workers(
            source=path,
            filename=path.name,
            actor=_actor(args.user),
            mode=args.mode,
            dry_run=args.dry_run,
            mapping=mapping,
            sheet=args.sheet,
            progress=progress_cb,
        )
    finally:
        if bar is not None:
            bar.stop()
    if args.report and result.issues.height:
        fmt = "csv" if args.report.lower().endswith(".csv") else "xlsx"
        write_output(args.report, result.report(fmt))
    summary = {k: result.summary[k] for k in ("rows", "created", "updated", "unchanged", "rejected", "flagged")}
    summary.update(
        status=result.summary["status"], warnings=result.summary["warnings"], blank_rows=result.summary["blank_rows"]
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        for key, value in summary.items():
            sys.stdout.write(f"{key:>11}: {value}\n")
        for issue in result.issues.filter(result.issues["severity"] == "error").head(20).iter_rows(named=True):
            sys.stdout.write(f"  row {issue['row']}: {issue['field']}: {issue['message_en']}\n")
    return 1 if summary["rejected"] else 0


def register(add: Callable[..., Any]) -> None:
    p = add("workers", cmd_workers, "Import a worker list (CSV or XLSX) into the registry.")
    p.add_argument("action", choices=["import"])
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    p.add_argument("--mode", choices=["all-or-nothing", "valid-only"], default="all-or-nothing")
    p.add_argument("--report", help="write the rejected rows with their reasons to this .xlsx or .csv")
    p.add_argument("--sheet", help="the sheet of an XLSX with several")
    p.add_argument("--mapping", help='JSON {"nik": "No KTP", "name": "Nama", ...} when the headers are not recognised')
    p.add_argument("--user", help="act as this user (its region scope); default: the system, national scope")
