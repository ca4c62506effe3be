"""Publication outputs: the certificates (one page per winner, the region's name in the text), a participant's PDF
report, the results workbook, and who may download them (the committee; the public once published; a
participant's report for its operators)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from paritrana.award import reports, sheets
from paritrana.award.models import Result
from tests.award.test_views import _client, _publish, ranked
from tests.award.test_workflow import _participant, setup  # noqa: F401 - a fixture
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _pdf_text(pdf: bytes, tmp_path: Path) -> tuple[int, str]:
    """(pages, text) of a PDF, by poppler's pdfinfo and pdftotext."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)  # noqa: S603,S607
    return pages, text.stdout


def test_certificates_have_one_page_per_winner_with_the_region_name(setup: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    s = ranked(setup, publish=True)
    winners = Result.objects.filter(participant__category=s["category"]).exclude(title="")
    assert winners.count() == 3
    pages, text = _pdf_text(reports.certificates_pdf(s["category"]), tmp_path)
    assert pages == 3
    assert "PIAGAM PENGHARGAAN" in text and "Kabupaten Tangerang" in text and "Kota Cilegon" in text
    assert "Terbaik I" in text and "Pemerintah Kabupaten/Kota" in text and "Provinsi Banten" in text
    assert "DRAF" not in text  # published


def test_only_titled_participants_get_a_certificate(setup: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    s = ranked(setup)
    category = s["category"]
    category.titles = ["Terbaik I"]
    category.save(update_fields=["titles"])
    Result.objects.filter(participant__category=category, rank__gt=1).update(title="")
    pages, text = _pdf_text(reports.certificates_pdf(category), tmp_path)
    assert pages == 1 and "DRAF" in text  # not published yet: the committee's draft


def test_the_participant_report_opens_with_its_breakdown(setup: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    s = ranked(setup)
    p = _participant(s["category"], "36.74")
    pdf = reports.participant_pdf(p, judge_names=True)
    assert pdf.startswith(b"%PDF")
    pages, text = _pdf_text(pdf, tmp_path)
    assert pages >= 1
    for words in ("Laporan penilaian", "Kota Tangerang Selatan", "Nilai per aspek", "Kepala daerah", "Kestabilan"):
        assert words in text, words
    assert "menaikkan satu peringkat" in text and "j0: 6" in text
    operator_copy = _pdf_text(reports.participant_pdf(p, judge_names=False), tmp_path)[1]
    assert "j0" not in operator_copy and "Juri 1: 6" in operator_copy


def test_the_results_workbook_opens_with_openpyxl(setup: dict[str, Any]) -> None:  # noqa: F811
    from openpyxl import load_workbook

    s = ranked(setup)
    book = load_workbook(io.BytesIO(reports.results_xlsx(s["category"])))
    assert book.sheetnames == ["Hasil", "Sensitivitas", "Kriteria", "Keterangan"]
    columns, rows = sheets.export_rows(s["category"], "results")
    hasil = list(book["Hasil"].values)
    assert list(hasil[0]) == columns and len(hasil) == 1 + len(rows) == 4
    assert hasil[1][columns.index("name")] == "Kabupaten Tangerang" and hasil[1][columns.index("title")] == "Terbaik I"
    kriteria = [r[0] for r in book["Kriteria"].values]
    assert {"kebijakan", "perda", "wawancara", "kepala_daerah"} <= set(kriteria)
    assert len(list(book["Sensitivitas"].values)) == 4


def test_downloads_for_the_committee_and_the_public_once_published(setup: dict[str, Any]) -> None:  # noqa: F811
    s = ranked(setup)
    category = s["category"]
    p = _participant(category, "36.03")
    committee = _client(s["committee"])
    operator = _client(make_user("op.tangerang", "regional_operator", "36.03"))
    stranger = _client(make_user("op.cilegon", "regional_operator", "36.72"))
    anonymous = Client()
    xlsx = f"/award/categories/{category.pk}/export.xlsx?kind=results"
    assert committee.get(f"/award/categories/{category.pk}/piagam.pdf")["Content-Type"] == "application/pdf"
    assert committee.get(xlsx).status_code == 200
    assert committee.get(f"/award/participants/{p.pk}/report.pdf").status_code == 200
    for url in (f"/award/categories/{category.pk}/piagam.pdf", xlsx, f"/award/participants/{p.pk}/report.pdf"):
        assert operator.get(url).status_code == 404, url  # not published yet
    assert anonymous.get(f"/penghargaan/kategori/{category.pk}/piagam.pdf").status_code == 404
    _publish(s)
    assert operator.get(f"/award/participants/{p.pk}/report.pdf").status_code == 200
    assert stranger.get(f"/award/participants/{p.pk}/report.pdf").status_code == 403
    judge = _client(s["judges"][0])
    assert judge.get(f"/award/participants/{p.pk}/report.pdf").status_code == 403  # the panel, not the region
    certificates = anonymous.get(f"/penghargaan/kategori/{category.pk}/piagam.pdf")
    assert certificates.status_code == 200 and certificates.content.startswith(b"%PDF")
    workbook = anonymous.get(f"/penghargaan/kategori/{category.pk}/hasil.xlsx")
    assert workbook.status_code == 200 and workbook["Content-Type"] == reports.XLSX_TYPE
