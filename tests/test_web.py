"""Web pages: login throttling, language, Indonesian formats, region pages, zone editing."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from paritrana.core.models import AuditEvent
from paritrana.regions.models import RegionGroup
from tests.conftest import client_for
from tests.factories import PASSWORD, make_user


@pytest.mark.django_db
def test_login_then_the_dashboard_shows_only_the_users_regions(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post("/login/", {"username": "op.kabtangerang", "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "Kabupaten Tangerang" in html
    assert "Kota Cilegon" not in html and "Kabupaten Serang" not in html


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures(kab_operator, settings) -> None:  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/login/", {"username": "op.kabtangerang", "password": "wrong"}).status_code == 200
    assert client.post("/login/", {"username": "op.kabtangerang", "password": "wrong"}).status_code == 429
    locked = client.post("/login/", {"username": "op.kabtangerang", "password": PASSWORD})
    assert locked.status_code == 429
    assert "/" not in locked.get("Location", "")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_pages_speak_indonesian_by_default_and_english_on_request(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    assert "Dasbor" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/").content.decode()


def test_rupiah_and_dates_in_indonesian_format() -> None:
    import datetime

    with translation.override("id"):
        html = Template('{% load paritrana %}{{ 16800|rupiah }} {{ 23385600000|rupiah }} {{ d|date:"j F Y" }}').render(
            Context({"d": datetime.date(2024, 8, 17)})
        )
    assert html == "Rp16.800 Rp23.385.600.000 17 Agustus 2024"


@pytest.mark.django_db
def test_region_page_lists_children_and_filters_them_with_htmx(kab_operator) -> None:  # type: ignore[no-untyped-def]
    client = client_for(kab_operator)
    page = client.get("/regions/36.03/").content.decode()
    assert "Balaraja" in page and "Kabupaten Tangerang" in page
    partial = client.get("/regions/36.03/?q=bala", headers={"HX-Request": "true"}).content.decode()
    assert "Balaraja" in partial and "<html" not in partial and "Cikupa" not in partial


@pytest.mark.django_db
def test_out_of_scope_region_page_is_refused_with_a_message(kab_operator) -> None:  # type: ignore[no-untyped-def]
    response = client_for(kab_operator).get("/regions/36.72/")
    assert response.status_code == 403
    assert "Kota Cilegon" not in response.content.decode()


@pytest.mark.django_db
def test_admin_edits_a_branch_area_and_errors_name_the_codes(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin_user)
    bad = client.post("/regions/groups/new/", {"kind": "branch_area", "name": "KC Uji", "region_codes": "36 36.99"})
    assert bad.status_code == 422 and "36.99" in bad.content.decode()
    assert not RegionGroup.objects.filter(name="KC Uji").exists()
    ok = client.post("/regions/groups/new/", {"kind": "branch_area", "name": "KC Uji", "region_codes": "36.03, 3671"})
    assert ok.status_code == 302
    group = RegionGroup.objects.get(name="KC Uji")
    assert sorted(group.regions.values_list("code", flat=True)) == ["36.03", "36.71"]
    assert AuditEvent.objects.filter(action="region_group.save", actor_name=admin_user.username).exists()


@pytest.mark.django_db
def test_audit_page_filters_and_exports(admin_user) -> None:  # type: ignore[no-untyped-def]
    make_user("ani", "viewer", "36")
    client = client_for(admin_user)
    page = client.get("/audit/?action=role.").content.decode()
    assert "role.assign" in page and "user.create" not in page
    xlsx = client.get("/audit/export.xlsx?action=role.")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/audit/?since=not-a-date").status_code == 400


@pytest.mark.django_db
def test_health_endpoint(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/healthz").json()
    assert {k: body[k] for k in ("status", "database")} == {"status": "ok", "database": "ok"}
    assert body["rules"]["book"] and body["rules"]["site_file"] == "absent"
    assert isinstance(body["rules"]["warnings"], list)
    assert "replica" not in body  # no read replica configured: nothing to report
