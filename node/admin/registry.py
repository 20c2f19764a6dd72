"""Shared registries (issue 15): subscriptions, their last errors, drafts waiting, for admins only.

Every action calls the functions the `registry` commands call
(`node.registry_actions`): subscribe, sync now, change settings, approve,
unsubscribe; each stores its change with its audit record. The page's
words are in its template (`admin_registry.html`) and the catalog, like
every page's (`node.i18n`); a refused action flashes its `RegistryError`
in the reader's language. A sync's failure, like the last error the page
lists, is the English text stored with the subscription.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from node import html, routing, sessions
from node.admin.layout import Staff, back, field, read_form, require_admin, require_staff, show
from node.admin.permits import status_name
from node.api.path_ids import path_id
from node.i18n import N_, _
from node.keys import DB, REGISTRY
from node.registry_actions import (RegistryError, approve, change_settings, new_subscription, overview, subscribe,
                                   sync_now, unsubscribe)
from storage import registry as store

PAGE = "/admin/registry"
Form = MultiDictProxy[Any]

# The modes as the forms offer them: the code (as the `registry` commands
# and the notices name it) and what it does.
PERMITS_CHOICES = (("draft", N_("draft: wait for my approval")), ("active", N_("active: apply at once")))
LISTS_CHOICES = (("off", N_("off: ignore them")), ("shadow", N_("shadow: count hits without acting")),
                 ("enforce", N_("enforce: act as the publisher says")))
SYNCED = {"applied": N_("Subscription %(id)s: version %(version)s applied; %(changed)s permits changed."),
          "unchanged": N_("Subscription %(id)s: version %(version)s unchanged; %(changed)s permits changed.")}


async def _admin(request: web.Request) -> Staff:
    staff = await require_staff(request)
    require_admin(request, staff)
    return staff


async def _admin_form(request: web.Request) -> tuple[Staff, Form]:
    staff, form = await read_form(request)
    require_admin(request, staff)
    return staff, form


def _pending(entry: store.EntryRow) -> dict[str, object]:
    return {"subscription": entry.subscription_id, "host": entry.host, "number": entry.number,
            "kind": entry.kind, "holder": entry.holder,
            "status": status_name(entry.status), "valid_until": entry.valid_until}


async def registry_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/registry"""
    staff = await _admin(request)
    db = request.app[DB]
    body = html.render("admin_registry.html", subscriptions=await overview(db),
                       pending=[_pending(e) for e in await store.pending_entries(db)],
                       csrf=await sessions.csrf_token(request), permits_choices=PERMITS_CHOICES,
                       lists_choices=LISTS_CHOICES)
    return await show(request, staff, _("Shared registries"), body)


async def add(request: web.Request) -> web.StreamResponse:
    """POST /admin/registry: url, public_key, permits_mode, lists_mode, priority."""
    staff, form = await _admin_form(request)
    try:
        new = new_subscription(field(form, "url"), field(form, "public_key"), field(form, "permits_mode") or "draft",
                               field(form, "lists_mode") or "off", field(form, "priority") or "0")
        row = await subscribe(request.app[REGISTRY], staff.account, new)
    except RegistryError as exc:
        return back(request, PAGE, error=exc.said())
    return back(request, PAGE, notice=_("Subscribed to %(url)s (subscription %(id)s); it is fetched within a minute.",
                                        url=row.url, id=row.id))


class _Refused(Exception):
    """An action whose outcome is an error notice (a sync that refused its document)."""


async def _sync(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    result = await sync_now(request.app[REGISTRY], staff.account, sub_id)
    if not result.ok:
        # The stored English reason, or its translation where the catalog has it
        raise _Refused(_("Subscription %(id)s: %(message)s", id=sub_id, message=_(result.message)))
    return _(SYNCED[result.outcome], id=sub_id, version=result.version, changed=len(result.permits))


async def _settings(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    change = await change_settings(request.app[REGISTRY], staff.account, sub_id,
                                   permits_mode=field(form, "permits_mode") or None,
                                   lists_mode=field(form, "lists_mode") or None, priority=field(form, "priority") or None)
    r = change.row
    return _("Subscription %(id)s saved: permits %(permits)s, word lists %(lists)s, priority %(priority)s.",
             id=r.id, permits=r.permits_mode, lists=r.lists_mode, priority=r.priority)


async def _approve(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    hosts = None if field(form, "all") else [field(form, "host")]
    approved, applied = await approve(request.app[REGISTRY], staff.account, sub_id, hosts)
    return _("Approved %(count)s entries; %(changed)s permits changed.", count=len(approved), changed=len(applied))


async def _unsubscribe(request: web.Request, staff: Staff, form: Form, sub_id: int) -> str:
    row = await store.get_subscription(request.app[DB], sub_id)
    applied = await unsubscribe(request.app[REGISTRY], staff.account, sub_id)
    return _("Unsubscribed from %(url)s; %(changed)s permits changed.", url=row.url if row else sub_id,
             changed=len(applied))


ACTIONS: dict[str, Callable[[web.Request, Staff, Form, int], Awaitable[str]]] = {
    "sync": _sync, "settings": _settings, "approve": _approve, "unsubscribe": _unsubscribe}


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/registry/{id}/{sync|settings|approve|unsubscribe}"""
    staff, form = await _admin_form(request)
    action = ACTIONS.get(request.match_info["verb"])
    if action is None:
        raise sessions.error_page(request, 404, _("Not found"), _("No such action."))
    try:
        notice = await action(request, staff, form, path_id(request))
    except RegistryError as exc:
        return back(request, PAGE, error=exc.said())
    except _Refused as exc:
        return back(request, PAGE, error=str(exc))
    return back(request, PAGE, notice=notice)


def routes() -> list[web.RouteDef]:
    return [
        routing.get(PAGE, registry_page),
        routing.post(PAGE, add),
        routing.post(f"{PAGE}/{{id}}/{{verb}}", act),
    ]
