"""Rebuild the hostile corpus in this folder: ``uv run --frozen python tests/data/hostile/make_corpus.py``.

The files are committed; this script says exactly how each was made (and README.md says why it is nasty).
Deterministic: running it again gives the same bytes (fixed ZIP timestamps).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
DESA = "3603012003"
WORKERS = "NIK;Nama;Tgl Lahir;JK;Kode Desa;Pekerjaan\n"
STAMP = (2024, 1, 1, 0, 0, 0)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


def _cell(ref: str, value: object) -> str:
    if isinstance(value, tuple):  # ("f", formula, cached text)
        _, formula, cached = value
        return f'<c r="{ref}" t="str"><f>{formula}</f><v>{cached}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: list[list[object]]) -> str:
    body = "".join(
        f'<row r="{r + 1}">' + "".join(_cell(f"{_col(c)}{r + 1}", v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows)
    )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    return f"{head}<worksheet {NS}><sheetData>{body}</sheetData></worksheet>"


def xlsx(sheets: dict[str, str | bytes], *, level: int = 6) -> bytes:
    """A minimal workbook written by hand (so that a sheet can be anything: formulas, a bomb)."""
    names = list(sheets)
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {NS} {RNS}><sheets>'
        + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(names))
        )
        + "</Relationships>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:

        def put(name: str, data: str | bytes) -> None:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)

        put(
            "[Content_Types].xml",
            CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=i + 1) for i in range(len(names)))),
        )
        put("_rels/.rels", ROOT_RELS)
        put("xl/workbook.xml", workbook)
        put("xl/_rels/workbook.xml.rels", rels)
        for i, name in enumerate(names):
            put(f"xl/worksheets/sheet{i + 1}.xml", sheets[name])
    return buf.getvalue()


def bomb_sheet(megabytes: int) -> bytes:
    """A sheet of ``megabytes`` MB of XML: the same small row repeated (compresses about 1000:1)."""
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}><sheetData>'.encode()
    row = b'<row><c t="inlineStr"><is><t>3603014507900001</t></is></c><c t="inlineStr"><is><t>AAAA</t></is></c></row>'
    count = megabytes * 1024 * 1024 // len(row)
    return head + row * count + b"</sheetData></worksheet>"


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    files["empty.csv"] = b""
    files["header_only.csv"] = WORKERS.encode()
    files["bom_only.csv"] = b"\xef\xbb\xbf"
    files["whitespace_only.csv"] = b" \r\n\t\n  \n"
    row = f"3603014507900001;Siti Aminah;05/07/1990;P;{DESA};petani\n"
    files["utf16_bom.csv"] = (WORKERS + row).encode("utf-16")
    files["latin1_names.csv"] = (
        WORKERS + f"3603014507900001;Fran\xe7ois M\xfcller;05/07/1990;P;{DESA};petani\n"
        f"3603010507900002;Jos\xe9 \xc5ngstr\xf6m;05/07/1990;L;{DESA};nelayan\n"
    ).encode("latin-1")
    files["mixed_line_endings.csv"] = (
        b"NIK;Nama;Tgl Lahir;JK;Kode Desa\r\n3603014507900001;Siti;05/07/1990;P;" + DESA.encode() + b"\n"
        b"3603010507900002;Budi\rSantoso;05/07/1990;L;" + DESA.encode() + b"\r"
        b"3603010507900003;Lone\rCR;05/07/1990;L;" + DESA.encode() + b"\r\n"
    )
    files["nul_bytes.csv"] = WORKERS.encode() + b"3603014507900001;Si\x00ti;05/07/1990;P;" + DESA.encode() + b";\n"
    files["nul_late.csv"] = WORKERS.encode() + b"x" * 70_000 + b";\x00\n"  # NUL after the 64 KiB sniffed
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    png += b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    files["png_renamed.csv"] = png
    files["png_renamed.xlsx"] = png
    files["elf_renamed.csv"] = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("readme.txt", STAMP), "not a workbook")
    files["zip_renamed.xlsx"] = zbuf.getvalue()
    files["zip_renamed.csv"] = zbuf.getvalue()
    good = xlsx(
        {
            "Data": sheet_xml(
                [["NIK", "Nama", "Tgl Lahir", "JK", "Kode Desa"], ["3603014507900001", "Siti", "05/07/1990", "P", DESA]]
                * 1
                + [[f"36030145079{n:05d}", f"Orang {n}", "05/07/1990", "P", DESA] for n in range(2, 200)]
            )
        }
    )
    files["truncated.xlsx"] = good[: len(good) // 2]
    files["formulas.xlsx"] = xlsx(
        {
            "Data": sheet_xml(
                [
                    ["NIK", "Nama", "Kode Desa", "nomor tagihan", "referensi", "tanggal bayar", "jumlah"],
                    [
                        "3603014507900001",
                        ("f", 'HYPERLINK("http://evil.example/x","klik")', "klik"),
                        DESA,
                        "=1+1",
                        "@SUM(A1)",
                        "01/02/2024",
                        ("f", "cmd|' /C calc'!A0", "0"),
                    ],
                    ["3603010507900002", "=cmd|' /C calc'!A0", DESA, "+1", "-1", "2024-02-01", "=1000*1000"],
                ]
            )
        }
    )
    files["several_sheets.xlsx"] = xlsx(
        {
            "Desa A": sheet_xml([["NIK", "Nama", "Kode Desa"], ["3603014507900001", "Siti", DESA]]),
            "Desa B": sheet_xml([["NIK", "Nama", "Kode Desa"], ["3603010507900002", "Budi", DESA]]),
            "Kosong": sheet_xml([]),
        }
    )
    files["empty_sheet.xlsx"] = xlsx({"Sheet1": sheet_xml([])})
    files["zip_bomb.xlsx"] = xlsx({"Data": bomb_sheet(120)}, level=9)
    files["xxe.xlsx"] = xlsx(
        {
            "Data": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "AAAAAAAAAA">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
            '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
            '<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
            f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>Nama</t></is></c></row><row r="2">'
            '<c r="A2" t="inlineStr"><is><t>&ext;</t></is></c><c r="B2" t="inlineStr"><is><t>&f;</t></is></c>'
            "</row></sheetData></worksheet>"
        }
    )
    files["columns_10000.csv"] = (
        ",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("x" * 10_000) + "\n"
    ).encode()
    files["unbalanced_quotes.csv"] = (WORKERS + f'"3603014507900001;"Siti;05/07/1990;P;{DESA};"\n"""\n').encode()
    files["ragged_rows.csv"] = (
        WORKERS + f"3603014507900001\n3603010507900002;Budi;05/07/1990;L;{DESA};petani;x;y;z\n"
    ).encode()
    files["duplicate_headers.csv"] = (
        f"NIK;NIK;Nama;Nama;Kode Desa\n3603014507900001;3603010507900002;A;B;{DESA}\n"
    ).encode()
    files["niks_mangled.csv"] = (
        WORKERS + f"3.60301E+15;Excel;05/07/1990;P;{DESA};\n"
        f"3603 0145 0790 0001;Spasi;05/07/1990;P;{DESA};\n"
        f"'3603010507900002;Apostrof;05/07/1990;L;{DESA};\n"
        f"\u0663\u0666\u0660\u0663014507900003;Arabic digits;05/07/1990;P;{DESA};\n"
        f"3603014507900004\u200b;Zero width;05/07/1990;P;{DESA};\n"
        f"-3603014507900005;Minus;05/07/1990;P;{DESA};\n"
    ).encode()
    files["dates_hostile.csv"] = (
        "NIK;Nama;Tgl Lahir;JK;Kode Desa;nomor tagihan;referensi;tanggal bayar;jumlah;jenis;tanggal kejadian\n"
        f"3603014507900001;Serial;32999;P;{DESA};B-1;R-1;45292;1000;jkm;45292\n"
        f"3603014507900002;Feb31;31/02/2024;P;{DESA};B-2;R-2;31/02/2024;1000;jkm;31/02/2024\n"
        f"3603014507900003;Year1;0001-01-01;P;{DESA};B-3;R-3;0001-01-01;1000;jkm;0001-01-01\n"
        f"3603014507900004;Y10k;10000-01-01;P;{DESA};B-4;R-4;9999-12-31;1000;jkm;99999-01-01\n"
        f"3603014507900005;Neg;-1;P;{DESA};B-5;R-5;-45292;1000;jkm;1e309\n"
    ).encode()
    files["amounts_hostile.csv"] = (
        b"nomor tagihan;referensi;tanggal bayar;jumlah;nik;jenis;tanggal kejadian;region_code;criterion;value;"
        b"judge;score;year;employed;formal;informal\n"
        b"B-1;R-1;01/02/2024;Rp1.000.000,00;3603014507900001;jkm;01/02/2024;3603;a;Rp1.000.000,00;j;1e309;2024;Rp1.000;1;1\n"
        b"B-2;R-2;01/02/2024;-5000;3603014507900002;jkm;01/02/2024;3603;b;-5000;j;-1;2024;-5;-5;0\n"
        b"B-3;R-3;01/02/2024;1e309;3603014507900003;jkm;01/02/2024;3604;c;1e309;j;NaN;2024;1e309;0;0\n"
        b"B-4;R-4;01/02/2024;NaN;3603014507900004;jkm;01/02/2024;3671;d;NaN;j;inf;2024;NaN;0;0\n"
        b"B-5;R-5;01/02/2024;99999999999999999999999999999;3603014507900005;jkm;01/02/2024;3672;e;-inf;j;0;"
        b"99999999999999999999;99999999999999999999;0;0\n"
        b"B-6;R-6;01/02/2024;1,5;3603014507900006;jkm;01/02/2024;3673;f;1_000;j;1_0;2024;1 000 000;0;0\n"
    )
    files["workforce_hostile.csv"] = (
        b"region_code;year;employed;formal;informal;population\n"
        b"36.03;2024;1.000.000;400.000;600.000;3.000.000\n"
        b"3603;2024;1;1;1;1\n"  # the same kabupaten twice
        b"36.99;0;-1;NaN;1e309;\n"
        b"36.03.01;2024;10;5;5;\n"
    )
    files["participants_hostile.csv"] = (
        b"participant_id,region_code,month,segment,funder,active,premium_paid\n"
        b"p1,3603,2024-13,bpu,apbd,ya,1e309\n"
        b"p1,3603,2024-01,bpu,apbd,maybe,-1\n"
        b",99.99,0001-01,x,y,,NaN\n"
    )
    files["truncated.parquet"] = b"PAR1" + b"\x15\x00" * 40
    files["formula_injection.csv"] = (
        WORKERS + f"3603014507900001;=cmd|' /C calc'!A0;05/07/1990;P;{DESA};\n"
        f'3603014507900002;=HYPERLINK("http://evil.example","x");05/07/1990;P;{DESA};@SUM(1)\n'
        f"3603014507900003;\t=1+1;05/07/1990;P;{DESA};-2+3\n"
    ).encode()
    files["sql_and_html.csv"] = (
        WORKERS + f"3603014507900001;Robert'); DROP TABLE registry_worker;--;05/07/1990;P;{DESA};\n"
        f"3603014507900002;<script>alert(1)</script>;05/07/1990;P;{DESA};{{{{ 7*7 }}}}\n"
    ).encode()
    nested = "x"
    for _ in range(5000):
        nested = f'{{"a": {nested if nested != "x" else "1"}}}'
    files["deep_nested.json"] = nested.encode()
    files["deep_list.json"] = b"[" * 20_000 + b"]" * 20_000
    files["deep_nested.yaml"] = b"a: " + b"[" * 20_000 + b"]" * 20_000 + b"\n"
    laughs = ['lol0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"lol{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    files["billion_laughs.yaml"] = ("\n".join(laughs) + "\nkey: *l9\nname: *l9\ncriteria: *l9\nid: *l9\n").encode()
    files["python_object.yaml"] = (
        b"key: !!python/object/apply:os.system ['touch /tmp/paritrana-pwned']\n"
        b"name: !!python/object:builtins.dict {}\ncriteria: []\n"
    )
    files["json_not_object.json"] = b'"just a string"'
    files["json_nan.json"] = (
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"kode": NaN}, '
        b'"geometry": {"type": "Point", "coordinates": [Infinity, -Infinity]}}]}'
    )
    files["json_huge_number.json"] = b'{"key": 1' + b"0" * 5000 + b', "id": 1e999999}'
    files["json_lone_surrogate.json"] = b'{"id": "\\ud800", "key": "\\udfff", "name": {"en": "\\ud800"}}'
    files["framework_wrong_types.yaml"] = (
        b"key: [1, 2]\nname: 5\nexample: maybe\ncriteria:\n  - key: a\n    weight: -1e309\n    children: 7\n"
    )
    files["definition_wrong_types.yaml"] = b"- id: 5\n  name: []\n  numerator: {}\n- 7\n- null\n"
    files["geojson_bad.json"] = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": None, "geometry": None},
                {"type": "Feature", "properties": {"kode": ["36.03"]}, "geometry": {"type": "Point"}},
                "not a feature",
                {"type": "Feature", "properties": {"kode": "36.03"}, "geometry": {"coordinates": "x"}},
            ],
        }
    ).encode()
    files["pdf_header_only.pdf"] = b"%PDF-1.7\n"
    files["html_as_pdf.pdf"] = b"<html><script>alert(1)</script></html>"
    files["windows_exe.csv"] = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
    return files


def main() -> None:
    for name, data in build().items():
        (HERE / name).write_bytes(data)
    total = sum(p.stat().st_size for p in HERE.iterdir())
    print(f"{len(build())} files, {total:,} bytes")  # noqa: T201 - a script's report


if __name__ == "__main__":
    main()
