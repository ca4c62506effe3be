"""Issue 21 §9: users change their password; an administrator resets one (a temporary password, changed at the next
login); a new user's region is explicit (national only when chosen); Django's password rules; a favicon. Through the
action, the web pages and the command line."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from paritrana.accounts.actions import do_change_password, do_reset_password, role_scope
from paritrana.accounts.models import PasswordReset, RoleAssignment
from paritrana.cli import main
from paritrana.core.errors import Conflict, InvalidInput, OutOfScope, PermissionDenied
from paritrana.core.models import AuditEvent
from tests.conftest import client_for
from tests.factories import PASSWORD, make_user

User = get_user_model()
NEW = "tanjung-priok-2026"


def login(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def change(client: Client, old: str, new: str, again: str | None = None) -> object:
    data = {"old_password": old, "new_password": new, "new_password2": new if again is None else again}
    return client.post("/users/me/password/", data)


# --- change one's own password ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_changes_their_password_stays_logged_in_and_other_sessions_end(kab_operator) -> None:  # type: ignore[no-untyped-def]
    here, elsewhere = login("op.kabtangerang", PASSWORD), login("op.kabtangerang", PASSWORD)
    form = here.get("/users/me/password/").content.decode()
    assert 'autocomplete="current-password"' in form and 'autocomplete="new-password"' in form
    response = change(here, PASSWORD, NEW)
    assert response.status_code == 302 and response["Location"] == "/"
    assert here.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one ended with the old password
    kab_operator.refresh_from_db()
    assert kab_operator.check_password(NEW) and not kab_operator.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.actor_name == "op.kabtangerang" and NEW not in json.dumps(event.after)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "again", "field"),
    [
        ("wrong-password-1", NEW, None, "old_password"),
        (PASSWORD, "1234567890", None, "new_password"),  # only digits, and common
        (PASSWORD, "pendek", None, "new_password"),  # too short
        (PASSWORD, "op.kabtangerang", None, "new_password"),  # like the username
        (PASSWORD, NEW, "tanjung-priok-2025", "new_password2"),  # the two differ
        (PASSWORD, PASSWORD, None, "new_password"),  # the same as before
        (PASSWORD, "x" * 129, None, "new_password"),  # too long
        (PASSWORD, "", None, "new_password"),  # empty
    ],
)
def test_a_wrong_current_password_or_a_bad_new_one_changes_nothing(
    kab_operator,  # type: ignore[no-untyped-def]
    old: str,
    new: str,
    again: str | None,
    field: str,
) -> None:
    client = client_for(kab_operator)
    response = change(client, old, new, again)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert f'id="id_{field}_error"' in response.content.decode() or field in response.content.decode()  # type: ignore[attr-defined]
    kab_operator.refresh_from_db()
    assert kab_operator.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


@pytest.mark.django_db
def test_a_double_submit_of_the_password_form_is_harmless(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    assert change(client, PASSWORD, NEW).status_code == 302  # type: ignore[attr-defined]
    assert change(client, PASSWORD, NEW).status_code == 422  # type: ignore[attr-defined]  # the current one changed
    kab_operator.refresh_from_db()
    assert kab_operator.check_password(NEW)
    assert AuditEvent.objects.filter(action="user.password_change").count() == 1


@pytest.mark.django_db
def test_only_the_user_changes_their_own_password(kab_operator, admin_user) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        do_change_password(user=kab_operator, old_password=PASSWORD, new_password=NEW, actor=admin_user)
    assert Client().get("/users/me/password/").status_code == 302  # anonymous: to the login page


# --- an administrator resets a password ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_administrator_resets_a_password_that_is_shown_once_and_must_be_changed(admin_user, kab_operator) -> None:  # type: ignore[no-untyped-def]
    logged_in = login("op.kabtangerang", PASSWORD)
    response = client_for(admin_user).post(f"/users/{kab_operator.pk}/password/", {"confirmed": "1"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    temporary = page.split('<code class="secret">')[1].split("</code>")[0]
    assert len(temporary) == 19 and kab_operator.username not in temporary
    assert logged_in.get("/").status_code == 302  # the user's session ended
    assert PasswordReset.objects.filter(user=kab_operator, reset_by="admin.test").exists()
    assert temporary not in client_for(admin_user).get(f"/users/{kab_operator.pk}/").content.decode()  # once

    user = login("op.kabtangerang", temporary)
    for path in ("/", "/workers/", "/programs/"):
        led = user.get(path)
        assert led.status_code == 302 and led["Location"] == "/users/me/password/", path
    assert user.get("/users/me/password/").status_code == 200
    assert change(user, temporary, NEW).status_code == 302  # type: ignore[attr-defined]
    assert user.get("/workers/").status_code == 200
    assert not PasswordReset.objects.filter(user=kab_operator).exists()
    after = AuditEvent.objects.get(action="user.password_change").after
    assert after == {"after_reset": True}
    assert not any(temporary in json.dumps([e.before, e.after]) for e in AuditEvent.objects.all())


@pytest.mark.django_db
def test_a_reset_is_refused_to_a_scoped_administrator_and_for_oneself(admin_user, kab_operator) -> None:  # type: ignore[no-untyped-def]
    scoped = make_user("admin.banten", "system_admin", "36")
    with pytest.raises(OutOfScope):
        do_reset_password(user=kab_operator, actor=scoped)
    with pytest.raises(Conflict):
        do_reset_password(user=admin_user, actor=admin_user)
    assert client_for(scoped).post(f"/users/{kab_operator.pk}/password/").status_code == 403
    assert client_for(kab_operator).post(f"/users/{admin_user.pk}/password/").status_code == 403
    kab_operator.refresh_from_db()
    assert kab_operator.check_password(PASSWORD) and not PasswordReset.objects.exists()


@pytest.mark.django_db
def test_an_administrator_given_password_must_pass_the_rules(kab_operator) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        do_reset_password(user=kab_operator, actor=None, password="12345678901")
    assert refused.value.details["field"] == "password"
    kab_operator.refresh_from_db()
    assert kab_operator.check_password(PASSWORD)


# --- a new user's region is explicit ----------------------------------------------------------------------------------


def _new_user(**fields: str) -> dict[str, str]:
    return {"username": "ops.baru", "password": NEW, "password2": NEW, "role": "viewer", **fields}


@pytest.mark.django_db
def test_a_new_user_without_a_region_is_refused_not_made_national(admin_user) -> None:  # type: ignore[no-untyped-def]
    response = client_for(admin_user).post("/users/new/", _new_user(region_code=""))
    assert response.status_code == 422
    assert 'id="id_region_code_error"' in response.content.decode()
    assert not User.objects.filter(username="ops.baru").exists()


@pytest.mark.django_db
def test_national_scope_is_given_only_when_chosen(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin_user)
    both = client.post("/users/new/", _new_user(region_code="36.03", national="on"))
    assert both.status_code == 422 and not User.objects.filter(username="ops.baru").exists()
    assert client.post("/users/new/", _new_user(national="on")).status_code == 302
    assert list(RoleAssignment.objects.filter(user__username="ops.baru").values_list("role", "region_code")) == [
        ("viewer", "")
    ]


@pytest.mark.django_db
def test_a_role_added_later_needs_its_region_too(admin_user) -> None:  # type: ignore[no-untyped-def]
    subject = make_user("rudi", "viewer", "36")
    client = client_for(admin_user)
    assert client.post(f"/users/{subject.pk}/", {"role": "bpjs_officer", "region_code": ""}).status_code == 422
    assert client.post(f"/users/{subject.pk}/", {"role": "bpjs_officer", "national": "on"}).status_code == 302
    assert set(subject.roles.values_list("role", "region_code")) == {("viewer", "36"), ("bpjs_officer", "")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password2": "something-else-26"}, "password2"),
        ({"password": "ops.baru.2026", "password2": "ops.baru.2026"}, "password"),  # like the username
        ({"username": ""}, "username"),
        ({"username": "u" * 151}, "username"),
        ({"role": "emperor"}, "role"),
        ({"region_code": "36.7"}, None),
    ],
)
def test_a_bad_new_user_form_names_the_field_and_creates_nothing(
    admin_user,  # type: ignore[no-untyped-def]
    fields: dict[str, str],
    field: str | None,
) -> None:
    response = client_for(admin_user).post("/users/new/", _new_user(**{"region_code": "36.03", **fields}))
    assert response.status_code == 422
    if field:
        assert f'id="id_{field}_error"' in response.content.decode()
    assert not User.objects.filter(username__startswith="ops.baru").exists()


@pytest.mark.django_db
def test_the_form_states_the_password_rules(admin_user) -> None:  # type: ignore[no-untyped-def]
    page = client_for(admin_user).get("/users/new/").content.decode()
    assert "10" in page.split('id="id_password_helptext"')[1][:400]  # the minimum length of the settings


def test_the_scope_of_a_role_is_a_region_or_a_choice_of_all_indonesia() -> None:
    assert role_scope(regions=["36.03", " 36.71 "], national=False) == ["36.03", "36.71"]
    assert role_scope(regions=[], national=True) == [""]
    for regions, national in (([], False), ([" "], False), (["36"], True)):
        with pytest.raises(InvalidInput):
            role_scope(regions=regions, national=national)


# --- the command line -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_line_asks_for_a_region_or_national_scope(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "create", "siti", "--password", NEW, "--role", "viewer", "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().err)["details"]["field"] == "region_code"
    assert not User.objects.filter(username="siti").exists()
    assert main(["users", "create", "siti", "--password", NEW, "--role", "viewer", "--national"]) == 0
    assert RoleAssignment.objects.get(user__username="siti").region_code == ""
    assert main(["users", "grant", "siti", "--role", "jury", "--region", "36", "--national"]) == 2


@pytest.mark.django_db
def test_the_command_line_resets_a_password(kab_operator, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert main(["users", "password", "op.kabtangerang", "--format", "json"]) == 0
    temporary = json.loads(capsys.readouterr().out)["temporary_password"]
    kab_operator.refresh_from_db()
    assert kab_operator.check_password(temporary) and PasswordReset.objects.filter(user=kab_operator).exists()
    assert main(["users", "password", "op.kabtangerang", "--password", "123456789012"]) == 2
    kab_operator.refresh_from_db()
    assert kab_operator.check_password(temporary)
    assert main(["users", "password", "nobody"]) == 2


# --- favicon ----------------------------------------------------------------------------------------------------------


def test_the_browser_finds_a_favicon() -> None:
    client = Client()
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect["Location"] == "/static/web/favicon.ico"
    icon = client.get("/static/web/favicon.ico")
    assert icon.status_code == 200 and b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # type: ignore[attr-defined]
    page = client.get("/login/").content.decode()
    assert 'rel="icon" href="/static/web/favicon.svg"' in page


@pytest.mark.django_db
def test_a_stale_user_page_submitted_again_changes_nothing_twice(admin_user) -> None:  # type: ignore[no-untyped-def]
    subject = make_user("rudi", "viewer", "36")
    role = subject.roles.get()
    client = client_for(admin_user)
    assert client.post(f"/users/{subject.pk}/roles/{role.pk}/remove/").status_code == 302
    again = client.post(f"/users/{subject.pk}/roles/{role.pk}/remove/", follow=True)  # the same page, again
    assert again.redirect_chain == [(f"/users/{subject.pk}/", 302)]
    assert "Peran itu sudah dihapus." in again.content.decode()
    assert client.post(f"/users/{subject.pk + 999}/roles/{role.pk}/remove/").status_code == 404  # no such user
    for _ in range(2):  # deactivating twice: the form says what it wants, not "toggle"
        assert client.post(f"/users/{subject.pk}/active/", {"active": "0"}).status_code == 302
    subject.refresh_from_db()
    assert not subject.is_active
    assert AuditEvent.objects.filter(action="user.deactivate").count() == 1
    assert AuditEvent.objects.filter(action="role.remove").count() == 1
