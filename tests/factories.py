"""Builders for tests. They go through the same actions the app uses, so the audit log fills as it would."""

from __future__ import annotations

from typing import Any

from paritrana.accounts.actions import do_create_user
from paritrana.accounts.choices import Role
from paritrana.regions.actions import do_load_regions, kemendagri_regions

PASSWORD = "correct-horse-battery-9"

#: Regions loaded for the suite: every province and kabupaten/kota, and all of Banten down to the desa.
TEST_PROVINCE = "36"


def load_test_regions() -> dict[str, int]:
    rows = [r for r in kemendagri_regions() if r[3] <= 2 or r[0].startswith(TEST_PROVINCE + ".")]
    return do_load_regions(actor=None, rows=rows)


def make_user(username: str, role: Role | str | None = None, *regions: str, password: str = PASSWORD) -> Any:
    roles = [(str(role), code) for code in regions or ("",)] if role is not None else []
    return do_create_user(
        username=username, password=password, full_name=username.title(), roles=roles, actor=None, check_password=False
    )


_NIK_SEQ = iter(range(1, 10_000_000))


def make_worker(desa_code: str, **fields: Any) -> Any:
    """A worker written straight to the registry (the import pipeline has its own tests); NIKs are unique."""
    from datetime import date

    from paritrana.registry.models import Worker

    n = next(_NIK_SEQ)
    values: dict[str, Any] = {
        "nik": f"{desa_code.replace('.', '')[:6]}0101{90 + n // 10000 % 10:02d}{n % 10000:04d}"[:16].ljust(16, "0"),
        "name": f"Pekerja {n}",
        "birth_date": date(1990, 1, 1),
        "sex": "L",
        "desa_code": desa_code,
        "occupation": "petani_pekebun",
        "poverty_decile": 2,
    }
    values.update(fields)
    return Worker.objects.create(**values)


def make_program(sponsor_region: str = "36.03", *, kind: str = "apbd_kabkota", **fields: Any) -> Any:
    """An active program of a new sponsor, through the actions (audited as the system)."""
    from paritrana.core.permissions import SYSTEM
    from paritrana.sponsorship.actions import do_advance_program, do_create_program, do_create_sponsor

    sponsor = do_create_sponsor(actor=SYSTEM, name=f"Pemda {sponsor_region}", kind=kind, region_code=sponsor_region)
    values: dict[str, Any] = {"name": "Perlindungan pekerja rentan", "fiscal_year": 2024, "pagu": 10_000_000}
    values.update(fields)
    status = values.pop("status", "active")
    program = do_create_program(actor=SYSTEM, sponsor=sponsor, **values)
    for step in ("approved", "active", "closed"):
        if program.status == status:
            break
        program = do_advance_program(actor=SYSTEM, program=program, to=step)
    return program
