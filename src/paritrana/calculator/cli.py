"""``paritrana quote`` and ``paritrana benefit``: the rules engine on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from paritrana.core.dates import today

BENEFIT_KINDS = [
    "jkm",
    "jkk-death",
    "jkk-disability",
    "jkk-stmb",
    "jkk-transport",
    "jkk-home-care",
    "beasiswa",
    "jkp",
    "jht",
    "jp",
]


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _print(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    from lokal import format_rupiah
    from rich.console import Console
    from rich.table import Table

    def rupiah(value: Any) -> str:
        return "" if value in (None, "") else format_rupiah(Decimal(str(value)))

    console = Console()
    amounts = result.get("per_worker_monthly") or result.get("components") or {}
    table = Table(title=f"{result.get('segment', result.get('kind', ''))} {result['date']}")
    table.add_column("item")
    table.add_column("Rp", justify="right")
    for name, amount in amounts.items():
        table.add_row(name, rupiah(amount))
    if "per_worker_monthly" in result:
        label = f"total ({result.get('workers', 1)} x {result.get('months', 1)})"
    else:
        label = "total"
    table.add_row(label, rupiah(result["total"]))
    console.print(table)
    for key in ("payers",):
        if result.get(key):
            console.print(f"{key}: " + ", ".join(f"{k} {rupiah(v)}" for k, v in result[key].items()))
    if result.get("due_date"):
        console.print(f"due date: {result['due_date']}")
    for d in result.get("discounts", []):
        console.print(
            f"[green]discount: {d['label']} (pay {d['payable_pct']}%; {d['regulation']}, {d['status']})[/green]"
        )
    for d in result.get("discounts_not_applied", []):
        console.print(f"[dim]not applied: {d['label']}: {d['reason']}[/dim]")
    for note in result.get("notes", []):
        console.print(f"[yellow]{note}[/yellow]")
    for warning in result.get("warnings", []):
        console.print(f"[bold yellow]warning: {warning}[/bold yellow]")
    for c in result.get("citations", []):
        console.print(f"[dim]{c.get('item')}: {c.get('regulation')} {c.get('article', '')} ({c.get('status')})[/dim]")
    if result.get("book"):
        console.print(f"[dim]rule book {result['book']}[/dim]")


def cmd_quote(args: argparse.Namespace) -> None:
    from paritrana import rules
    from paritrana.calculator.params import quote_params

    raw = {name: getattr(args, name, None) for name in vars(args)}
    raw["on"] = args.date
    if args.programs is None and not args.employer_size:
        raw["programs"] = "jkk,jkm"
    _print(args, rules.quote(**quote_params(raw)).as_dict())


def cmd_benefit(args: argparse.Namespace) -> None:
    from paritrana import rules

    params: dict[str, Any] = {}
    for name in (
        "wage",
        "percentage",
        "function_percentage",
        "contribution_years",
        "months_unemployed",
        "income",
        "segment",
        "years",
        "annual_return",
        "average_wage",
        "months_unable",
        "land_cost",
        "sea_cost",
        "air_cost",
        "home_care_cost",
        "home_care_months",
    ):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    if args.total:
        params["total"] = True
    if args.children:
        params["children"] = (
            json.loads(args.children)
            if args.children.startswith("[")
            else [{"level": level.strip()} for level in args.children.split(",") if level.strip()]
        )
    _print(args, rules.benefit(args.kind, on=args.date, **params).as_dict())


def register(add: Callable[..., Any]) -> None:
    p = add("quote", cmd_quote, "Price contributions (iuran) for a segment, date, programs, workers and months.")
    p.add_argument("--segment", required=True, help="pu, bpu, jakon or pmi")
    p.add_argument("--date", type=_date, default=today(), help="the month priced, YYYY-MM-DD (default today)")
    p.add_argument(
        "--programs",
        help="comma-separated: jkk,jkm,jht,jp,jkp (default jkk,jkm; PU with --employer-size: its mandatory set)",
    )
    p.add_argument("--months", type=int, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--income", help="BPU declared monthly income (whole rupiah)")
    p.add_argument("--wage", help="PU monthly wage (whole rupiah)")
    p.add_argument("--risk-group", type=int, help="PU JKK risk group 1..5")
    p.add_argument("--contract-value", help="jasa konstruksi contract value before VAT (whole rupiah)")
    p.add_argument("--contract-months", type=int, help="PMI contract length in months")
    p.add_argument("--payer", default="worker", choices=["worker", "sponsor"], help="BPU: who pays")
    p.add_argument("--funder", help="who funds it: apbd, apbdes, apbn, csr, mandiri, other (BPU default mandiri)")
    p.add_argument("--occupation", help="registry occupation code or word (ojek_pengemudi, petani_pekebun, ojol...)")
    p.add_argument("--industry", help="PU: industry named by a discount (tekstil_pakaian_jadi, alas_kaki, ...)")
    p.add_argument("--employer-size", help="PU: mikro, kecil, menengah or besar (prices its mandatory programs)")
    p.add_argument("--paid-on", type=_date, help="PU: the day it was paid, for the late-payment charge")
    p.add_argument("--clamp", action="store_true", help="clamp an out-of-range BPU income (the output says so)")

    p = add("rules", cmd_rules, "The rule book: list the figures in force, check a site rule file, diff two dates.")
    p.add_argument("action", nargs="?", choices=["list", "check", "diff"], default="list")
    p.add_argument("--date", type=_date, default=today(), help="list: mark the figures in force on this day")
    p.add_argument("--key", help="list: only keys starting with this (pu.jp, discount.)")
    p.add_argument("--file", help="check: the site rule file to check (default: the configured one)")
    p.add_argument("--from", dest="start", type=_date, help="diff: first date")
    p.add_argument("--to", dest="end", type=_date, help="diff: second date")

    p = add("benefit", cmd_benefit, "Compute a benefit (manfaat) as of an event date.")
    p.add_argument("kind", choices=BENEFIT_KINDS)
    p.add_argument("--date", type=_date, default=today(), help="event date, YYYY-MM-DD (default today)")
    p.add_argument("--wage", help="monthly wage (whole rupiah)")
    p.add_argument("--percentage", type=float, help="jkk-disability: percentage from the disability table")
    p.add_argument("--function-percentage", type=float, help="jkk-disability: percentage of function lost")
    p.add_argument("--total", action="store_true", help="jkk-disability: total permanent disability")
    p.add_argument("--children", help='beasiswa: levels \'sd,smp\' or JSON [{"level": "sd", "years": 6}]')
    p.add_argument("--contribution-years", type=float, help="years of contributions")
    p.add_argument("--months-unemployed", type=int, help="jkp: months without work")
    p.add_argument("--income", help="jht (BPU): declared income")
    p.add_argument("--segment", help="jht: pu or bpu")
    p.add_argument("--years", type=int, help="jht: years to project")
    p.add_argument("--annual-return", type=float, help="jht: assumed yearly return, e.g. 0.05")
    p.add_argument("--average-wage", help="jp: average indexed wage")
    p.add_argument("--months-unable", type=int, help="jkk-stmb: months unable to work")
    p.add_argument("--land-cost", help="jkk-transport: cost by land, river or lake (whole rupiah)")
    p.add_argument("--sea-cost", help="jkk-transport: cost by sea (whole rupiah)")
    p.add_argument("--air-cost", help="jkk-transport: cost by air (whole rupiah)")
    p.add_argument("--home-care-cost", help="jkk-home-care: cost of home care (whole rupiah)")
    p.add_argument("--home-care-months", type=int, help="jkk-home-care: months of home care")


def cmd_rules(args: argparse.Namespace) -> int:
    """``rules list`` (the book in force), ``rules check`` (a site file, without loading it), ``rules diff``."""
    from paritrana.calculator import queries
    from paritrana.rules.book import load_site, site_status

    if args.action == "check":
        from paritrana.core.config import get_settings
        from paritrana.core.paths import readable_file

        # A file named on purpose must exist; the configured one may be absent (the packaged book is in force).
        path = readable_file(args.file) if args.file else get_settings().effective_rules_file
        if not path.exists():
            _out(
                args,
                {"file": str(path), "state": "absent"},
                f"{path}: no site rule file; the packaged book is in force.",
            )
            return 0
        book, replaced = load_site(path)  # raises ConfigurationError naming the entry and the reason
        result = {
            "file": str(path),
            "state": "valid",
            "book": book.label,
            "entries": sum(e.origin == "site" for e in book.entries),
            "replaces": [f"{e.key}@{e.effective_from.isoformat()}" for e in replaced],
        }
        _out(args, result, f"{path}: valid, {result['entries']} entries; the book would be {book.label}.")
        return 0
    if args.action == "diff":
        if not (args.start and args.end):
            raise SystemExit("paritrana rules diff needs --from DATE and --to DATE")
        changes = queries.rulebook_diff(args.start, args.end)
        lines = [
            f"{c['key']}: {(c['from'] or {}).get('value_text', '-')} -> {(c['to'] or {}).get('value_text', '-')}"
            f"  ({(c['to'] or c['from'])['regulation']})"
            for c in changes
        ] or ["no change"]
        _out(args, {"from": args.start.isoformat(), "to": args.end.isoformat(), "changes": changes}, "\n".join(lines))
        return 0
    summary = queries.rulebook_summary(args.date)
    if args.key:
        summary["keys"] = [k for k in summary["keys"] if k["key"].startswith(args.key)]
    lines = [f"book {summary['book']} (site file: {site_status().state})"]
    lines += [f"warning: {w}" for w in summary["warnings"]]
    for k in summary["keys"]:
        for e in k["entries"]:
            mark = "*" if e["current"] else " "
            lines.append(
                f"{mark} {e['key']:<34} {e['value_text'][:40]:<40} {e['effective_from']}..{e['effective_to'] or ''}"
                f"  {e['regulation']} ({e['status']})"
            )
    _out(args, summary, "\n".join(lines))
    return 0


def _out(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(text + "\n")
