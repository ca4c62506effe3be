"""Follow-up documents: the berita acara (minutes) of a session as an A4 PDF and as XLSX, the open follow-ups per
region as XLSX, and a claim's scholarship schedules as XLSX.

Each takes the data from ``queries`` (computed there, once) and returns bytes, so a view, an API endpoint or the
command line serves them alike. The documents are in Bahasa Indonesia whatever the request language: they are
signed and filed by the Pemda and the BPJS branch. Money is written as whole-rupiah integers formatted ``#,##0``.
WeasyPrint takes seconds to import, so it is imported inside ``minutes_pdf``.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateformat import format as format_date

from paritrana.core.dates import today
from paritrana.core.tables import rows_csv, rows_xlsx
from paritrana.core.tables import titled_sheet as _table
from paritrana.followup.choices import FindingStatus, Relation, SchoolLevel, YearState

__all__ = ["indicators_file", "minutes_html", "minutes_pdf", "minutes_xlsx", "open_followups_xlsx", "schedule_xlsx"]

logger = logging.getLogger(__name__)

LANGUAGE = "id"
TEMPLATE = "followup/minutes_report.html"
MONEY_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _workbook(title: str) -> Any:
    from openpyxl import Workbook

    book = Workbook()
    book.properties.title = title
    book.properties.creator = "Paritrana"
    book.properties.language = "id-ID"
    return book


def _bytes(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# Minutes --------------------------------------------------------------------------------------------------------


def _title(data: dict[str, Any]) -> str:
    kind = "Asistensi" if data["kind"] == "asistensi" else "Monitoring dan Evaluasi"
    return f"Berita Acara {kind} Jaminan Sosial Ketenagakerjaan"


def minutes_html(data: dict[str, Any]) -> str:
    """The HTML the PDF is printed from (``data`` is ``queries.minutes(session)``)."""
    with translation.override(LANGUAGE):
        findings = [
            {
                **f,
                "due": _day(f["due_date"]),
                "status_label": _label(FindingStatus, f["status"]),
                "steps": [
                    {**u, "status_label": _label(FindingStatus, u["status"]), "at": u["at"][:10]} for u in f["history"]
                ],
            }
            for f in data["findings"]
        ]
        context = {
            "title": _title(data),
            "data": data,
            "held_on": _day(data["held_on"]),
            "snapshot_on": _day(data["snapshot"].get("on")),
            "programs": data["snapshot"].get("programs", []),
            "totals": data["snapshot"].get("totals", {}),
            "findings": findings,
        }
        return render_to_string(TEMPLATE, context)


def minutes_pdf(data: dict[str, Any]) -> bytes:
    """The berita acara as an A4 portrait PDF in Bahasa Indonesia."""
    import weasyprint

    pdf = weasyprint.HTML(string=minutes_html(data)).write_pdf()
    logger.info("minutes PDF of session %s: %s bytes", data["id"], len(pdf))
    return bytes(pdf)


def minutes_xlsx(data: dict[str, Any]) -> bytes:
    """The minutes as a workbook: "Sesi", "Peserta", "Anggaran" (the snapshot) and "Temuan" (with history)."""
    title = _title(data)
    with translation.override(LANGUAGE):
        held_on = date.fromisoformat(data["held_on"])
        subtitle = f"{data['region_code']} {data['region_name']}, {format_date(held_on, 'j F Y')}"
        book = _workbook(title)
        sheet = book.active
        sheet.title = "Sesi"
        facts = [
            ["Jenis", data["kind_label"]],
            ["Tanggal", _day(data["held_on"])],
            ["Tempat", data["place"]],
            ["Kantor BPJS", data["bpjs_office"]],
            ["Wilayah", f"{data['region_code']} {data['region_name']}"],
            ["Tahun anggaran", data["fiscal_year"]],
            ["Ringkasan", data["summary"]],
        ]
        _table(sheet, title, subtitle, [("Keterangan", 20, None), ("Isi", 60, None)], facts)
        sheet["B6"].number_format = DATE_FORMAT
        _table(
            book.create_sheet("Peserta"),
            title,
            subtitle,
            [("Nama", 30, None), ("OPD/Instansi", 36, None), ("Jabatan", 28, None)],
            [[a["name"], a["institution"], a["position"]] for a in data["attendees"]],
        )
        snap = data["snapshot"]
        money = [
            ("Program", 36, None),
            ("Sponsor", 30, None),
            ("OPD", 20, None),
            ("Pagu (Rp)", 18, MONEY_FORMAT),
            ("Komitmen (Rp)", 18, MONEY_FORMAT),
            ("Dibayar (Rp)", 18, MONEY_FORMAT),
            ("Serapan (%)", 11, PERCENT_FORMAT),
        ]
        rows = [
            [p["program"], p["sponsor"], p["opd"], p["pagu"], p["committed"], p["paid"], p["absorption_pct"]]
            for p in snap.get("programs", [])
        ]
        totals = snap.get("totals") or {}
        if rows:
            rows.append(
                [
                    "Jumlah",
                    None,
                    None,
                    totals.get("pagu"),
                    totals.get("committed"),
                    totals.get("paid"),
                    totals.get("absorption_pct"),
                ]
            )
        _table(book.create_sheet("Anggaran"), title, f"per tanggal {snap.get('on', '-')}", money, rows)
        _table(
            book.create_sheet("Temuan"),
            title,
            subtitle,
            [
                ("No", 5, None),
                ("Temuan", 40, None),
                ("Rekomendasi", 40, None),
                ("Penanggung jawab", 24, None),
                ("Tenggat", 12, DATE_FORMAT),
                ("Status", 14, None),
                ("Alasan dibatalkan", 24, None),
                ("Riwayat", 60, None),
            ],
            [
                [
                    i,
                    f["text"],
                    f["recommendation"],
                    f["owner"],
                    _day(f["due_date"]),
                    _label(FindingStatus, f["status"]),
                    f["drop_reason"],
                    "; ".join(
                        f"{u['at'][:10]} {u['by']}: {_label(FindingStatus, u['status'])}"
                        + (f" ({u['note']})" if u["note"] else "")
                        for u in f["history"]
                    ),
                ]
                for i, f in enumerate(data["findings"], start=1)
            ],
        )
    return _bytes(book)


# Open follow-ups ------------------------------------------------------------------------------------------------


def open_followups_xlsx(findings: list[Any], *, on: date, region_names: dict[str, str] | None = None) -> bytes:
    """Open follow-ups per region: "Per wilayah" (open and overdue counts) and "Tindak lanjut" (one row each)."""
    names = region_names or {}
    title = "Tindak lanjut asistensi dan monev yang belum selesai"
    with translation.override(LANGUAGE):
        subtitle = f"per tanggal {format_date(on, 'j F Y')}"
        book = _workbook(title)
        summary = book.active
        summary.title = "Per wilayah"
        open_by = Counter(f.session.region_code for f in findings)
        late_by = Counter(f.session.region_code for f in findings if f.due_date < on)
        _table(
            summary,
            title,
            subtitle,
            [("Kode wilayah", 14, None), ("Wilayah", 30, None), ("Terbuka", 10, None), ("Lewat tenggat", 12, None)],
            [[code, names.get(code, ""), n, late_by.get(code, 0)] for code, n in sorted(open_by.items())],
        )
        _table(
            book.create_sheet("Tindak lanjut"),
            title,
            subtitle,
            [
                ("Kode wilayah", 14, None),
                ("Wilayah", 26, None),
                ("Sesi", 12, DATE_FORMAT),
                ("Jenis sesi", 12, None),
                ("Temuan", 40, None),
                ("Rekomendasi", 40, None),
                ("Penanggung jawab", 24, None),
                ("Tenggat", 12, DATE_FORMAT),
                ("Status", 14, None),
                ("Hari terlambat", 10, None),
            ],
            [
                [
                    f.session.region_code,
                    names.get(f.session.region_code, ""),
                    f.session.held_on,
                    f.session.kind,
                    f.text,
                    f.recommendation,
                    f.owner,
                    f.due_date,
                    _label(FindingStatus, f.status),
                    max((on - f.due_date).days, 0),
                ]
                for f in findings
            ],
        )
    return _bytes(book)


# Scholarship schedule -------------------------------------------------------------------------------------------


def schedule_xlsx(children: list[Any], *, title: str) -> bytes:
    """The scholarship schedule of a claim's children (``queries.ChildYears``): one row per child and school year
    with its level, amount, due date, disbursement and state ("Jadwal"), and one per child ("Anak")."""
    with translation.override(LANGUAGE):
        on = children[0].on if children else today()
        subtitle = f"per tanggal {format_date(on, 'j F Y')}"
        book = _workbook(title)
        sheet = book.active
        sheet.title = "Jadwal"
        _table(
            sheet,
            title,
            subtitle,
            [
                ("Anak", 24, None),
                ("Tahun ajaran", 12, None),
                ("Jenjang", 24, None),
                ("Tahun ke-", 8, None),
                ("Usia", 6, None),
                ("Jumlah (Rp)", 16, MONEY_FORMAT),
                ("Kumulatif (Rp)", 16, MONEY_FORMAT),
                ("Tenggat", 12, DATE_FORMAT),
                ("Dicairkan", 12, DATE_FORMAT),
                ("Referensi", 18, None),
                ("Status", 22, None),
            ],
            [
                [
                    c.child.heir.name,
                    r.year.school_year,
                    _label(SchoolLevel, r.year.level),
                    r.year.year_in_level,
                    r.year.age,
                    int(r.year.amount),
                    int(r.year.cumulative),
                    r.year.due,
                    r.record.disbursed_on if r.record else None,
                    r.record.reference if r.record else "",
                    _label(YearState, r.state),
                ]
                for c in children
                for r in c.rows
            ],
        )
        _table(
            book.create_sheet("Anak"),
            title,
            subtitle,
            [
                ("Anak", 24, None),
                ("Hubungan", 14, None),
                ("Tanggal lahir", 12, DATE_FORMAT),
                ("Batas per anak (Rp)", 18, MONEY_FORMAT),
                ("Total jadwal (Rp)", 18, MONEY_FORMAT),
                ("Sudah dicairkan (Rp)", 18, MONEY_FORMAT),
                ("Tahun terlewat", 10, None),
                ("Tahun terlambat", 10, None),
                ("Berakhir", 14, None),
            ],
            [
                [
                    c.child.heir.name,
                    _label(Relation, c.child.heir.relation),
                    c.child.heir.birth_date,
                    int(c.schedule.cap),
                    int(c.schedule.total),
                    c.disbursed_total,
                    len(c.missing),
                    len(c.late),
                    c.schedule.end_reason,
                ]
                for c in children
            ],
        )
    return _bytes(book)


# Award indicators -----------------------------------------------------------------------------------------------


def indicators_file(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """Indicator rows (``queries.award_indicators`` or, renamed to criteria, ``indicator_sheet_rows``) as CSV or
    XLSX with their keys as the header: the second form is what the award's spreadsheet import reads."""
    columns = list(rows[0]) if rows else ["region_code", "criterion", "value"]
    return rows_csv(columns, rows) if fmt == "csv" else rows_xlsx(columns, rows, "indicators")
