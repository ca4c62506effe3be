"""The analytics store: where the coverage facts live, and the Ibis connection that reads them.

One table, ``facts_participants``, one row per worker and month (see ``FACT_SCHEMA``). It lives in

* a DuckDB file (the embedded default, ``DATA_DIR/analytics.duckdb``), read by DuckDB;
* a folder of Parquet files (``participants/origin=<name>/*.parquet``), read by DuckDB or by Spark, the
  scale-out engine (local mode here, a cluster at national scale);
* a PostgreSQL database, read by PostgreSQL.

Rows carry their ``origin``: ``registry`` for what ``facts refresh`` builds from the operational database, or the
name of a bulk file loaded with ``facts load``. Writing an origin replaces that origin's rows and nothing else, in
one transaction (DuckDB, PostgreSQL) or by swapping one folder (Parquet). An origin names that folder, so it must be
a plain name (``check_origin``): every writer comes through ``replace_origin``, which checks it, so no door (command
line, API, page, action) can make a write or a delete land outside the store.

The other sources (workforce, targets, programs, payments, claims, regions) are small and edited in the operational
database; ``analytics.sources`` hands them to whichever engine runs as in-memory tables.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from paritrana.core.config import FACTS_TABLE, fact_store_kind, get_settings
from paritrana.core.errors import N_, ConfigurationError, Conflict, InvalidInput

__all__ = [
    "ENGINES",
    "FACT_SCHEMA",
    "PARTICIPANTS",
    "Store",
    "check_origin",
    "connect",
    "default_location",
    "origin_from_filename",
]

ENGINES = ("duckdb", "postgres", "spark")
PARTICIPANTS = FACTS_TABLE

FACT_SCHEMA = pa.schema(
    [
        ("participant_id", pa.string()),
        ("month", pa.date32()),
        ("province", pa.string()),
        ("kabupaten", pa.string()),
        ("kecamatan", pa.string()),
        ("desa", pa.string()),
        ("segment", pa.string()),
        ("funder", pa.string()),
        ("active", pa.bool_()),
        ("vulnerable", pa.bool_()),
        ("premium_paid", pa.int64()),
        ("occupation", pa.string()),
        ("origin", pa.string()),
    ]
)
_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
    pa.int64(): "BIGINT",
}
_CREATE = "CREATE TABLE IF NOT EXISTS {table} ({columns})".format(
    table=PARTICIPANTS, columns=", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in FACT_SCHEMA)
)


#: An origin: a letter or digit, then up to 63 letters, digits, ``_``, ``.`` or ``-``; never ``..``. It becomes a
#: folder name (``participants/origin=<name>``) in a Parquet store, so no path separator, no absolute path, no
#: parent folder, no ``=`` (it would confuse the partition discovery of DuckDB and Spark), nothing empty.
_ORIGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_origin(origin: Any) -> str:
    """``origin`` when it is a plain, safe name (see ``_ORIGIN``); refuses anything else, saying what is allowed."""
    if not isinstance(origin, str) or not _ORIGIN.fullmatch(origin) or ".." in origin:
        raise InvalidInput(
            N_(
                "The origin '{origin}' is not allowed: use 1 to 64 letters, digits, '_', '.' or '-', starting with "
                "a letter or digit, without '..', '/' or '\\' (e.g. bpjs-2024-12)."
            ),
            field="origin",
            origin=str(origin)[:100],
        )
    return origin


def origin_from_filename(filename: str) -> str:
    """The origin a loaded file gets when none is given: its name without the extension, every run of other
    characters (spaces, brackets...) made one ``-``: ``Data BPJS (Des 2024).csv`` -> ``Data-BPJS-Des-2024``."""
    stem = Path(filename.replace("\\", "/")).stem
    name = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)).strip("-_.")[:64].rstrip("-_.")
    if not name:
        raise InvalidInput(
            N_("Cannot make an origin out of the file name '{filename}': give one (--origin bpjs-2024-12)."),
            field="origin",
            filename=filename[:100],
        )
    return check_origin(name)


def default_location() -> str:
    return get_settings().fact_store


_kind = fact_store_kind


_MONTH_FILE = re.compile(r"\d{4}-\d{2}(-[0-9a-f]{8})?\.parquet")


def _write_months(rows: pa.Table, folder: Path) -> None:
    """``rows`` as one Parquet file per month in ``folder``; a month whose file exists (kept from before) gains a
    second file."""
    if not rows.num_rows:
        return
    for month in sorted(set(rows["month"].to_pylist())):
        part = rows.filter(pc.equal(rows["month"], pa.scalar(month, pa.date32())))
        target = folder / f"{month.isoformat()[:7]}.parquet"
        if target.exists():
            target = folder / f"{month.isoformat()[:7]}-{uuid.uuid4().hex[:8]}.parquet"
        pq.write_table(part, target, compression="zstd")


def _origin_months(origin: str, months: Sequence[date] | None, mark: str) -> tuple[str, list[Any]]:
    """The facts of ``origin`` (of ``months`` only, when given) as a SQL condition with ``mark`` placeholders."""
    if months is None:
        return f"origin = {mark}", [origin]
    if not months:
        return "1 = 0", []
    return f"origin = {mark} AND month IN ({', '.join([mark] * len(months))})", [origin, *sorted(months)]


@dataclass
class Store:
    """An open store: ``con`` is the Ibis backend of ``engine``; ``participants()`` the facts as an Ibis table."""

    engine: str
    location: str
    kind: str
    con: Any
    read_only: bool = False
    _tables: dict[str, Any] = field(default_factory=dict)

    def participants(self) -> Any:
        if PARTICIPANTS not in self._tables:
            self._tables[PARTICIPANTS] = self._open_participants()
        return self._tables[PARTICIPANTS]

    def _open_participants(self) -> Any:
        if self.kind != "parquet":
            if self.read_only and PARTICIPANTS not in self.con.list_tables():
                return ibis.memtable(FACT_SCHEMA.empty_table())
            self._ensure_table()
            return self.con.table(PARTICIPANTS)
        folder = Path(self.location) / "participants"
        if not any(folder.glob("origin=*/*.parquet")):
            return ibis.memtable(FACT_SCHEMA.empty_table())
        if self.engine == "spark":
            # Partition discovery finds origin=...; folders starting with "." (a write being staged) are skipped.
            self.con._session.read.parquet(str(folder)).createOrReplaceTempView(PARTICIPANTS)
            return self.con.table(PARTICIPANTS)
        return self.con.read_parquet(
            str(folder / "origin=*" / "*.parquet"),
            table_name=PARTICIPANTS,
            hive_partitioning=True,
            hive_types_autocast=False,  # an origin named "2024" stays text
        )

    def small_table(self, name: str, rows: pa.Table) -> Any:
        """A small table from the operational database (workforce, programs...) as an Ibis table on this engine.

        On Spark it goes in through Arrow: Ibis 12 converts in-memory tables through pandas, which turns an integer
        column with a missing value into floats that Spark then reads as all null (pandas 3, PySpark 4.0)."""
        if self.engine != "spark":
            return ibis.memtable(rows)
        view = f"paritrana_{name}_{uuid.uuid4().hex[:8]}"
        self.con._session.createDataFrame(rows).createOrReplaceTempView(view)
        return self.con.table(view)

    def _ensure_table(self) -> None:
        if PARTICIPANTS not in self.con.list_tables():
            self.con.raw_sql(_CREATE)

    # --- writing ------------------------------------------------------------------------------------------------

    def months(self, origin: str) -> list[date]:
        """The months the store holds facts of ``origin`` for."""
        t = self.participants()
        held = self.con.to_pyarrow(t.filter(t.origin == origin).select("month").distinct())
        return sorted(held["month"].to_pylist())

    def holds(self, origin: str) -> bool:
        """Whether the store holds any fact of ``origin``."""
        if self.kind == "parquet":
            return any((Path(self.location) / "participants" / f"origin={origin}").glob("*.parquet"))
        t = self.participants()
        return bool(self.con.to_pyarrow(t.filter(t.origin == origin).limit(1)).num_rows)

    @property
    def label(self) -> str:
        """The store's location as it may be shown and kept: a database URL without its password."""
        if self.kind != "postgres":
            return self.location
        parts = urlsplit(self.location)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        return urlunsplit(parts._replace(netloc=f"{netloc}:{parts.port}" if parts.port else netloc))

    def replace_origin(self, origin: str, rows: pa.Table, months: Sequence[date] | None = None) -> int:
        """Replace the facts of ``origin`` with ``rows`` (already validated, in ``FACT_SCHEMA``), atomically: every
        fact of the origin, or only those of ``months`` (a refresh of the months that changed; ``rows`` then holds
        only those months). ``origin`` must be a plain name (``check_origin``): in a Parquet store it is a folder
        that is replaced."""
        check_origin(origin)
        rows = rows.cast(FACT_SCHEMA)
        if months is not None:
            outside = pc.invert(pc.is_in(rows["month"], value_set=pa.array(sorted(months), pa.date32())))
            if pc.any(outside).as_py():  # a programming error: rows of a month not replaced would be doubled
                raise ValueError("rows outside the months replaced")
        if self.kind == "parquet":
            self._replace_parquet(origin, rows, months)
        elif self.kind == "duckdb":
            self._ensure_table()
            raw = self.con.con
            where, params = _origin_months(origin, months, "?")
            raw.execute("BEGIN TRANSACTION")
            try:
                raw.execute(f"DELETE FROM {PARTICIPANTS} WHERE {where}", params)  # noqa: S608 - constant name
                raw.register("incoming_facts", rows)
                raw.execute(f"INSERT INTO {PARTICIPANTS} SELECT * FROM incoming_facts")  # noqa: S608
                raw.unregister("incoming_facts")
                raw.execute("COMMIT")
            except Exception:
                raw.execute("ROLLBACK")
                raise
        else:
            self._replace_postgres(origin, rows, months)
        self._tables.clear()
        return rows.num_rows

    def _replace_parquet(self, origin: str, rows: pa.Table, months: Sequence[date] | None) -> None:
        """One file per month in the origin's folder (``2024-11.parquet``): replacing some months writes theirs and
        hard-links the others into the new folder, so a month's refresh does not rewrite every month."""
        folder = Path(self.location) / "participants"
        final = folder / f"origin={origin}"
        if final.resolve().parent != folder.resolve():  # check_origin already made sure; a write never leaves
            raise InvalidInput(N_("The origin '{origin}' is not allowed."), field="origin", origin=origin)
        rows = rows.drop(["origin"])
        staging = folder / f".staging-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        if months is not None and final.exists():  # the other months of the origin are kept as they were
            replaced = {m.isoformat()[:7] for m in months}
            for kept in final.glob("*.parquet"):
                if _MONTH_FILE.fullmatch(kept.name):
                    if kept.name[:7] not in replaced:
                        os.link(kept, staging / kept.name)
                else:  # a folder written before months had files of their own: split once
                    old = pq.read_table(kept, schema=rows.schema)
                    old = old.filter(pc.invert(pc.is_in(old["month"], value_set=pa.array(sorted(months), pa.date32()))))
                    _write_months(old, staging)
        _write_months(rows, staging)
        old = folder / f".old-{uuid.uuid4().hex}"
        if final.exists():
            final.rename(old)
        staging.rename(final)  # the swap: readers see the old folder or the new one, never half of one
        shutil.rmtree(old, ignore_errors=True)

    def _replace_postgres(self, origin: str, rows: pa.Table, months: Sequence[date] | None) -> None:
        self._ensure_table()
        raw = self.con.con  # psycopg 3 connection
        columns = ", ".join(FACT_SCHEMA.names)
        where, params = _origin_months(origin, months, "%s")
        with raw.transaction(), raw.cursor() as cursor:
            cursor.execute(f"DELETE FROM {PARTICIPANTS} WHERE {where}", params)  # noqa: S608 - constant name
            with cursor.copy(f"COPY {PARTICIPANTS} ({columns}) FROM STDIN") as copy:
                for batch in rows.to_batches(100_000):
                    for record in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                        copy.write_row(record)

    def origins(self) -> list[dict[str, Any]]:
        """What the store holds, per origin: rows, months, kabupaten/kota."""
        t = self.participants()
        summary = (
            t.group_by("origin")
            .aggregate(
                rows=t.count(),
                first_month=t.month.min(),
                last_month=t.month.max(),
                kabupaten=t.kabupaten.nunique(),
            )
            .order_by("origin")
        )
        return [
            {**row, "rows": int(row["rows"]), "kabupaten": int(row["kabupaten"])}
            for row in self.con.to_pyarrow(summary).to_pylist()
        ]

    def close(self) -> None:
        if self.engine != "spark":  # the Spark session outlives one store; it is expensive to start
            self.con.disconnect()


def _open_duckdb(location: str, read_only: bool, wait_seconds: float = 15.0) -> Any:
    """A DuckDB file admits one writing process or several reading ones: wait for the other side to finish (a
    page's read lasts well under a second, a refresh a few seconds) rather than fail at once."""
    import duckdb

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return ibis.duckdb.connect(location, read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() > deadline:
                busy = N_("The fact store is busy (being refreshed or loaded); try again in a minute.")
                raise Conflict(busy) from None
            time.sleep(0.2)


_SPARK: dict[str, Any] = {}


def spark_session(master: str | None = None) -> Any:
    """One Spark session per process (starting one takes seconds): ``local[N]`` here, a cluster URL at scale."""
    master = master or get_settings().spark_master
    if master not in _SPARK:
        logging.getLogger("py4j").setLevel(logging.WARNING)  # its "closing connection" lines outlive stderr at exit
        try:
            from pyspark.sql import SparkSession
        except ImportError as error:  # pragma: no cover - pyspark is a dev dependency and an extra
            raise ConfigurationError(
                N_("The Spark engine needs pyspark: install paritrana with the 'spark' extra.")
            ) from error
        _SPARK[master] = (
            SparkSession.builder.master(master)
            .appName("paritrana")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .getOrCreate()
        )
    return _SPARK[master]


def connect(engine: str | None = None, source: str | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``source`` (default: the configured one) with ``engine`` (default: the store's own).

    ``read_only`` (pages and the API): a DuckDB file admits many reading processes but one writer, so readers
    must not take the write lock; a store that does not exist yet reads as empty."""
    location = source or default_location()
    kind = _kind(location)
    engine = engine or ("postgres" if kind == "postgres" else "duckdb")
    if engine not in ENGINES:
        raise InvalidInput(
            N_("Unknown engine '{engine}'; use duckdb, postgres or spark."), field="engine", engine=engine
        )
    compatible = {"duckdb": {"duckdb", "parquet"}, "postgres": {"postgres"}, "spark": {"parquet"}}[engine]
    if kind not in compatible:
        raise InvalidInput(
            N_("The {engine} engine cannot read a {kind} store ({source}): give it {wanted}."),
            field="source",
            engine=engine,
            kind=kind,
            source=location,
            wanted={
                "duckdb": "a .duckdb file or a Parquet folder",
                "postgres": "a postgresql:// URL",
                "spark": "a Parquet folder",
            }[engine],
        )
    if engine == "duckdb":
        if kind == "duckdb" and read_only and not Path(location).exists():
            location = ":memory:"
        if kind == "duckdb" and location != ":memory:":
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        con = (
            _open_duckdb(location, read_only)
            if kind == "duckdb" and location != ":memory:"
            else ibis.duckdb.connect(":memory:")
        )
    elif engine == "postgres":
        con = ibis.connect(location)
    else:
        con = ibis.pyspark.connect(spark_session())
    if kind == "parquet":
        Path(location).mkdir(parents=True, exist_ok=True)
    return Store(engine=engine, location=location, kind=kind, con=con, read_only=read_only)
