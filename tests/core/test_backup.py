"""``paritrana backup`` and ``paritrana restore`` through the real command line, each installation in its own data
folder (and, on the PostgreSQL leg, its own database in the test cluster)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from paritrana.demo.people import make_nik

pytestmark = pytest.mark.slow

LEG_URL = os.environ.get("PARITRANA_DATABASE_URL", "")
POSTGRES = LEG_URL.startswith("postgres")
CLI = [sys.executable, "-m", "paritrana.cli"]
EVIDENCE = bytes(range(256)) * 40 + b"scan of the Perbup"  # binary, with every byte value
NIKS = [make_nik(kecamatan_code="36.03.01", birth_date=date(1980, 1, 1 + i), sex="L", sequence=1) for i in range(3)]


# --- installations --------------------------------------------------------------------------------------------


class Installation:
    """One Paritrana: a data folder and its database (the SQLite file in it, or a new PostgreSQL database)."""

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PARITRANA_DATABASE_URL", "PARITRANA_ANALYTICS_STORE")}
        env["PARITRANA_DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["PARITRANA_DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - our own command
            [*CLI, *args], env=self.env, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"paritrana {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.database_url:
            import psycopg

            with psycopg.connect(_psycopg_url(self.database_url)) as conn:
                return [tuple(r) for r in conn.execute(sql).fetchall()]
        with sqlite3.connect(self.data_dir / "paritrana.sqlite3") as conn:
            return conn.execute(sql).fetchall()

    def counts(self) -> dict[str, int]:
        if self.database_url:
            tables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        else:
            tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        return {t: self.query(f'SELECT count(*) FROM "{t}"')[0][0] for (t,) in self.query(tables)}  # noqa: S608

    def files(self) -> dict[str, bytes]:
        media = self.data_dir / "files"
        return {p.relative_to(media).as_posix(): p.read_bytes() for p in sorted(media.rglob("*")) if p.is_file()}


def _psycopg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _new_database(name: str) -> str:
    """A new database in the leg's cluster, named ``name``; its URL."""
    import psycopg

    with psycopg.connect(_psycopg_url(LEG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return LEG_URL.rsplit("/", 1)[0] + "/" + name


def _drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(_psycopg_url(LEG_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture(scope="module")
def installations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Makes empty installations; drops their PostgreSQL databases at the end."""
    made: list[str] = []

    def make(label: str) -> Installation:
        folder = tmp_path_factory.mktemp(label)
        url = ""
        if POSTGRES:
            url = _new_database(f"backup_{label}_{uuid.uuid4().hex[:8]}")
            made.append(url)
        return Installation(folder, url)

    yield make
    for url in made:
        _drop_database(url)


def _workers_csv(path: Path, niks: list[str]) -> Path:
    lines = ["NIK;Nama;Tgl Lahir;JK;Kode Desa"]
    lines += [f"{nik};Pekerja {i};{1 + i:02d}/01/1980;L;3603012003" for i, nik in enumerate(niks)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _load_facts(location: Path) -> None:
    """Three coverage facts in the installation's DuckDB store, as ``facts load`` writes them (straight through the
    store: the command would first need the 90,000 regions loaded to check the codes)."""
    import pyarrow as pa

    from paritrana.analytics.store import FACT_SCHEMA, connect

    base = {"province": "36", "kabupaten": "36.03", "kecamatan": None, "desa": None, "segment": "bpu"}
    rows = [
        {**base, "participant_id": p, "month": date(2024, m, 1), "funder": "apbd", "active": a, "vulnerable": True}
        | {"premium_paid": 16800, "occupation": None, "origin": "bpjs-2024"}
        for p, m, a in (("A", 11, True), ("A", 12, True), ("B", 12, False))
    ]
    store = connect("duckdb", str(location))
    try:
        store.replace_origin("bpjs-2024", pa.Table.from_pylist(rows, schema=FACT_SCHEMA))
    finally:
        store.close()


def _facts(location: Path) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(location), read_only=True) as con:
        return con.execute("SELECT * FROM facts_participants ORDER BY participant_id, month").fetchall()


@pytest.fixture(scope="module")
def source(installations: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Installation, Path, dict[str, Any]]:
    """An installation with three workers, coverage facts and an evidence file; backed up once."""
    src = installations("source")
    work = tmp_path_factory.mktemp("work")
    src.run("migrate")
    src.run("workers", "import", str(_workers_csv(work / "workers.csv", NIKS)))
    _load_facts(src.data_dir / "analytics.duckdb")
    evidence = src.data_dir / "files" / "award" / "2025" / "perbup.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(EVIDENCE)
    archive = work / "paritrana.tar.gz"
    result = src.run("backup", str(archive), "--format", "json")
    return src, archive, json.loads(result.stdout)


# --- restore into an empty installation -----------------------------------------------------------------------


def test_restore_into_an_empty_installation_finds_every_record_file_and_fact(
    source: tuple[Installation, Path, dict[str, Any]], installations: Any
) -> None:
    src, archive, manifest = source
    assert manifest["engine"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["analytics"] == {"kind": "duckdb", "included": True, "rows": 3, "note": ""}
    assert {f["path"] for f in manifest["files"]} >= {"files/award/2025/perbup.pdf", "analytics/analytics.duckdb"}
    target = installations("target")

    result = target.run("restore", str(archive), "--format", "json")

    assert json.loads(result.stdout)["row_counts"] == manifest["row_counts"]
    restored, original = target.counts(), src.counts()
    assert manifest["row_counts"]["registry_worker"] == 3
    # The source has written the backup's audit event since; the target the restore's.
    for counts in (restored, original):
        assert counts.pop("core_auditevent") == manifest["row_counts"]["core_auditevent"] + 1
    expected = {t: n for t, n in manifest["row_counts"].items() if t != "core_auditevent"}
    assert restored == expected == original
    workers = "SELECT nik, name, desa_code FROM registry_worker ORDER BY nik"
    assert target.query(workers) == src.query(workers) and len(target.query(workers)) == 3
    assert {r[0] for r in target.query(workers)} == set(NIKS)
    events = "SELECT id, action, actor_name, object_type, object_id FROM core_auditevent ORDER BY id"
    assert target.query(events)[:-1] == src.query(events)[:-1]  # all but backup.create / backup.restore
    assert target.query(events)[-1][1] == "backup.restore"
    assert src.query(events)[-1][1] == "backup.create"
    assert target.files() == src.files() == {"award/2025/perbup.pdf": EVIDENCE}
    assert (target.data_dir / "secret_key").read_bytes() == (src.data_dir / "secret_key").read_bytes()
    facts = _facts(target.data_dir / "analytics.duckdb")
    assert facts == _facts(src.data_dir / "analytics.duckdb") and len(facts) == 3
    if not POSTGRES:
        assert target.query("PRAGMA integrity_check") == [("ok",)]


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(
    source: tuple[Installation, Path, dict[str, Any]], installations: Any, tmp_path: Path
) -> None:
    _, archive, manifest = source
    target = installations("busy")
    target.run("migrate")
    extra = make_nik(kecamatan_code="36.03.01", birth_date=date(1980, 1, 1), sex="L", sequence=2)
    target.run("workers", "import", str(_workers_csv(tmp_path / "other.csv", [extra])))
    (target.data_dir / "files").mkdir(exist_ok=True)
    (target.data_dir / "files" / "mine.txt").write_text("kept")
    before = target.counts()

    refused = target.run("restore", str(archive), check=False)

    assert refused.returncode == 2
    assert "--force" in refused.stderr and "registry_worker" in refused.stderr
    assert target.counts() == before
    assert target.query("SELECT nik FROM registry_worker") == [(extra,)]
    assert target.files() == {"mine.txt": b"kept"}

    target.run("restore", str(archive), "--force")

    assert {r[0] for r in target.query("SELECT nik FROM registry_worker")} == set(NIKS)
    assert target.files() == {"award/2025/perbup.pdf": EVIDENCE}
    assert target.counts()["registry_worker"] == manifest["row_counts"]["registry_worker"]


# --- damaged or foreign archives ------------------------------------------------------------------------------


def _rewrite(archive: Path, dest: Path, change: Any) -> Path:
    """A copy of ``archive`` as a plain tar, each member passed through ``change(name, data) -> data | None``."""
    out = io.BytesIO()
    with tarfile.open(archive) as old, tarfile.open(fileobj=out, mode="w") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())  # type: ignore[union-attr] # files only
            if data is not None:
                member.size = len(data)
                new.addfile(member, io.BytesIO(data))
    dest.write_bytes(out.getvalue())
    return dest


def test_a_tampered_archive_is_refused_naming_the_file(
    source: tuple[Installation, Path, dict[str, Any]], installations: Any, tmp_path: Path
) -> None:
    _, archive, _ = source
    # One byte changed in place, in the plain tar inside the gzip.
    plain = gzip.decompress(archive.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        offset = tar.getmember("files/award/2025/perbup.pdf").offset_data + 100
    tampered = tmp_path / "tampered.tar"
    tampered.write_bytes(plain[:offset] + bytes([plain[offset] ^ 1]) + plain[offset + 1 :])
    no_manifest = _rewrite(archive, tmp_path / "no-manifest.tar", lambda n, d: None if n == "manifest.json" else d)
    target = installations("tampered")

    refused = target.run("restore", str(tampered), check=False)
    incomplete = target.run("restore", str(no_manifest), check=False)

    assert refused.returncode == 2 and "files/award/2025/perbup.pdf" in refused.stderr
    assert incomplete.returncode == 2 and "manifest.json" in incomplete.stderr
    assert target.files() == {}
    assert not (target.data_dir / "analytics.duckdb").exists()


def test_an_archive_of_the_other_engine_is_refused(
    source: tuple[Installation, Path, dict[str, Any]], installations: Any, tmp_path: Path
) -> None:
    _, archive, _ = source
    other = "sqlite" if POSTGRES else "postgresql"

    def swap_engine(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "engine": other}).encode()

    foreign = _rewrite(archive, tmp_path / "foreign.tar", swap_engine)
    target = installations("foreign")

    refused = target.run("restore", str(foreign), "--format", "json", check=False)

    assert refused.returncode == 2
    body = json.loads(refused.stderr.strip().splitlines()[-1])
    assert body["code"] == "conflict"
    assert body["details"] == {"archive_engine": other, "engine": "postgresql" if POSTGRES else "sqlite"}
    assert target.files() == {}


def test_a_backup_name_that_is_not_a_tar_is_refused_and_writes_nothing(
    source: tuple[Installation, Path, dict[str, Any]], tmp_path: Path
) -> None:
    src, _, _ = source
    refused = src.run("backup", str(tmp_path / "paritrana.zip"), check=False)
    assert refused.returncode == 2 and ".tar.gz" in refused.stderr
    assert list(tmp_path.iterdir()) == []


# --- consistency while the app writes -------------------------------------------------------------------------

WRITER = """
import os, sys, pathlib
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
import django
django.setup()
from django.db import transaction
from paritrana.core.audit import record

ready, stop = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
i = 0
while not stop.exists():
    with transaction.atomic():  # two events per transaction: a consistent copy never holds an odd number
        record(actor=None, action="test.pair", object_type="test", object_id=i)
        record(actor=None, action="test.pair", object_type="test", object_id=i)
    i += 1
    if i == 20:
        ready.touch()
"""


def test_a_backup_taken_while_another_process_writes_is_consistent(installations: Any, tmp_path: Path) -> None:
    src = installations("busy_source")
    src.run("migrate")
    src.run("workers", "import", str(_workers_csv(tmp_path / "w.csv", NIKS)))
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    writer = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", WRITER, str(ready), str(stop)],
        env=src.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not ready.exists():
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            time.sleep(0.05)
        archive = tmp_path / "live.tar"
        manifest = json.loads(src.run("backup", str(archive), "--format", "json").stdout)
        assert writer.poll() is None, "the writer stopped before the backup ended"
    finally:
        stop.touch()
        writer.wait(timeout=60)
    pairs = manifest["row_counts"]["core_auditevent"]
    assert src.query("SELECT count(*) FROM core_auditevent")[0][0] > pairs  # it went on writing meanwhile
    target = installations("busy_target")

    target.run("restore", str(archive))

    restored = target.counts()
    assert restored.pop("core_auditevent") == pairs + 1  # and the restore's own event
    assert restored == {t: n for t, n in manifest["row_counts"].items() if t != "core_auditevent"}
    written = target.query("SELECT count(*) FROM core_auditevent WHERE action = 'test.pair'")[0][0]
    assert written >= 40 and written % 2 == 0  # whole transactions only
    if POSTGRES:
        assert target.query("SELECT count(*) FROM registry_worker") == [(3,)]
    else:
        assert target.query("PRAGMA integrity_check") == [("ok",)]


def test_the_manifest_checksums_are_of_the_archived_bytes(source: tuple[Installation, Path, dict[str, Any]]) -> None:
    _, archive, manifest = source
    with tarfile.open(archive) as tar:
        for entry in manifest["files"]:
            data = tar.extractfile(entry["path"]).read()  # type: ignore[union-attr] # a regular file
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
