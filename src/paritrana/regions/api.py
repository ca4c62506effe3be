"""API of regions and region groups."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from paritrana.core.pagination import Page
from paritrana.core.permissions import require, require_national, scoped
from paritrana.regions import queries
from paritrana.regions.actions import do_save_region_group
from paritrana.regions.models import Region, RegionGroup

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    kind: str
    level: int
    parent: str | None = Field(None, alias="parent_id")


class RegionFilter(Schema):
    parent: str | None = Field(None, description="Only the direct children of this code (e.g. 36 for Banten).")
    level: int | None = Field(None, ge=1, le=4, description="1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa.")
    q: str | None = Field(None, max_length=100, description="Part of the name, case-insensitive.")


class GroupShown(Schema):
    name: str = Field(max_length=120)
    region_codes: list[str]


class GroupIn(Schema):
    kind: str = Field(description="award_zone or branch_area")
    name: str = Field(max_length=120)
    slug: str = Field("", max_length=50)
    region_codes: list[str]
    expected: GroupShown | None = Field(
        None,
        description="The name and regions as you last read them: when the group has changed since, or was deleted, "
        "the request is refused (409) and nothing is saved. Leave it out to create or replace unconditionally.",
    )


class GroupOut(Schema):
    kind: str
    slug: str
    name: str
    region_codes: list[str]


def _group_out(group: RegionGroup) -> GroupOut:
    return GroupOut(
        kind=group.kind, slug=group.slug, name=group.name, region_codes=sorted(r.code for r in group.regions.all())
    )


@router.get("", response=list[RegionOut], summary="Regions inside your scope")
@paginate(Page)
def list_regions(request: HttpRequest, filters: Query[RegionFilter]):
    qs = scoped(Region.objects.all(), request.user, "regions.view", field="code")
    if filters.parent:
        qs = qs.filter(parent=queries.get_region(filters.parent))
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    if not (filters.parent or filters.level or filters.q):
        qs = qs.filter(level=1) if require(request.user, "regions.view").national else qs.order_by("level", "code")
    return qs.order_by("code")


@router.get("/groups", response=list[GroupOut], summary="Award zones and BPJS branch-office areas")
def list_groups(request: HttpRequest, kind: str | None = None) -> list[GroupOut]:
    require(request.user, "regions.view")
    qs = RegionGroup.objects.prefetch_related("regions")
    if kind:
        qs = qs.filter(kind=kind)
    return [_group_out(g) for g in qs]


@router.put("/groups", response=GroupOut, summary="Create or replace an award zone or branch area (admin)")
def put_group(request: HttpRequest, payload: GroupIn) -> GroupOut:
    require_national(request.user, "regions.manage")
    group = do_save_region_group(
        kind=payload.kind,
        name=payload.name,
        slug=payload.slug,
        region_codes=payload.region_codes,
        actor=request.user,
        expected=payload.expected.model_dump() if payload.expected else None,
    )
    return _group_out(group)


class CandidateOut(Schema):
    code: str
    name: str


class ResolutionOut(Schema):
    code: str = Field(description="The code asked about, dotted.")
    status: str = Field(description="unchanged, renamed-code, split, unresolvable or unknown.")
    message: str = Field(description="What became of the code, in the language of the request.")
    name: str = Field(description="Its 2025 name (unchanged) or its name in the last list that had it.")
    new_code: str | None = Field(description="The 2025 code it became: itself when unchanged, none when split.")
    candidates: list[CandidateOut] = Field(description="2025 codes: the successor, the parts, or similar names.")
    last_seen: int | None = Field(description="The last list (year) that has the code.")
    last_seen_list: str | None
    changed_in: int | None = Field(description="The first list (year) without it.")
    changed_in_list: str | None
    how: str = Field(description="How the successor was found (name within the parent, ...).")
    source: str


@router.get(
    "/resolve/{code}",
    response=ResolutionOut,
    summary="What became of a region code of an earlier Kemendagri list (2016-2023) in the 2025 list",
)
def resolve_region(request: HttpRequest, code: str) -> dict[str, object]:
    require(request.user, "regions.view")
    resolution = queries.resolve_code(code)
    return {**resolution.as_dict(), "message": queries.resolution_text(resolution)}


@router.get("/{code}", response=RegionOut, summary="One region")
def get_region(request: HttpRequest, code: str) -> Region:
    region = queries.get_region(code)
    require(request.user, "regions.view", region_code=region.code)
    return region


@router.get("/{code}/children", response=list[RegionOut], summary="Direct children of a region")
@paginate(Page)
def region_children(request: HttpRequest, code: str):
    region = queries.get_region(code)
    require(request.user, "regions.view", region_code=region.code)
    return Region.objects.filter(parent=region).order_by("code")
