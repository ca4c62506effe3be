"""The self-assessment: answers, evidence, submission, verification, and indicator values computed from the data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from paritrana.award import scoring
from paritrana.award.actions._common import (
    _fresh,
    _leaf,
    _manage,
    _refusals_audited,
    _status,
)
from paritrana.award.actions.jury import inputs_open
from paritrana.award.evidence import store
from paritrana.award.models import (
    Answer,
    Category,
    EditionStatus,
    Evidence,
    IndicatorScore,
    Participant,
    ParticipantStatus,
)
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput
from paritrana.core.permissions import require
from paritrana.core.stale import refuse_if_not_seen


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
    refuse_if_not_seen(
        seen,
        answer.updated_at if answer else None,
        N_(
            "The answer to {criterion} was changed at {when}, after you opened the page (it is now: {value}): "
            "yours was not saved. Check it, then save again if yours is still right."
        ),
        unchanged=answer is not None and answer.value == checked,
        field=criterion,
        criterion=criterion,
        value=shown_answer(answer.value) if answer else "-",
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
