"""Coded vocabularies of the registry as plain constants (pure: the import pipeline uses them without Django;
``registry.choices`` gives them Indonesian labels for the app)."""

from __future__ import annotations

OCCUPATIONS = (
    "petani_pekebun",
    "nelayan",
    "peternak",
    "pedagang",
    "buruh_bangunan",
    "pemulung",
    "pekerja_rumah_tangga",
    "pekerja_keagamaan",
    "ojek_pengemudi",
    "buruh_harian_lepas",
    "other",
)

#: Words in a free-text occupation that decide its category (checked in this order; lower case).
OCCUPATION_WORDS: tuple[tuple[str, str], ...] = (
    ("pemulung", "pemulung"),
    ("nelayan", "nelayan"),
    ("ternak", "peternak"),
    ("petani", "petani_pekebun"),
    ("pekebun", "petani_pekebun"),
    ("tani", "petani_pekebun"),
    ("kebun", "petani_pekebun"),
    ("farmer", "petani_pekebun"),
    ("marbot", "pekerja_keagamaan"),
    ("guru ngaji", "pekerja_keagamaan"),
    ("ustad", "pekerja_keagamaan"),
    ("amil", "pekerja_keagamaan"),
    ("keagamaan", "pekerja_keagamaan"),
    ("imam", "pekerja_keagamaan"),
    ("ojek", "ojek_pengemudi"),
    ("ojol", "ojek_pengemudi"),
    ("pengemudi", "ojek_pengemudi"),
    ("sopir", "ojek_pengemudi"),
    ("supir", "ojek_pengemudi"),
    ("driver", "ojek_pengemudi"),
    ("kurir", "ojek_pengemudi"),  # PP 50/2025 counts couriers with drivers in the transport sector
    ("courier", "ojek_pengemudi"),
    ("rumah tangga", "pekerja_rumah_tangga"),
    ("prt", "pekerja_rumah_tangga"),
    ("art", "pekerja_rumah_tangga"),
    ("bangunan", "buruh_bangunan"),
    ("tukang", "buruh_bangunan"),
    ("kuli", "buruh_bangunan"),
    ("harian", "buruh_harian_lepas"),
    ("serabutan", "buruh_harian_lepas"),
    ("dagang", "pedagang"),
    ("warung", "pedagang"),
    ("jualan", "pedagang"),
    ("trader", "pedagang"),
)
SEGMENT_WORDS = {
    "bpu": "bpu",
    "bukan penerima upah": "bpu",
    "pu": "pu",
    "penerima upah": "pu",
    "jakon": "jakon",
    "jasa konstruksi": "jakon",
    "jk": "jakon",
    "pmi": "pmi",
    "pekerja migran": "pmi",
    "pekerja migran indonesia": "pmi",
}
SEX_WORDS = {
    "l": "L",
    "lk": "L",
    "laki-laki": "L",
    "laki laki": "L",
    "laki": "L",
    "pria": "L",
    "m": "L",
    "male": "L",
    "1": "L",
    "p": "P",
    "pr": "P",
    "perempuan": "P",
    "wanita": "P",
    "f": "P",
    "female": "P",
    "2": "P",
}


def occupation_of(text: str) -> str | None:
    """The occupation code of one free-text value, as the import reads a column (a code, or the first word of
    ``OCCUPATION_WORDS`` found; short words only as whole words); None when nothing matches."""
    import re

    lowered = " ".join(str(text).lower().split())
    if lowered.replace(" ", "_") in OCCUPATIONS:
        return lowered.replace(" ", "_")
    for word, category in OCCUPATION_WORDS:
        pattern = rf"\b{re.escape(word)}\b" if len(word) <= 4 else re.escape(word)
        if re.search(pattern, lowered):
            return category
    return None
