"""Writes of the award, in the order of its workflow: edition and categories -> invitation -> self-assessment and
evidence -> verification -> indicator values -> panel, conflicts and jury scores -> lock -> decisions on missing
values -> saved results -> approval (after which nothing changes) -> publication; and the award zones.

Every action checks the role and region first, writes in one transaction and audits. A refused attempt (after the
deadline, after the lock, a conflicted judge, a score off the scale...) is also written to the audit log, with the
reason, before the error reaches the person (``_refusals_audited``). An action on a category locks the category's
row first and reads its state afresh (``_fresh``): two committee members, or a judge and the committee, acting at
once are served one after the other, and the second sees what the first committed. The stage transitions run
their check list (``award.checks``) inside the same transaction; a failing check needs a reason, which is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from paritrana.award import scoring
from paritrana.award.checks import FLOW, Check, category_checks, edition_checks, enforce
from paritrana.award.evidence import store
from paritrana.award.models import (
    Answer,
    Category,
    ConflictOfInterest,
    DecisionKind,
    Edition,
    EditionStatus,
    Evidence,
    IndicatorScore,
    JuryScore,
    MissingValueDecision,
    PanelMember,
    Participant,
    ParticipantStatus,
    Result,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, NotFound, OutOfScope, PermissionDenied
from paritrana.core.permissions import require

__all__ = [
    "do_add_panel_member",
    "do_approve",
    "do_compute_indicator_values",
    "do_create_edition",
    "do_declare_conflict",
    "do_delete_zone",
    "do_invite",
    "do_lock_panel",
    "do_publish",
    "do_resolve_missing",
    "do_save_answer",
    "do_save_category",
    "do_save_results",
    "do_save_zone",
    "do_score",
    "do_set_edition_status",
    "do_set_scoring_deadline",
    "do_submit",
    "do_upload_evidence",
    "do_verify",
    "do_withdraw_conflict",
]

LEVEL_DEPTH = {"province": 1, "kabupaten": 2, "kecamatan": 3, "desa": 4}


_refusals_audited = audit.refusals_audited  # one implementation, in core.audit


def _manage(actor: Any, edition: Edition) -> None:
    require(actor, "award.manage", edition.region_code or None)
    if edition.region_code == "":
        from paritrana.core.permissions import require_national

        require_national(actor, "award.manage")


def _manage_national(actor: Any) -> None:
    """The award zones group provinces for the national round: its committee (national scope) manages them."""
    if not require(actor, "award.manage").national:
        raise PermissionDenied(
            N_(
                "The award zones group provinces for the national round: only its committee (national scope) "
                "manages them."
            )
        )


def _fresh(category: Category) -> Category:
    """Lock the category's row until the transaction ends and read its state (and its edition's) afresh."""
    list(Category.objects.select_for_update().filter(pk=category.pk).values_list("pk", flat=True))
    category.refresh_from_db()
    category.edition.refresh_from_db()
    return category


def _overridden(checks: list[Check], keys: list[str], reason: str) -> dict[str, Any]:
    """What the audit keeps of a transition's check list: the checks overridden, with the reason."""
    if not keys:
        return {}
    return {
        "overridden": keys,
        "reason": reason.strip(),
        "conditions": [c.text(lambda m: m) for c in checks if c.key in keys],
    }


def _unlocked(category: Category) -> None:
    if category.approved_at is not None:
        raise Conflict(
            N_("The results of {category} are approved and locked: nothing can change."), category=str(category)
        )


def _status(edition: Edition, *wanted: str) -> None:
    if edition.status not in wanted:
        raise Conflict(
            N_("The edition is in the '{status}' stage; this needs: {wanted}."),
            status=edition.get_status_display(),
            wanted=", ".join(str(EditionStatus(w).label) for w in wanted),
        )


# --- editions and categories -----------------------------------------------------------------------------------


@_refusals_audited("award.edition")
def do_create_edition(
    *,
    actor: Any,
    year: int,
    name: str,
    assessment_start: date,
    assessment_end: date,
    submission_deadline: datetime,
    region_code: str = "",
    scoring_deadline: datetime | None = None,
) -> Edition:
    edition = Edition(
        year=year,
        name=name.strip(),
        region_code=region_code,
        assessment_start=assessment_start,
        assessment_end=assessment_end,
        submission_deadline=submission_deadline,
        scoring_deadline=scoring_deadline,
    )
    _manage(actor, edition)
    _check_scoring_deadline(edition, scoring_deadline)
    if region_code and "." in region_code:  # a kabupaten's committee could otherwise open a "round" of its own
        raise InvalidInput(
            N_("A round is the national one (blank) or a province's (e.g. 36), not '{value}'."),
            field="region_code",
            value=region_code,
        )
    if not edition.name:
        raise InvalidInput(N_("{field} is required."), field="name")
    if assessment_end < assessment_start:
        raise InvalidInput(N_("The assessment period ends before it starts."), field="assessment_end")
    if Edition.objects.filter(year=year, region_code=region_code).exists():
        raise Conflict(N_("There is already an edition {year} for this round."), year=year)
    edition.save()
    audit.record(actor=actor, action="award.edition.create", obj=edition, region_code=region_code, after=edition)
    return edition


def _check_scoring_deadline(edition: Edition, deadline: datetime | None) -> None:
    if deadline is not None and deadline <= edition.submission_deadline:
        raise InvalidInput(
            N_("The jury scores after the self-assessment closes ({deadline}): choose a later scoring deadline."),
            field="scoring_deadline",
            deadline=date_format(timezone.localtime(edition.submission_deadline), "DATETIME_FORMAT"),
        )


@_refusals_audited("award.edition")
def do_set_scoring_deadline(*, actor: Any, edition: Edition, deadline: datetime | None) -> Edition:
    """Set, extend or clear (None: until each panel is locked) the day the jury's scoring closes. A closed round
    keeps its record."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _manage(actor, edition)
    if edition.status == EditionStatus.CLOSED:
        raise Conflict(N_("The edition is closed: its scoring deadline stays as it was."), field="scoring_deadline")
    _check_scoring_deadline(edition, deadline)
    before = {"scoring_deadline": edition.scoring_deadline}
    edition.scoring_deadline = deadline
    edition.save(update_fields=["scoring_deadline"])
    audit.record(
        actor=actor,
        action="award.edition.scoring_deadline",
        obj=edition,
        region_code=edition.region_code,
        before=before,
        after={"scoring_deadline": deadline},
    )
    return edition


def back_check() -> Check:
    """Going back a stage reopens the earlier one (answers, verification): it always needs a reason."""
    return Check("back", N_("The edition moves forward (going back reopens the earlier stage)."), False)


@_refusals_audited("award.edition")
def do_set_edition_status(*, actor: Any, edition: Edition, status: str, reason: str = "") -> Edition:
    """Move the edition one stage on (draft -> open -> verification -> judging -> closed) when the check list of
    that transition holds (``checks.edition_checks``), or with a reason that overrides the failing checks; or one
    stage back, with a reason."""
    _manage(actor, edition)
    list(Edition.objects.select_for_update().filter(pk=edition.pk).values_list("pk", flat=True))
    edition.refresh_from_db()
    if status not in EditionStatus.values:
        raise InvalidInput(N_("Unknown stage '{value}'."), field="status", value=status)
    here, there = FLOW.index(EditionStatus(edition.status)), FLOW.index(EditionStatus(status))
    if abs(there - here) != 1:
        raise Conflict(
            N_("An edition moves one stage at a time: from '{status}' to '{wanted}' is not allowed."),
            status=edition.status,
            wanted=status,
        )
    # Approved results lock the edition's earlier stages; moving on to closing it (publication) stays open.
    if there < here and any(c.approved_at for c in edition.categories.all()):
        raise Conflict(N_("The results of this edition are approved and locked: nothing can change."))
    checks = edition_checks(edition, status) if there > here else [back_check()]
    what = gettext("Moving the edition to '{stage}'").format(stage=EditionStatus(status).label)
    overridden = enforce(checks, reason, what=what)
    before = edition.status
    edition.status = status
    edition.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="award.edition.status",
        obj=edition,
        before={"status": before},
        after={"status": status, **_overridden(checks, overridden, reason)},
    )
    return edition


@_refusals_audited("award.category")
def do_save_category(
    *,
    actor: Any,
    edition: Edition,
    key: str,
    name: str,
    participant_level: str,
    framework: Mapping[str, Any] | str,
    titles: list[str] | None = None,
    by_zone: bool = False,
    normalise_judges: bool = False,
) -> Category:
    """Create or replace a category and its criteria (YAML/JSON text or a parsed mapping)."""
    _manage(actor, edition)
    if participant_level not in LEVEL_DEPTH:
        raise InvalidInput(
            N_("Participants are provinces, kabupaten/kota or desa, not '{value}'."),
            field="participant_level",
            value=participant_level,
        )
    from paritrana.analytics.definitions import load_yaml

    data: Any = load_yaml(framework) if isinstance(framework, str) else framework
    if not isinstance(data, Mapping):
        raise InvalidInput(N_("The criteria framework is not a mapping of fields."), field="framework")
    parsed = scoring.parse_framework(data)  # validates: weights sum to 100 at every level, ...
    existing = Category.objects.filter(edition=edition, key=key).first()
    if existing is not None:
        _fresh(existing)
        _unlocked(existing)
        if existing.panel_locked_at:
            raise Conflict(
                N_("The panel of {category} has locked its scores: the criteria cannot change."), category=str(existing)
            )
    category, created = Category.objects.update_or_create(
        edition=edition,
        key=key,
        defaults={
            "name": name,
            "participant_level": participant_level,
            "framework": scoring.framework_to_dict(parsed),
            "titles": list(titles or ["Terbaik I", "Terbaik II", "Terbaik III"]),
            "by_zone": by_zone,
            "normalise_judges": normalise_judges,
        },
    )
    audit.record(
        actor=actor,
        action="award.category.create" if created else "award.category.update",
        obj=category,
        region_code=edition.region_code,
        after={"key": key, "name": name, "framework": category.framework},
    )
    return category


@_refusals_audited("award.invite")
def do_invite(*, actor: Any, category: Category, winners_of: int | None = None) -> dict[str, int]:
    """Invite every region of the category's level inside the edition's round (idempotent). ``winners_of`` (a
    year; national rounds): only the regions that won a title in the published provincial rounds of that year, in
    the category with the same key - the provincial round leads to the national round."""
    from paritrana.regions.models import Region

    edition = category.edition
    _manage(actor, edition)
    if winners_of is not None and edition.region_code:
        raise Conflict(N_("Only a national round invites the winners of the provincial rounds."))
    _fresh(category)
    _unlocked(category)
    regions = Region.objects.filter(level=LEVEL_DEPTH[category.participant_level])
    if edition.region_code:
        regions = regions.filter(code__startswith=edition.region_code + ".")
    if winners_of is not None:
        titled = Result.objects.filter(
            participant__category__key=category.key,
            participant__category__edition__year=winners_of,
            participant__category__published_at__isnull=False,
            participant__category__edition__region_code__gt="",
        ).exclude(title="")
        regions = regions.filter(code__in=titled.values("participant__region_code"))
    zones = _zones()
    existing = set(category.participants.values_list("region_code", flat=True))
    new = [
        Participant(category=category, region_code=r.code, name=r.name, zone=zones.get(r.code.split(".")[0], ""))
        for r in regions
        if r.code not in existing
    ]
    Participant.objects.bulk_create(new)
    counts = {"invited": len(new), "already": len(existing), "zones_updated": _refresh_zones(category.participants)}
    audit.record(actor=actor, action="award.invite", obj=category, region_code=edition.region_code, after=counts)
    return counts


def _zones() -> dict[str, str]:
    """Province code -> the name of its award zone."""
    from paritrana.regions.models import RegionGroup

    return {
        code: group.name
        for group in RegionGroup.objects.filter(kind="award_zone").prefetch_related("regions")
        for code in group.regions.values_list("code", flat=True)
    }


def _refresh_zones(participants: Any) -> int:
    """Set each participant's zone from the award zones of its province; how many changed."""
    zones = _zones()
    changed = []
    for p in participants.only("pk", "region_code", "zone"):
        zone = zones.get(p.region_code.split(".")[0], "")
        if p.zone != zone:
            p.zone = zone
            changed.append(p)
    Participant.objects.bulk_update(changed, ["zone"], batch_size=2000)
    return len(changed)


@_refusals_audited("award.zone")
def do_save_zone(*, actor: Any, name: str, region_codes: list[str], slug: str = "") -> Any:
    """Create or replace an award zone (a named set of provinces) and move the participants of every category not
    yet approved into their zones. A province belongs to one zone only."""
    from django.utils.text import slugify

    from paritrana.regions.actions import do_save_region_group
    from paritrana.regions.models import RegionGroup
    from paritrana.regions.queries import normalize_code

    _manage_national(actor)
    slug = slug or slugify(name)[:50]
    codes = {normalize_code(c) for c in region_codes if str(c).strip()}
    if not codes:
        raise InvalidInput(N_("Name the provinces of the zone (e.g. 31, 32, 36)."), field="region_codes")
    elsewhere = sorted(
        f"{code} ({group.name})"
        for group in RegionGroup.objects.filter(kind="award_zone").exclude(slug=slug).prefetch_related("regions")
        for code in group.regions.values_list("code", flat=True)
        if code in codes
    )
    if elsewhere:
        raise Conflict(
            N_("A province belongs to one zone only; already in another zone: {codes}."),
            field="region_codes",
            codes=", ".join(elsewhere),
        )
    group = do_save_region_group(kind="award_zone", name=name, region_codes=sorted(codes), actor=actor, slug=slug)
    moved = _refresh_zones(Participant.objects.filter(category__approved_at__isnull=True))
    audit.record(
        actor=actor,
        action="award.zone.save",
        obj=group,
        after={"name": group.name, "slug": group.slug, "regions": sorted(codes), "participants_moved": moved},
    )
    return group


@_refusals_audited("award.zone")
def do_delete_zone(*, actor: Any, slug: str) -> int:
    """Remove an award zone; the participants of categories not yet approved lose it (a category ranked per zone
    then refuses to rank them until they have a zone again). How many participants changed."""
    from paritrana.regions.actions import do_delete_region_group
    from paritrana.regions.models import RegionGroup

    _manage_national(actor)
    group = RegionGroup.objects.filter(kind="award_zone", slug=slug).first()
    if group is None:
        raise NotFound(N_("There is no award zone '{slug}'."), slug=slug)
    name = group.name
    do_delete_region_group(group=group, actor=actor)
    moved = _refresh_zones(Participant.objects.filter(category__approved_at__isnull=True))
    audit.record(
        actor=actor,
        action="award.zone.delete",
        object_type="regions.regiongroup",
        object_id=f"award_zone:{slug}",
        after={"name": name, "participants_moved": moved},
    )
    return moved


# --- self-assessment --------------------------------------------------------------------------------------------


def _leaf(category: Category, key: str, method: str) -> Any:
    leaves = {c.key: c for c in scoring.leaves(scoring.parse_framework(category.framework))}
    criterion = leaves.get(key)
    if criterion is None or criterion.method != method:
        raise NotFound(
            N_("No {method} criterion '{criterion}' in {category}."),
            method=method,
            criterion=key,
            category=str(category),
        )
    return criterion


def _answering(actor: Any, participant: Participant) -> None:
    category = participant.category
    require(actor, "award.submit", participant.region_code)
    _fresh(category)
    participant.refresh_from_db(fields=["status", "submitted_at"])
    inputs_open(category)
    _status(category.edition, EditionStatus.OPEN)
    if timezone.now() > category.edition.submission_deadline:
        raise Conflict(
            N_("The self-assessment closed on {deadline}."),
            # in the reader's language and WIB, as the pages write it ("15 Okt 2025 14.30")
            deadline=date_format(timezone.localtime(category.edition.submission_deadline), "DATETIME_FORMAT"),
        )
    if participant.status not in (ParticipantStatus.INVITED, ParticipantStatus.RETURNED):
        raise Conflict(
            N_("{participant} has already submitted; the committee must return it first."), participant=participant.name
        )


def _checked_answer(criterion: Any, value: Any) -> Any:
    kind = criterion.answer
    if kind == "yes_no":
        if isinstance(value, str) and value.strip().lower() in ("ya", "yes", "true", "1", "tidak", "no", "false", "0"):
            value = value.strip().lower() in ("ya", "yes", "true", "1")
        if not isinstance(value, bool):
            raise InvalidInput(N_("Answer yes or no."), field=criterion.key, value=value)
        return value
    if kind == "number":
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            raise InvalidInput(N_("'{value}' is not a number."), field=criterion.key, value=value) from None
    if kind == "choice":
        if value not in criterion.choices:
            raise InvalidInput(
                N_("Choose one of: {choices}."), field=criterion.key, choices=", ".join(criterion.choices)
            )
        return value
    text = str(value or "").strip()
    if not text or len(text) > 5000:
        raise InvalidInput(N_("Write between 1 and 5,000 characters."), field=criterion.key)
    return text


def version_of(row: Answer | JuryScore | None) -> str:
    """What a page shows of an answer's or a score's version, to send back as ``seen``: when it was last saved (""
    when there was none yet)."""
    return "" if row is None else row.updated_at.isoformat()


def _changed_since(row: Answer | JuryScore | None, seen: str | None, unchanged: bool) -> bool:
    """Whether saving would overwrite what someone else saved after the page (version ``seen``) was opened. Posting
    the value already saved is never that (a form posts every field it shows); no ``seen``: the caller does not
    check (the command line, an API client that sends none)."""
    return seen is not None and seen != version_of(row) and not (row is not None and unchanged)


def _stale(message: str, row: Answer | JuryScore | None, criterion: str, value: str) -> Conflict:
    """The refusal of a save that ``_changed_since`` caught: what, when it changed and to what."""
    when = date_format(timezone.localtime(row.updated_at), "DATETIME_FORMAT") if row else "-"
    return Conflict(message, field=criterion, criterion=criterion, when=when, value=value)


def shown_answer(value: Any) -> str:
    """An answer as a person reads it (yes/no in their language, numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@_refusals_audited("award.answer")
def do_save_answer(
    *, actor: Any, participant: Participant, criterion: str, value: Any, seen: str | None = None
) -> Answer:
    """Save one answer of the self-assessment. ``seen``: the answer's version as the page showed it
    (``version_of``); when a colleague of the region saved another value since, this one is refused rather than
    silently putting back the value the page showed. Posting the value already saved is never a conflict (the form
    posts every answered question)."""
    _answering(actor, participant)
    leaf = _leaf(participant.category, criterion, "question")
    checked = _checked_answer(leaf, value)
    answer = Answer.objects.select_for_update().filter(participant=participant, criterion=criterion).first()
    if _changed_since(answer, seen, answer is not None and answer.value == checked):
        raise _stale(
            N_(
                "The answer to {criterion} was changed at {when}, after you opened the page (it is now: {value}): "
                "yours was not saved. Check it, then save again if yours is still right."
            ),
            answer,
            criterion,
            shown_answer(answer.value) if answer else "-",
        )
    before = None if answer is None else {"value": answer.value}
    answer, _ = Answer.objects.update_or_create(
        participant=participant, criterion=criterion, defaults={"value": checked}
    )
    audit.record(
        actor=actor,
        action="award.answer",
        obj=participant,
        region_code=participant.region_code,
        before=before,
        after={"criterion": criterion, "value": checked},
    )
    return answer


@_refusals_audited("award.evidence")
def do_upload_evidence(
    *, actor: Any, participant: Participant, criterion: str, document: str, data: bytes, filename: str
) -> Evidence:
    _answering(actor, participant)
    leaf = _leaf(participant.category, criterion, "question")
    if document not in leaf.evidence:
        raise InvalidInput(
            N_("{criterion} asks for: {documents}."),
            field="document",
            criterion=criterion,
            documents=", ".join(leaf.evidence) or "-",
        )
    path, content_type, digest, size = store(data, filename, f"{participant.category.edition_id}/{participant.pk}")
    evidence = Evidence.objects.create(
        participant=participant,
        criterion=criterion,
        document=document,
        filename=filename[:255],
        content_type=content_type,
        size=size,
        sha256=digest,
        path=path,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action="award.evidence.upload",
        obj=evidence,
        region_code=participant.region_code,
        after={"criterion": criterion, "document": document, "filename": filename, "sha256": digest},
    )
    return evidence


def missing_items(participant: Participant) -> list[str]:
    """What still stops a submission: unanswered questions and required documents not uploaded."""
    missing = []
    answers = dict(participant.answers.values_list("criterion", "value"))
    documents = set(participant.evidence.values_list("criterion", "document"))
    for leaf in scoring.leaves(scoring.parse_framework(participant.category.framework)):
        if leaf.method != "question":
            continue
        if leaf.key not in answers:
            missing.append(f"{leaf.key}: answer")
        elif not evidence_needed(leaf, answers[leaf.key]):
            continue
        missing += [f"{leaf.key}: {doc}" for doc in leaf.evidence if (leaf.key, doc) not in documents]
    return missing


def evidence_needed(leaf: Any, answer: Any) -> bool:
    """Documents back a claim: a yes/no question answered "no" claims nothing, so it needs no document."""
    return not (leaf.answer == "yes_no" and answer is False)


@_refusals_audited("award.submit")
def do_submit(*, actor: Any, participant: Participant) -> Participant:
    _answering(actor, participant)
    missing = missing_items(participant)
    if missing:
        raise InvalidInput(N_("Not complete yet: {missing}."), field="submission", missing="; ".join(missing))
    participant.status = ParticipantStatus.SUBMITTED
    participant.submitted_at = timezone.now()
    participant.save(update_fields=["status", "submitted_at"])
    audit.record(actor=actor, action="award.submit", obj=participant, region_code=participant.region_code)
    return participant


@_refusals_audited("award.verify")
def do_verify(
    *,
    actor: Any,
    participant: Participant,
    accept: bool,
    notes: str = "",
    text_scores: Mapping[str, float] | None = None,
) -> Participant:
    """The committee accepts a submission (scoring its text answers 0-100) or returns it with notes."""
    category = participant.category
    _manage(actor, category.edition)
    _fresh(category)
    participant.refresh_from_db(fields=["status"])
    inputs_open(category)  # who is verified decides who is ranked: fixed once the panel locks
    _status(category.edition, EditionStatus.VERIFICATION, EditionStatus.OPEN)
    if participant.status != ParticipantStatus.SUBMITTED:
        raise Conflict(N_("{participant} has not submitted."), participant=participant.name)
    if not accept and not notes.strip():
        raise InvalidInput(N_("Say what must be corrected."), field="notes")
    for key, score in (text_scores or {}).items():
        _leaf(category, key, "question")
        if not 0 <= float(score) <= 100:
            raise InvalidInput(N_("A score is between 0 and 100."), field=key, value=score)
        Answer.objects.filter(participant=participant, criterion=key).update(score=float(score))
    participant.status = ParticipantStatus.VERIFIED if accept else ParticipantStatus.RETURNED
    participant.verification_notes = notes.strip()
    participant.save(update_fields=["status", "verification_notes"])
    audit.record(
        actor=actor,
        action="award.verify",
        obj=participant,
        region_code=participant.region_code,
        after={"accepted": accept, "notes": notes, "text_scores": dict(text_scores or {})},
    )
    return participant


@_refusals_audited("award.indicators")
def do_compute_indicator_values(*, actor: Any, category: Category, engine: str | None = None) -> int:
    """Fill the indicator criteria from the coverage indicators of the assessment period."""
    from paritrana.analytics.periods import Period
    from paritrana.analytics.queries import run
    from paritrana.analytics.sources import pick_indicators

    _manage(actor, category.edition)
    _fresh(category)
    inputs_open(category)
    leaves = [c for c in scoring.leaves(scoring.parse_framework(category.framework)) if c.method == "indicator"]
    if not leaves:
        return 0
    values = run(
        pick_indicators(sorted({c.indicator for c in leaves if c.indicator})),
        Period.parse(category.edition.period),
        category.participant_level,
        region=category.edition.region_code,
        engine=engine,
    )
    by_key = {(v.indicator, v.region_code): v for v in values}
    count = 0
    for participant in category.participants.all():
        for leaf in leaves:
            found = by_key.get((leaf.indicator or "", participant.region_code))
            IndicatorScore.objects.update_or_create(
                participant=participant,
                criterion=leaf.key,
                defaults={
                    "value": found.value if found else None,
                    "target": found.target if found else None,
                    "source": "computed",
                },
            )
            count += 1
    audit.record(
        actor=actor, action="award.indicators", obj=category, after={"values": count, "period": category.edition.period}
    )
    return count


# --- the jury ---------------------------------------------------------------------------------------------------


@_refusals_audited("award.panel")
def do_add_panel_member(*, actor: Any, category: Category, user: Any) -> PanelMember:
    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if not user.roles.filter(role="jury").exists():
        raise InvalidInput(N_("{user} does not hold the jury role."), field="user", user=user.get_username())
    member, _ = PanelMember.objects.get_or_create(category=category, user=user)
    audit.record(actor=actor, action="award.panel.add", obj=category, after={"user": user.get_username()})
    return member


def _member(actor: Any, category: Category) -> PanelMember:
    require(actor, "award.judge")
    member = PanelMember.objects.filter(category=category, user=actor).first()
    if member is None:
        raise PermissionDenied(N_("You are not on the panel of {category}."), category=str(category))
    return member


@_refusals_audited("award.conflict")
def do_declare_conflict(*, actor: Any, participant: Participant, reason: str, judge: Any = None) -> ConflictOfInterest:
    """A judge declares a conflict with a participant; or the committee records one for ``judge`` (a signed form).
    Scores the judge gave the participant no longer count (they are removed, and the audit keeps how many)."""
    category = participant.category
    if judge is None:
        member = _member(actor, category)
    else:
        _manage(actor, category.edition)
        found = PanelMember.objects.filter(category=category, user=judge).first()
        if found is None:
            raise InvalidInput(
                N_("{judge} is not on the panel of {category}."),
                field="judge",
                judge=str(judge),
                category=str(category),
            )
        member = found
    _fresh(category)
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if not reason.strip():
        raise InvalidInput(N_("Say what the conflict of interest is."), field="reason")
    conflict, created = ConflictOfInterest.objects.get_or_create(
        member=member,
        participant=participant,
        defaults={"reason": reason.strip(), "recorded_by": _user_or_none(actor)},
    )
    if not created:  # declared again after a withdrawal: in force again, with the new reason
        conflict.reason, conflict.recorded_by = reason.strip(), _user_or_none(actor)
        conflict.withdrawn_at, conflict.withdrawn_by, conflict.withdraw_reason = None, None, ""
        conflict.save()
    removed, _ = JuryScore.objects.filter(member=member, participant=participant).delete()
    audit.record(
        actor=actor,
        action="award.conflict",
        obj=participant,
        after={
            "judge": member.user.get_username(),
            "reason": reason,
            "scores_removed": removed,
            "recorded_by": "committee" if judge is not None else "judge",
        },
    )
    return conflict


@_refusals_audited("award.conflict")
def do_withdraw_conflict(*, actor: Any, conflict: ConflictOfInterest, reason: str) -> ConflictOfInterest:
    """The judge or the committee withdraws a conflict (declared by mistake), with a reason; kept for the record."""
    category = conflict.participant.category
    if conflict.member.user_id != getattr(actor, "pk", None):
        _manage(actor, category.edition)
    _fresh(category)
    conflict.refresh_from_db()
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if conflict.withdrawn_at is not None:
        raise Conflict(N_("This conflict was already withdrawn."))
    if not reason.strip():
        raise InvalidInput(N_("Say why the conflict is withdrawn."), field="reason")
    conflict.withdrawn_at, conflict.withdrawn_by, conflict.withdraw_reason = (
        timezone.now(),
        _user_or_none(actor),
        reason.strip(),
    )
    conflict.save()
    audit.record(
        actor=actor,
        action="award.conflict.withdraw",
        obj=conflict.participant,
        after={"judge": conflict.member.user.get_username(), "reason": reason.strip()},
    )
    return conflict


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def scorable(category: Category, member: PanelMember, participant: Participant) -> None:
    """The rules of a jury score, whoever enters it (the judge on the page or the API, the committee from a signed
    score sheet): the edition is judging, the panel is not locked, the participant is verified, no conflict."""
    _unlocked(category)
    _status(category.edition, EditionStatus.JUDGING)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))
    if participant.status != ParticipantStatus.VERIFIED:
        raise Conflict(N_("{participant} is not verified."), participant=participant.name)
    if ConflictOfInterest.objects.active().filter(member=member, participant=participant).exists():
        raise PermissionDenied(
            N_("{judge} declared a conflict of interest with {participant}: no score from them."),
            judge=member.user.get_username(),
            participant=participant.name,
        )


def inputs_open(category: Category) -> None:
    """Indicator values and answers feed the ranking: they change only until the panel locks the category."""
    _unlocked(category)
    if category.panel_locked_at:
        raise Conflict(N_("The panel of {category} is locked."), category=str(category))


@_refusals_audited("award.score")
def do_score(
    *, actor: Any, participant: Participant, criterion: str, score: Any, comment: str = "", seen: str | None = None
) -> JuryScore:
    """A judge's score on one rubric. ``seen``: the score's version as the page showed it (``version_of``): one
    changed since (the judge's other tab, the committee's import of the judge's sheet) refuses this one."""
    category = participant.category
    member = _member(actor, category)
    _fresh(category)
    participant.refresh_from_db(fields=["status"])
    scorable(category, member, participant)
    closes = category.edition.scoring_deadline
    if closes is not None and timezone.now() > closes:
        raise Conflict(
            N_("Scoring closed on {deadline}: ask the committee to extend the scoring deadline."),
            field="score",
            deadline=date_format(timezone.localtime(closes), "DATETIME_FORMAT"),
        )
    leaf = _leaf(category, criterion, "jury")
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise InvalidInput(N_("'{value}' is not a number."), field="score", value=score) from None
    if not leaf.scale_min <= value <= leaf.scale_max:
        raise InvalidInput(
            N_("A score on {criterion} is between {minimum} and {maximum}, not {value}."),
            field="score",
            criterion=criterion,
            minimum=f"{leaf.scale_min:g}",
            maximum=f"{leaf.scale_max:g}",
            value=f"{value:g}",
        )
    current = JuryScore.objects.filter(member=member, participant=participant, criterion=criterion).first()
    if _changed_since(current, seen, current is not None and (current.score, current.comment) == (value, comment)):
        raise _stale(
            N_(
                "Your score on {criterion} was changed at {when}, after you opened the page (it is now: {value}): "
                "this one was not saved. Check it, then save again if yours is still right."
            ),
            current,
            criterion,
            f"{current.score:g}" if current else "-",
        )
    jury, _ = JuryScore.objects.update_or_create(
        member=member, participant=participant, criterion=criterion, defaults={"score": value, "comment": comment}
    )
    audit.record(
        actor=actor,
        action="award.score",
        obj=participant,
        after={"criterion": criterion, "score": value, "comment": comment},
    )
    return jury


@_refusals_audited("award.panel")
def do_lock_panel(*, actor: Any, category: Category, reason: str = "") -> Category:
    """Lock the panel's scores, and with them every input of the ranking (answers, indicator values, verification),
    when the check list holds (``checks.category_checks(category, "lock")``) or with a reason."""
    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    checks = category_checks(category, "lock")
    overridden = enforce(checks, reason, what=gettext("Locking the panel of {category}").format(category=category))
    category.panel_locked_at = timezone.now()
    category.save(update_fields=["panel_locked_at"])
    audit.record(actor=actor, action="award.panel.lock", obj=category, after=_overridden(checks, overridden, reason))
    return category


# --- ranking, approval, publication -----------------------------------------------------------------------------


@_refusals_audited("award.results")
def do_save_results(*, actor: Any, category: Category) -> list[Result]:
    """Save the ranking as the category's results (``ranking.compute_results``: refused while the panel is not
    locked, a participant of a by-zone category has no zone, or a missing value is unresolved), replacing the
    results saved before. Refused once the results are approved."""
    from paritrana.award.ranking import compute_results

    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    results = compute_results(category)
    before = Result.objects.filter(participant__category=category).count()
    Result.objects.filter(participant__category=category).delete()
    Result.objects.bulk_create(results)
    category.ranked_at = timezone.now()
    category.save(update_fields=["ranked_at"])
    audit.record(
        actor=actor,
        action="award.results.save",
        obj=category,
        before={"results": before},
        after={"ranked": len(results), "top": [r.participant.name for r in results[:3]]},
    )
    return results


RESOLUTIONS = ("value", "exempt", "zero")


@_refusals_audited("award.missing")
def do_resolve_missing(
    *,
    actor: Any,
    participant: Participant,
    criterion: str,
    resolution: str,
    reason: str = "",
    value: Any = None,
    target: Any = None,
) -> Any:
    """Resolve a value missing for a verified participant (see ``ranking.missing_values``): enter the ``value``
    (an indicator's value and target, or the committee's score 0-100 of a text answer; only while the inputs are
    open), or decide ``exempt`` (left out of the participant's total) or ``zero`` (scored 0), with a reason."""
    from paritrana.award.ranking import missing_values, score_matrix

    category = participant.category
    _manage(actor, category.edition)
    _fresh(category)
    participant.refresh_from_db(fields=["status"])
    _unlocked(category)
    if resolution not in RESOLUTIONS:
        raise InvalidInput(
            N_("Resolve a missing value with: {choices}; not '{value}'."),
            field="resolution",
            choices=", ".join(RESOLUTIONS),
            value=resolution,
        )
    leaves = {c.key: c for c in scoring.leaves(scoring.parse_framework(category.framework))}
    leaf = leaves.get(criterion)
    if leaf is None:
        raise NotFound(N_("No criterion '{criterion}' in {category}."), criterion=criterion, category=str(category))
    if participant.status != ParticipantStatus.VERIFIED:
        raise Conflict(
            N_("{participant} is not verified: only verified participants are ranked."), participant=participant.name
        )
    found = next(
        (m for m in missing_values(category) if m.participant.pk == participant.pk and m.criterion == criterion), None
    )
    if found is None:
        raise Conflict(
            N_("{participant} has a value on {criterion}: nothing is missing."),
            participant=participant.name,
            criterion=criterion,
        )
    before = None if found.decision is None else {"decision": found.decision.kind, "reason": found.decision.reason}
    if resolution == "value":
        written = _enter_value(category, participant, leaf, value, target)
        audit.record(
            actor=actor,
            action="award.missing.value",
            obj=participant,
            region_code=participant.region_code,
            before=before,
            after={"criterion": criterion, **written},
        )
        return written
    if not reason.strip():
        raise InvalidInput(N_("Say why the missing value is decided so."), field="reason")
    decision, _ = MissingValueDecision.objects.update_or_create(
        participant=participant,
        criterion=criterion,
        defaults={"kind": DecisionKind(resolution), "reason": reason.strip()[:300], "decided_by": _user_or_none(actor)},
    )
    score_matrix(category)  # refuses a participant exempted on every criterion (nothing left to score)
    audit.record(
        actor=actor,
        action="award.missing.decide",
        obj=participant,
        region_code=participant.region_code,
        before=before,
        after={"criterion": criterion, "decision": resolution, "reason": reason.strip(), "needs": found.needs},
    )
    return decision


def _number_or_refuse(value: Any, field: str) -> float:
    try:
        number = float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        raise InvalidInput(N_("'{value}' is not a number."), field=field, value=value) from None
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        raise InvalidInput(N_("'{value}' is not a number."), field=field, value=value)
    return number


def _enter_value(category: Category, participant: Participant, leaf: Any, value: Any, target: Any) -> dict[str, Any]:
    """The value that was missing, entered by the committee: an indicator's value (and target) or the score of a
    text answer. A judge's score comes from the judge (or the committee's import of a signed score sheet)."""
    inputs_open(category)
    if leaf.method == "indicator":
        if value in (None, ""):
            raise InvalidInput(N_("{field} is required."), field="value")
        number = _number_or_refuse(value, "value")
        goal = None if target in (None, "") else _number_or_refuse(target, "target")
        if leaf.scoring and leaf.scoring.type == "target" and (goal is None or goal <= 0):
            raise InvalidInput(
                N_("{criterion} is scored against a target: give a target above 0."), field="target", criterion=leaf.key
            )
        IndicatorScore.objects.update_or_create(
            participant=participant,
            criterion=leaf.key,
            defaults={"value": number, "target": goal, "source": "entered"},
        )
        return {"value": number, "target": goal}
    if leaf.method == "question" and leaf.answer == "text":
        score = _number_or_refuse(value, "value")
        if not 0 <= score <= 100:
            raise InvalidInput(N_("A score is between 0 and 100."), field="value", value=value)
        updated = Answer.objects.filter(participant=participant, criterion=leaf.key).update(score=score)
        if updated:
            return {"score": score}
    raise InvalidInput(
        N_(
            "{criterion} takes no value from the committee here (a judge's score or a region's answer): import it "
            "from a spreadsheet, or decide 'exempt' or 'zero' with a reason."
        ),
        field="resolution",
        criterion=leaf.key,
    )


@_refusals_audited("award.approve")
def do_approve(*, actor: Any, category: Category) -> Category:
    """Approve and lock the saved results: refused unless they are saved and still what the ranking gives."""
    _manage(actor, category.edition)
    _fresh(category)
    _unlocked(category)
    if category.ranked_at is None:
        raise Conflict(N_("Save the results of {category} before approving them."), category=str(category))
    enforce(category_checks(category, "approve"), "", what=gettext("Approving {category}").format(category=category))
    category.approved_at = timezone.now()
    category.approved_by = actor if getattr(actor, "pk", None) else None
    category.save(update_fields=["approved_at", "approved_by"])
    audit.record(actor=actor, action="award.approve", obj=category)
    return category


@_refusals_audited("award.publish")
def do_publish(*, actor: Any, category: Category, reason: str = "") -> Category:
    """Publish approved results of a closed edition. A title won alone (a single participant, or alone in its zone)
    or most invited regions never submitting needs a reason, which is audited. Publishing again changes nothing."""
    _manage(actor, category.edition)
    _fresh(category)
    if category.published_at is not None:
        return category
    if category.approved_at is None:
        raise Conflict(N_("Approve {category} before publishing it."), category=str(category))
    if category.edition.status != EditionStatus.CLOSED:
        raise Conflict(
            N_("Close the edition (stage '{status}') before publishing its results."),
            status=category.edition.get_status_display(),
        )
    checks = category_checks(category, "publish")
    overridden = enforce(checks, reason, what=gettext("Publishing {category}").format(category=category))
    category.published_at = timezone.now()
    category.save(update_fields=["published_at"])
    audit.record(actor=actor, action="award.publish", obj=category, after=_overridden(checks, overridden, reason))
    return category


def check_scope(actor: Any, participant: Participant) -> None:
    """A participant's own pages: its operators, the committee, its panel."""
    if require(actor, "award.view").contains(participant.region_code):
        return
    if PanelMember.objects.filter(category=participant.category, user=actor).exists():
        return
    raise OutOfScope(region=participant.region_code)
