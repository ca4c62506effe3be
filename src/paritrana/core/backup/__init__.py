"""Back up and restore everything Paritrana keeps as one archive (``paritrana backup`` / ``paritrana restore``).

The archive is a tar (gzip'd when its name ends in ``.tar.gz`` or ``.tgz``)::

    database.sqlite3 | database.pgdump   the operational database (SQLite file, or pg_dump --format=custom)
    analytics/...                        the fact store when it is a DuckDB file or a Parquet folder
    files/...                            MEDIA_ROOT: award evidence, uploaded import files
    secret_key                           DATA_DIR/secret_key, when there is one (sessions, signed tokens)
    manifest.json                        last: version, engine, migrations, row counts, size and sha256 of each member

Consistent while the app runs, each part for its own reason:

* SQLite: Python's online backup (``Connection.backup``) in one step is one read transaction; in WAL mode the
  writers go on and the copy is the database as it was when that transaction began.
* PostgreSQL: a REPEATABLE READ transaction exports its snapshot, the row counts are taken in it and
  ``pg_dump --snapshot`` dumps from it, so the dump and the manifest describe the same instant (MVCC).
* DuckDB: a read-only connection holds the file's shared lock, which no writer can take while it is held, so the
  file is copied byte for byte under it (a ``facts refresh`` meanwhile waits for the lock). A byte copy gives back
  exactly the file that was there; ``COPY FROM DATABASE`` would rewrite it and needs a writable attachment.
* Parquet: each origin is swapped in as a whole folder by rename; a file already opened keeps its bytes.
* Files are written once and never changed in place. They are copied after the database snapshot, so every
  file a row of the snapshot names is already there (a file uploaded during the backup may come along unnamed).

Restore checks everything before it writes anything: the manifest, every checksum, the engine, the migrations,
an empty target (unless ``force``). It then puts back the database (SQLite: a temporary file renamed over the old
one; PostgreSQL: ``pg_restore --single-transaction``), the files, the fact store and the secret key, and compares
the row counts with the manifest. Stop the app (web and worker) while restoring.

The package: ``create`` (``do_backup``), ``restore`` (``do_restore``), ``archive`` (members, manifest, checksums),
``sqlite`` and ``postgres`` (the database of each engine), ``factstore`` (DuckDB or Parquet).
"""

from paritrana.core.backup.archive import BackupManifest
from paritrana.core.backup.create import do_backup
from paritrana.core.backup.restore import do_restore

__all__ = ["BackupManifest", "do_backup", "do_restore"]
