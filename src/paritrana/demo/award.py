"""A demo of the award: the provincial round of Banten for this year (assessing last year), in the kabupaten/kota
category with the example framework (labelled as an example: no official weights are public), run from invitation
to publication so that every page has something to show. It follows the rules a committee follows: every invited
region submits (so the self-assessment closes before its deadline without an override), the panel of three is
complete before judging, every value the coverage data lacks is decided (zero, with the reason), the panel is
locked, the results saved, approved, the edition closed, and only then published."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.utils import timezone

from paritrana.award import actions
from paritrana.award.models import Edition
from paritrana.award.scoring import EXAMPLE_FRAMEWORK
from paritrana.core.dates import today
from paritrana.core.permissions import SYSTEM

__all__ = ["load_award"]

#: A one-page PDF standing in for a scanned Perda, DPA or description (the real ones are uploaded by operators).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
#: Which kabupaten/kota have a Perda and an APBD line, how their innovation was scored, and the jury (1..10).
ANSWERS = {
    "36.03": (True, True, 85, (9, 9, 8)),
    "36.74": (True, True, 80, (8, 9, 8)),
    "36.72": (True, False, 75, (8, 7, 8)),
    "36.71": (True, True, 60, (7, 7, 6)),
    "36.04": (False, True, 55, (6, 7, 6)),
    "36.73": (False, False, 50, (6, 5, 6)),
    "36.01": (False, True, 40, (5, 6, 5)),
    "36.02": (False, False, 35, (5, 5, 4)),
}


def load_award(*, actor: Any = None) -> dict[str, Any]:
    """Idempotent: does nothing once the demo edition exists."""
    actor = actor or SYSTEM
    year = today().year
    if Edition.objects.filter(year=year, region_code="36").exists():
        return {"edition": 0}
    edition = actions.do_create_edition(
        actor=actor,
        year=year,
        name=f"Paritrana Award {year} Provinsi Banten",
        region_code="36",
        assessment_start=date(year - 1, 1, 1),
        assessment_end=date(year - 1, 12, 31),
        submission_deadline=timezone.now() + timedelta(days=30),
    )
    framework = yaml.safe_load(EXAMPLE_FRAMEWORK.read_text(encoding="utf-8"))
    category = actions.do_save_category(
        actor=actor,
        edition=edition,
        key="kabupaten-kota",
        name="Pemerintah Kabupaten/Kota",
        participant_level="kabupaten",
        framework=framework,
    )
    actions.do_invite(actor=actor, category=category)
    actions.do_set_edition_status(actor=actor, edition=edition, status="open")
    for code, (perda, apbd, _innovation, _jury) in ANSWERS.items():
        participant = category.participants.get(region_code=code)
        for key, value, document in (
            ("perda", perda, "Perda/Perbup"),
            ("apbd-iuran", apbd, "DPA APBD"),
            ("inovasi-daerah", "Program perlindungan pekerja rentan berbasis desa.", "Deskripsi inovasi"),
        ):
            actions.do_save_answer(actor=actor, participant=participant, criterion=key, value=value)
            actions.do_upload_evidence(
                actor=actor,
                participant=participant,
                criterion=key,
                document=document,
                data=DEMO_PDF,
                filename=f"{key}-{code}.pdf",
            )
        actions.do_submit(actor=actor, participant=participant)
    actions.do_set_edition_status(actor=actor, edition=edition, status="verification")
    for code, (_p, _a, innovation, _jury) in ANSWERS.items():
        actions.do_verify(
            actor=actor,
            participant=category.participants.get(region_code=code),
            accept=True,
            text_scores={"inovasi-daerah": innovation},
        )
    actions.do_compute_indicator_values(actor=actor, category=category)
    # A value the coverage data lacks is not scored 0 silently: the demo committee decides it, with its reason.
    from paritrana.award.ranking import missing_values

    for missing in missing_values(category):
        actions.do_resolve_missing(
            actor=actor,
            participant=missing.participant,
            criterion=missing.criterion,
            resolution="zero",
            reason="Demo: data cakupan periode penilaian tidak tersedia untuk wilayah ini; diputuskan nol.",
        )
    users = get_user_model().objects
    judges = [users.get(username="juri.banten")]
    for name in ("juri.banten2", "juri.banten3"):
        if not users.filter(username=name).exists():
            from paritrana.accounts.actions import do_create_user
            from paritrana.demo.load import DEMO_PASSWORD

            do_create_user(
                username=name,
                password=DEMO_PASSWORD,
                full_name=f"Juri {name[-1]} Tim 9 Banten",
                roles=[("jury", "36")],
                actor=actor,
                check_password=False,
            )
        judges.append(users.get(username=name))
    for judge in judges:  # the panel is complete before judging starts (the check list of that stage)
        actions.do_add_panel_member(actor=actor, category=category, user=judge)
    actions.do_set_edition_status(actor=actor, edition=edition, status="judging")
    for code, (*_rest, jury) in ANSWERS.items():
        participant = category.participants.get(region_code=code)
        for judge, score in zip(judges, jury, strict=True):
            actions.do_score(actor=judge, participant=participant, criterion="wawancara-kepala-daerah", score=score)
    actions.do_lock_panel(actor=actor, category=category)
    results = actions.do_save_results(actor=actor, category=category)
    actions.do_approve(actor=actor, category=category)
    actions.do_set_edition_status(actor=actor, edition=edition, status="closed")
    actions.do_publish(actor=actor, category=category)
    return {"edition": edition.pk, "ranked": len(results), "winner": results[0].participant.name if results else ""}
