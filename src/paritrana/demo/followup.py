"""A demo of sessions and heirs: an asistensi session with Kabupaten Tangerang's OPDs (one follow-up overdue), and
the heirs of the demo's JKM death claim, two children on the scholarship schedule, one year paid, one referral."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from paritrana.core.dates import today
from paritrana.core.permissions import SYSTEM
from paritrana.followup import actions
from paritrana.followup.models import Session
from paritrana.sponsorship.models import Claim

__all__ = ["load_followup"]


def load_followup(*, actor: Any = None) -> dict[str, Any]:
    """Idempotent: does nothing once the demo session exists."""
    actor = actor or SYSTEM
    if Session.objects.filter(region_code="36.03", place="Kantor Bappeda Kabupaten Tangerang").exists():
        return {"sessions": 0}
    now = today()
    session = actions.do_create_session(
        actor=actor,
        kind="asistensi",
        held_on=now - timedelta(days=60),
        place="Kantor Bappeda Kabupaten Tangerang",
        bpjs_office="BPJS Ketenagakerjaan Cabang Tangerang Raya",
        region_code="36.03",
        fiscal_year=now.year,
        attendees=[
            {"name": "Kepala Bidang Anggaran", "institution": "BPKAD", "position": "Kabid"},
            {"name": "Kepala Dinas", "institution": "Disnaker", "position": "Kadis"},
            {"name": "Kepala Cabang", "institution": "BPJS Ketenagakerjaan", "position": "Kacab"},
        ],
        summary="Asistensi penganggaran iuran pekerja rentan untuk APBD tahun depan.",
    )
    actions.do_add_finding(
        actor=actor,
        session=session,
        text="Belum ada mata anggaran iuran BPU untuk pekerja rentan dalam rancangan APBD tahun depan.",
        recommendation="Masukkan iuran 12 bulan untuk 2.000 pekerja rentan dalam RAPBD.",
        owner="BPKAD Kabupaten Tangerang",
        due_date=now - timedelta(days=10),  # overdue: it shows on the dashboards of Kabupaten Tangerang
    )
    actions.do_add_finding(
        actor=actor,
        session=session,
        text="Data pekerja rentan desa belum seluruhnya ber-NIK valid.",
        recommendation="Operator desa memperbaiki NIK lewat impor ulang daftar pekerja.",
        owner="Disnaker Kabupaten Tangerang",
        due_date=now + timedelta(days=30),
    )
    heirs = 0
    claim = Claim.objects.filter(kind="jkm").order_by("pk").first()
    if claim is not None:
        actions.do_add_heir(
            actor=actor, claim=claim, name="Istri almarhum", relation="spouse", birth_date=date(1988, 2, 1)
        )
        first = actions.do_add_heir(
            actor=actor, claim=claim, name="Anak pertama", relation="child", birth_date=date(2012, 8, 17)
        )
        second = actions.do_add_heir(
            actor=actor, claim=claim, name="Anak kedua", relation="child", birth_date=date(2017, 5, 2)
        )
        child = actions.do_flag_scholarship_child(actor=actor, heir=first, contribution_years=4)
        actions.do_flag_scholarship_child(actor=actor, heir=second, contribution_years=4)
        due = [y for y in actions.child_schedule(child).years if y.due <= now]
        if due:
            actions.do_record_disbursement(
                actor=actor,
                child=child,
                school_year=due[0].school_year,
                disbursed_on=due[0].due,
                reference="BSW-DEMO-1",
            )
        actions.do_refer_to_training(
            actor=actor,
            heir=first,
            course="Pelatihan operator komputer",
            provider="BLK Kabupaten Tangerang",
            referred_on=now - timedelta(days=20),
        )
        heirs = 3
    return {"sessions": 1, "findings": 2, "heirs": heirs}
