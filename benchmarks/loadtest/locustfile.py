"""The load test's user mix (issue 8), for ``benchmarks/bench_load.py`` and ``tests/test_load.py``.

Two kinds of user, 4 to 1 (locust class weights), each waiting 0.5-2 s (uniform) between requests, a person's
think time on a page they know:

- ``OperatorUser`` (weight 4): a Disnaker operator of Kabupaten Tangerang in the browser. Logs in once through the
  login form (CSRF token from the page), then, by task weight: the dashboard 3, a worker search by name 4 (a first
  name found in the registry), a worker's page 2 (coverage month by month), the load-test program's page 1, and
  enrolling one worker into that program 1 (the enrollment form, uploading a one-line NIK list).
- ``ApiClient`` (weight 1): an integration with a bearer token: worker search by name 3, one worker 1, the list of
  programs 1, enrolling one worker by id 1.

Every enrollment takes the next worker from a pool of workers in no program at all (the benchmark's setup lists
them), so no two users enroll the same worker and every enrollment must succeed: a refusal is a failure here, as
is any unexpected status, a redirect to the login page, or a page without its expected content.

``BaselineUser`` is the benchmark's baseline, run alone: an anonymous visitor requesting the login page (a
template through the whole middleware stack, no session, no database query).

The setup (user, password, token, program, worker pool, search terms) is read from the JSON file named by
``PARITRANA_LOADTEST_SETUP``. With ``PARITRANA_LOADTEST_TOUR=1`` (the short test in ``make test``) each user
first makes every request of its kind once, so that a short run surely exercises them all.
"""

from __future__ import annotations

import json
import os
import random
import re
from functools import cache
from typing import Any

from locust import HttpUser, between, events, task

THINK_TIME = between(0.5, 2.0)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@cache
def setup() -> dict[str, Any]:
    path = os.environ.get("PARITRANA_LOADTEST_SETUP")
    if not path:
        raise RuntimeError("PARITRANA_LOADTEST_SETUP names no setup file: run benchmarks/bench_load.py")
    with open(path, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@cache
def _pool() -> list[list[Any]]:
    return list(reversed(setup()["pool"]))  # [id, nik] pairs; popped from the end, so taken in id order


def next_worker() -> tuple[int, str] | None:
    """A worker in no program, never handed out twice (locust runs its users as greenlets in one process)."""
    pool = _pool()
    if not pool:
        return None
    pk, nik = pool.pop()
    return int(pk), str(nik)


def tour() -> bool:
    return os.environ.get("PARITRANA_LOADTEST_TOUR") == "1"


def _pool_exhausted(name: str) -> None:
    events.request.fire(
        request_type="POST",
        name=name,
        response_time=0,
        response_length=0,
        exception=RuntimeError("no worker left to enroll: give the setup more workers"),
        context={},
    )


class OperatorUser(HttpUser):
    weight = 4
    wait_time = THINK_TIME

    def on_start(self) -> None:
        data = setup()
        self.program = data["program_id"]
        with self.client.get("/login/", name="web: login page", catch_response=True) as page:
            found = CSRF_FIELD.search(page.text or "")
            if page.status_code != 200 or not found:
                page.failure(f"login page: status {page.status_code}, CSRF field {'found' if found else 'missing'}")
                return
            page.success()
        with self.client.post(
            "/login/",
            data={"username": data["username"], "password": data["password"], "csrfmiddlewaretoken": found[1]},
            name="web: log in",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302 or "sessionid" not in self.client.cookies:
                r.failure(f"log in: status {r.status_code}, no session")
                return
        if tour():
            for step in (self.dashboard, self.worker_search, self.worker_page, self.program_page, self.enroll):
                step()

    def _get(self, path: str, name: str, marker: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif marker not in r.text:
                r.failure(f"no {marker} in the page")

    @task(3)
    def dashboard(self) -> None:
        self._get("/", "web: dashboard", 'data-testid="roles"')

    @task(4)
    def worker_search(self) -> None:
        term = random.choice(setup()["search_terms"])
        self._get(f"/workers/?q={term}", "web: worker search", 'data-testid="workers"')

    @task(2)
    def worker_page(self) -> None:
        pk = random.choice(setup()["worker_ids"])
        self._get(f"/workers/{pk}/", "web: worker page", 'data-testid="coverage"')

    @task(1)
    def program_page(self) -> None:
        self._get(f"/programs/{self.program}/", "web: program page", 'data-testid="enroll-form"')

    @task(1)
    def enroll(self) -> None:
        name = "web: enroll one worker (NIK list)"
        worker = next_worker()
        if worker is None:
            _pool_exhausted(name)
            return
        with self.client.post(
            f"/programs/{self.program}/",
            data={
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                "form": "enroll",
                "e-how": "file",
                "e-mode": "all-or-nothing",
            },
            files={"e-file": ("daftar.csv", f"NIK\n{worker[1]}\n".encode(), "text/csv")},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif 'data-testid="enroll-result"' not in r.text:
                r.failure("no enrollment result in the page")


class ApiClient(HttpUser):
    weight = 1
    wait_time = THINK_TIME

    def on_start(self) -> None:
        data = setup()
        self.program = data["program_id"]
        self.client.headers["Authorization"] = f"Bearer {data['token']}"
        if tour():
            for step in (self.worker_search, self.worker, self.programs, self.enroll):
                step()

    def _get(self, path: str, name: str, key: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif key not in r.json():
                r.failure(f"no {key} in the answer")

    @task(3)
    def worker_search(self) -> None:
        term = random.choice(setup()["search_terms"])
        self._get(f"/api/v1/workers?q={term}", "api: worker search", "items")

    @task(1)
    def worker(self) -> None:
        pk = random.choice(setup()["worker_ids"])
        self._get(f"/api/v1/workers/{pk}", "api: one worker", "id")

    @task(1)
    def programs(self) -> None:
        with self.client.get("/api/v1/programs", name="api: programs", catch_response=True) as r:
            if r.status_code != 200 or not r.json().get("items"):
                r.failure(f"status {r.status_code}, or no program")

    @task(1)
    def enroll(self) -> None:
        name = "api: enroll one worker (by id)"
        worker = next_worker()
        if worker is None:
            _pool_exhausted(name)
            return
        with self.client.post(
            f"/api/v1/programs/{self.program}/enrollments",
            json={"worker_ids": [worker[0]]},
            name=name,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}: {r.text[:200]}")
            elif r.json().get("enrolled") != 1:
                r.failure(f"not enrolled: {r.text[:200]}")


class BaselineUser(HttpUser):
    weight = 1
    wait_time = THINK_TIME

    @task
    def login_page(self) -> None:
        with self.client.get("/login/", name="baseline: login page", catch_response=True) as r:
            if r.status_code != 200 or "csrfmiddlewaretoken" not in r.text:
                r.failure(f"status {r.status_code}")
