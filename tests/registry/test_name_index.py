"""The indexes a national registry searches and pages by (issue 22, migration 0006): on PostgreSQL a name search
(Django's ``icontains``: ``UPPER(name::text) LIKE UPPER(%s)``) can use the trigram index, and a worker list page read
by position uses the list's order index. The plans are asked with sequential scans off (and, for the page, sorts
too): on the few rows of a test the planner would rightly read the table, or after other tests' statistics another
index and a sort, so what is proven is that the index matches the query the app sends."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from paritrana.core.pagination import keyset_page
from paritrana.registry.models import Worker
from paritrana.registry.queries import workers_for
from tests.factories import make_worker

pytestmark = pytest.mark.django_db


def _plan(queryset: Any, *, bitmap_only: bool = False, in_order: bool = False) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            if bitmap_only:  # what can narrow a LIKE '%...%': not the list-order index read in order
                cursor.execute("SET LOCAL enable_indexscan = off")
            if in_order:  # only an index that gives the page's order itself: no sort after another index's rows
                for setting in ("enable_sort", "enable_incremental_sort", "enable_bitmapscan"):
                    cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's (pg_trgm)")
def test_a_name_search_uses_the_trigram_index(admin_user: Any) -> None:
    make_worker("36.03.01.2001", name="Siti Aminah")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'registry_worker_name_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition and "upper" in definition.lower()
    assert "registry_worker_name_trgm" in _plan(workers_for(admin_user, q="amin")[:25], bitmap_only=True)


def test_a_page_read_by_position_uses_the_list_order_index(admin_user: Any) -> None:
    for name in ("Ani", "Budi", "Citra"):
        make_worker("36.03.01.2001", name=name)
    page = keyset_page(workers_for(admin_user), size=2)
    after = page.next
    assert after
    # the query keyset_page sends for the second page, rebuilt to ask its plan
    from paritrana.core.pagination import _beyond, _decode, keyset_order

    order = keyset_order(Worker.objects.all())
    assert order is not None
    position = _decode(after, Worker, order, "after")
    query = workers_for(admin_user).order_by("desa_code", "name", "id").filter(_beyond(order, position, False))[:3]
    assert "registry_worker_list_order" in _plan(query, in_order=True)
