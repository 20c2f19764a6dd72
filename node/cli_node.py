"""Node lifecycle commands: init, serve, check-config.

`serve` refuses in one line (exit 2) when its address is taken;
`check-config` checks what `serve` would refuse (`bootstrap.preflight`).
`serve --processes N` runs N serving processes on one port
(`node.supervisor`; PostgreSQL only); `--reuse-port` lets separately
started `serve` processes (systemd units) share the port the same way.
"""

from __future__ import annotations

import argparse
import errno
import socket
from pathlib import Path

from aiohttp import web

from node import bootstrap
from node.cli import CommandError, add_config, run_async
from node.config import Config, ConfigError
from node.identity_runtime import IdentitySetupError
from node.query_secrets import server_options
from node.supervisor import Supervisor, SupervisorError
from policy.screening import PolicyError
from storage.database import StorageError, node_exists


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create the database and keys of a new node")
    add_config(p)
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("serve", help="serve HTTP")
    add_config(p)
    p.add_argument("--processes", type=int, default=1,
                   help="serving processes sharing the port (more than 1 needs backend = \"postgresql\")")
    p.add_argument("--reuse-port", action="store_true",
                   help="bind with SO_REUSEPORT, so several serve processes share [http] port")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("check-config", help="validate config.toml and exit")
    add_config(p)
    p.set_defaults(func=cmd_check_config)


def cmd_init(config: Config, args: argparse.Namespace) -> int:
    try:
        created = run_async(bootstrap.init_node(config))
    except (bootstrap.AlreadyInitialisedError, StorageError) as exc:
        raise CommandError(str(exc)) from None
    for line in created:
        print(line)
    return 0


def cmd_serve(config: Config, args: argparse.Namespace) -> int:
    target = config.storage.target()
    if args.processes < 1:
        raise ConfigError(Path("(arguments)"), "--processes", "must be at least 1")
    if args.processes > 1 and target.backend != "postgresql":
        raise ConfigError(config.path, "storage.backend", "--processes above 1 needs backend = \"postgresql\""
                          " (SQLite serves one process)")
    try:
        exists = run_async(node_exists(target))
    except StorageError as exc:
        raise CommandError(str(exc)) from None
    if not exists:
        raise CommandError(f"no node at {target.describe()}; run `python -m node init` first")
    shared = args.reuse_port or args.processes > 1
    _check_port(config, shared)
    if args.processes > 1:
        child = ["serve", "--config", str(config.path), "--reuse-port"]
        try:
            return Supervisor(child, args.processes).run()
        except SupervisorError as exc:
            raise CommandError(str(exc)) from None
    from node.app import create_app  # here, not at the top: every other command starts half a second sooner

    try:
        web.run_app(create_app(config), host=config.http.host, port=config.http.port, reuse_port=shared,
                    print=_ready, **server_options())  # type: ignore[arg-type]
    except PolicyError as exc:
        raise CommandError(f"screening policy: {exc}") from None
    except IdentitySetupError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:  # the port was taken between the check and the bind
        raise _port_error(config, exc) from None
    return 0


def _check_port(config: Config, shared: bool = False) -> None:
    """Refuse before starting anything (one line, exit 2) when the address
    cannot be bound, rather than a traceback from inside the server."""
    try:
        infos = socket.getaddrinfo(config.http.host, config.http.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise _port_error(config, exc) from None
    for family, kind, proto, _name, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            if shared:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise _port_error(config, exc) from None


def _port_error(config: Config, exc: OSError) -> ConfigError:
    reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror or exc})"
    return ConfigError(config.path, "http.port", f"{config.http.host}:{config.http.port} {reason}")


def _ready(message: str) -> None:
    print(message.strip(), flush=True)


def cmd_check_config(config: Config, args: argparse.Namespace) -> int:
    bootstrap.preflight(config)  # everything `serve` would refuse: ConfigError exits 2
    problems = bootstrap.check_node(config)
    for problem in problems:
        print(f"warning: {problem}")
    print(f"{config.path}: ok")
    return 0
