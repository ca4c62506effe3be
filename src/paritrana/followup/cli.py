"""``paritrana sessions|heirs``: asistensi and monev sessions, their minutes and open follow-ups, and the heirs'
scholarship schedules on the command line, over the same queries as the pages and the API. ``--user`` acts as that
user (its region scope); files (xlsx, pdf) go to ``--output`` or a default name in the current folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paritrana.core.errors import N_, BadRequest
from paritrana.core.files import write_output
from paritrana.core.permissions import region_q


def _emit(args: argparse.Namespace, rows: Any, columns: list[str] | None = None, title: str = "") -> None:
    from paritrana.core.console import emit

    emit(args, rows, columns, title)


def _actor(args: argparse.Namespace) -> Any:
    from paritrana.core.console import actor

    return actor(args.user)


def _write(args: argparse.Namespace, data: bytes, default: str) -> None:
    out = Path(args.output or default)
    write_output(out, data)
    sys.stderr.write(f"{out} ({len(data):,} bytes)\n")


def _refuse(args: argparse.Namespace, allowed: str) -> None:
    raise BadRequest(
        N_("paritrana {command} {action} gives {allowed}, not --format {value}."),
        field="format",
        command=args.command,
        action=args.action,
        allowed=allowed,
        value=args.format,
    )


def _need(value: Any, option: str) -> Any:
    if value is None:
        raise BadRequest(N_("Give {option}."), field=option.lstrip("-"), option=option)
    return value


SESSION_COLUMNS = ["id", "kind", "held_on", "region_code", "fiscal_year", "place", "bpjs_office", "findings", "open"]


def cmd_sessions(args: argparse.Namespace) -> None:
    from django.db.models import Count, Q

    from paritrana.followup import queries, reports

    actor = _actor(args)
    if args.action == "list":
        sessions = queries.sessions_for(actor)
        if args.region:
            sessions = sessions.filter(region_q("region_code", args.region))
        if args.year:
            sessions = sessions.filter(fiscal_year=args.year)
        counted = sessions.annotate(
            n_findings=Count("findings"),
            n_open=Count("findings", filter=Q(findings__status__in=("open", "in_progress"))),
        )
        rows = [
            {
                "id": s.pk,
                "kind": s.kind,
                "held_on": s.held_on.isoformat(),
                "region_code": s.region_code,
                "fiscal_year": s.fiscal_year,
                "place": s.place,
                "bpjs_office": s.bpjs_office,
                "findings": s.n_findings,
                "open": s.n_open,
            }
            for s in counted
        ]
        if args.format in ("pdf", "xlsx"):
            _refuse(args, "table or json")
        _emit(args, rows, SESSION_COLUMNS, "Sesi asistensi dan monev")
        return
    if args.action == "followups":
        from paritrana.followup.api import _open_followups_response

        if args.format == "xlsx":
            response = _open_followups_response(actor, args.region or "")
            _write(args, response.content, "tindak-lanjut.xlsx")
            return
        if args.format == "pdf":
            _refuse(args, "table, json or xlsx")
        rows = [
            {
                "id": f.pk,
                "region_code": f.session.region_code,
                "session": f.session_id,
                "owner": f.owner,
                "due_date": f.due_date.isoformat(),
                "status": f.status,
                "days_overdue": f.days_overdue(),
                "text": f.text,
            }
            for f in queries.open_followups(actor, region=args.region or "")
        ]
        _emit(args, rows, None, "Tindak lanjut terbuka")
        return
    if args.action == "indicators":
        rows = queries.award_indicators(actor, year=_need(args.year, "--year"), level=args.level)
        if args.criterion:
            criteria = dict(c.split("=", 1) for c in args.criterion if "=" in c)
            rows = queries.indicator_sheet_rows(rows, criteria)
        if args.format in ("csv", "xlsx"):
            from paritrana.followup.reports import indicators_file

            _write(args, indicators_file(rows, args.format), f"indikator-tindak-lanjut.{args.format}")
            return
        if args.format == "pdf":
            _refuse(args, "table, json, csv or xlsx")
        _emit(args, rows, None, f"Indikator {args.year}")
        return
    session = queries.get_session(actor, _need(args.session, "--session"))
    data = queries.minutes(session)
    if args.action == "show":
        if args.format in ("pdf", "xlsx"):
            _refuse(args, "table or json")
        _emit(args, data)
        return
    # minutes
    if args.format == "pdf":
        _write(args, reports.minutes_pdf(data), f"berita-acara-{session.pk}.pdf")
    elif args.format == "xlsx":
        _write(args, reports.minutes_xlsx(data), f"berita-acara-{session.pk}.xlsx")
    elif args.format == "json":
        _emit(args, data)
    else:
        _refuse(args, "json, xlsx or pdf")


HEIR_FIELDS = ("name", "relation", "birth_date", "nik", "school_level", "grade")


def _heir_rows(texts: list[str] | None) -> list[dict[str, str]]:
    """``--heir "NAME;RELATION;YYYY-MM-DD[;NIK[;SCHOOL_LEVEL[;GRADE]]]"`` per heir, as rows for the action."""
    rows = []
    for text in texts or []:
        parts = [p.strip() for p in text.split(";")]
        rows.append({k: v for k, v in zip(HEIR_FIELDS, parts, strict=False) if v})
    return rows


def _record_claim(args: argparse.Namespace, actor: Any) -> None:
    """``heirs record``: a claim and its heirs in one transaction (``do_record_claim_with_heirs``), as the Klaim page
    and ``POST /api/v1/claims/with-heirs`` record it."""
    from paritrana.followup import actions, queries

    worker = queries.claim_worker(actor, text=_need(args.nik, "--nik"))
    claim = actions.do_record_claim_with_heirs(
        actor=actor,
        worker=worker,
        kind=_need(args.kind, "--kind"),
        event_date=_need(args.event_date, "--event-date"),
        amount_paid=_need(args.amount, "--amount"),
        paid_on=args.paid_on,
        contribution_years=args.contribution_years,
        heirs=_heir_rows(args.heir),
    )
    heirs = list(queries.heirs_of(claim))
    _emit(
        args,
        {
            "claim_id": claim.pk,
            "kind": claim.kind,
            "flags": ", ".join(claim.flags),
            "heirs": len(heirs),
            "scholarship_children": claim.scholarship_children.count(),
        },
        None,
        f"Klaim {claim.pk}",
    )


def cmd_heirs(args: argparse.Namespace) -> None:
    from paritrana.followup import queries, reports

    actor = _actor(args)
    if args.action == "record":
        _record_claim(args, actor)
        return
    if args.action == "missing":
        rows = [
            {
                "child_id": c.child.pk,
                "claim_id": c.child.claim_id,
                "desa_code": c.child.claim.desa_code,
                "name": c.child.heir.name,
                "missing": ", ".join(r.year.school_year for r in c.missing),
                "late": ", ".join(r.year.school_year for r in c.late),
            }
            for c in queries.flagged_children(actor)
        ]
        _emit(args, rows, ["child_id", "claim_id", "desa_code", "name", "missing", "late"], "Beasiswa terlewat")
        return
    claim = queries.get_claim(actor, _need(args.claim, "--claim"))
    children = [queries.child_years(c) for c in claim.scholarship_children.select_related("heir", "claim")]
    if args.format == "xlsx":
        _write(
            args,
            reports.schedule_xlsx(children, title=f"Jadwal beasiswa klaim {claim.pk}"),
            f"beasiswa-{claim.pk}.xlsx",
        )
        return
    if args.format == "json":
        _emit(args, [c.as_dict() for c in children])
        return
    rows = [
        {
            "child": c.child.heir.name,
            "school_year": r.year.school_year,
            "level": r.year.level,
            "amount": int(r.year.amount),
            "due": r.year.due.isoformat(),
            "disbursed_on": r.record.disbursed_on.isoformat() if r.record else "",
            "state": r.state,
        }
        for c in children
        for r in c.rows
    ]
    _emit(args, rows, None, f"Jadwal beasiswa klaim {claim.pk}")


def register(add: Callable[..., Any]) -> None:
    def user(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--user", help="act as this user (its region scope); default: the system, national scope")
        p.add_argument("--output", "-o", help="the file for xlsx/pdf/csv (default: a name in the current folder)")
        return p

    p = user(
        add(
            "sessions",
            cmd_sessions,
            "Asistensi and monev sessions: list, show, minutes (berita acara), open follow-ups, award indicators.",
            ("table", "json", "xlsx", "pdf", "csv"),
        )
    )
    p.add_argument("action", nargs="?", choices=["list", "show", "minutes", "followups", "indicators"], default="list")
    p.add_argument("--session", type=int, help="the session (show, minutes)")
    p.add_argument("--region", help="only this region and below (list, followups)")
    p.add_argument("--year", type=int, help="fiscal year (list) or calendar year (indicators)")
    p.add_argument("--level", type=int, choices=[1, 2], default=2, help="indicators per province (1) or kab/kota (2)")
    p.add_argument(
        "--criterion",
        action="append",
        help="indicators: NAME=KEY writes the award import format with the framework's criterion KEY "
        "(names: sessions_held, followups_completed_pct, heirs_supported_pct); repeatable",
    )

    p = user(
        add(
            "heirs",
            cmd_heirs,
            "Heirs of death claims: a claim's scholarship schedule, the children with missing or late years, or "
            "record a claim with its heirs.",
            ("table", "json", "xlsx"),
        )
    )
    p.add_argument("action", choices=["schedule", "missing", "record"])
    p.add_argument("--claim", type=int, help="the JKM or JKK death claim (schedule)")
    p.add_argument("--nik", help="record: the worker's NIK (16 digits)")
    p.add_argument("--kind", help="record: jkk, jkk-death, jkm, jht or beasiswa")
    p.add_argument("--event-date", help="record: the event (the death), YYYY-MM-DD")
    p.add_argument("--amount", help="record: the amount paid, whole rupiah")
    p.add_argument("--paid-on", help="record: the day it was paid, YYYY-MM-DD")
    p.add_argument("--contribution-years", help="record: the worker's years of contributions (JKM scholarship)")
    p.add_argument(
        "--heir",
        action="append",
        help='record: "NAME;RELATION;YYYY-MM-DD[;NIK[;SCHOOL_LEVEL[;GRADE]]]" per heir (relation: spouse, child, '
        "parent, sibling, other; school level: tk, sd, smp, sma, pt or age); repeatable; any error writes nothing",
    )
