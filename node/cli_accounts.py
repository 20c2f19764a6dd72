"""Account commands: accounts create, verify, list, export, delete."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from node.account_export import write_archive
from node.audit_log import audit
from node.cli import CommandError, add_config, node_database, run_async
from node.account_deletion import delete_local_account
from node.cli_identity import verify_account
from node.config import Config
from node.identity_runtime import load_identity_keys
from node.registration import RegistrationError, SignUp, create_local_account
from policy.identity import AttestationError, verify_attestation
from storage import accounts
from storage.identities import get_identity
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
    c.add_argument("--attestation", help="verify the account's identity with this attestation")
    c.set_defaults(func=cmd_create)
    v = acc.add_parser("verify", help="verify an account's identity with an attestation")
    add_config(v)
    v.add_argument("username")
    v.add_argument("--attestation", required=True)
    v.set_defaults(func=cmd_verify)
    ls = acc.add_parser("list", help="list local accounts")
    add_config(ls)
    ls.set_defaults(func=cmd_list)
    ex = acc.add_parser("export", help="write one account's archive (posts, media, actor, Mastodon's CSVs)")
    add_config(ex)
    ex.add_argument("username")
    ex.add_argument("--out", required=True, type=Path, help="the zip file to write")
    ex.set_defaults(func=cmd_export)
    d = acc.add_parser("delete", help="delete a local account for good (its username stays taken)")
    add_config(d)
    d.add_argument("username")
    d.add_argument("--reason", required=True, help="why, for the audit log")
    d.set_defaults(func=cmd_delete)


def cmd_create(config: Config, args: argparse.Namespace) -> int:
    role = "admin" if args.admin else "moderator" if args.moderator else "user"
    signup = SignUp(username=args.username, email=args.email, password=args.password, role=role,
                    allow_reserved=True)

    async def go() -> int:
        async with node_database(config) as db:
            if args.attestation:
                # Check the token before creating anything: a refused
                # attestation must leave no half-made account behind.
                keys = await load_identity_keys(config, db)
                verify_attestation(args.attestation.strip(), keys.authorities, keys.audience, time.time())
            account = await create_local_account(db, IdGenerator(), config, signup)
            if args.attestation:
                try:
                    await verify_account(config, db, account.id, args.attestation)
                except CommandError:
                    await accounts.delete_account(db, account.id)
                    raise
            return account.id

    try:
        account_id = run_async(go())
    except RegistrationError as exc:
        raise CommandError(f"{exc.field} {exc.description}") from None
    except AttestationError as exc:
        raise CommandError(f"attestation refused ({exc.code}): {exc.message}") from None
    verified = ", identity verified" if args.attestation else ""
    print(f"created {args.username} (id {account_id}, role {role}{verified})")
    return 0


def cmd_verify(config: Config, args: argparse.Namespace) -> int:
    async def go() -> None:
        async with node_database(config) as db:
            account = await accounts.find_local_account(db, args.username)
            if account is None:
                raise CommandError(f"no local account {args.username!r}")
            await verify_account(config, db, account.id, args.attestation)

    run_async(go())
    print(f"identity verified for {args.username}")
    return 0


def cmd_list(config: Config, args: argparse.Namespace) -> int:
    async def go() -> tuple[list, set[int]]:
        async with node_database(config) as db:
            rows = await accounts.list_local_accounts(db)
            # each account's identity record (the public badge setting aside): one query per account
            return rows, {a.id for a, _ in rows if await get_identity(db, a.id) is not None}

    rows, verified = run_async(go())
    print(f"{'id':<20} {'username':<24} {'role':<10} {'verified':<9} created")
    for account, user in rows:
        mark = "yes" if account.id in verified else "no"
        print(f"{account.id:<20} {account.username:<24} {user.role:<10} {mark:<9} {account.created_at}")
    return 0


def cmd_delete(config: Config, args: argparse.Namespace) -> int:
    """The account is unusable at once; the serving node removes its content
    and tells the peers in the background (node.deletion_setup)."""
    async def go() -> int:
        async with node_database(config) as db:
            account = await accounts.find_local_account(db, args.username)
            if account is None:
                raise CommandError(f"no local account {args.username!r}")
            if not await delete_local_account(db, account, "admin", "cli", args.reason.strip()):
                raise CommandError(f"{account.username} is deleted already")
            return account.id

    account_id = run_async(go())
    print(f"deleted {args.username} (id {account_id}); the serving node removes its content in the background")
    return 0


def cmd_export(config: Config, args: argparse.Namespace) -> int:
    """An admin answering a person's request for their data (audited)."""
    out: Path = args.out

    async def go() -> int:
        async with node_database(config) as db:
            account = await accounts.find_local_account(db, args.username)
            if account is None:
                raise CommandError(f"no local account {args.username!r}")
            if account.deleted_at:
                raise CommandError(f"{account.username} was deleted; nothing of it is left to export")
            try:
                out.open("wb").close()  # an unwritable path is refused before any work
            except OSError as exc:
                raise CommandError(f"cannot write {out}: {exc.strerror}") from None
            size = await write_archive(db, config, account, out)
            await audit(db, "cli", "admin.account_export", ("account", account.id), {"bytes": size})
            return size

    size = run_async(go())
    print(f"exported {args.username} to {out} ({size} bytes)")
    return 0
