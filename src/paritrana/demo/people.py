"""Synthetic people with structurally valid NIKs: names from Faker (id_ID), everything seeded and repeatable.

No real person is described: names are drawn at random, NIK sequences start at 9000 so that they are unlikely to
collide with issued numbers, and the kecamatan code is the one of the person's desa.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

__all__ = ["SyntheticPerson", "make_nik", "synthetic_people"]


@dataclass(frozen=True)
class SyntheticPerson:
    nik: str
    name: str
    birth_date: date
    sex: str  # "L" laki-laki, "P" perempuan
    desa_code: str
    phone: str


def make_nik(*, kecamatan_code: str, birth_date: date, sex: str, sequence: int) -> str:
    """PP KK CC DDMMYY NNNN; women's day of birth + 40 (UU 23/2006 as amended by UU 24/2013)."""
    pp, kk, cc = kecamatan_code.split(".")[:3]
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{pp}{kk}{cc}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{sequence:04d}"


def synthetic_people(
    count: int, *, desa_codes: Sequence[str], seed: int = 2024, reference: date = date(2024, 1, 1)
) -> list[SyntheticPerson]:
    """``count`` people living in the given desa, aged 18 to 64 on ``reference``; one seed, the same people."""
    rng = random.Random(seed)  # noqa: S311 - repeatable synthetic data, not a secret
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    people = []
    used: set[str] = set()
    for _ in range(count):
        sex = rng.choice("LP")
        name = fake.name_male() if sex == "L" else fake.name_female()
        birth = reference - timedelta(days=rng.randint(18 * 366, 64 * 365))
        desa = rng.choice(desa_codes)
        sequence = 9000 + rng.randint(0, 999)
        nik = make_nik(kecamatan_code=desa, birth_date=birth, sex=sex, sequence=sequence)
        while nik in used:
            sequence = sequence + 1 if sequence < 9999 else 9000
            nik = make_nik(kecamatan_code=desa, birth_date=birth, sex=sex, sequence=sequence)
        used.add(nik)
        phone = "08" + "".join(str(rng.randint(0, 9)) for _ in range(10))
        people.append(SyntheticPerson(nik=nik, name=name, birth_date=birth, sex=sex, desa_code=desa, phone=phone))
    return people
