"""The rule book: every figure from ``data/rates.toml`` with its dates and source, looked up by key and date.

The packaged book ships with a release. A **site rule file** (``PARITRANA_RULES_FILE``, default
``DATA_DIR/rules.toml``) adds entries over it without a release: a new March JP cap, next year's discount. The site
file is validated by the same checks as the packaged book plus two of its own (a key the packaged book does not know
is refused unless it is a new ``discount.*``; no negative rate), and is taken whole or not at all: a refused file
leaves the packaged book in force and says why (``site_status``). An entry of the site file with the key and start
date of a packaged entry replaces it (a correction); any other overlap is refused.

Every result says which book priced it (``RuleBook.label``: packaged version, plus the site file's digest).
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from paritrana.core.errors import ConfigurationError, NotInForce

__all__ = [
    "DEFAULT_PATH",
    "Citation",
    "Entry",
    "RuleBook",
    "SiteStatus",
    "configure",
    "current",
    "load_rules",
    "load_site",
    "site_status",
]

logger = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).with_name("data") / "rates.toml"
STATUSES = ("confirmed", "partial", "unconfirmed")
_REQUIRED = ("key", "value", "effective_from", "regulation", "article", "status")
#: Months after its latest entry that a yearly figure is presumed stale (the JP cap changes every March).
STALE_AFTER_MONTHS = 12


@dataclass(frozen=True)
class Citation:
    item: str
    regulation: str
    article: str
    status: str
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        d = {"item": self.item, "regulation": self.regulation, "article": self.article, "status": self.status}
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class Entry:
    key: str
    value: Any
    effective_from: date
    effective_to: date | None
    citation: Citation = field(compare=False)
    origin: str = field(default="packaged", compare=False)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "origin": self.origin,
            **{k: v for k, v in self.citation.as_dict().items() if k != "item"},
        }


class RuleBook:
    """Entries grouped by key, sorted by date, with at most one in force on any day.

    ``version``: the packaged book's version; ``reviewed``: the day its figures were last checked against the
    sources; ``yearly``: keys that get a new figure every year (stale 12 months after their latest entry)."""

    def __init__(
        self,
        entries: list[Entry],
        *,
        version: str = "",
        reviewed: date | None = None,
        yearly: tuple[str, ...] = (),
        site: str = "",
    ) -> None:
        by_key: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            by_key[e.key].append(e)
        for key, items in by_key.items():
            items.sort(key=lambda e: e.effective_from)
            for earlier, later in zip(items, items[1:], strict=False):
                if earlier.effective_to is not None and earlier.effective_to >= later.effective_from:
                    raise ConfigurationError(
                        problem=f"{key}: periods from {earlier.effective_from} and {later.effective_from} overlap"
                    )
                if earlier.effective_from == later.effective_from:
                    raise ConfigurationError(problem=f"{key}: two entries start on {later.effective_from}")
        self._by_key = dict(by_key)
        self.version, self.reviewed, self.yearly, self.site = version, reviewed, yearly, site

    @property
    def label(self) -> str:
        """Which book this is, as recorded on quotes, bills and benefits: ``2026.12.04`` or
        ``2026.12.04+site:1a2b3c4d5e6f``."""
        return f"{self.version or 'custom'}{'+site:' + self.site if self.site else ''}"

    @property
    def entries(self) -> list[Entry]:
        return [e for items in self._by_key.values() for e in items]

    def key_names(self) -> list[str]:
        return sorted(self._by_key)

    def history(self, key: str) -> list[Entry]:
        return list(self._by_key.get(key, ()))

    def find(self, key: str, on: date) -> Entry | None:
        """The entry in force on ``on``: the latest that started on or before it and has not ended."""
        found = None
        for e in self._by_key.get(key, ()):
            if e.effective_from <= on:
                found = e
        return found if found is not None and found.in_force(on) else None

    def get(self, key: str, on: date, *, subject: str | None = None) -> Entry:
        entry = self.find(key, on)
        if entry is None:
            raise NotInForce(subject=subject or key, date=on.isoformat())
        return entry

    def in_force(self, on: date, prefix: str = "") -> list[Entry]:
        """Every entry in force on ``on`` whose key starts with ``prefix``, by key."""
        found = (self.find(k, on) for k in self.key_names() if k.startswith(prefix))
        return [e for e in found if e is not None]

    def uncertain(self) -> list[Entry]:
        """Entries not marked confirmed, for docs/rules.md and the notes of results."""
        return [e for e in self.entries if e.citation.status != "confirmed"]

    def warnings(self, on: date, used: set[str] | None = None) -> list[str]:
        """What a reader of a result priced on ``on`` should know about the book's age:
        - a yearly figure (``used`` ones, or all) whose latest entry is more than 12 months before ``on``;
        - a date after the day the book was last reviewed: the yearly figures used are carried forward from it."""
        out: list[str] = []
        for key in self.yearly:
            if used is not None and key not in used:
                continue
            items = self._by_key.get(key)
            if not items:
                continue
            latest = items[-1].effective_from
            if on > _add_months(latest, STALE_AFTER_MONTHS):
                out.append(
                    f"{key}: the latest figure is from {latest.isoformat()}, more than {STALE_AFTER_MONTHS} months "
                    f"before {on.isoformat()}; it changes every year, so it may be stale. Add the new figure to the "
                    "site rule file."
                )
        if self.reviewed is not None and on > self.reviewed and used:
            # Only the yearly figures: a flat rate holds until a regulation changes it, a yearly one is due to change.
            carried = sorted(k for k in used & set(self.yearly) if self._by_key.get(k))
            if carried:
                out.append(
                    f"{on.isoformat()} is after {self.reviewed.isoformat()}, the day this rule book was last "
                    f"checked; carried forward: {', '.join(carried)}."
                )
        return out

    def diff(self, start: date, end: date) -> list[dict[str, Any]]:
        """What changed between two dates: every key whose entry in force differs, with both sides."""
        changes: list[dict[str, Any]] = []
        for key in self.key_names():
            before, after = self.find(key, start), self.find(key, end)
            if before == after:
                continue
            changes.append(
                {
                    "key": key,
                    "from": before.as_dict() if before else None,
                    "to": after.as_dict() if after else None,
                    "change": "added" if before is None else "ended" if after is None else "changed",
                }
            )
        return changes


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = (date(year + (month == 11), (month + 1) % 12 + 1, 1) - date(year, month + 1, 1)).days
    return date(year, month + 1, min(day.day, last))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)) if isinstance(value, str | int | float) else None
    except InvalidOperation:
        return None


def _check_values(key: str, value: Any, where: str) -> None:
    """No negative rate or amount anywhere in a value (tables and lists included); no percentage above 100."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_values(f"{key}.{k}", v, where)
        return
    if isinstance(value, list):
        for v in value:
            _check_values(key, v, where)
        return
    number = _number(value)
    if number is None:
        return
    if not number.is_finite() or number < 0:
        raise ConfigurationError(problem=f"{where}: {key} = {value!r} is negative or not a number")
    if key.endswith("_pct") and number > 100:
        raise ConfigurationError(problem=f"{where}: {key} = {value!r} is above 100%")


def _parse(raw: dict[str, Any], index: int, origin: str = "packaged") -> Entry:
    if not isinstance(raw, dict):
        raise ConfigurationError(problem=f"entry {index}: not a table")
    missing = [k for k in _REQUIRED if k not in raw]
    where = f"entry {index} ({raw.get('key', '?')})"
    if missing:
        raise ConfigurationError(problem=f"{where}: missing {', '.join(missing)}")
    key = str(raw["key"])
    unknown = sorted(set(raw) - {*_REQUIRED, "effective_to", "note"})
    if unknown:
        raise ConfigurationError(problem=f"{where}: unknown field {', '.join(unknown)}")
    if raw["status"] not in STATUSES:
        raise ConfigurationError(problem=f"{where}: status must be one of {', '.join(STATUSES)}")
    if raw["status"] != "confirmed" and not str(raw.get("note", "")).strip():
        raise ConfigurationError(problem=f"{where} from {raw['effective_from']}: a {raw['status']} figure needs a note")
    start, end = raw["effective_from"], raw.get("effective_to")
    if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
        raise ConfigurationError(problem=f"{where}: effective dates must be TOML dates (YYYY-MM-DD)")
    if end is not None and end < start:
        raise ConfigurationError(problem=f"{where}: effective_to {end} is before effective_from {start}")
    if not str(raw["regulation"]).strip() or not str(raw["article"]).strip():
        raise ConfigurationError(problem=f"{where}: the regulation and article (citation) must not be empty")
    _check_values(key if key.endswith("_pct") else "value", raw["value"], where)
    citation = Citation(
        item=key,
        regulation=str(raw["regulation"]),
        article=str(raw["article"]),
        status=str(raw["status"]),
        note=str(raw.get("note", "")),
    )
    return Entry(key=key, value=raw["value"], effective_from=start, effective_to=end, citation=citation, origin=origin)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(problem=f"{path.name}: {exc}") from exc


def _entries(data: dict[str, Any], name: str, origin: str) -> list[Entry]:
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(problem=f"{name}: no [[entry]] tables")
    return [_parse(raw, i, origin) for i, raw in enumerate(entries, start=1)]


def load_rules(path: Path | str | None = None) -> RuleBook:
    """Load and validate a rule file; without a path, the book in force (packaged + site file, cached)."""
    if path is None:
        return current()
    return _load(Path(path))


def _load(path: Path) -> RuleBook:
    data = _read(path)
    book = data.get("book", {})
    reviewed = book.get("reviewed")
    return RuleBook(
        _entries(data, path.name, "packaged"),
        version=str(book.get("version", "")),
        reviewed=reviewed if isinstance(reviewed, date) else None,
        yearly=tuple(book.get("yearly", ())),
    )


@lru_cache(maxsize=1)
def packaged() -> RuleBook:
    return _load(DEFAULT_PATH)


def load_site(path: Path, base: RuleBook | None = None) -> tuple[RuleBook, list[Entry]]:
    """The packaged book with the site file's entries merged over it, and the packaged entries it replaced.
    Raises ConfigurationError naming the entry and the reason; nothing of a refused file is used."""
    base = base or packaged()
    data = _read(path)
    if set(data) - {"entry"}:
        raise ConfigurationError(problem=f"{path.name}: only [[entry]] tables are allowed in a site rule file")
    added = _entries(data, path.name, "site")
    known = set(base.key_names())
    for i, e in enumerate(added, start=1):
        if e.key not in known and not e.key.startswith("discount."):
            raise ConfigurationError(
                problem=f"entry {i} ({e.key}): unknown key; a site file may add figures to the keys of the packaged "
                "book (paritrana rules list) or a new discount.*"
            )
    replaced_at = {(e.key, e.effective_from) for e in added}
    kept: list[Entry] = []
    replaced: list[Entry] = []
    for e in base.entries:
        (replaced if (e.key, e.effective_from) in replaced_at else kept).append(e)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    _refuse_dead_ends(kept, added)
    merged = RuleBook(kept + added, version=base.version, reviewed=base.reviewed, yearly=base.yearly, site=digest)
    return merged, replaced


def _refuse_dead_ends(kept: list[Entry], added: list[Entry]) -> None:
    """A site entry with an end date that would follow an open-ended figure overlaps it: after the end there would
    be no figure at all. The officer closes the earlier figure (a replacing entry) or adds the one that follows."""
    for e in added:
        same = sorted((x for x in kept + added if x.key == e.key), key=lambda x: x.effective_from)
        i = same.index(e)
        if e.effective_to is not None and i == len(same) - 1 and i > 0 and same[i - 1].effective_to is None:
            raise ConfigurationError(
                problem=f"{e.key}: the entry from {e.effective_from} to {e.effective_to} overlaps the open-ended "
                f"entry from {same[i - 1].effective_from}; close that one or add the figure that follows"
            )


@dataclass(frozen=True)
class SiteStatus:
    """What became of the site rule file: ``absent``, ``loaded`` or ``refused`` (with the reason)."""

    path: str
    state: str
    digest: str = ""
    entries: int = 0
    replaced: tuple[str, ...] = ()
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


class _Current:
    """The book in force in this process: reloaded when the site file changes (a stat per lookup)."""

    path: Path | None = None
    stamp: tuple[int, int] | None = None
    book: RuleBook | None = None
    status: SiteStatus = SiteStatus(path="", state="absent")
    on_load: Callable[[SiteStatus], None] | None = None


def configure(site_path: Path | str | None, on_load: Callable[[SiteStatus], None] | None = None) -> None:
    """Set the site rule file (None: none) and a callback told of each load (the app audits it)."""
    _Current.path = Path(site_path) if site_path else None
    _Current.on_load = on_load
    _Current.stamp, _Current.book = None, None


def _stamp(path: Path | None) -> tuple[int, int] | None:
    try:
        st = path.stat() if path else None
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size) if st else None


def current() -> RuleBook:
    """The packaged book, with the site file merged over it when one is configured and valid."""
    stamp = _stamp(_Current.path)
    if _Current.book is not None and stamp == _Current.stamp:
        return _Current.book
    base = packaged()
    path = _Current.path
    if stamp is None or path is None:
        book, status = base, SiteStatus(path=str(path or ""), state="absent")
    else:
        try:
            book, replaced = load_site(path, base)
            status = SiteStatus(
                path=str(path),
                state="loaded",
                digest=book.site,
                entries=len(book.entries) - len(base.entries) + len(replaced),
                replaced=tuple(f"{e.key}@{e.effective_from.isoformat()}" for e in replaced),
            )
        except ConfigurationError as exc:
            book = base
            status = SiteStatus(path=str(path), state="refused", error=str(exc.details.get("problem", exc)))
            logger.error("site rule file %s refused, the packaged book stays in force: %s", path, status.error)
    _Current.book, _Current.stamp, _Current.status = book, stamp, status
    if status.state != "absent" and _Current.on_load is not None:
        _Current.on_load(status)
    return book


def site_status() -> SiteStatus:
    current()
    return _Current.status
