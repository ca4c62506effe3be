"""Issue 16: the law in force on the date priced. Each figure against its source (docs/rules.md, the reference
regulations and the issue's sources), discounts by funder and occupation, due dates, late charges, the PU mandatory
set, staleness warnings, and the site rule file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paritrana.core.errors import ConfigurationError, InvalidInput, NotInForce
from paritrana.rules import book as rulebook
from paritrana.rules import load_rules, price_roster, quote
from paritrana.rules.contributions import FUNDERS, due_date, late_charge

TRANSPORT = "ojek_pengemudi"


def bpu(on: date, funder: str = "mandiri", occupation: str | None = None, income: int = 1_000_000, **kw: object):
    return quote(
        segment="bpu", on=on, programs=["jkk", "jkm"], income=income, funder=funder, occupation=occupation, **kw
    )


# --- PP 50/2025 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "funder", "occupation", "total", "rule"),
    [
        # transport: January 2026 - March 2027 at 50% (Rp16.800 -> Rp8.400)
        (date(2026, 1, 1), "mandiri", TRANSPORT, 8_400, "discount.pp50_2025_transport"),
        (date(2027, 3, 31), "csr", TRANSPORT, 8_400, "discount.pp50_2025_transport"),
        (date(2027, 4, 1), "mandiri", TRANSPORT, 16_800, ""),
        (date(2025, 12, 31), "mandiri", TRANSPORT, 16_800, ""),
        # other sectors: April - December 2026
        (date(2026, 3, 31), "mandiri", "petani_pekebun", 16_800, ""),
        (date(2026, 4, 1), "mandiri", "petani_pekebun", 8_400, "discount.pp50_2025_other"),
        (date(2026, 12, 31), "apbdes", "nelayan", 8_400, "discount.pp50_2025_other"),
        (date(2027, 1, 1), "mandiri", "nelayan", 16_800, ""),
        # paid through APBN or APBD: excluded, full iuran
        (date(2026, 6, 1), "apbd", TRANSPORT, 16_800, ""),
        (date(2026, 6, 1), "apbn", "petani_pekebun", 16_800, ""),
    ],
)
def test_pp50_2025_halves_bpu_jkk_jkm_by_sector_window_and_funder(
    on: date, funder: str, occupation: str, total: int, rule: str
) -> None:
    q = bpu(on, funder, occupation)
    assert q.as_dict()["per_worker_monthly"]["total"] == total
    assert q.rule == rule
    if rule:
        [d] = q.as_dict()["discounts"]
        assert d["regulation"] == "PP 50/2025" and d["payable_pct"] == 50
        assert d["saved_per_worker_monthly"] == {"jkk": 5_000, "jkm": 3_400}


def test_the_issues_self_paid_worker_is_quoted_the_halved_rate_on_the_day_it_was_tried() -> None:
    """4 December 2026, a self-paid BPU worker at Rp1.000.000 (no funder, no occupation given): Rp8.400."""
    q = quote(segment="bpu", on=date(2026, 12, 4), programs=["jkk", "jkm"], income=1_000_000)
    assert q.funder == "mandiri"
    assert q.as_dict()["per_worker_monthly"] == {"jkk": 5_000, "jkm": 3_400, "total": 8_400}


def test_an_excluded_funder_is_told_why_the_discount_did_not_apply() -> None:
    skipped = {
        d["rule"]: d["reason"] for d in bpu(date(2026, 6, 1), "apbd", TRANSPORT).as_dict()["discounts_not_applied"]
    }
    assert skipped["discount.pp50_2025_transport"] == "funder apbd is excluded"


def test_without_an_occupation_the_transport_only_months_are_not_discounted() -> None:
    """January - March 2026 only transport is discounted: a worker of unknown occupation pays in full, told why."""
    q = bpu(date(2026, 2, 1))
    assert q.as_dict()["per_worker_monthly"]["total"] == 16_800
    assert "not given" in q.as_dict()["discounts_not_applied"][0]["reason"]


def test_jht_is_never_discounted_by_pp50() -> None:
    q = quote(segment="bpu", on=date(2026, 6, 1), programs=["jkk", "jkm", "jht"], income=2_000_000)
    assert q.as_dict()["per_worker_monthly"] == {"jkk": 10_000, "jkm": 3_400, "jht": 40_000, "total": 53_400}


def test_a_sponsor_quote_in_a_discount_window_needs_the_funder() -> None:
    with pytest.raises(InvalidInput) as caught:
        quote(segment="bpu", on=date(2026, 6, 1), programs=["jkk", "jkm"], income=1_000_000, payer="sponsor")
    assert caught.value.details["field"] == "funder"
    # outside any discount the funder changes nothing, so it is not asked for
    before = quote(segment="bpu", on=date(2024, 6, 1), programs=["jkk", "jkm"], income=1_000_000, payer="sponsor")
    assert before.per_worker_total == 16_800


@pytest.mark.parametrize("funder", ["apbdd", "", "APBD ", "pemda"])
def test_an_unknown_funder_is_refused_naming_the_accepted_values(funder: str) -> None:
    if funder.strip().lower() in FUNDERS or not funder:
        assert bpu(date(2026, 6, 1), funder or None).per_worker_total > 0
        return
    with pytest.raises(InvalidInput) as caught:
        bpu(date(2026, 6, 1), funder)
    assert caught.value.details["valid"] == ", ".join(FUNDERS)


funders = st.sampled_from(FUNDERS)
occupations = st.sampled_from([None, TRANSPORT, "petani_pekebun", "nelayan", "other"])
days = st.dates(min_value=date(2015, 7, 1), max_value=date(2028, 12, 31))
incomes = st.integers(min_value=1_000_000, max_value=20_700_000)


@given(on=days, funder=funders, occupation=occupations, income=incomes)
def test_a_discount_never_raises_a_price(on: date, funder: str, occupation: str | None, income: int) -> None:
    programs = ["jkk", "jkm", "jht"]
    priced = quote(segment="bpu", on=on, programs=programs, income=income, funder=funder, occupation=occupation)
    excluded = quote(segment="bpu", on=on, programs=programs, income=income, funder="apbd", occupation=occupation)
    for program in programs:
        assert priced.per_worker_monthly[program] <= excluded.per_worker_monthly[program]


@given(on=days, occupation=occupations, income=incomes, funder=st.sampled_from(["apbd", "apbn"]))
def test_a_discount_never_applies_to_an_excluded_funder(
    on: date, occupation: str | None, income: int, funder: str
) -> None:
    q = quote(segment="bpu", on=on, programs=["jkk", "jkm"], income=income, funder=funder, occupation=occupation)
    assert q.discounts == () and q.rule == ""


@given(
    rows=st.lists(st.tuples(days, incomes, occupations), min_size=1, max_size=30),
    funder=funders,
)
def test_the_vectorised_roster_prices_discounts_as_the_quote_does(
    rows: list[tuple[date, int, str | None]], funder: str
) -> None:
    prices = price_roster(
        segment="bpu",
        dates=[d for d, _, _ in rows],
        programs=["jkk", "jkm"],
        income=[i for _, i, _ in rows],
        occupation=[o or "" for _, _, o in rows],
        funder=funder,
    )
    one_by_one = [bpu(d, funder, o, i).per_worker_total for d, i, o in rows]
    assert prices.total.tolist() == one_by_one


# --- PP 7/2025 jo. PP 36/2025 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "industry", "workers", "jkk"),
    [
        (date(2025, 2, 1), "tekstil_pakaian_jadi", 50, 4_350),  # 1.74% of 500,000 = 8,700, halved
        (date(2026, 1, 31), "alas_kaki", 120, 4_350),  # extended by PP 36/2025 to January 2026
        (date(2026, 2, 1), "alas_kaki", 120, 8_700),
        (date(2025, 1, 31), "furnitur", 50, 8_700),
        (date(2025, 6, 1), "lainnya", 500, 8_700),  # not a named industry
        (date(2025, 6, 1), "furnitur", 49, 8_700),  # fewer than 50 workers
    ],
)
def test_pp7_2025_halves_pu_jkk_for_named_labour_intensive_industries(
    on: date, industry: str, workers: int, jkk: int
) -> None:
    q = quote(segment="pu", on=on, programs=["jkk"], wage=500_000, risk_group=5, industry=industry, workers=workers)
    assert q.per_worker_monthly["jkk"] == jkk


# --- JP cap, due dates, late charge, mandatory programs, PP 49/2020 for jakon ------------------------------------


@pytest.mark.parametrize(
    ("on", "jp"),
    [(date(2026, 2, 28), 316_422), (date(2026, 3, 1), 332_589)],  # 3% of 10,547,400 and of 11,086,300
)
def test_jp_uses_the_2026_wage_cap_from_march(on: date, jp: int) -> None:
    q = quote(segment="pu", on=on, programs=["jp"], wage=12_000_000)
    assert q.per_worker_monthly["jp"] == jp


@pytest.mark.parametrize(
    ("segment", "month", "due"),
    [
        ("pu", date(2026, 6, 1), date(2026, 7, 15)),
        ("pu", date(2026, 12, 1), date(2027, 1, 15)),
        ("bpu", date(2026, 6, 1), date(2026, 6, 15)),
        ("bpu", date(2026, 2, 20), date(2026, 2, 15)),
        ("bpu", date(2020, 8, 1), date(2020, 9, 30)),  # PP 49/2020: the 30th of the following month
        ("pu", date(2021, 1, 1), date(2021, 2, 28)),  # ... capped at the end of February
    ],
)
def test_each_segment_has_its_due_date(segment: str, month: date, due: date) -> None:
    assert due_date(month, segment=segment) == due
    q = quote(segment=segment, on=month, programs=["jkk", "jkm"], income=1_000_000, wage=1_000_000, risk_group=1)
    assert q.due_date == due


def test_the_pu_late_charge_is_per_started_month_late() -> None:
    due = date(2026, 7, 15)
    amounts = {"jkk": Decimal(10_000), "jkm": Decimal(3_000), "jp": Decimal(300_000)}
    assert late_charge(amounts, due=due, paid_on=due) == {}
    assert late_charge(amounts, due=due, paid_on=date(2026, 7, 16)) == {"jkk": 200, "jkm": 60, "jp": 1_500}
    assert late_charge(amounts, due=due, paid_on=date(2026, 9, 16))["jkk"] == 600  # three started months
    q = quote(
        segment="pu", on=date(2026, 6, 1), programs=["jkk"], wage=1_000_000, risk_group=1, paid_on=date(2026, 8, 1)
    )
    assert q.as_dict()["days_late"] == 17 and q.as_dict()["late_charge"] == {"jkk": 48}  # 2% of 2,400, one month


@pytest.mark.parametrize(
    ("size", "programs"),
    [
        ("mikro", ("jkk", "jkm")),
        ("kecil", ("jkk", "jkm", "jht")),
        ("small", ("jkk", "jkm", "jht")),
        ("menengah", ("jkk", "jkm", "jht", "jp")),
        ("besar", ("jkk", "jkm", "jht", "jp")),
    ],
)
def test_pu_without_programs_prices_the_mandatory_set_of_the_employer_size(size: str, programs: tuple) -> None:
    q = quote(segment="pu", on=date(2026, 6, 1), wage=5_000_000, risk_group=1, employer_size=size)
    assert q.programs == programs
    assert any("Perpres 109/2013" in n for n in q.notes)


def test_pp49_2020_relief_covers_construction_projects() -> None:
    during = quote(segment="jakon", on=date(2020, 9, 1), programs=["jkk", "jkm"], contract_value=100_000_000)
    before = quote(segment="jakon", on=date(2020, 7, 31), programs=["jkk", "jkm"], contract_value=100_000_000)
    assert before.per_worker_monthly == {"jkk": 210_000, "jkm": 30_000}
    assert during.per_worker_monthly == {"jkk": 2_100, "jkm": 300}


# --- staleness ----------------------------------------------------------------------------------------------------


def test_a_yearly_figure_more_than_12_months_old_raises_a_warning() -> None:
    fresh = quote(segment="pu", on=date(2026, 12, 1), programs=["jp"], wage=12_000_000)
    edge = quote(segment="pu", on=date(2027, 3, 1), programs=["jp"], wage=12_000_000)
    stale = quote(segment="pu", on=date(2027, 3, 2), programs=["jp"], wage=12_000_000)
    assert not any("pu.jp.wage_cap" in w and "stale" in w for w in edge.warnings)
    assert not any("pu.jp.wage_cap" in w and "stale" in w for w in fresh.warnings)
    assert any("pu.jp.wage_cap" in w and "stale" in w for w in stale.warnings)
    # a quote that uses no yearly figure is not warned about one
    assert not any("stale" in w for w in bpu(date(2027, 3, 2)).warnings)


def test_pricing_past_the_books_review_day_says_which_yearly_figures_were_carried_forward() -> None:
    reviewed = load_rules().reviewed
    assert reviewed is not None
    later = date(reviewed.year + 1, 1, 1)
    q = quote(segment="pu", on=later, programs=["jp", "jkm"], wage=1_000_000)
    assert any("carried forward: pu.jp.wage_cap" in w for w in q.warnings)
    assert not any("carried forward" in w for w in quote(segment="pu", on=reviewed, programs=["jp"], wage=1).warnings)
    # a flat rate holds until a regulation changes it: not called carried forward
    assert not any("carried forward" in w for w in quote(segment="pu", on=later, programs=["jkm"], wage=1).warnings)


def test_every_quote_names_the_book_that_priced_it() -> None:
    assert bpu(date(2026, 6, 1)).as_dict()["book"] == load_rules().version


def test_a_date_before_the_programs_is_refused() -> None:
    with pytest.raises(NotInForce):
        bpu(date(2015, 6, 30))


# --- the site rule file -------------------------------------------------------------------------------------------

NEXT_CAP = """
[[entry]]
key = "pu.jp.wage_cap"
value = "11650000"
effective_from = 2027-03-01
regulation = "PP 45/2015 Pasal 29(4); BPJS letter (example)"
article = "Pasal 29(4)"
status = "confirmed"
"""


@pytest.fixture
def site(tmp_path: Path):
    path = tmp_path / "rules.toml"
    rulebook.configure(path)
    yield path
    rulebook.configure(None)


def test_a_site_rule_file_adds_next_years_figure_without_a_release(site: Path) -> None:
    site.write_text(NEXT_CAP, encoding="utf-8")
    q = quote(segment="pu", on=date(2027, 3, 1), programs=["jp"], wage=20_000_000)
    assert q.per_worker_monthly["jp"] == 349_500  # 3% of 11,650,000
    assert q.book.startswith(load_rules().version + "+site:")
    assert rulebook.site_status().state == "loaded"
    assert (
        quote(segment="pu", on=date(2026, 6, 1), programs=["jp"], wage=20_000_000).per_worker_monthly["jp"] == 332_589
    )


def test_a_site_entry_with_a_packaged_key_and_start_replaces_it(site: Path) -> None:
    site.write_text(NEXT_CAP.replace("11650000", "11086400").replace("2027-03-01", "2026-03-01"), encoding="utf-8")
    assert (
        quote(segment="pu", on=date(2026, 6, 1), programs=["jp"], wage=20_000_000).per_worker_monthly["jp"] == 332_592
    )
    assert rulebook.site_status().replaced == ("pu.jp.wage_cap@2026-03-01",)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (NEXT_CAP.replace('regulation = "PP 45/2015 Pasal 29(4); BPJS letter (example)"\n', ""), "regulation"),
        (
            NEXT_CAP.replace('regulation = "PP 45/2015 Pasal 29(4); BPJS letter (example)"', 'regulation = " "'),
            "citation",
        ),
        (NEXT_CAP.replace("2027-03-01", "2026-06-01") + "effective_to = 2026-12-31\n", "overlap"),
        (NEXT_CAP.replace('"11650000"', '"-5"'), "negative"),
        (NEXT_CAP.replace("pu.jp.wage_cap", "pu.jp.wage_kap"), "unknown key"),
        (NEXT_CAP.replace('value = "11650000"', 'value = "1"\nratee = "2"'), "unknown field"),
        (NEXT_CAP.replace("2027-03-01", "2027-13-01"), "rules.toml"),
        ("[book]\nversion = 'x'\n" + NEXT_CAP, "only"),
    ],
)
def test_a_bad_site_file_is_refused_whole_and_the_packaged_book_stays(site: Path, body: str, reason: str) -> None:
    good_entry = NEXT_CAP.replace("pu.jp.wage_cap", "pu.jkm_pct").replace('"11650000"', '"0.5"')
    site.write_text(good_entry + body, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=reason):
        rulebook.load_site(site)
    assert quote(segment="pu", on=date(2027, 6, 1), programs=["jkm"], wage=1_000_000).per_worker_monthly["jkm"] == 3_000
    status = rulebook.site_status()
    assert status.state == "refused" and reason.split()[0].lower() in status.error.lower()
    assert load_rules().site == ""


def test_a_new_discount_can_be_added_by_the_site_file(site: Path) -> None:
    site.write_text(
        """
[[entry]]
key = "discount.example_2027"
value = { segment = "bpu", programs = ["jkm"], payable_pct = "0", excluded_funders = ["apbd"], label = "Example" }
effective_from = 2027-01-01
effective_to = 2027-12-31
regulation = "PP 99/2026 (example)"
article = "Pasal 1"
status = "unconfirmed"
note = "An example for the test."
""",
        encoding="utf-8",
    )
    assert bpu(date(2027, 6, 1)).as_dict()["per_worker_monthly"] == {"jkk": 10_000, "jkm": 0, "total": 10_000}
    assert bpu(date(2027, 6, 1), "apbd").per_worker_total == 16_800


def test_the_diff_between_two_dates_lists_what_changed() -> None:
    changes = {c["key"]: c for c in load_rules().diff(date(2025, 12, 1), date(2026, 6, 1))}
    assert changes["pu.jp.wage_cap"]["from"]["value"] == "10547400"
    assert changes["pu.jp.wage_cap"]["to"]["value"] == "11086300"
    assert changes["discount.pp50_2025_other"]["change"] == "added"
    assert changes["discount.pp7_2025_padat_karya"]["change"] == "ended"
    assert "pu.jkm_pct" not in changes


def test_the_funder_vocabulary_has_one_set_of_codes() -> None:
    from paritrana.analytics.definitions import FUNDERS as FACT_FUNDERS
    from paritrana.registry.choices import Funder
    from paritrana.sponsorship.choices import FUNDER

    assert tuple(Funder.values) == FUNDERS
    assert set(FUNDER.values()) <= set(FUNDERS)
    assert set(FACT_FUNDERS) - set(FUNDERS) == {"employer"}  # the facts add a wage earner's employer, nothing else
