"""Role assignments (each with a region scope) and API tokens. Users are Django's own ``auth.User``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from paritrana.accounts.choices import Role

__all__ = ["ApiToken", "PasswordReset", "RoleAssignment"]


class RoleAssignment(models.Model):
    """A user holds ``role`` inside ``region_code`` and everything below it; blank region = the whole country."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region_code = models.CharField(_("region scope"), max_length=13, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region_code"], name="unique_role_assignment"),
        ]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.region_code or '*'}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(_("label"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label})"


class PasswordReset(models.Model):
    """An administrator set a temporary password for this user: the user chooses their own at the next login
    (the row goes when they do). Neither password is kept here or in the audit log."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_reset")
    reset_at = models.DateTimeField(_("reset"), auto_now=True)
    reset_by = models.CharField(_("reset by"), max_length=150)

    class Meta:
        verbose_name = _("password reset")
        verbose_name_plural = _("password resets")

    def __str__(self) -> str:
        return f"{self.user} ({self.reset_at:%Y-%m-%d})"
