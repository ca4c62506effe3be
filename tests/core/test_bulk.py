"""Bulk reads and writes: what goes in comes back, constants included, and the indexes survive a large insert."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from paritrana.core.bulk import insert_frame, read_frame, sql_now
from paritrana.registry.models import Worker

pytestmark = pytest.mark.django_db


def _workers(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "nik": pl.int_range(0, n, eager=True).cast(pl.String).str.zfill(16),
            "name": "Nama O'Brien",  # a quote, to be sure nothing is spliced into SQL
            "birth_date": date(1990, 1, 31),
            "sex": "P",
            "desa_code": "36.03.01.2003",
            "phone": "",
            "occupation": "nelayan",
            "segment": "bpu",
            "kpj": "",
            "needs_review": False,
        }
    )


def _indexes() -> dict[str, tuple[tuple[str, ...], bool]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Worker._meta.db_table)
    return {name: (tuple(c["columns"]), bool(c["unique"])) for name, c in found.items() if c["index"] or c["unique"]}


def test_large_insert_keeps_every_row_its_constants_and_the_tables_indexes() -> None:
    before = _indexes()
    now = sql_now()
    insert_frame(
        Worker._meta.db_table,
        _workers(60_000),
        constants={"status": "active", "poverty_decile": None, "created_at": now, "updated_at": now},
    )
    assert Worker.objects.count() == 60_000
    sample = Worker.objects.get(nik="0000000000059999")
    assert (sample.name, sample.birth_date, sample.status, sample.poverty_decile, sample.phone) == (
        "Nama O'Brien",
        date(1990, 1, 31),
        "active",
        None,
        "",
    )
    assert sample.needs_review is False
    back = read_frame(
        f"SELECT nik, birth_date FROM {Worker._meta.db_table} WHERE desa_code = %s ORDER BY nik",  # noqa: S608
        ["36.03.01.2003"],
        schema={"birth_date": pl.Date},
    )
    assert back.height == 60_000 and back["birth_date"][0] == date(1990, 1, 31)
    # Dropped for the load (PostgreSQL: the unique NIK constraint too), built again after it, under their names.
    assert _indexes() == before and (("nik",), True) in before.values()
    assert before["registry_worker_list_order"] == (("desa_code", "name", "id"), False)
    assert before["registry_worker_died_on"] == (("died_on",), False)
    if connection.vendor == "postgresql":  # the partial index comes back partial
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_indexdef('registry_worker_died_on'::regclass)")
            assert cursor.fetchone()[0].endswith("WHERE (died_on IS NOT NULL)")


def test_large_insert_with_a_repeated_nik_is_refused_by_the_rebuilt_constraint_and_writes_nothing() -> None:
    workers = _workers(60_000)
    workers = pl.concat([workers, workers.slice(123, 1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_frame(
            Worker._meta.db_table,
            workers,
            constants={"status": "active", "created_at": sql_now(), "updated_at": sql_now()},
        )
    assert Worker.objects.count() == 0


def test_read_in_batches_joins_batches_whose_types_differ() -> None:
    """A batch where a nullable column is all empty types it as Null; the batches still join into one frame."""
    now = sql_now()
    workers = _workers(30).with_columns(poverty_decile=pl.when(pl.int_range(0, 30) >= 20).then(3))
    insert_frame(Worker._meta.db_table, workers, constants={"status": "active", "created_at": now, "updated_at": now})
    frame = read_frame(
        f"SELECT nik, poverty_decile FROM {Worker._meta.db_table} ORDER BY nik",  # noqa: S608
        schema={"poverty_decile": pl.Int32},
        batch_size=7,
    )
    assert frame.height == 30 and frame["poverty_decile"].null_count() == 20 and frame["poverty_decile"][29] == 3


@pytest.mark.parametrize("rows", [1, 99, 100, 101, 250])
def test_rows_around_the_statement_size_and_columns_of_one_value_come_back_as_written(rows: int) -> None:
    """SQLite writes a hundred rows per statement and a column of one plain value into the statement itself;
    neither may lose a row or turn a value into another (a quote, a NULL among equal values, a lone NULL)."""
    workers = _workers(rows).with_columns(
        kpj=pl.lit("KPJ 'A'"),  # one value in every row, but not plain: bound
        phone=pl.when(pl.int_range(0, rows) == rows - 1).then(None).otherwise(pl.lit("0812")).fill_null(""),
        poverty_decile=pl.lit(None, pl.Int32),
    )
    insert_frame(
        Worker._meta.db_table, workers, constants={"status": "active", "created_at": sql_now(), "updated_at": sql_now()}
    )
    back = read_frame(
        f"SELECT nik, kpj, phone, poverty_decile, occupation, needs_review FROM {Worker._meta.db_table} ORDER BY id",  # noqa: S608
        schema={"poverty_decile": pl.Int32},
    )
    assert back["nik"].to_list() == workers["nik"].to_list()
    assert set(back["kpj"]) == {"KPJ 'A'"} and back["poverty_decile"].null_count() == rows
    assert back["phone"].to_list() == workers["phone"].to_list()
    assert set(back["occupation"]) == {"nelayan"} and set(back["needs_review"].cast(pl.Boolean)) == {False}


def test_a_large_insert_into_a_table_with_foreign_keys_after_other_writes_in_the_same_transaction() -> None:
    """On PostgreSQL an ALTER TABLE (the index drop and rebuild) refuses to run while deferred foreign-key checks of
    the transaction are pending: a program written, then its workers and enrollments loaded in bulk, all at once."""
    from paritrana.core.permissions import SYSTEM
    from paritrana.sponsorship.actions import do_create_program, do_create_sponsor
    from paritrana.sponsorship.models import Enrollment

    now = sql_now()
    with transaction.atomic():
        sponsor = do_create_sponsor(actor=SYSTEM, name="Pemkab", kind="apbd_kabkota", region_code="36.03")
        program = do_create_program(actor=SYSTEM, sponsor=sponsor, name="P", fiscal_year=2024, pagu=1)
        insert_frame(
            Worker._meta.db_table,
            _workers(60_000),
            constants={"status": "active", "poverty_decile": None, "created_at": now, "updated_at": now},
        )
        first = Worker.objects.order_by("pk").values_list("pk", flat=True)[0]
        enrollments = pl.DataFrame({"worker_id": pl.int_range(first, first + 60_000, eager=True)})
        insert_frame(
            Enrollment._meta.db_table,
            enrollments,
            constants={
                "program_id": program.pk,
                "desa_code": "36.03.01.2003",
                "first_month": date(2024, 1, 1),
                "last_month": date(2024, 12, 1),
                "cost": 201_600,
                "status": "active",
                "created_at": now,
            },
        )
    assert Enrollment.objects.filter(program=program).count() == 60_000


@pytest.mark.parametrize(
    ("existing", "loading", "drops"),
    [(3, 50_000, True), (50_000, 50_000, True), (50_001, 50_000, False), (10, 49_999, False)],
)
def test_indexes_are_dropped_only_when_the_load_at_least_doubles_the_table(
    existing: int, loading: int, drops: bool
) -> None:
    from django.db import connection

    from paritrana.core.bulk import _worth_dropping_indexes

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bulk_probe (n integer)")
        cursor.execute(
            "INSERT INTO bulk_probe (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
            "SELECT n FROM s",
            [existing],
        )
        assert _worth_dropping_indexes(cursor, "bulk_probe", loading) is drops
        cursor.execute("DROP TABLE bulk_probe")


@pytest.mark.parametrize("keys", [[], ["0000000000000003"], [str(i).zfill(16) for i in range(0, 12_000, 2)]])
def test_rows_read_by_keys_are_exactly_those_keys_however_many(keys: list[str]) -> None:
    """One array parameter on PostgreSQL, IN lists of 5,000 on SQLite: the same rows either way, none missing."""
    from paritrana.core.bulk import read_by_keys

    insert_frame(
        "registry_worker",
        _workers(10_000),
        constants={"status": "active", "created_at": sql_now(), "updated_at": sql_now()},
    )
    found = read_by_keys("SELECT nik FROM registry_worker", "nik", [*keys, *keys[:3]], schema={"nik": pl.String})
    assert sorted(found["nik"].to_list()) == sorted(k for k in set(keys) if int(k) < 10_000)


def test_keys_with_quotes_backslashes_commas_and_braces_are_read_as_they_are() -> None:
    """On PostgreSQL the keys travel as one array literal: a key that holds its syntax finds its own row only."""
    from paritrana.core.bulk import read_by_keys

    names = ['Ana "Ani"', "back\\slash", "a,b", "{kurung}", "NULL", " spasi ", "O'Brien"]
    frame = _workers(len(names)).with_columns(name=pl.Series(names))
    insert_frame(
        "registry_worker", frame, constants={"status": "active", "created_at": sql_now(), "updated_at": sql_now()}
    )
    wanted = [*names[:4], "NULL", "tidak ada", "a", "b"]
    found = read_by_keys("SELECT name FROM registry_worker", "name", wanted, schema={"name": pl.String})
    assert sorted(found["name"].to_list()) == sorted(names[:5])
