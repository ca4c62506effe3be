"""Bahasa Indonesia is the default language: every message is translated, placeholders intact, .mo up to date."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src" / "paritrana" / "locale" / "id" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


def _translation(entry: polib.POEntry) -> str:
    """The Indonesian text (Indonesian has one plural form, so a plural entry has one translation)."""
    return entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr


def test_every_message_is_translated_and_keeps_its_placeholders() -> None:
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po if not _translation(e) or "fuzzy" in e.flags]
    assert not untranslated, f"translate in django.po: {untranslated}"
    for entry in po:
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(_translation(entry))), entry.msgid


def _compiled(mo: gettext.GNUTranslations, entry: polib.POEntry) -> str:
    """What the .mo answers for an entry, its context (pgettext) included."""
    if entry.msgctxt:
        if entry.msgid_plural:
            return mo.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
        return mo.pgettext(entry.msgctxt, entry.msgid)
    return mo.ngettext(entry.msgid, entry.msgid_plural, 1) if entry.msgid_plural else mo.gettext(entry.msgid)


def test_compiled_catalogue_matches_the_po_file() -> None:
    po = polib.pofile(str(LOCALE / "django.po"))
    with (LOCALE / "django.mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = [e.msgid for e in po if not e.obsolete and _compiled(mo, e) != _translation(e)]
    assert not stale, f"run 'make messages' (the .mo is older than the .po): {stale[:5]}"
