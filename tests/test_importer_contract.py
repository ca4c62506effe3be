"""The contract of every importer, with Hypothesis (issue 17): random bytes, and files well formed but wrong (the
right header, any cells), give either a clear refusal or an import, through each door. A refusal is an error of the
one tree (``ParitranaError``) at the action, exit code 2 at the command line, a 4xx at the API; never a traceback or
a 500; and the database and the fact store are exactly as before.

tests/test_parser_properties.py holds the properties of the readers alone; this file runs whole importers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from paritrana.analytics.actions import do_import_workforce, do_load_facts
from paritrana.cli import main
from paritrana.core.config import get_settings
from paritrana.core.errors import ParitranaError
from paritrana.registry.actions import do_import_workers
from paritrana.registry.lifecycle import do_import_deaths
from paritrana.sponsorship.actions import do_import_claims, do_import_payments
from paritrana.sponsorship.bpjs import do_reconcile_participation
from tests.conftest import client_for
from tests.factories import make_user

DB = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Importer:
    name: str
    header: list[str]
    action: Callable[[Any, bytes, Path], Any]
    cli: list[str] | None  # the command before the file name
    api: str | None  # the endpoint taking the file as ``file``


IMPORTERS = [
    Importer(
        "workers",
        ["NIK", "Nama", "Kode Desa", "Tanggal Lahir", "Segmen", "KPJ"],
        lambda actor, data, path: do_import_workers(source=data, filename="daftar.csv", actor=actor),
        ["workers", "import"],
        None,  # the API queues a job: tests/registry/test_jobs_finish.py holds that door
    ),
    Importer(
        "deaths",
        ["NIK", "Tanggal Meninggal", "Sumber"],
        lambda actor, data, path: do_import_deaths(actor=actor, source=data, filename="meninggal.csv"),
        ["workers", "deaths"],
        "/api/v1/workers/deaths",
    ),
    Importer(
        "payments",
        ["Nomor Tagihan", "Referensi", "Tanggal", "Jumlah"],
        lambda actor, data, path: do_import_payments(actor=actor, source=data, filename="bayar.csv"),
        ["payments", "import"],
        "/api/v1/payments/import",
    ),
    Importer(
        "claims",
        ["NIK", "Jenis", "Tanggal Kejadian", "Jumlah", "Tanggal Bayar", "Ahli Waris"],
        lambda actor, data, path: do_import_claims(actor=actor, source=data, filename="klaim.csv"),
        None,
        "/api/v1/claims/import",
    ),
    Importer(
        "bpjs",
        ["NIK", "Status", "Iuran Sampai", "Tanggal Meninggal"],
        lambda actor, data, path: do_reconcile_participation(actor=actor, source=data, filename="bpjs.csv"),
        ["bpjs", "reconcile"],
        "/api/v1/bpjs/reconcile",
    ),
    Importer(
        "workforce",
        ["region_code", "year", "employed", "formal", "informal"],
        lambda actor, data, path: do_import_workforce(source=data, filename="sakernas.csv", actor=actor),
        ["workforce", "import"],
        "/api/v1/indicators/workforce/import",
    ),
    Importer(
        "facts",
        ["participant_id", "region_code", "month", "segment", "funder", "active", "premium_paid"],
        lambda actor, data, path: do_load_facts(path=_written(path, data, "fakta.csv"), actor=actor),
        ["facts", "load"],
        None,  # facts are loaded by an administrator at the command line only
    ),
]
IDS = [i.name for i in IMPORTERS]

cells = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24) | st.sampled_from(
    ["", "3603014507900001", "3.60301E+15", "2024-13-45", "16.800,50", "=1+1", "9" * 30, "-1", "TAG-1", "aktif"]
)


def _written(folder: Path, data: bytes, name: str) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def files_for(importer: Importer) -> st.SearchStrategy[bytes]:
    """Random bytes, or a file in the importer's layout with any cells (a row may be short or long)."""
    wrong = st.builds(
        _csv,
        st.just(importer.header),
        st.lists(st.lists(cells, min_size=1, max_size=len(importer.header) + 1), min_size=1, max_size=5),
        st.sampled_from([";", ",", "\t"]),
    )
    return st.binary(max_size=600) | wrong


def _state() -> dict[str, int]:
    """Rows of every table of the app (the audit log included): what a refusal must leave as it was."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_app_configs() for m in m.get_models()}


def _store() -> set[tuple[str, int]]:
    """The files of the data folder (the DuckDB fact store, a Parquet store) with their sizes."""
    folder = get_settings().data_dir
    return {(str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def admin(db: Any) -> Any:
    return make_user("admin.contract", "system_admin")


@pytest.mark.parametrize("importer", IMPORTERS, ids=IDS)
def test_every_importer_answers_or_refuses_and_a_refusal_changes_nothing(
    importer: Importer, admin: Any, tmp_path: Path
) -> None:
    @DB
    @given(files_for(importer))
    @example(b"")
    @example(b"\xef\xbb\xbf")
    @example(b"PK\x03\x04" + b"\x00" * 40)
    def run(data: bytes) -> None:
        before, store = _state(), _store()
        try:
            importer.action(admin, data, tmp_path)
        except ParitranaError as refusal:
            assert refusal.render_message(str)  # a message a person can read
            assert _state() == before and _store() == store

    run()


@pytest.mark.parametrize("importer", [i for i in IMPORTERS if i.cli], ids=[i.name for i in IMPORTERS if i.cli])
def test_every_import_command_exits_0_1_or_2_and_a_refusal_changes_nothing(
    importer: Importer, admin: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    @DB
    @given(files_for(importer))
    @example(b"")
    def run(data: bytes) -> None:
        path = _written(tmp_path, data, "berkas.csv")
        before, store = _state(), _store()
        code = main([*(importer.cli or []), str(path), "--user", admin.username])
        out = capsys.readouterr()
        assert code in (0, 1, 2) and "Traceback" not in out.err + out.out
        if code == 2:
            assert out.err.strip() and _state() == before and _store() == store

    run()


@pytest.mark.parametrize("importer", [i for i in IMPORTERS if i.api], ids=[i.name for i in IMPORTERS if i.api])
def test_every_import_endpoint_answers_2xx_or_4xx_and_a_refusal_changes_nothing(importer: Importer, admin: Any) -> None:
    client = client_for(admin)

    @DB
    @given(files_for(importer))
    @example(b"")
    def run(data: bytes) -> None:
        before = _state()
        answer = client.post(importer.api or "", {"file": SimpleUploadedFile("berkas.csv", data)})
        assert answer.status_code < 500, answer.content[:300]
        if answer.status_code >= 400:
            body = answer.json()
            assert body["code"] and body["message"]
            assert _state() == before

    run()
