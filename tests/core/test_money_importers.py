"""Every importer that reads an amount reads it with the one parser (``core.money``): payment files (action, web,
API, CLI), claim files (action, API) and bulk participant facts. A fraction or an ambiguous amount is refused naming
the row and the column, and nothing is written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from paritrana.analytics.ingest import read_participants
from paritrana.cli import main
from paritrana.core.errors import InvalidInput
from paritrana.core.permissions import SYSTEM
from paritrana.regions.models import Region
from paritrana.sponsorship.actions import (
    do_enroll,
    do_import_claims,
    do_import_payments,
    do_record_payment,
    do_run_billing,
)
from paritrana.sponsorship.models import Bill, Claim, Enrollment, Payment
from tests.conftest import client_for
from tests.factories import make_program, make_user, make_worker

pytestmark = pytest.mark.django_db
HEAD = "Nomor Tagihan;Referensi;Tanggal Bayar;Jumlah\n"


@pytest.fixture
def bill() -> Bill:
    desa = Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code").values_list("code", flat=True)
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(desa[0]) for _ in range(2)])
    return do_run_billing(actor=SYSTEM, month=date(2024, 3, 1)).bills[0]  # 2 x Rp16.800


def test_a_payment_file_reads_amounts_as_banks_and_bpjs_write_them(bill: Bill) -> None:
    rows = [("A1", "Rp16.800,00"), ("A2", "IDR 8.400"), ("A3", "Rp1.234.567,-"), ("A4", "8.400")]
    text = HEAD + "".join(f"{bill.number};{ref};05/04/2024;{amount}\n" for ref, amount in rows)
    result = do_import_payments(actor=SYSTEM, source=text.encode(), filename="bayar.csv")
    assert result.errors == [] and result.matched == 4
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [8_400, 8_400, 16_800, 1_234_567]


@pytest.mark.parametrize("amount", ["16.800,50", "16800.004", "2jtan"])
def test_a_payment_file_with_a_fraction_or_an_ambiguous_amount_writes_nothing(bill: Bill, amount: str) -> None:
    text = HEAD + f"{bill.number};A1;05/04/2024;33.600\n{bill.number};A2;05/04/2024;{amount}\n"
    result = do_import_payments(actor=SYSTEM, source=text.encode(), filename="bayar.csv")
    assert [(e["row"], e["field"]) for e in result.errors] == [(3, "amount")]
    assert amount in result.errors[0]["message"]  # the message quotes what the file says, in any language
    assert not Payment.objects.exists()


def test_a_payment_file_through_the_page_the_api_and_the_command_line(bill: Bill, tmp_path: Path) -> None:
    officer = make_user("bpjs.money", "bpjs_officer", "36.03")
    client = client_for(officer)
    good = HEAD + f"{bill.number};W1;05/04/2024;Rp 16.800,00\n"
    page = client.post(
        "/programs/payments/",
        {"form": "file", "file-file": SimpleUploadedFile("bayar.csv", good.encode()), "file-source": "bank_statement"},
    )
    assert page.status_code == 200 and Payment.objects.get(reference="W1").amount == 16_800
    bad = HEAD + f"{bill.number};W2;05/04/2024;Rp 16.800,50\n"
    refused = client.post(
        "/programs/payments/",
        {"form": "file", "file-file": SimpleUploadedFile("bayar.csv", bad.encode()), "file-source": "bank_statement"},
    )
    assert refused.status_code == 422 and not Payment.objects.filter(reference="W2").exists()

    api = client.post("/api/v1/payments/import", {"file": SimpleUploadedFile("b.csv", bad.encode())})
    assert api.status_code == 422 and api.json()["code"] == "invalid_rows"
    assert api.json()["details"]["errors"][0]["row"] == 2
    assert api.json()["details"]["errors"][0]["field"] == "amount"
    assert not Payment.objects.filter(reference="W2").exists()
    ok = client.post(
        "/api/v1/payments/import",
        {"file": SimpleUploadedFile("b.csv", (HEAD + f"{bill.number};W3;05/04/2024;IDR 8.400\n").encode())},
    )
    assert ok.json()["matched"] == 1 and Payment.objects.get(reference="W3").amount == 8_400

    path = tmp_path / "bayar.csv"
    path.write_text(HEAD + f"{bill.number};W4;05/04/2024;Rp8.400,-\n", encoding="utf-8")
    assert main(["payments", "import", str(path), "--format", "json"]) == 0
    assert Payment.objects.get(reference="W4").amount == 8_400
    path.write_text(HEAD + f"{bill.number};W5;05/04/2024;8.400,5\n", encoding="utf-8")
    assert main(["payments", "import", str(path), "--format", "json"]) == 1
    assert not Payment.objects.filter(reference="W5").exists()


def _claims_file(worker: Any, amount: str) -> bytes:
    return f"NIK;Jenis;Tanggal Kejadian;Jumlah;Ahli Waris\n{worker.nik};jkm;10/03/2024;{amount};Istri\n".encode()


def test_a_claim_file_reads_the_amount_paid_with_the_same_parser(bill: Bill) -> None:
    do_record_payment(
        actor=SYSTEM, bill_number=bill.number, reference="R", paid_on=date(2024, 3, 1), amount=bill.amount
    )
    worker = Enrollment.objects.first().worker  # type: ignore[union-attr]
    refused = do_import_claims(actor=SYSTEM, source=_claims_file(worker, "Rp42.000.000,50"), filename="klaim.csv")
    assert [(e["row"], e["field"]) for e in refused.errors] == [(2, "amount_paid")]
    assert not Claim.objects.exists()
    client = client_for(make_user("bpjs.claims", "bpjs_officer", "36.03"))
    api = client.post(
        "/api/v1/claims/import", {"file": SimpleUploadedFile("k.csv", _claims_file(worker, "Rp42.000.000,50"))}
    )
    assert api.status_code == 422 and api.json()["details"]["errors"][0]["field"] == "amount_paid"
    assert not Claim.objects.exists()
    answer = client.post(
        "/api/v1/claims/import", {"file": SimpleUploadedFile("k.csv", _claims_file(worker, "Rp42.000.000,-"))}
    )
    assert answer.status_code == 200 and answer.json()["recorded"] == 1, answer.content
    assert Claim.objects.get().amount_paid == 42_000_000


def test_a_facts_file_reads_premiums_as_banks_write_them_and_names_a_fraction(tmp_path: Path) -> None:
    head = "participant_id;region_code;month;segment;funder;active;premium_paid\n"
    good = tmp_path / "bpjs.csv"
    good.write_text(head + "P1;3603;2024-12;bpu;apbd;true;Rp16.800,00\nP2;3603;2024-12;bpu;apbd;true;16.800\n")
    facts = read_participants(good, filename=good.name, origin="bpjs")
    assert facts.column("premium_paid").to_pylist() == [16_800, 16_800]
    bad = tmp_path / "bpjs-bad.csv"
    bad.write_text(head + "P1;3603;2024-12;bpu;apbd;true;16.800\nP2;3603;2024-12;bpu;apbd;true;16.800,50\n")
    with pytest.raises(InvalidInput) as refused:
        read_participants(bad, filename=bad.name, origin="bpjs")
    first = refused.value.details["errors"][0]
    assert (first["row"], first["column"]) == (3, "premium_paid") and "fraction" in first["reason"]


def test_a_payment_through_the_api_accepts_a_bank_written_amount(bill: Bill) -> None:
    client = client_for(make_user("bpjs.one", "bpjs_officer", "36.03"))
    answer = client.post(
        "/api/v1/payments",
        json.dumps({"bill_number": bill.number, "reference": "T1", "paid_on": "2024-04-05", "amount": "Rp16.800,00"}),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert Payment.objects.get(reference="T1").amount == 16_800
