"""``paritrana sponsors|programs|enroll|billing|payments|monev|plan``: sponsorship on the command line, over the
same actions and queries as the pages and the API. ``--user`` acts as that user (its region scope)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from paritrana.core.dates import today
from paritrana.core.files import write_output
from paritrana.core.paths import readable_file


def _month(value: str) -> date:
    try:
        return date.fromisoformat(value + "-01" if len(value) == 7 else value).replace(day=1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {value!r}") from None


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _emit(args: argparse.Namespace, rows: Any, columns: list[str] | None = None, title: str = "") -> None:
    from paritrana.core.console import emit

    emit(args, rows, columns, title)


def _actor(args: argparse.Namespace) -> Any:
    from paritrana.core.console import actor

    return actor(args.user)


def cmd_sponsors(args: argparse.Namespace) -> None:
    from paritrana.sponsorship import actions, queries

    actor = _actor(args)
    if args.action == "create":
        sponsor = actions.do_create_sponsor(
            actor=actor, name=args.name, kind=args.kind, region_code=args.region, opd=args.opd or ""
        )
        _emit(args, {"id": sponsor.pk, "name": sponsor.name, "kind": sponsor.kind, "region_code": sponsor.region_code})
        return
    rows = list(queries.sponsors_for(actor).values("id", "name", "kind", "region_code", "opd"))
    _emit(args, rows, ["id", "name", "kind", "region_code", "opd"], "Sponsors")


PROGRAM_COLUMNS = ["id", "name", "fiscal_year", "status", "pagu", "committed", "target_workers", "sponsor__name"]


def cmd_programs(args: argparse.Namespace) -> None:
    from paritrana.sponsorship import actions, queries

    actor = _actor(args)
    if args.action == "list":
        programs = queries.programs_for(actor)
        if args.year:
            programs = programs.filter(fiscal_year=args.year)
        rows = [
            {**r, "pagu": int(r["pagu"]), "committed": int(r["committed"])} for r in programs.values(*PROGRAM_COLUMNS)
        ]
        _emit(args, rows, PROGRAM_COLUMNS, "Programs")
        return
    if args.action == "create":
        sponsor = queries.get_sponsor(actor, args.sponsor, "sponsorship.manage")
        values: dict[str, Any] = {
            "name": args.name,
            "fiscal_year": args.year,
            "pagu": args.pagu,
            "package": args.package,
            "months": args.months,
            "first_month": args.first_month,
            "target_workers": args.target,
            "min_workers_per_desa": args.min_per_desa,
        }
        if args.income:
            values["declared_income"] = args.income
        program = actions.do_create_program(actor=actor, sponsor=sponsor, **values)
    else:
        program = queries.get_program(actor, args.program)
        if args.action == "renew":
            program = actions.do_renew_program(actor=actor, program=program, pagu=args.pagu, fiscal_year=args.year)
        else:
            program = actions.do_advance_program(actor=actor, program=program, to=args.action)
    _emit(
        args,
        {
            "id": program.pk,
            "name": program.name,
            "fiscal_year": program.fiscal_year,
            "status": program.status,
            "pagu": int(program.pagu),
        },
    )


def cmd_enroll(args: argparse.Namespace) -> int:
    from paritrana.sponsorship import actions, queries

    actor = _actor(args)
    program = queries.get_program(actor, args.program, "sponsorship.manage")
    if args.file:
        workers = queries.workers_in_list(actor, readable_file(args.file), Path(args.file).name)
    else:
        ids = [int(i) for i in args.workers.split(",")] if args.workers else []
        workers = queries.enrollment_candidates(actor, program, ids, args.filter, args.desa or "", args.carry_over)
    result = actions.do_enroll(
        actor=actor, program=program, workers=workers, first_month=args.first, last_month=args.last, mode=args.mode
    )
    _emit(args, result.as_dict())
    return 1 if result.refused else 0


def cmd_billing(args: argparse.Namespace) -> None:
    from paritrana.sponsorship import actions

    result = actions.do_run_billing(actor=_actor(args), month=args.month)
    _emit(args, result.as_dict())


def cmd_payments(args: argparse.Namespace) -> int:
    from paritrana.sponsorship import actions

    path = readable_file(args.file)
    result = actions.do_import_payments(actor=_actor(args), source=path, filename=path.name, kind=args.source)
    _emit(args, result.as_dict())
    return 1 if result.errors else 0


def cmd_claims(args: argparse.Namespace) -> int:
    from paritrana.sponsorship import actions

    path = readable_file(args.file)
    result = actions.do_import_claims(actor=_actor(args), source=path, filename=path.name)
    _emit(args, result.as_dict())
    return 1 if result.errors else 0


def cmd_monev(args: argparse.Namespace) -> None:
    from paritrana.sponsorship import queries

    report = queries.monev(
        _actor(args),
        fiscal_year=args.year,
        sponsor=args.sponsor,
        program=args.program,
        opd=args.opd or "",
        region=args.region or "",
    )
    if args.format in ("xlsx", "pdf"):
        from paritrana.sponsorship import reports

        title = "Monev anggaran perlindungan pekerja rentan"
        data = (
            reports.monev_xlsx(report, title=title) if args.format == "xlsx" else reports.monev_pdf(report, title=title)
        )
        out = Path(args.output or f"monev.{args.format}")
        write_output(out, data)
        sys.stderr.write(f"{out} ({len(data):,} bytes)\n")
        return
    if args.format == "json":
        _emit(args, report.as_dict())
        return
    rows = [
        {
            "program": r.program,
            "pagu": int(r.pagu),
            "committed": int(r.committed),
            "paid": int(r.paid),
            "serapan %": f"{r.absorption_pct:.1f}",
            "workers": f"{r.workers}/{r.target_workers}",
            "lapsed": r.lapsed_workers,
            "desa < min": len(r.villages_below_minimum),
        }
        for r in report.rows
    ]
    _emit(args, rows, None, f"Monev {report.fiscal_year} ({report.on})")


def cmd_plan(args: argparse.Namespace) -> None:
    from paritrana.sponsorship.queries import plan

    answer, allocation = plan(
        _actor(args),
        budget=args.budget,
        months=args.months,
        on=args.date,
        package=args.package,
        income=args.income,
        region=args.region or "",
        minimum=args.minimum,
        funder=args.funder,
    )
    out = answer.as_dict()
    if allocation is not None:
        out["allocation"] = allocation.as_dict()
    _emit(args, out)


def cmd_bpjs(args: argparse.Namespace) -> int:
    """``bpjs reconcile FILE``: the branch's participation list against the registry; ``bpjs export``: a bill or a
    program in the collective-registration layout; ``bpjs differences`` and ``bpjs resolve``: the follow-ups."""
    from paritrana.core.errors import N_, InvalidInput
    from paritrana.sponsorship import bpjs, queries

    actor = _actor(args)
    if args.action == "reconcile":
        if not args.file:
            raise InvalidInput(N_("Give the participation list: paritrana bpjs reconcile FILE."), field="file")
        path = readable_file(args.file)
        result = bpjs.do_reconcile_participation(
            actor=actor, source=path, filename=path.name, on=args.on, dry_run=args.dry_run
        )
        _emit(args, result.as_dict())
        return 0
    if args.action == "export":
        if bool(args.bill) == bool(args.program) or not args.out:
            raise InvalidInput(
                N_("Give --bill N or --program N, and --out FILE (.xlsx or .csv)."),
                field="out" if not args.out else "bill",
            )
        fmt = "csv" if args.out.lower().endswith(".csv") else "xlsx"
        if args.bill:
            export = bpjs.do_export_bill(actor=actor, bill=queries.get_bill(actor, args.bill), fmt=fmt)
        else:
            export = bpjs.do_export_program(actor=actor, program=queries.get_program(actor, args.program), fmt=fmt)
        write_output(args.out, export.body)
        _emit(args, {"file": args.out, "format": fmt, "rows": export.rows, "full_niks": export.full_niks})
        return 0
    if args.action == "differences":
        if not args.run:
            raise InvalidInput(N_("Give the reconcile: --run N."), field="run")
        run = queries.get_reconcile_run(actor, args.run)
        rows = [
            {
                "id": d.pk,
                "row": d.row,
                "kind": d.kind,
                "nik": d.masked_nik,
                "kpj": d.kpj,
                "worker_id": d.worker_id,
                "enrollment_id": d.enrollment_id,
                "bpjs_status": d.bpjs_status,
                "paid_until": d.paid_until,
                "died_on": d.died_on,
                "paid_here": d.paid_here,
                "resolution": d.resolution,
            }
            for d in queries.differences_for(actor, run, kind=args.kind or "", open_only=args.open)[: args.limit]
        ]
        _emit(args, rows, ["id", "row", "kind", "nik", "kpj", "worker_id", "bpjs_status", "resolution"], run.filename)
        return 0
    if not args.difference or not args.follow_up:
        raise InvalidInput(N_("Give --difference ID and --do record_death|end_enrollment|review."), field="difference")
    difference = bpjs.do_follow_up(
        actor=actor,
        difference=queries.get_difference(actor, args.difference),
        action=args.follow_up,
        note=args.note or "",
        died_on=args.died_on,
        last_month=args.last_month,
    )
    _emit(args, {"id": difference.pk, "kind": difference.kind, "resolution": difference.resolution})
    return 0


def register(add: Callable[..., Any]) -> None:
    def user(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--user", help="act as this user (its region scope); default: the system, national scope")
        return p

    p = user(add("sponsors", cmd_sponsors, "List or create sponsors (APBD, APBDes, CSR, donor, mandiri)."))
    p.add_argument("action", nargs="?", choices=["list", "create"], default="list")
    p.add_argument("--name")
    p.add_argument("--kind", help="apbd_provinsi, apbd_kabkota, apbdes, csr, donor, mandiri")
    p.add_argument("--region", help="the sponsor's region code")
    p.add_argument("--opd", help="the paying agency of an APBD")

    p = user(add("programs", cmd_programs, "List, create, approve, activate, close or renew programs."))
    p.add_argument(
        "action", nargs="?", choices=["list", "create", "approved", "active", "closed", "renew"], default="list"
    )
    p.add_argument("--program", type=int, help="the program (for approved/active/closed/renew)")
    p.add_argument("--sponsor", type=int, help="the sponsor (for create)")
    p.add_argument("--name")
    p.add_argument("--year", type=int, help="fiscal year")
    p.add_argument("--pagu", help="budget ceiling, whole rupiah")
    p.add_argument("--package", default="jkk,jkm", choices=["jkk,jkm", "jkk,jkm,jht"])
    p.add_argument("--income", help="declared monthly income (default 1,000,000)")
    p.add_argument("--first-month", type=int, default=1)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--target", type=int, default=0, help="target number of workers")
    p.add_argument("--min-per-desa", type=int, default=0, help="minimum workers per desa (monev flags fewer)")

    p = user(add("enroll", cmd_enroll, "Enroll workers into a program (ids, a NIK list, by eligibility, carry-over)."))
    p.add_argument("--program", type=int, required=True)
    p.add_argument("--workers", help="comma-separated worker ids")
    p.add_argument("--file", help="a CSV/XLSX with a NIK column")
    p.add_argument("--filter", action="store_true", help="every eligible worker of the program's area")
    p.add_argument("--desa", help="with --filter: only this region")
    p.add_argument("--carry-over", action="store_true", help="the workers of the program this one renews")
    p.add_argument("--first", type=_month, help="first month, YYYY-MM")
    p.add_argument("--last", type=_month, help="last month, YYYY-MM")
    p.add_argument("--mode", choices=["all-or-nothing", "valid-only"], default="all-or-nothing")

    p = user(add("billing", cmd_billing, "Bill a month for every active program (idempotent)."))
    p.add_argument("action", choices=["run"])
    p.add_argument("--month", type=_month, required=True, help="YYYY-MM")

    p = user(add("payments", cmd_payments, "Import a payment file (bill number, reference, date, amount)."))
    p.add_argument("action", choices=["import"])
    p.add_argument("file")
    p.add_argument("--source", default="bpjs_receipt", choices=["bpjs_receipt", "bank_statement", "manual"])

    p = user(
        add("monev", cmd_monev, "Budget monev per program, sponsor, OPD or region.", ("table", "json", "xlsx", "pdf"))
    )
    p.add_argument("--year", type=int, help="fiscal year (default: the program's year with --program, else this year)")
    p.add_argument("--sponsor", type=int)
    p.add_argument("--program", type=int)
    p.add_argument("--opd")
    p.add_argument("--region")
    p.add_argument("--output", help="file for xlsx/pdf (default monev.xlsx / monev.pdf)")

    p = user(add("plan", cmd_plan, "How many workers a budget covers; with --region, its allocation across desa."))
    p.add_argument("--region", help="allocate across the desa of this region (registered workers enrolled nowhere)")
    p.add_argument("--minimum", type=int, default=0, help="with --region: minimum workers per funded desa")
    p.add_argument("--budget", required=True, help="whole rupiah")
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--package", default="jkk,jkm")
    p.add_argument("--income", default="1000000")
    p.add_argument("--funder", default="apbd", help="who pays: apbd, apbdes, apbn, csr, mandiri, other")
    p.add_argument(
        "--date", type=_month, default=today().replace(day=1), help="the month whose rules price it (YYYY-MM)"
    )

    p = user(
        add(
            "bpjs",
            cmd_bpjs,
            "Exchange with the BPJS branch: reconcile its participation list, export a bill or a program in the "
            "collective-registration layout, list and follow up the differences.",
        )
    )
    p.add_argument("action", choices=["reconcile", "export", "differences", "resolve"])
    p.add_argument("file", nargs="?", help="reconcile: the participation list (CSV/XLSX)")
    p.add_argument("--on", type=_iso_date, help="reconcile: the day the list reflects (YYYY-MM-DD; default today)")
    p.add_argument("--dry-run", action="store_true", help="reconcile: count the differences, write nothing")
    p.add_argument("--bill", type=int, help="export: the bill")
    p.add_argument("--program", type=int, help="export: the program (its enrolled workers)")
    p.add_argument("--out", help="export: the file to write (.xlsx or .csv)")
    p.add_argument("--run", type=int, help="differences: the reconcile")
    p.add_argument("--kind", choices=["not_registered", "inactive_there", "dead_there", "paid_behind"])
    p.add_argument("--open", action="store_true", help="differences: only those not followed up")
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--difference", type=int, help="resolve: the difference")
    p.add_argument(
        "--do", dest="follow_up", choices=["record_death", "end_enrollment", "review"], help="resolve: the follow-up"
    )
    p.add_argument("--note", help="resolve: what was checked (required for review)")
    p.add_argument("--died-on", type=_iso_date, help="resolve record_death: the date, when BPJS's list has none")
    p.add_argument("--last-month", type=_month, help="resolve end_enrollment: the last month covered (YYYY-MM)")
