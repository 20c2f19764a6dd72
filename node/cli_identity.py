"""Identity commands: keygen, issue (development authority), rotate-key, reveal.

`identity issue` prints the token on its last line, so scripts can take
`| tail -n 1`. `identity reveal` requires a reason and records it before
printing anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from node.cli import CommandError, add_config, node_database, run_async
from node.config import Config
from node.identity_runtime import DEV_AUTHORITY_ID, dev_authority, load_identity_keys
from policy.identity import AttestationError, IdNumberError, generate_authority_key, issue_attestation
from policy.identity.enrolment import enrol, reencrypt_all, reveal
from policy.identity.vault import rotate_key_file
from storage import accounts
from storage.clock import now
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
    v = ident.add_parser("reveal", help="reveal one account's legal identity (audited)")
    add_config(v)
    v.add_argument("username")
    v.add_argument("--reason", required=True)
    v.add_argument("--actor", default="cli", help="who is asking, for the audit record")
    v.set_defaults(func=cmd_reveal)


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


def cmd_reveal(config: Config, args: argparse.Namespace) -> int:
    async def go() -> object:
        async with node_database(config) as db:
            account = await accounts.find_local_account(db, args.username)
            if account is None:
                raise CommandError(f"no local account {args.username!r}")
            keys = await load_identity_keys(config, db)
            return await reveal(db, keys, IdGenerator().next_id(), account.id,
                                actor=args.actor, reason=args.reason)

    if not args.reason.strip():
        raise CommandError("--reason must say why")
    found = run_async(go())
    if found is None:
        raise CommandError(f"{args.username} has no verified identity")
    print(f"authority: {found.authority}\nkind: {found.kind}\nverified_at: {found.verified_at}")
    print(f"name: {found.name or '-'}\nid_number: {found.id_number or '-'}")
    return 0


async def verify_account(config: Config, db: object, account_id: int, token: str) -> None:
    """`accounts verify` and `accounts create --attestation`."""
    keys = await load_identity_keys(config, db)  # type: ignore[arg-type]
    try:
        await enrol(db, keys, account_id, token, now=now())  # type: ignore[arg-type]
    except AttestationError as exc:
        raise CommandError(f"attestation refused ({exc.code}): {exc.message}") from None
