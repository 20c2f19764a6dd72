"""How long a shared registry takes to publish, verify and sync, at an association's size.

    python bench/bench_registry.py [--quick]

A document of 10,000 permits and 50,000 screening terms (--quick: 1,000
and 5,000) is signed, verified, and synced into a fresh node's database
through a loopback web server: the first sync (every permit created, the
word lists checked and put in force), the same document again (nothing
changes), and a version dropping 1% of the hosts (each revoked with its
effects and audit record). Target: a sync well inside the one-minute
sweep, so a large registry never holds up the next one.

Figures only, no pass/fail exit status: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import unused_port  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from federation.fetch import create_fetch_session  # noqa: E402
from node.bootstrap import init_node  # noqa: E402
from node.config import load_config  # noqa: E402
from node.registry_actions import new_subscription, subscribe, sync_now  # noqa: E402
from node.registry_context import RegistryContext  # noqa: E402
from policy.identity import public_key_b64  # noqa: E402
from policy.permits import PermitEntry  # noqa: E402
from policy.registry_document import PublishedList, build_payload, open_document, sign_document  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.ids import IdGenerator  # noqa: E402

CONFIG = """
[node]
domain = "127.0.0.1:{port}"
base_url = "http://127.0.0.1:{port}"
permit = "京ICP备12345678号-1"
[http]
port = {port}
[identity]
required = false
[federation]
allow_private_addresses = true
"""
WORDS = ("代开发票", "刷粉丝", "博彩", "casino", "返利", "兼职", "中奖", "fake invoice", "followers", "贷款")


def permits(count: int) -> list[PermitEntry]:
    return [PermitEntry(host=f"member{i}.example.cn", number=f"京ICP备{10000000 + i}号-1", kind="filing",
                        holder=f"成员单位{i}") for i in range(count)]


def lists(terms: int) -> list[PublishedList]:
    per = terms // 2
    return [PublishedList("spam", "reject", terms=tuple(f"substring:{WORDS[i % 10]}{i}" for i in range(per))),
            PublishedList("fraud", "review", terms=tuple(f"word:{WORDS[i % 10]}x{i}" for i in range(per)))]


def document(key: Ed25519PrivateKey, version: int, entries: list[PermitEntry], terms: int) -> bytes:
    now = dt.datetime.now(dt.timezone.utc)
    payload = build_payload(version=version, issued_at=now, expires_at=now + dt.timedelta(days=30),
                            publisher="bench association", permits=entries, lists=lists(terms))
    return sign_document(key, payload)


def timed(label: str, started: float, extra: str = "") -> None:
    print(f"{label:<44} {time.perf_counter() - started:8.2f} s {extra}", flush=True)


async def serve(body: dict[str, bytes], port: int) -> web.AppRunner:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body["now"], content_type="application/json")

    app = web.Application()
    app.router.add_get("/registry.json", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def run(count: int, terms: int) -> None:
    key = Ed25519PrivateKey.generate()
    entries = permits(count)
    started = time.perf_counter()
    first = document(key, 1, entries, terms)
    timed("build and sign", started, f"({len(first) / 1e6:.1f} MB, {count} permits, {terms} terms)")
    started = time.perf_counter()
    open_document(first, public_key_b64(key.public_key()), now=dt.datetime.now(dt.timezone.utc))
    timed("verify and parse", started)
    with tempfile.TemporaryDirectory() as tmp:
        port = unused_port()
        (Path(tmp) / "config.toml").write_text(CONFIG.format(port=port), "utf-8")
        config = load_config(Path(tmp) / "config.toml")
        await init_node(config)
        feed_port, body = unused_port(), {"now": first}
        runner = await serve(body, feed_port)
        async with open_database(config.storage.path) as db:
            session = create_fetch_session(allow_private_addresses=True)

            async def reload() -> None:
                return None

            ctx = RegistryContext(config, db, IdGenerator(), reload, session)
            sub = await subscribe(ctx, "bench", new_subscription(
                f"http://127.0.0.1:{feed_port}/registry.json", public_key_b64(key.public_key()), "active", "enforce"))
            for label, doc in (("first sync (all created, lists checked)", first),
                               ("same document again (unchanged)", first),
                               ("1% of hosts dropped (revoked)", document(key, 2, entries[count // 100:], terms))):
                body["now"] = doc
                started = time.perf_counter()
                result = await sync_now(ctx, "bench", sub.id)
                timed(label, started, f"{result.outcome}, {len(result.permits)} permits changed")
            await session.close()
        await runner.cleanup()
    print("target: each sync well under 60 s (the sweep interval)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(1000, 5000) if args.quick else run(10_000, 50_000))


if __name__ == "__main__":
    main()
