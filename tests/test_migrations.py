from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_the_lines_billed_after_a_recorded_death_are_marked_on_upgrade() -> None:
    """sponsorship 0006 marks the lines an earlier version billed after a recorded death (its data step, run on
    lines without marks: a schema change cannot run inside the test's transaction on SQLite; the column itself is
    added by every test database and by the upgrade of the previous release's databases, tests/test_upgrade.py)."""
    import importlib
    from datetime import date
    from types import SimpleNamespace

    from django.db import connection

    from paritrana.core.permissions import SYSTEM
    from paritrana.regions.models import Region
    from paritrana.registry.lifecycle import do_record_death
    from paritrana.sponsorship import queries
    from paritrana.sponsorship.actions import do_enroll, do_run_billing
    from paritrana.sponsorship.models import BillLine
    from tests.factories import make_program, make_worker

    migration = importlib.import_module("paritrana.sponsorship.migrations.0006_mark_lines_billed_after_death")
    desas = Region.objects.filter(level=4, code__startswith="36.03.01.").order_by("code")
    desa = desas.values_list("code", flat=True)[0]
    program = make_program("36.03", fiscal_year=2024, pagu=10_000_000)
    worker, alive = make_worker(desa), make_worker(desa)
    do_enroll(actor=SYSTEM, program=program, workers=[worker, alive], first_month=date(2024, 1, 1))
    for month in range(1, 7):
        do_run_billing(actor=SYSTEM, month=date(2024, month, 1))
    do_record_death(actor=SYSTEM, worker=worker, died_on=date(2024, 3, 5))
    before = queries.overpayment_lines(SYSTEM)
    assert [line["month"] for line in before] == ["2024-04", "2024-05", "2024-06"]

    BillLine.objects.update(after_death=False)  # as an earlier version left them
    assert queries.overpayment_lines(SYSTEM) == []
    with connection.cursor() as cursor:
        migration.mark_lines_after_death(None, SimpleNamespace(execute=cursor.execute))

    assert queries.overpayment_lines(SYSTEM) == before
    assert BillLine.objects.filter(after_death=True).count() == 3


@pytest.mark.django_db
def test_bill_lines_keep_the_indexes_billing_pays_for_and_no_more() -> None:
    """The lines' indexes as the migrations leave them: the unique (bill, enrollment), the two small ones of the lines
    billed after a death (sponsorship 0006), and none of their own on the enrollment (0007; see ``BillLine``)."""
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "sponsorship_billline")
    plain = {name: tuple(about["columns"]) for name, about in found.items() if about["index"] and not about["unique"]}
    assert plain == {"billline_after_death": ("bill_id",), "billline_after_death_enr": ("enrollment_id",)}
    assert any(about["unique"] and about["columns"] == ["bill_id", "enrollment_id"] for about in found.values())
