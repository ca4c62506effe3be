"""The one exception tree of Paritrana.

Every failure a person can act on is raised as one of these; one handler renders them as the JSON error body
``{"code", "message", "details"}`` for the API, as a page or a flash message for the web, and as a line on stderr
for the command line. Never return error dicts, never swallow these.

    ParitranaError                 400 error            (base; not raised itself)
    ├── BadRequest                 400 bad_request      malformed query parameters or bodies
    ├── InvalidInput               422 invalid_input    a field's value is wrong; details name the field
    │   ├── OutOfRange             422 out_of_range     a number outside its valid range
    │   ├── InvalidRows            422 invalid_rows     a file's rows have errors: details.errors names each row
    │   └── NotInForce             422 not_in_force     no rule in force on that date (e.g. JKP before 2021)
    ├── NotAuthenticated           401 not_authenticated
    ├── PermissionDenied           403 forbidden        the role may not do this
    │   ├── OutOfScope             403 out_of_scope     the object lies outside the user's region scope
    │   ├── NotOwner               403 not_owner        a region above may read a lower region's program, not write it
    │   └── MakerChecker           403 maker_checker    who made or changed a program cannot approve it
    ├── NotFound                   404 not_found
    ├── Conflict                   409 conflict         the state does not allow it (already billed, locked...)
    ├── PayloadTooLarge            413 payload_too_large
    ├── WriteFailed                507 write_failed     a file could not be written (disk full, no permission)
    └── ConfigurationError         500 configuration_error  settings or rule data files are invalid

This module imports nothing from Django so that the pure calculations (``paritrana.rules``) can raise these.
Messages are English gettext message ids with ``{placeholders}`` filled from ``details``; ``render_message``
translates them in the active language (Bahasa Indonesia by default), see ``locale/id``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "InvalidInput",
    "InvalidRows",
    "NotAuthenticated",
    "NotFound",
    "MakerChecker",
    "NotInForce",
    "NotOwner",
    "OutOfRange",
    "OutOfScope",
    "ParitranaError",
    "PayloadTooLarge",
    "PermissionDenied",
    "Words",
    "N_",
]


def N_(message: str) -> str:
    """Mark a string for translation without translating it here (gettext_noop)."""
    return message


class ParitranaError(Exception):
    """Base of the tree. ``message`` is a format string over ``details``."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "error"
    default_message: ClassVar[str] = N_("The request could not be completed.")

    def __init__(self, message: str | None = None, /, **details: Any) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = details
        super().__init__(self.render_message())

    def render_message(self, translate: Callable[[str], str] | None = None) -> str:
        """The message in the language of ``translate`` (a gettext), placeholders filled from the details."""
        template = translate(self.message) if translate else self.message
        details = {k: translate(v) if translate and isinstance(v, Words) else v for k, v in self.details.items()}
        try:
            return template.format_map(_Safe(details))
        except (ValueError, IndexError):  # a translator's typo must not hide the error itself
            return template

    def as_body(self, translate: Callable[[str], str] | None = None) -> dict[str, Any]:
        """The JSON error body shared by the API and the command line."""
        return {"code": self.code, "message": self.render_message(translate), "details": _jsonable(self.details)}


class BadRequest(ParitranaError):
    status = 400
    code = "bad_request"
    default_message = N_("The request is malformed.")


class InvalidInput(ParitranaError):
    status = 422
    code = "invalid_input"
    default_message = N_("The value of {field} is not valid.")


class OutOfRange(InvalidInput):
    code = "out_of_range"
    default_message = N_("{field} must be between {minimum} and {maximum}; got {value}.")


class InvalidRows(InvalidInput):
    """A file whose rows have errors, refused whole: ``details["errors"]`` names each row and field."""

    code = "invalid_rows"
    default_message = N_("Nothing was imported: {count} rows have errors; correct them and send the file again.")


class NotInForce(InvalidInput):
    code = "not_in_force"
    default_message = N_("No rule for {subject} is in force on {date}.")


class NotAuthenticated(ParitranaError):
    status = 401
    code = "not_authenticated"
    default_message = N_("Log in first.")


class PermissionDenied(ParitranaError):
    status = 403
    code = "forbidden"
    default_message = N_("Your role does not allow this.")


class OutOfScope(PermissionDenied):
    code = "out_of_scope"
    default_message = N_("This lies outside your region scope.")


class NotOwner(PermissionDenied):
    code = "not_owner"
    default_message = N_(
        "Only the government of {region} may change this program; a region above may read it and advise."
    )


class MakerChecker(PermissionDenied):
    code = "maker_checker"
    default_message = N_("You created or changed this program: another officer of {region} must approve it.")


class NotFound(ParitranaError):
    status = 404
    code = "not_found"
    default_message = N_("Not found.")


class Conflict(ParitranaError):
    status = 409
    code = "conflict"
    default_message = N_("The current state does not allow this.")


class PayloadTooLarge(ParitranaError):
    status = 413
    code = "payload_too_large"
    default_message = N_("The request body is larger than {limit} bytes.")


class WriteFailed(ParitranaError):
    status = 507
    code = "write_failed"
    default_message = N_("Could not write {path}: {reason}.")


class ConfigurationError(ParitranaError):
    status = 500
    code = "configuration_error"
    default_message = N_("The configuration is invalid: {problem}")


class Words(str):
    """A detail that is words, not data (``Words(N_("a Windows program"))``): translated with the message it fills,
    where a name or a value is shown as it is."""


class _Safe(dict[str, Any]):
    """format_map helper: a placeholder without a detail stays visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
