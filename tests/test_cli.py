"""The ``paritrana`` command line, in process, against the test database."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User

from paritrana.accounts.models import RoleAssignment
from paritrana.cli import main
from paritrana.core.models import AuditEvent


@pytest.mark.django_db
def test_regions_of_banten_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "--parent", "36", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 8 and rows[0] == {"code": "36.01", "name": "Kabupaten Pandeglang", "kind": "kabupaten"}
    assert {r["kind"] for r in rows} == {"kabupaten", "kota"}


@pytest.mark.django_db
def test_regions_table_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "--parent", "3603"]) == 0
    assert "Balaraja" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "code"), [(["--parent", "99"], "not_found"), (["--parent", "3x"], "bad_request")])
def test_unknown_or_malformed_parent_exits_2_with_the_error_body(
    args: list[str], code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["regions", *args, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["code"] == code


@pytest.mark.django_db
def test_users_create_grant_and_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "users",
                "create",
                "rina",
                "--password",
                "a-long-enough-pass-99",
                "--role",
                "village_operator",
                "--region",
                "36.03.01.2003",
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert RoleAssignment.objects.filter(user__username="rina", region_code="36.03.01.2003").exists()
    assert main(["users", "grant", "rina", "--role", "viewer", "--region", "36.03", "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["users", "token", "rina", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["token"].startswith("prt_")
    assert main(["users", "list", "--format", "json"]) == 0
    listed = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert "village_operator@36.03.01.2003" in listed["rina"]["roles"]
    assert AuditEvent.objects.filter(action="token.create").exists()


@pytest.mark.django_db
def test_weak_password_and_unknown_region_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "create", "weak", "--password", "123", "--format", "json"]) == 2
    err = json.loads(capsys.readouterr().err)
    assert err["details"]["field"] == "password" and "Kata sandi terlalu lemah" in err["message"]
    assert (
        main(
            [
                "users",
                "create",
                "nowhere",
                "--password",
                "a-long-enough-pass-99",
                "--role",
                "viewer",
                "--region",
                "98.01",
            ]
        )
        == 2
    )
    assert "98.01" in capsys.readouterr().err
    assert not User.objects.filter(username="nowhere").exists()  # nothing half-written


@pytest.mark.django_db
def test_audit_export_as_csv(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "audit.csv"
    assert main(["users", "create", "eko", "--password", "a-long-enough-pass-99"]) == 0
    assert main(["audit", "--format", "csv", "--output", str(out)]) == 0
    assert "user.create" in out.read_text(encoding="utf-8-sig")
