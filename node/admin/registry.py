"""Shared registries (issue 15): subscriptions, their last errors, drafts waiting, for admins only.

Every action calls the functions the `registry` commands call
(`node.registry_actions`): subscribe, sync now, change settings, approve,
unsubscribe; each stores its change with its audit record. Every string a
person reads is in the templates `admin_registry*.html` (the flash
notices in `admin_registry_notices.html`), ready for a message catalogue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from node import html, routing, sessions
from node.admin.layout import Staff, back, field, read_form, require_admin, require_staff, show
from node.api.path_ids import path_id
from node.html import Markup
from node.keys import DB, REGISTRY
from node.registry_actions import (RegistryError, SubscriptionView, approve, change_settings, new_subscription,
                                   overview, subscribe, sync_now, unsubscribe)
from storage import registry as store

PAGE = "/admin/registry"
NOTICES = "admin_registry_notices.html"
DASH = "–"
Form = MultiDictProxy[Any]


async def _admin(request: web.Request) -> Staff:
    staff = await require_staff(request)
    require_admin(request, staff)
    return staff


async def _admin_form(request: web.Request) -> tuple[Staff, Form]:
    staff, form = await read_form(request)
    require_admin(request, staff)
    return staff, form


def _row(view: SubscriptionView, csrf: str) -> Markup:
    r = view.row
    modes = {f"permits_{m}": "selected" if r.permits_mode == m else "" for m in ("draft", "active")}
    modes |= {f"lists_{m}": "selected" if r.lists_mode == m else "" for m in ("off", "shadow", "enforce")}
    return html.render("admin_registry_row.html", id=r.id, url=r.url, csrf=csrf, priority=r.priority,
                       state="expired" if view.expired else "", version=r.last_version or DASH,
                       expires=r.last_expires_at or DASH, entries=view.entries, in_force=view.in_force,
                       waiting=view.pending, last_fetch=r.last_fetch_at or DASH, last_good=r.last_success_at or DASH,
                       error=r.last_error, **modes)


def _pending(entry: store.EntryRow, csrf: str) -> Markup:
    return html.render("admin_registry_pending.html", subscription=entry.subscription_id, host=entry.host,
                       number=entry.number, kind=entry.kind, holder=entry.holder, status=entry.status,
                       valid_until=entry.valid_until or DASH, csrf=csrf)


async def registry_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/registry"""
    staff = await _admin(request)
    db = request.app[DB]
    csrf = await sessions.csrf_token(request)
    rows = Markup("".join(_row(v, csrf) for v in await overview(db)))
    pending = Markup("".join(_pending(e, csrf) for e in await store.pending_entries(db)))
    body = html.render("admin_registry.html", rows=rows, pending=pending, csrf=csrf)
    return await show(request, staff, html.text(NOTICES, "title"), body)


async def add(request: web.Request) -> web.StreamResponse:
    """POST /admin/registry: url, public_key, permits_mode, lists_mode, priority."""
    staff, form = await _admin_form(request)
    try:
        new = new_subscription(field(form, "url"), field(form, "public_key"), field(form, "permits_mode") or "draft",
                               field(form, "lists_mode") or "off", field(form, "priority") or "0")
        row = await subscribe(request.app[REGISTRY], staff.account, new)
    except RegistryError as exc:
        return back(request, PAGE, error=str(exc))
    return back(request, PAGE, notice=html.text(NOTICES, "subscribed", url=row.url, id=row.id))


class _Refused(Exception):
    """An action whose outcome is an error notice (a sync that refused its document)."""


async def _sync(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    result = await sync_now(request.app[REGISTRY], staff.account, sub_id)
    if not result.ok:
        raise _Refused(html.text(NOTICES, "sync_failed", id=sub_id, message=result.message))
    return html.text(NOTICES, "synced", id=sub_id, message=result.message, changed=len(result.permits))


async def _settings(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    change = await change_settings(request.app[REGISTRY], staff.account, sub_id,
                                   permits_mode=field(form, "permits_mode") or None,
                                   lists_mode=field(form, "lists_mode") or None, priority=field(form, "priority") or None)
    r = change.row
    return html.text(NOTICES, "saved", id=r.id, permits=r.permits_mode, lists=r.lists_mode, priority=r.priority)


async def _approve(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    hosts = None if field(form, "all") else [field(form, "host")]
    approved, applied = await approve(request.app[REGISTRY], staff.account, sub_id, hosts)
    return html.text(NOTICES, "approved", count=len(approved), changed=len(applied))


async def _unsubscribe(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    row = await store.get_subscription(request.app[DB], sub_id)
    applied = await unsubscribe(request.app[REGISTRY], staff.account, sub_id)
    return html.text(NOTICES, "unsubscribed", url=row.url if row else sub_id, changed=len(applied))


ACTIONS: dict[str, Callable[[web.Request, Staff, Form, int], Awaitable[str]]] = {
    "sync": _sync, "settings": _settings, "approve": _approve, "unsubscribe": _unsubscribe}


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/registry/{id}/{sync|settings|approve|unsubscribe}"""
    staff, form = await _admin_form(request)
    action = ACTIONS.get(request.match_info["verb"])
    if action is None:
        raise sessions.error_page(request, 404, "Not found", "No such action.")
    try:
        notice = await action(request, staff, form, path_id(request))
    except (RegistryError, _Refused) as exc:
        return back(request, PAGE, error=str(exc))
    return back(request, PAGE, notice=notice)


def routes() -> list[web.RouteDef]:
    return [
        routing.get(PAGE, registry_page),
        routing.post(PAGE, add),
        routing.post(f"{PAGE}/{{id}}/{{verb}}", act),
    ]
