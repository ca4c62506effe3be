"""Workers over time, as actions: a death by hand or from a death list, a move, corrections with their history, a
NIK correction, a merge and a status. Each writes the worker, a history entry and an audit record together; bad
input is refused with the field named and writes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paritrana.core.dates import today
from paritrana.core.errors import Conflict, InvalidInput, OutOfScope, PermissionDenied
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.regions.models import Region
from paritrana.registry.choices import WorkerStatus
from paritrana.registry.lifecycle import (
    EvidenceFile,
    do_correct_nik,
    do_correct_worker,
    do_import_deaths,
    do_merge_workers,
    do_record_death,
    do_record_move,
    do_set_worker_status,
    duplicate_candidates,
    history,
)
from paritrana.registry.models import Worker, WorkerEvent
from tests.factories import make_user, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def desas() -> list[str]:
    return list(
        Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)[:3]
    )


def _state(worker: Worker) -> tuple[Any, ...]:
    worker.refresh_from_db()
    return (worker.status, worker.status_on, worker.died_on, worker.desa_code, worker.name, worker.nik)


def _csv(*rows: str, header: str = "NIK;Nama;Tanggal Meninggal;Sumber") -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


# Death by hand ------------------------------------------------------------------------------------------------


def test_a_death_is_recorded_with_its_date_history_and_audit(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    died = do_record_death(
        actor=SYSTEM, worker=worker, died_on=date(2025, 6, 10), reason="meninggal", source="dukcapil", evidence="AK-1"
    )
    assert (died.status, died.status_on, died.died_on) == ("deceased", date(2025, 6, 10), date(2025, 6, 10))
    event = WorkerEvent.objects.get(worker=worker)
    assert (event.kind, event.happened_on, event.source, event.evidence) == (
        "death",
        date(2025, 6, 10),
        "dukcapil",
        "AK-1",
    )
    assert event.before["status"] == "active" and event.after["died_on"] == "2025-06-10"
    audit = AuditEvent.objects.get(action="worker.death", object_id=str(worker.pk))
    assert audit.after["died_on"] == "2025-06-10" and "*" in audit.after["nik"]


def test_recording_the_same_death_twice_changes_nothing(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 6, 10))
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 6, 10))
    assert WorkerEvent.objects.filter(worker=worker).count() == 1


def test_another_date_of_death_needs_a_reason(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 6, 10))
    with pytest.raises(Conflict) as caught:
        do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 6, 1))
    assert caught.value.details["field"] == "reason"
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 6, 1), reason="akta kematian")
    assert _state(worker)[2] == date(2025, 6, 1)


@pytest.mark.parametrize(
    ("died_on", "field"),
    [(today() + timedelta(days=1), "died_on"), (date(1989, 12, 31), "died_on")],
    ids=["future", "before-birth"],
)
def test_a_death_date_in_the_future_or_before_birth_is_refused_and_writes_nothing(
    desas: list[str], died_on: date, field: str
) -> None:
    worker = make_worker(desas[0], birth_date=date(1990, 1, 1))
    before = _state(worker)
    with pytest.raises(InvalidInput) as caught:
        do_record_death(actor=SYSTEM, worker=worker, died_on=died_on)
    assert caught.value.details["field"] == field
    assert _state(worker) == before and not WorkerEvent.objects.exists()
    assert AuditEvent.objects.filter(action="worker.death.refused").exists()  # the refusal itself is kept


def test_a_bpjs_officer_records_a_death_and_a_viewer_may_not(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    officer = make_user("bpjs.kab", "bpjs_officer", "36.03")
    viewer = make_user("viewer.kab", "viewer", "36.03")
    with pytest.raises(PermissionDenied):
        do_record_death(actor=viewer, worker=worker, died_on=date(2025, 1, 2))
    do_record_death(actor=officer, worker=worker, died_on=date(2025, 1, 2))
    assert _state(worker)[0] == "deceased"


def test_an_operator_cannot_record_a_death_outside_the_scope() -> None:
    worker = make_worker("36.72.01.1001")
    operator = make_user("op.kab", "regional_operator", "36.03")
    with pytest.raises(OutOfScope):
        do_record_death(actor=operator, worker=worker, died_on=date(2025, 1, 2))


def test_evidence_may_be_a_pdf_kept_by_its_content(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    do_record_death(
        actor=SYSTEM,
        worker=worker,
        died_on=date(2025, 1, 2),
        evidence=EvidenceFile("akta.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    event = WorkerEvent.objects.get(worker=worker)
    assert event.evidence_name == "akta.pdf" and event.evidence_file.endswith(".pdf")
    with pytest.raises(InvalidInput):
        do_record_death(
            actor=SYSTEM,
            worker=make_worker(desas[0]),
            died_on=date(2025, 1, 2),
            evidence=EvidenceFile("x.exe", b"MZ\x90\x00"),
        )


# Death list -------------------------------------------------------------------------------------------------


def test_a_death_list_dry_run_counts_and_writes_nothing(desas: list[str]) -> None:
    a, b = make_worker(desas[0]), make_worker(desas[0])
    data = _csv(f"{a.nik};{a.name};10/06/2025;Desa", f"{b.nik};{b.name};2025-07-01;Dukcapil")
    result = do_import_deaths(actor=SYSTEM, source=data, filename="mati.csv", dry_run=True)
    assert result.summary["status"] == "dry-run" and result.summary["recorded"] == 2
    assert not result.written and _state(a)[0] == _state(b)[0] == "active"
    assert not WorkerEvent.objects.exists()


def test_a_death_list_records_every_death_with_its_source(desas: list[str]) -> None:
    a, b = make_worker(desas[0]), make_worker(desas[0])
    data = _csv(f"{a.nik};{a.name};10/06/2025;Desa Suka", f"{b.nik};{b.name};1 Juli 2025;")
    result = do_import_deaths(actor=SYSTEM, source=data, filename="mati.csv", list_source="Dukcapil")
    assert result.summary["status"] == "done" and result.summary["recorded"] == 2
    assert _state(a)[:3] == ("deceased", date(2025, 6, 10), date(2025, 6, 10))
    assert _state(b)[2] == date(2025, 7, 1)
    assert dict(WorkerEvent.objects.values_list("worker_id", "source")) == {a.pk: "Desa Suka", b.pk: "Dukcapil"}
    event = AuditEvent.objects.get(action="workers.deaths")
    assert sorted(event.after["workers"]) == sorted([a.pk, b.pk])
    again = do_import_deaths(actor=SYSTEM, source=data, filename="mati.csv")
    assert (again.summary["recorded"], again.summary["unchanged"]) == (0, 2)


def test_an_unknown_nik_rejects_the_list_all_or_nothing_and_is_reported_valid_only(desas: list[str]) -> None:
    a = make_worker(desas[0])
    data = _csv(f"{a.nik};{a.name};10/06/2025;Desa", "3603019999990001;Nobody;10/06/2025;Desa")
    refused = do_import_deaths(actor=SYSTEM, source=data, filename="mati.csv")
    assert refused.summary["status"] == "rejected" and refused.summary["unknown"] == 1
    assert _state(a)[0] == "active"
    done = do_import_deaths(actor=SYSTEM, source=data, filename="mati.csv", mode="valid-only")
    assert (done.summary["recorded"], done.summary["rejected"], done.summary["unknown"]) == (1, 1, 1)
    assert _state(a)[0] == "deceased"
    issue = done.issues.filter(done.issues["code"] == "nik_unknown").to_dicts()[0]
    assert issue["row"] == 3 and issue["value"] == "3603**********01"


def test_bad_rows_of_a_death_list_are_named(desas: list[str]) -> None:
    a = make_worker(desas[0], birth_date=date(1990, 1, 1))
    b = make_worker(desas[0])
    future = (today() + timedelta(days=3)).isoformat()
    data = _csv(
        f"{a.nik};{a.name};31/12/1980;Desa",  # before birth
        f"{b.nik};{b.name};{future};Desa",  # future
        "12345;X;10/06/2025;Desa",  # not a NIK
        f"{b.nik};{b.name};kemarin;Desa",  # not a date
        f"٣٦٠٣{b.nik[4:]};{b.name};10/06/2025;Desa",  # Arabic-Indic digits
    )
    result = do_import_deaths(actor=SYSTEM, source=data, filename="mati.csv", mode="valid-only")
    codes = dict(result.issues.select("row", "code").iter_rows())
    assert codes == {
        2: "died_before_birth",
        3: "died_on_future",
        4: "nik_invalid",
        5: "died_on_invalid",
        6: "nik_non_ascii",
    }
    assert result.summary["recorded"] == 0 and _state(a)[0] == _state(b)[0] == "active"
    report = result.report("csv").decode("utf-8-sig")
    assert report.startswith("baris,NIK,Nama,Tanggal Meninggal,Sumber,alasan,reason")  # the rows as the file gave them


def test_a_nik_twice_with_two_dates_is_refused_and_with_one_date_recorded_once(desas: list[str]) -> None:
    a, b = make_worker(desas[0]), make_worker(desas[0])
    data = _csv(
        f"{a.nik};{a.name};10/06/2025;Desa",
        f"{a.nik};{a.name};11/06/2025;Desa",
        f"{b.nik};{b.name};10/06/2025;Desa",
        f"{b.nik};{b.name};10/06/2025;Desa",
    )
    result = do_import_deaths(actor=SYSTEM, source=data, filename="mati.csv", mode="valid-only")
    codes = sorted(result.issues.select("row", "code").iter_rows())
    assert codes == [(2, "nik_repeated"), (3, "nik_repeated"), (5, "nik_repeated_same")]
    assert (_state(a)[0], _state(b)[0]) == ("active", "deceased")


def test_a_name_that_differs_from_the_registry_is_a_warning(desas: list[str]) -> None:
    a = make_worker(desas[0], name="Siti Aminah")
    result = do_import_deaths(actor=SYSTEM, source=_csv(f"{a.nik};Budi;10/06/2025;Desa"), filename="m.csv")
    assert result.summary["recorded"] == 1 and result.issues["code"].to_list() == ["name_differs"]


def test_a_death_list_outside_the_scope_says_nothing_about_the_worker(desas: list[str]) -> None:
    outside = make_worker("36.72.01.1001")
    operator = make_user("op.kab", "regional_operator", "36.03")
    data = _csv(f"{outside.nik};{outside.name};10/06/2025;Desa")
    result = do_import_deaths(actor=operator, source=data, filename="m.csv", mode="valid-only")
    assert result.issues["code"].to_list() == ["nik_unknown"] and _state(outside)[0] == "active"


def test_a_death_list_without_a_date_column_is_refused_naming_the_columns() -> None:
    with pytest.raises(InvalidInput) as caught:
        do_import_deaths(actor=SYSTEM, source=b"NIK;Nama\n3603010101900001;A\n", filename="m.csv")
    assert caught.value.details["field"] == "died_on" and "NIK, Nama" in caught.value.details["headers"]


def test_a_death_list_may_be_an_xlsx(desas: list[str]) -> None:
    from openpyxl import Workbook

    a = make_worker(desas[0])
    book = Workbook()
    sheet = book.active
    sheet.append(["No KTP", "Tgl Wafat", "Sumber Data"])
    sheet.append([a.nik, date(2025, 6, 10), "Desa"])
    out = io.BytesIO()
    book.save(out)
    result = do_import_deaths(actor=SYSTEM, source=out.getvalue(), filename="m.xlsx")
    assert result.summary["recorded"] == 1 and _state(a)[2] == date(2025, 6, 10)


def test_a_merged_record_in_a_death_list_points_to_the_record_kept(desas: list[str]) -> None:
    keep, other = make_worker(desas[0]), make_worker(desas[0])
    do_merge_workers(actor=SYSTEM, keep=keep, other=other, reason="sama")
    result = do_import_deaths(
        actor=SYSTEM, source=_csv(f"{other.nik};{other.name};10/06/2025;Desa"), filename="m.csv", mode="valid-only"
    )
    assert result.issues["code"].to_list() == ["merged"]


@settings(max_examples=25)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40)), min_size=1, max_size=12))
def test_a_death_list_records_exactly_the_valid_known_rows(rows: list[tuple[int, int]]) -> None:
    """Property: whatever the mix of known, unknown and repeated NIKs and of dates, a valid-only list marks dead
    exactly the registered workers named with one date, each once, on that date."""
    workers = [make_worker("36.03.01.2003") for _ in range(4)]  # fresh ones for every example
    lines, dates = [], {}
    for who, offset in rows:
        day = date(2025, 1, 1) + timedelta(days=offset)
        nik = workers[who].nik if who < len(workers) else f"36030199999900{who:02d}"
        lines.append(f"{nik};x;{day.isoformat()};Desa")
        dates.setdefault(nik, set()).add(day)
    result = do_import_deaths(actor=SYSTEM, source=_csv(*lines), filename="m.csv", mode="valid-only")
    expected = {w.pk: next(iter(dates[w.nik])) for w in workers if len(dates.get(w.nik, ())) == 1}
    dead = dict(Worker.objects.filter(pk__in=[w.pk for w in workers], status="deceased").values_list("pk", "died_on"))
    assert dead == expected
    assert result.summary["recorded"] == len(expected)


# Move -------------------------------------------------------------------------------------------------------


def test_a_move_to_an_unknown_desa_is_refused_and_writes_nothing(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    before = _state(worker)
    for code in ("36.03.01.9999", "36.03.01"):  # no such desa; a kecamatan, not a desa
        with pytest.raises(InvalidInput) as caught:
            do_record_move(actor=SYSTEM, worker=worker, desa_code=code, moved_on=date(2025, 1, 1))
        assert caught.value.details["field"] == "desa_code"
    assert _state(worker) == before and not WorkerEvent.objects.exists()


def test_a_move_is_kept_in_the_history_and_a_move_away_sets_the_status(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    do_record_move(actor=SYSTEM, worker=worker, desa_code=desas[1].replace(".", ""), moved_on=date(2025, 1, 1))
    assert _state(worker)[3] == desas[1]
    do_record_move(actor=SYSTEM, worker=worker, desa_code="", moved_on=date(2025, 3, 1), reason="ke Malaysia")
    assert _state(worker)[:2] == ("moved", date(2025, 3, 1))
    moves = [(e.before["desa_code"], e.after["desa_code"], e.after["status"]) for e in reversed(history(worker))]
    assert moves == [(desas[0], desas[1], "active"), (desas[1], desas[1], "moved")]
    with pytest.raises(Conflict):  # already away
        do_record_move(actor=SYSTEM, worker=worker, desa_code="", moved_on=date(2025, 4, 1))


def test_the_dead_do_not_move(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 1, 1))
    with pytest.raises(Conflict):
        do_record_move(actor=SYSTEM, worker=worker, desa_code=desas[1], moved_on=date(2025, 2, 1))


# Corrections ------------------------------------------------------------------------------------------------


def test_a_correction_keeps_before_and_after_of_the_fields_changed(desas: list[str]) -> None:
    worker = make_worker(desas[0], name="Siti Amina", birth_date=date(1990, 1, 1), sex="L")
    do_correct_worker(
        actor=SYSTEM,
        worker=worker,
        reason="KTP",
        name="Siti Aminah",
        birth_date=date(1990, 1, 2),
        sex="P",
        occupation="petani_pekebun",  # unchanged: not recorded
    )
    event = WorkerEvent.objects.get(worker=worker)
    assert event.kind == "correction" and event.reason == "KTP"
    assert event.before == {"name": "Siti Amina", "birth_date": "1990-01-01", "sex": "L"}
    assert event.after == {"name": "Siti Aminah", "birth_date": "1990-01-02", "sex": "P"}
    assert worker.nik == Worker.objects.get(pk=worker.pk).nik  # PP 40/2019: the NIK stays


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"sex": "X"}, "sex"),
        ({"occupation": "astronaut"}, "occupation"),
        ({"birth_date": today() + timedelta(days=1)}, "birth_date"),
        ({"desa_code": "36.03.01.9999"}, "desa_code"),
        ({"nik": "3603010101900009"}, "nik"),
        ({"name": "Pekerja"}, "changes"),
    ],
)
def test_a_bad_correction_is_refused_naming_the_field(desas: list[str], changes: dict[str, Any], field: str) -> None:
    worker = make_worker(desas[0], name="Pekerja")
    before = _state(worker)
    with pytest.raises(InvalidInput) as caught:
        do_correct_worker(actor=SYSTEM, worker=worker, reason="x", **changes)
    assert caught.value.details["field"] == field
    assert _state(worker) == before


def test_a_correction_needs_a_reason(desas: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        do_correct_worker(actor=SYSTEM, worker=make_worker(desas[0]), reason=" ", name="Baru")
    assert caught.value.details["field"] == "reason"


def test_a_nik_correction_is_for_roles_that_see_full_niks(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    village = make_user("desa.op", "village_operator", "36.03")
    operator = make_user("kab.op", "regional_operator", "36.03")
    with pytest.raises(PermissionDenied):
        do_correct_nik(actor=village, worker=worker, nik="3603015507900001", reason="salah ketik")
    corrected = do_correct_nik(actor=operator, worker=worker, nik="3603 0155 0790 0001", reason="salah ketik")
    assert corrected.nik == "3603015507900001"
    event = WorkerEvent.objects.get(worker=worker, kind="nik_correction")
    assert event.after == {"nik": "3603**********01"} and "3603015507900001" not in str(event.before)


def test_a_nik_held_by_another_worker_is_refused_pointing_to_a_merge(desas: list[str]) -> None:
    a, b = make_worker(desas[0]), make_worker(desas[0])
    with pytest.raises(Conflict) as caught:
        do_correct_nik(actor=SYSTEM, worker=a, nik=b.nik, reason="x")
    assert caught.value.details["other"] == b.pk
    with pytest.raises(InvalidInput):
        do_correct_nik(actor=SYSTEM, worker=a, nik="36030101", reason="x")


@pytest.mark.parametrize(("nik", "problem"), [("9903014507900001", "province"), ("3603013207900001", "birth date")])
def test_a_correction_to_a_nik_whose_structure_does_not_hold_is_refused(
    desas: list[str], nik: str, problem: str
) -> None:
    worker = make_worker(desas[0])
    with pytest.raises(InvalidInput) as caught:
        do_correct_nik(actor=SYSTEM, worker=worker, nik=nik, reason="salah ketik")
    assert problem in str(caught.value)
    assert Worker.objects.get(pk=worker.pk).nik == worker.nik


# Merge ------------------------------------------------------------------------------------------------------


def test_a_merge_keeps_the_other_record_and_moves_its_history(desas: list[str]) -> None:
    keep = make_worker(desas[0], name="Siti", birth_date=date(1990, 5, 5))
    other = make_worker(desas[0], name="SITI", birth_date=date(1990, 5, 5), phone="0812")
    assert [w.pk for w in duplicate_candidates(keep)] == [other.pk]
    do_correct_worker(actor=SYSTEM, worker=other, reason="x", occupation="nelayan")
    result = do_merge_workers(actor=SYSTEM, keep=keep, other=other, reason="satu orang")
    assert Worker.objects.filter(pk=other.pk).exists()  # never deleted
    assert result.filled == {"phone": "0812"}
    kinds = [(e.kind, e.merged_from_id) for e in history(keep)]
    assert ("correction", other.pk) in kinds and ("merge", None) in kinds
    assert [e.kind for e in history(Worker.objects.get(pk=other.pk))] == ["merge"]
    assert duplicate_candidates(keep) == []


@pytest.mark.parametrize("case", ["self", "merged", "dead-other"])
def test_a_merge_that_cannot_be_is_refused_and_writes_nothing(desas: list[str], case: str) -> None:
    keep, other = make_worker(desas[0]), make_worker(desas[0])
    if case == "merged":
        do_merge_workers(actor=SYSTEM, keep=make_worker(desas[0]), other=other, reason="x")
    if case == "dead-other":
        do_record_death(actor=SYSTEM, worker=other, died_on=date(2025, 1, 1))
    before = (_state(keep), _state(other), WorkerEvent.objects.count())
    with pytest.raises((InvalidInput, Conflict)):
        do_merge_workers(actor=SYSTEM, keep=keep, other=keep if case == "self" else other, reason="x")
    assert (_state(keep), _state(other), WorkerEvent.objects.count()) == before


def test_records_merged_earlier_follow_the_record_kept(desas: list[str]) -> None:
    a, b, c = make_worker(desas[0]), make_worker(desas[0]), make_worker(desas[0])
    do_merge_workers(actor=SYSTEM, keep=b, other=c, reason="x")
    do_merge_workers(actor=SYSTEM, keep=a, other=b, reason="x")
    assert Worker.objects.get(pk=c.pk).merged_into_id == a.pk


# Status -----------------------------------------------------------------------------------------------------


def test_a_status_has_its_date_and_a_death_recorded_by_mistake_is_undone_with_a_reason(desas: list[str]) -> None:
    worker = make_worker(desas[0])
    do_set_worker_status(actor=SYSTEM, worker=worker, status="inactive", on=date(2025, 2, 1))
    assert _state(worker)[:2] == ("inactive", date(2025, 2, 1))
    do_set_worker_status(actor=SYSTEM, worker=worker, status="active", on=date(2025, 3, 1))
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 4, 1))
    with pytest.raises(InvalidInput):
        do_set_worker_status(actor=SYSTEM, worker=worker, status="active", on=date(2025, 5, 1))
    do_set_worker_status(actor=SYSTEM, worker=worker, status="active", on=date(2025, 5, 1), reason="salah orang")
    assert _state(worker)[:3] == ("active", date(2025, 5, 1), None)
    with pytest.raises(InvalidInput):
        do_set_worker_status(actor=SYSTEM, worker=worker, status="deceased", on=date(2025, 5, 1))


def test_status_filter_lists_the_dead_with_their_date(desas: list[str]) -> None:
    from paritrana.registry.queries import workers_for

    worker = make_worker(desas[0])
    make_worker(desas[0])
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2025, 4, 1))
    admin = make_user("adm", "system_admin")
    found = list(workers_for(admin, status=WorkerStatus.DECEASED))
    assert [(w.pk, w.status_on) for w in found] == [(worker.pk, date(2025, 4, 1))]
