"""Award API: editions (with the check list of each stage), categories and their frameworks, the self-assessment
with evidence, verification, the jury, missing values, the ranking (a read) and the saved results, sensitivity,
approval, publication, award zones and public results. The same actions and queries as the pages and the command
line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, UploadedFile

from paritrana.award import actions, queries, scoring, sheets
from paritrana.award.models import Category, Edition, Result
from paritrana.core.errors import N_, NotFound

__all__ = ["router"]

router = Router(tags=["award"])


class EditionIn(Schema):
    year: int
    name: str = Field(max_length=200)
    region_code: str = Field("", description="a province for its provincial round; blank for the national round")
    assessment_start: date
    assessment_end: date
    submission_deadline: datetime
    scoring_deadline: datetime | None = Field(None, description="until when the jury scores (null: until locked)")


class EditionOut(Schema):
    id: int
    year: int
    name: str
    region_code: str
    assessment_start: date
    assessment_end: date
    submission_deadline: datetime
    scoring_deadline: datetime | None
    status: str


@router.get("/award/editions", response=list[EditionOut], summary="Editions of the award in your scope")
def get_editions(request: HttpRequest) -> Any:
    return queries.editions_for(request.user)


@router.post("/award/editions", response={201: EditionOut}, summary="Create an edition (committee)")
def post_edition(request: HttpRequest, body: EditionIn) -> tuple[int, Edition]:
    return 201, actions.do_create_edition(actor=request.user, **body.dict())


class ScoringDeadlineIn(Schema):
    scoring_deadline: datetime | None = Field(
        None, description="until when the jury scores; null (or left out) clears it"
    )


@router.put(
    "/award/editions/{edition_id}/scoring-deadline",
    response=EditionOut,
    summary="Set, extend or clear the jury scoring deadline (committee)",
)
def put_scoring_deadline(request: HttpRequest, edition_id: int, body: ScoringDeadlineIn) -> Edition:
    edition = queries.edition_for(request.user, edition_id=edition_id)
    return actions.do_set_scoring_deadline(actor=request.user, edition=edition, deadline=body.scoring_deadline)


class StatusIn(Schema):
    status: str = Field(description="draft, open, verification, judging or closed (one stage at a time)")
    reason: str = Field("", max_length=300, description="why the failing checks are overridden (audited)")


class CheckOut(Schema):
    key: str
    ok: bool
    condition: str
    overridable: bool


class ChecksOut(Schema):
    step: str
    ready: bool = Field(description="every check holds: no reason is needed")
    checks: list[CheckOut]


def _checks(step: str, checks: list[Any]) -> dict[str, Any]:
    return {"step": step, "ready": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]}


@router.get(
    "/award/editions/{edition_id}/checks",
    response=ChecksOut,
    summary="The check list of moving an edition to a stage (committee)",
)
def get_edition_checks(request: HttpRequest, edition_id: int, to: str) -> dict[str, Any]:
    edition = queries.edition_for(request.user, edition_id=edition_id)
    return _checks(to, queries.edition_checks_for(request.user, edition, to))


@router.post(
    "/award/editions/{edition_id}/status",
    response=EditionOut,
    summary="Move an edition to the next stage (a failing check needs a reason)",
)
def post_edition_status(request: HttpRequest, edition_id: int, body: StatusIn) -> Edition:
    edition = queries.edition_for(request.user, edition_id=edition_id)
    return actions.do_set_edition_status(actor=request.user, edition=edition, status=body.status, reason=body.reason)


class CategoryIn(Schema):
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    participant_level: str = Field(description="province, kabupaten or desa")
    framework: dict[str, Any] | str = Field(description="the criteria: a mapping, or YAML/JSON text")
    titles: list[str] = Field(default_factory=lambda: ["Terbaik I", "Terbaik II", "Terbaik III"])
    by_zone: bool = False
    normalise_judges: bool = False


class CategoryOut(Schema):
    id: int
    edition_id: int
    key: str
    name: str
    participant_level: str
    framework: dict[str, Any]
    titles: list[str]
    by_zone: bool
    normalise_judges: bool
    panel_locked_at: datetime | None
    ranked_at: datetime | None
    approved_at: datetime | None
    published_at: datetime | None


@router.put("/award/editions/{edition_id}/categories", response=CategoryOut, summary="Create or replace a category")
def put_category(request: HttpRequest, edition_id: int, body: CategoryIn) -> Category:
    edition = queries.edition_for(request.user, edition_id=edition_id)
    return actions.do_save_category(actor=request.user, edition=edition, **body.dict())


@router.get("/award/categories/{category_id}", response=CategoryOut, summary="A category and its criteria")
def get_category(request: HttpRequest, category_id: int) -> Category:
    return queries.category_for(request.user, category_id)


def _category(request: HttpRequest, category_id: int) -> Category:
    return queries.category_for(request.user, category_id)


@router.post("/award/categories/{category_id}/invite", summary="Invite every region of the category's level")
def post_invite(request: HttpRequest, category_id: int, winners_of: int | None = None) -> dict[str, int]:
    """``winners_of`` (national rounds): invite only the titled winners of that year's published provincial rounds."""
    return actions.do_invite(actor=request.user, category=_category(request, category_id), winners_of=winners_of)


class ParticipantOut(Schema):
    id: int
    region_code: str
    name: str
    zone: str
    status: str
    submitted_at: datetime | None
    verification_notes: str


@router.get("/award/categories/{category_id}/participants", response=list[ParticipantOut], summary="Participants")
def get_participants(request: HttpRequest, category_id: int) -> Any:
    return queries.participants_for(request.user, _category(request, category_id))


class AnswerIn(Schema):
    criterion: str
    value: bool | float | str
    seen: str | None = Field(
        None,
        max_length=64,
        description='The answer\'s `seen` as you last read it ("" when it was not answered): a different value '
        "saved since by someone else is refused (409) instead of overwritten. Leave out to overwrite.",
    )


@router.put("/award/participants/{participant_id}/answers", summary="Answer a self-assessment question")
def put_answer(request: HttpRequest, participant_id: int, body: AnswerIn) -> dict[str, Any]:
    participant = queries.participant_for(request.user, participant_id)
    answer = actions.do_save_answer(
        actor=request.user, participant=participant, criterion=body.criterion, value=body.value, seen=body.seen
    )
    return {"criterion": answer.criterion, "value": answer.value, "seen": actions.version_of(answer)}


@router.get("/award/participants/{participant_id}", summary="A participant: answers, evidence, what is missing")
def get_participant(request: HttpRequest, participant_id: int) -> dict[str, Any]:
    p = queries.participant_for(request.user, participant_id)
    return {
        "id": p.pk,
        "region_code": p.region_code,
        "name": p.name,
        "status": p.status,
        "answers": {a.criterion: a.value for a in p.answers.all()},
        "evidence": [
            {"id": e.pk, "criterion": e.criterion, "document": e.document, "filename": e.filename, "size": e.size}
            for e in p.evidence.all()
        ],
        "missing": actions.missing_items(p),
    }


@router.post("/award/participants/{participant_id}/evidence", summary="Upload a document (PDF, image, office)")
def post_evidence(
    request: HttpRequest, participant_id: int, criterion: Form[str], document: Form[str], file: File[UploadedFile]
) -> dict[str, Any]:
    from paritrana.award.evidence import MAX_EVIDENCE_BYTES
    from paritrana.core.sheets import check_size

    participant = queries.participant_for(request.user, participant_id)
    check_size(file.name or "", file.size, MAX_EVIDENCE_BYTES)
    evidence = actions.do_upload_evidence(
        actor=request.user,
        participant=participant,
        criterion=criterion,
        document=document,
        data=file.read(),
        filename=file.name or "evidence",
    )
    return {"id": evidence.pk, "content_type": evidence.content_type, "size": evidence.size}


@router.get("/award/evidence/{evidence_id}", summary="Download a document (audited)")
def get_evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence, path = queries.evidence_file(request.user, evidence_id)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=evidence.filename, content_type=evidence.content_type
    )


@router.post("/award/participants/{participant_id}/submit", summary="Submit the self-assessment")
def post_submit(request: HttpRequest, participant_id: int) -> dict[str, str]:
    p = actions.do_submit(actor=request.user, participant=queries.participant_for(request.user, participant_id))
    return {"status": p.status}


class VerifyIn(Schema):
    accept: bool
    notes: str = ""
    text_scores: dict[str, float] = Field(default_factory=dict, description="criterion -> 0..100, for text answers")


@router.post("/award/participants/{participant_id}/verify", summary="Accept or return a submission (committee)")
def post_verify(request: HttpRequest, participant_id: int, body: VerifyIn) -> dict[str, str]:
    p = actions.do_verify(
        actor=request.user,
        participant=queries.participant_for(request.user, participant_id),
        accept=body.accept,
        notes=body.notes,
        text_scores=body.text_scores,
    )
    return {"status": p.status}


@router.post("/award/categories/{category_id}/indicators", summary="Fill indicator criteria from coverage data")
def post_indicators(request: HttpRequest, category_id: int) -> dict[str, int]:
    return {"values": actions.do_compute_indicator_values(actor=request.user, category=_category(request, category_id))}


class PanelIn(Schema):
    username: str


@router.post("/award/categories/{category_id}/panel", summary="Add a judge to the panel")
def post_panel(request: HttpRequest, category_id: int, body: PanelIn) -> dict[str, str]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=body.username, is_active=True).first()
    if user is None:
        raise NotFound(N_("There is no active user {username}."), username=body.username)
    actions.do_add_panel_member(actor=request.user, category=_category(request, category_id), user=user)
    return {"added": body.username}


class ConflictIn(Schema):
    reason: str = Field(max_length=300)
    judge: str = Field("", max_length=150, description="committee only: the judge whose signed form it records")


class WithdrawIn(Schema):
    reason: str = Field(max_length=300)


@router.post(
    "/award/participants/{participant_id}/conflict",
    summary="Declare a conflict of interest (a judge), or record one for a judge (the committee, with judge)",
)
def post_conflict(request: HttpRequest, participant_id: int, body: ConflictIn) -> dict[str, Any]:
    participant = queries.participant_for(request.user, participant_id)
    judge = queries.panel_judge(participant.category, body.judge) if body.judge else None
    conflict = actions.do_declare_conflict(actor=request.user, participant=participant, reason=body.reason, judge=judge)
    return {"declared": participant.name, "conflict_id": conflict.pk}


@router.post("/award/conflicts/{conflict_id}/withdraw", summary="Withdraw a conflict of interest, with a reason")
def post_withdraw_conflict(request: HttpRequest, conflict_id: int, body: WithdrawIn) -> dict[str, str]:
    conflict = queries.conflict_for(request.user, conflict_id)
    actions.do_withdraw_conflict(actor=request.user, conflict=conflict, reason=body.reason)
    return {"withdrawn": conflict.participant.name}


class ScoreIn(Schema):
    criterion: str
    score: float
    comment: str = ""
    seen: str | None = Field(
        None,
        max_length=64,
        description='The score\'s `seen` as you last read it ("" when none): a score changed since is refused '
        "(409) instead of overwritten. Leave out to overwrite.",
    )


@router.put("/award/participants/{participant_id}/scores", summary="Score a participant on a rubric (judge)")
def put_score(request: HttpRequest, participant_id: int, body: ScoreIn) -> dict[str, Any]:
    participant = queries.participant_for(request.user, participant_id)
    score = actions.do_score(
        actor=request.user,
        participant=participant,
        criterion=body.criterion,
        score=body.score,
        comment=body.comment,
        seen=body.seen,
    )
    return {"criterion": score.criterion, "score": score.score, "seen": actions.version_of(score)}


@router.get("/award/categories/{category_id}/scores", summary="Jury scores you may see")
def get_scores(request: HttpRequest, category_id: int) -> list[dict[str, Any]]:
    return [
        {
            "judge": s.member.user.get_username(),
            "participant_id": s.participant_id,
            "criterion": s.criterion,
            "score": s.score,
            "comment": s.comment,
        }
        for s in queries.visible_scores(request.user, _category(request, category_id))
    ]


class ReasonIn(Schema):
    reason: str = Field("", max_length=300, description="why the failing checks are overridden (audited)")


@router.get(
    "/award/categories/{category_id}/checks",
    response=ChecksOut,
    summary="The check list of locking the panel, approving or publishing (committee)",
)
def get_category_checks(request: HttpRequest, category_id: int, step: str) -> dict[str, Any]:
    """``step``: lock, approve or publish."""
    return _checks(step, queries.category_checks_for(request.user, _category(request, category_id), step))


@router.post("/award/categories/{category_id}/lock", summary="Lock the panel's scores (a failing check needs a reason)")
def post_lock(request: HttpRequest, category_id: int, body: ReasonIn | None = None) -> dict[str, str]:
    reason = body.reason if body else ""
    actions.do_lock_panel(actor=request.user, category=_category(request, category_id), reason=reason)
    return {"done": "lock"}


class MissingOut(Schema):
    participant_id: int
    region_code: str
    name: str
    criterion: str
    method: str
    needs: str = Field(description="value, target, answer, score (the committee's, of a text answer) or jury")
    resolved: bool
    decision: str | None = Field(description="exempt or zero, once decided")
    reason: str
    decided_by: str | None
    decided_at: datetime | None


@router.get(
    "/award/categories/{category_id}/missing",
    response=list[MissingOut],
    summary="Values missing for verified participants, and the decisions on them (committee)",
)
def get_missing(request: HttpRequest, category_id: int, unresolved: bool = False) -> list[dict[str, Any]]:
    found = queries.missing_for(request.user, _category(request, category_id), unresolved_only=unresolved)
    return [m.as_dict() for m in found]


class ResolveIn(Schema):
    criterion: str
    resolution: str = Field(description="value, exempt or zero")
    reason: str = Field("", max_length=300, description="required for exempt and zero")
    value: float | None = Field(None, description="resolution value: the indicator's value, or a text answer's score")
    target: float | None = Field(None, description="resolution value: the indicator's target (target scoring)")


@router.post(
    "/award/participants/{participant_id}/missing",
    summary="Resolve a missing value: enter it, or decide exempt or zero with a reason (committee)",
)
def post_missing(request: HttpRequest, participant_id: int, body: ResolveIn) -> dict[str, Any]:
    participant = queries.participant_for(request.user, participant_id)
    actions.do_resolve_missing(
        actor=request.user,
        participant=participant,
        criterion=body.criterion,
        resolution=body.resolution,
        reason=body.reason,
        value=body.value,
        target=body.target,
    )
    return {"participant": participant.region_code, "criterion": body.criterion, "resolution": body.resolution}


class RankedOut(Schema):
    rank: int
    zone_rank: int | None
    title: str
    shared: bool
    total: float
    region_code: str = Field(alias="participant.region_code")
    name: str = Field(alias="participant.name")
    zone: str = Field(alias="participant.zone")


@router.get(
    "/award/categories/{category_id}/ranking",
    response=list[RankedOut],
    summary="The ranking as it stands now, computed and not saved (committee)",
)
def get_ranking(request: HttpRequest, category_id: int) -> Any:
    return queries.ranking_for(request.user, _category(request, category_id))


@router.post("/award/categories/{category_id}/results", summary="Save the ranking as the results (committee)")
def post_results(request: HttpRequest, category_id: int) -> dict[str, Any]:
    results = actions.do_save_results(actor=request.user, category=_category(request, category_id))
    return {"done": "save", "ranked": len(results)}


@router.post("/award/categories/{category_id}/approve", summary="Approve and lock the saved results")
def post_approve(request: HttpRequest, category_id: int) -> dict[str, str]:
    actions.do_approve(actor=request.user, category=_category(request, category_id))
    return {"done": "approve"}


@router.post("/award/categories/{category_id}/publish", summary="Publish the results (a failing check needs a reason)")
def post_publish(request: HttpRequest, category_id: int, body: ReasonIn | None = None) -> dict[str, str]:
    reason = body.reason if body else ""
    actions.do_publish(actor=request.user, category=_category(request, category_id), reason=reason)
    return {"done": "publish"}


class ZoneIn(Schema):
    name: str = Field(max_length=120)
    slug: str = Field("", max_length=50, description="blank: from the name")
    region_codes: list[str] = Field(description='the provinces of the zone, e.g. ["31", "32", "36"]')


class ZoneOut(Schema):
    slug: str
    name: str
    region_codes: list[str]
    regions: list[str]


@router.get("/award/zones", response=list[ZoneOut], summary="Award zones and their provinces")
def get_zones(request: HttpRequest) -> Any:
    return queries.award_zones(request.user)


@router.put("/award/zones", response=ZoneOut, summary="Create or replace an award zone (national committee)")
def put_zone(request: HttpRequest, body: ZoneIn) -> Any:
    group = actions.do_save_zone(actor=request.user, name=body.name, region_codes=body.region_codes, slug=body.slug)
    return next(z for z in queries.award_zones(request.user) if z["slug"] == group.slug)


@router.delete("/award/zones/{slug}", summary="Remove an award zone (national committee)")
def delete_zone(request: HttpRequest, slug: str) -> dict[str, Any]:
    moved = actions.do_delete_zone(actor=request.user, slug=slug)
    return {"deleted": slug, "participants_moved": moved}


class ResultOut(Schema):
    rank: int
    zone_rank: int | None
    title: str
    shared: bool
    total: float
    region_code: str = Field(alias="participant.region_code")
    name: str = Field(alias="participant.name")
    zone: str = Field(alias="participant.zone")
    breakdown: dict[str, Any]
    sensitivity: dict[str, Any]


@router.get(
    "/award/categories/{category_id}/results", response=list[ResultOut], summary="Results (committee or published)"
)
def get_results(request: HttpRequest, category_id: int) -> Any:
    return queries.results_for(request.user, _category(request, category_id))


@router.get("/award/categories/{category_id}/sensitivity", summary="How stable each rank is; TOPSIS and VIKOR")
def get_sensitivity(
    request: HttpRequest, category_id: int, samples: int = 10_000, spread: float = 0.2
) -> dict[str, Any]:
    from paritrana.award.ranking import score_matrix

    category = _category(request, category_id)
    queries.results_for(request.user, category)
    m = score_matrix(category)
    names = [p.name for p in m.participants]
    if len(names) < 2:
        return {"participants": [], "correlations": [], "notes": ["fewer than two verified participants"]}
    tie_breaks = scoring.default_tie_breaks(m.framework, m.scores)
    rows = scoring.sensitivity(
        m.scores, m.weights, samples=min(samples, 100_000), spread=spread, tie_breaks=tie_breaks, names=names
    ).rows()
    check = scoring.cross_check(m.scores, m.weights)
    return {
        "participants": [
            {
                "region_code": p.region_code,
                "name": p.name,
                **row,
                "critical_leaves": [m.leaves[j].key for j in row["critical_leaves"]],
            }
            for p, row in zip(m.participants, rows, strict=True)
        ],
        "correlations": check["correlations"],
        "notes": check["notes"],
    }


@router.get("/award/categories/{category_id}/export", summary="Spreadsheet export (CSV)")
def get_export(request: HttpRequest, category_id: int, kind: str = "results") -> HttpResponse:
    category = _category(request, category_id)
    if kind == "results":
        queries.results_for(request.user, category)
    elif not queries.is_committee(request.user, category.edition):
        from paritrana.core.errors import PermissionDenied

        raise PermissionDenied()
    columns, rows = sheets.export_rows(category, kind if kind in ("indicators", "answers", "scores") else "results")
    response = HttpResponse(sheets.rows_to_csv(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{category.key}-{kind}.csv"'
    return response


@router.post("/award/categories/{category_id}/import", summary="Import indicators, answers or scores (CSV/XLSX)")
def post_import(request: HttpRequest, category_id: int, kind: Form[str], file: File[UploadedFile]) -> dict[str, int]:
    return sheets.do_import_sheet(
        actor=request.user,
        category=_category(request, category_id),
        kind=kind,
        data=file.read(),
        filename=file.name or "sheet.csv",
    )


class PublicResultOut(Schema):
    rank: int
    zone_rank: int | None
    title: str
    total: float
    region_code: str = Field(alias="participant.region_code")
    name: str = Field(alias="participant.name")
    zone: str = Field(alias="participant.zone")


@router.get("/public/award/{year}", auth=None, summary="Published results of a year (no login)")
def get_public(request: HttpRequest, year: int, region: str = "") -> list[dict[str, Any]]:
    out = []
    for category in Category.objects.filter(
        edition__year=year, edition__region_code=region, published_at__isnull=False
    ).select_related("edition"):
        results: list[Result] = list(queries.published_results(category))
        out.append(
            {
                "category": category.key,
                "name": category.name,
                "results": [PublicResultOut.from_orm(r).dict() for r in results],
            }
        )
    return out
