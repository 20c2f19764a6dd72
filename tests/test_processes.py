"""Several `serve` processes on one PostgreSQL behave as one node (issue 10).

Real processes (`python -m node serve`), a real PostgreSQL cluster, a
peer's inbox on loopback: a post made through one process is on the
other's timeline and stream, a delivery queued by one is sent once,
`serve --processes 2` shares one port and replaces a process killed with
SIGKILL, and nothing acknowledged is lost or doubled meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from node.config import Config, load_config
from node.identity_runtime import load_identity_keys
from policy import permits
from storage.database import open_database
from storage.ids import IdGenerator
from tests.conftest import Session, seed_account, write_config
from tests.federation.test_delivery_support import remote_account
from tests.pgcluster import PgCluster
from tests.test_cli import ROOT, run

WAIT = 20.0


@dataclass
class Inbox:
    """A peer's shared inbox on loopback: what the node delivered to it."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def ids_of(self, kind: str) -> list[str]:
        return [a["id"] for a in self.received if a.get("type") == kind]


@pytest.fixture
async def peer_inbox() -> AsyncIterator[Inbox]:
    port = unused_port()
    inbox = Inbox(f"http://127.0.0.1:{port}/inbox")

    async def receive(request: web.Request) -> web.Response:
        inbox.received.append(json.loads(await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield inbox
    await runner.cleanup()


def _serve(config: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NODE_LOG_LEVEL": "INFO"}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "node", "serve", "--config", str(config), *extra],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _until_up(http: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            async with http.get(f"{base}/api/v1/instance") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{base} did not start")


@dataclass
class TwoProcesses:
    config: Config
    first: str  # each process's own address
    second: str
    alice: Session
    bob: Session
    inbox: Inbox


def _node_config(root: Path, dsn: str, port: int) -> Path:
    return write_config(root, port, storage=f'backend = "postgresql"\ndsn = "{dsn}"')


def _second_process(config: Path, port: int) -> Path:
    """The same node (database, address, key files beside it), listening on another port."""
    first_port = load_config(config).http.port
    second = config.with_name("config-second.toml")
    second.write_text(config.read_text("utf-8").replace(f"\nport = {first_port}\n", f"\nport = {port}\n"), "utf-8")
    return second


async def _seed(config: Config, inbox: Inbox) -> tuple[Session, Session]:
    """alice and bob (bob follows alice), and a follower of alice on the peer."""
    async with open_database(config.storage.target()) as db:
        ids = IdGenerator()
        keys = await load_identity_keys(config, db)
        alice = await seed_account(db, ids, config, keys, "alice")
        bob = await seed_account(db, ids, config, keys, "bob")
        peer_host = inbox.url.split("/")[2]
        await permits.add_permit(db, ids, permits.validate_entry(peer_host, "京ICP备87654321号-1"))
        follower = await remote_account(db, ids, peer_host, "carol")
        await db.execute("UPDATE accounts SET shared_inbox_url = ? WHERE id = ?", (inbox.url, follower))
        for who, target in ((bob.account.id, alice.account.id), (follower, alice.account.id)):
            await db.execute("INSERT INTO follows (id, account_id, target_id, created_at) VALUES (?,?,?,?)",
                             (ids.next_id(), who, target, "2026-01-01T00:00:00.000Z"))
        await db.execute("UPDATE accounts SET followers_count = 2 WHERE id = ?", (alice.account.id,))
    return alice, bob


@pytest.fixture
async def two_processes(tmp_path: Path, pg_cluster: PgCluster, peer_inbox: Inbox,
                        http: aiohttp.ClientSession) -> AsyncIterator[TwoProcesses]:
    dsn = pg_cluster.empty_database("processes")
    ports = unused_port(), unused_port()
    first = _node_config(tmp_path, dsn, ports[0])
    second = _second_process(first, ports[1])
    assert run("init", "--config", str(first)).returncode == 0
    config = load_config(first)
    alice, bob = await _seed(config, peer_inbox)
    procs = [_serve(first, tmp_path / "first.log"), _serve(second, tmp_path / "second.log")]
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base in bases:
            await _until_up(http, base)
        yield TwoProcesses(config, bases[0], bases[1], alice, bob, peer_inbox)
    finally:
        for proc in procs:
            _stop(proc)


async def _stream_events(http: aiohttp.ClientSession, base: str, who: Session,
                         into: asyncio.Queue[dict[str, Any]]) -> None:
    async with http.ws_connect(f"{base}/api/v1/streaming?stream=user&access_token={who.token}") as ws:
        async for msg in ws:
            into.put_nowait(json.loads(msg.data))


async def _post(http: aiohttp.ClientSession, base: str, who: Session, text: str) -> str:
    async with http.post(f"{base}/api/v1/statuses", json={"status": text}, headers=who.headers) as resp:
        assert resp.status == 200, await resp.text()
        return str((await resp.json())["id"])


async def _eventually(check: Any, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.2)


async def test_two_processes_behave_as_one_node(two_processes: TwoProcesses, http: aiohttp.ClientSession) -> None:
    nodes = two_processes
    # Given bob listening on the second process
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    listener = asyncio.create_task(_stream_events(http, nodes.second, nodes.bob, events))
    await asyncio.sleep(1.0)  # the WebSocket is subscribed
    try:
        # When alice posts through the first
        status_id = await _post(http, nodes.first, nodes.alice, "written on the first process")
        # Then bob's stream on the second has it
        async with asyncio.timeout(WAIT):
            while True:
                event = await events.get()
                if event["event"] == "update" and json.loads(event["payload"])["id"] == status_id:
                    break
    finally:
        listener.cancel()
    # And so has bob's home timeline read through the second process
    async with http.get(f"{nodes.second}/api/v1/timelines/home", headers=nodes.bob.headers) as resp:
        assert status_id in [s["id"] for s in await resp.json()]
    # And the peer got the Create once, though both processes run a delivery worker
    async def delivered() -> list[str]:
        return nodes.inbox.ids_of("Create")
    creates = await _eventually(delivered)
    await asyncio.sleep(3.0)  # a second worker's claim would have sent it again by now
    assert len(nodes.inbox.ids_of("Create")) == len(creates) == 1
    assert creates[0].endswith(f"/statuses/{status_id}/activity")


def _children(parent: int) -> list[int]:
    listing = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True)
    return [int(p) for p in listing.stdout.split()]


async def test_processes_share_a_port_and_a_killed_one_loses_nothing(
        tmp_path: Path, pg_cluster: PgCluster, peer_inbox: Inbox, http: aiohttp.ClientSession) -> None:
    # Given a node served by `serve --processes 2`
    dsn = pg_cluster.empty_database("killed")
    port = unused_port()
    config_path = _node_config(tmp_path, dsn, port)
    assert run("init", "--config", str(config_path)).returncode == 0
    config = load_config(config_path)
    alice, _ = await _seed(config, peer_inbox)
    parent = _serve(config_path, tmp_path / "serve.log", "--processes", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        await _until_up(http, base)
        await _eventually(lambda: _async(len(_children(parent.pid)) == 2))
        # When statuses are posted while one serving process is killed with SIGKILL
        posted: list[str] = []

        async def keep_posting(n: int) -> None:
            for i in range(n):
                try:
                    posted.append(await _post(http, base, alice, f"post {i}"))
                except (aiohttp.ClientError, AssertionError):
                    pass  # a request the killed process held: not acknowledged, so not promised
        writer = asyncio.create_task(keep_posting(60))
        await asyncio.sleep(0.5)
        victim = _children(parent.pid)[0]
        os.kill(victim, signal.SIGKILL)
        await writer
        # Then the supervisor starts another, and the node keeps serving
        await _eventually(lambda: _async(len(_children(parent.pid)) == 2 and victim not in _children(parent.pid)))
        posted.append(await _post(http, base, alice, "after the kill"))
        # And every acknowledged status is stored once and delivered to the peer
        async with open_database(config.storage.target()) as db:
            stored = [str(r[0]) for r in await db.fetchall(
                "SELECT id FROM statuses WHERE account_id = ?", (alice.account.id,))]
        assert sorted(stored) == sorted(set(stored)) and set(posted) <= set(stored)

        async def all_delivered() -> bool:
            got = {a.split("/statuses/")[1].split("/")[0] for a in peer_inbox.ids_of("Create")}
            return set(posted) <= got
        # (a delivery the killed process had in flight comes back when its lease runs out: 120 s)
        await _eventually(all_delivered, timeout=180.0)
    finally:
        _stop(parent)
    assert parent.returncode == 0
    assert not _children(parent.pid)


async def _async(value: Any) -> Any:
    return value


@pytest.fixture
def sqlite_config(tmp_path: Path) -> Iterator[Path]:
    path = write_config(tmp_path)
    assert run("init", "--config", str(path)).returncode == 0
    yield path


def test_several_processes_need_postgresql(sqlite_config: Path) -> None:
    result = run("serve", "--config", str(sqlite_config), "--processes", "2")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "storage.backend" in result.stderr and "postgresql" in result.stderr
