"""Node lifecycle commands: init, serve, check-config."""

from __future__ import annotations

import argparse

from aiohttp import web

from node import bootstrap
from node.app import create_app
from node.cli import CommandError, add_config, run_async
from node.config import Config
from node.identity_runtime import IdentitySetupError
from node.query_secrets import server_options
from policy.screening import PolicyError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create the database and keys of a new node")
    add_config(p)
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("serve", help="serve HTTP")
    add_config(p)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("check-config", help="validate config.toml and exit")
    add_config(p)
    p.set_defaults(func=cmd_check_config)


def cmd_init(config: Config, args: argparse.Namespace) -> int:
    try:
        created = run_async(bootstrap.init_node(config))
    except bootstrap.AlreadyInitialisedError as exc:
        raise CommandError(str(exc)) from None
    for line in created:
        print(line)
    return 0


def cmd_serve(config: Config, args: argparse.Namespace) -> int:
    if not config.storage.path.exists():
        raise CommandError(f"no node at {config.storage.path}; run `python -m node init` first")
    try:
        web.run_app(create_app(config), host=config.http.host, port=config.http.port,
                    print=_ready, **server_options())  # type: ignore[arg-type]
    except PolicyError as exc:
        raise CommandError(f"screening policy: {exc}") from None
    except IdentitySetupError as exc:
        raise CommandError(str(exc)) from None
    return 0


def _ready(message: str) -> None:
    print(message.strip(), flush=True)


def cmd_check_config(config: Config, args: argparse.Namespace) -> int:
    problems = bootstrap.check_node(config)
    for problem in problems:
        print(f"warning: {problem}")
    print(f"{config.path}: ok")
    return 0
