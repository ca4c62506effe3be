"""The load test in its short form (issue 8): gunicorn with 2 workers on loopback, the demo data, 10 users of the
benchmark's mix (``benchmarks/loadtest/locustfile.py``) for 20 s, each user first making every request of its kind
once. Every request must get its expected answer and every request type of the mix must have run; times are not
checked (``benchmarks/bench_load.py`` measures them).

The database is the leg's: a fresh SQLite file, or in the PostgreSQL leg a database of its own created in the
leg's cluster (and dropped afterwards)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench_load

pytestmark = pytest.mark.slow

USERS = 10
SECONDS = 20
EXTRA_WORKERS = 300  # room for every enrollment of the run, beside the demo's 200 workers in no program
REQUEST_TYPES = {
    "web: login page",
    "web: log in",
    "web: dashboard",
    "web: worker search",
    "web: worker page",
    "web: program page",
    "web: enroll one worker (NIK list)",
    "api: worker search",
    "api: one worker",
    "api: programs",
    "api: enroll one worker (by id)",
}


@pytest.fixture
def app_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of the server: a data folder of its own and the leg's database engine."""
    env = {**os.environ, "PARITRANA_DATA_DIR": str(tmp_path / "data")}
    env.pop("PARITRANA_ANALYTICS_STORE", None)
    url = os.environ.get("PARITRANA_DATABASE_URL", "")
    if not url.startswith("postgres"):
        env.pop("PARITRANA_DATABASE_URL", None)
        yield env
        return
    import psycopg
    from psycopg import sql

    name = f"paritrana_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env["PARITRANA_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_the_mixed_load_gets_no_error_and_runs_every_request_type(app_env: dict[str, str], tmp_path: Path) -> None:
    setup = bench_load.prepare(app_env, tmp_path / "setup.json", EXTRA_WORKERS, light=True)
    assert len(setup["pool"]) >= EXTRA_WORKERS
    with bench_load.server(app_env, workers=2, log=tmp_path / "server.log") as (url, _pid):
        code, stats, failures = bench_load.run_locust(
            host=url,
            classes=bench_load.MIX_CLASSES,
            users=USERS,
            spawn_rate=USERS,
            seconds=SECONDS,
            csv_prefix=tmp_path / "mix",
            setup_file=tmp_path / "setup.json",
            tour=True,
        )
    assert failures == [], failures
    assert bench_load.aggregated(stats)["Failure Count"] == "0"
    counts = {row["Name"]: int(row["Request Count"]) for row in stats if row["Name"] != "Aggregated"}
    assert set(counts) == REQUEST_TYPES
    assert all(n > 0 for n in counts.values()), counts
    assert code == 0
