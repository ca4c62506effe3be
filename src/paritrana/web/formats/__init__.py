"""Paritrana's date and number formats per language (``FORMAT_MODULE_PATH``), over Django's own.

One way to write a date per language, on pages and in PDFs: "15 Okt 2025" (id), "15 Oct 2025" (en), in the
configured time zone (Asia/Jakarta by default). Date inputs render and read ISO dates first ("2025-10-15"): that is
what ``<input type="date">`` sends and accepts, whatever the language of the page; the local forms are still read.
Thousand separators are off project-wide (settings), so the separators below are used only where asked for:
``|rupiah``, ``|number``, ``intcomma``.
"""
