"""The command line: `python -m node COMMAND --config FILE`.

A contract other tools script against: exit 0 on success, 2 with one line
on stderr for a bad config or bad arguments, 1 for a refused action.
Subsystems add their commands through `register(subparsers)` functions
listed in COMMAND_GROUPS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from node.config import Config, ConfigError, load_config
from storage.database import Database, StorageError, node_exists, open_database

Command = Callable[[Config, argparse.Namespace], int]
# A parser with `set_defaults(without_config=True)` runs its command with None for the config.


class CommandError(Exception):
    """A refused action: printed as one line, exit status 1."""


def _config_path(args: argparse.Namespace) -> str:
    path = getattr(args, "config", None) or os.environ.get("NODE_CONFIG")
    if not path:
        raise ConfigError(Path("(none)"), "--config", "give --config FILE or set NODE_CONFIG")
    return path


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="path to config.toml (or set NODE_CONFIG)")


def build_parser() -> argparse.ArgumentParser:
    from node import cli_accounts, cli_node

    parser = argparse.ArgumentParser(prog="python -m node", description="A permitted federated microblog node")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (cli_node, cli_accounts, *_extra_groups()):
        group.register(sub)
    return parser


def _extra_groups() -> list[Any]:
    """Command groups that later subsystems add (identity, policy, permits, audit)."""
    import importlib

    groups = []
    for name in ("node.cli_identity", "node.cli_policy", "node.cli_permits", "node.cli_audit", "node.cli_db",
                 "node.cli_social", "node.cli_compliance", "node.cli_registry", "node.cli_mail"):
        try:
            groups.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("NODE_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if getattr(args, "without_config", False):  # e.g. `registry keygen`: no node needed
            return int(args.func(None, args) or 0)
        config = load_config(_config_path(args))
        return int(args.func(config, args) or 0)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


@contextlib.asynccontextmanager
async def node_database(config: Config) -> AsyncIterator[Database]:
    """The node's database, open (and migrated) for one command; a refused
    action, in one line, when there is no node yet or it cannot be reached."""
    target = config.storage.target()
    async with contextlib.AsyncExitStack() as stack:
        try:
            if not await node_exists(target):
                raise CommandError(f"no node at {target.describe()}; run `python -m node init` first")
            db = await stack.enter_async_context(open_database(target))
        except StorageError as exc:
            raise CommandError(str(exc)) from None
        yield db
