"""Staff commands for the social features: staff picks of follow
suggestions (`suggestions list|add|remove USERNAME`). Each change is
audited with the actor "cli", as the admin API's are with the staff
member."""

from __future__ import annotations

import argparse

from node.audit_log import audit
from node.cli import CommandError, add_config, run_async
from node.config import Config
from storage import accounts, suggestions
from storage.database import open_database
from storage.suggestions import FEATURED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suggestions", help="staff picks among follow suggestions")
    add_config(p)
    cmds = p.add_subparsers(dest="suggestions_command", required=True)
    ls = cmds.add_parser("list", help="list the staff picks")
    add_config(ls)
    ls.set_defaults(func=cmd_list)
    for name, func, text in (("add", cmd_add, "recommend a local account to everyone"),
                             ("remove", cmd_remove, "stop recommending it")):
        c = cmds.add_parser(name, help=text)
        add_config(c)
        c.add_argument("username")
        c.set_defaults(func=func)


def _require_node(config: Config) -> None:
    if not config.storage.path.exists():
        raise CommandError(f"no node at {config.storage.path}; run `python -m node init` first")


def cmd_list(config: Config, args: argparse.Namespace) -> int:
    _require_node(config)

    async def go() -> list[str]:
        async with open_database(config.storage.path) as db:
            ids = await suggestions.picks(db)
            rows = await accounts.get_accounts(db, ids)
            return [rows[i].acct() for i in ids if i in rows]

    for acct in run_async(go()):
        print(acct)
    return 0


def _change(config: Config, username: str, add: bool) -> bool:
    _require_node(config)

    async def go() -> bool:
        async with open_database(config.storage.path) as db:
            account = await accounts.find_local_account(db, username.removeprefix("@"))
            if account is None:
                raise CommandError(f"no local account {username!r}")
            if add and account.suspended_at:
                raise CommandError(f"{account.username} is suspended")
            changed = await (suggestions.pick(db, account.id, None) if add else suggestions.unpick(db, account.id))
            if changed:
                await audit(db, "cli", "suggestion.pick" if add else "suggestion.unpick", ("account", account.id),
                            {"source": FEATURED})
            return changed

    return bool(run_async(go()))


def cmd_add(config: Config, args: argparse.Namespace) -> int:
    changed = _change(config, args.username, True)
    print(f"{args.username} {'is now' if changed else 'was already'} a staff pick")
    return 0


def cmd_remove(config: Config, args: argparse.Namespace) -> int:
    if not _change(config, args.username, False):
        raise CommandError(f"{args.username} is not a staff pick")
    print(f"{args.username} is no longer a staff pick")
    return 0
