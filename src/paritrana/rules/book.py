"""The rule book: every figure from ``data/rates.toml`` with its dates and source, looked up by key and date."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from paritrana.core.errors import ConfigurationError, NotInForce

__all__ = ["DEFAULT_PATH", "Citation", "Entry", "RuleBook", "load_rules"]

DEFAULT_PATH = Path(__file__).with_name("data") / "rates.toml"
STATUSES = ("confirmed", "partial", "unconfirmed")
_REQUIRED = ("key", "value", "effective_from", "regulation", "article", "status")


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

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


class RuleBook:
    """Entries grouped by key, sorted by date, with at most one in force on any day."""

    def __init__(self, entries: list[Entry]) -> None:
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

    @property
    def entries(self) -> list[Entry]:
        return [e for items in self._by_key.values() for e in items]

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

    def uncertain(self) -> list[Entry]:
        """Entries not marked confirmed, for docs/rules.md and the notes of results."""
        return [e for e in self.entries if e.citation.status != "confirmed"]


def _parse(raw: dict[str, Any], index: int) -> Entry:
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ConfigurationError(problem=f"entry {index} ({raw.get('key', '?')}): missing {', '.join(missing)}")
    key = str(raw["key"])
    if raw["status"] not in STATUSES:
        raise ConfigurationError(problem=f"{key}: status must be one of {', '.join(STATUSES)}")
    if raw["status"] != "confirmed" and not raw.get("note"):
        raise ConfigurationError(problem=f"{key} from {raw['effective_from']}: a {raw['status']} figure needs a note")
    start, end = raw["effective_from"], raw.get("effective_to")
    if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
        raise ConfigurationError(problem=f"{key}: effective dates must be TOML dates (YYYY-MM-DD)")
    if end is not None and end < start:
        raise ConfigurationError(problem=f"{key}: effective_to {end} is before effective_from {start}")
    if not str(raw["regulation"]).strip():
        raise ConfigurationError(problem=f"{key}: the regulation (citation) is empty")
    citation = Citation(
        item=key,
        regulation=str(raw["regulation"]),
        article=str(raw["article"]),
        status=str(raw["status"]),
        note=str(raw.get("note", "")),
    )
    return Entry(key=key, value=raw["value"], effective_from=start, effective_to=end, citation=citation)


def load_rules(path: Path | str | None = None) -> RuleBook:
    """Load and validate a rule file; the default one is cached."""
    if path is None:
        return _default()
    return _load(Path(path))


def _load(path: Path) -> RuleBook:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(problem=f"{path.name}: {exc}") from exc
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(problem=f"{path.name}: no [[entry]] tables")
    return RuleBook([_parse(raw, i) for i, raw in enumerate(entries, start=1)])


@lru_cache(maxsize=1)
def _default() -> RuleBook:
    return _load(DEFAULT_PATH)
