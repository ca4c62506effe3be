"""Derive the crosswalk from the region codes of earlier Kemendagri lists to the 2025 codes, and write it as the
package data ``src/paritrana/regions/data/crosswalk.csv.gz`` (read by ``paritrana.regions.crosswalk``).

    uv run python scripts/derive_region_crosswalk.py [--data /work/shared/data/regions] [--out FILE]

Input: ``wilayah-2016/2020/2022/2023/2025.csv.gz`` (``code,name``; cahyadsn/wilayah, MIT; how they were made and the
decree behind each is in the README beside them). Only codes that no longer exist in the 2025 list are written; a
code the 2025 list still has is the 2025 region (a list cannot tell us which edition it was written in).

Method (the one the data's README suggests), for each earlier list against 2025, top-down by level:

1. A code both lists have is kept, whatever its spelling: it continues itself, and no other old code maps to it.
2. A code that is gone is matched by its normalised name (upper case, no diacritics, only letters and digits,
   ``KAB.`` -> ``KABUPATEN``, ``ADM.`` -> ``ADMINISTRASI``; Kabupaten and Kota stay apart) among the 2025 codes of
   the same level that are not kept: under its parent, or under what its parent became when the parent is gone
   (the 2022 Papua split recoded 91.01 Merauke as 93.01); failing that, within its kabupaten/kota (a desa moved to
   another kecamatan); a kabupaten/kota nationally.
3. A kecamatan or kabupaten/kota whose name is not found follows its desa: where the desa that resolved went.
4. One candidate: ``renamed-code``. Several: ``split`` (the area, or the name, went to several codes: a person
   chooses). None: ``unresolvable``, with the 2025 codes of the same level and a similar name (``difflib`` ratio at
   least 0.8) under the same parent as candidates for a person to check, or none.

A code gone from several lists is taken from the last list that has it (its parents there are the nearest to 2025).
``changed_in`` is the first list without it. The output is sorted by code and gzipped with mtime 0, so running the
script again on the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import gzip
import io
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

EDITIONS = (2016, 2020, 2022, 2023)
CURRENT = 2025
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "paritrana" / "regions" / "data" / "crosswalk.csv.gz"
COLUMNS = ("code", "name", "level", "last_seen", "changed_in", "kind", "candidates", "how")


def load(folder: Path, year: int) -> dict[str, str]:
    with gzip.open(folder / f"wilayah-{year}.csv.gz", "rt", encoding="utf-8", newline="") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    text = re.sub(r"\bKAB\b\.?", "KABUPATEN ", text)
    text = re.sub(r"\bADM\b\.?", "ADMINISTRASI ", text)
    return re.sub(r"[^A-Z0-9]", "", text)


def level(code: str) -> int:
    return code.count(".") + 1


def parent(code: str) -> str:
    return code.rsplit(".", 1)[0] if "." in code else ""


def kabkota(code: str) -> str:
    return ".".join(code.split(".")[:2])


class Current:
    """The 2025 list, indexed for matching."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.by_parent: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.by_kab: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.by_level: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for code, name in names.items():
            key = norm(name)
            self.by_parent[parent(code)][key].append(code)
            self.by_level[level(code)][key].append(code)
            if level(code) >= 3:
                self.by_kab[(kabkota(code), level(code))][key].append(code)

    def children(self, code: str, lvl: int) -> list[str]:
        return [c for codes in self.by_parent[code].values() for c in codes if level(c) == lvl]


def derive(old: dict[str, str], cur: Current) -> dict[str, tuple[str, list[str], str]]:
    """code -> (kind, candidates, how) for every code of ``old`` that the current list no longer has."""
    kept = {c for c in old if c in cur.names}
    gone = sorted((c for c in old if c not in cur.names), key=lambda c: (level(c), c))
    found: dict[str, tuple[str, list[str], str]] = {}

    def free(codes: list[str]) -> list[str]:
        return sorted(c for c in codes if c not in kept)

    def became(code: str) -> list[str]:
        """What an old code (a parent) is in 2025: itself when kept, its match when gone and matched."""
        if code in cur.names:
            return [code]
        kind, cands, _how = found.get(code, ("unresolvable", [], ""))
        return cands if kind in ("renamed-code", "split") else []

    def classify(cands: list[str], how: str) -> tuple[str, list[str], str]:
        return ("renamed-code" if len(cands) == 1 else "split", cands, how)

    unmatched: list[str] = []
    for code in gone:
        lvl, key = level(code), norm(old[code])
        if lvl == 1:
            cands = free(cur.by_level[1].get(key, []))
            how = "name, nationally"
        elif lvl == 2:
            cands = free([c for p in became(parent(code)) for c in cur.by_parent[p].get(key, [])])
            how = "name within the province"
            if not cands:
                cands, how = free(cur.by_level[2].get(key, [])), "name, nationally"
        else:
            cands = free([c for p in became(parent(code)) for c in cur.by_parent[p].get(key, [])])
            how = "name within the parent"
            if not cands:
                cands = free([c for k in became(kabkota(code)) for c in cur.by_kab[(k, lvl)].get(key, [])])
                how = "name within the kabupaten/kota"
        if cands:
            found[code] = classify(cands, how)
        else:
            unmatched.append(code)
    # A kecamatan or kabupaten/kota whose name was not found follows its desa (deepest levels first, so that a
    # kabupaten can follow the kecamatan that followed their desa).
    for code in sorted((c for c in unmatched if level(c) in (2, 3)), key=lambda c: -level(c)):
        lvl = level(code)
        prefix = code + "."
        went: Counter[str] = Counter()
        for child, (kind, cands, _how) in found.items():
            if child.startswith(prefix) and kind == "renamed-code":
                went[".".join(cands[0].split(".")[:lvl])] += 1
        targets = [c for c, _n in went.most_common() if c in cur.names and c not in kept]
        if targets:
            found[code] = classify(targets, "where its desa went")
    for code in unmatched:
        if code in found:
            continue
        lvl, key = level(code), norm(old[code])
        pool = [c for p in became(parent(code)) for c in cur.children(p, lvl)] if lvl > 1 else []
        if not pool and lvl >= 3:
            pool = [c for k in became(kabkota(code)) for codes in cur.by_kab[(k, lvl)].values() for c in codes]
        scored = sorted(
            ((difflib.SequenceMatcher(None, key, norm(cur.names[c])).ratio(), c) for c in pool),
            key=lambda s: (-s[0], s[1]),
        )
        similar = [c for ratio, c in scored if ratio >= 0.8][:3]
        found[code] = ("unresolvable", similar, "similar name, to check" if similar else "no match")
    return found


def build(folder: Path) -> list[dict[str, str]]:
    lists = {year: load(folder, year) for year in (*EDITIONS, CURRENT)}
    cur = Current(lists[CURRENT])
    derived = {year: derive(lists[year], cur) for year in EDITIONS}
    rows = []
    for code in sorted(set().union(*derived.values())):
        last = max(y for y in EDITIONS if code in lists[y])
        changed_in = next(y for y in (*EDITIONS, CURRENT) if y > last and code not in lists[y])
        kind, cands, how = derived[last][code]
        rows.append(
            {
                "code": code,
                "name": lists[last][code],
                "level": str(level(code)),
                "last_seen": str(last),
                "changed_in": str(changed_in),
                "kind": kind,
                "candidates": " ".join(cands),
                "how": how,
            }
        )
    return rows


def write(rows: list[dict[str, str]], out: Path) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/regions"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = build(args.data)
    write(rows, args.out)
    counts = Counter((r["last_seen"], r["kind"]) for r in rows)
    sys.stdout.write(f"{len(rows)} codes written to {args.out}\n")
    for (year, kind), n in sorted(counts.items()):
        sys.stdout.write(f"  last seen {year}: {kind:<13} {n}\n")
    levels = Counter((r["level"], r["kind"]) for r in rows)
    for (lvl, kind), n in sorted(levels.items()):
        sys.stdout.write(f"  level {lvl}: {kind:<13} {n}\n")


if __name__ == "__main__":
    main()
