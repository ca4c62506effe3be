"""User pages of the national system administrator."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from paritrana.accounts.models import RoleAssignment
from paritrana.core.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_user


@pytest.mark.django_db
def test_admin_creates_a_village_operator_with_its_scope(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin_user)
    response = client.post(
        "/users/new/",
        {
            "username": "ops.desa",
            "full_name": "Operator Desa Cangkudu",
            "password": "a-long-enough-pass-99",
            "password2": "a-long-enough-pass-99",
            "role": "village_operator",
            "region_code": "3603012003",
        },
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__username="ops.desa")
    assert (assignment.role, assignment.region_code) == ("village_operator", "36.03.01.2003")
    assert AuditEvent.objects.filter(action="user.create", actor_name=admin_user.username).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("region", "password", "needle"),
    [
        ("98.01", "a-long-enough-pass-99", "98.01"),
        ("36.7", "a-long-enough-pass-99", "36.7"),
        ("36.03", "1234567890", "kata sandi"),
    ],
)
def test_a_bad_region_or_password_creates_nothing(
    admin_user,
    region: str,
    password: str,  # type: ignore[no-untyped-def]
    needle: str,
) -> None:
    response = client_for(admin_user).post(
        "/users/new/",
        {"username": "ghost", "password": password, "password2": password, "role": "viewer", "region_code": region},
    )
    assert response.status_code == 422
    assert needle in response.content.decode().lower() or needle in response.content.decode()
    assert not User.objects.filter(username="ghost").exists()


@pytest.mark.django_db
def test_roles_are_added_and_removed_and_each_change_audited(admin_user) -> None:  # type: ignore[no-untyped-def]
    subject = make_user("rudi", "viewer", "36")
    client = client_for(admin_user)
    assert client.post(f"/users/{subject.pk}/", {"role": "bpjs_officer", "region_code": "36.71"}).status_code == 302
    assert set(subject.roles.values_list("role", "region_code")) == {("viewer", "36"), ("bpjs_officer", "36.71")}
    viewer = subject.roles.get(role="viewer")
    assert client.post(f"/users/{subject.pk}/roles/{viewer.pk}/remove/").status_code == 302
    assert list(subject.roles.values_list("role", flat=True)) == ["bpjs_officer"]
    assert AuditEvent.objects.filter(action="role.remove", region_code="36").exists()


@pytest.mark.django_db
def test_deactivated_user_cannot_log_in_and_admin_cannot_deactivate_itself(admin_user) -> None:  # type: ignore[no-untyped-def]
    subject = make_user("sari", "viewer", "36")
    client = client_for(admin_user)
    client.post(f"/users/{subject.pk}/active/", {"active": "0"})
    subject.refresh_from_db()
    assert not subject.is_active
    assert client_for(subject).get("/").status_code == 302  # logged out: back to the login page
    response = client.post(f"/users/{admin_user.pk}/active/", {"active": "0"})
    assert response.status_code == 409
    admin_user.refresh_from_db()
    assert admin_user.is_active
