"""Fixtures shared by the whole suite. The same tests run on SQLite and on PostgreSQL
(``PARITRANA_DATABASE_URL`` set by ``scripts/with-postgres``)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.factories import load_test_regions, make_user

# No per-example deadline: it is a wall-time assertion, and these machines (2 shared cores) vary twofold in speed.
hypothesis_settings.register_profile("paritrana", deadline=None)
hypothesis_settings.load_profile("paritrana")


def pytest_configure(config: pytest.Config) -> None:
    """Argon2 is deliberately slow; the suite creates hundreds of users, so it hashes with a fast hasher.
    ``test_passwords_are_hashed_with_argon2`` checks the real setting."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background jobs run at once inside the test (the database queue and its worker are tested apart).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # The apps' task modules are imported as Django starts (their leases join the worker's sweep): the handler
    # that resolved the database backend then forgets it, as it does under override_settings.
    from django.core.signals import setting_changed

    setting_changed.send(sender=type(settings), setting="TASKS", value=settings.TASKS, enter=True)


ON_POSTGRES = os.environ.get("PARITRANA_DATABASE_URL", "").startswith("postgres")
#: Tests that run threads against the database: only the PostgreSQL leg shares its test database between threads.
needs_shared_database = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="the in-memory SQLite test database is not shared between threads (SQLite writes are serialised anyway)",
)


def committed_db(*apps: str) -> pytest.MarkDecorator:
    """A transactional test (threads see committed rows) limited to ``apps``: the flush after it then spares the
    regions loaded once for the session."""
    base = ["django.contrib.auth", "django.contrib.contenttypes", "paritrana.core", "paritrana.accounts"]
    return pytest.mark.django_db(transaction=True, available_apps=[*base, *(f"paritrana.{a}" for a in apps)])


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Files the app writes (the fact store, evidence) go to a temporary folder, never into the project's var/."""
    import os

    from paritrana.core.config import get_settings

    folder = tmp_path_factory.mktemp("data")
    saved = {k: os.environ.get(k) for k in ("PARITRANA_DATA_DIR", "PARITRANA_ANALYTICS_STORE")}
    os.environ["PARITRANA_DATA_DIR"] = str(folder)
    os.environ.pop("PARITRANA_ANALYTICS_STORE", None)
    get_settings.cache_clear()
    # The rule book looked for a site rule file when Django started; look in the test folder instead (none there),
    # so a developer's var/rules.toml never prices a test.
    from paritrana.rules import book

    book.configure(folder / "rules.toml")
    yield folder
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def default_language() -> Any:
    """Each test starts in the default language (Bahasa Indonesia): a request in English by an earlier test must
    not change what the next one reads."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The test database with the regions of every province and kabupaten/kota, and Banten down to the desa."""
    with django_db_blocker.unblock():
        load_test_regions()


@pytest.fixture
def admin_user(db: Any) -> Any:
    """A system administrator with national scope."""
    return make_user("admin.test", "system_admin")


@pytest.fixture
def kab_operator(db: Any) -> Any:
    """A regional (Disnaker) operator of Kabupaten Tangerang (36.03)."""
    return make_user("op.kabtangerang", "regional_operator", "36.03")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
