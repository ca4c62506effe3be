"""Assembly of the API: authentication, the one error body, and the routers of each app.

Every failure answers ``{"code", "message", "details"}`` with the status of its class in
``paritrana.core.errors``; ninja's own validation, authentication and 404 errors, and Django's refusals of a
malformed request (a multipart body without a boundary, too many fields), are mapped onto that tree here. What every
request must satisfy before an endpoint reads it (JSON bodies are objects, no NUL in any text) is in
``paritrana.api.inputs``.

An ``out_of_scope`` refusal never names a region the caller did not name itself: asked for a worker by id, the
answer says the worker lies outside the caller's scope, not in which desa (``_hide_foreign_region``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from paritrana.accounts.queries import user_for_token
from paritrana.api.inputs import ParitranaParser, refuse_nul_in_address, sent_strings
from paritrana.core.errors import (
    N_,
    BadRequest,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    OutOfScope,
    ParitranaError,
    PayloadTooLarge,
    PermissionDenied,
)

__all__ = ["api", "error_response"]


class BearerToken(HttpBearer):
    """``Authorization: Bearer prt_...`` with a token from ``paritrana users token``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class TokenHeader(APIKeyHeader):
    """``X-API-Key: prt_...``, for tools that cannot send a bearer header."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = user_for_token(key or "")
        if user is not None:
            request.user = user
        return user


class ParitranaAPI(NinjaAPI):
    """Declares, on every operation, the error answers every operation can give ({code, message, details}), so the
    document says what a client really receives (a schema-driven client or Schemathesis checks against it)."""

    ERRORS: ClassVar[dict[str, str]] = {
        "400": "Malformed request (bad_request)",
        "401": "Not logged in (not_authenticated)",
        "403": "Not allowed, or outside the region scope (forbidden, out_of_scope)",
        "404": "Not found (not_found)",
        "409": "The state does not allow it (conflict)",
        "413": "Too large (payload_too_large)",
        "422": "A value is wrong (invalid_input, out_of_range, not_in_force)",
    }

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message", "details"],
        }
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, text in self.ERRORS.items():
                    responses.setdefault(status, {"description": text, "content": body})
        return schema

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        # ninja calls this for every operation, after authentication and before it reads any parameter: the one
        # place to check what every operation receives, declared or not (path and query parameters).
        refuse_nul_in_address(request)
        return super().create_temporal_response(request)


api = ParitranaAPI(
    title="Paritrana API",
    version="1",
    description="Universal coverage of employment social security: regions, registry, sponsorship, indicators, "
    "award. Errors always answer {code, message, details}.",
    auth=[BearerToken(), TokenHeader(), django_auth],
    urls_namespace="api",
    parser=ParitranaParser(),
)


def error_response(request: HttpRequest, exc: ParitranaError) -> HttpResponse:
    if isinstance(exc, OutOfScope):
        exc = _hide_foreign_region(request, exc)
    return api.create_response(request, exc.as_body(gettext), status=exc.status)


def _hide_foreign_region(request: HttpRequest, exc: OutOfScope) -> OutOfScope:
    """The refusal without the region's code, unless the caller sent that code itself (``GET /regions/36.72``):
    the code of a worker's desa, a participant's region... outside the caller's scope is not theirs to learn."""
    region = exc.details.get("region")
    if not isinstance(region, str) or region in ("", "*") or region.strip() in sent_strings(request):
        return exc
    details = {k: v for k, v in exc.details.items() if k != "region"}
    message = OutOfScope.default_message if "{region}" in exc.message else exc.message
    return OutOfScope(message, **details)


@api.exception_handler(ParitranaError)
def _paritrana_error(request: HttpRequest, exc: ParitranaError) -> HttpResponse:
    return error_response(request, exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(e.get("loc", ())), "where": (e.get("loc") or ["body"])[0], "message": e.get("msg", "")}
        for e in exc.errors
    ]
    fields = ", ".join(e["field"] for e in errors)
    # A query string that does not parse is a malformed request (400); a body field with a wrong value is 422.
    if all(e["where"] in ("query", "path") for e in errors):
        err: ParitranaError = BadRequest(
            N_("Invalid query parameters: {fields}."), field=fields, fields=fields, errors=errors
        )
    else:
        err = InvalidInput(N_("Invalid values: {fields}."), field=fields, fields=fields, errors=errors)
    return error_response(request, err)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "payload", "name") -> "name"; ("query", "limit") -> "limit"."""
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, NotAuthenticated())


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return error_response(request, PermissionDenied(N_("Forbidden: {reason}"), reason=exc.message))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ParitranaError):  # refused by ParitranaParser while ninja read the body
        return error_response(request, exc.__cause__)
    if exc.status_code == 403:  # ninja's CSRF refusal for session-authenticated writes
        return error_response(request, PermissionDenied(N_("Forbidden: {reason}"), reason=str(exc)))
    if exc.status_code == 401:
        return error_response(request, NotAuthenticated())
    if "parse request body" in str(exc):
        return error_response(request, BadRequest(N_("The request body is not valid JSON.")))
    return error_response(request, BadRequest(N_("{reason}"), reason=str(exc)))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, NotFound())


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    from django.conf import settings

    return error_response(request, PayloadTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


@api.exception_handler(MultiPartParserError)
def _malformed_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """Django's parser refuses the body (no boundary, a bad Content-Length...): its HTML 400 page otherwise."""
    return error_response(
        request, BadRequest(N_("The multipart/form-data body could not be read: {reason}."), reason=str(exc))
    )


@api.exception_handler(TooManyFieldsSent)
def _too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return error_response(request, BadRequest(N_("The request has more than {limit} fields."), limit=limit))


@api.exception_handler(TooManyFilesSent)
def _too_many_files(request: HttpRequest, exc: TooManyFilesSent) -> HttpResponse:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    return error_response(request, BadRequest(N_("The request has more than {limit} files."), limit=limit))


def _register_routers() -> None:
    from paritrana.analytics.api import router as analytics_router
    from paritrana.api.system import router as system_router
    from paritrana.award.api import router as award_router
    from paritrana.calculator.api import router as calculator_router
    from paritrana.followup.api import router as followup_router
    from paritrana.regions.api import router as regions_router
    from paritrana.registry.api import router as registry_router
    from paritrana.sponsorship.api import router as sponsorship_router

    api.add_router("/", system_router)
    api.add_router("/regions", regions_router)
    api.add_router("/", calculator_router)
    api.add_router("/", registry_router)
    api.add_router("/", sponsorship_router)
    api.add_router("/", analytics_router)
    api.add_router("/", award_router)
    api.add_router("/", followup_router)


_register_routers()
