"""``paritrana workers ...``: the registry on the command line, through the same actions as the web pages.

- ``import FILE``: a worker list, with a progress bar on a terminal;
- ``deaths FILE``: a death list (NIK, tanggal meninggal, sumber), with ``--dry-run`` and a report like the import;
- ``death``, ``move``, ``correct`` (``--new-nik`` for the NIK), ``merge``, ``status``: one worker's change, named by
  ``--nik`` or ``--id``, with ``--reason``; ``history``: the worker's changes.

What the command is given is checked before anything is written, each refusal an error of the one tree (exit 2,
a message naming the argument): FILE must be a readable file, ``--mapping`` a JSON object of field names to column
headers, ``--report`` a file name in a folder that exists (the import is not run when its report could not be
written), dates YYYY-MM-DD."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from paritrana.core.console import actor as _actor
from paritrana.core.console import emit
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.files import write_output
from paritrana.core.paths import readable_file

MAPPING_EXAMPLE = '{"nik": "No KTP", "name": "Nama"}'


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


def cmd_import(args: argparse.Namespace) -> int:
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
    # What the reader said of the whole file (a cp1252 byte, a hidden sheet, formula rows skipped): said once, first.
    on_file = result.issues.filter(result.issues["field"] == "file").unique("code", keep="first", maintain_order=True)
    notices = [
        {"severity": n["severity"], "code": n["code"], "row": n["row"], "message": n["message_en"], "value": n["value"]}
        for n in on_file.iter_rows(named=True)
    ]
    if args.format == "json":
        sys.stdout.write(json.dumps({**summary, "file": notices}, ensure_ascii=False) + "\n")
    else:
        for n in notices:  # row 1 is the header: a note there is on the whole file
            where = f"row {n['row']}: " if n["row"] > 1 else ""
            value = f" ({n['value']})" if n["value"] else ""
            sys.stdout.write(f"{n['severity']}: {where}{n['message']}{value}\n")
        for key, value in summary.items():
            sys.stdout.write(f"{key:>11}: {value}\n")
        for issue in result.issues.filter(result.issues["severity"] == "error").head(20).iter_rows(named=True):
            sys.stdout.write(f"  row {issue['row']}: {issue['field']}: {issue['message_en']}\n")
    return 1 if summary["rejected"] else 0


def _date(text: str | None, name: str) -> date:
    """A required date argument, YYYY-MM-DD."""
    if not text:
        raise InvalidInput(N_("Give --{name} as YYYY-MM-DD."), field=name, name=name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            N_("--{name} must be a date YYYY-MM-DD; got {value}."), field=name, name=name, value=text[:20]
        ) from None


def _maybe_date(text: str | None, name: str) -> date | None:
    return _date(text, name) if text else None


def _worker(actor: Any, ref: str | None, name: str = "nik") -> Any:
    """The worker named by a NIK (16 digits) or an id, inside the actor's scope."""
    from paritrana.core.errors import NotFound
    from paritrana.core.privacy import mask_nik
    from paritrana.registry.queries import get_worker, workers_for

    if not ref:
        raise InvalidInput(N_("Name the worker with --nik NIK or --id ID."), field=name)
    text = ref.strip().replace(" ", "")
    if len(text) == 16 and text.isascii() and text.isdigit():
        worker = workers_for(actor).filter(nik=text).first()
        if worker is None:
            raise NotFound(N_("No worker with NIK {nik} in your scope."), field=name, nik=mask_nik(text))
        return worker
    if text.isascii() and text.isdigit():
        return get_worker(actor, int(text))
    raise InvalidInput(
        N_("{value} is neither a NIK (16 digits) nor a worker id."), field=name, value=mask_nik(text)[:20]
    )


def _evidence(args: argparse.Namespace) -> Any:
    from paritrana.registry.lifecycle import EvidenceFile

    if getattr(args, "evidence_file", None):
        path = readable_file(args.evidence_file, field="evidence_file")
        return EvidenceFile(path.name, path.read_bytes())
    return args.evidence or None


def _shown(worker: Any) -> dict[str, Any]:
    return {
        "id": worker.pk,
        "nik": worker.masked_nik,
        "status": worker.status,
        "status_on": worker.status_on.isoformat() if worker.status_on else None,
        "died_on": worker.died_on.isoformat() if worker.died_on else None,
        "desa_code": worker.desa_code,
        "merged_into": worker.merged_into_id,
        **({"effects": worker.effects} if getattr(worker, "effects", None) else {}),
    }


def cmd_deaths(args: argparse.Namespace) -> int:
    from paritrana.registry.lifecycle import do_import_deaths

    path = _source(args.file)
    report = _report_path(args.report)
    result = do_import_deaths(
        actor=_actor(args.user),
        source=path,
        filename=path.name,
        mode=args.mode,
        dry_run=args.dry_run,
        sheet=args.sheet,
        list_source=args.source or "",
    )
    if report and result.issues.height:
        fmt = "csv" if report.lower().endswith(".csv") else "xlsx"
        write_output(report, result.report(fmt))
    summary = {k: v for k, v in result.summary.items() if k not in ("mapping", "mode", "dry_run")}
    if args.format == "json":
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        emit(args, summary)
        for issue in result.issues.filter(result.issues["severity"] == "error").head(20).iter_rows(named=True):
            sys.stdout.write(f"  row {issue['row']}: {issue['field']}: {issue['message_en']}\n")
    return 1 if summary["rejected"] else 0


def cmd_change(args: argparse.Namespace) -> int:
    """One worker's death, move, correction, NIK correction, merge or status."""
    from paritrana.registry import lifecycle

    actor = _actor(args.user)
    if args.action == "merge":
        keep, other = _worker(actor, args.keep, "keep"), _worker(actor, args.other, "other")
        result = lifecycle.do_merge_workers(
            actor=actor,
            keep=keep,
            other=other,
            reason=args.reason or "",
            on=_maybe_date(args.date, "date"),
            evidence=_evidence(args),
        )
        emit(args, result.as_dict())
        return 0
    worker = _worker(actor, args.nik or args.id, "nik" if args.nik else "id")
    if args.action == "history":
        rows = [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "on": e.happened_on.isoformat(),
                "by": e.actor_name,
                "reason": e.reason,
                "source": e.source,
                "before": e.before,
                "after": e.after,
            }
            for e in lifecycle.history(worker)
        ]
        if args.format == "json":
            sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        else:
            for row in rows:
                sys.stdout.write(f"{row['on']} {row['kind']:<15} {row['by']:<16} {row['before']} -> {row['after']}\n")
        return 0
    if args.action == "death":
        worker = lifecycle.do_record_death(
            actor=actor,
            worker=worker,
            died_on=_date(args.date, "date"),
            reason=args.reason or "",
            source=args.source or "",
            evidence=_evidence(args),
        )
    elif args.action == "move":
        if not args.desa and not args.away:
            raise InvalidInput(
                N_("Give --desa CODE, or --away for a move to a place not in the registry."), field="desa"
            )
        worker = lifecycle.do_record_move(
            actor=actor,
            worker=worker,
            desa_code="" if args.away else args.desa,
            moved_on=_date(args.date, "date"),
            reason=args.reason or "",
            source=args.source or "",
            evidence=_evidence(args),
        )
    elif args.action == "correct" and args.new_nik:
        if any(getattr(args, f) for f in ("name", "birth_date", "sex", "desa", "occupation")):
            raise InvalidInput(N_("Correct the NIK on its own: --new-nik with no other field."), field="new_nik")
        worker = lifecycle.do_correct_nik(
            actor=actor, worker=worker, nik=args.new_nik, reason=args.reason or "", evidence=_evidence(args)
        )
    elif args.action == "correct":
        changes = {
            "name": args.name,
            "birth_date": _maybe_date(args.birth_date, "birth-date"),
            "sex": args.sex,
            "desa_code": args.desa,
            "occupation": args.occupation,
        }
        worker = lifecycle.do_correct_worker(
            actor=actor,
            worker=worker,
            reason=args.reason or "",
            evidence=_evidence(args),
            **{k: v for k, v in changes.items() if v},
        )
    else:  # status
        if not args.status:
            raise InvalidInput(N_("Give --status active or --status inactive."), field="status")
        worker = lifecycle.do_set_worker_status(
            actor=actor,
            worker=worker,
            status=args.status,
            on=_date(args.date, "date"),
            reason=args.reason or "",
            evidence=_evidence(args),
        )
    emit(args, _shown(worker))
    return 0


def cmd_workers(args: argparse.Namespace) -> int:
    if args.action not in ("import", "deaths"):
        return cmd_change(args)
    if args.file is None:
        raise InvalidInput(N_("Give the file: paritrana workers {action} FILE."), field="file", action=args.action)
    return cmd_deaths(args) if args.action == "deaths" else cmd_import(args)


ACTIONS = ["import", "deaths", "death", "move", "correct", "merge", "status", "history"]


def register(add: Callable[..., Any]) -> None:
    p = add(
        "workers",
        cmd_workers,
        "The worker registry: import a list, a death list; record a death, a move, a correction, a merge, a status.",
    )
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("file", nargs="?", help="import, deaths: the CSV or XLSX file")
    p.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    p.add_argument("--mode", choices=["all-or-nothing", "valid-only"], default="all-or-nothing")
    p.add_argument("--report", help="write the rejected rows with their reasons to this .xlsx or .csv")
    p.add_argument("--sheet", help="the sheet of an XLSX with several")
    p.add_argument("--mapping", help=f"JSON {MAPPING_EXAMPLE[:-1]}, ...}} when the headers are not recognised")
    p.add_argument("--user", help="act as this user (its region scope); default: the system, national scope")
    change = p.add_argument_group("one worker's change (death, move, correct, status, history)")
    change.add_argument("--nik", help="the worker's NIK (16 digits)")
    change.add_argument("--id", help="the worker's id (instead of --nik)")
    change.add_argument("--date", help="death: the date of death; move: of the move; status: from when (YYYY-MM-DD)")
    change.add_argument("--reason", help="why (required for a correction, a merge, a NIK correction)")
    change.add_argument("--source", help="death, deaths: where it was learnt (Dukcapil, the desa's list...)")
    change.add_argument("--evidence", help="a reference to the document (a certificate number, a letter)")
    change.add_argument("--evidence-file", help="the document itself: a PDF, PNG or JPEG")
    change.add_argument("--desa", help="move: the new desa's code; correct: the right desa")
    change.add_argument("--away", action="store_true", help="move: to a place the registry does not hold")
    change.add_argument("--name", help="correct: the right name")
    change.add_argument("--birth-date", help="correct: the right birth date (YYYY-MM-DD)")
    change.add_argument("--sex", choices=["L", "P"], help="correct: the right sex")
    change.add_argument("--occupation", help="correct: the right occupation (petani_pekebun, nelayan, ...)")
    change.add_argument("--new-nik", help="correct: the right NIK (roles that may see full NIKs)")
    change.add_argument("--status", choices=["active", "inactive"], help="status: the new status")
    change.add_argument("--keep", help="merge: the record kept (NIK or id)")
    change.add_argument("--other", help="merge: the record merged into it (NIK or id)")
