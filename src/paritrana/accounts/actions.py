"""Writes on users, roles and tokens. Each validates, writes and audits in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from paritrana.accounts.choices import Role
from paritrana.accounts.models import ApiToken, RoleAssignment
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, NotFound
from paritrana.regions.queries import get_region

__all__ = [
    "do_assign_role",
    "do_create_token",
    "do_create_user",
    "do_remove_role",
    "do_revoke_token",
    "do_set_active",
    "hash_token",
]

TOKEN_PREFIX = "prt_"  # noqa: S105 - a visible prefix that marks Paritrana tokens, not a secret


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def do_create_user(
    *,
    username: str,
    password: str,
    actor: Any,
    full_name: str = "",
    email: str = "",
    roles: Sequence[tuple[str, str]] = (),
    check_password: bool = True,
) -> Any:
    """Create a user with its ``roles`` (role, region code) at once: a bad role or region leaves no user behind.
    The password passes Django's validators unless ``check_password`` is off (demo data)."""
    User = get_user_model()  # noqa: N806 - a class
    if not username.strip():
        raise InvalidInput(field="username")
    if User.objects.filter(username=username).exists():
        raise Conflict(N_("A user named {username} already exists."), username=username)
    if check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise InvalidInput(
                N_("The password is too weak: {reasons}"), field="password", reasons=" ".join(exc.messages)
            ) from exc
    first, _, last = full_name.partition(" ")
    user = User.objects.create_user(
        username=username, password=password, email=email, first_name=first[:150], last_name=last[:150]
    )
    audit.record(
        actor=actor,
        action="user.create",
        obj=user,
        after={"username": user.username, "email": email, "full_name": full_name},
    )
    for role, region_code in roles:
        do_assign_role(user=user, role=role, region_code=region_code, actor=actor)
    return user


@transaction.atomic
def do_assign_role(*, user: Any, role: str, region_code: str, actor: Any) -> RoleAssignment:
    """Give ``user`` a role inside a region (blank = national). The region must exist."""
    if role not in Role.values:
        raise InvalidInput(
            N_("Unknown role {value}; valid roles: {valid}."), field="role", value=role, valid=", ".join(Role.values)
        )
    if region_code:
        get_region(region_code)  # NotFound for an unknown code
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, region_code=region_code)
    if created:
        audit.record(
            actor=actor,
            action="role.assign",
            obj=assignment,
            region_code=region_code,
            after={"user": user.username, "role": role, "region_code": region_code},
        )
    return assignment


@transaction.atomic
def do_create_token(*, user: Any, label: str, actor: Any) -> tuple[ApiToken, str]:
    """Make a bearer token; returns the row and the token itself, which is not stored and shown only once."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, label=label or "api", prefix=key[:10], key_hash=hash_token(key))
    audit.record(
        actor=actor,
        action="token.create",
        obj=token,
        after={"user": user.username, "label": token.label, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def do_revoke_token(*, token_id: int, actor: Any) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound(N_("No API token {id}."), id=token_id)
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])
        audit.record(actor=actor, action="token.revoke", obj=token, before={"revoked": False}, after={"revoked": True})
    return token


@transaction.atomic
def do_remove_role(*, assignment: RoleAssignment, actor: Any) -> None:
    audit.record(
        actor=actor,
        action="role.remove",
        obj=assignment,
        region_code=assignment.region_code,
        before={"user": assignment.user.username, "role": assignment.role, "region_code": assignment.region_code},
    )
    assignment.delete()


@transaction.atomic
def do_set_active(*, user: Any, active: bool, actor: Any) -> Any:
    """Deactivate (or reactivate) a user; users are never deleted, so the audit log keeps its meaning."""
    if user == actor and not active:
        raise Conflict(N_("You cannot deactivate yourself."))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            obj=user,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return user
