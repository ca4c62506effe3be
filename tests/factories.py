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
