"""Re-importing a list that gives fewer fields (columns left out, cells left empty) never changes what it leaves out.

Defaults (segment BPU, occupation "other", birth date and sex from the NIK, no phone/KPJ/decile) are for new workers
only; a registered worker gets exactly the fields the file gives, and a re-import whose given fields are unchanged
counts as unchanged. Every door (action, CLI, upload page, API, background job) goes through the same action.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from paritrana.cli import main
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.registry.actions import do_import_workers
from paritrana.registry.models import ImportJob, Worker
from tests.conftest import client_for

DESA = "3603012003"
ON = date(2026, 11, 24)
#: Born 15 August 1925 (a woman: day 15 + 40): without a birth-date column the NIK alone would say 2025.
NIK = "3603015508250001"
NIK_2 = "3603010101900002"

#: Every optional field: its header, the value written in the file, and the value stored.
OPTIONAL: dict[str, tuple[str, str, Any]] = {
    "birth_date": ("Tgl Lahir", "15/08/1925", date(1925, 8, 15)),
    "sex": ("JK", "P", "P"),
    "phone": ("No HP", "0812-3456-7890", "081234567890"),
    "occupation": ("Pekerjaan", "Nelayan", "nelayan"),
    "segment": ("Segmen", "PMI", "pmi"),
    "kpj": ("KPJ", "KPJ-123", "KPJ-123"),
    "poverty_decile": ("Desil", "2", 2),
}
#: What a new worker gets when the file gives none of them.
DEFAULTS: dict[str, Any] = {
    "birth_date": date(2025, 8, 15),
    "sex": "P",
    "phone": "",
    "occupation": "other",
    "segment": "bpu",
    "kpj": "",
    "poverty_decile": None,
}


def csv(fields: list[str], rows: list[dict[str, str]]) -> str:
    """A semicolon list with NIK, name and desa code, then ``fields`` (keys of OPTIONAL) in that order."""
    headers = ["NIK", "Nama Lengkap", "Kode Desa", *(OPTIONAL[f][0] for f in fields)]
    lines = [";".join(headers)]
    for row in rows:
        cells = [row.get("nik", NIK), row.get("name", "Siti Aminah"), DESA]
        cells += [row.get(f, OPTIONAL[f][1]) for f in fields]
        lines.append(";".join(cells))
    return "\n".join(lines) + "\n"


def run(text: str, **kwargs: Any) -> dict[str, Any]:
    result = do_import_workers(source=text.encode(), filename="daftar.csv", actor=SYSTEM, on=ON, **kwargs)
    assert result.issues.filter(result.issues["severity"] == "error").height == 0, result.issues
    return result.summary


def counts(summary: dict[str, Any]) -> tuple[int, int, int]:
    return summary["created"], summary["updated"], summary["unchanged"]


def stored(nik: str = NIK) -> dict[str, Any]:
    return Worker.objects.filter(nik=nik).values(*OPTIONAL, "name", "desa_code").get()


FULL = {f: value for f, (_h, _w, value) in OPTIONAL.items()}


@pytest.mark.django_db
def test_the_reported_case_a_list_without_segment_and_kpj_keeps_both() -> None:
    """Issue 17: PMI and KPJ-123, then a list of NIK, name and desa only: nothing changes, nothing is counted."""
    first = "NIK;Nama Lengkap;Kode Desa;Segmen;KPJ\n3603015508950001;Siti Aminah;3603012003;PMI;KPJ-123\n"
    assert counts(run(first)) == (1, 0, 0)
    again = run("NIK;Nama Lengkap;Kode Desa\n3603015508950001;Siti Aminah;3603012003\n")
    assert counts(again) == (0, 0, 1)
    worker = Worker.objects.get(nik="3603015508950001")
    assert (worker.segment, worker.kpj) == ("pmi", "KPJ-123")
    assert not AuditEvent.objects.filter(action="worker.update").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("left_out", list(OPTIONAL))
def test_a_list_without_one_optional_column_keeps_that_field(left_out: str) -> None:
    everything = list(OPTIONAL)
    assert counts(run(csv(everything, [{}]))) == (1, 0, 0)
    assert {f: stored()[f] for f in OPTIONAL} == FULL
    fewer = [f for f in everything if f != left_out]
    assert counts(run(csv(fewer, [{}]))) == (0, 0, 1)
    assert {f: stored()[f] for f in OPTIONAL} == FULL


@pytest.mark.django_db
@pytest.mark.parametrize("left_empty", list(OPTIONAL))
def test_an_empty_cell_keeps_the_registered_value(left_empty: str) -> None:
    """A column that is there but blank for this worker gives nothing: no default, no erasure."""
    run(csv(list(OPTIONAL), [{}]))
    assert counts(run(csv(list(OPTIONAL), [{left_empty: ""}]))) == (0, 0, 1)
    assert counts(run(csv(list(OPTIONAL), [{left_empty: "   "}]))) == (0, 0, 1)  # spaces only: empty too
    assert {f: stored()[f] for f in OPTIONAL} == FULL


@pytest.mark.django_db
def test_a_row_with_an_empty_cell_still_updates_the_fields_it_gives() -> None:
    run(csv(list(OPTIONAL), [{}]))
    summary = run(csv(list(OPTIONAL), [{"kpj": "", "segment": "", "phone": "081298765432", "poverty_decile": "5"}]))
    assert counts(summary) == (0, 1, 0)
    assert {f: stored()[f] for f in OPTIONAL} == {**FULL, "phone": "081298765432", "poverty_decile": 5}
    event = AuditEvent.objects.get(action="worker.update")
    assert set(event.after) == {"nik", "phone", "poverty_decile"}


@pytest.mark.django_db
def test_a_list_of_the_required_columns_only_keeps_every_optional_field() -> None:
    run(csv(list(OPTIONAL), [{}]))
    assert counts(run(csv([], [{}]))) == (0, 0, 1)
    assert {f: stored()[f] for f in OPTIONAL} == FULL


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "written", "value"),
    [
        ("phone", "081298765432", "081298765432"),
        ("occupation", "Pedagang", "pedagang"),
        ("segment", "Jasa Konstruksi", "jakon"),
        ("kpj", "KPJ-999", "KPJ-999"),
        ("poverty_decile", "7", 7),
    ],
)
def test_a_present_column_still_updates_only_its_field(field: str, written: str, value: Any) -> None:
    run(csv(list(OPTIONAL), [{}]))
    summary = run(csv([field], [{field: written}]))  # only this optional column, with a new value
    assert counts(summary) == (0, 1, 0)
    assert {f: stored()[f] for f in OPTIONAL} == {**FULL, field: value}
    event = AuditEvent.objects.get(action="worker.update")
    assert set(event.before) == set(event.after) == {"nik", field}  # only the changed field is written and audited
    assert event.after[field] == value and event.before["nik"] == "3603**********01"


@pytest.mark.django_db
def test_a_new_worker_gets_the_defaults_and_a_registered_one_keeps_its_values() -> None:
    run(csv(list(OPTIONAL), [{}]))
    summary = run(csv([], [{}, {"nik": NIK_2, "name": "Budi"}]))
    assert counts(summary) == (1, 0, 1)
    assert {f: stored()[f] for f in OPTIONAL} == FULL
    budi = stored(NIK_2)
    assert {f: budi[f] for f in OPTIONAL} == {**DEFAULTS, "birth_date": date(1990, 1, 1), "sex": "L"}


@pytest.mark.django_db
def test_a_new_worker_from_a_list_without_optional_columns_gets_every_default() -> None:
    assert counts(run(csv([], [{}]))) == (1, 0, 0)
    assert {f: stored()[f] for f in OPTIONAL} == DEFAULTS


@pytest.mark.django_db
def test_summary_counts_created_updated_and_unchanged_rows_exactly() -> None:
    people = [{"nik": f"36030101019000{i:02d}", "name": f"Pekerja {i}"} for i in range(1, 7)]
    assert counts(run(csv(["segment", "kpj"], people))) == (6, 0, 0)
    # Fewer columns; rows 1-2 unchanged, row 3 gets a new name, row 4 a KPJ cell left empty (unchanged), and two
    # workers not registered yet.
    rows = [
        people[0],
        people[1],
        {**people[2], "name": "Nama Baru"},
        {**people[3], "kpj": ""},
        {"nik": "3603010101900007", "name": "Baru 7"},
        {"nik": "3603010101900008", "name": "Baru 8"},
    ]
    text = csv(["kpj"], rows)
    dry = run(text, dry_run=True)
    assert counts(dry) == (2, 1, 3) and dry["rows"] == 6 and dry["rejected"] == 0
    assert Worker.objects.count() == 6  # a dry run writes nothing
    done = run(text)
    assert counts(done) == counts(dry)
    assert Worker.objects.count() == 8
    assert Worker.objects.get(nik="3603010101900003").name == "Nama Baru"
    assert set(Worker.objects.filter(nik__in=[p["nik"] for p in people]).values_list("segment", "kpj")) == {
        ("pmi", "KPJ-123")
    }
    assert counts(run(text)) == (0, 0, 6)


@pytest.mark.django_db
def test_a_small_list_against_a_larger_registry_keeps_left_out_fields_too() -> None:
    """Matched by NIK in chunks (the registry is more than four times the list): the same rule holds."""
    people = [{"nik": f"36030101019000{i:02d}", "name": f"Pekerja {i}"} for i in range(1, 13)]
    run(csv(["phone", "occupation", "segment", "kpj", "poverty_decile"], people))
    assert counts(run(csv(["phone"], [{**people[4], "phone": ""}]))) == (0, 0, 1)
    assert counts(run(csv(["phone"], [{**people[4], "phone": "081311112222"}]))) == (0, 1, 0)
    worker = stored(people[4]["nik"])
    assert worker["phone"] == "081311112222" and worker["segment"] == "pmi" and worker["kpj"] == "KPJ-123"


@pytest.mark.django_db
def test_an_unreadable_phone_does_not_erase_the_registered_one() -> None:
    run(csv(list(OPTIONAL), [{}]))
    result = do_import_workers(
        source=csv(["phone"], [{"phone": "12"}]).encode(), filename="daftar.csv", actor=SYSTEM, on=ON
    )
    assert result.issues["code"].to_list() == ["phone_format"]  # a warning: the row is imported
    assert counts(result.summary) == (0, 0, 1) and stored()["phone"] == "081234567890"


@pytest.mark.django_db
def test_a_name_holding_the_signature_separator_is_compared_right() -> None:
    """The registry's values are compared as one text split at \\x1f: a name holding one must not shift them."""
    name = "Siti\x1fAminah"
    run(csv(list(OPTIONAL), [{"name": name}]))
    assert counts(run(csv(["kpj"], [{"name": name}]))) == (0, 0, 1)
    assert counts(run(csv(["kpj"], [{"name": name, "kpj": "KPJ-124"}]))) == (0, 1, 0)
    assert stored()["kpj"] == "KPJ-124" and stored()["segment"] == "pmi"


# --- every door goes through the same action ------------------------------------------------------------------


def _via_cli(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], _op: Any) -> dict[str, Any]:
    path = tmp_path / "daftar.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["workers", "import", str(path), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _via_web(text: str, _tmp: Path, _capsys: Any, operator: Any) -> dict[str, Any]:
    upload = SimpleUploadedFile("daftar.csv", text.encode(), content_type="text/csv")
    client_for(operator).post("/workers/import/", {"file": upload, "mode": "all-or-nothing"})
    return ImportJob.objects.latest("pk").summary  # queued, then run by the background job


def _via_api(text: str, _tmp: Path, _capsys: Any, operator: Any) -> dict[str, Any]:
    upload = SimpleUploadedFile("daftar.csv", text.encode(), content_type="text/csv")
    client = client_for(operator)
    response = client.post("/api/v1/imports", {"file": upload})
    assert response.status_code == 202, response.content
    return client.get(f"/api/v1/imports/{response.json()['id']}").json()["summary"]


@pytest.mark.django_db
@pytest.mark.parametrize("door", [_via_cli, _via_web, _via_api], ids=["cli", "web-upload", "api"])
def test_every_door_keeps_left_out_fields(door: Any, tmp_path: Path, capsys: Any, kab_operator: Any) -> None:
    first = door(csv(list(OPTIONAL), [{}]), tmp_path, capsys, kab_operator)
    assert (first["created"], first["updated"]) == (1, 0)
    again = door(csv([], [{}]), tmp_path, capsys, kab_operator)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    # 1925, not the 2025 the NIK alone would give: the left-out birth date was not recomputed.
    assert {f: stored()[f] for f in OPTIONAL} == FULL


#: A second value for the fields a re-import may change (as written, as stored).
OTHER: dict[str, tuple[str, Any]] = {
    "phone": ("081298765432", "081298765432"),
    "occupation": ("Pedagang", "pedagang"),
    "segment": ("Jasa Konstruksi", "jakon"),
    "kpj": ("KPJ-999", "KPJ-999"),
    "poverty_decile": ("7", 7),
}


@pytest.mark.django_db
def test_a_reimport_with_any_subset_of_the_columns_changes_exactly_the_fields_it_gives() -> None:
    """The mutation check of issue 17: for every subset of the optional columns, given with new values, a re-import
    changes those fields and leaves every other field (and the name and desa) as registered."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(list(OPTIONAL)), unique=True), st.data())
    def check(given_fields: list[str], data: st.DataObject) -> None:
        Worker.objects.all().delete()
        run(csv(list(OPTIONAL), [{}]))
        changed = [f for f in given_fields if f in OTHER and data.draw(st.booleans(), label=f"change {f}")]
        summary = run(csv(given_fields, [{f: OTHER[f][0] for f in changed}]))
        assert counts(summary) == ((0, 1, 0) if changed else (0, 0, 1))
        after = stored()
        assert {f: after[f] for f in OPTIONAL} == {**FULL, **{f: OTHER[f][1] for f in changed}}
        assert (after["name"], after["desa_code"].replace(".", "")) == ("Siti Aminah", DESA)

    check()
