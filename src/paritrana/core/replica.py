"""Read replicas: pages and reports read from a streaming replica of PostgreSQL; everything else from the primary.

Turned on by ``PARITRANA_REPLICA_URL`` (a hot standby made with ``pg_basebackup -R``, see docs/deployment.md).
Without it there is no ``replica`` alias, no router and no middleware: every query goes to ``default`` as before.

The rules:

* **Writes, migrations and relations are on ``default``.** ``db_for_write`` always answers ``default``,
  ``allow_migrate`` refuses the replica (it is read-only and copies the primary's schema by itself), and
  ``allow_relation`` allows any pair (both aliases hold the same rows).
* **A read goes to the replica only inside a request that is a GET or HEAD** (pages, reports, API GETs) that is not
  pinned to the primary. :class:`ReplicaMiddleware` decides once per request and keeps the answer in a
  ``ContextVar``; a background job, ``paritrana worker`` or a CLI command runs outside any request and so reads
  ``default``.
* **A request is pinned to the primary** when
  - it is not GET/HEAD: the reads of a POST are the reads of a write (the worker search form posts, so that a NIK
    stays out of addresses: its searches read the primary);
  - the same browser (the cookie ``paritrana_primary_until``) or the same API key made a successful (status < 400)
    non-GET request within ``PARITRANA_REPLICA_PIN_SECONDS`` (10 s): who just saved something sees it on the next
    page although the replica may be a moment behind. An API key's pin is kept by the process that answered the
    write (besides the cookie, for clients that keep cookies).
* **Within a GET, some reads still stay on ``default``:** any read inside ``transaction.atomic`` on ``default`` (an
  action reads what it has just written: ``connection.in_atomic_block``), and the reads of who is asking and what
  they may do (sessions, users, roles, API tokens, login lockouts: a logout, a revoked role or token holds at once,
  not when the replica catches up).
* **A replica that cannot be reached never fails a page.** The middleware asks the replica ``SELECT 1`` at most
  every :data:`CHECK_UP_SECONDS` while it answers (every :data:`CHECK_DOWN_SECONDS` while it does not) and sends
  the reads of a GET to ``default`` while it is down, logging one warning when it goes down and one line when it is
  back. A replica that fails between two checks fails a query of the GET; the middleware (last in ``MIDDLEWARE``,
  so its ``process_exception`` runs before the 503 page of ``web.middleware.ErrorMiddleware``) then checks the
  replica, and answers the GET again with every read on ``default``. A GET that records something (an audit event
  of an export) may then record it twice; a page does not fail.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest
from django.http.response import HttpResponseBase

__all__ = [
    "PIN_COOKIE",
    "PRIMARY",
    "REPLICA",
    "ReplicaHealth",
    "ReplicaMiddleware",
    "ReplicaRouter",
    "reads_from_replica",
    "replica_configured",
    "replica_status",
]

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
#: The cookie that pins a browser to the primary: the time (Unix seconds) until which its reads stay there.
PIN_COOKIE = "paritrana_primary_until"
#: Apps whose rows say who is asking and what they may do: always read from the primary.
PRIMARY_APPS = frozenset({"sessions", "auth", "accounts", "axes"})
#: Seconds between two checks of a replica that answers, and of one that does not.
CHECK_UP_SECONDS = 5.0
CHECK_DOWN_SECONDS = 30.0
SAFE_METHODS = frozenset({"GET", "HEAD"})
#: Methods that never write (OPTIONS, TRACE): they do not pin either.
_NON_WRITING = SAFE_METHODS | {"OPTIONS", "TRACE"}
_KEY_PINS_MAX = 10_000


@dataclass
class _Reads:
    """What the current request may read from the replica."""

    replica: bool
    used: bool = False  # a read was sent to the replica
    retried: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("paritrana_replica_reads", default=None)

#: API key (SHA-256) -> time until which its reads stay on the primary, in this process.
_key_pins: dict[str, float] = {}


def replica_configured() -> bool:
    return REPLICA in connections.settings


def reads_from_replica() -> bool:
    """Whether the current request sends its reads to the replica (no request: a job or the CLI: never)."""
    reads = _reads.get()
    return reads is not None and reads.replica


class ReplicaRouter:
    """Django database router (``DATABASE_ROUTERS``): reads of an unpinned GET to the replica, the rest to default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        reads = _reads.get()
        if reads is None or not reads.replica:
            return PRIMARY
        if model._meta.app_label in PRIMARY_APPS or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        reads.used = True
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaHealth:
    """Whether the replica answers, asked at most every few seconds (per process) and remembered in between."""

    def __init__(
        self,
        alias: str = REPLICA,
        *,
        clock: Callable[[], float] = time.monotonic,
        probe: Callable[[], None] | None = None,
    ) -> None:
        self.alias = alias
        self.clock = clock
        self.probe = probe or self._select_one
        self.up = True
        self.next_check = 0.0

    def usable(self) -> bool:
        """The remembered answer, or a fresh one when it is older than the check interval."""
        if self.clock() < self.next_check:
            return self.up
        return self.check()

    def check(self) -> bool:
        try:
            self.probe()
        except DatabaseError as exc:
            if self.up:
                logger.warning("The read replica does not answer (%s): pages read from the primary meanwhile", exc)
            self.up = False
        else:
            if not self.up:
                logger.info("The read replica answers again: pages read from it")
            self.up = True
        self.next_check = self.clock() + (CHECK_UP_SECONDS if self.up else CHECK_DOWN_SECONDS)
        return self.up

    def _select_one(self) -> None:
        connection = connections[self.alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            with suppress(Exception):  # already broken: the next check connects afresh
                connection.close()
            raise


#: The health of the replica, shared by the threads of this process.
HEALTH = ReplicaHealth()

# How far behind the primary the replica is: nothing when it has replayed all it received (an idle primary sends
# nothing, so the time since the last replayed transaction would grow without any lag); else the age of the last
# transaction it replayed. Read on the replica itself.
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def replica_status() -> dict[str, Any] | None:
    """The replica as ``/healthz`` and ``/metrics`` report it, asked now: ``status`` (``ok``, ``unavailable``, or
    ``not_a_standby`` when the URL names a server that is not replaying a primary) and ``lag_seconds`` (0 when
    it has replayed everything it received). None without a replica."""
    if not replica_configured():
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            recovering, lag = cursor.fetchone()
    except DatabaseError:
        with suppress(Exception):
            connections[REPLICA].close()
        return {"status": "unavailable", "lag_seconds": None}
    if not recovering:
        return {"status": "not_a_standby", "lag_seconds": None}
    return {"status": "ok", "lag_seconds": round(float(lag or 0), 3)}


def _api_key(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header[:7].lower() == "bearer " else request.headers.get("X-API-Key", "")
    return hashlib.sha256(key.encode()).hexdigest() if key else None


class ReplicaMiddleware:
    """Decides, once per request, whether its reads may go to the replica; pins a writer to the primary for a while.

    Placed last in ``MIDDLEWARE``: after sessions and authentication, and so that its ``process_exception`` runs
    first (a GET whose replica read failed is answered again from the primary, not turned into a 503)."""

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponseBase],
        *,
        clock: Callable[[], float] = time.time,
        health: ReplicaHealth | None = None,
        pin_seconds: float | None = None,
    ) -> None:
        self.get_response = get_response
        self.clock = clock  # wall time: the pin cookie crosses processes and servers
        self.health = health if health is not None else HEALTH
        self.pin_seconds = pin_seconds

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not replica_configured():
            return self.get_response(request)
        now = self.clock()
        safe = request.method in SAFE_METHODS
        reads = _Reads(replica=safe and not self._pinned(request, now) and self.health.usable())
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if request.method not in _NON_WRITING and response.status_code < 400:
            self._pin(request, response, now)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        reads = _reads.get()
        if (
            reads is None
            or not reads.used
            or reads.retried
            or not isinstance(exception, OperationalError | InterfaceError)
        ):
            return None
        # The error may be the replica's (stopped, unreachable, a query cancelled by replay) or the primary's: ask
        # the replica afresh (its connection is in an unknown state), then answer the GET again from the primary.
        with suppress(Exception):
            connections[REPLICA].close()
        self.health.check()
        reads.replica, reads.used, reads.retried = False, False, True
        return self.get_response(request)

    def _seconds(self) -> float:
        return self.pin_seconds if self.pin_seconds is not None else settings.PARITRANA.replica_pin_seconds

    def _pinned(self, request: HttpRequest, now: float) -> bool:
        try:
            until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            until = 0.0
        key = _api_key(request)
        if key is not None:
            until = max(until, _key_pins.get(key, 0.0))
        return now < until

    def _pin(self, request: HttpRequest, response: HttpResponseBase, now: float) -> None:
        seconds = self._seconds()
        until = now + seconds
        response.set_cookie(
            PIN_COOKIE,
            f"{until:.3f}",
            max_age=math.ceil(seconds),
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        key = _api_key(request)
        if key is not None:
            if len(_key_pins) >= _KEY_PINS_MAX:
                for stale in [k for k, t in _key_pins.items() if t <= now]:
                    del _key_pins[stale]
            _key_pins[key] = until
