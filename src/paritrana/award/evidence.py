"""Evidence files: what a file is, judged by its content, never by its name; where it is kept (outside the web
root, under ``DATA_DIR/evidence``)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from paritrana.core.config import get_settings
from paritrana.core.errors import N_, InvalidInput, PayloadTooLarge, Words

__all__ = ["MAX_EVIDENCE_BYTES", "evidence_root", "sniff", "store"]

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
_WHAT = [  # what a refused file looks like, to say so
    (b"MZ", Words(N_("a Windows program"))),
    (b"\x7fELF", Words(N_("a Linux program"))),
    (b"#!", Words(N_("a script"))),
    (b"<", Words(N_("a web page or XML"))),
]


def sniff(data: bytes, filename: str) -> tuple[str, str]:
    """(content type, extension) of a PDF, a PNG/JPEG image or an office document; anything else is refused."""
    if data.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                if "mimetype" in names:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype.startswith("application/vnd.oasis.opendocument."):
                        return mimetype, {"text": "odt", "spreadsheet": "ods", "presentation": "odp"}.get(
                            mimetype.rsplit(".", 1)[-1], "odf"
                        )
                if "[Content_Types].xml" in names:
                    for prefix, kind in _OOXML.items():
                        if any(n.startswith(prefix) for n in names):
                            return kind
        except zipfile.BadZipFile:
            pass
    looks = next(
        (what for magic, what in _WHAT if data.lstrip()[: len(magic)] == magic), Words(N_("another kind of file"))
    )
    raise InvalidInput(
        N_("{filename} is not a PDF, an image (PNG, JPEG) or an office document: it looks like {kind}."),
        field="file",
        filename=filename,
        kind=looks,
    )


def evidence_root() -> Path:
    return get_settings().data_dir / "evidence"


def store(data: bytes, filename: str, folder: str) -> tuple[str, str, str, int]:
    """Check and keep a file; returns (relative path, content type, sha256, size)."""
    if len(data) > MAX_EVIDENCE_BYTES:
        raise PayloadTooLarge(
            N_("{filename} is {size} bytes; the limit is {limit} bytes."),
            filename=filename,
            size=len(data),
            limit=MAX_EVIDENCE_BYTES,
        )
    if not data:
        raise InvalidInput(N_("{filename} is empty."), field="file", filename=filename)
    content_type, extension = sniff(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{folder}/{digest}.{extension}"
    path = evidence_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # never a half-written file under the final name
    return relative, content_type, digest, len(data)
