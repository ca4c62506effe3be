"""The page of denominators and targets: read in scope, changed by managers, bad files refused whole."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from paritrana.analytics.models import Target, Workforce
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_an_operator_imports_its_workforce_and_sets_its_target(db: Any) -> None:
    client = client_for(make_user("op.ref", "regional_operator", "36.03"))
    upload = SimpleUploadedFile("w.csv", b"region_code,year,employed,formal,informal\n3603,2024,1600,880,720\n")
    response = client.post("/indicators/reference/", {"action": "workforce", "wf-file": upload})
    assert response.status_code == 302 and Workforce.objects.get().employed == 1600
    page = client.get("/indicators/reference/")
    assert "Kabupaten Tangerang" in page.content.decode() and "1,600" in page.content.decode().replace(".", ",")
    saved = client.post(
        "/indicators/reference/",
        {
            "action": "target",
            "target-indicator": "coverage_workforce",
            "target-year": 2025,
            "target-region_code": "3603",
            "target-value": "40",
            "target-source": "RPJMD 2025-2029",
        },
    )
    assert saved.status_code == 302 and Target.objects.get().region_code == "36.03"
    national = client.post(
        "/indicators/reference/",
        {
            "action": "target",
            "target-indicator": "coverage_workforce",
            "target-year": 2025,
            "target-region_code": "",
            "target-value": "32.15",
            "target-source": "RPJMN",
        },
    )
    assert national.status_code == 403  # the national target is not a kabupaten's to set
    assert Target.objects.count() == 1


def test_a_bad_workforce_file_is_shown_and_writes_nothing(db: Any) -> None:
    client = client_for(make_user("admin.ref", "system_admin"))
    upload = SimpleUploadedFile(
        "w.csv", b"region_code,year,employed,formal,informal\n3603,2024,10,5,5\n9999,2024,1,1,0\n"
    )
    response = client.post("/indicators/reference/", {"action": "workforce", "wf-file": upload})
    assert response.status_code == 422 and "9999" in response.content.decode()  # the offending value, named
    assert Workforce.objects.count() == 0


def test_viewers_read_but_cannot_change(db: Any) -> None:
    client = client_for(make_user("view.ref", "viewer", "36.03"))
    page = client.get("/indicators/reference/")
    assert page.status_code == 200 and 'data-testid="target-form"' not in page.content.decode()
    refused = client.post(
        "/indicators/reference/",
        {
            "action": "target",
            "target-indicator": "coverage_workforce",
            "target-year": 2025,
            "target-region_code": "3603",
            "target-value": "40",
            "target-source": "x",
        },
    )
    assert refused.status_code == 403 and Target.objects.count() == 0
