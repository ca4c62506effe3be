from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lokal import parse_nik

from paritrana.accounts.choices import Role
from paritrana.accounts.models import RoleAssignment
from paritrana.demo.load import DEMO_USERS, load_demo
from paritrana.demo.people import make_nik, synthetic_people
from paritrana.sponsorship.models import Bill, Claim

BANTEN_DESA = ["36.03.01.2001", "36.03.02.2002", "36.72.01.1001", "36.74.05.1003"]


def test_synthetic_people_have_valid_niks_that_agree_with_birth_date_and_sex() -> None:
    people = synthetic_people(500, desa_codes=BANTEN_DESA, seed=7)
    assert len({p.nik for p in people}) == 500
    for p in people:
        info = parse_nik(p.nik, reference_date=date(2024, 1, 1))
        assert info.valid, (p.nik, info.errors)
        assert info.birth_date == p.birth_date.isoformat() and info.gender == p.sex
        assert info.district_code == p.desa_code.rsplit(".", 1)[0]


def test_the_same_seed_gives_the_same_people() -> None:
    assert synthetic_people(20, desa_codes=BANTEN_DESA, seed=1) == synthetic_people(20, desa_codes=BANTEN_DESA, seed=1)
    assert synthetic_people(20, desa_codes=BANTEN_DESA, seed=1) != synthetic_people(20, desa_codes=BANTEN_DESA, seed=2)


@given(st.dates(min_value=date(1940, 1, 1), max_value=date(2023, 12, 31)), st.sampled_from("LP"), st.integers(1, 9999))
def test_make_nik_round_trips_through_the_parser(birth: date, sex: str, seq: int) -> None:
    nik = make_nik(kecamatan_code="36.03.01", birth_date=birth, sex=sex, sequence=seq)
    info = parse_nik(nik, reference_date=date(2039, 12, 31))  # the two-digit year is read within 100 years
    assert info.valid and info.gender == sex and info.serial == f"{seq:04d}"
    assert info.birth_date is not None and info.birth_date[5:] == birth.isoformat()[5:]


@pytest.mark.django_db
def test_demo_gives_every_role_a_user_and_is_idempotent() -> None:
    first = load_demo()
    assert sorted(first["users_added"]) == sorted(u.username for u in DEMO_USERS)
    assert {a.role for a in RoleAssignment.objects.all()} >= set(Role.values)
    assert first["workers"]["created"] == 2000 and first["workers"]["rejected"] == 0
    assert first["sponsorship"]["programs"] == 5 and first["sponsorship"]["enrollments"] > 1_800
    assert Bill.objects.filter(status="pending").exists() and Claim.objects.count() == 2
    second = load_demo()
    assert second["users_added"] == [] and second["groups_added"] == 0
    assert second["workers"] == {"created": 0, "updated": 0, "unchanged": 2000, "rejected": 0}
    assert second["sponsorship"] == {"programs": 0, "enrollments": 0, "bills": 0}
    desa = RoleAssignment.objects.get(user__username="desa.operator").region_code
    assert desa.startswith("36.03.") and len(desa) == 13
