"""What every API request must satisfy before any endpoint reads it, checked once for all of them.

- A JSON body is a JSON **object**: every body the API takes is one. An array or a string would otherwise be read as
  an object with no fields, that is, with every default (``POST /workers/search`` with ``[]`` listed every worker).
  The body must be strict JSON (no ``NaN``/``Infinity``).
- No text may hold a NUL character (``\\u0000``): PostgreSQL cannot store or compare one (a 500 there, while SQLite
  accepted it). Path and query parameters, form fields, file names and every string of a JSON body (keys included)
  are refused with the field named: 400 ``bad_request`` in the address, 422 ``invalid_input`` in the body, as the
  other validation errors of ``paritrana.api.main``.

``ParitranaParser`` is the parser of the API (ninja reads query strings, forms, files and bodies through it);
``refuse_nul_in_address`` runs before the parameters of every operation are read (``ParitranaAPI``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, RawPostDataException
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from paritrana.core.errors import N_, BadRequest, InvalidInput

__all__ = ["ParitranaParser", "refuse_nul_in_address", "sent_strings"]

NUL = "\x00"
NUL_MESSAGE = N_("The value of {field} contains a NUL character (\\u0000); remove it.")

_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def _strict_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class ParitranaParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        # An error here becomes ninja's HttpError(400) with this error as its cause: main.py renders the cause.
        data = json.loads(request.body, parse_constant=_strict_constant)
        if not isinstance(data, dict):
            raise BadRequest(
                N_("The request body must be a JSON object; got a JSON {kind}."),
                field="body",
                kind=_JSON_KINDS.get(type(data), type(data).__name__),
            )
        where = _nul_in(data)
        if where is not None:
            raise InvalidInput(NUL_MESSAGE, field=where)
        return data

    def parse_querydict(self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest) -> Any:
        # Called for the query string (also checked by refuse_nul_in_address), form fields and uploaded files.
        for key, values in data.lists():
            for value in values:
                text = value if isinstance(value, str) else getattr(value, "name", "") or ""
                if NUL in text:
                    error = BadRequest if data is request.GET else InvalidInput
                    raise error(NUL_MESSAGE, field=key)
        return super().parse_querydict(data, list_fields, request)


def refuse_nul_in_address(request: HttpRequest) -> None:
    """Refuse a NUL in a path or query parameter (400, naming it), whether or not the operation declares it."""
    match = request.resolver_match
    path_params = match.kwargs if match is not None else {}
    for key, value in path_params.items():
        if isinstance(value, str) and NUL in value:
            raise BadRequest(NUL_MESSAGE, field=key)
    for key, values in request.GET.lists():
        if any(NUL in v for v in values):
            raise BadRequest(NUL_MESSAGE, field=key)


def sent_strings(request: HttpRequest) -> set[str]:
    """Every text the caller sent: path and query parameters, form fields and the strings of a JSON body."""
    found: set[str] = set()
    match = request.resolver_match
    if match is not None:
        found.update(str(v) for v in match.kwargs.values())
    for _key, values in request.GET.lists():
        found.update(values)
    content_type = request.content_type or ""
    try:
        if content_type == "application/json" and request.body:
            found.update(_strings(json.loads(request.body)))
        elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for _key, values in request.POST.lists():
                found.update(values)
    except (ValueError, RecursionError, SuspiciousOperation, MultiPartParserError, RawPostDataException):
        pass  # a body that could not be read (the refusal being answered may be about it) named nothing
    return {s.strip() for s in found}


def _nul_in(value: Any, path: tuple[str, ...] = ()) -> str | None:
    """The dotted path of the first string holding a NUL (``items.2.name``; ``body`` for the body itself)."""
    if isinstance(value, str):
        return (".".join(path) or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return ".".join(path) or "body"
            where = _nul_in(item, (*path, key))
            if where is not None:
                return where
    elif isinstance(value, list):
        for index, item in enumerate(value):
            where = _nul_in(item, (*path, str(index)))
            if where is not None:
                return where
    return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
