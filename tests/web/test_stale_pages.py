"""A page submitted after a colleague changed what it showed: refused with what changed, nothing overwritten;
the same submit twice is harmless. Zones and branch areas, indicator targets (page and API), and the rule itself."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from paritrana.analytics.actions import do_save_target
from paritrana.analytics.models import Target
from paritrana.core.errors import Conflict, InvalidInput
from paritrana.core.models import AuditEvent
from paritrana.core.stale import opened_at, refuse_if_changed
from paritrana.regions.actions import do_save_region_group
from paritrana.regions.models import RegionGroup
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found is not None, name
    return found.group(1)


def _members(group: RegionGroup) -> list[str]:
    return sorted(group.regions.values_list("code", flat=True))


def test_a_zone_edited_by_a_colleague_meanwhile_is_not_overwritten(admin_user: Any) -> None:
    group = do_save_region_group(kind="branch_area", name="KC Tangerang", region_codes=["36.03"], actor=admin_user)
    client = client_for(admin_user)
    page = client.get(f"/regions/groups/{group.pk}/").content.decode()
    shown = {"shown_name": _hidden(page, "shown_name"), "shown_codes": _hidden(page, "shown_codes")}
    assert shown == {"shown_name": "KC Tangerang", "shown_codes": "36.03"}
    # A colleague adds Kota Tangerang while this page is open.
    do_save_region_group(
        kind="branch_area", name="KC Tangerang", slug=group.slug, region_codes=["36.03", "36.71"], actor=admin_user
    )
    mine = {"kind": "branch_area", "name": "KC Tangerang", "region_codes": "36.03 36.72", **shown}
    refused = client.post(f"/regions/groups/{group.pk}/", mine)
    html = refused.content.decode()
    assert refused.status_code == 422
    assert "Wilayah sudah diubah menjadi 36.03, 36.71" in html and "menampilkan 36.03" in html
    assert _members(group) == ["36.03", "36.71"]  # the colleague's change stands
    # A fresh page shows it; the change is made again on purpose and saved.
    page = client.get(f"/regions/groups/{group.pk}/").content.decode()
    mine |= {"shown_name": _hidden(page, "shown_name"), "shown_codes": _hidden(page, "shown_codes")}
    assert client.post(f"/regions/groups/{group.pk}/", mine).status_code == 302
    assert _members(group) == ["36.03", "36.72"]
    # The same stale form sent again (a double submit) already holds what it asks: harmless, not refused.
    assert client.post(f"/regions/groups/{group.pk}/", mine).status_code == 302
    assert _members(group) == ["36.03", "36.72"]


def test_a_renamed_zone_is_named_in_the_refusal(admin_user: Any) -> None:
    # The page showed "Zona Barat Lama"; a colleague renamed it "Zona Barat" since.
    group = do_save_region_group(kind="award_zone", name="Zona Barat", region_codes=["36"], actor=admin_user)
    with pytest.raises(Conflict) as caught:
        do_save_region_group(
            kind="award_zone",
            name="Zona Barat Lama",
            slug=group.slug,
            region_codes=["36", "31"],
            actor=admin_user,
            expected={"name": "Zona Barat Lama", "region_codes": ["36"]},
        )
    assert caught.value.details["field"] == "name" and "Zona Barat Lama" in str(caught.value)
    group.refresh_from_db()
    assert _members(group) == ["36"] and group.name == "Zona Barat"


def test_a_new_zone_never_replaces_one_saved_under_the_same_name(admin_user: Any) -> None:
    do_save_region_group(kind="award_zone", name="Zona Barat", region_codes=["36"], actor=admin_user)
    client = client_for(admin_user)
    refused = client.post("/regions/groups/new/", {"kind": "award_zone", "name": "Zona Barat", "region_codes": "31"})
    assert (
        refused.status_code == 422
        and "Sudah ada yang bernama Zona Barat (zona penghargaan: 36)" in refused.content.decode()
    )
    assert _members(RegionGroup.objects.get(name="Zona Barat")) == ["36"]


def test_a_zone_deleted_meanwhile_is_not_made_again_by_the_api(admin_user: Any) -> None:
    client = client_for(admin_user)
    body = {"kind": "award_zone", "name": "Zona Timur", "region_codes": ["31"]}
    assert client.put("/api/v1/regions/groups", body, content_type="application/json").status_code == 200
    RegionGroup.objects.get(name="Zona Timur").delete()
    stale = {**body, "region_codes": ["31", "32"], "expected": {"name": "Zona Timur", "region_codes": ["31"]}}
    refused = client.put("/api/v1/regions/groups", stale, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert not RegionGroup.objects.filter(name="Zona Timur").exists()
    # Without ``expected`` the API still creates or replaces unconditionally, as documented.
    assert client.put("/api/v1/regions/groups", body, content_type="application/json").status_code == 200


def _target_form(page_opened: str, value: str, source: str = "RPJMD") -> dict[str, Any]:
    return {
        "action": "target",
        "target-indicator": "coverage_workforce",
        "target-year": 2026,
        "target-region_code": "",
        "target-value": value,
        "target-source": source,
        "target-opened": page_opened,
    }


def test_a_target_set_by_a_colleague_after_the_page_opened_is_not_replaced(admin_user: Any) -> None:
    client = client_for(admin_user)
    page = client.get("/indicators/reference/").content.decode()
    opened = _hidden(page, "target-opened")
    do_save_target(indicator="coverage_workforce", year=2026, value="35", source="RPJMN 2025-2029", actor=admin_user)
    refused = client.post("/indicators/reference/", _target_form(opened, "33"))
    html = refused.content.decode()
    assert refused.status_code == 422 and "ditetapkan menjadi 35.00 (sumber: RPJMN 2025-2029)" in html
    assert Target.objects.get().value == 35
    # The value already stored, sent from the stale page, is not a conflict; a fresh page may replace it.
    assert client.post("/indicators/reference/", _target_form(opened, "35", "RPJMN 2025-2029")).status_code == 302
    fresh = _hidden(client.get("/indicators/reference/").content.decode(), "target-opened")
    assert client.post("/indicators/reference/", _target_form(fresh, "33")).status_code == 302
    assert Target.objects.get().value == 33


def test_a_target_changed_since_is_not_removed_and_a_second_removal_is_harmless(admin_user: Any) -> None:
    target = do_save_target(indicator="coverage_workforce", year=2026, value="35", source="RPJMN", actor=admin_user)
    client = client_for(admin_user)
    page = client.get("/indicators/reference/").content.decode()
    opened = _hidden(page, "opened")
    do_save_target(indicator="coverage_workforce", year=2026, value="40", source="RPJMN", actor=admin_user)
    remove = {"action": "delete-target", "target": target.pk, "opened": opened, "confirmed": "1"}
    refused = client.post("/indicators/reference/", remove)
    assert refused.status_code == 422 and "40.00" in refused.content.decode()
    assert Target.objects.filter(pk=target.pk).exists()
    remove["opened"] = _hidden(client.get("/indicators/reference/").content.decode(), "opened")
    assert client.post("/indicators/reference/", remove).status_code == 302
    again = client.post("/indicators/reference/", remove, follow=True)
    assert "Target itu sudah dihapus." in again.content.decode() and not Target.objects.exists()
    assert AuditEvent.objects.filter(action="target.delete").count() == 1


def test_the_api_takes_unchanged_since_for_targets(admin_user: Any) -> None:
    client = client_for(admin_user)
    body = {"indicator": "coverage_workforce", "year": 2026, "value": 35, "source": "RPJMN"}
    first = client.put("/api/v1/indicators/targets", body, content_type="application/json").json()
    read_at = first["updated_at"]
    do_save_target(indicator="coverage_workforce", year=2026, value="40", source="RPJMN", actor=admin_user)
    stale = client.put(
        "/api/v1/indicators/targets", {**body, "unchanged_since": read_at}, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["details"]["field"] == "opened"
    gone = client.delete(f"/api/v1/indicators/targets/{first['id']}?unchanged_since={read_at.replace('+', '%2B')}")
    assert gone.status_code == 409 and Target.objects.get().value == 40
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    ok = client.put("/api/v1/indicators/targets", {**body, "unchanged_since": later}, content_type="application/json")
    assert ok.status_code == 200 and Target.objects.get().value == 35


def test_a_malformed_opening_time_is_named() -> None:
    for bad in ("kemarin", "2026-12-05T10:00:00"):  # not a moment; no time zone
        with pytest.raises(InvalidInput) as caught:
            opened_at(bad)
        assert caught.value.details["field"] == "opened"
    assert opened_at("") is None and opened_at(None) is None


@given(shown=st.integers(0, 3), now=st.integers(0, 3), asked=st.integers(0, 3))
def test_the_rule_refuses_exactly_a_change_the_page_did_not_show_and_does_not_ask_for(
    shown: int, now: int, asked: int
) -> None:
    try:
        refuse_if_changed("pagu", shown, now, asked=asked)
    except Conflict as refusal:
        assert shown != now and asked != now
        assert refusal.details == {"field": "pagu", "what": "pagu", "now": str(now), "shown": str(shown)}
    else:
        assert shown == now or asked == now
