"""Builders for the follow-up tests: a death claim, its heirs and a session, through the app's own actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from paritrana.core.permissions import SYSTEM
from paritrana.followup import actions
from tests.factories import make_worker

DESA = "36.03.01.2003"  # Kabupaten Tangerang
DESA_OUTSIDE = "36.72.01.1001"  # Kota Cilegon
ATTENDEES = [
    {"name": "Budi Santoso", "institution": "Disnaker Kabupaten Tangerang", "position": "Kepala Bidang"},
    {"name": "Sri Wahyuni", "institution": "BPKAD", "position": "Analis Anggaran"},
    {"name": "Andi Pratama", "institution": "BPJS Ketenagakerjaan KCP Cikupa", "position": "Kepala Kantor"},
]


def make_death_claim(desa: str = DESA, *, kind: str = "jkk-death", event_date: date = date(2025, 8, 10)) -> Any:
    from paritrana.sponsorship.actions import do_record_claim

    return do_record_claim(
        actor=SYSTEM, worker=make_worker(desa), kind=kind, event_date=event_date, amount_paid=70_000_000
    )


def make_child(claim: Any, born: date = date(2021, 3, 1), name: str = "Anak", **flags: Any) -> Any:
    heir = actions.do_add_heir(actor=SYSTEM, claim=claim, name=name, relation="child", birth_date=born)
    return actions.do_flag_scholarship_child(actor=SYSTEM, heir=heir, **flags)


def make_session(region: str = "36.03", **fields: Any) -> Any:
    actor = fields.pop("actor", SYSTEM)
    values: dict[str, Any] = {
        "kind": "monev",
        "held_on": date(2025, 9, 15),
        "place": "Aula Disnaker, Tigaraksa",
        "bpjs_office": "KCP Cikupa",
        "region_code": region,
        "fiscal_year": 2025,
        "attendees": ATTENDEES,
    }
    values.update(fields)
    return actions.do_create_session(actor=actor, **values)
