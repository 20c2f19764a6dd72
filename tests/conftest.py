"""Shared fixtures: real config files, real databases, real HTTP servers.

`node` is an async fixture (pytest-aiohttp) serving a fresh node on a
loopback port; `live_node` runs one in a background thread for sync
clients such as Mastodon.py, which would otherwise block the event loop
that serves them.

Storage backends: the tests under `BOTH_BACKENDS` run twice, on a SQLite
file and on a real PostgreSQL (a throwaway cluster, `tests/pgcluster.py`,
started once per session when first needed; each node gets a database of
its own). `--backend sqlite|postgresql` runs one. Every node a test makes
through `write_config` (and so `start_node`, `node`, `live_node`, the
federation helpers) is on the test's backend.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from node.app import create_app
from node.bootstrap import init_node
from node.config import Config, load_config
from node.identity_runtime import DEV_AUTHORITY_ID, dev_authority
from node.keys import DB, IDENTITY, IDS
from node.query_secrets import server_options
from node.registration import SignUp, create_local_account
from policy.identity import issue_attestation
from policy.identity.enrolment import IdentityKeys, enrol
from storage import clock, oauth
from storage.accounts import AccountRow
from storage.database import Database
from storage.ids import IdGenerator
from tests import backends
from tests.pgcluster import PgCluster

# Storage, client API, federation, moderation and command-line suites run on both backends.
BOTH_BACKENDS = ("tests/node/", "tests/federation/", "tests/storage/", "tests/test_cli",
                 "tests/policy/test_audit.py", "tests/policy/test_permits_gate.py")

CONFIG_TEMPLATE = """
[node]
domain = "{host}"
base_url = "http://{host}"
name = "Test Node {port}"
description = "a node under test"
contact_email = "admin@{hostname}.test"
permit = "{permit}"
{node}
# Tests read the pages in English unless they ask for Chinese.
default_locale = "{locale}"

[http]
host = "127.0.0.1"
port = {port}
max_body_bytes = {max_body}

[storage]
path = "data/node.sqlite3"
{storage}

[registrations]
mode = "{registrations}"

[identity]
trust_dev_authority = true
{identity}

[federation]
enabled = true
allow_private_addresses = true
{extra}
{screening}
"""


def write_config(root: Path, port: int | None = None, *, permit: str = "京ICP备12345678号-1",
                 registrations: str = "open", max_body: int = 1048576, extra: str = "",
                 identity: str = "", screening: str = "", storage: str = "", node: str = "",
                 locale: str = "en") -> Path:
    port = port or unused_port()
    root.mkdir(parents=True, exist_ok=True)
    storage = storage or backends.storage_lines()
    path = root / "config.toml"
    path.write_text(CONFIG_TEMPLATE.format(
        host=f"127.0.0.1:{port}", hostname=f"node{port}", port=port, permit=permit,
        registrations=registrations, max_body=max_body, extra=extra, identity=identity,
        screening=screening, storage=storage, node=node, locale=locale,
    ), "utf-8")
    return path


@dataclass
class Session:
    account: AccountRow
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def dev_attestation(config: Config, subject: str, **claims: Any) -> str:
    """A token from a node's development identity authority."""
    key = dev_authority(config)
    assert key is not None
    return issue_attestation(key, issuer=DEV_AUTHORITY_ID, subject=subject,
                             kind=claims.pop("kind", "person"), audience=config.node.domain, **claims)


async def seed_account(db: Database, ids: IdGenerator, config: Config, identity: IdentityKeys, username: str, *,
                       role: str = "user", password: str = "correct horse",
                       scopes: str = "read write follow push admin:read admin:write",
                       verified: bool = True) -> Session:
    """A local account and a user token, made the fast way (no OAuth dance)."""
    account = await create_local_account(db, ids, config, SignUp(
        username=username, email=f"{username}@example.test", password=password, role=role,
        allow_reserved=True))
    token = secrets.token_urlsafe(32)
    await oauth.insert_token(db, ids.next_id(), token, None, None, account.id, scopes)
    if verified:
        await enrol(db, identity, account.id, dev_attestation(config, f"subject-{username}"), now=clock.now())
    return Session(account, token)


@dataclass
class Node:
    config: Config
    app: web.Application
    base_url: str

    async def account(self, username: str, *, role: str = "user", password: str = "correct horse",
                      scopes: str = "read write follow push admin:read admin:write",
                      verified: bool = True) -> Session:
        """A local account and a user token, made the fast way (no OAuth dance).

        Verified by the development authority unless `verified=False`:
        most tests are about what a person who may post sees.
        """
        return await seed_account(self.app[DB], self.app[IDS], self.config, self.app[IDENTITY], username,
                                  role=role, password=password, scopes=scopes, verified=verified)

    def attestation(self, subject: str, **claims: Any) -> str:
        """A token from this node's development identity authority."""
        return dev_attestation(self.config, subject, **claims)

    def url(self, path: str) -> str:
        return self.base_url + path


async def start_node(root: Path, *, init: bool = True, **kwargs: Any) -> tuple[Node, web.AppRunner]:
    """A node served on a loopback port; `init=False` serves one that exists already."""
    port = unused_port()
    config = load_config(write_config(root, port, **kwargs))
    if init:
        await init_node(config)
    app = create_app(config)
    runner = web.AppRunner(app, **server_options())  # the access logger `serve` uses
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return Node(config, app, config.node.base_url), runner


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    n, runner = await start_node(tmp_path / "node")
    yield n
    await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class NodeThread:
    """A node served from its own event loop in a thread (for sync clients)."""

    def __init__(self, root: Path, **kwargs: Any) -> None:
        self.root, self.kwargs = root, kwargs
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.node: Node | None = None
        self.runner: web.AppRunner | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.node, self.runner = self.loop.run_until_complete(start_node(self.root, **self.kwargs))
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> Node:
        self.thread.start()
        self.ready.wait(30)
        assert self.node is not None
        return self.node

    def call(self, coro: Any) -> Any:
        """Run a coroutine on the node's loop (e.g. node.account(...))."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def __exit__(self, *exc: object) -> None:
        assert self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def live_node(tmp_path: Path) -> Iterator[NodeThread]:
    thread = NodeThread(tmp_path / "live")
    with thread:
        yield thread


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=("both", *backends.NAMES), default="both",
                     help="storage backend(s) for the suites that run on both")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    path = metafunc.definition.nodeid
    if "backend" in metafunc.fixturenames and path.startswith(BOTH_BACKENDS):
        chosen = metafunc.config.getoption("--backend")
        metafunc.parametrize("backend", backends.NAMES if chosen == "both" else (chosen,))


@pytest.fixture
def backend() -> str:
    """The storage backend of this test (parametrised for the suites in BOTH_BACKENDS)."""
    return "sqlite"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(autouse=True)
def _storage_backend(backend: str, request: pytest.FixtureRequest) -> Iterator[None]:
    backends.use(request.getfixturevalue("pg_cluster") if backend == "postgresql" else None)
    yield
    backends.use(None)
