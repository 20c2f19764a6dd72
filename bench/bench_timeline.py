"""Home timeline latency and status-creation throughput, over real HTTP,
on SQLite and on PostgreSQL with 1, 2 and 4 serving processes.

    python bench/bench_timeline.py [--quick] [--statuses N] [--backend sqlite|postgresql|both]
                                   [--processes 1,2,4]

Builds a node in a temporary directory, seeds it with direct SQL (1,000
accounts sharing one RSA key, 100,000 statuses over 60 days, each account
following 50-150 others), serves it from child processes (so the client
in this process does not share its event loop or core) and measures:

  * GET /api/v1/timelines/home?limit=40 for random users, one at a time;
  * the next page of it (max_id from the Link header);
  * POST /api/v1/statuses from concurrent clients;
  * peak memory: the servers' VmHWM, and maxrss of this process.

PostgreSQL is a throwaway cluster (tests/pgcluster.py) with fsync on and
commits flushed in the background, about SQLite WAL's `synchronous=NORMAL`;
it is ANALYZEd after seeding, as autovacuum would. Several processes
share one port (SO_REUSEPORT), as `serve --processes N` does; on this
2-core machine the client takes a core too.

Targets (2-core machine): home p99 < 20 ms; at least 300 statuses/s.
Figures only, no pass/fail exit status: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
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

import aiohttp  # noqa: E402

from federation.keys import generate_keypair  # noqa: E402
from federation.urls import Urls  # noqa: E402
from serving import serve  # noqa: E402
from node.bootstrap import init_node  # noqa: E402
from node.config import load_config  # noqa: E402
from storage.oauth import token_hash  # noqa: E402
from storage.sqltext import numbered  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

HOME_P99_TARGET_MS = 20.0
POSTS_PER_SECOND_TARGET = 300.0
DAY_MS = 86_400_000
STAMP = "2026-01-01T00:00:00.000Z"
WORDS = ("spam", "offer", "today", "微博", "北京", "news", "coffee", "meeting", "invoice", "weather",
         "train", "天气", "工作", "lunch", "photo", "release", "update", "garden", "music", "book")


@dataclass(frozen=True)
class Sizes:
    accounts: int
    statuses: int
    follows: tuple[int, int]
    reads: int
    paged_reads: int
    posts: int
    clients: int


FULL = Sizes(1000, 100_000, (50, 150), reads=1000, paged_reads=300, posts=3000, clients=16)
QUICK = Sizes(300, 20_000, (20, 60), reads=200, paged_reads=60, posts=600, clients=8)

CONFIG = """
[node]
domain = "127.0.0.1:{port}"
base_url = "http://127.0.0.1:{port}"
name = "Benchmark node"
permit = "京ICP备12345678号-1"

[http]
host = "127.0.0.1"
port = {port}

[storage]
path = "data/node.sqlite3"
{storage}
"""


class Seeder:
    """One seeding connection, SQLite or PostgreSQL, taking the node's SQL text."""

    def __init__(self, config: Any) -> None:
        self.pg = config.storage.backend == "postgresql"
        if self.pg:
            import psycopg

            self.conn: Any = psycopg.connect(config.storage.dsn, autocommit=True,
                                             cursor_factory=psycopg.RawCursor)
        else:
            self.conn = sqlite3.connect(config.storage.path, isolation_level=None)

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if self.pg:
            with self.conn.cursor() as cur:
                cur.executemany(numbered(sql).sql, rows)
        else:
            self.conn.executemany(sql, rows)

    def close(self) -> None:
        if self.pg:
            self.conn.execute("ANALYZE")  # what autovacuum does on a real server
        self.conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_accounts(conn: Seeder, sizes: Sizes, base_url: str, now_ms: int) -> list[tuple[int, str]]:
    """Local accounts with users and tokens; one shared key pair for all."""
    private_pem, public_pem = generate_keypair()
    urls = Urls.of(base_url)
    out, accounts, users, tokens = [], [], [], []
    for i in range(sizes.accounts):
        account_id, name, token = (now_ms - 90 * DAY_MS + i) << 16, f"user{i}", f"bench-token-{i}"
        accounts.append((account_id, name, urls.actor(name), urls.profile(name), urls.inbox(name),
                         urls.key_id(name), public_pem, private_pem, STAMP, STAMP))
        users.append((account_id, f"{name}@bench.test", "-", STAMP))
        tokens.append((i + 1, token_hash(token), account_id, "read write follow", STAMP))
        out.append((account_id, token))
    conn.executemany("INSERT INTO accounts (id, username, uri, url, inbox_url, public_key_id, public_key_pem,"
                     " private_key_pem, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", accounts)
    conn.executemany("INSERT INTO users (account_id, email, password_hash, created_at) VALUES (?,?,?,?)", users)
    conn.executemany("INSERT INTO oauth_tokens (id, token_hash, account_id, scopes, created_at)"
                     " VALUES (?,?,?,?,?)", tokens)
    # Verified identities (article 9), so posting runs the real identity
    # gate; only the keyed-hash column matters to it, no legal data.
    conn.executemany("INSERT INTO identities (account_id, authority, subject_hash, kind, verified_at)"
                     " VALUES (?, 'bench', ?, 'person', ?)", [(a, f"bench-{a}", STAMP) for a, _ in out])
    return out


def _status_row(rnd: random.Random, sid: int, author: int, name: str, earlier: list[tuple[int, int]],
                urls: Urls) -> tuple[Any, ...]:
    """One status: mostly public originals, some replies, boosts and private ones."""
    kind = rnd.random()
    reply_to = reblog_of = reply_account = None
    text = " ".join(rnd.choices(WORDS, k=rnd.randint(3, 12)))
    if earlier and kind < 0.10:
        reply_to, reply_account = rnd.choice(earlier)
    elif earlier and kind < 0.15:
        reblog_of, text = rnd.choice(earlier)[0], ""
    visibility = rnd.choices(("public", "unlisted", "private", "direct"), (85, 10, 4, 1))[0]
    if reblog_of and visibility in ("private", "direct"):
        visibility = "public"
    content = f"<p>{text}</p>" if text else ""
    return (sid, author, urls.status(name, sid), urls.status_page(name, sid), text, content, visibility,
            reply_to, reply_account, reblog_of, reply_to or sid, STAMP)


def seed_statuses(conn: Seeder, sizes: Sizes, accounts: list[tuple[int, str]],
                  base_url: str, now_ms: int, rnd: random.Random) -> None:
    urls = Urls.of(base_url)
    weights = [1 / (i + 1) ** 0.8 for i in range(len(accounts))]  # a few busy accounts, many quiet ones
    rnd.shuffle(weights)
    authors = rnd.choices(range(len(accounts)), weights=weights, k=sizes.statuses)
    times = sorted(rnd.randrange(now_ms - 60 * DAY_MS, now_ms - 60_000) for _ in range(sizes.statuses))
    rows, earlier = [], []
    for seq, (ms, index) in enumerate(zip(times, authors)):
        sid, author = (ms << 16) | (seq & 0xFFFF), accounts[index][0]
        row = _status_row(rnd, sid, author, f"user{index}", earlier[-5000:], urls)
        rows.append(row)
        if row[9] is None and row[6] in ("public", "unlisted"):
            earlier.append((sid, author))
    conn.executemany(
        "INSERT INTO statuses (id, account_id, uri, url, text, content, visibility, in_reply_to_id,"
        " in_reply_to_account_id, reblog_of_id, conversation_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows)
    conn.execute("UPDATE statuses SET reblogs_count = (SELECT count(*) FROM statuses r WHERE r.reblog_of_id ="
                 " statuses.id) WHERE id IN (SELECT reblog_of_id FROM statuses WHERE reblog_of_id IS NOT NULL)")


def seed_follows(conn: Seeder, sizes: Sizes, accounts: list[tuple[int, str]],
                 rnd: random.Random) -> int:
    rows, next_id = [], 1
    ids = [a for a, _ in accounts]
    for me in ids:
        for target in rnd.sample(ids, rnd.randint(*sizes.follows)):
            if target != me:
                rows.append((next_id, me, target, STAMP))
                next_id += 1
    conn.executemany("INSERT INTO follows (id, account_id, target_id, created_at) VALUES (?,?,?,?)", rows)
    conn.execute("UPDATE accounts SET following_count = (SELECT count(*) FROM follows f WHERE f.account_id ="
                 " accounts.id), followers_count = (SELECT count(*) FROM follows f WHERE f.target_id ="
                 " accounts.id), statuses_count = (SELECT count(*) FROM statuses s WHERE s.account_id ="
                 " accounts.id)")
    return len(rows)


def seed(config: Any, sizes: Sizes) -> tuple[list[tuple[int, str]], int]:
    rnd = random.Random(20111216)
    now_ms = int(time.time() * 1000)
    base_url = config.node.base_url
    conn = Seeder(config)
    conn.execute("BEGIN")
    accounts = seed_accounts(conn, sizes, base_url, now_ms)
    seed_statuses(conn, sizes, accounts, base_url, now_ms, rnd)
    follows = seed_follows(conn, sizes, accounts, rnd)
    conn.execute("COMMIT")
    conn.close()  # no ANALYZE on SQLite: a node does not run it either, and the plans differ
    return accounts, follows


def peak_rss_kib(pid: int) -> int:
    """VmHWM, the process's own peak (ru_maxrss would count the parent it was forked from)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def timed_get(http: aiohttp.ClientSession, url: str, token: str) -> tuple[float, str]:
    start = time.perf_counter()
    async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
        await resp.read()
        assert resp.status == 200, resp.status
        link = resp.headers.get("Link", "")
    return (time.perf_counter() - start) * 1000, link


async def measure_home(base: str, accounts: list[tuple[int, str]], sizes: Sizes) -> dict[str, list[float]]:
    rnd = random.Random(1)
    first, paged = [], []
    async with aiohttp.ClientSession() as http:
        for _ in range(20):  # warm up connections and caches
            await timed_get(http, f"{base}/api/v1/timelines/home?limit=40", rnd.choice(accounts)[1])
        for i in range(sizes.reads):
            token = rnd.choice(accounts)[1]
            ms, link = await timed_get(http, f"{base}/api/v1/timelines/home?limit=40", token)
            first.append(ms)
            if i < sizes.paged_reads and 'rel="next"' in link:
                next_url = link.split(">")[0].lstrip("<")
                paged.append((await timed_get(http, next_url, token))[0])
    return {"home, limit=40": first, "home, next page (max_id)": paged}


async def _poster(http: aiohttp.ClientSession, base: str, token: str, count: int, out: list[float]) -> None:
    rnd = random.Random(token)
    for i in range(count):
        text = " ".join(rnd.choices(WORDS, k=8)) + f" #bench {i}"
        start = time.perf_counter()
        async with http.post(f"{base}/api/v1/statuses", json={"status": text},
                             headers={"Authorization": f"Bearer {token}"}) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
        out.append((time.perf_counter() - start) * 1000)


async def measure_posts(base: str, accounts: list[tuple[int, str]], sizes: Sizes) -> tuple[float, list[float]]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=sizes.clients)
    async with aiohttp.ClientSession(connector=connector) as http:
        await _poster(http, base, accounts[0][1], 3, [])  # warm up (loads the search segmenter)
        per_client = sizes.posts // sizes.clients
        start = time.perf_counter()
        await asyncio.gather(*(_poster(http, base, accounts[i + 1][1], per_client, latencies)
                               for i in range(sizes.clients)))
        elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, latencies


@dataclass
class Run:
    label: str
    reads: dict[str, list[float]]
    rate: float
    post_ms: list[float]
    server_kb: int
    load: tuple[float, float]


def print_run(run: Run, sizes: Sizes) -> None:
    print(f"\n-- {run.label} (1-min load average {run.load[0]:.2f} before, {run.load[1]:.2f} after)")
    print(f"{'measure':32} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in [*run.reads.items(), (f"create status ({sizes.clients} clients)", run.post_ms)]:
        print(f"{name:32} {len(values):6d} {percentile(values, .5):8.2f} {percentile(values, .99):8.2f} "
              f"{max(values):8.2f}")
    home_p99 = percentile(run.reads["home, limit=40"], .99)
    print(f"home p99 {home_p99:.2f} ms (target < {HOME_P99_TARGET_MS:.0f} ms: "
          f"{'met' if home_p99 < HOME_P99_TARGET_MS else 'NOT met'}); creation {run.rate:.0f} statuses/s "
          f"(target >= {POSTS_PER_SECOND_TARGET:.0f}/s: {'met' if run.rate >= POSTS_PER_SECOND_TARGET else 'NOT met'}); "
          f"peak server memory {run.server_kb / 1024:.0f} MiB per process")


def print_summary(runs: list[Run]) -> None:
    base = runs[0]
    base_p99 = percentile(base.reads["home, limit=40"], .99)
    print(f"\n{'run':34} {'home p99 ms':>12} {'vs first':>9} {'statuses/s':>11} {'vs first':>9}")
    for run in runs:
        p99 = percentile(run.reads["home, limit=40"], .99)
        print(f"{run.label:34} {p99:12.2f} {p99 / base_p99:8.2f}x {run.rate:11.0f} {run.rate / base.rate:8.2f}x")


def measure(config_path: Path, config: Any, accounts: list[tuple[int, str]], sizes: Sizes,
            processes: int) -> tuple[dict[str, list[float]], float, list[float], int, tuple[float, float]]:
    ctx = multiprocessing.get_context("spawn")
    ready_stop = [(ctx.Event(), ctx.Event()) for _ in range(processes)]
    servers = [ctx.Process(target=serve, args=(str(config_path), ready, stop, processes > 1))
               for ready, stop in ready_stop]
    for server in servers:
        server.start()
    try:
        for ready, _ in ready_stop:
            if not ready.wait(90):
                raise SystemExit("a server did not start")
        load_before = os.getloadavg()[0]
        reads = asyncio.run(measure_home(config.node.base_url, accounts, sizes))
        rate, post_ms = asyncio.run(measure_posts(config.node.base_url, accounts, sizes))
        server_kb = max(peak_rss_kib(server.pid or 0) for server in servers)
    finally:
        for _, stop in ready_stop:
            stop.set()
        for server in servers:
            server.join(30)
    return reads, rate, post_ms, server_kb, (load_before, os.getloadavg()[0])


def run_backend(backend: str, process_counts: list[int], sizes: Sizes, cluster: PgCluster | None) -> list[Run]:
    runs = []
    for processes in process_counts:
        with tempfile.TemporaryDirectory(prefix="bench-timeline-") as tmp:
            port = free_port()
            storage = (f'backend = "postgresql"\ndsn = "{cluster.empty_database("bench")}"'
                       if cluster is not None else "")
            config_path = Path(tmp) / "config.toml"
            config_path.write_text(CONFIG.format(port=port, storage=storage), "utf-8")
            config = load_config(config_path)
            asyncio.run(init_node(config))
            started = time.perf_counter()
            accounts, follows = seed(config, sizes)
            seed_s = time.perf_counter() - started
            label = f"{backend}, {processes} process{'es' if processes > 1 else ''}"
            print(f"\n{label}: {sizes.accounts} accounts, {sizes.statuses} statuses, {follows} follows "
                  f"(seeded in {seed_s:.1f} s)", flush=True)
            reads, rate, post_ms, server_kb, load = measure(config_path, config, accounts, sizes, processes)
            run = Run(label, reads, rate, post_ms, server_kb, load)
            print_run(run, sizes)
            runs.append(run)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller node and fewer samples")
    parser.add_argument("--statuses", type=int, help="statuses to seed (default 100,000; --quick 20,000)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--processes", default="1,2,4",
                        help="serving processes to try on PostgreSQL, comma-separated (SQLite serves one)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.statuses:
        sizes = Sizes(**{**sizes.__dict__, "statuses": args.statuses})
    print(f"machine: {os.cpu_count()} CPUs (other work on the machine skews every figure)")
    runs: list[Run] = []
    if args.backend in ("sqlite", "both"):
        runs += run_backend("sqlite", [1], sizes, None)
    if args.backend in ("postgresql", "both"):
        cluster = PgCluster(durable=True).start()
        try:
            runs += run_backend("postgresql", [int(n) for n in args.processes.split(",")], sizes, cluster)
        finally:
            cluster.stop()
    client_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print_summary(runs)
    print(f"this process (seeding and client) peaked at {client_kb / 1024:.0f} MiB")
    if sizes is QUICK:
        print("(--quick: a smaller node; the targets are defined for the full run)")


if __name__ == "__main__":
    main()
