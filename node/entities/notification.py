"""Mastodon's Notification (v1) and grouped notifications (v2), in batches.

One query for the accounts and one render of the statuses per page,
whatever its length.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web

from node.entities.account import serialize_account
from node.entities.report import reports_by_id
from node.entities.status import render_statuses
from node.keys import CONFIG, DB
from storage import accounts
from storage.accounts import AccountRow
from storage.notification_queries import GroupData, NotificationRow, effective_key
from storage.statuses import get_statuses, visible_statuses

STATUS_TYPES = frozenset({"mention", "status", "reblog", "favourite", "poll", "update", "quote",
                          "quoted_update"})
# Extra payloads some types carry, stored in extra_json by their producers.
_EXTRA = {"severed_relationships": "event",
          "moderation_warning": "moderation_warning"}


async def _target_statuses(app: web.Application, rows: Sequence[NotificationRow],
                           viewer_id: int) -> dict[int, dict[str, Any]]:
    """Per notification id, the status it is about as the viewer sees it:
    for a boost, the boosted status (Mastodon's target_status)."""
    db = app[DB]
    about = [r for r in rows if r.type in STATUS_TYPES and r.status_id is not None]
    own = {s.id: s for s in await get_statuses(db, [r.status_id for r in about if r.status_id])}
    target = {r.id: own[r.status_id].reblog_of_id or r.status_id
              for r in about if r.status_id is not None and r.status_id in own}
    visible = await visible_statuses(db, await get_statuses(db, list(target.values())), viewer_id)
    rendered = {int(s["id"]): s for s in await render_statuses(app, visible, viewer_id)}
    return {nid: rendered[sid] for nid, sid in target.items() if sid in rendered}


async def _accounts_by_id(app: web.Application, ids: Iterable[int]) -> dict[int, AccountRow]:
    return await accounts.get_accounts(app[DB], list(dict.fromkeys(ids)))


def _extra(row: NotificationRow) -> dict[str, Any]:
    key = _EXTRA.get(row.type)
    if key is None or not row.extra_json:
        return {}
    value = json.loads(row.extra_json).get(key)
    return {} if value is None else {key: value}


async def render_notifications(app: web.Application, rows: Sequence[NotificationRow],
                               viewer_id: int) -> list[dict[str, Any]]:
    """Notification entities; a notification whose status the viewer can
    no longer see is left out, as Mastodon does."""
    config = app[CONFIG]
    senders = await _accounts_by_id(app, (r.from_account_id for r in rows))
    statuses = await _target_statuses(app, rows, viewer_id)
    reports = await _reports(app, rows)
    out = []
    for row in rows:
        sender = senders.get(row.from_account_id)
        if sender is None:
            continue
        body: dict[str, Any] = {
            "id": str(row.id), "type": row.type, "created_at": row.created_at,
            "group_key": row.group_key, "account": serialize_account(sender, config),
        }
        if row.type in STATUS_TYPES:
            if row.id not in statuses:
                continue
            body["status"] = statuses[row.id]
        body.update(_extra(row))
        if row.type == "admin.report":
            if row.id not in reports:
                continue
            body["report"] = reports[row.id]
        out.append(body)
    return out


async def _reports(app: web.Application, rows: Sequence[NotificationRow]) -> dict[int, dict[str, Any]]:
    """Per `admin.report` notification id, the Report entity as it is now
    (rendered on read, so a resolved report shows as resolved)."""
    wanted = {r.id: int(json.loads(r.extra_json or "{}").get("report_id", 0))
              for r in rows if r.type == "admin.report"}
    found = await reports_by_id(app, [i for i in wanted.values() if i])
    return {nid: found[rid] for nid, rid in wanted.items() if rid in found}


def _group(row: NotificationRow, key: str, data: GroupData | None, status_id: str | None,
           paginated: bool) -> dict[str, Any]:
    if data is None:  # shown alone: ungrouped type, or grouping not wanted
        data = GroupData(key, row.id, (row.from_account_id,), 1, row.id, row.created_at)
    group: dict[str, Any] = {
        "group_key": key, "notifications_count": data.count, "type": row.type,
        "most_recent_notification_id": str(data.most_recent_id),
        "sample_account_ids": [str(i) for i in data.sample_account_ids],
    }
    if paginated:
        group["page_min_id"] = str(data.page_min_id if data.page_min_id is not None else row.id)
        group["page_max_id"] = str(data.most_recent_id)
        group["latest_page_notification_at"] = data.latest_at or row.created_at
    if status_id is not None:
        group["status_id"] = status_id
    group.update(_extra(row))
    return group


def _partial_account(account: AccountRow, full: dict[str, Any]) -> dict[str, Any]:
    return {"id": full["id"], "acct": account.acct(), "locked": full["locked"], "bot": full["bot"],
            "url": full["url"], "avatar": full["avatar"], "avatar_static": full["avatar_static"],
            "avatar_description": ""}


async def render_grouped(app: web.Application, heads: Sequence[NotificationRow], groups: dict[str, GroupData],
                         viewer_id: int, *, grouped_types: Sequence[str] | None = None, paginated: bool = True,
                         partial_avatars: bool = False) -> dict[str, Any]:
    """GroupedNotificationsResults: each group once, its accounts and
    statuses listed beside the groups rather than inside them."""
    statuses = await _target_statuses(app, heads, viewer_id)
    reports = await _reports(app, heads)
    out_groups = []
    for head in heads:
        status = statuses.get(head.id)
        if head.type in STATUS_TYPES and status is None:
            continue
        if head.type == "admin.report" and head.id not in reports:
            continue
        key = effective_key(head, grouped_types)
        data = groups.get(key) if key == head.group_key else None
        out_groups.append(_group(head, key, data, status["id"] if status else None, paginated))
        if head.type == "admin.report":
            out_groups[-1]["report"] = reports[head.id]
    body = await _group_accounts(app, out_groups, partial_avatars)
    body["statuses"] = list({s["id"]: s for s in statuses.values()}.values())
    body["notification_groups"] = out_groups
    return body


async def _group_accounts(app: web.Application, groups: list[dict[str, Any]],
                          partial_avatars: bool) -> dict[str, Any]:
    config = app[CONFIG]
    firsts = [int(g["sample_account_ids"][0]) for g in groups if g["sample_account_ids"]]
    others = [int(i) for g in groups for i in g["sample_account_ids"][1:]]
    rows = await _accounts_by_id(app, [*firsts, *others])
    every = [int(i) for g in groups for i in g["sample_account_ids"]]
    full_ids = list(dict.fromkeys(firsts if partial_avatars else every))
    full = {i: serialize_account(rows[i], config) for i in full_ids if i in rows}
    body: dict[str, Any] = {"accounts": list(full.values())}
    if partial_avatars:
        rest = [i for i in dict.fromkeys(others) if i not in full and i in rows]
        body["partial_accounts"] = [_partial_account(rows[i], serialize_account(rows[i], config)) for i in rest]
    return body
