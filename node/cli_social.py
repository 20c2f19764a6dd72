"""Staff commands for the social features: staff picks of follow
suggestions (`suggestions list|add|remove USERNAME`) and custom emoji
(`emoji list`, `emoji add SHORTCODE FILE [--category C] [--hidden]`,
`emoji remove SHORTCODE`). Each change is audited with the actor "cli",
as the admin API's are with the staff member."""

from __future__ import annotations

import argparse

from pathlib import Path

from node.audit_log import audit
from node.cli import CommandError, add_config, node_database, run_async
from node.config import Config
from node.custom_emoji_files import EmojiError, EmojiUpload, create_emoji, delete_emoji
from storage import accounts, custom_emojis, suggestions
from storage.ids import IdGenerator
from storage.suggestions import FEATURED


def register(sub: argparse._SubParsersAction) -> None:
    register_suggestions(sub)
    register_emoji(sub)


def register_suggestions(sub: argparse._SubParsersAction) -> None:
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


def register_emoji(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("emoji", help="the node's custom emoji")
    add_config(p)
    cmds = p.add_subparsers(dest="emoji_command", required=True)
    ls = cmds.add_parser("list", help="list the local custom emoji")
    add_config(ls)
    ls.set_defaults(func=cmd_emoji_list)
    add = cmds.add_parser("add", help="upload a PNG or GIF as :SHORTCODE:")
    add_config(add)
    add.add_argument("shortcode")
    add.add_argument("file", type=Path)
    add.add_argument("--category", default=None)
    add.add_argument("--hidden", action="store_true", help="usable, but not listed in clients' pickers")
    add.set_defaults(func=cmd_emoji_add)
    rm = cmds.add_parser("remove", help="delete a local custom emoji")
    add_config(rm)
    rm.add_argument("shortcode")
    rm.set_defaults(func=cmd_emoji_remove)


def cmd_list(config: Config, args: argparse.Namespace) -> int:

    async def go() -> list[str]:
        async with node_database(config) as db:
            ids = await suggestions.picks(db)
            rows = await accounts.get_accounts(db, ids)
            return [rows[i].acct() for i in ids if i in rows]

    for acct in run_async(go()):
        print(acct)
    return 0


def _change(config: Config, username: str, add: bool) -> bool:

    async def go() -> bool:
        async with node_database(config) as db:
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


def cmd_emoji_list(config: Config, args: argparse.Namespace) -> int:

    async def go() -> list[str]:
        async with node_database(config) as db:
            return [f":{r.shortcode}:\t{r.category or ''}\t{'disabled' if r.disabled else 'enabled'}"
                    f"{'' if r.visible_in_picker else ', hidden'}"
                    for r in await custom_emojis.list_local(db, enabled_only=False)]

    for line in run_async(go()):
        print(line)
    return 0


def cmd_emoji_add(config: Config, args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
    upload = EmojiUpload(args.shortcode, data, args.category, not args.hidden)

    async def go() -> None:
        async with node_database(config) as db:
            row = await create_emoji(db, IdGenerator(), config, upload)
            await audit(db, "cli", "custom_emoji.create", ("custom_emoji", row.shortcode), {"size": row.size})

    try:
        run_async(go())
    except EmojiError as exc:
        raise CommandError(str(exc)) from None
    print(f":{args.shortcode}: added")
    return 0


def cmd_emoji_remove(config: Config, args: argparse.Namespace) -> int:
    shortcode = args.shortcode.strip(":")

    async def go() -> bool:
        async with node_database(config) as db:
            row = await custom_emojis.get_local(db, shortcode)
            if row is None or await delete_emoji(db, config, row.id) is None:
                return False
            await audit(db, "cli", "custom_emoji.delete", ("custom_emoji", shortcode))
            return True

    if not run_async(go()):
        raise CommandError(f"no local custom emoji :{shortcode}:")
    print(f":{shortcode}: removed")
    return 0
