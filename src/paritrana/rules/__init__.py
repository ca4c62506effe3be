"""The rules engine: contributions (iuran) and benefits (manfaat) of BPJS Ketenagakerjaan, versioned by effective
date, every figure with its regulation. Pure Python: no Django, no I/O beyond reading ``data/rates.toml``.

    quote(segment="bpu", on=date(2024, 1, 1), programs=["jkk", "jkm"], income=1_000_000)  # Rp16.800 a month
    benefit("jkm", on=date(2024, 5, 1))                                                    # Rp42.000.000
    price_roster(...)                                                                      # vectorised
"""

from paritrana.rules.benefits import BENEFIT_KINDS, BenefitResult, benefit
from paritrana.rules.book import Citation, Entry, RuleBook, load_rules
from paritrana.rules.contributions import PROGRAMS, SEGMENTS, Quote, due_date, quote
from paritrana.rules.roster import RosterPrices, price_roster

__all__ = [
    "BENEFIT_KINDS",
    "PROGRAMS",
    "SEGMENTS",
    "BenefitResult",
    "Citation",
    "Entry",
    "Quote",
    "RosterPrices",
    "RuleBook",
    "benefit",
    "due_date",
    "load_rules",
    "price_roster",
    "quote",
]
