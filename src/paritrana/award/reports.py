"""Publication outputs of the award, and the presentation helpers the pages share with them.

- ``results_xlsx``: the full results of a category: sheet "Hasil" is ``sheets.export_rows(category, "results")``
  as it is (one row per participant: rank, zone rank, title, region, total and the points of every leaf, the
  same columns as the CSV export), then "Sensitivitas" (how stable each rank is), "Kriteria" (the criteria tree
  with weights) and "Keterangan" (the edition, the tie-break rule, whether the framework is an example).
- ``certificates_pdf``: the piagam of every participant with a title, one A4 landscape page each.
- ``participant_pdf``: a participant's report: aspects, every leaf with its points, rank, stability, and what
  would lift it one rank.

The documents are in Bahasa Indonesia whatever the request language (they are filed and handed over), like the
monev report of ``sponsorship.reports``. weasyprint takes seconds to import, so it is imported where it is used.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date

from paritrana.award import scoring, sheets
from paritrana.award.models import Category, Participant, Result
from paritrana.core.errors import N_, Conflict
from paritrana.core.tables import neutralise

__all__ = [
    "breakdown_rows",
    "certificates_pdf",
    "criteria_rows",
    "leaf_names",
    "lift_rows",
    "participant_pdf",
    "results_xlsx",
    "stability",
]

logger = logging.getLogger(__name__)

LANGUAGE = "id"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A missing value decided by the committee, as the breakdown shows it in place of the value.
DECISION_LABELS = {
    "id": {"exempt": "dikecualikan (keputusan panitia)", "zero": "nol (keputusan panitia)"},
    "en": {"exempt": "exempt (committee's decision)", "zero": "zero (committee's decision)"},
}
METHOD_LABELS = {
    "id": {"indicator": "Indikator cakupan", "question": "Penilaian mandiri", "jury": "Rubrik juri"},
    "en": {"indicator": "Coverage indicator", "question": "Self-assessment", "jury": "Jury rubric"},
}
ANSWER_LABELS = {
    "id": {"yes_no": "ya/tidak", "number": "angka", "choice": "pilihan", "text": "uraian (dinilai panitia)"},
    "en": {"yes_no": "yes/no", "number": "number", "choice": "choice", "text": "text (scored by the committee)"},
}
TIE_BREAK_RULE = (
    "Nilai total lebih tinggi di atas. Nilai yang sama hingga 1e-9 poin dianggap seri; seri diurutkan menurut "
    "nilai tiap aspek (aspek berbobot terbesar lebih dulu), lalu menurut nama secara alfabetis. Peserta yang "
    "masih seri sebelum aturan nama ditandai 'berbagi peringkat'."
)


def _language(language: str | None = None) -> str:
    code = language or translation.get_language() or LANGUAGE
    return "en" if code.startswith("en") else "id"


def text_of(mapping: Mapping[str, str] | None, language: str | None = None) -> str:
    """A framework text ({"id": ..., "en": ...}) in ``language``, falling back to Indonesian."""
    if not mapping:
        return ""
    return mapping.get(_language(language)) or mapping.get("id") or next(iter(mapping.values()), "")


def _number(x: float | None, digits: int = 2) -> str:
    if x is None:
        return ""
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"


def _detail(leaf: scoring.Criterion, language: str) -> str:
    """How a leaf is scored, in a few words."""
    indonesian = language == "id"
    if leaf.method == "indicator" and leaf.scoring:
        s = leaf.scoring
        if s.type == "linear":
            how = (
                f"0 pada ≤ {_number(s.floor)}, 100 pada ≥ {_number(s.ceiling)}, linear di antaranya"
                if indonesian
                else f"0 at ≤ {_number(s.floor)}, 100 at ≥ {_number(s.ceiling)}, linear between"
            )
        elif s.type == "target":
            how = "capaian terhadap target x 100" if indonesian else "attainment of the target x 100"
        else:
            how = "peringkat persentil antarpeserta" if indonesian else "percentile rank among the participants"
        return f"{leaf.indicator}: {how}"
    if leaf.method == "question":
        parts = [ANSWER_LABELS[language].get(leaf.answer or "", leaf.answer or "")]
        if leaf.choices:
            parts.append(", ".join(f"{k} = {_number(v)}" for k, v in leaf.choices.items()))
        if leaf.scoring and leaf.scoring.type == "linear":
            parts.append(f"{_number(leaf.scoring.floor)}–{_number(leaf.scoring.ceiling)}")
        if leaf.evidence:
            parts.append(("dokumen: " if indonesian else "documents: ") + ", ".join(leaf.evidence))
        return "; ".join(parts)
    if leaf.method == "jury":
        return ("skala " if indonesian else "scale ") + f"{_number(leaf.scale_min)}–{_number(leaf.scale_max)}"
    return ""


def criteria_rows(framework: scoring.Framework, language: str | None = None) -> list[dict[str, Any]]:
    """The criteria tree as rows, depth first: depth, key, name, weight within the parent, share of the total
    (percent), method (leaves) and how the leaf is scored."""
    lang = _language(language)
    shares = scoring.leaf_weights(framework)
    rows: list[dict[str, Any]] = []

    def walk(nodes: Sequence[scoring.Criterion], depth: int, parent_share: float, aspect: str) -> None:
        for node in nodes:
            share = parent_share * node.weight / 100
            rows.append(
                {
                    "depth": depth,
                    "indent": depth * 1.25,
                    "key": node.key,
                    "name": text_of(node.name, lang),
                    "description": text_of(node.description, lang),
                    "aspect": aspect or node.key,
                    "weight": node.weight,
                    "share": shares.get(node.key, share) * 100,
                    "leaf": node.is_leaf,
                    "method": node.method or "",
                    "method_label": METHOD_LABELS[lang].get(node.method or "", ""),
                    "detail": _detail(node, lang) if node.is_leaf else "",
                }
            )
            walk(node.children, depth + 1, share, aspect or node.key)

    walk(framework.criteria, 0, 1.0, "")
    return rows


def leaf_names(framework: scoring.Framework, language: str | None = None) -> dict[str, str]:
    """Every criterion key (aspects and leaves) -> its name."""
    return {row["key"]: row["name"] for row in criteria_rows(framework, language)}


def _round_up(x: float, digits: int = 1) -> float:
    """Points needed are shown rounded up, never down (see ``scoring.improvements``)."""
    factor = 10**digits
    return math.ceil(x * factor - 1e-9) / factor


def stability(result: Result) -> dict[str, Any]:
    """The stored sensitivity of a result, with the keep probability in percent and the critical leaves named."""
    s = dict(result.sensitivity or {})
    if not s:
        return {}
    s["keep_percent"] = float(s.get("keep_probability", 0.0)) * 100
    return s


def breakdown_rows(
    result: Result, framework: scoring.Framework, *, judge_names: bool, language: str | None = None
) -> list[dict[str, Any]]:
    """Every leaf of the result's breakdown: name, method, weight (share of the total), raw value, score 0..100,
    points, and the judges' scores: named for the committee, numbered for everybody else."""
    names = leaf_names(framework, language)
    lang = _language(language)
    rows = []
    for leaf in result.breakdown.get("leaves", []):
        judges = leaf.get("judges") or {}
        if judge_names:
            judge_list = [{"name": k, "score": v} for k, v in sorted(judges.items())]
        else:
            label = "Juri" if lang == "id" else "Judge"
            judge_list = [{"name": f"{label} {i}", "score": v} for i, (_, v) in enumerate(sorted(judges.items()), 1)]
        raw = leaf.get("raw")
        if raw is None and leaf.get("decision"):  # a missing value the committee decided (award.ranking)
            raw = DECISION_LABELS[lang].get(leaf["decision"], leaf["decision"])
        if isinstance(raw, bool):
            raw = ("ya" if raw else "tidak") if lang == "id" else ("yes" if raw else "no")
        elif isinstance(raw, float):
            raw = _number(raw).replace(".", ",") if lang == "id" else _number(raw)
        elif isinstance(raw, str) and len(raw) > 80:
            raw = raw[:77] + "..."
        rows.append(
            {
                "key": leaf["key"],
                "name": names.get(leaf["key"], leaf["key"]),
                "method": METHOD_LABELS[lang].get(leaf.get("method", ""), leaf.get("method", "")),
                "weight": leaf.get("weight", 0.0),
                "raw": "" if raw is None else raw,
                "score": leaf.get("score", 0.0),
                "points": leaf.get("points", 0.0),
                "judges": judge_list,
            }
        )
    return rows


def aspect_rows(result: Result, framework: scoring.Framework, language: str | None = None) -> list[dict[str, Any]]:
    """Each aspect: name, weight and the participant's score 0..100 in it (and the points it brings)."""
    aspects = result.breakdown.get("aspects", {})
    return [
        {
            "key": a.key,
            "name": text_of(a.name, language),
            "weight": a.weight,
            "score": float(aspects.get(a.key, 0.0)),
            "points": float(aspects.get(a.key, 0.0)) * a.weight / 100,
        }
        for a in framework.criteria
    ]


def lift_rows(result: Result, framework: scoring.Framework, language: str | None = None) -> list[dict[str, Any]]:
    """What would lift the participant one rank: per leaf, the points (on the leaf's 0..100 scale, rounded up)
    that alone would put it above the participant ranked just above; the feasible ones first."""
    names = leaf_names(framework, language)
    rows = []
    for item in result.breakdown.get("lift", []):
        points = float(item.get("points", math.inf))
        if not math.isfinite(points):
            continue
        rows.append(
            {
                "key": item["key"],
                "name": names.get(item["key"], item["key"]),
                "points": _round_up(points),
                "feasible": bool(item.get("feasible")),
            }
        )
    return rows


def _date(value: Any) -> str:
    with translation.override(LANGUAGE):
        return format_date(timezone.localtime(value) if value else timezone.localtime(), "j F Y")


# XLSX -----------------------------------------------------------------------------------------------------------


def _sheet(book: Any, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"


def results_xlsx(category: Category) -> bytes:
    """The full results of ``category`` as a workbook (see the module docstring)."""
    from openpyxl import load_workbook

    framework = scoring.parse_framework(category.framework)
    columns, rows = sheets.export_rows(category, "results")
    book = load_workbook(io.BytesIO(sheets.rows_to_xlsx(columns, rows, "Hasil")))
    book.properties.title = f"Hasil {category.name} - {category.edition.name}"
    book.properties.creator = "Paritrana"
    book.properties.language = "id-ID"
    hasil = book["Hasil"]
    hasil.column_dimensions["E"].width = 28
    hasil.column_dimensions["F"].width = 22
    results = Result.objects.filter(participant__category=category).select_related("participant").order_by("rank")
    sensitivity_rows = []
    for r in results:
        s = stability(r)
        sensitivity_rows.append(
            [
                r.rank,
                r.participant.region_code,
                r.participant.name,
                round(s.get("keep_percent", 0.0), 1),
                s.get("best_rank"),
                s.get("worst_rank"),
                s.get("median_rank"),
                s.get("p5_rank"),
                s.get("p95_rank"),
                "ya" if s.get("unstable") else "tidak",
                ", ".join(s.get("critical", [])),
            ]
        )
    _sheet(
        book,
        "Sensitivitas",
        [
            "peringkat",
            "kode_wilayah",
            "nama",
            "peluang_tetap_persen",
            "peringkat_terbaik",
            "peringkat_terburuk",
            "median",
            "p5",
            "p95",
            "tidak_stabil",
            "kriteria_kritis",
        ],
        sensitivity_rows,
        [10, 13, 28, 12, 10, 10, 8, 6, 6, 10, 40],
    )
    _sheet(
        book,
        "Kriteria",
        ["kunci", "nama", "aspek", "metode", "bobot_di_induk", "bobot_total_persen", "cara_penilaian"],
        [
            [
                r["key"],
                ("  " * r["depth"]) + r["name"],
                r["aspect"],
                r["method_label"],
                r["weight"],
                round(r["share"], 4),
                r["detail"],
            ]
            for r in criteria_rows(framework, LANGUAGE)
        ],
        [26, 60, 14, 18, 10, 12, 50],
    )
    notes = [
        ["Edisi", category.edition.name],
        ["Kategori", category.name],
        [
            "Periode penilaian",
            f"{category.edition.assessment_start:%d-%m-%Y} s.d. {category.edition.assessment_end:%d-%m-%Y}",
        ],
        ["Peringkat per zona", "ya" if category.by_zone else "tidak"],
        ["Disetujui", _date(category.approved_at) if category.approved_at else "belum"],
        ["Dipublikasikan", _date(category.published_at) if category.published_at else "belum"],
        ["Aturan peringkat dan seri", TIE_BREAK_RULE],
        ["Poin", "Kolom per kriteria berisi poin yang disumbangkan ke nilai total (0-100)."],
    ]
    if framework.example:
        notes.append(["Catatan", "Kerangka penilaian CONTOH: bobotnya bukan bobot resmi Paritrana Award."])
    _sheet(book, "Keterangan", ["hal", "isi"], notes, [24, 100])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# PDF ------------------------------------------------------------------------------------------------------------


def _province_name(region_code: str) -> str:
    from paritrana.regions.models import Region

    if "." not in region_code:
        return ""
    name = Region.objects.filter(code=region_code.split(".")[0]).values_list("name", flat=True).first()
    return f"Provinsi {name}" if name else ""


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    import weasyprint

    with translation.override(LANGUAGE):
        html = render_to_string(template, context)
    return bytes(weasyprint.HTML(string=html).write_pdf())


def certificates_pdf(category: Category) -> bytes:
    """The piagam of every titled participant of ``category``, one A4 landscape page each, in rank order."""
    winners = list(
        Result.objects.filter(participant__category=category)
        .exclude(title="")
        .select_related("participant")
        .order_by("zone_rank" if category.by_zone else "rank", "participant__zone", "rank")
    )
    if not winners:
        raise Conflict(N_("{category} has no titled winners yet: rank it first."), category=str(category))
    edition = category.edition
    pages = [
        {
            "name": r.participant.name,
            "province": _province_name(r.participant.region_code),
            "title": r.title,
            "zone": r.participant.zone if category.by_zone else "",
            "total": r.total,
        }
        for r in winners
    ]
    context = {
        "pages": pages,
        "category": category,
        "edition": edition,
        "date": _date(category.published_at or category.approved_at),
        "draft": category.published_at is None,
    }
    pdf = _pdf("award/certificates_pdf.html", context)
    logger.info("award certificates: category %s, %s pages, %s bytes", category.pk, len(pages), len(pdf))
    return pdf


def participant_pdf(participant: Participant, *, judge_names: bool = False) -> bytes:
    """A participant's report: aspects, leaves with points, rank, stability and what would lift it one rank."""
    result = Result.objects.filter(participant=participant).first()
    if result is None:
        raise Conflict(N_("{participant} has no result yet."), participant=participant.name)
    category = participant.category
    framework = scoring.parse_framework(category.framework)
    count = Result.objects.filter(participant__category=category).count()
    context = {
        "participant": participant,
        "province": _province_name(participant.region_code),
        "category": category,
        "edition": category.edition,
        "result": result,
        "count": count,
        "aspects": aspect_rows(result, framework, LANGUAGE),
        "leaves": breakdown_rows(result, framework, judge_names=judge_names, language=LANGUAGE),
        "stability": stability(result),
        "critical": [leaf_names(framework, LANGUAGE).get(k, k) for k in (result.sensitivity or {}).get("critical", [])],
        "lift": lift_rows(result, framework, LANGUAGE),
        "example": framework.example,
        "date": _date(None),
        "published": category.published_at is not None,
        "tie_break_rule": TIE_BREAK_RULE,
    }
    return _pdf("award/participant_pdf.html", context)
