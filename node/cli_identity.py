"""Identity commands: keygen, issue (development authority), rotate-key, officers, reveals.

`identity issue` prints the token on its last line, so scripts can take
`| tail -n 1`. Reveals follow `policy.identity.duties`, as the API and the
admin page do: `identity reveal USER --reason R --actor OFFICER` asks
(and, with `reveal_needs_approval = false`, reveals at once); `identity
approve N --actor OTHER` (or `deny`) decides; `identity reveal --request N
--actor OFFICER` reveals. `--actor` names a local account, whose role and
grant decide what it may do: the command line is no way around the rule.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from node.cli import CommandError, add_config, node_database, run_async
from node.config import Config
from node.identity_runtime import DEV_AUTHORITY_ID, dev_authority, load_identity_keys
from policy.identity import AttestationError, IdNumberError, generate_authority_key, issue_attestation
from policy.identity.duties import (Actor, RevealRefusedError, actor_of, decide_request, perform_reveal,
                                    request_reveal, set_identity_officer)
from policy.identity.enrolment import IdentityKeys, Revealed, enrol, reencrypt_all
from policy.identity.vault import rotate_key_file
from storage import accounts
from storage import reveal_requests as requests_store
from storage.clock import now
from storage.database import Database
from storage.ids import IdGenerator


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("identity", help="identity authorities, attestations and the key file")
    add_config(p)
    ident = p.add_subparsers(dest="identity_command", required=True)
    k = ident.add_parser("keygen", help="print a new Ed25519 authority key pair")
    add_config(k)
    k.set_defaults(func=cmd_keygen)
    i = ident.add_parser("issue", help="issue an attestation from the development authority")
    add_config(i)
    i.add_argument("--subject", required=True)
    i.add_argument("--kind", choices=("person", "organisation"), default="person")
    i.add_argument("--name")
    i.add_argument("--id-number")
    i.add_argument("--expires", default="1h", help="lifetime: 30m, 1h, 2d, or an ISO date-time")
    i.set_defaults(func=cmd_issue)
    r = ident.add_parser("rotate-key", help="add a new encryption key and re-encrypt every record")
    add_config(r)
    r.set_defaults(func=cmd_rotate)
    v = ident.add_parser("reveal", help="ask to reveal an account's legal identity, or reveal with --request")
    add_config(v)
    v.add_argument("username", nargs="?", help="whose identity (to ask)")
    v.add_argument("--reason", default="", help="why: recorded, and shown to whoever approves")
    v.add_argument("--report", type=int, help="the report the reveal is for")
    v.add_argument("--request", type=int, help="reveal with this approved request")
    v.add_argument("--actor", required=True, help="the identity officer asking (a local username)")
    v.set_defaults(func=cmd_reveal)
    for verb in ("approve", "deny"):
        d = ident.add_parser(verb, help=f"{verb} someone else's reveal request (staff)")
        add_config(d)
        d.add_argument("request", type=int)
        d.add_argument("--actor", required=True, help="the staff member deciding (a local username)")
        d.add_argument("--note", default="")
        d.set_defaults(func=cmd_decide, approve=verb == "approve")
    q = ident.add_parser("requests", help="list reveal requests, newest first")
    add_config(q)
    q.set_defaults(func=cmd_requests)
    o = ident.add_parser("officers", help="who may ask to reveal identities: list, add, remove")
    add_config(o)
    o.add_argument("change", choices=("list", "add", "remove"))
    o.add_argument("username", nargs="?")
    o.set_defaults(func=cmd_officers)


def cmd_keygen(config: Config, args: argparse.Namespace) -> int:
    pem, public = generate_authority_key()
    print(pem.decode().strip())
    print(f"public_key = \"{public}\"")
    return 0


def ttl_seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units and text[:-1].isdigit():
        return int(text[:-1]) * units[text[-1]]
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--expires: not a duration or date-time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    seconds = int(moment.timestamp() - time.time())
    if seconds <= 0:
        raise CommandError("--expires: that moment has passed")
    return seconds


def cmd_issue(config: Config, args: argparse.Namespace) -> int:
    key = dev_authority(config)
    if key is None:
        raise CommandError(f"no development authority at {config.identity.dev_authority_key}; run init")
    try:
        token = issue_attestation(key, issuer=DEV_AUTHORITY_ID, subject=args.subject, kind=args.kind,
                                  audience=config.node.domain, name=args.name, id_number=args.id_number,
                                  ttl_seconds=ttl_seconds(args.expires))
    except (IdNumberError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(f"attestation for subject {args.subject!r} ({args.kind}), audience {config.node.domain}:")
    print(token)
    return 0


def cmd_rotate(config: Config, args: argparse.Namespace) -> int:
    async def go() -> tuple[str, int]:
        async with node_database(config) as db:
            key_id = rotate_key_file(config.identity.key_file)
            keys = await load_identity_keys(config, db)
            return key_id, await reencrypt_all(db, keys)

    key_id, count = run_async(go())
    print(f"active key is now {key_id}; re-encrypted {count} identity records")
    return 0


async def _actor(db: Database, username: str) -> Actor:
    account = await accounts.find_local_account(db, username)
    actor = await actor_of(db, account.id) if account is not None else None
    if actor is None:
        raise CommandError(f"--actor: no local account {username!r}")
    return actor


async def _account_id(db: Database, username: str) -> int:
    account = await accounts.find_local_account(db, username)
    if account is None:
        raise CommandError(f"no local account {username!r}")
    return account.id


def _print_identity(found: Revealed) -> None:
    print(f"authority: {found.authority}\nkind: {found.kind}\nverified_at: {found.verified_at}")
    print(f"name: {found.name or '-'}\nid_number: {found.id_number or '-'}")


async def _reveal(config: Config, db: Database, keys: IdentityKeys, args: argparse.Namespace) -> Revealed | str:
    actor = await _actor(db, args.actor)
    if args.request is None:
        if not args.username:
            raise CommandError("name the account whose identity to ask for, or give --request N")
        row = await request_reveal(db, IdGenerator(), actor, await _account_id(db, args.username), args.reason,
                                   report_id=args.report, needs_approval=config.identity.reveal_needs_approval)
        if row.state == "pending":
            return (f"reveal request {row.id} waits for a second staff member: "
                    f"python -m node identity approve {row.id} --actor USERNAME")
        args.request = row.id
    return await perform_reveal(db, keys, IdGenerator(), actor, args.request)


def cmd_reveal(config: Config, args: argparse.Namespace) -> int:
    async def go() -> Revealed | str:
        async with node_database(config) as db:
            try:
                return await _reveal(config, db, await load_identity_keys(config, db), args)
            except RevealRefusedError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from None

    found = run_async(go())
    if isinstance(found, str):
        print(found)
    else:
        _print_identity(found)
    return 0


def cmd_decide(config: Config, args: argparse.Namespace) -> int:
    async def go() -> str:
        async with node_database(config) as db:
            try:
                row = await decide_request(db, await _actor(db, args.actor), args.request, approve=args.approve,
                                           note=args.note)
            except RevealRefusedError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from None
            return row.state

    print(f"reveal request {args.request}: {run_async(go())}")
    return 0


def cmd_requests(config: Config, args: argparse.Namespace) -> int:
    async def go() -> list[requests_store.RevealRequest]:
        async with node_database(config) as db:
            return await requests_store.list_requests(db, limit=200)

    print(f"{'id':<20} {'state':<9} {'account':<20} {'asked by':<20} reason")
    for row in run_async(go()):
        print(f"{row.id:<20} {row.state:<9} {row.account_id:<20} {row.requested_by:<20} {row.reason}")
    return 0


def cmd_officers(config: Config, args: argparse.Namespace) -> int:
    async def go() -> list[str]:
        async with node_database(config) as db:
            if args.change != "list":
                if not args.username:
                    raise CommandError(f"officers {args.change}: name the account")
                granted = args.change == "add"
                if not await set_identity_officer(db, await _account_id(db, args.username), granted, by="cli"):
                    raise CommandError(f"{args.username} {'already is' if granted else 'is not'} an identity officer")
            found = await accounts.get_accounts(db, await requests_store.holders(db))
            return sorted(a.username for a in found.values())

    for name in run_async(go()):
        print(name)
    return 0


async def verify_account(config: Config, db: object, account_id: int, token: str) -> None:
    """`accounts verify` and `accounts create --attestation`."""
    keys = await load_identity_keys(config, db)  # type: ignore[arg-type]
    try:
        await enrol(db, keys, account_id, token, now=now())  # type: ignore[arg-type]
    except AttestationError as exc:
        raise CommandError(f"attestation refused ({exc.code}): {exc.message}") from None
