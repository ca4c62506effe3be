"""The one stale-page rule (core.stale): a save is refused when the record is no longer what the page showed,
never when it would store what is already stored, and not checked when the caller sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.core.errors import Conflict
from paritrana.core.stale import refuse_if_not_seen, version

WIB = timezone(timedelta(hours=7))
MESSAGE = "changed at {when}"
# hypothesis bounds are naive by its API; the moments it draws are in UTC
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(saved=moments)
def test_the_version_the_page_showed_is_accepted_as_text_or_as_a_moment(saved: datetime) -> None:
    refuse_if_not_seen(version(saved), saved, MESSAGE)
    refuse_if_not_seen(saved.astimezone(WIB), saved, MESSAGE)  # the same moment, read back in another zone


@given(saved=moments, later=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=999)))
def test_a_save_made_since_is_refused_naming_when(saved: datetime, later: timedelta) -> None:
    for seen in (version(saved), saved):
        with pytest.raises(Conflict) as refused:
            refuse_if_not_seen(seen, saved + later, MESSAGE, field="score")
        assert refused.value.details["field"] == "score"
        assert refused.value.details["when"] != "-"


def test_a_record_saved_since_a_page_that_showed_none_is_refused() -> None:
    with pytest.raises(Conflict) as refused:
        refuse_if_not_seen(version(None), datetime(2026, 1, 1, tzinfo=UTC), MESSAGE)
    assert refused.value.details["field"] == "seen"
    with pytest.raises(Conflict) as refused:
        refuse_if_not_seen("2026-01-01T00:00:00+00:00", None, MESSAGE)  # shown, then deleted
    assert refused.value.details["when"] == "-"


@given(saved=st.none() | moments, seen=st.none() | st.text(max_size=30))
def test_storing_what_is_stored_or_sending_nothing_is_never_refused(saved: datetime | None, seen: str | None) -> None:
    refuse_if_not_seen(seen, saved, MESSAGE, unchanged=True)
    refuse_if_not_seen(None, saved, MESSAGE)
