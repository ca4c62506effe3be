"""Read replicas (``paritrana.core.replica``): which reads go to the replica, and a real streaming replica.

The first half checks the routing rules on whatever database runs (SQLite too), with a ``replica`` alias in the
connection settings that is never connected to. The second half, on PostgreSQL only, makes a hot standby of the
suite's throwaway cluster with ``pg_basebackup -R`` and proves that pages read from it, writes never go to it, and
a stopped replica costs no page.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import DatabaseError, OperationalError, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from paritrana.accounts.models import ApiToken, RoleAssignment
from paritrana.core import replica
from paritrana.core.config import Settings
from paritrana.core.models import AuditEvent
from paritrana.core.replica import PIN_COOKIE, PRIMARY, REPLICA, ReplicaHealth, ReplicaMiddleware, ReplicaRouter
from paritrana.registry.models import Worker
from tests.conftest import ON_POSTGRES
from tests.factories import make_user, make_worker

DESA = "36.03.01.2003"
MIDDLEWARE = "paritrana.core.replica.ReplicaMiddleware"
ROUTER = "paritrana.core.replica.ReplicaRouter"
T0 = 1_800_000_000.0


class FakeHealth(ReplicaHealth):
    """A replica that answers, or not, as the test says, without a connection."""

    def __init__(self, up: bool = True) -> None:
        super().__init__(probe=self._answer)
        self.answers = up

    def _answer(self) -> None:
        if not self.answers:
            raise OperationalError("connection refused")


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def replica_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``replica`` alias in the connection settings (the unit tests never connect to it)."""
    monkeypatch.setitem(connections.settings, REPLICA, dict(connections.settings[PRIMARY]))


def through_middleware(
    request: HttpRequest,
    *,
    clock: Clock | None = None,
    health: ReplicaHealth | None = None,
    status: int = 200,
    read: Callable[[], Any] = lambda: ReplicaRouter().db_for_read(Worker),
) -> tuple[Any, HttpResponse]:
    """The database a read of the view goes to, and the response, through the middleware."""
    seen: list[Any] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(read())
        return HttpResponse(status=status)

    middleware = ReplicaMiddleware(view, clock=clock or Clock(), health=health or FakeHealth(), pin_seconds=10)
    response = middleware(request)
    assert isinstance(response, HttpResponse)
    return seen[0], response


# --- The rules, on any database ------------------------------------------------------------------------------------


def test_without_a_replica_every_read_goes_to_default_and_nothing_is_pinned() -> None:
    assert not replica.replica_configured()
    factory = RequestFactory()
    read, _ = through_middleware(factory.get("/workers/"))
    assert read == PRIMARY
    _, response = through_middleware(factory.post("/workers/"))
    assert PIN_COOKIE not in response.cookies


def test_a_get_outside_a_transaction_reads_from_the_replica(replica_alias: None) -> None:
    read, response = through_middleware(RequestFactory().get("/workers/"))
    assert read == REPLICA
    assert PIN_COOKIE not in response.cookies
    head, _ = through_middleware(RequestFactory().head("/workers/"))
    assert head == REPLICA


def test_reads_outside_any_request_go_to_default(replica_alias: None) -> None:
    """A background job, the task worker or a CLI command: no request, so the primary."""
    assert ReplicaRouter().db_for_read(Worker) == PRIMARY
    assert not replica.reads_from_replica()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_request_that_writes_reads_from_the_primary_and_pins_the_next_get(replica_alias: None, method: str) -> None:
    factory, clock = RequestFactory(), Clock()
    read, response = through_middleware(getattr(factory, method)("/workers/"), clock=clock)
    assert read == PRIMARY
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == 10

    clock.now = T0 + 9.9
    pinned = factory.get("/workers/")
    pinned.COOKIES[PIN_COOKIE] = cookie.value
    assert through_middleware(pinned, clock=clock)[0] == PRIMARY

    clock.now = T0 + 10.1
    later = factory.get("/workers/")
    later.COOKIES[PIN_COOKIE] = cookie.value
    assert through_middleware(later, clock=clock)[0] == REPLICA


def test_a_refused_write_does_not_pin(replica_alias: None) -> None:
    _, response = through_middleware(RequestFactory().post("/workers/"), status=422)
    assert PIN_COOKIE not in response.cookies


def test_a_garbled_pin_cookie_is_no_pin(replica_alias: None) -> None:
    request = RequestFactory().get("/workers/")
    request.COOKIES[PIN_COOKIE] = "besok"
    assert through_middleware(request)[0] == REPLICA


def test_an_api_key_that_wrote_is_pinned_without_cookies(replica_alias: None) -> None:
    """A script that posts and then reads, without keeping cookies, sees its write (in the process that took it)."""
    factory, clock = RequestFactory(), Clock()
    through_middleware(factory.post("/api/v1/x", headers={"Authorization": "Bearer prt_one"}), clock=clock)
    clock.now = T0 + 5
    assert (
        through_middleware(factory.get("/api/v1/x", headers={"Authorization": "Bearer prt_one"}), clock=clock)[0]
        == PRIMARY
    )
    assert through_middleware(factory.get("/api/v1/x", headers={"X-API-Key": "prt_one"}), clock=clock)[0] == PRIMARY
    assert through_middleware(factory.get("/api/v1/x", headers={"X-API-Key": "prt_two"}), clock=clock)[0] == REPLICA
    clock.now = T0 + 11
    assert through_middleware(factory.get("/api/v1/x", headers={"X-API-Key": "prt_one"}), clock=clock)[0] == REPLICA


@pytest.mark.parametrize("model", [Session, User, RoleAssignment, ApiToken])
def test_who_is_asking_is_always_read_from_the_primary(replica_alias: None, model: type[Any]) -> None:
    """A logout, a revoked role or token holds at once, not when the replica catches up."""
    read, _ = through_middleware(RequestFactory().get("/workers/"), read=lambda: ReplicaRouter().db_for_read(model))
    assert read == PRIMARY
    assert (
        through_middleware(RequestFactory().get("/"), read=lambda: ReplicaRouter().db_for_read(AuditEvent))[0]
        == REPLICA
    )


def test_reads_inside_a_transaction_on_default_stay_on_default(
    replica_alias: None, django_db_setup: Any, django_db_blocker: Any
) -> None:
    """An action reads what it has just written: inside ``transaction.atomic`` every read is the primary's.
    (Outside pytest-django's test transaction, on the test database: nothing is written.)"""

    def reads() -> tuple[str, str, str]:
        outside = ReplicaRouter().db_for_read(Worker)
        with transaction.atomic():
            inside = ReplicaRouter().db_for_read(Worker)
        return outside, inside, ReplicaRouter().db_for_read(Worker)

    with django_db_blocker.unblock():
        assert through_middleware(RequestFactory().get("/workers/"), read=reads)[0] == (REPLICA, PRIMARY, REPLICA)


def test_a_replica_that_does_not_answer_sends_reads_to_default(replica_alias: None) -> None:
    assert through_middleware(RequestFactory().get("/workers/"), health=FakeHealth(up=False))[0] == PRIMARY


def test_writes_migrations_and_relations_are_never_the_replicas() -> None:
    router = ReplicaRouter()
    assert router.db_for_write(Worker) == PRIMARY
    assert router.allow_migrate(REPLICA, "registry", "worker") is False
    assert router.allow_migrate(PRIMARY, "registry", "worker") is None  # Django's default: yes
    assert router.allow_relation(Worker(), AuditEvent()) is True


def test_the_replica_is_asked_every_few_seconds_and_a_failure_is_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock(0.0)
    asked: list[float] = []
    answers = {"up": True}

    def probe() -> None:
        asked.append(clock.now)
        if not answers["up"]:
            raise OperationalError("connection refused")

    health = ReplicaHealth(clock=clock, probe=probe)
    assert health.usable() and asked == [0.0]
    clock.now = replica.CHECK_UP_SECONDS - 0.1
    assert health.usable() and asked == [0.0]  # remembered
    answers["up"] = False
    clock.now = replica.CHECK_UP_SECONDS
    with caplog.at_level(logging.INFO, logger="paritrana.core.replica"):
        assert not health.usable()
        for step in range(1, 4):  # down: asked again every CHECK_DOWN_SECONDS, warned only once
            clock.now = replica.CHECK_UP_SECONDS + step * replica.CHECK_DOWN_SECONDS
            assert not health.usable()
        answers["up"] = True
        clock.now += replica.CHECK_DOWN_SECONDS
        assert health.usable()
    assert len(asked) == 6
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]


def test_a_page_answers_from_default_when_the_replica_fails_during_the_request(
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    django_db_setup: Any,
    django_db_blocker: Any,
) -> None:
    """The replica answered at the last check and fails during the page: the GET is answered again from default.
    (A public page read by a visitor, outside pytest-django's test transaction: it writes nothing.)"""
    unreachable = {
        **connections.settings[PRIMARY],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "no" / "such" / "replica.sqlite3"),
        "OPTIONS": {},
    }
    monkeypatch.setitem(connections.settings, REPLICA, unreachable)
    health = ReplicaHealth()
    health.next_check = float("inf")  # checked a moment ago: it answered
    monkeypatch.setattr(replica, "HEALTH", health)
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    client = Client()
    try:
        with (
            django_db_blocker.unblock(),
            caplog.at_level(logging.WARNING, logger="paritrana.core.replica"),
            CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        ):
            first = client.get("/penghargaan/")  # the award's public page reads the award editions
            second = client.get("/penghargaan/")  # the replica is known down now: straight to default
        assert first.status_code == second.status_code == 200
        assert not health.up
        assert [r.levelname for r in caplog.records if r.name == "paritrana.core.replica"] == ["WARNING"]
        sql = [q["sql"] for q in on_primary.captured_queries]
        assert len([s for s in sql if "award_edition" in s]) >= 2  # both pages read the editions from default
        assert all(s.lstrip().upper().startswith("SELECT") for s in sql)  # and wrote nothing
    finally:
        with suppress(Exception):
            connections[REPLICA].close()
        with suppress(AttributeError):
            del connections[REPLICA]


def test_a_replica_url_is_refused_unless_both_databases_are_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PARITRANA_REPLICA_URL"):
        Settings(data_dir=tmp_path, database_url="", replica_url="postgres://r:5432/paritrana")  # SQLite
    with pytest.raises(ValueError, match="PARITRANA_REPLICA_URL"):
        Settings(data_dir=tmp_path, database_url="postgres://p:5432/paritrana", replica_url="sqlite:///x.sqlite3")
    ok = Settings(data_dir=tmp_path, database_url="postgres://p/paritrana", replica_url="postgres://r/paritrana")
    assert ok.replica_url == "postgres://r/paritrana" and ok.replica_pin_seconds == 10


def test_settings_add_the_replica_router_and_middleware_only_when_a_replica_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    import paritrana.settings as production
    from paritrana.core.config import get_settings

    try:
        monkeypatch.setenv("PARITRANA_DATABASE_URL", "postgres://paritrana@127.0.0.1:5432/paritrana")
        monkeypatch.setenv("PARITRANA_REPLICA_URL", "postgres://paritrana@127.0.0.2:5432/paritrana")
        get_settings.cache_clear()
        with_replica = importlib.reload(production)
        assert with_replica.DATABASE_ROUTERS == [ROUTER]
        assert with_replica.MIDDLEWARE[-1] == MIDDLEWARE
        assert with_replica.DATABASES[REPLICA]["HOST"] == "127.0.0.2"
        assert with_replica.DATABASES[REPLICA]["TEST"] == {"MIRROR": PRIMARY}
        assert with_replica.DATABASES[REPLICA]["OPTIONS"] == with_replica.DATABASES[PRIMARY]["OPTIONS"]
        monkeypatch.delenv("PARITRANA_REPLICA_URL")
        get_settings.cache_clear()
        del production.DATABASE_ROUTERS  # a reload runs the module again in the same namespace
        without = importlib.reload(production)
        assert REPLICA not in without.DATABASES and MIDDLEWARE not in without.MIDDLEWARE
        assert not hasattr(without, "DATABASE_ROUTERS")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        with suppress(AttributeError):
            del production.DATABASE_ROUTERS
        importlib.reload(production)


# --- A real streaming replica (PostgreSQL) -------------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="a streaming replica is PostgreSQL's (pg_basebackup of the suite's throwaway cluster)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Standby:
    """A hot standby of the suite's cluster, on its own loopback port."""

    bin: Path
    folder: Path
    port: int
    user: str
    database: str
    run_as: list[str]

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own tool, our arguments
            [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c hot_standby=on"
        self.pg_ctl("-l", str(self.folder / "standby.log"), "-w", "-t", "60", "-o", options, "start")
        self.wait(lambda: self.value("SELECT pg_is_in_recovery()") is True, "the standby to accept reads")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=self.port,
                user=self.user,
                dbname=self.database,
                connect_timeout=2,
                autocommit=True,
            ) as conn:
                row = conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
        except psycopg.OperationalError:
            return None
        return row[0] if row else None

    def wait(self, done: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """A bounded poll: the standby answers within ``timeout`` or the test fails saying what it waited for."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                log = (self.folder / "standby.log").read_text(errors="replace")[-2000:]
                raise AssertionError(f"waited {timeout} s for {what}; standby log:\n{log}")
            time.sleep(0.05)

    def catch_up(self) -> None:
        """Wait until the standby has replayed everything committed on the primary so far."""
        with connections[PRIMARY].cursor() as cursor:
            # The suite's cluster commits asynchronously: one synchronous commit of a transaction that wrote WAL (a
            # transaction that only took an id is not flushed) flushes all the WAL written before it.
            cursor.execute("SET synchronous_commit TO on")
            cursor.execute("SELECT pg_logical_emit_message(true, 'paritrana-test', 'catch up')")
            cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
            target = cursor.fetchone()[0]
            cursor.execute("RESET synchronous_commit")
        self.wait(lambda: self.value("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)) is True, "replay")

    def pause(self) -> None:
        self.value("SELECT pg_wal_replay_pause()")
        self.wait(lambda: self.value("SELECT pg_get_wal_replay_pause_state()") == "paused", "replay to pause")

    def resume(self) -> None:
        self.value("SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="module")
def standby(django_db_setup: Any) -> Iterator[Standby]:
    """``pg_basebackup -R -X stream`` of the suite's cluster (after Django made its test database), started on a
    free loopback port with ``hot_standby=on``; stopped and removed at the end of the module."""
    if not ON_POSTGRES:
        pytest.skip("a streaming replica is PostgreSQL's")
    primary = urlsplit(os.environ["PARITRANA_DATABASE_URL"])
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bins:
        pytest.skip("PostgreSQL's tools are not installed (scripts/system-deps.sh)")
    folder = Path(tempfile.mkdtemp(prefix="paritrana-standby."))
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: the postgres system user, as scripts/with-postgres.sh
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    node = Standby(
        bin=bins[-1],
        folder=folder,
        port=_free_port(),
        user=primary.username or "paritrana",
        database=str(connections[PRIMARY].settings_dict["NAME"]),
        run_as=run_as,
    )
    try:
        subprocess.run(  # noqa: S603 - PostgreSQL's own tool, our arguments
            [
                *run_as,
                str(node.bin / "pg_basebackup"),
                *("-h", primary.hostname or "127.0.0.1", "-p", str(primary.port or 5432), "-U", node.user),
                *("-D", str(folder / "data"), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        node.start()
        yield node
    finally:
        with suppress(Exception):
            node.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="class")
def replica_connection(standby: Standby) -> Iterator[None]:
    """The ``replica`` alias of ``PARITRANA_REPLICA_URL`` on the standby: the same test database, on its port, a test
    mirror of default (so the test's flush leaves it alone). Class-scoped, so the alias is there before the test
    case checks its ``databases``, and gone before the tests of the rules run."""
    primary = connections[PRIMARY].settings_dict
    connections.settings[REPLICA] = {
        **primary,
        "PORT": str(standby.port),
        "TEST": {**primary["TEST"], "MIRROR": PRIMARY},
    }
    yield
    with suppress(Exception):
        connections[REPLICA].close()
    with suppress(AttributeError):
        del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def on_replica(standby: Standby, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Standby:
    """The router and the middleware that ``PARITRANA_REPLICA_URL`` turns on, a fresh health flag, and a standby
    that has replayed everything so far."""
    monkeypatch.setattr(replica, "HEALTH", ReplicaHealth())
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    standby.catch_up()
    return standby


def _admin_client() -> Client:
    client = Client()
    client.force_login(make_user("admin.replica", "system_admin"))
    return client


@needs_postgres
@pytest.mark.usefixtures("replica_connection")
@pytest.mark.django_db(
    transaction=True,  # the standby sees committed rows only
    databases=[PRIMARY, REPLICA],
    available_apps=[
        *("django.contrib.auth", "django.contrib.contenttypes", "paritrana.core", "paritrana.accounts"),
        "paritrana.registry",  # the flush after each test spares the regions loaded once for the session
        *(
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.humanize",
            "django.contrib.staticfiles",
        ),
        *("paritrana.web", "django_htmx"),  # the pages' templates and their tags
    ],
)
class TestStreamingReplica:
    def test_a_committed_worker_reaches_the_replica(self, on_replica: Standby) -> None:
        assert on_replica.value("SELECT pg_is_in_recovery()") is True
        worker = make_worker(DESA, name="Ani Tersalin")
        on_replica.catch_up()
        assert Worker.objects.using(REPLICA).get(pk=worker.pk).name == "Ani Tersalin"

    def test_a_get_page_is_served_from_the_replica(self, on_replica: Standby) -> None:
        client = _admin_client()
        on_replica.catch_up()
        on_replica.pause()
        try:
            make_worker(DESA, name="Budi Tertahan")  # committed on the primary, not yet replayed on the replica
            page = client.get("/workers/")
            assert page.status_code == 200 and "Budi Tertahan" not in page.content.decode()
            assert Worker.objects.filter(name="Budi Tertahan").exists()  # outside a request: the primary
        finally:
            on_replica.resume()
        on_replica.catch_up()
        assert "Budi Tertahan" in client.get("/workers/").content.decode()

    def test_a_post_and_the_get_after_it_read_the_primary(self, on_replica: Standby) -> None:
        writer, other = _admin_client(), Client()
        other.force_login(User.objects.get(username="admin.replica"))
        on_replica.catch_up()
        on_replica.pause()
        try:
            make_worker(DESA, name="Citra Baru")
            posted = writer.post("/workers/", {"q": "Citra Baru"})  # the search form posts
            assert posted.status_code == 200 and "Citra Baru" in posted.content.decode()
            assert PIN_COOKIE in posted.cookies
            assert "Citra Baru" in writer.get("/workers/").content.decode()  # pinned: the primary
            assert "Citra Baru" not in other.get("/workers/").content.decode()  # another browser: the replica
        finally:
            on_replica.resume()

    def test_the_replica_refuses_writes_and_the_router_never_sends_one(self, on_replica: Standby) -> None:
        worker = make_worker(DESA, name="Dewi Tetap")
        on_replica.catch_up()
        with pytest.raises(DatabaseError, match="read-only"):
            Worker.objects.using(REPLICA).filter(pk=worker.pk).update(name="Dewi Diubah")
        client = _admin_client()
        with CaptureQueriesContext(connections[REPLICA]) as on_standby:
            assert client.get("/workers/").status_code == 200
            assert client.get(f"/workers/{worker.pk}/").status_code == 200
            assert client.post("/workers/", {"q": "Dewi"}).status_code == 200
            assert client.get("/workers/").status_code == 200  # pinned after the post: nothing on the replica
        statements = [q["sql"].lstrip().split()[0].upper() for q in on_standby.captured_queries]
        assert statements and set(statements) == {"SELECT"}
        assert Worker.objects.get(pk=worker.pk).name == "Dewi Tetap"

    def test_health_and_metrics_report_how_far_behind_the_replica_is(self, on_replica: Standby, settings: Any) -> None:
        settings.PARITRANA = settings.PARITRANA.model_copy(update={"metrics_token": "scrape"})
        caught_up = Client().get("/healthz").json()["replica"]
        assert caught_up == {"status": "ok", "lag_seconds": 0.0}  # all it received is replayed: no lag, however idle
        on_replica.pause()
        try:
            make_worker(DESA, name="Fajar Tertunda")  # received by the standby, not replayed
            on_replica.wait(
                lambda: on_replica.value("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"), "the WAL"
            )
            time.sleep(0.3)
            behind = Client().get("/healthz")
            assert behind.status_code == 200 and behind.json()["status"] == "ok"
            assert behind.json()["replica"]["status"] == "ok" and behind.json()["replica"]["lag_seconds"] >= 0.3
            scraped = Client().get("/metrics", headers={"Authorization": "Bearer scrape"}).content.decode()
            assert "paritrana_replica_up 1.0" in scraped and "paritrana_replica_lag_seconds " in scraped
        finally:
            on_replica.resume()
        on_replica.catch_up()
        assert Client().get("/healthz").json()["replica"]["lag_seconds"] == 0.0

    def test_a_stopped_replica_never_fails_a_page(self, on_replica: Standby, caplog: pytest.LogCaptureFixture) -> None:
        client = _admin_client()
        assert client.get("/workers/").status_code == 200  # read from the replica: it answers
        replica.HEALTH.next_check = float("inf")  # and is remembered so: the next page finds out by failing
        on_replica.stop()
        try:
            make_worker(DESA, name="Eka Saat Padam")
            with caplog.at_level(logging.WARNING, logger="paritrana.core.replica"):
                during = client.get("/workers/")  # the replica fails during the page: answered again from default
                after = client.get("/workers/")  # known down: straight to the primary
            assert during.status_code == after.status_code == 200
            assert "Eka Saat Padam" in during.content.decode() and "Eka Saat Padam" in after.content.decode()
            assert [r.levelname for r in caplog.records if r.name == "paritrana.core.replica"] == ["WARNING"]
            health = client.get("/healthz")  # the primary serves: healthy, the replica reported down
            assert health.status_code == 200
            assert health.json()["replica"] == {"status": "unavailable", "lag_seconds": None}
        finally:
            on_replica.start()
