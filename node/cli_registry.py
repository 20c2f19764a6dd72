"""Shared registry commands: `python -m node registry ...` (issue 15).

An association: `keygen --out KEYFILE` once, then `publish --key KEYFILE
--out FILE [--lists]` whenever its registry changes (and before the last
document expires), serving FILE from any web server. A node admin:
`subscribe URL --public-key B64`, then `subscriptions`, `sync [ID]`,
`pending`, `approve ID [HOST...]`, `set ID ...`, `unsubscribe ID`.
Exit 1 with one line for a refused action (a document refused on sync
included), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from federation.fetch import create_fetch_session
from node import registry_actions as actions
from node.cli import Command, CommandError, add_config, node_database, run_async
from node.config import Config
from node.registry_apply import PermitApplied
from node.registry_context import RegistryContext
from node.registry_publish import DEFAULT_VALID_DAYS, build_document, choose_version, previous_version, write_document
from node.registry_sync import SyncResult
from node.version import SOFTWARE, VERSION
from policy.identity import AuthorityKeyError, generate_authority_key, load_private_key, public_key_b64
from policy.registry_merge import LISTS_MODES, PERMITS_MODES
from policy.screening import PolicyError
from policy.screening_runtime import request_reload
from storage import registry as store
from storage.ids import IdGenerator

Action = Callable[[RegistryContext, argparse.Namespace], Awaitable[int]]
Sub = argparse._SubParsersAction  # type: ignore[type-arg]


def register(sub: Sub) -> None:
    p = sub.add_parser("registry", help="shared registries: publish signed permit and word lists, or subscribe")
    add_config(p)
    cmds = p.add_subparsers(dest="registry_command", required=True)
    keygen = cmds.add_parser("keygen", help="make an Ed25519 key for publishing (no node needed)")
    keygen.add_argument("--out", type=Path, required=True, help="the private key file to create (mode 0600)")
    keygen.set_defaults(func=cmd_keygen, without_config=True)
    publish = _command(cmds, "publish", "write this node's registry as a signed document", _publish, fetches=False)
    publish.add_argument("--key", type=Path, required=True, help="the private key file from keygen")
    publish.add_argument("--out", type=Path, required=True, help="the document to write (served as is)")
    publish.add_argument("--lists", action="store_true", help="include the screening categories' word lists")
    publish.add_argument("--version", type=int, help="default: the time in seconds, past the one in --out")
    publish.add_argument("--valid-days", type=int, default=DEFAULT_VALID_DAYS, help="days until it expires")
    subscribe = _command(cmds, "subscribe", "follow a registry published at URL", _subscribe, fetches=False)
    subscribe.add_argument("url")
    subscribe.add_argument("--public-key", required=True,
                           help="the publisher's key, as keygen printed it (one starting with '-': --public-key=KEY)")
    _settings_arguments(subscribe, defaults=True)
    _command(cmds, "subscriptions", "list subscriptions: last fetch, version in force, errors", _list,
             fetches=False)
    _command(cmds, "sync", "fetch now (one subscription, or all)", _sync).add_argument("id", nargs="?")
    _command(cmds, "pending", "entries of draft subscriptions waiting for approval", _pending, fetches=False)
    approve = _command(cmds, "approve", "approve waiting entries of a draft subscription", _approve, fetches=False)
    approve.add_argument("id")
    approve.add_argument("hosts", nargs="*", help="the hosts to approve (or --all)")
    approve.add_argument("--all", action="store_true", help="every waiting entry of the subscription")
    settings = _command(cmds, "set", "change a subscription's modes or priority", _set, fetches=False)
    settings.add_argument("id")
    _settings_arguments(settings, defaults=False)
    _command(cmds, "unsubscribe", "stop following a registry (its permits are revoked unless kept)",
             _unsubscribe, fetches=False).add_argument("id")


def _settings_arguments(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    parser.add_argument("--permits", choices=PERMITS_MODES, default="draft" if defaults else None,
                        help="draft: entries wait for approval (default); active: applied at once")
    parser.add_argument("--lists", choices=LISTS_MODES, default="off" if defaults else None,
                        help="word lists: off (default), shadow (count hits only) or enforce")
    parser.add_argument("--priority", type=int, default=0 if defaults else None,
                        help="0-255; the highest decides when subscriptions list the same host")


def _command(cmds: Sub, name: str, text: str, action: Action, *, fetches: bool = True) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = cmds.add_parser(name, help=text, description=text)
    add_config(parser)
    parser.set_defaults(func=_runner(action, fetches))
    return parser


def _runner(action: Action, fetches: bool) -> Command:
    def command(config: Config, args: argparse.Namespace) -> int:
        async def go() -> int:
            async with _context(config, fetches) as ctx:
                return await action(ctx, args)

        try:
            return int(run_async(go()))
        except actions.RegistryError as exc:
            raise CommandError(str(exc)) from None

    return command


@contextlib.asynccontextmanager
async def _context(config: Config, fetches: bool) -> AsyncIterator[RegistryContext]:
    async with node_database(config) as db:
        async def reload() -> object:
            return await request_reload(db)  # the running processes rebuild their policy

        if not fetches:
            yield RegistryContext(config, db, IdGenerator(), reload)
            return
        session = create_fetch_session(allow_private_addresses=config.federation.allow_private_addresses,
                                       user_agent=f"{SOFTWARE}/{VERSION} (+{config.node.base_url})")
        try:
            yield RegistryContext(config, db, IdGenerator(), reload, session)
        finally:
            await session.close()


def cmd_keygen(config: Config | None, args: argparse.Namespace) -> int:
    out: Path = args.out
    pem, public = generate_authority_key()
    while public.startswith("-"):  # so that `--public-key KEY` never reads as an option (1 key in 64)
        pem, public = generate_authority_key()
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CommandError(f"{out} exists; keygen never overwrites a key") from None
    except OSError as exc:
        raise CommandError(f"{out}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # the umask may have taken bits away, never added
        handle.write(pem)
    print(f"wrote {out} (Ed25519 private key, mode 0600); keep it secret")
    print("public key, for subscribers' --public-key:")
    print(public)
    return 0


async def _publish(ctx: RegistryContext, args: argparse.Namespace) -> int:
    try:
        key = load_private_key(args.key.read_bytes())
    except OSError as exc:
        raise CommandError(f"{args.key}: {exc.strerror}") from None
    except AuthorityKeyError:
        raise CommandError(f"{args.key}: not an Ed25519 private key in PEM (make one with registry keygen)") from None
    previous = previous_version(args.out)
    version = choose_version(args.version, previous)
    if previous is not None and version <= previous:
        raise CommandError(f"{args.out} holds version {previous}; subscribers refuse a version not newer")
    if not 1 <= args.valid_days <= 366:
        raise CommandError("--valid-days: from 1 to 366")
    try:
        published = await build_document(ctx.db, ctx.config, key, version=version, with_lists=args.lists,
                                         valid_days=args.valid_days)
    except PolicyError as exc:
        raise CommandError(f"screening lists: {exc}") from None
    write_document(args.out, published.document)
    lists = f", {published.lists} lists ({published.terms} terms)" if args.lists else ""
    print(f"published version {published.version}: {published.permits} permits{lists}, "
          f"expires {published.expires_at:%Y-%m-%dT%H:%M:%SZ}, to {args.out}")
    print(f"public key: {public_key_b64(key.public_key())}")
    return 0


async def _subscribe(ctx: RegistryContext, args: argparse.Namespace) -> int:
    new = actions.new_subscription(args.url, args.public_key, args.permits, args.lists, args.priority)
    row = await actions.subscribe(ctx, "cli", new)
    print(f"subscribed {row.id}: {row.url} (permits {row.permits_mode}, lists {row.lists_mode}, "
          f"priority {row.priority})")
    print(f"a running node syncs it within a minute; or now: python -m node registry sync {row.id}")
    return 0


async def _list(ctx: RegistryContext, args: argparse.Namespace) -> int:
    views = await actions.overview(ctx.db)
    if not views:
        print("no registry subscriptions")
    for view in views:
        print("\n".join(describe(view)))
    return 0


def describe(view: actions.SubscriptionView) -> list[str]:
    r = view.row
    version = "no document yet" if r.last_version is None else (
        f"version {r.last_version} in force ({'EXPIRED' if view.expired else 'expires'} {r.last_expires_at})")
    lines = [f"{r.id}  {r.url}",
             f"    permits {r.permits_mode}, lists {r.lists_mode}, priority {r.priority}; {version}",
             f"    {view.entries} entries, {view.in_force} permits in force here, {view.pending} waiting for approval",
             f"    last fetch {r.last_fetch_at or '-'}, last good {r.last_success_at or '-'}, next {r.next_sync_at}"]
    if r.last_error:
        lines.append(f"    error: {r.last_error}")
    return lines


def _print_permits(applied: list[PermitApplied] | tuple[PermitApplied, ...]) -> None:
    for item in applied:
        print(f"    {item.host}: {item.action} ({item.status}): {item.reason}")


def _print_sync(result: SyncResult) -> None:
    print(f"{result.subscription_id}: {result.message}"
          + (f"; {len(result.permits)} permits changed" if result.ok else "")
          + (f"; {result.lists}" if result.lists else ""))
    _print_permits(result.permits)


async def _sync(ctx: RegistryContext, args: argparse.Namespace) -> int:
    ids = [args.id] if args.id is not None else [r.id for r in await store.list_subscriptions(ctx.db)]
    if not ids:
        print("no registry subscriptions")
    failed = []
    for sub_id in ids:
        result = await actions.sync_now(ctx, "cli", sub_id)
        if result.ok:
            _print_sync(result)
        else:
            failed.append(f"{result.subscription_id}: {result.message}")
    if failed:
        raise CommandError("; ".join(failed))
    return 0


async def _pending(ctx: RegistryContext, args: argparse.Namespace) -> int:
    waiting = await store.pending_entries(ctx.db)
    if not waiting:
        print("nothing waits for approval")
    for e in waiting:
        print(f"{e.subscription_id}  {e.host}  {e.number}  {e.kind}  {e.status}  {e.valid_until or '-'}  {e.holder}")
    return 0


async def _approve(ctx: RegistryContext, args: argparse.Namespace) -> int:
    if bool(args.hosts) == bool(args.all):
        raise CommandError("name the hosts to approve, or give --all")
    approved, applied = await actions.approve(ctx, "cli", args.id, None if args.all else args.hosts)
    print(f"approved {len(approved)} entries; {len(applied)} permits changed")
    _print_permits(applied)
    return 0


async def _set(ctx: RegistryContext, args: argparse.Namespace) -> int:
    if args.permits is None and args.lists is None and args.priority is None:
        raise CommandError("give --permits, --lists or --priority")
    change = await actions.change_settings(ctx, "cli", args.id, permits_mode=args.permits,
                                           lists_mode=args.lists, priority=args.priority)
    r = change.row
    print(f"{r.id}: permits {r.permits_mode}, lists {r.lists_mode}, priority {r.priority}"
          + (f"; {change.lists}" if change.lists else ""))
    _print_permits(change.permits)
    return 0


async def _unsubscribe(ctx: RegistryContext, args: argparse.Namespace) -> int:
    applied = await actions.unsubscribe(ctx, "cli", args.id)
    print(f"unsubscribed {args.id}; {len(applied)} permits changed")
    _print_permits(applied)
    return 0
