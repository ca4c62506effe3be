"""Files in and out: the limits every imported file is read under (``ReadLimits``), and writing the files people ask
for (exports, reports) whole or not at all."""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass

from paritrana.core.errors import N_, WriteFailed

__all__ = ["ReadLimits", "read_limits", "write_output"]


@dataclass(frozen=True)
class ReadLimits:
    """What an imported file may hold, checked while it is read (a CSV in bounded pieces, an XLSX on the sizes its ZIP
    and its sheet declare, then as its rows are read), so a file beyond them is refused before memory grows. The
    defaults are those of ``core.config.Settings`` (``PARITRANA_IMPORT_MAX_*``)."""

    line_bytes: int = 1024 * 1024
    field_chars: int = 10_000
    columns: int = 1000
    xlsx_unpacked_bytes: int = 200 * 1024 * 1024
    xlsx_cells: int = 5_000_000


def read_limits() -> ReadLimits:
    """The limits in force: the site's settings (``settings.PARITRANA`` when Django is set up, so a test's
    ``settings`` override holds; else the environment)."""
    from django.conf import settings

    from paritrana.core.config import get_settings

    config = getattr(settings, "PARITRANA", None) if settings.configured else None
    config = config or get_settings()
    return ReadLimits(
        line_bytes=config.import_max_line_bytes,
        field_chars=config.import_max_field_chars,
        columns=config.import_max_columns,
        xlsx_unpacked_bytes=config.import_max_xlsx_unpacked_bytes,
        xlsx_cells=config.import_max_xlsx_cells,
    )


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write an export whole or not at all: into a temporary file beside ``path``, renamed over it at the end, so a
    full disk (or a kill) never leaves a truncated file under the name asked for."""
    target = os.path.abspath(path)
    partial = ""
    try:
        fd, partial = tempfile.mkstemp(prefix=".partial-", dir=os.path.dirname(target))
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)  # the permissions a plain open() gives, not mkstemp's 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except OSError as exc:
        if partial:
            os.unlink(partial)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise WriteFailed(N_("Could not write {path}: the disk is full."), path=str(path)) from exc
        raise WriteFailed(path=str(path), reason=exc.strerror or str(exc)) from exc
