"""The quote's fields as every door (command line, API, web page) hands them to ``rules.quote``: one place that reads
the occupation the way an import does and names the accepted values when a word is unknown."""

from __future__ import annotations

from typing import Any

from paritrana.core.errors import N_, InvalidInput
from paritrana.registry.vocab import OCCUPATIONS, occupation_of

QUOTE_FIELDS = (
    "segment",
    "on",
    "programs",
    "months",
    "workers",
    "income",
    "wage",
    "risk_group",
    "contract_value",
    "contract_months",
    "payer",
    "funder",
    "occupation",
    "industry",
    "employer_size",
    "paid_on",
    "clamp",
)


def occupation_code(value: Any) -> str | None:
    """A registry occupation code from a code or the words an import accepts ("ojol", "Sopir angkot")."""
    if value is None or str(value).strip() == "":
        return None
    code = occupation_of(str(value))
    if code is None:
        raise InvalidInput(
            N_("Unknown {field} {value}; use one of {valid}."),
            field="occupation",
            value=value,
            valid=", ".join(OCCUPATIONS),
        )
    return code


def quote_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``rules.quote`` from a door's fields (empty values dropped, programs split)."""
    # Empty optional fields are dropped; the segment and the date always reach the engine, which names them if wrong.
    params = {k: v for k, v in raw.items() if k in QUOTE_FIELDS and (k in ("segment", "on") or v not in (None, "", []))}
    programs = params.get("programs")
    if isinstance(programs, str):
        params["programs"] = [p.strip() for p in programs.split(",") if p.strip()]
    if "occupation" in params:
        params["occupation"] = occupation_code(params["occupation"])
    return params
