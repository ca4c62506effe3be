"""What the award pages share: a form's first error, a category's framework and leaves of one method, the results
a user may see, a user's participations, a file response, and a participant's questions with their answers
and evidence (the self-assessment, the jury's page and the participant's page show them)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext

from paritrana.award import actions, queries, reports, scoring
from paritrana.award.models import Category, Participant, Result
from paritrana.core.errors import NotFound
from paritrana.core.permissions import scope_for


def _first_error(form: Any) -> str:
    labels = {name: field.label for name, field in form.fields.items()}
    return next((f"{labels.get(name, '')}: {errors[0]}".lstrip(": ") for name, errors in form.errors.items()), "")


def _framework(category: Category) -> scoring.Framework:
    return scoring.parse_framework(category.framework)


def _leaves(category: Category, method: str) -> list[scoring.Criterion]:
    return [c for c in scoring.leaves(_framework(category)) if c.method == method]


def _results(user: Any, category: Category) -> list[Result] | None:
    """The results the user may see (committee: once ranked; everybody: once published), or None."""
    try:
        return list(queries.results_for(user, category))
    except NotFound:
        return None


def _participations(user: Any) -> Any:
    """The participants the user answers for: its regions' participants in the editions it can see."""
    scope = scope_for(user, "award.submit")
    if scope.empty:
        return Participant.objects.none()
    return (
        Participant.objects.filter(scope.q("region_code"), category__edition__in=queries.editions_for(user))
        .select_related("category__edition")
        .order_by("-category__edition__year", "category__key", "region_code")
    )


def _file(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _answers_and_evidence(participant: Participant) -> list[dict[str, Any]]:
    """Every question of the participant's category with its answer, required documents and uploaded files."""
    answers = {a.criterion: a for a in participant.answers.all()}
    files: dict[tuple[str, str], list[Any]] = {}
    for e in participant.evidence.all():
        files.setdefault((e.criterion, e.document), []).append(e)
    out = []
    for leaf in _leaves(participant.category, "question"):
        answer = answers.get(leaf.key)
        value = None if answer is None else answer.value
        out.append(
            {
                "key": leaf.key,
                "name": reports.text_of(leaf.name),
                "description": reports.text_of(leaf.description),
                "answer": leaf.answer,
                "choices": list(leaf.choices or {}),
                "value": value,
                "shown": actions.shown_answer(value),
                "version": actions.version_of(answer),
                "score": None if answer is None else answer.score,
                "documents": [{"name": d, "files": files.get((leaf.key, d), [])} for d in leaf.evidence],
            }
        )
    return out


def _missing(questions: list[dict[str, Any]]) -> list[str]:
    """What still stops a submission (``actions.missing_items``), in words: by question, its answer and documents."""
    out = []
    for q in questions:
        if q["value"] is None:
            out.append(gettext("{question}: not answered").format(question=q["name"]))
        out += [
            gettext("{question}: {document} not uploaded").format(question=q["name"], document=d["name"])
            for d in q["documents"]
            if not d["files"]
        ]
    return out
