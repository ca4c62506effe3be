"""``paritrana demo``: regions, award zones, BPJS branch areas of Banten and a user for every role. Idempotent:
running it again adds what is missing and never overwrites or deletes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from paritrana.accounts.actions import do_create_user
from paritrana.accounts.choices import Role
from paritrana.regions.actions import do_load_regions, do_save_region_group
from paritrana.regions.models import Region, RegionGroup

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "load_demo"]

DEMO_PASSWORD = "paritrana-demo"  # noqa: S105 - the published password of the demo accounts, never a real one


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    regions: tuple[str, ...]


# Kab. Tangerang 36.03, Kota Tangerang 36.71, Kota Tangerang Selatan 36.74, Kota Cilegon 36.72; Banten is 36.
DEMO_USERS = [
    DemoUser("admin", "Admin Sistem", Role.SYSTEM_ADMIN, ("",)),
    DemoUser("komite", "Komite Paritrana", Role.AWARD_COMMITTEE, ("",)),
    DemoUser("disnaker.banten", "Operator Disnakertrans Banten", Role.REGIONAL_OPERATOR, ("36",)),
    DemoUser("disnaker.kabtangerang", "Operator Disnaker Kab. Tangerang", Role.REGIONAL_OPERATOR, ("36.03",)),
    DemoUser("disnaker.cilegon", "Operator Disnaker Kota Cilegon", Role.REGIONAL_OPERATOR, ("36.72",)),
    DemoUser("desa.operator", "Operator Desa", Role.VILLAGE_OPERATOR, ()),  # the first desa of Kab. Tangerang
    DemoUser("bpjs.tangerang", "Petugas BPJS Tangerang Raya", Role.BPJS_OFFICER, ("36.03", "36.71", "36.74")),
    DemoUser("juri.banten", "Juri Tim 9 Banten", Role.JURY, ("36",)),
    DemoUser("pemantau", "Pemantau", Role.VIEWER, ("36",)),
]

# An example, not an official list: the award has named "Zona Sumatera", "Zona Jawa-Bali" and
# "Zona Nusa Tenggara, Maluku, Papua"; the others follow the island groups of the province codes.
DEMO_ZONES = {
    "Zona Sumatera": ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21"],
    "Zona Jawa-Bali": ["31", "32", "33", "34", "35", "36", "51"],
    "Zona Kalimantan": ["61", "62", "63", "64", "65"],
    "Zona Sulawesi": ["71", "72", "73", "74", "75", "76"],
    "Zona Nusa Tenggara, Maluku, Papua": ["52", "53", "81", "82", "91", "92", "93", "94", "95", "96"],
}
DEMO_BRANCH_AREAS = {
    "Kantor Cabang Tangerang Raya (contoh)": ["36.03", "36.71", "36.74"],
    "Kantor Cabang Serang (contoh)": ["36.04", "36.73"],
    "Kantor Cabang Cilegon (contoh)": ["36.72"],
    "Kantor Cabang Rangkasbitung (contoh)": ["36.01", "36.02"],
}


def first_desa(kabupaten: str = "36.03") -> str:
    return (
        Region.objects.filter(code__startswith=kabupaten + ".", level=4, kind="desa")
        .order_by("code")
        .values_list("code", flat=True)
        .first()
        or kabupaten
    )


DEMO_WORKERS = 2000


def demo_worker_list(count: int = DEMO_WORKERS) -> bytes:
    """A CSV of synthetic workers of Kabupaten Tangerang, as a Disnaker would upload it."""
    import csv
    import io
    import random

    from paritrana.demo.people import synthetic_people
    from paritrana.registry.vocab import OCCUPATIONS

    desa = list(Region.objects.filter(code__startswith="36.03.", level=4).values_list("code", flat=True))
    rng = random.Random(7)  # noqa: S311 - repeatable synthetic data
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(["NIK", "Nama Lengkap", "Tgl Lahir", "JK", "Kode Desa", "Pekerjaan", "No HP", "Desil"])
    for p in synthetic_people(count, desa_codes=desa, seed=2024):
        writer.writerow(
            [
                p.nik,
                p.name,
                p.birth_date.strftime("%d/%m/%Y"),
                p.sex,
                p.desa_code.replace(".", ""),
                rng.choice(OCCUPATIONS[:-1]).replace("_", " "),
                p.phone,
                rng.randint(1, 5),
            ]
        )
    return buf.getvalue().encode("utf-8")


def load_workers(*, actor: Any) -> dict[str, Any]:
    from paritrana.core.permissions import SYSTEM
    from paritrana.registry.actions import do_import_workers

    return do_import_workers(
        source=demo_worker_list(), filename="demo-kab-tangerang.csv", actor=actor or SYSTEM, mode="valid-only"
    ).summary


@transaction.atomic
def load_demo(*, actor: Any = None) -> dict[str, Any]:
    """Load the demo; returns what was added."""
    regions = do_load_regions(actor=actor)
    zones = 0
    for name, codes in DEMO_ZONES.items():
        if not RegionGroup.objects.filter(kind="award_zone", name=name).exists():
            do_save_region_group(kind="award_zone", name=name, region_codes=codes, actor=actor)
            zones += 1
    for name, codes in DEMO_BRANCH_AREAS.items():
        if not RegionGroup.objects.filter(kind="branch_area", name=name).exists():
            do_save_region_group(kind="branch_area", name=name, region_codes=codes, actor=actor)
            zones += 1
    User = get_user_model()
    users = []
    for demo in DEMO_USERS:
        if User.objects.filter(username=demo.username).exists():
            continue
        roles = [(demo.role.value, code) for code in demo.regions or (first_desa(),)]
        do_create_user(
            username=demo.username,
            password=DEMO_PASSWORD,
            full_name=demo.full_name,
            roles=roles,
            actor=actor,
            check_password=False,
        )
        users.append(demo.username)
    workers = load_workers(actor=actor)
    from paritrana.demo.sponsorship import load_sponsorship

    sponsorship = load_sponsorship(actor=actor)
    from paritrana.demo.analytics import load_analytics

    analytics = load_analytics(actor=actor)
    from paritrana.analytics.boundaries import do_load_packaged_boundaries

    # the map draws out of the box; an uploaded file loaded before is kept
    analytics["boundaries"] = {k: v["status"] for k, v in do_load_packaged_boundaries(actor=actor).items()}
    from paritrana.demo.award import load_award

    award = load_award(actor=actor)
    from paritrana.demo.followup import load_followup

    followup = load_followup(actor=actor)
    return {
        "followup": followup,
        "award": award,
        "sponsorship": sponsorship,
        "analytics": analytics,
        "regions": regions,
        "groups_added": zones,
        "users_added": users,
        "workers": {k: workers[k] for k in ("created", "updated", "unchanged", "rejected")},
    }
