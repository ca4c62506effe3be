"""POST /quote and POST /benefits/{kind}: the same fields as ``paritrana quote`` and ``paritrana benefit``."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from paritrana import rules
from paritrana.core.permissions import require

router = Router(tags=["rules"])

Amount = int | str  # whole rupiah; strings of digits are accepted, fractions are refused by the rules engine


class QuoteIn(Schema):
    segment: str = Field(description="pu, bpu, jakon or pmi")
    date: date
    programs: list[str] | str = Field(description='e.g. ["jkk", "jkm"] or "jkk,jkm"')
    months: int = Field(1, ge=1, le=600)
    workers: int = Field(1, ge=1, le=100_000_000)
    income: Amount | None = Field(None, description="BPU declared monthly income")
    wage: Amount | None = Field(None, description="PU monthly wage")
    risk_group: int | None = Field(None, description="PU JKK risk group 1..5")
    contract_value: Amount | None = Field(None, description="Jasa konstruksi contract value before VAT")
    contract_months: int | None = Field(None, description="PMI contract length in months")
    payer: str = Field("worker", description="BPU: who pays, worker or sponsor")
    clamp: bool = Field(False, description="Clamp an out-of-range BPU income instead of refusing (said in notes)")


class BenefitIn(Schema):
    date: date
    wage: Amount | None = None
    percentage: float | None = Field(None, ge=0, le=100)
    function_percentage: float | None = Field(None, ge=0, le=100)
    total: bool | None = None
    children: list[Any] | None = None
    contribution_years: float | None = Field(None, ge=0)
    months_unemployed: int | None = Field(None, ge=0)
    income: Amount | None = None
    segment: str | None = None
    years: int | None = Field(None, ge=0, le=60)
    annual_return: float | None = None
    average_wage: Amount | None = None


def quote_params(payload: QuoteIn) -> dict[str, Any]:
    """The keyword arguments of ``rules.quote`` from the request (the CLI builds the same dict from its flags)."""
    data = payload.dict(exclude_none=True)
    programs = data.pop("programs")
    if isinstance(programs, str):
        programs = [p.strip() for p in programs.split(",") if p.strip()]
    on = data.pop("date")
    return {**data, "on": on, "programs": programs}


@router.post("/quote", summary="Price contributions (iuran) for a segment, date, programs, workers and months")
def post_quote(request: HttpRequest, payload: QuoteIn) -> dict[str, Any]:
    require(request.user, "regions.view")
    return rules.quote(**quote_params(payload)).as_dict()


@router.post("/benefits/{kind}", summary="Compute a benefit (manfaat): jkm, jkk-death, jkk-disability, beasiswa...")
def post_benefit(request: HttpRequest, kind: str, payload: BenefitIn) -> dict[str, Any]:
    require(request.user, "regions.view")
    params = payload.dict(exclude_none=True)
    return rules.benefit(kind, on=params.pop("date"), **params).as_dict()
