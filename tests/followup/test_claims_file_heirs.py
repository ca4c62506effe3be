"""Heirs in a claims file: one row per heir, the claim's columns repeated, read into the same heir rows as the claim
form (the heirs page and the scholarship schedule); a bad heir row names its file row and writes nothing. Through
the action, the claims page and the API: one action behind every door."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from paritrana.core.models import AuditEvent
from paritrana.followup.models import Heir, ScholarshipChild
from paritrana.registry.models import Worker
from paritrana.sponsorship.actions import do_import_claims
from paritrana.sponsorship.models import Claim
from tests.conftest import client_for
from tests.factories import make_user, make_worker
from tests.followup.factories import DESA

pytestmark = pytest.mark.django_db

HEAD = (
    "NIK;Jenis;Tanggal Kejadian;Jumlah;"
    "Nama Ahli Waris;Hubungan;Tanggal Lahir Ahli Waris;NIK Ahli Waris;Jenjang Sekolah\n"
)


@pytest.fixture
def officer() -> Any:
    return make_user("bpjs.cikupa", "bpjs_officer", "36.03")


def _family(nik: str) -> str:
    claim = f"{nik};jkk-death;10/08/2025;70.000.000"
    return (
        HEAD
        + f"{claim};Siti Maryam;Istri;01/05/1990;3603014105900001;\n"
        + f"{claim};Dewi;anak;01/01/2015;;SD\n"
        + f"{claim};Bagus;Anak;2024-02-01;;\n"
    )


def test_a_claim_with_three_heirs_is_one_claim_and_three_heirs_from_the_claims_page(officer: Any) -> None:
    worker = make_worker(DESA)
    client = client_for(officer)
    upload = SimpleUploadedFile("klaim.csv", _family(worker.nik).encode())
    response = client.post("/programs/claims/", {"form": "file", "file-file": upload})
    assert response.status_code == 200, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert (claim.worker_id, claim.kind) == (worker.pk, "jkk-death")
    heirs = {h.name: (h.relation, h.birth_date.isoformat(), h.nik) for h in Heir.objects.filter(claim=claim)}
    assert heirs == {
        "Siti Maryam": ("spouse", "1990-05-01", "3603014105900001"),
        "Dewi": ("child", "2015-01-01", ""),
        "Bagus": ("child", "2024-02-01", ""),
    }
    child = ScholarshipChild.objects.get()
    assert (child.heir.name, child.level) == ("Dewi", "sd")
    assert Worker.objects.get(pk=worker.pk).status == "deceased"
    page = client.get(f"/followup/claims/{claim.pk}/").content.decode()
    assert "Siti Maryam" in page and "3603**********01" in page and "3603014105900001" not in page
    assert AuditEvent.objects.filter(action="followup.heir.create").count() == 3


@pytest.mark.parametrize(
    ("row", "needle", "field"),
    [
        ("Rudi;tetangga;01/01/2000;;", "tetangga", "heirs[1].relation"),
        ("Rudi;anak;kemarin;;", "kemarin", "heirs[1].birth_date"),
        ("Rudi;anak;01/01/2000;1234;", "16", "heirs[1].nik"),
        ("Rudi;istri;01/01/1990;;SD", "Rudi", "heirs[1].school_level"),
    ],
)
def test_a_bad_heir_row_names_its_file_row_and_nothing_is_written(
    officer: Any, row: str, needle: str, field: str
) -> None:
    worker = make_worker(DESA)
    before = AuditEvent.objects.count()
    claim = f"{worker.nik};jkk-death;10/08/2025;70.000.000"
    text = HEAD + f"{claim};Siti Maryam;istri;01/05/1990;;\n{claim};{row}\n"
    result = do_import_claims(actor=officer, source=text.encode(), filename="klaim.csv")
    assert [(e["row"], e["field"]) for e in result.errors] == [(3, field)]
    assert needle in result.errors[0]["message"]
    assert not Claim.objects.exists() and not Heir.objects.exists()
    assert Worker.objects.get(pk=worker.pk).status == "active"  # the death the claim implied is rolled back too
    assert AuditEvent.objects.count() == before


def test_a_repeated_claim_without_an_heir_is_refused_naming_both_rows(officer: Any) -> None:
    worker = make_worker(DESA)
    claim = f"{worker.nik};jkk-death;10/08/2025;70.000.000"
    text = HEAD + f"{claim};;;;;\n{claim};;;;;\n"
    result = do_import_claims(actor=officer, source=text.encode(), filename="klaim.csv")
    assert [(e["row"], e["field"]) for e in result.errors] == [(3, "heir_name")]
    assert "baris 2" in result.errors[0]["message"].lower()
    assert not Claim.objects.exists()


def test_heirs_on_a_claim_that_is_not_a_death_are_refused(officer: Any) -> None:
    worker = make_worker(DESA)
    text = HEAD + f"{worker.nik};jkk;10/08/2025;5.000.000;Siti;istri;01/05/1990;;\n"
    result = do_import_claims(actor=officer, source=text.encode(), filename="klaim.csv")
    assert [(e["row"], e["field"]) for e in result.errors] == [(2, "heirs")]
    assert not Claim.objects.exists()


def test_a_file_without_heir_columns_still_imports_as_before(officer: Any) -> None:
    worker = make_worker(DESA)
    text = f"NIK;Jenis;Tanggal Kejadian;Jumlah;Ahli Waris\n{worker.nik};jkk-death;10/08/2025;70.000.000;Istri\n"
    result = do_import_claims(actor=officer, source=text.encode(), filename="klaim.csv")
    assert (result.recorded, result.errors) == (1, [])
    assert Claim.objects.get().heirs == "Istri" and not Heir.objects.exists()  # free text stays a note


def test_the_api_imports_the_same_file_with_its_heirs(officer: Any) -> None:
    worker = make_worker(DESA)
    upload = SimpleUploadedFile("klaim.csv", _family(worker.nik).encode())
    response = client_for(officer).post("/api/v1/claims/import", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json()["recorded"] == 1 and Heir.objects.count() == 3
