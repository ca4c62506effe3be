"""``paritrana backup OUTPUT`` and ``paritrana restore ARCHIVE``: the whole installation as one archive
(see ``paritrana.core.backup`` and docs/backups.md).

A path that cannot be used is an error of the one tree (exit 2, naming it), never a traceback: OUTPUT a folder, or
not writable (``write_failed``); ARCHIVE missing, a folder or unreadable."""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paritrana.core.errors import N_, InvalidInput, WriteFailed


def _report(args: argparse.Namespace, manifest: Any, archive: Path, verb: str) -> None:
    from paritrana.core.console import emit as _emit

    body = manifest.as_dict()
    if args.format == "json":
        _emit(args, {"archive": str(archive), verb: True, **body})
        return
    for note in manifest.notes:
        sys.stderr.write(f"note: {note}\n")
    analytics = manifest.analytics
    _emit(
        args,
        {
            "archive": str(archive),
            "created_at": manifest.created_at,
            "paritrana_version": manifest.paritrana_version,
            "engine": manifest.engine,
            "tables": len(manifest.row_counts),
            "rows": sum(manifest.row_counts.values()),
            "files": sum(1 for f in manifest.files if f["path"].startswith("files/")),
            "analytics": f"{analytics.get('kind')}: {analytics.get('rows')} facts"
            if analytics.get("included")
            else f"{analytics.get('kind')}: not included",
        },
        title=verb,
    )
    rows = [{"table": t, "rows": n} for t, n in sorted(manifest.row_counts.items()) if n]
    _emit(args, rows, ["table", "rows"], "Rows per table (checked against the manifest)" if verb == "restored" else "")


def cmd_backup(args: argparse.Namespace) -> None:
    from paritrana.core.backup import do_backup

    output = Path(args.output)
    if output.is_dir():
        raise InvalidInput(
            N_("{path} is a folder; name the backup file .tar or .tar.gz."), field="output", path=str(output)
        )
    try:
        manifest = do_backup(actor=None, output=output)
    except OSError as exc:  # the folder is not writable, the disk is full...: nothing was left under that name
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise WriteFailed(N_("Could not write {path}: the disk is full."), path=str(output)) from exc
        reason = exc.strerror or str(exc)
        if exc.filename and output.absolute().parent not in Path(str(exc.filename)).absolute().parents:
            reason = f"{reason} ({exc.filename})"  # not the archive or its staging: a file it could not read
        raise WriteFailed(path=str(output), reason=reason) from exc
    _report(args, manifest, output, "backed_up")


def cmd_restore(args: argparse.Namespace) -> None:
    from paritrana.core.backup import do_restore

    archive = Path(args.archive)
    if archive.is_dir():
        raise InvalidInput(
            N_("{path} is a folder; give the .tar or .tar.gz made by 'paritrana backup'."),
            field="archive",
            path=str(archive),
        )
    if archive.is_file():
        try:
            with archive.open("rb"):
                pass
        except OSError as exc:
            raise InvalidInput(
                N_("Could not read {path}: {reason}."),
                field="archive",
                path=str(archive),
                reason=exc.strerror or str(exc),
            ) from exc
    manifest = do_restore(actor=None, archive=archive, force=args.force)
    _report(args, manifest, archive, "restored")
    if args.format != "json":
        sys.stderr.write("Restored. Run 'paritrana migrate' if this version is newer, then start the app.\n")


def register(add: Callable[..., Any]) -> None:
    p = add(
        "backup",
        cmd_backup,
        "Back up the database, files, fact store and secret key into one archive (safe while the app runs).",
    )
    p.add_argument("output", help="the archive to write: NAME.tar or NAME.tar.gz")
    p = add("restore", cmd_restore, "Restore a backup archive into an empty installation (stop the app first).")
    p.add_argument("archive", help="a .tar or .tar.gz made by 'paritrana backup'")
    p.add_argument("--force", action="store_true", help="replace a database, files and facts that are not empty")
