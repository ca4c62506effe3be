"""The fact store: region codes as people write them, atomic replacement, and two processes on one DuckDB file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.analytics.ingest import region_code_expr
from paritrana.analytics.store import FACT_SCHEMA, connect
from tests.analytics.conftest import DEC_2024, fact

codes = st.builds(
    lambda p, k, c, d, depth: ".".join([f"{p:02d}", f"{k:02d}", f"{c:02d}", f"{d:04d}"][:depth]),
    st.integers(11, 99),
    st.integers(1, 99),
    st.integers(1, 99),
    st.integers(1001, 2999),
    st.integers(2, 4),
)


@given(st.lists(codes, min_size=1, max_size=20))
def test_a_code_with_or_without_dots_is_the_dotted_code(values: list[str]) -> None:
    frame = pl.DataFrame({"dotted": values, "plain": [v.replace(".", "") for v in values]})
    out = frame.select(region_code_expr(pl.col("dotted")).alias("a"), region_code_expr(pl.col("plain")).alias("b"))
    assert out["a"].to_list() == values and out["b"].to_list() == values


def _table(n: int, origin: str) -> pa.Table:
    rows = [{**fact(f"x{i}", DEC_2024, "36.03", "bpu", "apbd"), "origin": origin} for i in range(n)]
    return pa.Table.from_pylist(rows, schema=FACT_SCHEMA)


def test_an_origin_is_replaced_and_others_are_kept(tmp_path: Path) -> None:
    for location in (str(tmp_path / "f.duckdb"), str(tmp_path / "parquet")):
        store = connect("duckdb", location)
        store.replace_origin("a", _table(3, "a"))
        store.replace_origin("b", _table(2, "b"))
        store.replace_origin("a", _table(1, "a"))
        assert {o["origin"]: o["rows"] for o in store.origins()} == {"a": 1, "b": 2}, location
        store.close()
    assert not list((tmp_path / "parquet" / "participants").glob(".*")), "no staging folder is left behind"


class _FailingInsert:
    """The DuckDB connection, except that the INSERT fails (as a full disk would): after the DELETE ran."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("INSERT"):
            raise OSError("No space left on device")
        return self.raw.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def test_a_failed_write_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = connect("duckdb", str(tmp_path / "f.duckdb"))
    store.replace_origin("a", _table(3, "a"))
    real = store.con
    store.con = SimpleNamespace(con=_FailingInsert(real.con), list_tables=real.list_tables, raw_sql=real.raw_sql)
    with pytest.raises(OSError, match="No space"):
        store.replace_origin("a", _table(1, "a"))
    store.con = real
    assert {o["origin"]: o["rows"] for o in store.origins()} == {"a": 3}
    store.close()


HOLD_LOCK = "import duckdb, time; c = duckdb.connect({path!r}); print('locked', flush=True); time.sleep(1.5)"


def test_a_reader_waits_for_a_writer_in_another_process(tmp_path: Path) -> None:
    path = tmp_path / "f.duckdb"
    store = connect("duckdb", str(path))
    store.replace_origin("a", _table(2, "a"))
    store.close()
    writer = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", HOLD_LOCK.format(path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
    reader = connect("duckdb", str(path), read_only=True)  # waits until the writer lets go, then reads
    assert reader.origins()[0]["rows"] == 2
    reader.close()
    writer.wait(timeout=30)
