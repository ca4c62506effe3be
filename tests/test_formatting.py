"""Issue 21 §1: ids, years and codes are never localised as numbers; amounts are Rupiah, counts have separators on
request; dates one way per language in Asia/Jakarta; date inputs carry ISO values whatever the language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

SRC = Path(__file__).resolve().parents[1] / "src" / "paritrana"


def render(source: str, language: str = "id", **context: object) -> str:
    with translation.override(language):
        return Template("{% load paritrana %}" + source).render(Context(context))


def test_thousand_separators_are_off_so_a_plain_number_is_never_grouped() -> None:
    assert settings.USE_THOUSAND_SEPARATOR is False
    for language in ("id", "en"):
        assert render("{{ pk }} {{ year }}", language, pk=1804, year=2026) == "1804 2026"


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["id", "en"]))
def test_an_id_or_year_prints_as_its_digits_in_every_language(value: int, language: str) -> None:
    assert render("{{ v }}|<input type='hidden' value='{{ v }}'>", language, v=value) == (
        f"{value}|<input type='hidden' value='{value}'>"
    )


@given(st.integers(min_value=0, max_value=10**12))
def test_counts_are_grouped_on_request_and_read_back_to_the_same_number(value: int) -> None:
    indonesian, english = render("{{ v|number }}", "id", v=value), render("{{ v|number }}", "en", v=value)
    assert int(indonesian.replace(".", "")) == value and int(english.replace(",", "")) == value
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", indonesian) and re.fullmatch(r"\d{1,3}(,\d{3})*", english)


@given(st.integers(min_value=0, max_value=10**13))
def test_amounts_are_rupiah_with_a_dot_for_thousands(value: int) -> None:
    text = render("{{ v|rupiah }}", "id", v=Decimal(value))
    assert text.startswith("Rp") and int(text.removeprefix("Rp").replace(".", "")) == value


def test_number_keeps_the_decimals_asked_for() -> None:
    assert render("{{ v|number:1 }}", "id", v=Decimal("1234.56")) == "1.234,6"
    assert render("{{ v|number:1 }}", "en", v=Decimal("1234.56")) == "1,234.6"
    assert render("{{ v|number }}|{{ w|number }}", "id", v=None, w="") == "|"


def test_dates_are_written_one_way_per_language() -> None:
    day = date(2025, 10, 15)
    assert (
        render("{{ d }}|{{ d|date }}|{{ d|date:'DATE_FORMAT' }}", "id", d=day) == "15 Okt 2025|15 Okt 2025|15 Okt 2025"
    )
    assert render("{{ d }}|{{ d|date }}", "en", d=day) == "15 Oct 2025|15 Oct 2025"
    assert render("{{ d|date:'YEAR_MONTH_FORMAT' }}", "id", d=day) == "Okt 2025"


def test_timestamps_are_shown_in_jakarta_time() -> None:
    assert settings.TIME_ZONE == "Asia/Jakarta"
    moment = datetime(2025, 10, 15, 20, 30, tzinfo=UTC)  # 03:30 the next morning in Jakarta (UTC+7)
    assert render("{{ t }}", "id", t=moment) == "16 Okt 2025 03.30"
    assert render("{{ t }}", "en", t=moment) == "16 Oct 2025 03:30"


class _DateForm(forms.Form):
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))  # no format given: the language's


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_date_input_carries_an_iso_value_and_reads_the_local_forms_too(language: str) -> None:
    with translation.override(language):
        html = str(_DateForm(initial={"on": date(2026, 12, 1)})["on"])
        assert 'value="2026-12-01"' in html
        for typed in ("2026-12-01", "01-12-2026", "01/12/2026"):
            form = _DateForm({"on": typed})
            assert form.is_valid() and form.cleaned_data["on"] == date(2026, 12, 1), typed


@pytest.mark.parametrize("typed", ["12/31/2026", "2026-13-01", "31-02-2026", "besok", "2026-12-01" * 5])
def test_a_date_in_a_wrong_format_is_refused(typed: str) -> None:
    with translation.override("id"):
        form = _DateForm({"on": typed})
        assert not form.is_valid() and "on" in form.errors


#: Template date formats that write a date the one way of the language (or ISO, for inputs and machine values).
ALLOWED_DATE_FORMATS = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "SHORT_DATE_FORMAT",
    "j M Y",
    "j M Y H:i",
    "M Y",
    "Y",
    "Y-m-d",
    "Y-m",
    "Y-m-d H:i",
    "c",
}


def test_templates_write_dates_one_way_per_language() -> None:
    """ "15 Oktober 2025" on one page and "15 Okt 2025" on the next is two ways: every template uses the language's
    format (DATE_FORMAT: "15 Okt 2025" / "15 Oct 2025") or an ISO value."""
    found = {
        (path.relative_to(SRC).as_posix(), fmt)
        for path in SRC.rglob("*.html")
        for fmt in re.findall(r"""\|date:["']([^"']*)["']""", path.read_text(encoding="utf-8"))
    }
    assert not {f for f in found if f[1] not in ALLOWED_DATE_FORMATS}, "use |date (DATE_FORMAT) or an ISO format"


def test_templates_do_not_group_identifiers_with_intcomma() -> None:
    """intcomma and |number are for quantities: an id, a year or a code through them becomes "1.804"."""
    pattern = re.compile(r"\{\{\s*[\w.]*(pk|\.id|_id|year|code)\s*\|\s*(intcomma|number)")
    offenders = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.html") if pattern.search(p.read_text("utf-8"))]
    assert not offenders
