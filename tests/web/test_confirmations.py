"""A second step before every irreversible web action (``core.views.confirm_first``), and a message after a write.

For each irreversible action: the first POST writes nothing (rows and audit log counted before and after) and
answers a page whose form repeats every posted field with ``confirmed=1``; posting that form does it. A refusal is
not confirmed (it is answered at once), and the confirmation page has no address of its own."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from paritrana.award import actions as award_actions
from paritrana.award.models import Category
from paritrana.core.models import AuditEvent
from paritrana.core.permissions import SYSTEM
from paritrana.regions.actions import do_save_region_group
from paritrana.regions.models import RegionGroup
from paritrana.registry.models import ImportJob, Worker
from paritrana.sponsorship.actions import do_enroll
from paritrana.sponsorship.models import Bill, Enrollment, Program
from tests.award.test_views import _judged
from tests.award.test_workflow import _participant, setup  # noqa: F401 - a fixture
from tests.conftest import client_for
from tests.factories import make_program, make_user, make_worker

pytestmark = pytest.mark.django_db

DESA = "36.03.01.2003"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


def _hidden(body: str) -> list[tuple[str, str]]:
    """The hidden fields of the confirmation form (its csrf token aside)."""
    form = body.split('data-testid="confirm-form"', 1)[1].split("</form>", 1)[0]
    return [(html.unescape(n), html.unescape(v)) for n, v in HIDDEN.findall(form) if n != "csrfmiddlewaretoken"]


def _confirm(client: Client, url: str, data: dict[str, Any], state: Callable[[], Any]) -> Any:
    """Post ``data`` once: a confirmation page, nothing written, every field carried; post its form: the action's
    answer."""
    before, events = state(), AuditEvent.objects.count()
    first = client.post(url, data)
    body = first.content.decode()
    shown = (first.status_code, re.findall(r'role="(?:alert|status)"[^<]*', body))
    assert first.status_code == 200 and 'data-testid="confirm-form"' in body, shown
    assert state() == before and AuditEvent.objects.count() == events  # nothing written, not even an audit line
    carried = _hidden(body)
    for name, value in data.items():
        if not hasattr(value, "read"):
            assert (name, str(value)) in carried, (name, carried)
    assert ("confirmed", "1") in carried
    assert body.index('data-testid="confirm-yes"') < body.index('data-testid="confirm-cancel"')
    assert "autofocus" in body.split('data-testid="confirm-yes"')[0].rsplit("<button", 1)[1]
    assert first["Cache-Control"] == "no-store"
    fields: dict[str, list[str]] = {}
    for name, value in carried:
        fields.setdefault(name, []).append(value)
    return client.post(url, fields)


@pytest.fixture
def operator() -> Any:
    return make_user("op.tangerang", "regional_operator", "36.03")


def _program_status(program: Program) -> str:
    return Program.objects.get(pk=program.pk).status


# Sponsorship ----------------------------------------------------------------------------------------------------


def test_closing_a_program_is_confirmed_with_what_it_means(operator: Any) -> None:
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA)])
    client = client_for(operator)
    url = f"/programs/{program.pk}/"
    page = client.post(url, {"form": "status", "to": "closed"})
    text = page.content.decode()
    assert program.name in text and "2024" in text and 'data-testid="consequences"' in text
    done = _confirm(client, url, {"form": "status", "to": "closed"}, lambda: _program_status(program))
    assert done.status_code == 302 and _program_status(program) == "closed"
    assert program.name in client.get(url).content.decode()


def test_a_program_action_that_would_be_refused_is_not_confirmed(operator: Any) -> None:
    program = make_program("36.74")  # another kabupaten/kota: no right there
    response = client_for(operator).post(f"/programs/{program.pk}/", {"form": "status", "to": "closed"})
    assert response.status_code == 403 and 'data-testid="confirm-form"' not in response.content.decode()
    assert _program_status(program) == "active"


def test_ending_an_enrollment_is_confirmed_and_a_bad_month_is_refused_at_once(operator: Any) -> None:
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA, name="Siti Rahayu")])
    enrollment = Enrollment.objects.get()
    client = client_for(operator)
    url = f"/programs/{program.pk}/"
    wrong = client.post(url, {"form": "end", "enrollment": str(enrollment.pk), "last_month": "bulan lalu"})
    assert wrong.status_code == 422 and 'data-testid="confirm-form"' not in wrong.content.decode()
    data = {"form": "end", "enrollment": str(enrollment.pk), "last_month": "2024-03"}
    assert "Siti Rahayu" in client.post(url, data).content.decode()
    done = _confirm(client, url, data, lambda: Enrollment.objects.values_list("status", "last_month").get())
    assert done.status_code == 302
    assert Enrollment.objects.values_list("status", "last_month").get() == ("ended", date(2024, 3, 1))
    assert "Siti Rahayu" in client.get(url).content.decode()  # the message names the worker


def test_a_billing_run_is_confirmed_and_then_says_what_it_made(operator: Any) -> None:
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[make_worker(DESA)])
    client = client_for(operator)
    done = _confirm(client, "/programs/billing/", {"month": "2024-03"}, Bill.objects.count)
    assert done.status_code == 200 and Bill.objects.count() == 1
    assert 'role="status"' in done.content.decode()
    again = client.post("/programs/billing/", {"month": "2024-03"})  # nothing left to bill: nothing to confirm
    assert 'data-testid="confirm-form"' not in again.content.decode() and Bill.objects.count() == 1


# Registry -------------------------------------------------------------------------------------------------------


def _worker_state(worker: Worker) -> tuple[Any, ...]:
    return tuple(Worker.objects.filter(pk=worker.pk).values_list("status", "died_on", "nik", "merged_into").get())


def test_recording_a_death_is_confirmed_and_names_the_worker(operator: Any) -> None:
    worker = make_worker(DESA, name="Budi Santoso")
    program = make_program()
    do_enroll(actor=SYSTEM, program=program, workers=[worker])
    client = client_for(operator)
    url = f"/workers/{worker.pk}/change/"
    data = {"form": "death", "death-died_on": "2024-06-10", "death-source": "Desa", "death-reason": "sakit"}
    assert "Budi Santoso" in client.post(url, data).content.decode()
    done = _confirm(client, url, data, lambda: (_worker_state(worker), Enrollment.objects.get().last_month))
    assert done.status_code == 302 and _worker_state(worker)[:2] == ("deceased", date(2024, 6, 10))
    assert "Budi Santoso" in client.get(done["Location"]).content.decode()


def test_a_death_with_an_evidence_file_keeps_the_file_through_the_confirmation(operator: Any) -> None:
    worker = make_worker(DESA)
    client = client_for(operator)
    url = f"/workers/{worker.pk}/change/"
    pdf = SimpleUploadedFile("surat-kematian.pdf", b"%PDF-1.4 surat keterangan kematian", "application/pdf")
    data = {"form": "death", "death-died_on": "2024-06-10", "death-reason": "sakit", "death-evidence_file": pdf}
    done = _confirm(client, url, data, lambda: _worker_state(worker))
    assert done.status_code == 302 and _worker_state(worker)[0] == "deceased"
    assert worker.events.get().evidence_name == "surat-kematian.pdf"


def test_merging_two_records_and_correcting_a_nik_are_confirmed(operator: Any) -> None:
    keep = make_worker(DESA, name="Siti Aminah", birth_date=date(1990, 5, 5))
    other = make_worker(DESA, name="Siti Aminah", birth_date=date(1990, 5, 5))
    client = client_for(operator)
    merge = {"form": "merge", "merge-other": str(other.pk), "merge-keep": "this", "merge-reason": "satu orang"}
    done = _confirm(client, f"/workers/{keep.pk}/change/", merge, lambda: _worker_state(other))
    assert done.status_code == 302 and Worker.objects.get(pk=other.pk).merged_into_id == keep.pk
    new_nik = keep.nik[:-4] + ("0001" if keep.nik[-4:] != "0001" else "0002")
    nik = {"form": "nik", "nik-nik": new_nik, "nik-reason": "salah ketik"}
    done = _confirm(client, f"/workers/{keep.pk}/change/", nik, lambda: _worker_state(keep))
    assert done.status_code == 302 and Worker.objects.get(pk=keep.pk).nik == new_nik


def test_a_correction_that_can_be_corrected_again_is_not_confirmed(operator: Any) -> None:
    worker = make_worker(DESA, name="Nama Lama")
    response = client_for(operator).post(
        f"/workers/{worker.pk}/change/", {"form": "correct", "correct-name": "Nama Baru", "correct-reason": "KTP"}
    )
    assert response.status_code == 302 and Worker.objects.get(pk=worker.pk).name == "Nama Baru"


def test_a_death_list_is_confirmed_and_its_file_comes_back_on_the_second_post(operator: Any) -> None:
    dead = make_worker(DESA)
    client = client_for(operator)
    upload = SimpleUploadedFile("mati.csv", f"NIK;Tanggal Meninggal;Sumber\n{dead.nik};10/06/2025;Desa\n".encode())
    done = _confirm(client, "/workers/deaths/", {"file": upload, "mode": "valid-only"}, ImportJob.objects.count)
    job = ImportJob.objects.get(kind="deaths")
    assert done.status_code == 302 and done["Location"] == f"/workers/import/{job.pk}/"
    assert _worker_state(dead)[0] == "deceased"


def test_a_dry_run_of_a_death_list_needs_no_confirmation(operator: Any) -> None:
    dead = make_worker(DESA)
    upload = SimpleUploadedFile("mati.csv", f"NIK;Tanggal Meninggal;Sumber\n{dead.nik};10/06/2025;Desa\n".encode())
    response = client_for(operator).post("/workers/deaths/", {"file": upload, "mode": "valid-only", "dry_run": "on"})
    assert response.status_code == 302 and _worker_state(dead)[0] == "active"


def test_a_kept_file_is_not_given_to_another_user(operator: Any) -> None:
    dead = make_worker(DESA)
    upload = SimpleUploadedFile("mati.csv", f"NIK;Tanggal Meninggal;Sumber\n{dead.nik};10/06/2025;Desa\n".encode())
    first = client_for(operator).post("/workers/deaths/", {"file": upload, "mode": "valid-only"})
    fields = dict(_hidden(first.content.decode()))
    other = make_user("op.lain", "regional_operator", "36.03")
    response = client_for(other).post("/workers/deaths/", fields)
    assert response.status_code == 422 and not ImportJob.objects.exists()  # the form asks for the file again
    forged = {**fields, "_confirm_files": fields["_confirm_files"][:-3] + "abc"}
    assert client_for(operator).post("/workers/deaths/", forged).status_code == 422
    assert _worker_state(dead)[0] == "active"


# Accounts, regions, award ---------------------------------------------------------------------------------------


def test_resetting_a_password_is_confirmed(admin_user: Any, kab_operator: Any) -> None:
    client = client_for(admin_user)
    url = f"/users/{kab_operator.pk}/password/"
    done = _confirm(client, url, {}, lambda: type(kab_operator).objects.get(pk=kab_operator.pk).password)
    assert done.status_code == 200 and 'data-testid="temporary-password"' in done.content.decode()
    assert AuditEvent.objects.filter(action="user.password_reset").count() == 1


def test_deleting_a_zone_or_branch_area_is_confirmed(admin_user: Any) -> None:
    group = do_save_region_group(kind="branch_area", name="Cabang Uji", region_codes=["36.03"], actor=SYSTEM)
    client = client_for(admin_user)
    done = _confirm(client, f"/regions/groups/{group.pk}/delete/", {}, RegionGroup.objects.count)
    assert done.status_code == 302 and not RegionGroup.objects.filter(pk=group.pk).exists()
    assert "Cabang Uji" in client.get(done["Location"]).content.decode()


def test_locking_a_panel_is_confirmed_and_a_refused_publication_is_not(setup: dict[str, Any]) -> None:  # noqa: F811
    s = _judged(setup)
    category = s["category"]
    for code in ("36.03", "36.74", "36.72"):
        for judge in s["judges"]:
            award_actions.do_score(
                actor=judge, participant=_participant(category, code), criterion="kepala_daerah", score=7
            )
    client = client_for(s["committee"])
    url = f"/award/categories/{category.pk}/"
    refused = client.post(url, {"form": "publish"})  # not approved: refused at once, nothing to confirm
    assert refused.status_code == 422 and 'data-testid="confirm-form"' not in refused.content.decode()
    lock = {"form": "lock", "reason": "uji: dua juri cukup untuk kategori ini"}
    done = _confirm(client, url, lock, lambda: Category.objects.get(pk=category.pk).panel_locked_at)
    assert done.status_code == 302 and Category.objects.get(pk=category.pk).panel_locked_at is not None


def test_the_confirmation_has_no_address_of_its_own(operator: Any) -> None:
    program = make_program()
    page = client_for(operator).get(f"/programs/{program.pk}/?confirmed=1")
    assert page.status_code == 200 and 'data-testid="confirm-form"' not in page.content.decode()


# A message after every write ------------------------------------------------------------------------------------


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_enrolling_creating_a_program_and_changing_the_pagu_leave_a_message_naming_them(operator: Any) -> None:
    program = make_program(status="approved")
    make_worker(DESA)
    client = client_for(operator)
    url = f"/programs/{program.pk}/"
    enrolled = client.post(url, {"form": "enroll", "e-how": "filter", "e-mode": "valid-only"})
    assert any(program.name in m and "1" in m for m in _messages(enrolled)), _messages(enrolled)
    assert 'role="status"' in enrolled.content.decode()
    pagu = client.post(url, {"form": "pagu", "g-pagu": "20000000"}, follow=True)
    assert any(program.name in m for m in _messages(pagu))


def test_adding_a_role_leaves_a_message_naming_the_user(admin_user: Any, kab_operator: Any) -> None:
    client = client_for(admin_user)
    added = client.post(f"/users/{kab_operator.pk}/", {"role": "viewer", "region_code": "36.03"}, follow=True)
    assert any(kab_operator.username in m for m in _messages(added)), _messages(added)
