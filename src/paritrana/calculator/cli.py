"""``paritrana quote`` and ``paritrana benefit``: the rules engine on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from paritrana.core.dates import today

BENEFIT_KINDS = ["jkm", "jkk-death", "jkk-disability", "beasiswa", "jkp", "jht", "jp"]


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _print(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    from paritrana.web.templatetags.paritrana import rupiah

    console = Console()
    amounts = result.get("per_worker_monthly") or result.get("components") or {}
    table = Table(title=f"{result.get('segment', result.get('kind', ''))} {result['date']}")
    table.add_column("item")
    table.add_column("Rp", justify="right")
    for name, amount in amounts.items():
        table.add_row(name, rupiah(amount))
    table.add_row("total", rupiah(result["total"]))
    console.print(table)
    for key in ("payers",):
        if result.get(key):
            console.print(f"{key}: " + ", ".join(f"{k} {rupiah(v)}" for k, v in result[key].items()))
    for note in result.get("notes", []):
        console.print(f"[yellow]{note}[/yellow]")
    for c in result.get("citations", []):
        console.print(f"[dim]{c.get('item')}: {c.get('regulation')} {c.get('article', '')} ({c.get('status')})[/dim]")


def cmd_quote(args: argparse.Namespace) -> None:
    from paritrana import rules

    params = {
        "segment": args.segment,
        "on": args.date,
        "programs": [p.strip() for p in args.programs.split(",") if p.strip()],
        "months": args.months,
        "workers": args.workers,
        "payer": args.payer,
        "clamp": args.clamp,
    }
    for name in ("income", "wage", "risk_group", "contract_value", "contract_months"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    _print(args, rules.quote(**params).as_dict())


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
    p.add_argument("--programs", default="jkk,jkm", help="comma-separated: jkk,jkm,jht,jp,jkp")
    p.add_argument("--months", type=int, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--income", help="BPU declared monthly income (whole rupiah)")
    p.add_argument("--wage", help="PU monthly wage (whole rupiah)")
    p.add_argument("--risk-group", type=int, help="PU JKK risk group 1..5")
    p.add_argument("--contract-value", help="jasa konstruksi contract value before VAT (whole rupiah)")
    p.add_argument("--contract-months", type=int, help="PMI contract length in months")
    p.add_argument("--payer", default="worker", choices=["worker", "sponsor"], help="BPU: who pays")
    p.add_argument("--clamp", action="store_true", help="clamp an out-of-range BPU income (the output says so)")

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
