"""Lists read by position (issue 22): every row once, in the list's order, forwards and backwards, on every door;
a position nobody gave is refused by name; the count stops at its cap; a name search too short to narrow anything
is refused instead of reading the whole registry."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paritrana.accounts.actions import do_create_token
from paritrana.core import pagination
from paritrana.core.errors import InvalidInput
from paritrana.core.pagination import MAX_OFFSET, Page, bounded_count, keyset_order, keyset_page
from paritrana.registry.models import ImportJob, Worker, WorkerEvent
from tests.conftest import client_for
from tests.factories import make_worker

pytestmark = pytest.mark.django_db

DESAS = ["36.03.01.2001", "36.03.01.2002", "36.03.02.2001"]


def _walk_forward(queryset: Any, size: int) -> list[list[int]]:
    pages, after = [], ""
    while True:
        page = keyset_page(queryset, size=size, after=after)
        pages.append([w.pk for w in page.items])
        if not page.next:
            return pages
        after = page.next


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(DESAS), st.sampled_from(["Ani", "Budi", "Citra", "Ani Budi"])), max_size=30
    ),
    size=st.integers(min_value=1, max_value=7),
)
def test_walking_next_then_previous_shows_every_worker_once_in_the_lists_order(
    rows: list[tuple[str, str]], size: int
) -> None:
    with transaction.atomic():
        for desa, name in rows:  # ties on desa and name: the id breaks them
            make_worker(desa, name=name)
        workers = Worker.objects.all()
        expected = list(workers.order_by("desa_code", "name", "pk").values_list("pk", flat=True))
        pages = _walk_forward(workers, size)
        assert [pk for page in pages for pk in page] == expected
        assert all(len(page) == size for page in pages[:-1])
        # and back from the last page, by the previous tokens: the same pages in reverse
        page = keyset_page(workers, size=size, after=_token_before(workers, pages[-1], size))
        back = [[w.pk for w in page.items]]
        while page.previous:
            page = keyset_page(workers, size=size, before=page.previous)
            back.append([w.pk for w in page.items])
        assert back[::-1] == pages or (not expected and back == [[]])
        # an order whose columns run different ways (another comparison is built): the same walk holds
        mixed = Worker.objects.order_by("-desa_code", "name")
        assert keyset_order(mixed) == (("desa_code", True), ("name", False), ("id", False))
        expected = list(mixed.order_by("-desa_code", "name", "pk").values_list("pk", flat=True))
        assert [pk for page in _walk_forward(mixed, size) for pk in page] == expected
        transaction.set_rollback(True)


def _token_before(queryset: Any, last_page: list[int], size: int) -> str:
    """The ``next`` token that leads to the last page (empty when it is the first)."""
    after = ""
    while True:
        page = keyset_page(queryset, size=size, after=after)
        if [w.pk for w in page.items] == last_page:
            return after
        after = page.next


def test_a_page_deep_in_the_list_starts_where_the_token_says_even_when_rows_were_added_before_it() -> None:
    first = [make_worker(DESAS[1], name=f"Warga {i:02d}") for i in range(6)]
    page = keyset_page(Worker.objects.all(), size=3)
    assert [w.pk for w in page.items] == [w.pk for w in first[:3]]
    make_worker(DESAS[0], name="Datang Kemudian")  # sorts before every row already shown
    following = keyset_page(Worker.objects.all(), size=3, after=page.next)
    assert [w.pk for w in following.items] == [w.pk for w in first[3:]]  # an offset would have repeated one


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        "W10",
        "WyJ4Il0",
        "eyJhIjoxfQ",
        "WyIzNi4wMy4wMS4yMDAxIiwiQW5pIiwiYWJjIl0",
        "x" * 3000,
        "W251bGwsbnVsbCxudWxsXQ",
        "WyIzNi4wMy4wMS4yMDAxIiwiQW5pIix0cnVlXQ",
    ],
    ids=["not-base64", "empty-list", "one-value", "an-object", "an-id-that-is-text", "too-long", "nulls", "a-boolean"],
)
def test_a_position_the_list_did_not_give_is_refused_naming_the_field(token: str) -> None:
    make_worker(DESAS[0])
    with pytest.raises(InvalidInput) as refused:
        list(keyset_page(Worker.objects.all(), size=5, after=token, field="after").items)
    assert refused.value.details["field"] == "after"
    assert "first page" in str(refused.value)


def test_only_lists_ordered_by_columns_that_are_never_empty_page_by_position() -> None:
    assert keyset_order(Worker.objects.all()) == (("desa_code", False), ("name", False), ("id", False))
    assert keyset_order(WorkerEvent.objects.all()) == (("at", True), ("id", True))
    assert keyset_order(Worker.objects.order_by("status_on")) is None  # may be empty
    assert keyset_order(Worker.objects.order_by("merged_into__name")) is None  # another table's column
    assert keyset_order(ImportJob.objects.all()) == (("created_at", True), ("id", False))
    assert keyset_order(Worker.objects.values("nik")) is None  # rows as dicts


def test_the_count_stops_at_its_cap_and_says_there_are_more() -> None:
    for _ in range(5):
        make_worker(DESAS[0])
    assert bounded_count(Worker.objects.all(), cap=5) == (5, False)
    assert bounded_count(Worker.objects.all(), cap=4) == (4, True)
    assert bounded_count(Worker.objects.all(), cap=10) == (5, False)


# The web list -------------------------------------------------------------------------------------------------------


def test_the_worker_list_pages_by_next_and_previous_and_says_more_than_past_the_cap(
    kab_operator: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PARITRANA = settings.PARITRANA.model_copy(update={"page_size": 2})
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    names = [f"Warga {i}" for i in range(5)]
    for name in names:
        make_worker(DESAS[0], name=name)
    make_worker("36.71.01.1001", name="Warga Kota")  # outside the operator's kabupaten: never listed
    client = client_for(kab_operator)
    first = client.get("/workers/").content.decode()
    assert "Warga 0" in first and "Warga 1" in first and "Warga 2" not in first
    assert "Lebih dari 4 pekerja" in first and 'rel="prev"' not in first  # the pages speak Indonesian
    seen = ["Warga 0", "Warga 1"]
    html = first
    while 'rel="next"' in html:
        link = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        html = client.get("/workers/" + link).content.decode()
        seen += [n for n in names if n in html and n not in seen]
    assert seen == names and "Warga Kota" not in seen
    back = html.split('rel="prev"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "Warga 2" in client.get("/workers/" + back).content.decode()


def test_the_worker_list_refuses_a_forged_position_with_a_message_not_a_500(kab_operator: Any) -> None:
    response = client_for(kab_operator).get("/workers/?after=not-a-position")
    assert response.status_code == 200
    assert "mulai lagi dari halaman pertama" in response.content.decode()


@pytest.mark.parametrize("typed", ["a", "Al", "%%", "_ _ _", "a.b.c", "%_%"])
def test_a_name_search_too_short_to_narrow_anything_is_refused_on_every_door(kab_operator: Any, typed: str) -> None:
    make_worker(DESAS[0], name="Alia")
    page = client_for(kab_operator).post("/workers/", {"q": typed}).content.decode()
    assert "Ketik sekurang-kurangnya 3 huruf nama berurutan" in page and "Alia" not in page
    _row, key = do_create_token(user=kab_operator, label="t", actor=None)
    answer = Client().post(
        "/api/v1/workers/search",
        {"q": typed},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 422 and answer.json()["details"]["field"] == "q"


def test_three_letters_of_a_name_find_it_anywhere_in_the_name(kab_operator: Any) -> None:
    make_worker(DESAS[0], name="Siti Aminah")
    assert "Siti Aminah" in client_for(kab_operator).post("/workers/", {"q": "min"}).content.decode()


# The API ------------------------------------------------------------------------------------------------------------


def test_the_api_walks_the_registry_by_next_tokens_without_counting_deep_pages(admin_user: Any) -> None:
    for i in range(7):
        make_worker(DESAS[i % 3], name=f"Warga {i}")
    _row, key = do_create_token(user=admin_user, label="t", actor=None)
    client, headers = Client(), {"Authorization": f"Bearer {key}"}
    body = client.get("/api/v1/workers?limit=3", headers=headers).json()
    assert body["count"] == 7 and len(body["items"]) == 3
    ids = [w["id"] for w in body["items"]]
    while body["next"]:
        body = client.get(f"/api/v1/workers?limit=3&after={body['next']}", headers=headers).json()
        assert body["count"] is None
        ids += [w["id"] for w in body["items"]]
    expected = list(Worker.objects.order_by("desa_code", "name", "pk").values_list("pk", flat=True))
    assert ids == expected
    both = client.get("/api/v1/workers?offset=3&after=WzFd", headers=headers)
    assert both.status_code == 422 and both.json()["details"]["field"] == "after"


def test_a_list_that_cannot_page_by_position_refuses_after_and_offers_no_next() -> None:
    paging = Page()
    with pytest.raises(InvalidInput) as refused:
        paging.paginate_queryset([1, 2, 3], Page.Input(limit=2, after="WzFd"), request=None)  # type: ignore[arg-type]
    assert refused.value.details["field"] == "after"
    answer = paging.paginate_queryset([1, 2, 3], Page.Input(limit=2), request=None)  # type: ignore[arg-type]
    assert answer["items"] == [1, 2] and answer["count"] == 3 and answer["next"] is None


def test_an_offset_stops_at_a_hundred_thousand_and_points_to_after(admin_user: Any) -> None:
    _row, key = do_create_token(user=admin_user, label="t", actor=None)
    answer = Client().get(f"/api/v1/workers?offset={MAX_OFFSET + 1}", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 400 and answer.json()["details"]["field"] == "offset"
