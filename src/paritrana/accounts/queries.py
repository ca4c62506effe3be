"""Reads on users and tokens."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from paritrana.accounts.actions import TOKEN_PREFIX, hash_token
from paritrana.accounts.models import ApiToken


def user_for_token(key: str) -> Any | None:
    """The active user behind a bearer token, or None. Marks the token used (without auditing a read)."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key), revoked=False).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
