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
from paritrana.accounts.models import ApiToken, PasswordReset, RoleAssignment
from paritrana.core import audit
from paritrana.core.errors import N_, Conflict, InvalidInput, NotFound, PermissionDenied
from paritrana.core.permissions import require_national
from paritrana.regions.queries import get_region

__all__ = [
    "do_assign_role",
    "do_change_password",
    "do_create_token",
    "do_create_user",
    "do_remove_role",
    "do_reset_password",
    "do_revoke_token",
    "do_set_active",
    "hash_token",
    "role_scope",
]

TOKEN_PREFIX = "prt_"  # noqa: S105 - a visible prefix that marks Paritrana tokens, not a secret


#: Longest password accepted: Argon2 hashes any length, but a megabyte "password" is an attack, not a password.
MAX_PASSWORD_LENGTH = 128


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _check_password(password: str, *, user: Any, field: str = "password") -> None:
    """Django's validators (settings.AUTH_PASSWORD_VALIDATORS: length, not like the user's name, not a common
    password, not only digits), as one InvalidInput naming every reason."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            N_("The password is too long: at most {limit} characters."), field=field, limit=MAX_PASSWORD_LENGTH
        )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(
            N_("The password is too weak: {reasons}"), field=field, reasons=" ".join(exc.messages)
        ) from exc


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
    User = get_user_model()
    if not username.strip():
        raise InvalidInput(field="username")
    if User.objects.filter(username=username).exists():
        raise Conflict(N_("A user named {username} already exists."), username=username)
    first, _, last = full_name.partition(" ")
    if check_password:
        _check_password(password, user=User(username=username, email=email, first_name=first, last_name=last))
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


def role_scope(*, regions: Sequence[str], national: bool) -> list[str]:
    """The region codes a new role holds in: the ``regions`` given, or [""] (all of Indonesia) only when
    ``national`` was chosen. Leaving the region out is a mistake, not national access (for the command line and
    other adapters; the web form asks the same question)."""
    codes = [c.strip() for c in regions if c.strip()]
    if codes and national:
        raise InvalidInput(N_("Give a region or choose all of Indonesia, not both."), field="region_code")
    if not codes and not national:
        raise InvalidInput(
            N_("Give the region this role covers, or choose all of Indonesia (national scope)."), field="region_code"
        )
    return codes or [""]


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


@transaction.atomic
def do_change_password(*, user: Any, old_password: str, new_password: str, actor: Any) -> Any:
    """A user replaces their own password: the current one first, then a new one that passes the validators and
    differs from it. Ends an administrator's reset (the temporary password). Other sessions of the user end with
    it (Django checks the password hash on each request); the caller keeps the current one."""
    if actor is not None and getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied(N_("Only the user can change their own password; an administrator resets it."))
    if not user.check_password(old_password):
        raise InvalidInput(N_("The current password is wrong."), field="old_password")
    if new_password == old_password:
        raise InvalidInput(N_("The new password must differ from the current one."), field="new_password")
    _check_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    had_reset = PasswordReset.objects.filter(user=user).delete()[0] > 0
    audit.record(actor=actor or user, action="user.password_change", obj=user, after={"after_reset": had_reset})
    return user


@transaction.atomic
def do_reset_password(*, user: Any, actor: Any, password: str = "") -> str:
    """An administrator gives ``user`` a temporary password (``password``, or a random one when empty) and
    returns it to be passed on once; the user must choose their own at the next login. Ends the user's sessions
    (Django checks the password hash on each request). Neither password is stored in clear or audited."""
    if actor is not None:
        require_national(actor, "users.manage")
        if getattr(actor, "pk", None) == user.pk:
            raise Conflict(N_("Change your own password on the password page, not by a reset."))
    temporary = password or _temporary_password()
    if password:
        _check_password(password, user=user)
    user.set_password(temporary)
    user.save(update_fields=["password"])
    actor_name = actor.get_username() if actor is not None else "system"
    PasswordReset.objects.update_or_create(user=user, defaults={"reset_by": actor_name})
    audit.record(actor=actor, action="user.password_reset", obj=user, after={"must_change": True})
    return temporary


def _temporary_password() -> str:
    """Four groups of four letters and digits (no 0/O, 1/l/I): read out over the telephone without mistakes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def must_change_password(user: Any) -> bool:
    """Whether ``user`` logs in with a temporary password an administrator set."""
    return bool(getattr(user, "pk", None)) and PasswordReset.objects.filter(user_id=user.pk).exists()
