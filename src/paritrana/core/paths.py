"""A file named on the command line, checked before anything is read or written: every command that takes a path
refuses a missing file, a folder or an unreadable file the same way (exit 2, the path named)."""

from __future__ import annotations

from pathlib import Path

from paritrana.core.errors import N_, InvalidInput

__all__ = ["readable_file"]


def readable_file(name: str, *, field: str = "file") -> Path:
    """``name`` as a readable file: not missing, not a folder, not unreadable."""
    path = Path(name)
    if path.is_dir():
        raise InvalidInput(N_("{path} is a folder; give a file."), field=field, path=name)
    if not path.is_file():
        raise InvalidInput(N_("There is no file {path}."), field=field, path=name)
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InvalidInput(
            N_("Could not read {path}: {reason}."), field=field, path=name, reason=exc.strerror or str(exc)
        ) from exc
    return path
