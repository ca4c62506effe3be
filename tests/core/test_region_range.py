"""The region scope as the database applies it (``core.permissions.region_q``, one index range) selects exactly the
rows the rule says (``in_scope``: the code itself or a code under it), for any codes, on SQLite and PostgreSQL; so
do its raw SQL (``Scope.sql``) and Polars (``Scope.expr``) forms, for a scope of several regions."""

from __future__ import annotations

import polars as pl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paritrana.core.bulk import read_frame
from paritrana.core.permissions import Scope, in_scope, region_q
from paritrana.registry.models import Worker
from tests.factories import make_worker

pytestmark = pytest.mark.django_db

_part = st.sampled_from(["1", "2", "3", "10", "11", "36", "03", "031", "2001", "20011", "0"])
codes = st.lists(_part, min_size=1, max_size=4).map(".".join).filter(lambda code: len(code) <= 13)  # the column


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(codes, min_size=1, max_size=12), scope=codes)
def test_the_range_selects_the_code_and_the_codes_under_it_and_nothing_else(stored: list[str], scope: str) -> None:
    with transaction.atomic():
        for code in stored:
            make_worker(code)
        found = sorted(Worker.objects.filter(region_q("desa_code", scope)).values_list("desa_code", flat=True))
        assert found == sorted(code for code in stored if in_scope(code, scope))
        transaction.set_rollback(True)


def test_a_neighbour_whose_code_begins_alike_is_outside() -> None:
    for code in ("36.03", "36.03.01.2001", "36.031", "36.0", "36.04.01.2001", "36.02.99.9999"):
        make_worker(code)
    found = set(Worker.objects.filter(region_q("desa_code", "36.03")).values_list("desa_code", flat=True))
    assert found == {"36.03", "36.03.01.2001"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(codes, min_size=1, max_size=12), regions=st.lists(codes, max_size=3), national=st.booleans())
def test_the_sql_and_polars_forms_of_a_scope_agree_with_the_rule(
    stored: list[str], regions: list[str], national: bool
) -> None:
    scope = Scope(frozenset(regions), national=national)
    expected = sorted(code for code in stored if scope.contains(code))
    assert sorted(pl.DataFrame({"code": stored}).filter(scope.expr("code"))["code"]) == expected
    with transaction.atomic():
        for code in stored:
            make_worker(code)
        where, params = scope.sql("desa_code")
        table = Worker._meta.db_table
        frame = read_frame(f"SELECT desa_code FROM {table} WHERE {where}", params, schema={"desa_code": pl.String})  # noqa: S608
        assert sorted(frame["desa_code"]) == expected
        transaction.set_rollback(True)
