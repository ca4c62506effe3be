"""Follow-up API: asistensi and monev sessions (with their minutes), findings and follow-ups, the heirs of death
claims, the children's scholarship schedules and disbursements, training referrals, and the candidate award
indicators. Every endpoint calls the same actions and queries as the pages and the command line."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from paritrana.core.dates import today
from paritrana.core.errors import N_, BadRequest
from paritrana.core.pagination import Page
from paritrana.core.permissions import require
from paritrana.followup import actions, queries, reports
from paritrana.followup.models import Finding, Heir, ScholarshipChild, ScholarshipYear, Session, TrainingReferral
from paritrana.sponsorship.api import ClaimOut

router = Router(tags=["followup"])


class AttendeeIn(Schema):
    name: str = Field(max_length=200)
    institution: str = Field(max_length=200, description="the OPD or institution")
    position: str = Field("", max_length=200)


class SessionIn(Schema):
    kind: str = Field(description="asistensi or monev")
    held_on: date
    place: str = Field(max_length=200)
    bpjs_office: str = Field(max_length=200)
    region_code: str = Field(max_length=20)
    fiscal_year: int
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=500)
    program_ids: list[int] | None = Field(
        None, description="the programs concerned; none: every program of the region and fiscal year you can see"
    )
    summary: str = Field("", max_length=5000)


class AttendeeOut(Schema):
    name: str
    institution: str
    position: str


class SessionOut(Schema):
    id: int
    kind: str
    held_on: date
    place: str
    bpjs_office: str
    region_code: str
    fiscal_year: int
    summary: str
    program_ids: list[int]
    snapshot: dict[str, Any]
    attendees: list[AttendeeOut]

    @staticmethod
    def resolve_program_ids(obj: Session) -> list[int]:
        return [p.pk for p in obj.programs.all()]

    @staticmethod
    def resolve_attendees(obj: Session) -> list[Any]:
        return list(obj.attendees.all())


class FindingIn(Schema):
    text: str = Field(max_length=5000)
    recommendation: str = Field("", max_length=5000)
    owner: str = Field("", max_length=200, description="the OPD or person who follows it up (required)")
    due_date: date | None = Field(None, description="required")
    owner_username: str = Field("", max_length=150, description="the owner's account, to reach their dashboard")


class FindingPatch(Schema):
    text: str | None = Field(None, max_length=5000)
    recommendation: str | None = Field(None, max_length=5000)
    owner: str | None = Field(None, max_length=200)
    due_date: date | None = None
    owner_username: str | None = Field(None, max_length=150)
    note: str = Field("", max_length=2000)


class StatusIn(Schema):
    status: str = Field(description="open, in_progress, done or dropped")
    note: str = Field("", max_length=2000)
    drop_reason: str = Field("", max_length=2000, description="required when dropped")
    shown_status: str = Field(
        "", description="the status you last read: a move made since by someone else is refused (409), not overwritten"
    )


class UpdateOut(Schema):
    at: datetime
    actor_name: str
    previous_status: str
    status: str
    note: str
    changes: dict[str, Any]


class FindingOut(Schema):
    id: int
    session_id: int
    region_code: str
    text: str
    recommendation: str
    owner: str
    owner_username: str | None
    due_date: date
    status: str
    drop_reason: str
    completed_on: date | None
    overdue: bool

    @staticmethod
    def resolve_region_code(obj: Finding) -> str:
        return obj.session.region_code

    @staticmethod
    def resolve_owner_username(obj: Finding) -> str | None:
        return obj.owner_user.get_username() if obj.owner_user else None

    @staticmethod
    def resolve_overdue(obj: Finding) -> bool:
        return obj.days_overdue() > 0


class FindingDetail(FindingOut):
    history: list[UpdateOut]

    @staticmethod
    def resolve_history(obj: Finding) -> list[Any]:
        return list(queries.history(obj))


class HeirIn(Schema):
    name: str = Field(max_length=200)
    relation: str = Field(description="spouse, child, parent, sibling or other")
    birth_date: date
    nik: str = Field("", max_length=20, description="optional; shown masked")


class HeirOut(Schema):
    id: int
    claim_id: int
    name: str
    relation: str
    birth_date: date
    nik: str = Field(description="masked")
    scholarship_child_id: int | None

    @staticmethod
    def resolve_nik(obj: Heir) -> str:
        return obj.masked_nik

    @staticmethod
    def resolve_scholarship_child_id(obj: Heir) -> int | None:
        try:
            return obj.scholarship.pk
        except ScholarshipChild.DoesNotExist:
            return None


class ClaimHeirIn(HeirIn):
    school_level: str = Field(
        "", description="a child receiving the scholarship: tk, sd, smp, sma, pt, or age (by age); blank: none"
    )
    grade: int = Field(1, ge=1, le=6, description="the year within that level")


class ClaimWithHeirsIn(Schema):
    worker_id: int | None = Field(None, description="the worker's id; or give the NIK")
    nik: str = Field("", max_length=20, description="the worker's NIK (16 digits), when no worker_id is given")
    kind: str = Field(description="jkk, jkk-death, jkm, jht or beasiswa")
    event_date: date
    amount_paid: int | str = Field(description="whole rupiah")
    paid_on: date | None = None
    contribution_years: float | None = Field(None, description="the worker's years of contributions (JKM deaths)")
    heirs: list[ClaimHeirIn] = Field(default_factory=list, max_length=20, description="JKM and JKK death only")
    note: str = Field("", max_length=2000, description="free text kept on the claim")


class ClaimWithHeirsOut(ClaimOut):
    heirs: list[HeirOut]

    @staticmethod
    def resolve_heirs(obj: Any) -> list[Heir]:
        return list(queries.heirs_of(obj))


class ChildIn(Schema):
    level: str = Field("", description="tk, sd, smp, sma or pt at the first scholarship year (blank: by age)")
    grade: int = Field(1, ge=1, le=6, description="the year within that level")
    contribution_years: float | None = Field(None, description="the worker's years of contributions (JKM deaths)")
    married_on: date | None = None
    working_since: date | None = None


class ChildPatch(Schema):
    level: str | None = None
    grade: int | None = Field(None, ge=1, le=6)
    contribution_years: float | None = None
    married_on: date | None = None
    working_since: date | None = None
    expected: dict[str, Any] | None = Field(
        None,
        description='The values you last read of the fields you change (e.g. {"married_on": null}): a change made '
        "since by someone else is refused (409), not overwritten.",
    )


class ChildOut(Schema):
    id: int
    claim_id: int
    heir_id: int
    name: str
    level: str
    grade: int
    married_on: date | None
    working_since: date | None

    @staticmethod
    def resolve_name(obj: ScholarshipChild) -> str:
        return obj.heir.name


class DisbursementIn(Schema):
    school_year: str = Field(description="e.g. 2025/2026", max_length=20)
    disbursed_on: date
    reference: str = Field(max_length=64)


class DisbursementOut(Schema):
    id: int
    child_id: int
    school_year: str
    level: str
    amount: int
    due: date
    disbursed_on: date
    reference: str


class ReferralIn(Schema):
    heir_id: int
    course: str = Field(max_length=200, description='e.g. "BLK Tangerang: menjahit"')
    provider: str = Field(max_length=200)
    referred_on: date
    note: str = Field("", max_length=2000)


class OutcomeIn(Schema):
    outcome: str = Field(description="pending, completed, dropped or employed")
    outcome_on: date | None = None
    note: str = Field("", max_length=2000)


class ReferralOut(Schema):
    id: int
    heir_id: int
    course: str
    provider: str
    referred_on: date
    outcome: str
    outcome_on: date | None
    note: str


def _file(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Sessions -------------------------------------------------------------------------------------------------------


@router.get("/sessions", response=list[SessionOut], summary="Asistensi and monev sessions inside your scope")
@paginate(Page)
def list_sessions(request: HttpRequest, region: str = "", fiscal_year: int | None = None, kind: str = ""):
    sessions = queries.sessions_for(request.user).prefetch_related("programs", "attendees")
    if region:
        sessions = sessions.filter(region_code__startswith=region)
    if fiscal_year:
        sessions = sessions.filter(fiscal_year=fiscal_year)
    if kind:
        sessions = sessions.filter(kind=kind)
    return sessions


@router.post("/sessions", response={201: SessionOut}, summary="Record a session (its budget snapshot is taken now)")
def post_session(request: HttpRequest, payload: SessionIn) -> tuple[int, Session]:
    data = payload.dict()
    return 201, actions.do_create_session(actor=request.user, **data)


@router.get("/sessions/{session_id}", response=SessionOut, summary="One session")
def get_session(request: HttpRequest, session_id: int) -> Session:
    return queries.get_session(request.user, session_id)


@router.get(
    "/sessions/{session_id}/minutes",
    summary="The berita acara: JSON, XLSX or PDF (Bahasa Indonesia)",
    response={200: dict[str, Any]},
)
def get_minutes(request: HttpRequest, session_id: int, format: str = "json") -> Any:
    session = queries.get_session(request.user, session_id)
    data = queries.minutes(session)
    if format == "json":
        return data
    if format == "pdf":
        return _file(reports.minutes_pdf(data), "application/pdf", f"berita-acara-{session.pk}.pdf")
    if format == "xlsx":
        return _file(reports.minutes_xlsx(data), reports.XLSX_TYPE, f"berita-acara-{session.pk}.xlsx")
    raise BadRequest(N_("format must be json, xlsx or pdf; got {value}."), field="format", value=format[:10])


@router.post("/sessions/{session_id}/findings", response={201: FindingOut}, summary="Add a finding and its follow-up")
def post_finding(request: HttpRequest, session_id: int, payload: FindingIn) -> tuple[int, Finding]:
    session = queries.get_session(request.user, session_id, "followup.manage")
    data = payload.dict()
    return 201, actions.do_add_finding(
        actor=request.user,
        session=session,
        text=data["text"],
        recommendation=data["recommendation"],
        owner=data["owner"],
        due_date=data["due_date"],
        owner_user=data["owner_username"] or None,
    )


# Findings -------------------------------------------------------------------------------------------------------


@router.get("/findings", response=list[FindingOut], summary="Findings and follow-ups inside your scope")
@paginate(Page)
def list_findings(request: HttpRequest, status: str = "", overdue: bool = False, region: str = ""):
    findings = queries.findings_for(request.user)
    if status:
        findings = findings.filter(status=status)
    if overdue:
        findings = findings.filter(Finding.overdue_q())
    if region:
        findings = findings.filter(session__region_code__startswith=region)
    return findings.order_by("due_date", "pk")


@router.get("/findings/open.xlsx", summary="Open follow-ups per region as XLSX")
def get_open_xlsx(request: HttpRequest, region: str = "") -> HttpResponse:
    return _open_followups_response(request.user, region)


def _open_followups_response(user: Any, region: str) -> HttpResponse:
    from paritrana.regions.models import Region

    on = today()
    findings = queries.open_followups(user, region=region, on=on)
    codes = {f.session.region_code for f in findings}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    body = reports.open_followups_xlsx(findings, on=on, region_names=names)
    return _file(body, reports.XLSX_TYPE, f"tindak-lanjut-{on.isoformat()}.xlsx")


@router.get("/findings/{finding_id}", response=FindingDetail, summary="One finding with its history")
def get_finding(request: HttpRequest, finding_id: int) -> Finding:
    return queries.get_finding(request.user, finding_id)


@router.patch("/findings/{finding_id}", response=FindingOut, summary="Change a finding (kept in its history)")
def patch_finding(request: HttpRequest, finding_id: int, payload: FindingPatch) -> Finding:
    finding = queries.get_finding(request.user, finding_id, "followup.manage")
    data = payload.dict(exclude_none=True)
    if "owner_username" in data:
        data["owner_user"] = data.pop("owner_username")
    return actions.do_update_finding(actor=request.user, finding=finding, **data)


@router.post("/findings/{finding_id}/status", response=FindingOut, summary="open, in_progress, done or dropped")
def post_finding_status(request: HttpRequest, finding_id: int, payload: StatusIn) -> Finding:
    finding = queries.get_finding(request.user, finding_id, "followup.manage")
    return actions.do_change_finding_status(actor=request.user, finding=finding, **payload.dict())


# Heirs and scholarships -----------------------------------------------------------------------------------------


@router.post(
    "/claims/with-heirs",
    response={201: ClaimWithHeirsOut},
    summary="Register a claim and, for a death, its heirs in one transaction (an error in any heir writes nothing)",
)
def post_claim_with_heirs(request: HttpRequest, payload: ClaimWithHeirsIn) -> tuple[int, Any]:
    data = payload.dict()
    worker = queries.claim_worker(request.user, worker_id=data.pop("worker_id"), text=data.pop("nik"))
    if data["contribution_years"] is not None:
        data["contribution_years"] = str(data["contribution_years"])
    return 201, actions.do_record_claim_with_heirs(actor=request.user, worker=worker, **data)


@router.get("/claims/{claim_id}/heirs", response=list[HeirOut], summary="The heirs of a death claim (NIK masked)")
def list_heirs(request: HttpRequest, claim_id: int) -> list[Heir]:
    return list(queries.heirs_of(queries.get_claim(request.user, claim_id)))


@router.post("/claims/{claim_id}/heirs", response={201: HeirOut}, summary="Add an heir to a JKM or JKK death claim")
def post_heir(request: HttpRequest, claim_id: int, payload: HeirIn) -> tuple[int, Heir]:
    claim = queries.get_claim(request.user, claim_id, "heirs.manage")
    return 201, actions.do_add_heir(actor=request.user, claim=claim, **payload.dict())


@router.post(
    "/claims/{claim_id}/heirs/{heir_id}/scholarship",
    response={201: ChildOut},
    summary="Mark a child heir as receiving the beasiswa (two per claim at most)",
)
def post_scholarship_child(request: HttpRequest, claim_id: int, heir_id: int, payload: ChildIn) -> tuple[int, Any]:
    heir = queries.get_heir(request.user, heir_id, "heirs.manage")
    if heir.claim_id != claim_id:
        raise BadRequest(N_("Heir {id} is not an heir of claim {claim}."), field="heir_id", id=heir_id, claim=claim_id)
    data = payload.dict()
    if data["contribution_years"] is not None:
        data["contribution_years"] = str(data["contribution_years"])
    return 201, actions.do_flag_scholarship_child(actor=request.user, heir=heir, **data)


@router.get(
    "/claims/{claim_id}/scholarships",
    summary="The scholarship schedule of a claim's children, with missing and late years: JSON or XLSX",
    response={200: list[dict[str, Any]]},
)
def get_claim_schedule(request: HttpRequest, claim_id: int, format: str = "json") -> Any:
    claim = queries.get_claim(request.user, claim_id)
    children = [queries.child_years(c) for c in claim.scholarship_children.select_related("heir", "claim")]
    if format == "json":
        return [c.as_dict() for c in children]
    if format == "xlsx":
        title = f"Jadwal beasiswa klaim {claim.pk}"
        return _file(reports.schedule_xlsx(children, title=title), reports.XLSX_TYPE, f"beasiswa-{claim.pk}.xlsx")
    raise BadRequest(N_("format must be json or xlsx; got {value}."), field="format", value=format[:10])


@router.get("/scholarships", response=list[ChildOut], summary="Children receiving the beasiswa inside your scope")
@paginate(Page)
def list_scholarships(request: HttpRequest, flagged: bool = False):
    """``flagged=true``: only the children with a missing or late year."""
    require(request.user, "heirs.view")
    if flagged:
        return [c.child for c in queries.flagged_children(request.user)]
    return queries.children_for(request.user)


@router.get("/scholarships/{child_id}", summary="A child's schedule with each year's state")
def get_scholarship(request: HttpRequest, child_id: int) -> dict[str, Any]:
    return queries.child_years(queries.get_child(request.user, child_id)).as_dict()


@router.patch("/scholarships/{child_id}", response=ChildOut, summary="Level, contributions, marriage or work")
def patch_scholarship(request: HttpRequest, child_id: int, payload: ChildPatch) -> ScholarshipChild:
    child = queries.get_child(request.user, child_id, "heirs.manage")
    data = payload.dict(exclude_unset=True)
    if data.get("contribution_years") is not None:
        data["contribution_years"] = str(data["contribution_years"])
    return actions.do_update_scholarship_child(actor=request.user, child=child, **data)


@router.post(
    "/scholarships/{child_id}/disbursements",
    response={201: DisbursementOut},
    summary="Record a school year's disbursement (priced by the schedule; refused twice)",
)
def post_disbursement(request: HttpRequest, child_id: int, payload: DisbursementIn) -> tuple[int, ScholarshipYear]:
    child = queries.get_child(request.user, child_id, "heirs.manage")
    return 201, actions.do_record_disbursement(actor=request.user, child=child, **payload.dict())


# Training referrals ---------------------------------------------------------------------------------------------


@router.get("/referrals", response=list[ReferralOut], summary="Training referrals of heirs inside your scope")
@paginate(Page)
def list_referrals(request: HttpRequest, outcome: str = ""):
    referrals = queries.referrals_for(request.user)
    return referrals.filter(outcome=outcome) if outcome else referrals


@router.post("/referrals", response={201: ReferralOut}, summary="Refer an heir to training (e.g. a BLK course)")
def post_referral(request: HttpRequest, payload: ReferralIn) -> tuple[int, TrainingReferral]:
    data = payload.dict()
    heir = queries.get_heir(request.user, data.pop("heir_id"), "heirs.refer")
    return 201, actions.do_refer_to_training(actor=request.user, heir=heir, **data)


@router.patch("/referrals/{referral_id}", response=ReferralOut, summary="Record a referral's outcome")
def patch_referral(request: HttpRequest, referral_id: int, payload: OutcomeIn) -> TrainingReferral:
    referral = queries.get_referral(request.user, referral_id, "heirs.refer")
    return actions.do_record_referral_outcome(actor=request.user, referral=referral, **payload.dict())


# Award link -----------------------------------------------------------------------------------------------------


@router.get(
    "/followup/indicators",
    summary="Candidate award indicators per region: sessions held, follow-ups completed, heirs supported",
)
def get_indicators(request: HttpRequest, year: int, level: int = 2) -> list[dict[str, Any]]:
    """``level``: 1 per province, 2 per kabupaten/kota."""
    require(request.user, "followup.view")
    if level not in (1, 2):
        raise BadRequest(N_("level must be 1 or 2; got {value}."), field="level", value=level)
    if not 2000 <= year <= 2100:  # date(0, 12, 31) would be a server error
        raise BadRequest(N_("{value} is not a year."), field="year", value=year)
    return queries.award_indicators(request.user, year=year, level=level)
