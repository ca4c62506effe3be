"""``paritrana``: the one command line. Thin: it parses, calls the same actions and queries as the web and the API,
and prints a table (terminal) or JSON (``--format json``). Errors from the one exception tree print their message
on stderr (JSON body with ``--format json``) and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from paritrana.core.console import emit

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], Any]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paritrana.settings")
    import django

    django.setup()


# --- commands -------------------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> None:
    """Serve the app: gunicorn (a production server) by default, Django's autoreloading server with --dev."""
    import shutil

    from paritrana.core.config import get_settings

    # Each gunicorn worker is a process: its request counters go to files that /metrics adds up (set before
    # anything imports prometheus_client). A new start begins from zero, as Prometheus expects of a restart.
    counters = get_settings().data_dir / "metrics"
    shutil.rmtree(counters, ignore_errors=True)
    counters.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(counters)
    _setup_django()
    from django.core.management import call_command

    if args.dev:
        call_command("runserver", f"{args.host}:{args.port}")
        return
    import atexit
    import subprocess

    from gunicorn.app.wsgiapp import WSGIApplication

    if not args.no_worker:  # imports run in the background: start their worker beside the web server
        worker = subprocess.Popen([sys.executable, "-m", "paritrana.cli", "worker"])
        atexit.register(worker.terminate)

    sys.argv = [
        "gunicorn",
        "paritrana.wsgi",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "120",
        "--no-control-socket",  # one per user by default: two servers on a machine would fight over it
    ]
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()


def cmd_migrate(args: argparse.Namespace) -> dict[str, str]:
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.format == "json" else 1)
    result = {"status": "migrated"}
    if args.format == "json":
        emit(args, result)
    return result


def cmd_worker(args: argparse.Namespace) -> None:
    _setup_django()
    from django.core.management import call_command

    from paritrana.core.jobs import recover_all, start_sweeper

    # Jobs whose worker stopped (killed, out of memory) run again or fail: now, and every minute while this runs.
    recover_all()
    if not args.batch:
        start_sweeper()
    call_command("db_worker", *(["--batch"] if args.batch else []), "--no-startup-delay")


def cmd_demo(args: argparse.Namespace) -> None:
    _setup_django()
    from django.core.management import call_command

    from paritrana.demo.load import DEMO_PASSWORD, DEMO_USERS, load_demo

    call_command("migrate", interactive=False, verbosity=0)
    result = load_demo()
    result["login"] = {"users": [u.username for u in DEMO_USERS], "password": DEMO_PASSWORD}
    if args.format == "json":
        emit(args, result)
        return
    r = result["regions"]
    added = ", ".join(result["users_added"]) or "none"
    logins = "".join(
        f"  {u.username:<24} {u.role.value:<18} {' '.join(c or '*' for c in u.regions) or '(first desa)'}\n"
        for u in DEMO_USERS
    )
    sys.stdout.write(
        f"Regions: {r['created']} added, {r['renamed']} renamed, {r['unchanged']} unchanged.\n"
        f"Zones and branch areas added: {result['groups_added']}. Users added: {added}.\n"
        f"Workers (synthetic, Kabupaten Tangerang): {result['workers']}\n\n"
        f"Demo logins (password '{DEMO_PASSWORD}'):\n{logins}"
    )


def _scope(args: argparse.Namespace) -> list[str]:
    """The region codes of ``--region``, or "" (all of Indonesia) only with ``--national``: never by leaving it out."""
    from paritrana.accounts.actions import role_scope

    return role_scope(regions=args.region or [], national=args.national)


def cmd_users(args: argparse.Namespace) -> Any:
    _setup_django()
    from django.contrib.auth import get_user_model

    from paritrana.accounts.actions import do_assign_role, do_create_token, do_create_user
    from paritrana.core.errors import NotFound

    User = get_user_model()
    if args.action == "list":
        rows = [
            {
                "username": u.username,
                "name": u.get_full_name(),
                "active": u.is_active,
                "roles": ", ".join(f"{r.role}@{r.region_code or '*'}" for r in u.roles.all()),
            }
            for u in User.objects.prefetch_related("roles").order_by("username")
        ]
        emit(args, rows, ["username", "name", "active", "roles"])
        return rows
    if not args.username:
        raise SystemExit("paritrana users: give a USERNAME")
    if args.action == "create":
        import getpass

        roles = [(args.role, code) for code in _scope(args)] if args.role else []
        password = args.password or os.environ.get("PARITRANA_NEW_PASSWORD") or getpass.getpass("Password: ")
        user = do_create_user(
            username=args.username, password=password, full_name=args.name or "", roles=roles, actor=None
        )
        emit(args, {"username": user.username, "roles": [f"{args.role}@{c or '*'}" for c in args.region or [""]]})
        return user
    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise NotFound("There is no user {username}.", username=args.username)
    if args.action == "grant":
        from django.db import transaction

        with transaction.atomic():  # all regions or none
            for code in _scope(args):
                do_assign_role(user=user, role=args.role, region_code=code, actor=None)
        emit(args, {"username": user.username, "granted": args.role, "regions": args.region or ["*"]})
        return user
    if args.action == "password":  # an administrator's reset: a temporary password, changed at the next login
        from paritrana.accounts.actions import do_reset_password

        given = args.password or os.environ.get("PARITRANA_NEW_PASSWORD", "")
        temporary = do_reset_password(user=user, actor=None, password=given)
        note = "Shown once; the user must choose their own password at the next login."
        emit(args, {"username": user.username, "temporary_password": "" if given else temporary, "note": note})
        return user
    token, key = do_create_token(user=user, label=args.label or "cli", actor=None)
    emit(
        args,
        {
            "username": user.username,
            "token": key,
            "label": token.label,
            "note": "Shown once; send it as 'Authorization: Bearer <token>'.",
        },
    )
    return key


def cmd_audit(args: argparse.Namespace) -> None:
    _setup_django()
    from paritrana.core import audit
    from paritrana.core.files import write_output
    from paritrana.core.models import AuditEvent

    events = audit.filter_events(AuditEvent.objects.all(), actor=args.actor, action=args.action_prefix)
    if args.format in ("csv", "xlsx"):
        data = audit.export_csv(events.iterator()) if args.format == "csv" else audit.export_xlsx(events.iterator())
        if args.output:
            write_output(args.output, data)
        else:
            sys.stdout.buffer.write(data)
        return
    rows = [
        {
            "id": e.pk,
            "at": e.at.isoformat(),
            "actor": e.actor_name,
            "action": e.action,
            "object": f"{e.object_type}:{e.object_id}",
            "region": e.region_code,
        }
        for e in events[: args.limit]
    ]
    emit(args, rows)


# --- parser ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paritrana", description=__doc__.split("\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Handler, help_text: str, formats: Sequence[str] = ("table", "json")) -> Any:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        p.add_argument("--format", choices=list(formats), default=formats[0], help="output format")
        return p

    p = add("serve", cmd_serve, "Serve the web app and the API.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--dev", action="store_true", help="Django's development server with autoreload")
    p.add_argument("--no-worker", action="store_true", help="do not start the background worker (run it apart)")

    add("migrate", cmd_migrate, "Create or upgrade the database tables.")
    add("demo", cmd_demo, "Load the demo data (idempotent; never deletes).")
    p = add(
        "worker",
        cmd_worker,
        "Run background jobs (imports, billing runs, reconciles, facts refreshes) from the database queue.",
    )
    p.add_argument("--batch", action="store_true", help="stop when the queue is empty")

    p = add("users", cmd_users, "List users, create one, grant a role, make an API token, or reset a password.")
    p.add_argument("action", choices=["list", "create", "grant", "token", "password"])
    p.add_argument("username", nargs="?")
    p.add_argument("--name", help="full name (create)")
    p.add_argument(
        "--password", help="password (create; password: else a random one); else PARITRANA_NEW_PASSWORD or a prompt"
    )
    p.add_argument("--role", help="role to grant (create, grant)")
    p.add_argument("--region", action="append", help="region scope code, repeatable (create, grant)")
    p.add_argument("--national", action="store_true", help="the role holds in all of Indonesia (create, grant)")
    p.add_argument("--label", help="token label (token)")

    p = add("audit", cmd_audit, "Show or export the audit log.", formats=("table", "json", "csv", "xlsx"))
    p.add_argument("--actor")
    p.add_argument("--action", dest="action_prefix", help="actions starting with this")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--output", "-o", help="file for csv/xlsx (default stdout)")

    _register_more(add)
    return parser


#: Modules whose ``register(add)`` adds their commands (each capability keeps its commands beside its code).
COMMAND_MODULES = [
    "paritrana.regions.cli",
    "paritrana.calculator.cli",
    "paritrana.registry.cli",
    "paritrana.sponsorship.cli",
    "paritrana.analytics.cli",
    "paritrana.award.cli",
    "paritrana.followup.cli",
    "paritrana.core.cli",
]


def _register_more(add: Callable[..., Any]) -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(add)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from paritrana.core.errors import ParitranaError

    try:
        if args.command not in ("serve",):
            _setup_django()
        status = args.handler(args)
    except ParitranaError as exc:
        from django.conf import settings
        from django.utils import translation
        from django.utils.translation import gettext

        with translation.override(settings.LANGUAGE_CODE if settings.configured else "id"):
            body = exc.as_body(gettext)
        if getattr(args, "format", "table") == "json":
            sys.stderr.write(json.dumps(body, ensure_ascii=False) + "\n")
        else:
            sys.stderr.write(f"paritrana: {body['message']}\n")
        return 2
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
