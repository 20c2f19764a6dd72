"""A node with activity, made the way people make it: through the client and admin APIs.

The compliance report's and the overview's tests seed one of these and
then recount every figure from the database rows themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import aiohttp

from node.compliance_setup import flush_refusals
from node.keys import DB, IDS
from storage import deliveries
from storage.clock import iso, now
from tests.conftest import Node, Session
from tests.node.identity_reveals import make_officer, reveal_identity
from tests.node.test_screening_api import post


@dataclass
class Seeded:
    admin: Session
    moderator: Session
    alice: Session
    bob: Session
    carol: Session  # never verified
    held_status_id: str
    clean_status_id: str


async def call(http: aiohttp.ClientSession, node: Node, who: Session, method: str, path: str,
               body: dict[str, Any] | None = None) -> Any:
    async with http.request(method, node.url(path), json=body, headers=who.headers) as resp:
        assert resp.status < 400, (path, resp.status, await resp.text())
        return await resp.json()


async def seed_activity(node: Node, http: aiohttp.ClientSession) -> Seeded:
    admin = await node.account("root", role="admin")
    moderator = await node.account("mod", role="moderator")
    alice, bob = await node.account("alice"), await node.account("bob")
    carol = await node.account("carol", verified=False)
    # Posts through the screening: clean, rejected, held twice, flagged, sensitive, a shadow hit
    _, clean = await post(http, node, alice, "今天天气很好")
    assert (await post(http, node, alice, "欢迎来到博彩网站"))[0] == 422
    assert (await post(http, node, bob, "online casino tonight"))[0] == 422
    _, held = await post(http, node, alice, "专业代开发票，价格优惠")
    await post(http, node, bob, "fake invoice for sale")
    await post(http, node, bob, "兼职日结，私聊")
    await post(http, node, alice, "买粉丝就找我")
    await post(http, node, bob, "限时秒杀开始了")
    # A moderator approves one held post; the other stays waiting
    queue = await call(http, node, moderator, "GET", "/api/v1/admin/screening/queue")
    item = next(i for i in queue if i.get("status_id") == held["id"])
    await call(http, node, moderator, "POST", f"/api/v1/admin/screening/queue/{item['id']}/approve")
    # Reports: one resolved, one open
    first = await call(http, node, bob, "POST", "/api/v1/reports",
                       {"account_id": str(alice.account.id), "comment": "spam", "category": "spam"})
    await call(http, node, carol, "POST", "/api/v1/reports",
               {"account_id": str(bob.account.id), "comment": "rude", "category": "other"})
    await call(http, node, moderator, "POST", f"/api/v1/admin/reports/{first['id']}/resolve")
    # Sanctions, a correction, permits
    await call(http, node, moderator, "POST", f"/api/v1/admin/accounts/{carol.account.id}/action",
               {"type": "silence", "text": "flooding"})
    await call(http, node, moderator, "POST", f"/api/v1/admin/accounts/{bob.account.id}/action",
               {"type": "none", "text": "a warning"})
    await call(http, node, moderator, "POST", f"/api/v1/admin/statuses/{clean['id']}/correction",
               {"text": "It rained", "source_url": "https://weather.example.cn/today"})
    soon = (now() + dt.timedelta(days=10)).date().isoformat()
    await call(http, node, admin, "POST", "/api/v1/admin/domain_allows",
               {"domain": "soon.example.cn", "number": "京ICP备87654321号-1", "valid_until": soon})
    later = await call(http, node, admin, "POST", "/api/v1/admin/domain_allows",
                       {"domain": "later.example.cn", "number": "京ICP备11111111号-2"})
    await call(http, node, admin, "POST", f"/api/v1/admin/domain_allows/{later['id']}/suspend")
    # An identity officer reveals alice's identity, with a moderator's approval
    officer = await make_officer(node, await node.account("officer"))
    await reveal_identity(node, http, officer, moderator, alice.account.id, "police letter 7")
    await seed_deliveries(node)
    await seed_refusals(node, http)
    return Seeded(admin, moderator, alice, bob, carol, held["id"], clean["id"])


async def seed_deliveries(node: Node) -> None:
    """Finished deliveries to two peers, some pruned into delivery_days."""
    db, ids = node.app[DB], node.app[IDS]
    old = iso(now() - dt.timedelta(days=2))
    rows = [("peer-a.example.cn", "done", ""), ("peer-a.example.cn", "done", ""),
            ("peer-a.example.cn", "failed", "HTTP 500"), ("peer-b.example.cn", "done", ""),
            ("peer-b.example.cn", "dropped", "not_in_registry: no permit for peer-b.example.cn"),
            ("peer-b.example.cn", "dropped", "expired: the permit ended")]
    async with db.write() as w:
        for n, (host, state, error) in enumerate(rows):
            finished = old if n % 2 else iso(now())
            await w.execute(
                "INSERT INTO deliveries (id, inbox_url, host, activity_id, activity_json, signer_account_id, state,"
                " attempts, next_attempt_at, last_error, created_at, give_up_at, finished_at)"
                " VALUES (?,?,?,?,?,?,?,1,?,?,?,?,?)",
                (ids.next_id(), f"https://{host}/inbox", host, f"https://x/a/{n}", "{}", 0, state, finished,
                 error, finished, finished, finished))
    # The week-old rule prunes rows finished over a day ago here: they move to delivery_days
    await deliveries.prune_finished(db, before=iso(now() - dt.timedelta(days=1)))


async def seed_refusals(node: Node, http: aiohttp.ClientSession) -> None:
    """Unsigned and malformed inbox POSTs, refused and counted."""
    activity = {"id": "https://stranger.example/a/1", "type": "Create", "actor": "https://stranger.example/u"}
    for _ in range(2):
        async with http.post(node.url("/inbox"), json=activity,
                             headers={"Content-Type": "application/activity+json"}) as resp:
            assert resp.status == 401
    async with http.post(node.url("/inbox"), data=b"not json",
                         headers={"Content-Type": "application/activity+json"}) as resp:
        assert resp.status == 401  # the door asks for a signature before it reads the body
    await flush_refusals(node.app)
