"""Reads of the rule book for the pages, the API, the command line and the health check (one place each)."""

from __future__ import annotations

from datetime import date
from typing import Any

from paritrana.rules.book import current, site_status


def value_text(value: Any) -> str:
    """A figure as a person reads it: tables as ``key: value`` pairs, lists joined."""
    if isinstance(value, list):
        return "; ".join(
            ", ".join(f"{k} {v}" for k, v in item.items()) if isinstance(item, dict) else str(item) for item in value
        )
    if isinstance(value, dict):
        return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items())
    return str(value) or "(unknown)"


def book_warnings(on: date) -> list[str]:
    """What an officer must know about the book on ``on``: stale yearly figures, a refused site rule file."""
    book = current()
    warnings = book.warnings(on)  # staleness of every yearly figure (no "carried forward": no figure is priced)
    status = site_status()
    if status.state == "refused":
        warnings.insert(
            0, f"The site rule file {status.path} was refused ({status.error}); the packaged book is in force."
        )
    return warnings


def rulebook_summary(on: date) -> dict[str, Any]:
    """Every figure of the book in force, by key, with the entry in force on ``on`` marked."""
    book = current()
    keys = []
    for key in book.key_names():
        in_force = book.find(key, on)
        keys.append(
            {
                "key": key,
                "entries": [
                    e.as_dict() | {"current": e == in_force, "value_text": value_text(e.value)}
                    for e in book.history(key)
                ],
            }
        )
    return {
        "book": book.label,
        "version": book.version,
        "reviewed": book.reviewed.isoformat() if book.reviewed else None,
        "site": site_status().as_dict(),
        "on": on.isoformat(),
        "warnings": book_warnings(on),
        "keys": keys,
    }


def rulebook_diff(start: date, end: date) -> list[dict[str, Any]]:
    changes = current().diff(start, end)
    for change in changes:
        for side in ("from", "to"):
            if change[side]:
                change[side]["value_text"] = value_text(change[side]["value"])
    return changes
