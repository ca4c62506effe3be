"""Role dashboards (issue 21 §6): each role lands on what it must act on, as counts with a link to the page where
it is done, read inside the user's scope. Each test builds the data of one role through the actions, opens ``/`` as
that role, and reads the counts by their ``data-testid``; data outside the scope is never counted."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from paritrana.award import actions
from paritrana.core.dates import today
from paritrana.core.permissions import SYSTEM
from paritrana.registry.lifecycle import do_record_death, do_set_worker_status
from paritrana.sponsorship import bpjs, queries
from paritrana.sponsorship.actions import (
    do_enroll,
    do_record_claim,
    do_record_payment,
    do_run_billing,
    do_submit_bill,
)
from tests.award.test_workflow import PDF, REASON, _answer_and_submit, _participant, setup  # noqa: F401 - a fixture
from tests.conftest import client_for
from tests.factories import make_program, make_user, make_worker

pytestmark = pytest.mark.django_db

DESA = "36.03.01.2003"
OTHER_DESA = "36.03.01.2005"  # the same kabupaten, another village
CILEGON = "36.72.01.1001"  # another kabupaten/kota
BLOCKS = ("dash-admin", "dash-operator", "dash-village", "dash-bpjs", "dash-committee", "dash-jury", "dash-viewer")


def _home(user: Any) -> str:
    response = client_for(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def _count(page: str, testid: str) -> int:
    """The figure shown in the element of ``testid`` (Indonesian grouping "1.234" read back as 1234)."""
    found = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert found is not None, f"{testid} is not on the page"
    return int(found.group(1).replace(".", ""))


def _blocks(page: str) -> set[str]:
    return {b for b in BLOCKS if f'data-testid="{b}"' in page}


def _billed(region: str, desa: str, workers: int, months: tuple[int, ...], **program: Any) -> tuple[Any, list[Any]]:
    """A 2024 program of ``region`` enrolling ``workers`` of ``desa``, billed for ``months`` of 2024."""
    made = make_program(region, **program)
    people = [make_worker(desa) for _ in range(workers)]
    do_enroll(actor=SYSTEM, program=made, workers=people)
    for month in months:
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1), programs=[made])
    return made, people


def _bill(program: Any, month: int) -> Any:
    return program.bills.get(month=date(2024, month, 1))


def _participation_list(*rows: str) -> bytes:
    header = "NIK;No KPJ;Status Kepesertaan;Iuran Terakhir;Tanggal Meninggal"
    return ("\n".join([header, *rows]) + "\n").encode()


# The regional (Disnaker) operator ------------------------------------------------------------------------------


def test_operator_sees_arrears_lapses_programs_to_renew_deaths_and_follow_ups_of_its_region(
    kab_operator: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    # Two workers, March and April 2024 billed (Rp33.600 each), March half paid: both bills in arrears and lapsed.
    lapsing, people = _billed("36.03", DESA, 2, (3, 4))
    march = _bill(lapsing, 3)
    do_record_payment(actor=SYSTEM, bill_number=march.number, reference="R-1", paid_on=date(2024, 3, 5), amount=16_800)
    # A program with a long grace period: its bill is in arrears, its workers are not lapsed yet.
    graced, _ = _billed("36.03", DESA, 1, (3,), grace_days=30, name="Program dengan masa tenggang")
    graced.bills.update(due_date=today() - timedelta(days=2))  # due two days ago: in arrears, within its grace
    # A program of next year: not ending soon.
    make_program("36.03", fiscal_year=today().year + 1, name="Tahun depan")
    # Kota Cilegon's bills, programs and deaths are not Kabupaten Tangerang's.
    _billed("36.72", CILEGON, 3, (3, 4))
    # A death claim whose death was later undone in the registry, and a death the branch reports.
    claimed = people[0]
    do_record_claim(actor=SYSTEM, worker=claimed, kind="jkm", event_date=date(2024, 5, 1), amount_paid=42_000_000)
    claimed.refresh_from_db()
    do_set_worker_status(actor=SYSTEM, worker=claimed, status="active", on=date(2024, 5, 1), reason="salah catat")
    reported = people[1]
    bpjs.do_reconcile_participation(
        actor=SYSTEM,
        source=_participation_list(f"{reported.nik};;Meninggal Dunia;03/2024;10-05-2024"),
        filename="kepesertaan.csv",
        on=date(2024, 6, 15),
    )
    outside = make_worker(CILEGON)
    do_record_claim(actor=SYSTEM, worker=outside, kind="jkm", event_date=date(2024, 5, 1), amount_paid=42_000_000)
    outside.refresh_from_db()
    do_set_worker_status(actor=SYSTEM, worker=outside, status="active", on=date(2024, 5, 1), reason="salah catat")

    page = _home(kab_operator)
    assert _blocks(page) == {"dash-operator"}
    assert _count(page, "op-arrears") == 3  # March (half paid), April, and the long-grace program's March
    assert "Rp67.200" in page  # 16.800 + 33.600 + 16.800 outstanding
    assert _count(page, "op-lapsed") == 2 and re.search(r"4 (pekerja|workers)", page)  # 2 bills x 2 workers not covered
    # The two 2024 programs of the region are active past their last month and not renewed.
    assert _count(page, "op-ending") == 2
    assert _count(page, "op-deaths") == 2 and claimed.name in page and reported.name in page
    assert outside.name not in page
    assert _count(page, "op-followups-overdue") == 0
    assert f"/programs/{lapsing.pk}/" in page and "/programs/billing/" in page and "/followup/followups/" in page
    assert 'data-testid="lapses"' in page  # the lapsed bills listed, as before


def test_operator_dashboard_counts_programs_ending_soon_but_not_those_renewed(kab_operator: Any) -> None:
    from paritrana.sponsorship.actions import do_renew_program

    on = today()
    ending = make_program("36.03", fiscal_year=on.year, first_month=1, months=on.month, name="Berakhir bulan ini")
    renewed = make_program("36.03", fiscal_year=on.year, first_month=1, months=on.month, name="Sudah diperpanjang")
    do_renew_program(actor=SYSTEM, program=renewed, pagu=10_000_000, fiscal_year=on.year + 1)
    make_program("36.72", fiscal_year=on.year, first_month=1, months=on.month, name="Milik Cilegon")
    todo = queries.operator_todo(kab_operator, on=on)
    assert todo.ending_count == 1 and [p.pk for p in todo.ending] == [ending.pk]
    # Three months before the end it is not "soon" yet.
    assert queries.operator_todo(kab_operator, on=on - timedelta(days=100)).ending_count == 0


def test_lapses_follow_each_programs_grace_days() -> None:
    operator = make_user("op.grace", "regional_operator", "36.03")
    ten, _ = _billed("36.03", DESA, 1, (3,), grace_days=10)
    due = _bill(ten, 3).due_date
    assert queries.operator_todo(operator, on=due).arrears.count == 0  # due today: not late yet
    late = queries.operator_todo(operator, on=due + timedelta(days=5))
    assert (late.arrears.count, late.lapsed.count) == (1, 0)  # late, inside the grace days
    lapsed = queries.operator_todo(operator, on=due + timedelta(days=11))
    assert (lapsed.lapsed.count, lapsed.lapsed.workers, lapsed.lapsed.amount) == (1, 1, Decimal(16_800))


def test_arrears_and_lapses_agree_with_the_coverage_rule_on_any_day() -> None:
    """The dashboard counts in SQL (due date plus each program's grace days); the worker page decides a month with
    ``coverage_status``. On any day the two agree."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from paritrana.sponsorship.choices import Coverage
    from paritrana.sponsorship.models import Bill

    operator = make_user("op.rule", "regional_operator", "36.03")
    for grace in (0, 7, 45):
        program, _ = _billed("36.03", DESA, 1, (3, 4, 5), grace_days=grace, name=f"Tenggang {grace}")
    may = _bill(program, 5)
    do_record_payment(actor=SYSTEM, bill_number=may.number, reference="R-MAY", paid_on=date(2024, 5, 2), amount=16_800)
    bills = list(Bill.objects.select_related("program"))

    @settings(max_examples=40)
    @given(st.dates(min_value=date(2024, 2, 1), max_value=date(2024, 9, 30)))
    def agree(on: date) -> None:
        todo = queries.operator_todo(operator, on=on)
        unpaid = [b for b in bills if b.paid_on is None]
        assert todo.arrears.count == sum(1 for b in unpaid if b.due_date < on)
        lapsed = [b for b in unpaid if queries.coverage_status(b, b.program.grace_days, on) == Coverage.LAPSED]
        assert todo.lapsed.count == len(lapsed)
        assert todo.lapsed.amount == sum((b.outstanding for b in lapsed), Decimal(0))

    agree()


def test_overdue_follow_ups_are_counted_for_the_operator() -> None:
    from paritrana.followup import actions as followup
    from tests.followup.factories import make_session

    operator = make_user("op.fu", "regional_operator", "36.03")
    session = make_session()
    outside = make_session("36.72", bpjs_office="KCP Cilegon")
    followup.do_add_finding(actor=SYSTEM, session=outside, text="Di luar", owner="Disnaker", due_date=date(2025, 10, 1))
    for due in (date(2025, 10, 1), today() + timedelta(days=3), today() + timedelta(days=60)):
        followup.do_add_finding(actor=SYSTEM, session=session, text="Tindak lanjut", owner="Disnaker", due_date=due)
    page = _home(operator)
    assert _count(page, "op-followups-overdue") == 1
    assert "1 bertenggat dalam dua minggu" in page


# The village operator -------------------------------------------------------------------------------------------


def test_village_operator_sees_its_desa_workers_by_status_and_its_programs_this_month() -> None:
    operator = make_user("desa.sukamulya", "village_operator", DESA)
    active = [make_worker(DESA) for _ in range(3)]
    dead = make_worker(DESA)
    do_record_death(actor=SYSTEM, worker=dead, died_on=date(2024, 2, 1), source="desa")
    neighbours = [make_worker(OTHER_DESA) for _ in range(2)]
    year = today().year
    kabupaten = make_program("36.03", fiscal_year=year, first_month=1, months=12, name="Program Kabupaten")
    do_enroll(actor=SYSTEM, program=kabupaten, workers=[*active[:2], *neighbours])
    village = make_program(DESA, kind="apbdes", fiscal_year=year, name="Program Dana Desa")
    make_program(OTHER_DESA, kind="apbdes", fiscal_year=year, name="Program Desa Tetangga")

    page = _home(operator)
    assert _blocks(page) == {"dash-village"}
    assert _count(page, "village-workers") == 4
    assert (_count(page, "village-active"), _count(page, "village-deceased")) == (3, 1)
    assert _count(page, "village-covered") == 2  # the neighbours enrolled in the same program are not counted
    assert "Program Kabupaten" in page and "2 pekerja" in page and "Program Dana Desa" in page
    assert "Program Desa Tetangga" not in page
    assert f"/programs/{village.pk}/" in page and "/workers/?status=deceased" in page


# The BPJS branch officer ----------------------------------------------------------------------------------------


def test_bpjs_officer_sees_what_is_left_to_reconcile_in_its_area(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    officer = make_user("bpjs.tangerang", "bpjs_officer", "36.03")
    program, people = _billed("36.03", DESA, 2, (3, 4))
    march, april = _bill(program, 3), _bill(program, 4)
    do_record_payment(actor=officer, bill_number=march.number, reference="R-1", paid_on=date(2024, 3, 5), amount=16_800)
    do_record_payment(actor=officer, bill_number=april.number, reference="R-2", paid_on=date(2024, 4, 5), amount=33_600)
    do_submit_bill(actor=SYSTEM, bill=april)
    do_record_payment(actor=officer, bill_number="TIDAK-ADA", reference="R-3", paid_on=date(2024, 4, 6), amount=5_000)
    not_enrolled = make_worker(DESA)
    do_record_claim(actor=officer, worker=not_enrolled, kind="jkk", event_date=date(2024, 3, 3), amount_paid=1_000_000)
    bpjs.do_reconcile_participation(
        actor=officer,
        source=_participation_list(f"{people[0].nik};;nonaktif;2024-04;"),
        filename="kepesertaan.csv",
        on=date(2024, 6, 15),
    )
    # Kota Cilegon's officer, bills and payments stay in Cilegon.
    cilegon = make_user("bpjs.cilegon", "bpjs_officer", "36.72")
    other, _ = _billed("36.72", CILEGON, 1, (3,))
    do_record_payment(
        actor=cilegon, bill_number=_bill(other, 3).number, reference="C-1", paid_on=date(2024, 3, 5), amount=1
    )
    do_record_payment(actor=cilegon, bill_number="X", reference="C-2", paid_on=date(2024, 4, 6), amount=7_000)

    page = _home(officer)
    assert _blocks(page) == {"dash-bpjs"}
    assert _count(page, "bpjs-partial") == 1 and "Rp16.800" in page
    assert _count(page, "bpjs-awaiting") == 1
    assert _count(page, "bpjs-unmatched") == 1 and "Rp5.000" in page and "Rp7.000" not in page
    assert _count(page, "bpjs-differences") == 1 and "?open=1" in page
    assert _count(page, "bpjs-flagged") == 1
    assert "/programs/payments/" in page and "/programs/claims/" in page


# The award: jury and committee -----------------------------------------------------------------------------------


def _verified_in_judging(s: dict[str, Any]) -> dict[str, Any]:
    committee, edition, category = s["committee"], s["edition"], s["category"]
    for code in ("36.03", "36.74", "36.72"):
        _answer_and_submit(category, code, True)
    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    for code in ("36.03", "36.74", "36.72"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    return s


def test_jury_sees_its_panels_and_how_many_of_its_scores_are_missing(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _verified_in_judging(setup)
    committee, category = s["committee"], s["category"]
    judge, other = make_user("juri.satu", "jury", "36"), make_user("juri.dua", "jury", "36")
    for member in (judge, other):
        actions.do_add_panel_member(actor=committee, category=category, user=member)
    actions.do_set_edition_status(actor=committee, edition=s["edition"], status="judging", reason=REASON)
    actions.do_score(actor=judge, participant=_participant(category, "36.03"), criterion="kepala_daerah", score=8)
    actions.do_declare_conflict(actor=judge, participant=_participant(category, "36.72"), reason="saudara kandung")

    page = _home(judge)
    assert _blocks(page) == {"dash-jury"}
    assert 'data-testid="jury-panel"' in page and "Pemerintah Kabupaten/Kota" in page
    assert _count(page, "jury-missing") == 1  # 3 verified, 1 conflict, 1 rubric, 1 scored
    assert f"/award/panels/#category-{category.pk}" in page
    assert _count(_home(other), "jury-missing") == 3
    stranger = _home(make_user("juri.lain", "jury", "32"))
    assert 'data-testid="jury-panel"' not in stranger and "dash-jury" in stranger
    # Once the committee locks the panel nothing is left to score: the panel stays listed, without a count.
    actions.do_lock_panel(actor=committee, category=category, reason=REASON)
    locked = _home(judge)
    assert 'data-testid="jury-panel"' in locked and 'data-testid="jury-missing"' not in locked


def test_committee_sees_the_current_rounds_stage_submissions_waiting_and_conflicts(
    setup: dict[str, Any],  # noqa: F811
) -> None:
    committee, edition, category = setup["committee"], setup["edition"], setup["category"]
    for code in ("36.03", "36.74"):
        _answer_and_submit(category, code, True)
    jabar = make_user("komite.jabar", "award_committee", "32")
    other = actions.do_create_edition(
        actor=jabar,
        year=2024,
        name="Paritrana Award 2024 Jawa Barat",
        region_code="32",
        assessment_start=date(2023, 1, 1),
        assessment_end=date(2023, 12, 31),
        submission_deadline=timezone.now() + timedelta(days=7),
    )
    page = _home(committee)
    assert _blocks(page) == {"dash-committee"}
    assert _count(page, "committee-waiting") == 2 and _count(page, "committee-conflicts") == 0
    assert "Penilaian mandiri dibuka" in page or "Self-assessment open" in page
    assert f"/award/editions/{edition.pk}/" in page and other.name not in page

    actions.do_set_edition_status(actor=committee, edition=edition, status="verification", reason=REASON)
    for code in ("36.03", "36.74"):
        actions.do_verify(actor=committee, participant=_participant(category, code), accept=True)
    judge = make_user("juri.satu", "jury", "36")
    actions.do_add_panel_member(actor=committee, category=category, user=judge)
    actions.do_declare_conflict(actor=judge, participant=_participant(category, "36.03"), reason="mantan pegawai")
    page = _home(committee)
    assert _count(page, "committee-waiting") == 0 and _count(page, "committee-conflicts") == 1


# Viewer, administrator, several roles ----------------------------------------------------------------------------


def test_viewer_is_pointed_to_the_public_dashboard_and_sees_no_work_block() -> None:
    page = _home(make_user("pemantau.uji", "viewer"))
    assert _blocks(page) == {"dash-viewer"} and 'href="/publik/"' in page


def test_administrator_keeps_the_rule_book_block(admin_user: Any) -> None:
    page = _home(admin_user)
    assert _blocks(page) == {"dash-admin"} and "/aturan/" in page


def test_a_user_with_several_roles_sees_each_roles_block() -> None:
    from paritrana.accounts.actions import do_assign_role

    user = make_user("op.juri", "regional_operator", "36.03")
    do_assign_role(actor=None, user=user, role="jury", region_code="36")
    assert _blocks(_home(user)) == {"dash-operator", "dash-jury"}


# The cost of the operator's dashboard ----------------------------------------------------------------------------


def test_operator_dashboard_queries_stay_bounded_as_data_grows(
    kab_operator: Any, django_assert_max_num_queries: Any
) -> None:
    def grow(n: int) -> None:
        for i in range(n):
            program, people = _billed("36.03", DESA, 2, (3, 4), name=f"Program {i}")
            do_record_claim(
                actor=SYSTEM, worker=people[0], kind="jkm", event_date=date(2024, 5, 1), amount_paid=42_000_000
            )
            people[0].refresh_from_db()
            do_set_worker_status(actor=SYSTEM, worker=people[0], status="active", on=date(2024, 5, 1), reason="uji")

    grow(2)
    client = client_for(kab_operator)
    client.get("/")  # the session and the user's roles are read once; measure a steady page
    with django_assert_max_num_queries(25) as small:
        assert client.get("/").status_code == 200
    grow(12)
    with django_assert_max_num_queries(len(small.captured_queries)):  # seven times the data, no more queries
        page = client.get("/").content.decode()
    assert _count(page, "op-arrears") == 28 and _count(page, "op-deaths") == 14
