"""A small, hand-counted set of coverage facts for Banten, and a fact store in a temporary folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from paritrana.analytics.store import FACT_SCHEMA

DEC_2024 = date(2024, 12, 1)
DEC_2023 = date(2023, 12, 1)


def fact(pid: str, month: date, desa: str, segment: str, funder: str, active: bool = True, **extra: Any) -> dict:
    parts = desa.split(".")
    return {
        "participant_id": pid,
        "month": month,
        "province": parts[0],
        "kabupaten": ".".join(parts[:2]),
        "kecamatan": ".".join(parts[:3]) if len(parts) > 2 else None,
        "desa": desa if len(parts) > 3 else None,
        "segment": segment,
        "funder": funder,
        "active": active,
        "vulnerable": extra.get("vulnerable", False),
        "premium_paid": extra.get("premium_paid", 0),
        "occupation": None,
        "origin": "test",
    }


def first_desa(kab: str, n: int = 0) -> str:
    from paritrana.regions.models import Region

    return list(
        Region.objects.filter(level=4, code__startswith=kab + ".").order_by("code").values_list("code", flat=True)
    )[n]


def sample_facts() -> pa.Table:
    """Kab. Tangerang (36.03), December 2024: 12 BPU funded by APBD (5 of them vulnerable), 2 BPU mandiri, 1 PU,
    all active in one desa, and 1 lapsed BPU (APBDes); December 2023: 10 active BPU (APBD). Kota Tangerang Selatan
    (36.74), December 2024: 3 active PU, known only at kabupaten level."""
    desa = first_desa("36.03")
    rows = [fact(f"p{i}", DEC_2024, desa, "bpu", "apbd", vulnerable=i <= 5, premium_paid=16_800) for i in range(1, 13)]
    rows += [fact(f"p{i}", DEC_2024, desa, "bpu", "mandiri", premium_paid=16_800) for i in (13, 14)]
    rows += [fact("p15", DEC_2024, desa, "pu", "employer"), fact("p16", DEC_2024, desa, "bpu", "apbdes", active=False)]
    rows += [fact(f"p{i}", DEC_2023, desa, "bpu", "apbd") for i in range(1, 11)]
    rows += [fact(f"s{i}", DEC_2024, "36.74", "pu", "employer") for i in range(1, 4)]
    return pa.Table.from_pylist(rows, schema=FACT_SCHEMA)


@pytest.fixture
def reference(db: Any) -> None:
    """Workforce for 2024 (36.03: 100 employed, 60 informal, 20 vulnerable; 36.74: 50 and 20; 36.01: 10 and 5)
    and coverage targets (national 10%, Kab. Tangerang 20%)."""
    from paritrana.analytics.models import Target, Workforce

    Workforce.objects.create(region_code="36.03", year=2024, employed=100, formal=40, informal=60, vulnerable=20)
    Workforce.objects.create(region_code="36.74", year=2024, employed=50, formal=30, informal=20)
    Workforce.objects.create(region_code="36.01", year=2024, employed=10, formal=5, informal=5)
    Target.objects.create(indicator="coverage_workforce", year=2024, region_code="", value=10, source="test")
    Target.objects.create(indicator="coverage_workforce", year=2024, region_code="36.03", value=20, source="test")


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The configured fact store: a DuckDB file in a temporary folder."""
    from paritrana.core.config import get_settings

    path = tmp_path / "analytics.duckdb"
    monkeypatch.setenv("PARITRANA_ANALYTICS_STORE", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def filled_store(store_path: Path, reference: None) -> Path:
    from paritrana.analytics.store import connect

    store = connect("duckdb", str(store_path))
    store.replace_origin("test", sample_facts())
    store.close()
    return store_path
