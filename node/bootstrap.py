"""Creating a node's files once (`init`) and checking them (`check-config`).

Subsystems that need files at init (identity key file, development
authority, the Web Push key pair) add a step to INIT_STEPS; each step returns lines to print.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from node.config import Config
from node.identity_runtime import init_identity_files
from node.push_setup import init_vapid_keys
from storage.database import Database

InitStep = Callable[[Config, Database], Awaitable[list[str]]]


class AlreadyInitialisedError(Exception):
    pass


def init_steps() -> list[InitStep]:
    """Steps after the database exists, each making the files it owns."""
    return [init_identity_files, init_vapid_keys]


async def init_node(config: Config) -> list[str]:
    path = config.storage.path
    if path.exists():
        raise AlreadyInitialisedError(f"a node already exists at {path}; refusing to overwrite it")
    config.node.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    await db.open()
    lines = [f"created database {path}"]
    try:
        for step in init_steps():
            lines.extend(await step(config, db))
    finally:
        await db.close()
    return lines


def check_node(config: Config) -> list[str]:
    problems = []
    if not config.node.permit:
        problems.append("[node] permit is not set: federation stays off (article 6)")
    if config.node.base_url.startswith("http://") and config.http.host not in ("127.0.0.1", "localhost", "::1"):
        problems.append("[node] base_url is plain http on a public interface")
    return problems
