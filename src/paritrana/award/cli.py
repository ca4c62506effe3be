"""``paritrana award ...``: the award on the command line. ``rank`` prints the ranking as it stands now, computed
and not saved (``--save`` saves it as the results); ``results`` the saved results; ``sensitivity`` how stable each
rank is; ``export``/``import`` the committee's spreadsheets; ``framework`` the criteria as YAML. The whole round
runs here too, through the same actions as the web and the API: ``edition`` (create, or ``--stage`` to move it,
``--reason`` to override failing checks), ``checks`` (the check list of a stage or of lock/approve/publish),
``category`` (from a framework file), ``invite``, ``verify``, ``panel``, ``conflict``, ``lock``, ``missing`` and
``resolve`` (values missing before the ranking), ``approve``, ``publish``; and the award zones: ``zones``,
``zone``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from paritrana.core.files import write_output
from paritrana.core.paths import readable_file


def _actor(args: argparse.Namespace) -> Any:
    from paritrana.core.console import actor

    return actor(getattr(args, "user", None))


def _emit(args: argparse.Namespace, rows: Any, columns: list[str] | None = None, title: str = "") -> None:
    from paritrana.core.console import emit

    emit(args, rows, columns, title)


def _category(args: argparse.Namespace, actor: Any) -> Any:
    from paritrana.award.queries import category_for, edition_for

    edition = edition_for(actor, year=args.edition, region=args.region or "")
    return category_for(actor, edition=edition, key=args.category)


def cmd_award(args: argparse.Namespace) -> None:
    from paritrana.award import actions, ranking, scoring, sheets
    from paritrana.award.queries import editions_for, results_for

    actor = _actor(args)
    if args.action in ("framework", "import", "category") and args.file:
        readable_file(args.file)  # the file first: a wrong path is named before anything else is looked up
    if args.action in PROCESS:
        _emit(args, PROCESS[args.action](args, actor))
        return
    if args.action == "editions":
        rows = [
            {
                "year": e.year,
                "round": e.region_code or "nasional",
                "name": e.name,
                "status": e.status,
                "categories": ", ".join(c.key for c in e.categories.all()),
            }
            for e in editions_for(actor)
        ]
        _emit(args, rows, ["year", "round", "name", "status", "categories"], "Paritrana Award")
        return
    category = _category(args, actor)
    if args.action == "rank":
        from paritrana.award.queries import ranking_for

        if args.save:
            actions.do_save_results(actor=actor, category=category)
            columns, rows = sheets.export_rows(category, "results")
            _emit(args, rows, columns[:8], f"{category}: saved")
            return
        rows = [
            {
                "rank": r.rank,
                "zone_rank": r.zone_rank,
                "title": r.title,
                "region_code": r.participant.region_code,
                "name": r.participant.name,
                "zone": r.participant.zone,
                "total": round(r.total, 4),
                "shared": r.shared,
            }
            for r in ranking_for(actor, category)
        ]
        _emit(args, rows, list(RANK_COLUMNS), f"{category}: computed, not saved (--save saves it)")
    elif args.action == "sensitivity":
        m = ranking.score_matrix(category)
        names = [p.name for p in m.participants]
        tie_breaks = scoring.default_tie_breaks(m.framework, m.scores) if names else []
        stability = (
            scoring.sensitivity(
                m.scores, m.weights, samples=args.samples, spread=args.spread, tie_breaks=tie_breaks, names=names
            )
            if names
            else None
        )
        check = scoring.cross_check(m.scores, m.weights) if len(names) > 1 else None
        stable: list[dict[str, Any]] = [
            {
                "region_code": p.region_code,
                "name": p.name,
                **row,
                "critical_leaves": [m.leaves[j].key for j in row["critical_leaves"]],
                "topsis_rank": float(check["rankings"]["topsis"][i])
                if check and check["rankings"]["topsis"] is not None
                else None,
                "vikor_rank": float(check["rankings"]["vikor"][i])
                if check and check["rankings"]["vikor"] is not None
                else None,
            }
            for i, (p, row) in enumerate(zip(m.participants, stability.rows() if stability else [], strict=True))
        ]
        stable.sort(key=lambda r: r["base_rank"])
        if args.format == "json":
            _emit(
                args,
                {
                    "samples": args.samples,
                    "spread": args.spread,
                    "participants": stable,
                    "correlations": check["correlations"] if check else [],
                    "notes": check["notes"] if check else [],
                },
            )
        else:
            _emit(
                args,
                stable,
                [
                    "base_rank",
                    "name",
                    "median_rank",
                    "p5_rank",
                    "p95_rank",
                    "keep_probability",
                    "unstable",
                    "topsis_rank",
                    "vikor_rank",
                ],
                f"Sensitivity {category}",
            )
    elif args.action == "results":
        columns, rows = sheets.export_rows(category, "results")
        results_for(actor, category)  # the visibility check: published, or the committee
        _emit(args, rows, columns[:8], str(category))
    elif args.action == "framework":
        import yaml

        if args.file:
            updated = actions.do_save_category(
                actor=actor,
                edition=category.edition,
                key=category.key,
                name=category.name,
                participant_level=category.participant_level,
                framework=readable_file(args.file).read_bytes().decode("utf-8", errors="replace"),
                titles=category.titles,
                by_zone=category.by_zone,
                normalise_judges=category.normalise_judges,
            )
            _emit(
                args,
                {"category": updated.key, "leaves": len(scoring.leaves(scoring.parse_framework(updated.framework)))},
            )
        else:
            sys.stdout.write(yaml.safe_dump(category.framework, allow_unicode=True, sort_keys=False))
    elif args.action == "export":
        columns, rows = sheets.export_rows(category, args.kind)
        data = (
            sheets.rows_to_xlsx(columns, rows, args.kind)
            if args.format == "xlsx"
            else sheets.rows_to_csv(columns, rows)
        )
        if args.output:
            write_output(args.output, data)
            sys.stderr.write(f"{args.output} ({len(data):,} bytes)\n")
        elif args.format == "xlsx":
            raise SystemExit("paritrana award export --format xlsx needs --output FILE")
        else:
            sys.stdout.write(data.decode("utf-8"))
    elif args.action == "import":
        if not args.file:
            raise SystemExit("paritrana award import --kind indicators|answers|scores FILE")
        path = readable_file(args.file)
        _emit(
            args,
            sheets.do_import_sheet(
                actor=actor, category=category, kind=args.kind, data=path.read_bytes(), filename=path.name
            ),
        )


RANK_COLUMNS = ("rank", "zone_rank", "title", "region_code", "name", "zone", "total", "shared")


def _need(args: argparse.Namespace, *names: str) -> None:
    """Refuse (exit 2) naming every option the step needs and did not get."""
    from paritrana.core.errors import N_, InvalidInput

    missing = [
        n.upper() if n == "file" else f"--{n.replace('_', '-')}" for n in names if getattr(args, n, None) in (None, "")
    ]
    if missing:
        raise InvalidInput(
            N_("paritrana award {step} needs {missing}."), field=names[0], step=args.action, missing=", ".join(missing)
        )


def _participant(args: argparse.Namespace, actor: Any) -> Any:
    from paritrana.award.queries import participant_for

    _need(args, "participant")
    category = _category(args, actor)
    found = category.participants.filter(region_code=args.participant.strip()).first()
    if found is None:
        from paritrana.core.errors import N_, NotFound

        raise NotFound(N_("{region} is not a participant of {category}."), region=args.participant, category=category)
    return participant_for(actor, found.pk)


def _edition(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    from datetime import date, datetime, time

    from django.utils import timezone

    from paritrana.award import actions
    from paritrana.award.queries import edition_for

    _need(args, "edition")
    if args.stage:
        from paritrana.award.queries import edition_checks_for

        edition = edition_for(actor, year=args.edition, region=args.region or "")
        checks = edition_checks_for(actor, edition, args.stage)
        edition = actions.do_set_edition_status(
            actor=actor, edition=edition, status=args.stage, reason=args.reason or ""
        )
        return {
            "edition": edition.year,
            "round": edition.region_code or "nasional",
            "stage": edition.status,
            "checks": [c.as_dict() for c in checks],
            "overridden": [c.key for c in checks if not c.ok],
        }

    def end_of(day: str) -> Any:
        return timezone.make_aware(datetime.combine(date.fromisoformat(day), time(23, 59)))

    scoring = getattr(args, "scoring_deadline", None)
    scoring_deadline = None if scoring in (None, "", "none") else end_of(scoring)
    if scoring and not args.name:  # an existing edition: set, extend or clear ("none") the jury's deadline
        edition = edition_for(actor, year=args.edition, region=args.region or "")
        edition = actions.do_set_scoring_deadline(actor=actor, edition=edition, deadline=scoring_deadline)
        return {
            "edition": edition.year,
            "round": edition.region_code or "nasional",
            "scoring_deadline": edition.scoring_deadline.isoformat() if edition.scoring_deadline else "",
        }
    _need(args, "name", "start", "end", "deadline")
    edition = actions.do_create_edition(
        actor=actor,
        year=args.edition,
        name=args.name,
        region_code=args.region or "",
        assessment_start=date.fromisoformat(args.start),
        assessment_end=date.fromisoformat(args.end),
        submission_deadline=end_of(args.deadline),
        scoring_deadline=scoring_deadline,
    )
    return {"edition": edition.year, "round": edition.region_code or "nasional", "stage": edition.status}


def _save_category(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    from paritrana.award import actions
    from paritrana.award.queries import edition_for

    _need(args, "edition", "category", "name", "level", "file")
    edition = edition_for(actor, year=args.edition, region=args.region or "")
    category = actions.do_save_category(
        actor=actor,
        edition=edition,
        key=args.category,
        name=args.name,
        participant_level=args.level,
        framework=readable_file(args.file).read_bytes().decode("utf-8", errors="replace"),
        titles=[t.strip() for t in args.titles.split(",")] if args.titles else None,
        by_zone=args.by_zone,
    )
    return {"category": category.key, "participants": category.participants.count()}


def _step(name: str) -> Callable[[argparse.Namespace, Any], dict[str, Any]]:
    """invite, lock, approve and publish: one action on the category."""

    def run(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
        from paritrana.award import actions

        _need(args, "edition", "category")
        category = _category(args, actor)
        if name == "invite":
            return {
                "category": category.key,
                **actions.do_invite(actor=actor, category=category, winners_of=args.winners_of),
            }
        if name == "approve":
            actions.do_approve(actor=actor, category=category)
            return {"category": category.key, "done": name}
        from paritrana.award.queries import category_checks_for

        checks = category_checks_for(actor, category, name)
        step = {"lock": actions.do_lock_panel, "publish": actions.do_publish}[name]
        step(actor=actor, category=category, reason=args.reason or "")
        return {
            "category": category.key,
            "done": name,
            "checks": [c.as_dict() for c in checks],
            "overridden": [c.key for c in checks if not c.ok],
        }

    return run


def _verify(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    from paritrana.award import actions

    if args.accept == args.send_back:
        from paritrana.core.errors import N_, InvalidInput

        raise InvalidInput(N_("Choose --accept or --send-back (with --notes)."), field="accept")
    participant = actions.do_verify(
        actor=actor, participant=_participant(args, actor), accept=args.accept, notes=args.notes or ""
    )
    return {"participant": participant.region_code, "status": participant.status}


def _panel(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from paritrana.award import actions
    from paritrana.core.errors import N_, NotFound

    _need(args, "edition", "category", "judge")
    judge = get_user_model().objects.filter(username=args.judge).first()
    if judge is None:
        raise NotFound(N_("No user {username}."), username=args.judge)
    member = actions.do_add_panel_member(actor=actor, category=_category(args, actor), user=judge)
    return {"category": member.category.key, "judge": args.judge}


def _conflict(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    from paritrana.award import actions
    from paritrana.award.queries import panel_judge

    _need(args, "reason")
    participant = _participant(args, actor)
    judge = panel_judge(participant.category, args.judge) if args.judge else None
    conflict = actions.do_declare_conflict(actor=actor, participant=participant, reason=args.reason, judge=judge)
    return {"participant": participant.region_code, "judge": conflict.member.user.get_username()}


def _checks(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    """The check list of moving the edition to ``--stage``, or of ``--step`` lock, approve or publish."""
    from paritrana.award.queries import category_checks_for, edition_checks_for, edition_for

    _need(args, "edition")
    if args.step:
        _need(args, "category")
        checks = category_checks_for(actor, _category(args, actor), args.step)
        step = args.step
    else:
        _need(args, "stage")
        checks = edition_checks_for(actor, edition_for(actor, year=args.edition, region=args.region or ""), args.stage)
        step = args.stage
    return {"step": step, "ready": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]}


def _missing(args: argparse.Namespace, actor: Any) -> Any:
    from paritrana.award.queries import missing_for

    _need(args, "edition", "category")
    found = missing_for(actor, _category(args, actor), unresolved_only=args.unresolved)
    return [
        {k: v for k, v in m.as_dict().items() if k not in ("participant_id", "decided_at", "method")} for m in found
    ]


def _resolve(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    from paritrana.award import actions
    from paritrana.core.errors import N_, InvalidInput

    _need(args, "criterion")
    chosen = [n for n, on in (("value", args.value is not None), ("exempt", args.exempt), ("zero", args.zero)) if on]
    if len(chosen) != 1:
        raise InvalidInput(N_("Choose one of --value, --exempt or --zero (with --reason)."), field="resolution")
    participant = _participant(args, actor)
    actions.do_resolve_missing(
        actor=actor,
        participant=participant,
        criterion=args.criterion,
        resolution=chosen[0],
        reason=args.reason or "",
        value=args.value,
        target=args.target,
    )
    return {"participant": participant.region_code, "criterion": args.criterion, "resolution": chosen[0]}


def _zones(args: argparse.Namespace, actor: Any) -> Any:
    from paritrana.award.queries import award_zones

    return [
        {**z, "region_codes": ", ".join(z["region_codes"]), "regions": ", ".join(z["regions"])}
        for z in award_zones(actor)
    ]


def _zone(args: argparse.Namespace, actor: Any) -> dict[str, Any]:
    from paritrana.award import actions

    if args.delete:
        _need(args, "slug")
        return {"deleted": args.slug, "participants_moved": actions.do_delete_zone(actor=actor, slug=args.slug)}
    _need(args, "name", "provinces")
    group = actions.do_save_zone(
        actor=actor, name=args.name, region_codes=args.provinces.split(","), slug=args.slug or ""
    )
    return {"zone": group.slug, "name": group.name, "provinces": sorted(r.code for r in group.regions.all())}


PROCESS: dict[str, Callable[[argparse.Namespace, Any], Any]] = {
    "edition": _edition,
    "category": _save_category,
    "invite": _step("invite"),
    "verify": _verify,
    "panel": _panel,
    "conflict": _conflict,
    "lock": _step("lock"),
    "checks": _checks,
    "missing": _missing,
    "resolve": _resolve,
    "approve": _step("approve"),
    "publish": _step("publish"),
    "zones": _zones,
    "zone": _zone,
}


def register(add: Callable[..., Any]) -> None:
    p = add(
        "award",
        cmd_award,
        "The Paritrana Award: the whole round (edition ... publish), rank, sensitivity, results, missing values, "
        "zones, framework, export and import.",
        ("table", "json", "csv", "xlsx"),
    )
    p.add_argument(
        "action",
        choices=["editions", "rank", "sensitivity", "results", "framework", "export", "import", *PROCESS],
    )
    p.add_argument("file", nargs="?", help="framework: a YAML/JSON file to load; import: the CSV/XLSX")
    p.add_argument("--edition", type=int, help="the award year (e.g. 2024)")
    p.add_argument("--region", default="", help="the round: a province code (blank: the national round)")
    p.add_argument("--category", help="the category key (e.g. kabupaten-kota)")
    p.add_argument("--kind", default="results", choices=["indicators", "answers", "scores", "results"])
    p.add_argument("--samples", type=int, default=10_000, help="sensitivity: Monte Carlo samples")
    p.add_argument("--spread", type=float, default=0.2, help="sensitivity: each weight varies within +-spread")
    p.add_argument("--output", "-o")
    p.add_argument("--user", help="act as this user (its role and scope); default: the system")
    p.add_argument(
        "--stage", help="edition, checks: move it to (the check list of) draft, open, verification, judging or closed"
    )
    p.add_argument("--step", choices=["lock", "approve", "publish"], help="checks: the check list of this step")
    p.add_argument(
        "--reason",
        help="edition --stage, lock, publish: why failing checks are overridden (audited); "
        "conflict: the conflict of interest; resolve: why exempt or zero",
    )
    p.add_argument("--save", action="store_true", help="rank: save the ranking as the results")
    p.add_argument("--unresolved", action="store_true", help="missing: only the values not resolved yet")
    p.add_argument("--criterion", help="resolve: the criterion's key")
    p.add_argument("--value", type=float, help="resolve: the missing value (an indicator's, or a text answer's score)")
    p.add_argument("--target", type=float, help="resolve: the indicator's target (target scoring)")
    p.add_argument("--exempt", action="store_true", help="resolve: leave the criterion out of the participant's total")
    p.add_argument("--zero", action="store_true", help="resolve: score the missing value 0, by decision")
    p.add_argument("--provinces", help="zone: the provinces of the zone, comma-separated (31,32,36)")
    p.add_argument("--slug", help="zone: the zone's short name (blank: from --name)")
    p.add_argument("--delete", action="store_true", help="zone: remove the zone --slug")
    p.add_argument("--name", help="edition, category: its name")
    p.add_argument("--start", help="edition: first day assessed, YYYY-MM-DD")
    p.add_argument("--end", help="edition: last day assessed, YYYY-MM-DD")
    p.add_argument("--deadline", help="edition: last day of the self-assessment, YYYY-MM-DD")
    p.add_argument(
        "--scoring-deadline",
        help="edition: last day the jury scores, YYYY-MM-DD (with --name: at creation; alone: set or extend it on "
        "the existing edition; 'none' clears it)",
    )
    p.add_argument("--level", help="category: province, kabupaten or desa")
    p.add_argument("--titles", help="category: the titles in order, comma-separated (Terbaik I,Terbaik II,...)")
    p.add_argument("--by-zone", action="store_true", help="category: rank per zone")
    p.add_argument("--winners-of", type=int, help="invite: the titled winners of that year's published rounds")
    p.add_argument("--participant", help="verify, conflict, resolve: the participant's region code")
    p.add_argument("--accept", action="store_true", help="verify: accept the submission")
    p.add_argument("--send-back", action="store_true", help="verify: return it to the region, with --notes")
    p.add_argument("--notes", help="verify: what the region must fix")
    p.add_argument("--judge", help="panel: the judge to add; conflict: the judge whose signed form it records")
