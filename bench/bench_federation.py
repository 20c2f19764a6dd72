"""Federation: delivery fan-out and inbox throughput, over real HTTP on loopback.

    python bench/bench_federation.py [--quick]

1. Fan-out: one public post by an account with 1,000 remote followers on
   50 peer nodes (20 each, all with a permit and a shared inbox). The
   peers are 50 small aiohttp apps in this process that verify every
   signature and Digest; the sender is the real queue and worker on a
   real SQLite file. Measured: time from `emit.status_created` (plan,
   permit gate per host, enqueue) until all 50 shared inboxes have the
   Create, and how many POSTs that took (shared-inbox grouping: 50, not
   1,000). Target: under 10 s.
2. Inbox: a node served from a child process, a permitted peer (in this
   process) serving its actors' documents, and concurrent senders
   POSTing signed Creates (pre-signed, so signing does not count) to the
   shared inbox. A local account follows every sender, so each Create is
   screened and stored as a status on its home timeline, not dropped as
   unrelated. Measured: 202s per second and latency percentiles.
   Target: >= 1,000/s, p99 < 100 ms. Also: how long the inbox worker took
   to apply them all, and how many statuses it stored.

Figures only, no pass/fail: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp
from aiohttp import web

from federation import emit
from federation.delivery import (
    DeliveryQueue,
    DeliverySettings,
    DeliveryWorker,
    running_worker,
)
from federation.fetch import create_fetch_session
from federation.httpsig import (
    ACTIVITY_JSON,
    SignatureError,
    sign_request,
    verify_request,
)
from federation.keys import generate_keypair
from federation.urls import Urls
from serving import serve
from node.bootstrap import init_node
from node.config import load_config
from node.registration import SignUp, create_local_account
from policy import permits
from policy.permit_gate import PermitGate
from storage import status_writes
from storage.accounts import NewLocalAccount, insert_local_account
from storage.database import Database
from storage.ids import IdGenerator
from storage.status_writes import NewStatus

PERMIT = "京ICP备12345678号-1"
CONFIG = """
[node]
domain = "127.0.0.1:{port}"
base_url = "http://127.0.0.1:{port}"
name = "Benchmark node"
permit = "京ICP备87654321号-1"

[http]
host = "127.0.0.1"
port = {port}

[storage]
path = "data/node.sqlite3"

[identity]
required = false

[federation]
allow_private_addresses = true
"""


@dataclass(frozen=True)
class Sizes:
    peers: int
    followers_per_peer: int
    inbox_posts: int
    inbox_senders: int
    concurrency: int


FULL = Sizes(peers=50, followers_per_peer=20, inbox_posts=4000, inbox_senders=20, concurrency=64)
QUICK = Sizes(peers=50, followers_per_peer=20, inbox_posts=1000, inbox_senders=10, concurrency=32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bound_socket() -> socket.socket:
    """A listening socket on a free loopback port, held (no race for the port)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


# ---- 1. fan-out ------------------------------------------------------------------

class Peer:
    """One peer node's shared inbox: verifies and counts."""

    def __init__(self, public_pem: str) -> None:
        self.sock = bound_socket()
        self.public_pem, self.port = public_pem, self.sock.getsockname()[1]
        self.posts, self.bad, self.first_at = 0, 0, 0.0
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_request("POST", request.raw_path, request.headers, body, self.public_pem)
        except SignatureError:
            self.bad += 1
            return web.Response(status=401)
        self.posts += 1
        self.first_at = self.first_at or time.perf_counter()
        return web.Response(status=202)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/inbox", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.SockSite(self.runner, self.sock).start()


async def seed_fanout(db: Database, ids: IdGenerator, urls: Urls, peers: list[Peer], per_peer: int,
                      keys: tuple[str, str]) -> tuple[int, int]:
    author_id, status_id = ids.next_id(), ids.next_id()
    now = "2026-11-23T00:00:00.000Z"
    async with db.write() as w:
        await insert_local_account(w, NewLocalAccount(
            id=author_id, username="alice", email="a@x.test", password_hash="x", uri=urls.actor("alice"),
            url=urls.profile("alice"), inbox_url=urls.inbox("alice"), shared_inbox_url=urls.shared_inbox(),
            outbox_url=urls.outbox("alice"), followers_url=urls.followers("alice"),
            following_url=urls.following("alice"), featured_url=urls.featured("alice"),
            public_key_pem=keys[1], public_key_id=urls.key_id("alice"), private_key_pem=keys[0]))
        for peer in peers:
            host = f"127.0.0.1:{peer.port}"
            for n in range(per_peer):
                remote = ids.next_id()
                await w.execute(
                    "INSERT INTO accounts (id, username, domain, uri, inbox_url, shared_inbox_url, created_at,"
                    " updated_at) VALUES (?,?,?,?,?,?,?,?)",
                    (remote, f"f{n}", host, f"http://{host}/users/f{n}", f"http://{host}/users/f{n}/inbox",
                     f"http://{host}/inbox", now, now))
                await w.execute("INSERT INTO follows (id, account_id, target_id, created_at) VALUES (?,?,?,?)",
                                (ids.next_id(), remote, author_id, now))
        await status_writes.insert_status(w, NewStatus(
            id=status_id, account_id=author_id, uri=urls.status("alice", status_id),
            url=urls.status_page("alice", status_id), text="hello, 1,000 followers",
            content="<p>hello, 1,000 followers</p>"))
    entries = [permits.validate_entry(f"127.0.0.1:{p.port}", PERMIT) for p in peers]
    await permits.import_permits(db, ids, entries)
    return author_id, status_id


async def no_declaration(host: str) -> str | None:
    return None


async def bench_fanout(tmp: Path, sizes: Sizes) -> dict[str, Any]:
    keys = generate_keypair()
    peers = [Peer(keys[1]) for _ in range(sizes.peers)]
    for peer in peers:
        await peer.start()
    db, ids, urls = Database(tmp / "fanout.sqlite3"), IdGenerator(), Urls.of("http://sender.test")
    await db.open()
    _author, status_id = await seed_fanout(db, ids, urls, peers, sizes.followers_per_peer, keys)
    session = create_fetch_session(allow_private_addresses=True)
    gate = PermitGate(db, no_declaration)
    queue = DeliveryQueue(db, ids, DeliverySettings())
    worker = DeliveryWorker(queue, session, gate, urls)
    try:
        async with running_worker(worker):
            started = time.perf_counter()
            plan = await emit.status_created(emit.Emitter(db, ids, urls, queue, gate), status_id)
            planned = time.perf_counter()
            while sum(1 for p in peers if p.posts) < len(peers) and time.perf_counter() - started < 60:
                await asyncio.sleep(0.005)
            done = time.perf_counter()
    finally:
        await session.close()
        await db.close()
        for peer in peers:
            assert peer.runner is not None
            await peer.runner.cleanup()
    return {"planned_ms": (planned - started) * 1000, "all_s": done - started,
            "inboxes": len(plan.inboxes), "posts": sum(p.posts for p in peers), "bad": sum(p.bad for p in peers),
            "reached": sum(1 for p in peers if p.posts)}


# ---- 2. inbox throughput ------------------------------------------------------------

class ActorPeer:
    """A permitted peer serving the documents of its sending actors."""

    def __init__(self, count: int) -> None:
        self.sock = bound_socket()
        self.port = self.sock.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.private_pem, self.public_pem = generate_keypair()
        self.names = [f"s{i}" for i in range(count)]
        self.runner: web.AppRunner | None = None

    def actor(self, name: str) -> dict[str, Any]:
        uri = f"http://{self.host}/users/{name}"
        return {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": uri, "type": "Person", "preferredUsername": name, "inbox": f"{uri}/inbox",
                "endpoints": {"sharedInbox": f"http://{self.host}/inbox"},
                "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": self.public_pem}}

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        return web.Response(body=json.dumps(self.actor(name)).encode(), content_type="application/activity+json")

    async def nodeinfo(self, request: web.Request) -> web.Response:
        """The permit it declares, as the permit gate asks (NodeInfo 2.0 metadata)."""
        if request.path.startswith("/.well-known"):
            href = f"http://{self.host}/nodeinfo/2.0"
            return web.json_response({"links": [
                {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": href}]})
        return web.json_response({"version": "2.0", "metadata": {"permit": PERMIT}})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/users/{name}", self.handle)
        app.router.add_get("/.well-known/nodeinfo", self.nodeinfo)
        app.router.add_get("/nodeinfo/2.0", self.nodeinfo)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.SockSite(self.runner, self.sock).start()


def signed_creates(peer: ActorPeer, inbox: str, count: int, offset: int) -> list[tuple[bytes, dict[str, str]]]:
    out = []
    for i in range(count):
        name = peer.names[i % len(peer.names)]
        actor = f"http://{peer.host}/users/{name}"
        note = f"{actor}/statuses/{offset + i}"
        body = json.dumps({
            "@context": "https://www.w3.org/ns/activitystreams", "id": f"{note}/activity", "type": "Create",
            "actor": actor, "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {"id": note, "type": "Note", "attributedTo": actor, "content": f"<p>post {i}</p>",
                       "to": ["https://www.w3.org/ns/activitystreams#Public"],
                       "published": "2026-11-23T00:00:00Z"}}).encode()
        headers = sign_request("POST", inbox, {"Content-Type": ACTIVITY_JSON}, body, f"{actor}#main-key",
                               peer.private_pem)
        out.append((body, headers))
    return out


async def blast(inbox: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    pending = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def sender(http: aiohttp.ClientSession) -> None:
        for body, headers in pending:
            t0 = time.perf_counter()
            async with http.post(inbox, data=body, headers=headers) as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
            latencies.append((time.perf_counter() - t0) * 1000)

    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(sender(http) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, statuses


async def prepare_inbox_node(tmp: Path, peer_host: str) -> tuple[Path, str]:
    port = free_port()
    config_path = tmp / "config.toml"
    config_path.write_text(CONFIG.format(port=port), "utf-8")
    config = load_config(config_path)
    await init_node(config)
    db = Database(config.storage.path)
    await db.open()
    ids = IdGenerator()
    await permits.import_permits(db, ids, [permits.validate_entry(peer_host, PERMIT)])
    await create_local_account(db, ids, config, SignUp("reader", "reader@example.test", "bench password"))
    await db.close()
    return config_path, f"{config.node.base_url}/inbox"


def follow_senders(db_path: Path, peer_host: str) -> int:
    """The node's one local account follows every sender it has fetched."""
    with sqlite3.connect(db_path, timeout=30) as conn:
        reader = conn.execute("SELECT id FROM accounts WHERE username = 'reader' AND domain IS NULL").fetchone()[0]
        conn.execute(
            "INSERT OR IGNORE INTO follows (id, account_id, target_id, created_at) "
            "SELECT ? + id % 1000000, ?, id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM accounts WHERE domain = ?",
            (1 << 50, reader, peer_host))
        return conn.execute("SELECT count(*) FROM follows WHERE account_id = ?", (reader,)).fetchone()[0]


def stored_statuses(db_path: Path, peer_host: str) -> int:
    with sqlite3.connect(db_path, timeout=30) as conn:
        return conn.execute("SELECT count(*) FROM statuses s JOIN accounts a ON a.id = s.account_id "
                            "WHERE a.domain = ?", (peer_host,)).fetchone()[0]


def applied(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM inbox_activities GROUP BY state").fetchall())


async def run_inbox_phase(peer: ActorPeer, inbox: str, sizes: Sizes, db_path: Path) -> dict[str, Any]:
    await peer.start()
    try:
        warm = signed_creates(peer, inbox, len(peer.names), 10_000_000)  # first contact: actor fetches
        await blast(inbox, warm, 4)
        total = sizes.inbox_posts + len(peer.names)
        await _drained(db_path, len(peer.names))
        following = follow_senders(db_path, peer.host)
        requests = signed_creates(peer, inbox, sizes.inbox_posts, 0)
        elapsed, latencies, statuses = await blast(inbox, requests, sizes.concurrency)
        started = time.perf_counter()
        await _drained(db_path, total)
        drain_s = time.perf_counter() - started
    finally:
        assert peer.runner is not None
        await peer.runner.cleanup()
    return {"rate": sizes.inbox_posts / elapsed, "elapsed": elapsed, "lat": latencies, "statuses": statuses,
            "drain_s": drain_s, "states": applied(db_path), "following": following,
            "stored": stored_statuses(db_path, peer.host)}


async def _drained(db_path: Path, total: int, timeout: float = 60.0) -> None:
    """Wait until the inbox worker has finished `total` activities."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        counts = applied(db_path)
        if sum(v for k, v in counts.items() if k in ("done", "dropped", "failed")) >= total:
            return
        await asyncio.sleep(0.1)


def bench_inbox(tmp: Path, sizes: Sizes) -> dict[str, Any]:
    peer = ActorPeer(sizes.inbox_senders)
    config_path, inbox = asyncio.run(prepare_inbox_node(tmp, peer.host))
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    server = ctx.Process(target=serve, args=(str(config_path), ready, stop))
    server.start()
    try:
        if not ready.wait(60):
            raise SystemExit("the inbox node did not start")
        return asyncio.run(run_inbox_phase(peer, inbox, sizes, load_config(config_path).storage.path))
    finally:
        stop.set()
        server.join(30)


def report(sizes: Sizes, fan: dict[str, Any], inbox: dict[str, Any]) -> None:
    followers = sizes.peers * sizes.followers_per_peer
    print(f"fan-out: 1 post, {followers} followers on {sizes.peers} permitted peers")
    print(f"  planned and queued in      {fan['planned_ms']:8.1f} ms ({fan['inboxes']} shared inboxes)")
    print(f"  all {fan['reached']}/{sizes.peers} inboxes received in {fan['all_s'] * 1000:8.1f} ms"
          f"   (target < 10 s)")
    print(f"  POSTs sent                 {fan['posts']:8d}    (signature failures: {fan['bad']})")
    lat = inbox["lat"]
    print(f"inbox: {sizes.inbox_posts} signed Creates, {sizes.concurrency} concurrent senders,"
          f" {sizes.inbox_senders} actors, node in a child process")
    print(f"  accepted                   {inbox['rate']:8.0f} /s    (target >= 1,000/s)  answers {inbox['statuses']}")
    print(f"  latency p50 / p99 / max    {percentile(lat, 0.5):6.1f} / {percentile(lat, 0.99):6.1f} /"
          f" {max(lat):6.1f} ms   (target p99 < 100 ms)")
    print(f"  inbox worker applied all   {inbox['drain_s']:8.1f} s after the last 202   states {inbox['states']}")
    print(f"  statuses stored            {inbox['stored']:8d}   (a local account follows all {inbox['following']} senders)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer inbox posts")
    sizes = QUICK if parser.parse_args().quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-federation-") as tmp:
        fan = asyncio.run(bench_fanout(Path(tmp), sizes))
        inbox = bench_inbox(Path(tmp), sizes)
    report(sizes, fan, inbox)


if __name__ == "__main__":
    main()
