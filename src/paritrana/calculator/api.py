"""POST /quote and POST /benefits/{kind}: the same fields as ``paritrana quote`` and ``paritrana benefit``."""

import datetime
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from paritrana import rules
from paritrana.calculator import params, queries
from paritrana.core.dates import today
from paritrana.core.permissions import require

router = Router(tags=["rules"])

Amount = int | str  # whole rupiah; strings of digits are accepted, fractions are refused by the rules engine


class QuoteIn(Schema):
    segment: str = Field(description="pu, bpu, jakon or pmi")
    date: date
    programs: list[str] | str | None = Field(
        None, description='e.g. ["jkk", "jkm"] or "jkk,jkm"; PU with employer_size: its mandatory set'
    )
    months: int = Field(1, ge=1, le=600)
    workers: int = Field(1, ge=1, le=100_000_000)
    income: Amount | None = Field(None, description="BPU declared monthly income")
    wage: Amount | None = Field(None, description="PU monthly wage")
    risk_group: int | None = Field(None, description="PU JKK risk group 1..5")
    contract_value: Amount | None = Field(None, description="Jasa konstruksi contract value before VAT")
    contract_months: int | None = Field(None, description="PMI contract length in months")
    payer: str = Field("worker", description="BPU: who pays, worker or sponsor")
    clamp: bool = Field(False, description="Clamp an out-of-range BPU income instead of refusing (said in notes)")
    funder: str | None = Field(None, description="Who funds it: apbd, apbdes, apbn, csr, mandiri, other")
    occupation: str | None = Field(None, description="Registry occupation code or a word an import accepts")
    industry: str | None = Field(None, description="PU: industry named by a discount (PP 7/2025)")
    employer_size: str | None = Field(None, description="PU: mikro, kecil, menengah or besar")
    paid_on: datetime.date | None = Field(None, description="PU: day paid, for the late-payment charge")


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
    months_unable: int | None = Field(None, ge=1, description="jkk-stmb: months unable to work")
    land_cost: Amount | None = Field(None, description="jkk-transport: cost by land, river or lake")
    sea_cost: Amount | None = Field(None, description="jkk-transport: cost by sea")
    air_cost: Amount | None = Field(None, description="jkk-transport: cost by air")
    home_care_cost: Amount | None = Field(None, description="jkk-home-care: cost of home care")
    home_care_months: int | None = Field(None, ge=1, description="jkk-home-care: months of home care")


def quote_params(payload: QuoteIn) -> dict[str, Any]:
    """The keyword arguments of ``rules.quote`` from the request (the CLI builds the same dict from its flags)."""
    data = payload.dict(exclude_none=True)
    data["on"] = data.pop("date")
    return params.quote_params(data)


@router.post("/quote", summary="Price contributions (iuran) for a segment, date, programs, workers and months")
def post_quote(request: HttpRequest, payload: QuoteIn) -> dict[str, Any]:
    require(request.user, "regions.view")
    return rules.quote(**quote_params(payload)).as_dict()


@router.post("/benefits/{kind}", summary="Compute a benefit (manfaat): jkm, jkk-death, jkk-disability, beasiswa...")
def post_benefit(request: HttpRequest, kind: str, payload: BenefitIn) -> dict[str, Any]:
    require(request.user, "regions.view")
    params = payload.dict(exclude_none=True)
    return rules.benefit(kind, on=params.pop("date"), **params).as_dict()


class DiffQuery(Schema):
    start: date = Field(alias="from", description="first date, YYYY-MM-DD")
    end: date = Field(alias="to", description="second date, YYYY-MM-DD")


@router.get(
    "/rules", auth=None, summary="The rule book in force: every figure with dates, regulation and status (public)"
)
def get_rules(request: HttpRequest, on: date | None = None) -> dict[str, Any]:
    return queries.rulebook_summary(on or today())


@router.get("/rules/diff", auth=None, summary="What changed in the rule book between two dates (public)")
def get_rules_diff(request: HttpRequest, dates: Query[DiffQuery]) -> dict[str, Any]:
    return {
        "from": dates.start.isoformat(),
        "to": dates.end.isoformat(),
        "changes": queries.rulebook_diff(dates.start, dates.end),
    }
