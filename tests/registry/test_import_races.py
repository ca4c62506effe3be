"""Two imports of overlapping lists at once: the second waits for the first (the registry is locked for the write and
the registered workers are read under that lock), so both end done, nothing escapes and each NIK is there once.

On PostgreSQL two threads import for real at the same moment; the in-memory SQLite test database is not shared
between threads (and SQLite serialises writers at BEGIN IMMEDIATE anyway), so there the overlap is run one after
the other, and with the second list committed between the first one's reading and its writing.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest

from paritrana.core.permissions import SYSTEM
from paritrana.demo.people import make_nik
from paritrana.registry import actions
from paritrana.registry.actions import do_import_workers
from paritrana.registry.models import Worker
from tests.conftest import committed_db, needs_shared_database

DESA = "3603012003"
HEADER = "NIK;Nama;Tgl Lahir;JK;Kode Desa\n"


def _rows(first: int, last: int) -> list[tuple[str, str, str]]:
    """Workers number ``first`` to ``last - 1``: (NIK, name, birth date); the same number gives the same worker."""
    start = date(1970, 1, 1)
    out = []
    for i in range(first, last):
        birth = start + timedelta(days=i % 9000)
        nik = make_nik(kecamatan_code="36.03.01", birth_date=birth, sex="L", sequence=1000 + i // 9000)
        out.append((nik, f"Pekerja {i}", f"{birth:%d/%m/%Y}"))
    return out


def _csv(first: int, last: int) -> bytes:
    return (HEADER + "".join(f"{nik};{name};{born};L;{DESA}\n" for nik, name, born in _rows(first, last))).encode()


def _import(first: int, last: int) -> dict[str, Any]:
    return do_import_workers(source=_csv(first, last), filename=f"daftar-{first}.csv", actor=SYSTEM).summary


def _assert_each_nik_once(first: int, last: int) -> None:
    niks = list(Worker.objects.values_list("nik", flat=True))
    assert len(niks) == len(set(niks)) == last - first
    assert set(niks) == {nik for nik, _name, _born in _rows(first, last)}


@pytest.mark.django_db
def test_overlapping_imports_one_after_the_other_count_the_overlap_as_unchanged() -> None:
    first = _import(0, 300)
    second = _import(150, 450)
    assert (first["status"], first["created"]) == ("done", 300)
    assert (second["status"], second["created"], second["unchanged"], second["updated"]) == ("done", 150, 150, 0)
    _assert_each_nik_once(0, 450)


@pytest.mark.django_db
def test_a_list_committed_while_another_is_validated_is_seen_by_the_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """List B commits after list A was read and checked, before A's write transaction: A reads the registered
    workers in that transaction, so it finds B's and creates only its own. (Between A's reading of the registry and
    its writing nothing can commit any more: both are in the one transaction, under the lock.)"""
    real = actions._out_of_scope  # runs after A's validation and before its write
    ran: list[dict[str, Any]] = []

    def b_commits_in_between(valid: Any, scope: Any) -> Any:
        if not ran:  # during A's import only (B's own call finds ``ran`` filled)
            ran.append({})
            ran[0] = _import(150, 450)
        return real(valid, scope)

    monkeypatch.setattr(actions, "_out_of_scope", b_commits_in_between)
    first = _import(0, 300)
    assert ran[0]["created"] == 300
    assert (first["status"], first["created"], first["unchanged"]) == ("done", 150, 150)
    _assert_each_nik_once(0, 450)


@needs_shared_database
@committed_db("registry")
# 120,000: the first load drops the worker indexes and builds them again (core.bulk): the lock it takes then too.
@pytest.mark.parametrize("size", [300, 3000, 120_000])
def test_two_overlapping_imports_started_together_both_finish_and_each_nik_is_there_once(size: int) -> None:
    half = size // 2
    lists = [(0, size), (half, size + half)]
    barrier = threading.Barrier(2)
    outcomes: dict[int, dict[str, Any]] = {}
    escaped: list[BaseException] = []

    def run(first: int, last: int) -> None:
        from django.db import connection as conn

        barrier.wait()
        try:
            outcomes[first] = _import(first, last)
        except BaseException as exc:
            escaped.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=span) for span in lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not escaped, escaped
    assert [outcomes[first]["status"] for first, _last in lists] == ["done", "done"]
    created = sum(o["created"] for o in outcomes.values())
    unchanged = sum(o["unchanged"] for o in outcomes.values())
    assert (created, unchanged) == (size + half, half)  # whichever ran second found the overlap registered
    assert all(o["updated"] == 0 for o in outcomes.values())
    _assert_each_nik_once(0, size + half)
