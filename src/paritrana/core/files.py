"""Writing the files people ask for (exports, reports): whole or not at all."""

from __future__ import annotations

import errno
import os
import tempfile

from paritrana.core.errors import N_, WriteFailed

__all__ = ["write_output"]


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
