"""``paritrana workers import FILE``: the same import as the web page, with a progress bar on a terminal.

What the command is given is checked before anything is imported, each refusal an error of the one tree (exit 2,
a message naming the argument): FILE must be a readable file, ``--mapping`` a JSON object of field names to column
headers, ``--report`` a file name in a folder that exists (the import is not run when its report could not be
written)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paritrana.core.errors import N_, InvalidInput
from paritrana.core.files import write_output
from paritrana.core.paths import readable_file

MAPPING_EXAMPLE = '{"nik": "No KTP", "name": "Nama"}'


def _actor(username: str | None) -> Any:
    from django.contrib.auth import get_user_model

    from paritrana.core.errors import NotFound
    from paritrana.core.permissions import SYSTEM

    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(N_("There is no active user {username}."), username=username)
    return user


def _source(name: str) -> Path:
    """FILE as a readable file: not missing, not a folder, not unreadable."""
    if Path(name).is_dir():
        raise InvalidInput(N_("{path} is a folder; give the worker list file (CSV or XLSX)."), field="file", path=name)
    return readable_file(name)


def _mapping(text: str | None) -> dict[str, str] | None:
    """``--mapping``: a JSON object of field names to the headers of the file."""
    if text is None:
        return None
    try:
        mapping = json.loads(text)
    except ValueError as exc:
        reason = f"{exc.msg}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise InvalidInput(N_("--mapping is not valid JSON ({reason})."), field="mapping", reason=reason) from exc
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise InvalidInput(
            N_("--mapping must be a JSON object of field names to column headers, such as {example}."),
            field="mapping",
            example=MAPPING_EXAMPLE,
        )
    return mapping


def _report_path(name: str | None) -> str | None:
    """``--report``: checked before the import, which would otherwise be done and its report lost."""
    if not name:
        return None
    path = Path(name)
    if path.is_dir():
        raise InvalidInput(N_("{path} is a folder; give a file name ending .xlsx or .csv."), field="report", path=name)
    if not path.absolute().parent.is_dir():
        raise InvalidInput(N_("There is no folder {path}."), field="report", path=str(path.absolute().parent))
    return name


def cmd_workers(args: argparse.Namespace) -> int:
    from paritrana.registry.actions import do_import_workers

    path = _source(args.file)
    mapping = _mapping(args.mapping)
    report = _report_path(args.report)
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
    if report and result.issues.height:
        fmt = "csv" if report.lower().endswith(".csv") else "xlsx"
        write_output(report, result.report(fmt))
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
    p.add_argument("--mapping", help=f"JSON {MAPPING_EXAMPLE[:-1]}, ...}} when the headers are not recognised")
    p.add_argument("--user", help="act as this user (its region scope); default: the system, national scope")
