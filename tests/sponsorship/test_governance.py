"""Issue 20, maker-checker and ownership: who made or changed a program does not approve it; a region above reads a
lower region's program but does not write into it unless granted a role there. On every door: action, API, page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from paritrana.core.errors import MakerChecker, NotOwner
from paritrana.core.models import AuditEvent
from paritrana.regions.models import Region
from paritrana.sponsorship.actions import (
    do_advance_program,
    do_create_program,
    do_create_sponsor,
    do_end_enrollment,
    do_enroll,
    do_update_program,
)
from paritrana.sponsorship.models import Enrollment, Program
from tests.conftest import client_for
from tests.factories import make_user, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def desa() -> str:
    return (
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[0]
    )


def _draft(maker: Any, region: str = "36.03", kind: str = "apbd_kabkota") -> Program:
    sponsor = do_create_sponsor(actor=maker, name=f"Pemda {region}", kind=kind, region_code=region)
    return do_create_program(actor=maker, sponsor=sponsor, name="Pekerja rentan", fiscal_year=2024, pagu=1_000_000)


def test_the_maker_cannot_approve_and_another_officer_of_the_region_can() -> None:
    maker = make_user("maker", "regional_operator", "36.03")
    checker = make_user("checker", "regional_operator", "36.03")
    program = _draft(maker)
    with pytest.raises(MakerChecker) as caught:
        do_advance_program(actor=maker, program=program, to="approved")
    assert caught.value.details == {"region": "36.03"}
    program.refresh_from_db()
    assert program.status == "draft" and program.approved_by is None
    refused = AuditEvent.objects.get(action="program.advance.refused")
    assert refused.actor_name == "maker" and refused.after["code"] == "maker_checker"
    approved = do_advance_program(actor=checker, program=program, to="approved")
    assert approved.status == "approved" and approved.approved_by == checker and approved.approved_at is not None


def test_whoever_changed_the_draft_cannot_approve_it_either() -> None:
    maker = make_user("maker", "regional_operator", "36.03")
    editor = make_user("editor", "regional_operator", "36.03")
    program = _draft(maker)
    do_update_program(actor=editor, program=program, pagu=2_000_000)
    with pytest.raises(MakerChecker):
        do_advance_program(actor=editor, program=program, to="approved")
    third = make_user("third", "regional_operator", "36.03")
    assert do_advance_program(actor=third, program=program, to="approved").status == "approved"


def test_a_province_reads_but_does_not_write_into_a_kabupatens_program(desa: str) -> None:
    maker = make_user("maker", "regional_operator", "36.03")
    checker = make_user("checker", "regional_operator", "36.03")
    province = make_user("prov", "regional_operator", "36")
    program = _draft(maker)
    with pytest.raises(NotOwner):
        do_update_program(actor=province, program=program, pagu=5_000_000)
    with pytest.raises(NotOwner):
        do_advance_program(actor=province, program=program, to="approved")
    program = do_advance_program(actor=checker, program=program, to="approved")
    worker = make_worker(desa)
    with pytest.raises(NotOwner):
        do_enroll(actor=province, program=program, workers=[worker], first_month=date(2024, 1, 1))
    do_enroll(actor=maker, program=program, workers=[worker], first_month=date(2024, 1, 1))
    with pytest.raises(NotOwner):
        do_end_enrollment(actor=province, enrollment=Enrollment.objects.get(), last_month=date(2024, 3, 1))
    with pytest.raises(NotOwner):
        do_advance_program(actor=province, program=program, to="active")
    program.refresh_from_db()
    assert program.status == "approved" and program.pagu == 1_000_000


def test_a_role_in_the_lower_region_grants_the_write(desa: str) -> None:
    village = make_user("kades", "village_operator", desa)
    program = _draft(village, region=desa, kind="apbdes")
    kabupaten = make_user("kab", "regional_operator", "36.03")
    with pytest.raises(NotOwner):  # the kabupaten advises the village; it does not approve for it
        do_advance_program(actor=kabupaten, program=program, to="approved")
    with pytest.raises(MakerChecker):  # the village operator who drafted it does not approve it alone
        do_advance_program(actor=village, program=program, to="approved")
    granted = make_user("sekdes", "village_operator", desa)
    assert do_advance_program(actor=granted, program=program, to="approved").approved_by == granted


def test_the_api_and_the_page_refuse_the_maker_and_the_region_above() -> None:
    maker = make_user("maker", "regional_operator", "36.03")
    province = make_user("prov", "regional_operator", "36")
    program = _draft(maker)
    url = f"/api/v1/programs/{program.pk}/status"
    as_maker = client_for(maker).post(url, {"to": "approved"}, content_type="application/json")
    assert as_maker.status_code == 403 and as_maker.json()["code"] == "maker_checker"
    as_province = client_for(province).post(url, {"to": "approved"}, content_type="application/json")
    assert as_province.status_code == 403 and as_province.json()["code"] == "not_owner"
    page = client_for(maker).get(f"/programs/{program.pk}/").content.decode()
    assert 'data-testid="maker-checker"' in page and 'data-testid="advance"' not in page
    read_only = client_for(province).get(f"/programs/{program.pk}/")
    assert read_only.status_code == 200 and 'data-testid="read-only"' in read_only.content.decode()
    posted = client_for(province).post(f"/programs/{program.pk}/", {"form": "status", "to": "approved"})
    assert posted.status_code in (403, 422)
    program.refresh_from_db()
    assert program.status == "draft"


@pytest.mark.django_db
def test_a_pagu_changed_from_a_page_opened_before_another_change_is_refused_and_overwrites_nothing() -> None:
    """Two officers on the same program: the second to save a pagu from a page showing the old one gets a clear
    message and the first one's pagu stays; reloaded, the page carries the new pagu and saves."""
    import re

    from tests.conftest import client_for
    from tests.factories import make_program, make_user

    program = make_program(status="approved", pagu=10_000_000)
    client = client_for(make_user("op.pagu", "regional_operator", "36.03"))
    url = f"/programs/{program.pk}/"
    shown = re.search(r'name="g-shown" value="(\d+)"', client.get(url).content.decode())
    assert shown is not None and shown.group(1) == "10000000"
    first = client.post(url, {"form": "pagu", "g-pagu": "12000000", "g-shown": shown.group(1)})
    assert first.status_code == 302
    stale = client.post(url, {"form": "pagu", "g-pagu": "9000000", "g-shown": shown.group(1)})
    program.refresh_from_db()
    assert stale.status_code == 422 and program.pagu == 12_000_000
    assert "tidak ada yang disimpan" in stale.content.decode()
    fresh = re.search(r'name="g-shown" value="(\d+)"', client.get(url).content.decode())
    assert fresh is not None and fresh.group(1) == "12000000"
    assert client.post(url, {"form": "pagu", "g-pagu": "9000000", "g-shown": fresh.group(1)}).status_code == 302
    program.refresh_from_db()
    assert program.pagu == 9_000_000
