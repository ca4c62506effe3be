"""Sponsorship API: sponsors, programs (status flow), enrollment, billing runs, bills, payments, claims, monev and
the budget planner. Every endpoint calls the same actions and queries as the pages and the command line. Why one
module of this size: one thin adapter per endpoint of the app, no rule lives here."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate

from paritrana.core.errors import InvalidRows
from paritrana.core.jobs import JobOut
from paritrana.core.pagination import Page
from paritrana.core.permissions import require
from paritrana.core.sheets import check_size
from paritrana.registry import queries as registry_queries
from paritrana.sponsorship import actions, planner, queries
from paritrana.sponsorship.jobs import do_queue_billing, do_queue_reconcile
from paritrana.sponsorship.models import Bill, Claim, Payment, Program, Sponsor

router = Router(tags=["sponsorship"])

Amount = int | str


class SponsorIn(Schema):
    name: str = Field(max_length=200)
    kind: str = Field(description="apbd_provinsi, apbd_kabkota, apbdes, csr, donor or mandiri")
    region_code: str = Field(max_length=20)
    opd: str = Field("", max_length=200, description="the paying agency (OPD) of an APBD")


class SponsorOut(Schema):
    id: int
    name: str
    kind: str
    region_code: str
    opd: str


class ProgramIn(Schema):
    sponsor_id: int
    name: str = Field(max_length=200)
    fiscal_year: int
    pagu: Amount
    package: str = Field("jkk,jkm", description="jkk,jkm or jkk,jkm,jht")
    declared_income: Amount = 1_000_000
    first_month: int = 1
    months: int = 12
    target_workers: int = 0
    region_code: str = Field("", description="eligible area inside the sponsor's region (blank: all of it)")
    occupations: list[str] = Field(default_factory=list)
    max_poverty_decile: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_workers_per_desa: int = 0
    grace_days: int = 0


class ProgramPatch(Schema):
    name: str | None = None
    pagu: Amount | None = None
    target_workers: int | None = None
    min_workers_per_desa: int | None = None
    grace_days: int | None = None


class ProgramOut(Schema):
    id: int
    sponsor_id: int
    name: str
    fiscal_year: int
    pagu: int
    committed: int
    package: str
    declared_income: int
    first_month: int
    months: int
    target_workers: int
    region_code: str
    occupations: list[str]
    max_poverty_decile: int | None
    min_age: int | None
    max_age: int | None
    min_workers_per_desa: int
    grace_days: int
    status: str
    approved_at: datetime | None
    renewed_from_id: int | None


class StatusIn(Schema):
    to: str = Field(description="approved, active or closed (one step at a time)")


class RenewIn(Schema):
    pagu: Amount
    fiscal_year: int | None = None


class EnrollIn(Schema):
    worker_ids: list[int] = Field(default_factory=list, max_length=200_000)
    filter_desa: str = Field("", description="enroll every eligible worker of this region (with filter=true)")
    filter: bool = Field(False, description="enroll by the program's eligibility instead of worker_ids")
    carry_over: bool = Field(False, description="enroll the workers of the program this one renews")
    first_month: date | None = None
    last_month: date | None = None
    mode: str = Field("all-or-nothing", description="all-or-nothing or valid-only")


class BillingIn(Schema):
    month: date
    program_ids: list[int] | None = None
    background: bool = False


class BillOut(Schema):
    id: int
    number: str
    program_id: int
    month: date
    due_date: date
    workers: int
    amount: int
    paid: int
    paid_on: date | None
    status: str


class PaymentIn(Schema):
    bill_number: str = Field(max_length=64)
    reference: str = Field(max_length=64)
    paid_on: date
    amount: Amount
    source: str = Field("manual", description="bpjs_receipt, bank_statement or manual")


class PaymentOut(Schema):
    id: int
    bill_id: int | None
    bill_number: str
    reference: str
    paid_on: date
    amount: int
    source: str


class ClaimIn(Schema):
    worker_id: int
    kind: str = Field(description="jkk, jkk-death, jkm, jht or beasiswa")
    event_date: date
    amount_paid: Amount
    paid_on: date | None = None
    heirs: str = Field("", max_length=2000)


class ClaimOut(Schema):
    id: int
    worker_id: int
    program_id: int | None
    kind: str
    event_date: date
    amount_paid: int
    expected: int | None
    flags: list[str]


class MonevFilter(Schema):
    fiscal_year: int | None = Field(
        None,
        ge=2000,
        le=2100,
        description="the fiscal year; by default the program's year when `program` is given, else the current one "
        "(the calendar year of today in WIB). A monev covers one fiscal year: two are never added up.",
    )
    sponsor: int | None = None
    program: int | None = None
    opd: str = Field("", max_length=200)
    region: str = Field("", max_length=20)


class PlanIn(Schema):
    budget: Amount
    months: int = Field(12, ge=1, le=12)
    date: date
    package: str = "jkk,jkm"
    income: Amount = 1_000_000
    funder: str = Field("apbd", description="who pays: apbd, apbdes, apbn, csr, mandiri, other (decides discounts)")
    workers: int | None = Field(None, ge=1, description="also price this many workers")
    region: str = Field("", max_length=20, description="also allocate the budget across the desa of this region")
    minimum: int = Field(0, ge=0, description="with region: minimum workers per funded desa")


class EndIn(Schema):
    last_month: date = Field(description="the last month covered (any day of it)")


# Sponsors -------------------------------------------------------------------------------------------------------


@router.get("/sponsors", response=list[SponsorOut], summary="Sponsors inside your scope")
@paginate(Page)
def list_sponsors(request: HttpRequest):
    return queries.sponsors_for(request.user)


@router.post("/sponsors", response={201: SponsorOut}, summary="Create a sponsor")
def post_sponsor(request: HttpRequest, payload: SponsorIn) -> tuple[int, Sponsor]:
    return 201, actions.do_create_sponsor(actor=request.user, **payload.dict())


# Programs -------------------------------------------------------------------------------------------------------


@router.get("/programs", response=list[ProgramOut], summary="Programs inside your scope")
@paginate(Page)
def list_programs(request: HttpRequest, fiscal_year: int | None = None, status: str = ""):
    programs = queries.programs_for(request.user)
    if fiscal_year:
        programs = programs.filter(fiscal_year=fiscal_year)
    if status:
        programs = programs.filter(status=status)
    return programs


@router.post("/programs", response={201: ProgramOut}, summary="Create a program (draft)")
def post_program(request: HttpRequest, payload: ProgramIn) -> tuple[int, Program]:
    data = payload.dict()
    sponsor = queries.get_sponsor(request.user, data.pop("sponsor_id"), "sponsorship.manage")
    return 201, actions.do_create_program(actor=request.user, sponsor=sponsor, **data)


@router.get("/programs/{program_id}", response=ProgramOut, summary="One program")
def get_program(request: HttpRequest, program_id: int) -> Program:
    return queries.get_program(request.user, program_id)


@router.patch("/programs/{program_id}", response=ProgramOut, summary="Change a program's pagu, targets or grace")
def patch_program(request: HttpRequest, program_id: int, payload: ProgramPatch) -> Program:
    program = queries.get_program(request.user, program_id, "sponsorship.manage")
    return actions.do_update_program(actor=request.user, program=program, **payload.dict(exclude_none=True))


@router.post("/programs/{program_id}/status", response=ProgramOut, summary="draft -> approved -> active -> closed")
def post_status(request: HttpRequest, program_id: int, payload: StatusIn) -> Program:
    program = queries.get_program(request.user, program_id)
    return actions.do_advance_program(actor=request.user, program=program, to=payload.to)


@router.post("/programs/{program_id}/renew", response={201: ProgramOut}, summary="Renew into the next fiscal year")
def post_renew(request: HttpRequest, program_id: int, payload: RenewIn) -> tuple[int, Program]:
    program = queries.get_program(request.user, program_id, "sponsorship.manage")
    return 201, actions.do_renew_program(
        actor=request.user, program=program, pagu=payload.pagu, fiscal_year=payload.fiscal_year
    )


@router.post("/programs/{program_id}/enrollments", summary="Enroll workers (by id, by eligibility, or carry-over)")
def post_enrollments(request: HttpRequest, program_id: int, payload: EnrollIn) -> dict[str, Any]:
    program = queries.get_program(request.user, program_id, "sponsorship.manage")
    workers = queries.enrollment_candidates(
        request.user, program, payload.worker_ids, payload.filter, payload.filter_desa, payload.carry_over
    )
    result = actions.do_enroll(
        actor=request.user,
        program=program,
        workers=workers,
        first_month=payload.first_month,
        last_month=payload.last_month,
        mode=payload.mode,
    )
    return result.as_dict()


@router.post("/enrollments/{enrollment_id}/end", summary="End an enrollment early; unbilled months return to the pagu")
def post_end(request: HttpRequest, enrollment_id: int, payload: EndIn) -> dict[str, Any]:
    enrollment = actions.do_end_enrollment(
        actor=request.user,
        enrollment=queries.get_enrollment(request.user, enrollment_id),
        last_month=payload.last_month,
    )
    return {
        "id": enrollment.pk,
        "last_month": enrollment.last_month,
        "cost": int(enrollment.cost),
        "status": enrollment.status,
    }


# Billing and payments -------------------------------------------------------------------------------------------


@router.post(
    "/billing/runs",
    response={200: dict[str, Any], 202: JobOut},
    summary="Bill a month for the active programs in your scope (idempotent); background=true queues it as a job",
)
def post_billing(request: HttpRequest, payload: BillingIn) -> Any:
    """With ``background`` the run is a job (202): follow it at ``/jobs/{id}``; a national run takes minutes."""
    programs = None
    if payload.program_ids is not None:
        programs = [queries.get_program(request.user, pk, "sponsorship.manage") for pk in payload.program_ids]
    if payload.background:
        return 202, do_queue_billing(actor=request.user, month=payload.month, programs=programs)
    return actions.do_run_billing(actor=request.user, month=payload.month, programs=programs).as_dict()


@router.get("/bills", response=list[BillOut], summary="Bills inside your scope")
@paginate(Page)
def list_bills(request: HttpRequest, program: int | None = None, status: str = ""):
    bills = queries.bills_for(request.user)
    if program:
        bills = bills.filter(program_id=program)
    if status:
        bills = bills.filter(status=status)
    return bills


@router.post("/bills/{bill_id}/submit", response=BillOut, summary="paid -> awaiting reconciliation")
def post_submit(request: HttpRequest, bill_id: int) -> Bill:
    return actions.do_submit_bill(actor=request.user, bill=queries.get_bill(request.user, bill_id))


@router.post("/bills/{bill_id}/reconcile", response=BillOut, summary="awaiting reconciliation -> reconciled")
def post_reconcile(request: HttpRequest, bill_id: int) -> Bill:
    return actions.do_reconcile_bill(actor=request.user, bill=queries.get_bill(request.user, bill_id))


@router.get("/payments", response=list[PaymentOut], summary="Payments inside your scope (unmatched ones too)")
@paginate(Page)
def list_payments(request: HttpRequest, unmatched: bool = False):
    payments = queries.payments_for(request.user)
    return payments.filter(bill__isnull=True) if unmatched else payments


@router.post("/payments", response={201: PaymentOut}, summary="Record a payment")
def post_payment(request: HttpRequest, payload: PaymentIn) -> tuple[int, Payment]:
    return 201, actions.do_record_payment(actor=request.user, **payload.dict())


def _rows_refused(result: dict[str, Any]) -> dict[str, Any]:
    """A file with rows in error wrote nothing: 422 ``invalid_rows``, in the API's one error shape, rows named."""
    if result["errors"]:
        raise InvalidRows(count=len(result["errors"]), **result)
    return result


@router.post(
    "/payments/import",
    summary="Import a payment file (CSV/XLSX); any row in error writes nothing (422 naming the rows)",
)
def post_payment_file(
    request: HttpRequest, file: File[UploadedFile], source: Form[str] = "bpjs_receipt"
) -> dict[str, Any]:
    check_size(file.name or "", file.size)
    result = actions.do_import_payments(
        actor=request.user, source=file.read(), filename=file.name or "payments.csv", kind=source
    )
    return _rows_refused(result.as_dict())


class CoverageOut(Schema):
    month: date
    program_id: int
    sponsor: str
    bill: str | None
    status: str = Field(description="active, pending, lapsed or not_billed")


@router.get("/workers/{worker_id}/coverage", response=list[CoverageOut], summary="A worker's coverage month by month")
def get_coverage(request: HttpRequest, worker_id: int) -> list[dict[str, Any]]:
    worker = registry_queries.get_worker(request.user, worker_id)
    return [
        {
            "month": c["month"],
            "program_id": c["program"].pk,
            "sponsor": c["sponsor"].name,
            "bill": c["bill"].number if c["bill"] else None,
            "status": c["status"],
        }
        for c in queries.worker_coverage(worker)
    ]


# Claims, monev, planner -----------------------------------------------------------------------------------------


@router.get("/claims", response=list[ClaimOut], summary="Benefit claims inside your scope")
@paginate(Page)
def list_claims(request: HttpRequest, flagged: bool = False):
    claims = queries.claims_for(request.user)
    return claims.exclude(flags=[]) if flagged else claims


@router.post("/claims", response={201: ClaimOut}, summary="Register a benefit claim (checked against the rules)")
def post_claim(request: HttpRequest, payload: ClaimIn) -> tuple[int, Claim]:
    data = payload.dict()
    worker = registry_queries.get_worker(request.user, data.pop("worker_id"))
    return 201, actions.do_record_claim(actor=request.user, worker=worker, **data)


@router.post(
    "/claims/import",
    summary="Import claims paid (CSV/XLSX); any row in error writes nothing (422 naming the rows)",
)
def post_claim_file(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    check_size(file.name or "", file.size)
    result = actions.do_import_claims(actor=request.user, source=file.read(), filename=file.name or "claims.csv")
    return _rows_refused(result.as_dict())


@router.get("/monev", summary="Budget monev: pagu, committed, billed, paid, serapan, forecast, lapses, villages")
def get_monev(request: HttpRequest, filters: Query[MonevFilter]) -> dict[str, Any]:
    """Monev of ONE fiscal year (``fiscal_year``, by default the current one): per program and in total, and
    ``monthly``: pagu, committed, billed and paid cumulative month by month with serapan (paid / pagu), beside
    ``earlier_years``: the same for up to three earlier years that have programs (filtered alike). ``years`` lists
    the fiscal years that have programs in your scope."""
    return queries.monev(request.user, **filters.dict()).as_dict()


@router.post("/plan", summary="How many workers a budget covers, and what N workers cost")
def post_plan(request: HttpRequest, payload: PlanIn) -> dict[str, Any]:
    require(request.user, "sponsorship.view")
    answer, allocation = queries.plan(
        request.user,
        budget=payload.budget,
        months=payload.months,
        on=payload.date,
        package=payload.package,
        income=payload.income,
        region=payload.region,
        minimum=payload.minimum,
        funder=payload.funder,
    )
    out = answer.as_dict()
    if allocation is not None:
        out["allocation"] = allocation.as_dict()
    if payload.workers:
        cost = planner.cost_for_workers(
            workers=payload.workers,
            months=payload.months,
            on=payload.date,
            package=answer.package,
            income=answer.income,
            funder=answer.funder,
        )
        out["cost_of_workers"] = {"workers": payload.workers, "cost": int(cost)}
    return out


# The bill page and the exchange with the BPJS branch --------------------------------------------------------------


class BillDetailOut(BillOut):
    outstanding: int = Field(description="what is left to pay (the shortfall of a partial payment)")
    overpaid: int
    partially_paid: bool = Field(description="some money came in, not all: the bill stays open (pending)")
    rule_book: str
    payments: list[PaymentOut]


class BillLineOut(Schema):
    id: int
    worker_id: int
    nik: str = Field(description="masked")
    name: str
    desa_code: str
    first_month: date
    last_month: date
    amount: int
    rule: str = Field(description="the discounts that priced the line (rule-book keys); empty: the normal iuran")

    @staticmethod
    def resolve_worker_id(obj: Any) -> int:
        return int(obj.enrollment.worker_id)

    @staticmethod
    def resolve_nik(obj: Any) -> str:
        return str(obj.enrollment.worker.masked_nik)

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.enrollment.worker.name)

    @staticmethod
    def resolve_desa_code(obj: Any) -> str:
        return str(obj.enrollment.desa_code)

    @staticmethod
    def resolve_first_month(obj: Any) -> date:
        return obj.enrollment.first_month

    @staticmethod
    def resolve_last_month(obj: Any) -> date:
        return obj.enrollment.last_month


class ReconcileRunOut(Schema):
    id: int
    filename: str
    on: date
    rows: int
    region_code: str
    created_at: datetime
    summary: dict[str, Any]


class DifferenceOut(Schema):
    id: int
    run_id: int
    row: int
    kind: str = Field(description="not_registered, inactive_there, dead_there or paid_behind")
    worker_id: int | None
    enrollment_id: int | None
    nik: str = Field(description="masked")
    kpj: str
    bpjs_status: str
    paid_until: date | None
    died_on: date | None
    paid_here: date | None
    region_code: str
    resolution: str = Field(description="open, death_recorded, enrollment_ended or reviewed")
    note: str

    @staticmethod
    def resolve_nik(obj: Any) -> str:
        return obj.masked_nik


class FollowUpIn(Schema):
    action: str = Field(description="record_death (dead_there), end_enrollment (inactive_there) or review (any)")
    note: str = Field("", max_length=2000, description="required for review")
    died_on: date | None = Field(None, description="record_death: when BPJS's list gives no date, or to correct it")
    last_month: date | None = Field(None, description="end_enrollment: the last month covered (default: last billed)")


@router.get("/bills/{bill_id}", response=BillDetailOut, summary="A bill: amount, paid, what is left, its payments")
def get_bill(request: HttpRequest, bill_id: int) -> dict[str, Any]:
    bill = queries.get_bill(request.user, bill_id)
    state = queries.bill_state(bill)
    return {
        **{f: getattr(bill, f) for f in ("id", "number", "program_id", "month", "due_date", "workers", "paid_on")},
        **{f: getattr(bill, f) for f in ("status", "rule_book")},
        "amount": int(state.amount),
        "paid": int(state.paid),
        "outstanding": int(state.outstanding),
        "overpaid": int(state.overpaid),
        "partially_paid": state.partially_paid,
        "payments": list(queries.bill_payments(request.user, bill)),
    }


@router.get("/bills/{bill_id}/lines", response=list[BillLineOut], summary="A bill's lines (NIKs masked)")
@paginate(Page)
def list_bill_lines(request: HttpRequest, bill_id: int):
    return queries.bill_lines(request.user, queries.get_bill(request.user, bill_id))


def _file_response(export: Any) -> Any:
    from django.http import HttpResponse

    response = HttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@router.get(
    "/bills/{bill_id}/export",
    summary="The bill in BPJS's collective-registration layout (format=xlsx|csv); full NIKs only where allowed",
)
def get_bill_export(request: HttpRequest, bill_id: int, format: str = "xlsx") -> Any:
    from paritrana.sponsorship import bpjs

    bill = queries.get_bill(request.user, bill_id)
    return _file_response(bpjs.do_export_bill(actor=request.user, bill=bill, fmt=format))


@router.get(
    "/programs/{program_id}/export",
    summary="A program's enrolled workers in BPJS's collective-registration layout (format=xlsx|csv)",
)
def get_program_export(request: HttpRequest, program_id: int, format: str = "xlsx") -> Any:
    from paritrana.sponsorship import bpjs

    program = queries.get_program(request.user, program_id)
    return _file_response(bpjs.do_export_program(actor=request.user, program=program, fmt=format))


@router.post(
    "/bpjs/reconcile",
    response={200: dict[str, Any], 202: JobOut},
    summary="Reconcile the branch's participation list (CSV/XLSX); a wrong layout is 422; background=true: a job",
)
def post_reconcile_file(
    request: HttpRequest,
    file: File[UploadedFile],
    on: Form[date | None] = None,
    dry_run: Form[bool] = False,
    background: Form[bool] = False,
) -> Any:
    """With ``background`` the list is kept and compared by a job (202), followed at ``/jobs/{id}``; a wrong layout
    then fails the job with the same reason."""
    from paritrana.sponsorship import bpjs

    check_size(file.name or "", file.size)
    if background:
        job = do_queue_reconcile(
            actor=request.user,
            chunks=file.chunks(),
            filename=file.name or "kepesertaan.csv",
            size=file.size,
            on=on,
            dry_run=dry_run,
        )
        return 202, job
    result = bpjs.do_reconcile_participation(
        actor=request.user, source=file.read(), filename=file.name or "kepesertaan.csv", on=on, dry_run=dry_run
    )
    return result.as_dict()


@router.get("/bpjs/reconcile", response=list[ReconcileRunOut], summary="Reconciles of BPJS lists inside your scope")
@paginate(Page)
def list_reconcile_runs(request: HttpRequest):
    return queries.reconcile_runs_for(request.user)


@router.get("/bpjs/reconcile/{run_id}", response=ReconcileRunOut, summary="One reconcile and its counts")
def get_reconcile_run(request: HttpRequest, run_id: int) -> Any:
    return queries.get_reconcile_run(request.user, run_id)


@router.get(
    "/bpjs/reconcile/{run_id}/differences",
    response=list[DifferenceOut],
    summary="A reconcile's differences inside your scope (kind=, open=true)",
)
@paginate(Page)
def list_differences(request: HttpRequest, run_id: int, kind: str = "", open: bool = False):
    run = queries.get_reconcile_run(request.user, run_id)
    return queries.differences_for(request.user, run, kind=kind, open_only=open)


@router.post(
    "/bpjs/differences/{difference_id}/resolve",
    response=DifferenceOut,
    summary="Follow a difference up: record the death, end the enrollment, or mark it reviewed with a note",
)
def post_follow_up(request: HttpRequest, difference_id: int, payload: FollowUpIn) -> Any:
    from paritrana.sponsorship import bpjs

    difference = queries.get_difference(request.user, difference_id)
    return bpjs.do_follow_up(actor=request.user, difference=difference, **payload.dict())
