"""Admin API for screening: test a text, reload, rules and hit counts, the queue.

Moderators (admin:read / admin:write) see the decision that held an item:
rule, term and spans. Approving a held status publishes it; rejecting
keeps it from everyone but its author, who is notified with the reason.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import emit
from node import routing
from node.api.path_ids import parse_id, path_id
from node.audit_log import audit
from node.auth import Auth, authenticated
from node.errors import json_error, not_found, unprocessable
from node.keys import DB, IDS, SCREENING
from node.pagination import read_limit
from node.params import read_params
from node.streaming.port import stream_of
from policy.screening import Decision
from policy.screening_runtime import ReloadResult, ScreeningHolder
from storage import screening as store
from storage import status_writes, statuses
from storage.accounts import AccountRow
from storage.notifications import notify
from storage.screening import QueueItem

READ = ("admin:read", "admin:read:reports")
WRITE = ("admin:write", "admin:write:reports")


def _holder(request: web.Request) -> ScreeningHolder:
    holder = request.app.get(SCREENING)
    if holder is None:
        raise json_error(503, "Screening is not running")
    return holder


@authenticated(*READ, staff=True)
async def show_policy(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/screening: version and categories."""
    policy = _holder(request).policy
    return web.json_response({
        "version": policy.version, "engine": policy.engine, "fold_traditional": policy.fold_traditional,
        "categories": [{"name": c.name, "action": c.action, "mode": c.mode, "description": c.description,
                        "lists": [str(p) for p in c.lists], "exemptions": list(c.exemptions)}
                       for c in policy.categories],
    })


async def rules_with_hits(app: web.Application, holder: ScreeningHolder) -> list[dict[str, Any]]:
    """Every rule of the live policy with its hit count (shadow rules too)."""
    counts = {c.rule_id: c.hits for c in await store.hit_counts(app[DB], holder.policy.version)}
    return [{**rule, "hits": counts.get(rule["id"], 0)} for rule in holder.policy.describe_rules()]


@authenticated(*READ, staff=True)
async def rules(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/screening/rules: every rule with its hit count."""
    return web.json_response(await rules_with_hits(request.app, _holder(request)))


@authenticated(*READ, staff=True)
async def hits(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/screening/hits: counts per rule and version, shadow included."""
    rows = await store.hit_counts(request.app[DB], request.query.get("version"))
    return web.json_response([{"rule_id": r.rule_id, "category": r.category, "mode": r.mode,
                               "policy_version": r.policy_version, "hits": r.hits,
                               "last_hit_at": r.last_hit_at} for r in rows])


@authenticated(*READ, staff=True)
async def test_text(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/admin/screening/test {text}: the decision, not recorded."""
    params = await read_params(request)
    text = params.str("text")
    if text is None:
        raise unprocessable("Validation failed: text is required")
    return web.json_response(test_decision(_holder(request), text).to_dict())


def test_decision(holder: ScreeningHolder, text: str) -> Decision:
    """What the live policy decides for `text`; not recorded as a hit."""
    return holder.screener("test")([("text", text)])


@authenticated(*WRITE, staff=True)
async def reload(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/admin/screening/reload: 200 with the new version, or
    422 naming the file and line while the old policy stays."""
    assert auth.account is not None
    result = await reload_policy(request.app, _holder(request), auth.account)
    return web.json_response(result.to_dict(), status=200 if result.ok else 422)


async def reload_policy(app: web.Application, holder: ScreeningHolder, actor: AccountRow) -> ReloadResult:
    result = await holder.reload()
    await audit(app, actor, "screening.reload", ("policy", "screening"), result.to_dict())
    return result


def serialize_item(item: QueueItem) -> dict[str, Any]:
    return {"id": str(item.id), "kind": item.kind, "action": item.action,
            "status_id": str(item.status_id) if item.status_id else None,
            "account_id": str(item.account_id), "decision": item.decision,
            "policy_version": item.policy_version, "state": item.state, "reason": item.reason or None,
            "created_at": item.created_at, "resolved_at": item.resolved_at}


@authenticated(*READ, staff=True)
async def queue(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/screening/queue?state=open"""
    state = request.query.get("state", "open")
    if state not in ("open", "approved", "rejected", "escalated"):
        raise unprocessable("Validation failed: state must be open, approved, rejected or escalated")
    max_id = request.query.get("max_id")
    items = await store.list_queue(request.app[DB], state=state, limit=read_limit(request, 40, 200),
                                   max_id=parse_id(max_id))
    return web.json_response([serialize_item(i) for i in items])


async def _item(request: web.Request) -> QueueItem:
    return await _open_item(request.app, path_id(request))


@authenticated(*READ, staff=True)
async def show_item(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(serialize_item(await _item(request)))


async def _open_item(app: web.Application, item_id: int) -> QueueItem:
    item = await store.get_item(app[DB], item_id)
    if item is None:
        raise not_found()
    return item


async def approve_item(app: web.Application, actor: AccountRow, item_id: int) -> QueueItem:
    """Approve a queue item: a held status is published (and delivered) now."""
    item = await _open_item(app, item_id)
    db, ids = app[DB], app[IDS]
    status = await statuses.get_status(db, item.status_id) if item.status_id else None
    seen = await store.was_published(db, item)
    async with db.write() as w:
        if not await store.resolve_item(w, item.id, "approved", actor.id, ""):
            raise json_error(409, "This item was already resolved")
        released = status is not None and status.state == "pending" and item.action == "review"
        if released and status is not None:
            await status_writes.set_state(w, status.id, "published")
            await status_writes.publish_effects(w, ids, status, status.text)
        await audit(w, actor, "queue.approve", ("queue_item", item.id), _item_details(item))
    if released and status is not None:
        # Published now, so delivered now: peers never saw the held version
        # (an Update when they had the status before its edit was held).
        await emit.after_commit(app, emit.status_released, status.id, seen=seen)
        port = stream_of(app)
        (port.status_edited if seen else port.status_created)(status.id)
    return await _open_item(app, item.id)


async def reject_item(app: web.Application, actor: AccountRow, item_id: int, reason: str) -> QueueItem:
    """Reject with a reason: the status leaves every view but its author's, who is told why."""
    item = await _open_item(app, item_id)
    if not reason.strip():
        raise unprocessable("Validation failed: a reason is required")
    db, ids = app[DB], app[IDS]
    status = await statuses.get_status(db, item.status_id) if item.status_id else None
    taken_back = status is not None and await store.was_published(db, item)
    audience = await emit.deletion_audience(db, status) if taken_back and status is not None else None
    async with db.write() as w:
        if not await store.resolve_item(w, item.id, "rejected", actor.id, reason.strip()):
            raise json_error(409, "This item was already resolved")
        if item.status_id is not None:
            await _unpublish(w, item)
        # The warning names the status; the notification itself carries no
        # status, which is no longer visible to anyone but its author.
        await notify(w, ids, item.account_id, actor.id, "moderation_warning", None,
                     extra={"moderation_warning": _warning(item, reason.strip())})
        await audit(w, actor, "queue.reject", ("queue_item", item.id),
                    {**_item_details(item), "reason": reason.strip()})
    if status is not None and audience is not None:  # peers had it: take it back
        await emit.after_commit(app, emit.status_withdrawn, status, audience)
        stream_of(app).status_deleted(status, audience.account_ids)
    return await _open_item(app, item.id)


async def escalate_item(app: web.Application, actor: AccountRow, item_id: int, reason: str) -> QueueItem:
    item = await _open_item(app, item_id)
    async with app[DB].write() as w:
        if not await store.resolve_item(w, item.id, "escalated", actor.id, reason.strip()):
            raise json_error(409, "This item was already resolved")
        await audit(w, actor, "queue.escalate", ("queue_item", item.id),
                    {**_item_details(item), "reason": reason.strip()})
    return await _open_item(app, item.id)


def _resolver(verb: str) -> routing.Handler:
    @authenticated(*WRITE, staff=True)
    async def handler(request: web.Request, auth: Auth) -> web.Response:
        """POST /api/v1/admin/screening/queue/:id/{approve,reject,escalate} {reason}"""
        assert auth.account is not None
        item_id, app = path_id(request), request.app
        if verb == "approve":
            item = await approve_item(app, auth.account, item_id)
        else:
            reason = (await read_params(request)).str("reason") or ""
            resolve = reject_item if verb == "reject" else escalate_item
            item = await resolve(app, auth.account, item_id, reason)
        return web.json_response(serialize_item(item))

    return handler


def _item_details(item: QueueItem) -> dict[str, Any]:
    return {"status_id": str(item.status_id) if item.status_id else None, "account_id": str(item.account_id),
            "kind": item.kind, "action": item.action, "policy_version": item.policy_version}


async def _unpublish(w: Any, item: QueueItem) -> None:
    row = await status_writes.read_status(w, item.status_id)  # type: ignore[arg-type]
    if row is None:
        return
    if row.state == "published":
        await status_writes.unpublish_effects(w, row)
    await status_writes.set_state(w, row.id, "rejected")


def _warning(item: QueueItem, reason: str) -> dict[str, Any]:
    return {"id": str(item.id), "action": "delete_statuses" if item.status_id else "none",
            "text": reason, "status_ids": [str(item.status_id)] if item.status_id else [],
            "target_account": None, "appeal": None, "created_at": item.created_at}


def routes() -> list[web.RouteDef]:
    base = "/api/v1/admin/screening"
    return [
        routing.get(base, show_policy),
        routing.get(f"{base}/rules", rules),
        routing.get(f"{base}/hits", hits),
        routing.post(f"{base}/test", test_text),
        routing.post(f"{base}/reload", reload),
        routing.get(f"{base}/queue", queue),
        routing.get(f"{base}/queue/{{id}}", show_item),
        *[routing.post(f"{base}/queue/{{id}}/{verb}", _resolver(verb))
          for verb in ("approve", "reject", "escalate")],
    ]
