"""What became of a region code of an earlier Kemendagri list: the crosswalk to the 2025 codes. Pure: no Django.

Lists carry desa codes of earlier decrees (1,250 desa codes of the 2023 list are gone from the 2025 one): a desa
moved to another kecamatan, became a kelurahan, was renumbered, or its kabupaten was recoded (the 2022 Papua split).
``data/crosswalk.csv.gz`` holds every code of the 2016, 2020, 2022 and 2023 lists that the 2025 list no longer has,
with what it became: ``renamed-code`` (one 2025 code), ``split`` (several: a person chooses) or ``unresolvable``
(no certain successor; codes of a similar name to check, or none). It is derived by
``scripts/derive_region_crosswalk.py`` from the lists of cahyadsn/wilayah (MIT, © Cahya DSN; the licence text and the
source are in ``data/``), matching names within the parent: see that script for the method.

A code the 2025 list has is the 2025 region, whatever an earlier list called it: a list does not say which edition
it was written in, and the current list wins.

``resolve`` answers for one code (``paritrana regions resolve``, ``GET /api/v1/regions/resolve/{code}``);
``desa_table`` gives the desa rows to the worker-list checks (``registry.ingest``), which look up only the codes
they do not know.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from paritrana.core.errors import N_

__all__ = ["CURRENT", "EDITIONS", "Change", "Resolution", "changes", "desa_table", "resolve"]

#: The lists, by the year cahyadsn/wilayah files them under, and the decree behind each.
EDITIONS: dict[int, str] = {
    2016: "Permendagri 56/2015",
    2020: "Permendagri 72/2019",
    2022: "Permendagri 58/2021",
    2023: "Kepmendagri 100.1.1-6117/2022",
    2025: "Kepmendagri 300.2.2-2138/2025",
}
CURRENT = 2025
SOURCE = "cahyadsn/wilayah (MIT), © 2017-2025 Cahya DSN"

RENAMED, SPLIT, UNRESOLVABLE = "renamed-code", "split", "unresolvable"
UNCHANGED, UNKNOWN = "unchanged", "unknown"

#: What ``resolve`` says, by status; placeholders from ``Resolution.details``.
MESSAGES: dict[str, str] = {
    UNCHANGED: N_("{code} is unchanged: {name} in the {current_list} list."),
    RENAMED: N_("{code} ({old_name}) became {new_code} ({new_name}) in the {changed_list} list."),
    SPLIT: N_(
        "{code} ({old_name}) is gone from the {changed_list} list and matches several codes: {candidates}. "
        "Choose the right one."
    ),
    UNRESOLVABLE: N_(
        "{code} ({old_name}) is gone from the {changed_list} list and has no certain successor. "
        "Codes of a similar name to check: {candidates}."
    ),
    UNKNOWN: N_("{code} is in none of the Kemendagri lists Paritrana knows (2016 to 2025)."),
}


@dataclass(frozen=True)
class Change:
    """One code of an earlier list that the 2025 list no longer has."""

    code: str
    name: str
    level: int
    last_seen: int  # the last list that has it
    changed_in: int  # the first list without it
    kind: str  # renamed-code | split | unresolvable
    candidates: tuple[str, ...]  # 2025 codes
    how: str  # how the match was found


@dataclass(frozen=True)
class Resolution:
    """What became of ``code``: ``status`` is unchanged, renamed-code, split, unresolvable or unknown."""

    code: str
    status: str
    name: str = ""  # the 2025 name (unchanged) or the name in the last list that had the code
    candidates: tuple[tuple[str, str], ...] = ()  # (2025 code, its 2025 name)
    last_seen: int | None = None
    changed_in: int | None = None
    how: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English message id; render it with ``details`` (``message.format_map(details)``) after gettext."""
        return MESSAGES[self.status]

    @property
    def new_code(self) -> str | None:
        """The one 2025 code the old code became, or None (split, unresolvable, unknown; unchanged: the code)."""
        if self.status == UNCHANGED:
            return self.code
        return self.candidates[0][0] if self.status == RENAMED else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "name": self.name,
            "new_code": self.new_code,
            "candidates": [{"code": c, "name": n} for c, n in self.candidates],
            "last_seen": self.last_seen,
            "last_seen_list": EDITIONS.get(self.last_seen or 0),
            "changed_in": self.changed_in,
            "changed_in_list": EDITIONS.get(self.changed_in or 0),
            "how": self.how,
            "source": SOURCE,
        }


@lru_cache(maxsize=1)
def changes() -> dict[str, Change]:
    """Every code of the crosswalk, read once from the package data."""
    raw = resources.files("paritrana.regions").joinpath("data", "crosswalk.csv.gz").read_bytes()
    reader = csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8")))
    return {
        row["code"]: Change(
            code=row["code"],
            name=row["name"],
            level=int(row["level"]),
            last_seen=int(row["last_seen"]),
            changed_in=int(row["changed_in"]),
            kind=row["kind"],
            candidates=tuple(row["candidates"].split()),
            how=row["how"],
        )
        for row in reader
    }


def resolve(code: str, *, current: Mapping[str, str], name_of: Callable[[str], str | None]) -> Resolution:
    """What became of the dotted ``code``. ``current`` maps the codes of the 2025 list to their names (or holds
    at least ``code``), ``name_of`` names a 2025 candidate (``None`` when the regions table lacks it)."""
    if code in current:
        name = current[code]
        return Resolution(
            code, UNCHANGED, name=name, details={"code": code, "name": name, "current_list": EDITIONS[CURRENT]}
        )
    change = changes().get(code)
    if change is None:
        return Resolution(code, UNKNOWN, details={"code": code})
    candidates = tuple((c, name_of(c) or "") for c in change.candidates)
    shown = ", ".join(f"{c} {n}".strip() for c, n in candidates) or "-"
    details = {
        "code": code,
        "old_name": change.name,
        "last_list": EDITIONS[change.last_seen],
        "changed_list": EDITIONS[change.changed_in],
        "candidates": shown,
    }
    if change.kind == RENAMED:
        details.update(new_code=candidates[0][0], new_name=candidates[0][1])
    return Resolution(
        code,
        change.kind,
        name=change.name,
        candidates=candidates,
        last_seen=change.last_seen,
        changed_in=change.changed_in,
        how=change.how,
        details=details,
    )


def desa_table() -> list[tuple[str, str, str, str, int]]:
    """The desa/kelurahan rows of the crosswalk, undotted for the worker-list checks: (old code, kind, first
    candidate or "", the candidates as "code / code", the year of the list it disappeared from)."""
    return [
        (
            c.code.replace(".", ""),
            c.kind,
            c.candidates[0] if c.candidates else "",
            " / ".join(c.candidates),
            c.changed_in,
        )
        for c in changes().values()
        if c.level == 4
    ]
