"""Account commands: accounts create, accounts list."""

from __future__ import annotations

import argparse

from node.cli import CommandError, add_config, run_async
from node.config import Config
from node.registration import RegistrationError, SignUp, create_local_account
from storage import accounts
from storage.database import open_database
from storage.ids import IdGenerator


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("accounts", help="manage local accounts")
    add_config(p)
    acc = p.add_subparsers(dest="accounts_command", required=True)
    c = acc.add_parser("create", help="create a local account")
    add_config(c)
    c.add_argument("username")
    c.add_argument("--email", required=True)
    c.add_argument("--password", required=True)
    c.add_argument("--admin", action="store_true", help="give the account the admin role")
    c.add_argument("--moderator", action="store_true", help="give the account the moderator role")
    c.set_defaults(func=cmd_create)
    ls = acc.add_parser("list", help="list local accounts")
    add_config(ls)
    ls.set_defaults(func=cmd_list)


def cmd_create(config: Config, args: argparse.Namespace) -> int:
    role = "admin" if args.admin else "moderator" if args.moderator else "user"
    signup = SignUp(username=args.username, email=args.email, password=args.password, role=role,
                    allow_reserved=True)

    async def go() -> int:
        async with open_database(config.storage.path, migrate=False) as db:
            account = await create_local_account(db, IdGenerator(), config, signup)
            for hook in after_create_hooks():
                await hook(config, db, account, args)
            return account.id

    if not config.storage.path.exists():
        raise CommandError(f"no node at {config.storage.path}; run `python -m node init` first")
    try:
        account_id = run_async(go())
    except RegistrationError as exc:
        raise CommandError(f"{exc.field} {exc.description}") from None
    print(f"created {args.username} (id {account_id}, role {role})")
    return 0


def after_create_hooks() -> list:
    """Steps after `accounts create` (the identity issue adds --attestation)."""
    return []


def cmd_list(config: Config, args: argparse.Namespace) -> int:
    async def go() -> list:
        async with open_database(config.storage.path, migrate=False) as db:
            return await accounts.list_local_accounts(db)

    rows = run_async(go())
    print(f"{'id':<20} {'username':<24} {'role':<10} created")
    for account, user in rows:
        print(f"{account.id:<20} {account.username:<24} {user.role:<10} {account.created_at}")
    return 0
