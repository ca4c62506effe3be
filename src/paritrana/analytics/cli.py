"""``paritrana indicators|facts|workforce|targets|boundaries``: coverage indicators and map boundaries on the command
line, over the same actions and queries as the pages and the API. ``--user`` acts as that user (its region scope)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from paritrana.core.files import write_output
from paritrana.core.paths import readable_file
from paritrana.regions.choices import LEVELS


def _emit(args: argparse.Namespace, rows: Any, columns: list[str] | None = None, title: str = "") -> None:
    from paritrana.core.console import emit

    emit(args, rows, columns, title)


def _actor(args: argparse.Namespace) -> Any:
    from paritrana.core.console import actor

    return actor(getattr(args, "user", None))


def _write(args: argparse.Namespace, data: bytes, default: str) -> None:
    if args.output:
        write_output(args.output, data)
        sys.stderr.write(f"{args.output} ({len(data):,} bytes)\n")
    elif args.format in ("csv", "json"):
        sys.stdout.write(data.decode("utf-8"))
    else:
        write_output(default, data)
        sys.stderr.write(f"{default} ({len(data):,} bytes)\n")


def default_period() -> str:
    """The last whole month: the current one is still being billed."""
    from paritrana.core.dates import add_months, first_of_month, today

    return f"{add_months(first_of_month(today()), -1):%Y-%m}"


def cmd_indicators(args: argparse.Namespace) -> None:
    from paritrana.analytics import actions, queries
    from paritrana.analytics.sources import all_indicators

    if args.action == "list":
        rows = [
            {"id": i.id, "kind": i.kind, "unit": i.unit, "standard": i.standard, "name": i.label("id")}
            for i in all_indicators()
        ]
        _emit(args, rows, ["id", "kind", "unit", "standard", "name"], "Indicators")
        return
    if args.action == "define":
        if not args.file:
            raise SystemExit("paritrana indicators define FILE (YAML or JSON)")
        saved = actions.do_define_indicators(
            text=readable_file(args.file).read_bytes().decode("utf-8", errors="replace"), actor=_actor(args)
        )
        _emit(args, {"defined": saved})
        return
    if args.action == "delete":
        actions.do_delete_indicator(key=args.indicator[0] if args.indicator else "", actor=_actor(args))
        _emit(args, {"deleted": args.indicator[0]})
        return
    by = [b for b in (args.by or "").split(",") if b]
    args.period = args.period or default_period()
    if args.user:
        rows = queries.indicator_values(
            _actor(args),
            period=args.period,
            level=args.level or "",
            region=args.region or "",
            indicators=args.indicator,
            by=by,
            engine=args.engine,
        )
    else:
        rows = _national(args, by)
    from paritrana.analytics.reports import ROW_KEYS
    from paritrana.core.tables import rows_csv, rows_xlsx

    columns = [*ROW_KEYS[:5], *by, *ROW_KEYS[5:]]
    if args.format == "json":
        _emit(args, rows)
    elif args.format == "csv":
        _write(args, rows_csv(columns, rows), "indicators.csv")
    elif args.format == "xlsx":
        _write(args, rows_xlsx(columns, rows, "indicators"), "indicators.xlsx")
    else:
        _emit(args, rows, columns, f"Indicators {args.period}")


def _national(args: argparse.Namespace, by: list[str]) -> list[dict[str, Any]]:
    """The console's national scope, on any engine and store (``--source``)."""
    from paritrana.analytics.periods import Period
    from paritrana.analytics.queries import region_names, run
    from paritrana.analytics.sources import pick_indicators

    region = args.region or ""
    level = args.level or ("province" if not region else "kabupaten")
    values = run(
        pick_indicators(args.indicator),
        Period.parse(args.period),
        level,
        region=region,
        by=by,
        engine=args.engine,
        source=args.source,
    )
    rows = [v.as_dict() for v in values]
    names = region_names({r["region_code"] for r in rows})
    for row in rows:
        row["region_name"] = names.get(row["region_code"], row["region_code"])
    return rows


def cmd_facts(args: argparse.Namespace) -> None:
    from paritrana.analytics import actions
    from paritrana.analytics.store import connect

    actor = _actor(args)
    if args.action == "refresh":
        _emit(args, actions.do_refresh_facts(actor=actor, source=args.source, engine=args.engine, full=args.full))
    elif args.action == "load":
        if not args.file:
            raise SystemExit("paritrana facts load FILE")
        _emit(
            args,
            actions.do_load_facts(
                path=readable_file(args.file), actor=actor, origin=args.origin, source=args.source, engine=args.engine
            ),
        )
    else:
        store = connect(args.engine, args.source, read_only=True)
        try:
            _emit(args, store.origins(), ["origin", "rows", "first_month", "last_month", "kabupaten"], store.location)
        finally:
            store.close()


def cmd_workforce(args: argparse.Namespace) -> None:
    from paritrana.analytics import actions
    from paritrana.analytics.models import Workforce

    if args.action == "import":
        path = readable_file(args.file)
        _emit(args, actions.do_import_workforce(source=path, filename=path.name, actor=_actor(args)))
        return
    columns = ["region_code", "year", "employed", "formal", "informal", "population", "vulnerable", "source"]
    rows = list(Workforce.objects.filter(**({"year": args.year} if args.year else {})).values(*columns))
    _emit(args, rows, columns, "Workforce (BPS Sakernas)")


def cmd_targets(args: argparse.Namespace) -> None:
    from paritrana.analytics import actions
    from paritrana.analytics.models import Target
    from paritrana.core.errors import NotFound

    actor = _actor(args)
    if args.action == "set":
        target = actions.do_save_target(
            indicator=args.indicator,
            year=args.year,
            region_code=args.region or "",
            value=args.value,
            source=args.source or "",
            actor=actor,
        )
        _emit(
            args,
            {
                "indicator": target.indicator,
                "year": target.year,
                "region_code": target.region_code,
                "value": str(target.value),
                "source": target.source,
            },
        )
        return
    if args.action == "delete":
        found = Target.objects.filter(indicator=args.indicator, year=args.year, region_code=args.region or "").first()
        if found is None:
            raise NotFound("No such target.")
        actions.do_delete_target(target=found, actor=actor)
        _emit(args, {"deleted": True})
        return
    columns = ["indicator", "year", "region_code", "value", "source"]
    rows = [{**r, "value": str(r["value"])} for r in Target.objects.values(*columns)]
    _emit(args, rows, columns, "Targets")


def cmd_boundaries(args: argparse.Namespace) -> None:
    """The map boundaries: list what is loaded, load the ones that ship with Paritrana, or load a GeoJSON file."""
    from paritrana.analytics.boundaries import do_load_boundary, do_load_packaged_boundaries
    from paritrana.analytics.models import Boundary

    if args.action == "packaged":
        levels = tuple(args.level) if args.level else ("province", "kabupaten")
        done = do_load_packaged_boundaries(actor=_actor(args), levels=levels, replace=args.replace)
        _emit(args, [{"level": k, **v} for k, v in done.items()], ["level", "status", "features", "skipped"])
        return
    if args.action == "load":
        if not args.file or not args.level or len(args.level) != 1:
            raise SystemExit("paritrana boundaries load FILE --level LEVEL [--code-property kode]")
        boundary = do_load_boundary(
            level=args.level[0],
            geojson=readable_file(args.file).read_bytes(),
            code_property=args.code_property,
            actor=_actor(args),
        )
        _emit(args, {"level": boundary.level, "features": boundary.features, "code_property": boundary.code_property})
        return
    rows = [
        {
            "level": b.level,
            "features": b.features,
            "code_property": b.code_property,
            "loaded": b.uploaded_at.isoformat(),
        }
        for b in Boundary.objects.defer("geojson").order_by("level")
    ]
    _emit(args, rows, ["level", "features", "code_property", "loaded"], "Boundaries")


def register(add: Callable[..., Any]) -> None:
    def user(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--user", help="act as this user (its region scope); default: the system, national scope")
        return p

    def engine(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--engine", choices=["duckdb", "postgres", "spark"], help="default: the store's own engine")
        p.add_argument(
            "--source",
            help="the fact store: a .duckdb file, a Parquet folder or a postgresql:// URL "
            "(default: PARITRANA_ANALYTICS_STORE, else DATA_DIR/analytics.duckdb)",
        )
        return p

    p = user(
        engine(
            add(
                "indicators",
                cmd_indicators,
                "Compute coverage indicators; list or define them (YAML/JSON).",
                ("table", "json", "csv", "xlsx"),
            )
        )
    )
    p.add_argument("action", nargs="?", choices=["compute", "list", "define", "delete"], default="compute")
    p.add_argument("file", nargs="?", help="for define: the YAML or JSON definition")
    p.add_argument("--period", default="", help="2024-12 (month), 2024Q4 (quarter) or 2024 (year)")
    p.add_argument("--level", choices=["national", *LEVELS])
    p.add_argument("--region", help="only inside this region (dotted code)")
    p.add_argument("--indicator", action="append", help="an indicator id (repeatable; default: all)")
    p.add_argument("--by", help="disaggregate by these fields, comma-separated (e.g. segment,funder)")
    p.add_argument("--output", "-o", help="file for csv/xlsx (default: stdout for csv, indicators.xlsx)")

    p = user(
        engine(add("facts", cmd_facts, "The coverage facts: status, refresh from the registry, load a bulk file."))
    )
    p.add_argument("action", nargs="?", choices=["status", "refresh", "load"], default="status")
    p.add_argument("file", nargs="?", help="for load: a CSV or Parquet participant file")
    p.add_argument("--origin", help="for load: the name its rows are kept under (default: the file name)")
    p.add_argument("--full", action="store_true", help="for refresh: rebuild every month, not only those changed")

    p = user(add("workforce", cmd_workforce, "BPS workforce denominators per kabupaten/kota and year."))
    p.add_argument("action", nargs="?", choices=["list", "import"], default="list")
    p.add_argument("file", nargs="?")
    p.add_argument("--year", type=int)

    p = user(add("targets", cmd_targets, "Targets of the indicators per year (national or per region), with sources."))
    p.add_argument("action", nargs="?", choices=["list", "set", "delete"], default="list")
    p.add_argument("--indicator")
    p.add_argument("--year", type=int)
    p.add_argument("--region", default="")
    p.add_argument("--value")
    p.add_argument("--source", help="where the target comes from (e.g. 'RPJMN 2025-2029')")

    p = user(
        add(
            "boundaries",
            cmd_boundaries,
            "Map boundaries: list them, load those shipped with Paritrana ('packaged'), or load a GeoJSON file.",
        )
    )
    p.add_argument("action", nargs="?", choices=["list", "packaged", "load"], default="list")
    p.add_argument("file", nargs="?", help="for load: a GeoJSON FeatureCollection")
    p.add_argument("--level", action="append", choices=LEVELS)
    p.add_argument("--code-property", default="code", help="for load: the feature property holding the region code")
    p.add_argument("--replace", action="store_true", help="for packaged: replace boundaries already loaded")
