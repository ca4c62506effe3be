"""What every ``paritrana`` command shares: printing a result and naming who acts.

App commands (``<app>/cli.py``) import these from here rather than from ``paritrana.cli`` or from one another, so
that nothing imports upward (the layers contract in ``pyproject.toml``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from paritrana.core.errors import N_, NotFound

__all__ = ["actor", "emit"]


def emit(args: argparse.Namespace, rows: Any, columns: Sequence[str] | None = None, title: str = "") -> None:
    """Print JSON (``--format json``) or a rich table of ``rows`` (list of dicts) or a dict."""
    if getattr(args, "format", "table") == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if isinstance(rows, dict):
        rows = [
            {"key": k, "value": json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict | list) else v}
            for k, v in rows.items()
        ]
        columns = ["key", "value"]
    table = Table(title=title or None)
    columns = list(columns or (rows[0].keys() if rows else []))
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*[str(row.get(c, "")) for c in columns])
    console.print(table)


def actor(username: str | None) -> Any:
    """The active user named ``--as USERNAME``, or the system itself when none is named."""
    from django.contrib.auth import get_user_model

    from paritrana.core.permissions import SYSTEM

    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(N_("There is no active user {username}."), username=username)
    return user
