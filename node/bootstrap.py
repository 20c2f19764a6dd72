"""Creating a node's files once (`init`) and checking them (`check-config`).

Subsystems that need files at init (identity key file, development
authority, the Web Push key pair) add a step to INIT_STEPS; each step returns lines to print.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from node.cli import CommandError
from node.config import Config, ConfigError
from node.identity_runtime import init_identity_files, trusted_authorities
from node.web_push import init_vapid_keys
from node.screening_setup import loader_for
from policy.identity import AuthorityKeyError
from policy.screening import PolicyError
from policy.screening_runtime import build
from storage import clock
from storage import screening as settings
from storage.database import INITIALISED, Database, StorageError, make_database, node_exists, open_database

InitStep = Callable[[Config, Database], Awaitable[list[str]]]


class AlreadyInitialisedError(Exception):
    pass


def init_steps() -> list[InitStep]:
    """Steps after the database exists, each making the files it owns."""
    return [init_identity_files, init_vapid_keys]


async def init_node(config: Config) -> list[str]:
    """Create the schema (on either backend) and every key file; refuses an existing node."""
    target = config.storage.target()
    if await node_exists(target):
        raise AlreadyInitialisedError(f"a node already exists at {target.describe()}; refusing to overwrite it")
    config.node.data_dir.mkdir(parents=True, exist_ok=True)
    db = make_database(target)
    await db.open()
    lines = [f"created database {target.describe()} ({target.backend})"]
    try:
        for step in init_steps():
            lines.extend(await step(config, db))
        await settings.setting_once(db, INITIALISED, clock.now_iso())
    finally:
        await db.close()
    return lines


def preflight(config: Config) -> None:
    """What `serve` refuses at start, checked without serving: the screening
    lists (read and compiled, relative to the config's folder), the trusted
    authorities' keys, the node's database and identity key file.
    ConfigError (exit 2) for the config and its files, CommandError (1) for
    the node's state."""
    try:
        build(loader_for(config.path))
    except PolicyError as exc:  # names the list file and line
        raise ConfigError(config.path, "screening", str(exc)) from None
    try:
        trusted_authorities(config)
    except AuthorityKeyError as exc:
        raise ConfigError(config.path, "identity.authorities", str(exc)) from None
    target = config.storage.target()
    try:
        exists = asyncio.run(node_exists(target))
    except StorageError as exc:
        raise CommandError(str(exc)) from None
    if not exists:
        raise CommandError(f"no node at {target.describe()}; run `python -m node init` first")
    if not config.identity.key_file.exists() and asyncio.run(_stored_identities(config)):
        raise CommandError(f"identity key file {config.identity.key_file} is missing but identities are "
                           "stored; restore the key file")


async def _stored_identities(config: Config) -> int:
    async with open_database(config.storage.target(), migrate=False) as db:
        return int(await db.fetchval("SELECT count(*) FROM identities"))


def check_node(config: Config) -> list[str]:
    problems = []
    if not config.node.permit:
        problems.append("[node] permit is not set: federation stays off (article 6)")
    if config.node.base_url.startswith("http://") and config.http.host not in ("127.0.0.1", "localhost", "::1"):
        problems.append("[node] base_url is plain http on a public interface")
    return problems
