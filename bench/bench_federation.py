"""Federation: delivery fan-out and inbox throughput, over real HTTP on loopback.

    python bench/bench_federation.py [--quick] [--senders 1|8|64]
                                     [--backend sqlite|postgresql] [--processes N] [--py-spy FILE]

1. Fan-out: one public post by an account with 1,000 remote followers on
   50 peer nodes (20 each, all with a permit and a shared inbox). The
   peers are 50 small aiohttp apps in this process that verify every
   signature and Digest; the sender is the real queue and worker on a
   real database. Measured: time from `emit.status_created` (plan,
   permit gate per host, enqueue) until all 50 shared inboxes have the
   Create, and how many POSTs that took (shared-inbox grouping: 50, not
   1,000). Target: under 10 s.
2. Inbox: a node served from a child process (one process: one core of
   Python), a permitted peer (in this process) serving its actors'
   documents, and `--senders` concurrent senders POSTing signed Creates
   (pre-signed, so signing does not count) to the shared inbox, from 20
   actors. A local account follows every actor, so each Create is
   screened and stored as a status on its home timeline, not dropped as
   unrelated. Measured: 202s per second and latency percentiles (target
   >= 1,000/s, p99 < 100 ms); Creates *stored* per second, from the first
   POST until the last status is in the database (target >= 1,500/s);
   and how long after the last 202 that was (target <= 1 s).

`--backend postgresql` runs both on a throwaway PostgreSQL cluster
(tests/pgcluster.py: Debian's server binaries, `make postgres`; fsync on,
commits flushed in the background, about SQLite WAL's `synchronous=NORMAL`),
and `--processes N` serves the inbox node from N processes sharing the
port, as `serve --processes N` does (PostgreSQL only).
`--py-spy FILE` records the inbox node's stacks (py-spy's raw format,
collapsed stacks) while the Creates are sent and applied, when py-spy is
installed. Figures only, no pass/fail: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from federation import emit  # noqa: E402
from federation.delivery import DeliveryQueue, DeliverySettings, DeliveryWorker, running_worker  # noqa: E402
from federation.fetch import create_fetch_session  # noqa: E402
from federation.httpsig import ACTIVITY_JSON, SignatureError, sign_request, verify_request  # noqa: E402
from federation.keys import generate_keypair  # noqa: E402
from federation.urls import Urls  # noqa: E402
from serving import serve  # noqa: E402
from node.bootstrap import init_node  # noqa: E402
from node.config import load_config  # noqa: E402
from node.registration import SignUp, create_local_account  # noqa: E402
from policy import permits  # noqa: E402
from policy.permit_gate import PermitGate  # noqa: E402
from storage import status_writes  # noqa: E402
from storage.accounts import NewLocalAccount, insert_local_account  # noqa: E402
from storage.database import Database, Target, make_database, open_database  # noqa: E402
from storage.ids import IdGenerator  # noqa: E402
from storage.status_writes import NewStatus  # noqa: E402

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
{storage}

[identity]
required = false

[federation]
allow_private_addresses = true
"""

FANOUT_TARGET_S = 10.0
ACCEPT_TARGET, P99_TARGET_MS = 1000.0, 100.0
STORED_TARGET, AFTER_LAST_TARGET_S = 1500.0, 1.0
ACTORS = 20


@dataclass(frozen=True)
class Sizes:
    peers: int
    followers_per_peer: int
    inbox_posts: int


FULL = Sizes(peers=50, followers_per_peer=20, inbox_posts=4000)
QUICK = Sizes(peers=50, followers_per_peer=20, inbox_posts=1000)


@dataclass(frozen=True)
class Options:
    sizes: Sizes
    senders: int
    backend: str
    py_spy: Path | None
    processes: int = 1


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


class Storage:
    """Where the bench's databases live: files in the temporary directory,
    or databases of one throwaway PostgreSQL cluster."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend, self.tmp = backend, tmp
        self.cluster: Any = None
        if backend == "postgresql":
            from tests.pgcluster import PgCluster  # the tests' throwaway cluster, for the bench too
            self.cluster = PgCluster(durable=True).start()

    def target(self, name: str) -> Target:
        if self.cluster is None:
            return Target("sqlite", path=self.tmp / f"{name}.sqlite3")
        return Target("postgresql", dsn=self.cluster.new_database(name))

    def config_lines(self) -> str:
        if self.cluster is None:
            return ""
        return f'backend = "postgresql"\ndsn = "{self.cluster.empty_database("inbox")}"'

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


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


async def bench_fanout(storage: Storage, sizes: Sizes) -> dict[str, Any]:
    keys = generate_keypair()
    peers = [Peer(keys[1]) for _ in range(sizes.peers)]
    for peer in peers:
        await peer.start()
    db, ids, urls = make_database(storage.target("fanout")), IdGenerator(), Urls.of("http://sender.test")
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


async def blast(inbox: str, requests: list[tuple[bytes, dict[str, str]]],
                concurrency: int) -> tuple[float, float, list[float], dict[int, int]]:
    """(when the first POST went, when the last 202 came, latencies, answers)."""
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
        finished = time.perf_counter()
    return started, finished, latencies, statuses


async def prepare_inbox_node(tmp: Path, storage: Storage, peer_host: str) -> tuple[Path, str]:
    port = free_port()
    config_path = tmp / "config.toml"
    config_path.write_text(CONFIG.format(port=port, storage=storage.config_lines()), "utf-8")
    config = load_config(config_path)
    await init_node(config)
    async with open_database(config.storage.target()) as db:
        ids = IdGenerator()
        await permits.import_permits(db, ids, [permits.validate_entry(peer_host, PERMIT)])
        await create_local_account(db, ids, config, SignUp("reader", "reader@example.test", "bench password"))
    return config_path, f"{config.node.base_url}/inbox"


async def follow_senders(db: Database, peer_host: str) -> int:
    """The node's one local account follows every sender it has fetched."""
    ids = IdGenerator()
    reader = await db.fetchval("SELECT id FROM accounts WHERE username = 'reader' AND domain IS NULL")
    senders = await db.fetchall("SELECT id FROM accounts WHERE domain = ?", (peer_host,))
    async with db.write() as w:
        await w.executemany("INSERT INTO follows (id, account_id, target_id, created_at) VALUES (?,?,?,?)"
                            " ON CONFLICT DO NOTHING",
                            [(ids.next_id(), reader, r[0], "2026-11-23T00:00:00.000Z") for r in senders])
    return int(await db.fetchval("SELECT count(*) FROM follows WHERE account_id = ?", (reader,)))


async def stored_statuses(db: Database) -> int:
    return int(await db.fetchval("SELECT count(*) FROM statuses WHERE local = 0"))


async def inbox_states(db: Database) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in await db.fetchall("SELECT state, count(*) FROM inbox_activities GROUP BY state")}


async def wait_for(db: Database, stored: int, finished: int, timeout: float = 120.0) -> tuple[float, float]:
    """When the `stored`-th remote status was in the database, and when
    `finished` inbox rows were (done, dropped or failed), polled every 10 ms."""
    started = time.perf_counter()
    stored_at = finished_at = 0.0
    while time.perf_counter() - started < timeout and not (stored_at and finished_at):
        now = time.perf_counter()
        if not stored_at and await stored_statuses(db) >= stored:
            stored_at = now
        if not finished_at and sum(v for k, v in (await inbox_states(db)).items()
                                   if k in ("done", "dropped", "failed")) >= finished:
            finished_at = now
        await asyncio.sleep(0.01)
    return stored_at or float("nan"), finished_at or float("nan")


async def run_inbox_phase(peer: ActorPeer, inbox: str, opts: Options, target: Target,
                          server_pids: list[int]) -> dict[str, Any]:
    await peer.start()
    posts = opts.sizes.inbox_posts
    try:
        async with open_database(target, migrate=False) as db:
            warm = signed_creates(peer, inbox, len(peer.names), 10_000_000)  # first contact: actor fetches
            await blast(inbox, warm, 4)
            await wait_for(db, 0, len(peer.names))
            following = await follow_senders(db, peer.host)
            before = await stored_statuses(db)
            requests = signed_creates(peer, inbox, posts, 0)
            with py_spy(opts.py_spy, server_pids[0]):
                cpu_before = cpu_seconds(server_pids)
                first, last, latencies, answers = await blast(inbox, requests, opts.senders)
                cpu_last, stored_last = cpu_seconds(server_pids), await stored_statuses(db)
                stored_at, finished_at = await wait_for(db, before + posts, posts + len(peer.names))
                cpu_after = cpu_seconds(server_pids)
            stored = await stored_statuses(db) - before
            states = await inbox_states(db)
    finally:
        assert peer.runner is not None
        await peer.runner.cleanup()
    return {"accepted": posts / (last - first), "lat": latencies, "answers": answers,
            "stored_rate": posts / (stored_at - first), "after_last": stored_at - last,
            "finished_after_last": finished_at - last, "states": states, "following": following,
            "stored": stored, "cpu_ms": [(a - b) * 1000 / posts for a, b in zip(cpu_after, cpu_before)],
            "applied_after": before + posts - stored_last,
            "apply_cpu_ms": [(a - b) * 1000 / max(before + posts - stored_last, 1)
                             for a, b in zip(cpu_after, cpu_last)]}


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """CPU time (user + system) the processes have used: all their threads,
    and their main threads (the event loops) alone; the rest is SQLite's threads."""
    tick = os.sysconf("SC_CLK_TCK")

    def used(stat: Path) -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    return (sum(used(Path(f"/proc/{pid}/stat")) for pid in pids),
            sum(used(Path(f"/proc/{pid}/task/{pid}/stat")) for pid in pids))


@contextlib.contextmanager
def py_spy(out: Path | None, pid: int) -> Iterator[None]:
    """py-spy recording `pid` meanwhile, when asked for and installed."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if out is None or not Path(exe).exists():
        if out is not None:
            print("py-spy is not installed; no profile recorded")
        yield
        return
    recorder = subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
                                 "--output", str(out), "--nonblocking"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached
    try:
        yield
    finally:
        recorder.send_signal(2)  # SIGINT: py-spy writes what it has
        recorder.wait(30)


def bench_inbox(tmp: Path, storage: Storage, opts: Options) -> dict[str, Any]:
    peer = ActorPeer(ACTORS)
    config_path, inbox = asyncio.run(prepare_inbox_node(tmp, storage, peer.host))
    ctx = multiprocessing.get_context("spawn")
    events = [(ctx.Event(), ctx.Event()) for _ in range(opts.processes)]
    servers = [ctx.Process(target=serve, args=(str(config_path), ready, stop, opts.processes > 1))
               for ready, stop in events]
    for server in servers:
        server.start()
    try:
        for ready, _ in events:
            if not ready.wait(60):
                raise SystemExit("the inbox node did not start")
        pids = [server.pid for server in servers if server.pid is not None]
        return asyncio.run(run_inbox_phase(peer, inbox, opts, load_config(config_path).storage.target(), pids))
    finally:
        for _, stop in events:
            stop.set()
        for server in servers:
            server.join(30)


def beside(figure: float, target: float, unit: str, *, more_is_better: bool = True) -> str:
    """A figure beside its target, and their ratio (> 1: the target is met)."""
    ratio = figure / target if more_is_better else target / figure if figure > 0 else float("inf")
    sign = ">=" if more_is_better else "<="
    return f"(target {sign} {target:,.0f}{unit}: {ratio:.2f}x)" if target >= 10 else \
        f"(target {sign} {target:g}{unit}: {ratio:.2f}x)"


def report(opts: Options, fan: dict[str, Any], inbox: dict[str, Any], load: tuple[float, ...]) -> None:
    sizes = opts.sizes
    followers = sizes.peers * sizes.followers_per_peer
    print(f"backend {opts.backend}; load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
          f" ({os.cpu_count()} cores)")
    print(f"fan-out: 1 post, {followers} followers on {sizes.peers} permitted peers")
    print(f"  planned and queued in      {fan['planned_ms']:8.1f} ms ({fan['inboxes']} shared inboxes)")
    print(f"  all {fan['reached']}/{sizes.peers} inboxes received in {fan['all_s']:8.2f} s "
          f"   {beside(fan['all_s'], FANOUT_TARGET_S, ' s', more_is_better=False)}")
    print(f"  POSTs sent                 {fan['posts']:8d}    (signature failures: {fan['bad']})")
    lat = inbox["lat"]
    print(f"inbox: {sizes.inbox_posts} signed Creates, {opts.senders} concurrent senders,"
          f" {ACTORS} actors, node in {opts.processes} child process{'es' if opts.processes > 1 else ''}")
    print(f"  accepted (202s)            {inbox['accepted']:8.0f} /s  {beside(inbox['accepted'], ACCEPT_TARGET, '/s')}"
          f"  answers {inbox['answers']}")
    p99 = percentile(lat, 0.99)
    print(f"  latency p50 / p99 / max    {percentile(lat, 0.5):6.1f} / {p99:6.1f} / {max(lat):6.1f} ms"
          f"  {beside(p99, P99_TARGET_MS, ' ms', more_is_better=False)}")
    print(f"  stored                     {inbox['stored_rate']:8.0f} /s  "
          f"{beside(inbox['stored_rate'], STORED_TARGET, '/s')}  (first POST to last status stored)")
    print(f"  last status stored         {inbox['after_last']:8.2f} s after the last 202  "
          f"{beside(inbox['after_last'], AFTER_LAST_TARGET_S, ' s', more_is_better=False)}")
    print(f"  every row finished         {inbox['finished_after_last']:8.2f} s after the last 202"
          f"   states {inbox['states']}")
    print(f"  statuses stored            {inbox['stored']:8d}   (a local account follows all"
          f" {inbox['following']} senders)")
    total, loop = inbox["cpu_ms"]
    print(f"  node CPU per Create        {total:8.2f} ms  (event loop {loop:.2f} ms; accepting and applying:"
          f" {1000 / total:,.0f} Creates/s on one free core)")
    total, loop = inbox["apply_cpu_ms"]
    print(f"  applying alone             {total:8.2f} ms  (event loop {loop:.2f} ms; the"
          f" {inbox['applied_after']} Creates stored after the last 202)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 inbox posts, not 4,000")
    parser.add_argument("--senders", type=int, default=64, help="concurrent inbox senders (1, 8, 64)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--processes", type=int, default=1, help="inbox node processes (PostgreSQL only)")
    parser.add_argument("--py-spy", type=Path, default=None, help="record the inbox node's stacks to FILE")
    args = parser.parse_args()
    if args.senders < 1:
        parser.error("--senders must be at least 1")
    if args.processes < 1 or (args.processes > 1 and args.backend != "postgresql"):
        parser.error("--processes above 1 needs --backend postgresql")
    opts = Options(QUICK if args.quick else FULL, args.senders, args.backend,
                   args.py_spy.resolve() if args.py_spy else None, args.processes)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-federation-") as tmp:
        storage = Storage(opts.backend, Path(tmp))
        try:
            fan = asyncio.run(bench_fanout(storage, opts.sizes))
            inbox = bench_inbox(Path(tmp), storage, opts)
        finally:
            storage.close()
    report(opts, fan, inbox, load)


if __name__ == "__main__":
    main()
