"""Helpers for the delivery, outbox and permit-effect tests (no tests here).

A `Receiver` is a real aiohttp server on loopback playing a peer's inbox:
it verifies every POST's draft-cavage signature and Digest with the
sender's public key and records what arrived. `Sender` is the sending
side: a real SQLite file, a local account with a key pair, the permit
gate, the safe fetch session and a delivery queue and worker.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port

from federation.backoff import BackoffPolicy
from federation.delivery import DeliveryQueue, DeliverySettings, DeliveryWorker
from federation.fetch import create_fetch_session
from federation.httpsig import SignatureError, verify_request
from federation.keys import generate_keypair
from federation.urls import Urls
from policy import permits
from policy.permit_gate import PermitGate
from storage import accounts
from storage.accounts import NewLocalAccount
from storage.database import Database, make_database
from tests import backends
from storage.ids import IdGenerator

PERMIT_NUMBER = "京ICP备12345678号-1"
FAST = DeliverySettings(concurrency=8, lease_seconds=2, poll_seconds=0.2, request_timeout=1.5,
                        backoff=BackoffPolicy(base_seconds=0.2, cap_seconds=1, jitter=0.0, give_up_hours=1))

Responder = Callable[[dict[str, Any]], web.StreamResponse | None]


@dataclass
class Receiver:
    """A peer inbox on 127.0.0.1:port; `respond` may override the 202."""

    public_key_pem: str
    port: int = field(default_factory=unused_port)
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    respond: Responder | None = None
    runner: web.AppRunner | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def inbox(self) -> str:
        return f"http://{self.host}/inbox"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            verify_request(request.method, request.raw_path, request.headers, body, self.public_key_pem)
        except SignatureError as exc:
            self.refused.append(exc.reason)
            return web.json_response({"error": exc.reason}, status=401)
        assert request.headers["Content-Type"] == "application/activity+json"
        activity = json.loads(body)
        answer = self.respond(activity) if self.respond else None
        if answer is not None:
            return answer
        self.received.append(activity)
        self.paths.append(request.path)
        return web.Response(status=202)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/inbox", self.handle)
        app.router.add_post("/users/{name}/inbox", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def ids(self) -> list[str]:
        return [a["id"] for a in self.received]


async def no_declaration(host: str) -> str | None:
    return None


@dataclass
class Sender:
    db: Database
    ids: IdGenerator
    urls: Urls
    account_id: int
    public_key_pem: str
    private_key_pem: str
    gate: PermitGate
    session: aiohttp.ClientSession
    queue: DeliveryQueue
    worker: DeliveryWorker

    async def permit(self, host: str, status: str = "active") -> None:
        entry = permits.validate_entry(host, PERMIT_NUMBER, status=status)
        await permits.import_permits(self.db, self.ids, [entry])

    async def close(self) -> None:
        await self.session.close()
        await self.db.close()


async def local_account(db: Database, ids: IdGenerator, urls: Urls, username: str,
                        keys: tuple[str, str] | None = None) -> tuple[int, str, str]:
    private, public = keys or generate_keypair()
    account_id = ids.next_id()
    async with db.write() as w:
        await accounts.insert_local_account(w, NewLocalAccount(
            id=account_id, username=username, email=f"{username}@example.test", password_hash="x",
            uri=urls.actor(username), url=urls.profile(username), inbox_url=urls.inbox(username),
            shared_inbox_url=urls.shared_inbox(), outbox_url=urls.outbox(username),
            followers_url=urls.followers(username), following_url=urls.following(username),
            featured_url=urls.featured(username), public_key_pem=public,
            public_key_id=urls.key_id(username), private_key_pem=private))
    return account_id, private, public


async def open_sender(path: Path, *, settings: DeliverySettings = FAST, keys: tuple[str, str] | None = None,
                      now: Callable[[], dt.datetime] | None = None) -> Sender:
    db = make_database(backends.target_for(path))
    await db.open()
    ids = IdGenerator()
    urls = Urls.of("http://sender.test")
    existing = await accounts.find_local_account(db, "alice")
    if existing is None:
        account_id, private, public = await local_account(db, ids, urls, "alice", keys)
    else:
        account_id, public = existing.id, existing.public_key_pem
        private = await accounts.get_private_key(db, account_id) or ""
    gate = PermitGate(db, no_declaration)
    session = create_fetch_session(allow_private_addresses=True, total_timeout=5)
    kwargs = {"now": now} if now else {}
    queue = DeliveryQueue(db, ids, settings, **kwargs)
    worker = DeliveryWorker(queue, session, gate, urls, **kwargs)
    return Sender(db, ids, urls, account_id, public, private, gate, session, queue, worker)


def note_activity(n: int, actor: str = "http://sender.test/users/alice") -> dict[str, Any]:
    """A raw Create, as the vocabulary builders make one (enough for the queue)."""
    note_id = f"http://sender.test/users/alice/statuses/{n}"
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity",
            "type": "Create", "actor": actor, "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {"id": note_id, "type": "Note", "attributedTo": actor, "content": f"<p>post {n}</p>"}}


async def remote_account(db: Database, ids: IdGenerator, host: str, username: str, *,
                         shared: bool = True) -> int:
    """A remote account row as the inbox would store it (personal and shared inbox)."""
    account_id = ids.next_id()
    base = f"http://{host}"
    await db.execute(
        "INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (account_id, username, host, f"{base}/users/{username}", f"{base}/@{username}",
         f"{base}/users/{username}/inbox", f"{base}/inbox" if shared else "",
         "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"))
    return account_id


async def add_follow(db: Database, ids: IdGenerator, follower_id: int, target_id: int) -> None:
    await db.execute("INSERT INTO follows (id, account_id, target_id, created_at) VALUES (?,?,?,?)",
                     (ids.next_id(), follower_id, target_id, "2026-01-01T00:00:00.000Z"))
