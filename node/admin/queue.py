"""The review queue: held and flagged content with the decision that held it.

Each item shows the rule, category, term, field and spans of every hit;
approve, reject (with a reason the author is told) and escalate call the
admin API's own functions (`node.api.admin_screening`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, code, field, post_form, read_form, require_staff, show, table
from node.api.admin_screening import approve_item, escalate_item, reject_item
from node.api.path_ids import path_id
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import DB
from storage import screening as store
from storage import statuses
from storage.screening import QueueItem

STATES = ("open", "escalated", "approved", "rejected")
STATE_NAMES = {"open": N_("open"), "escalated": N_("escalated"), "approved": N_("approved"),
               "rejected": N_("rejected")}
DONE = {"approve": N_("Item %(id)s approved."), "reject": N_("Item %(id)s rejected."),
        "escalate": N_("Item %(id)s escalated.")}
PAGE = 40


def _highlight(text: str, hits: list[dict[str, Any]]) -> Markup:
    """The text with each hit's span marked (spans index the original text)."""
    spans = sorted({(h["start"], h["end"]) for h in hits if h.get("field") in ("status", "text")
                    and 0 <= h.get("start", -1) < h.get("end", -1) <= len(text)})
    out, at = [], 0
    for start, end in spans:
        if start < at:
            continue  # overlapping spans: the first one is marked
        out += [escape(text[at:start]), f"<mark>{escape(text[start:end])}</mark>"]
        at = end
    out.append(escape(text[at:]))
    return Markup("".join(out))


def _hits(decision: dict[str, Any]) -> Markup:
    rows = [(code(h.get("rule_id", "")), h.get("category", ""), h.get("term", ""), code(h.get("kind", "")),
             code(h.get("field", "")), f'{h.get("start")}–{h.get("end")}', h.get("matched", ""),
             code(h.get("mode", "")))
            for h in decision.get("hits", []) + decision.get("shadow_hits", [])]
    return table((_("rule"), _("category"), _("term"), _("kind"), _("field"), _("span"), _("matched"), _("mode")),
                 rows, _("No hits."))


def _actions(item: QueueItem, csrf: str) -> Markup:
    if item.state not in ("open",):
        state = escape(_(STATE_NAMES.get(item.state, item.state)))
        return Markup(f"<p>{state}" + (f": {escape(item.reason)}" if item.reason else "") + "</p>")
    base = f"/admin/queue/{item.id}"
    reason_label, note_label = escape(_("Reason")), escape(_("Note"))
    reason = Markup(f'<label>{reason_label} <input type="text" name="reason" required></label>')
    note = Markup(f'<label>{note_label} <input type="text" name="reason"></label>')
    return Markup(post_form(f"{base}/approve", csrf, _("Approve"))
                  + post_form(f"{base}/reject", csrf, _("Reject"), reason)
                  + post_form(f"{base}/escalate", csrf, _("Escalate"), note))


async def _item_html(request: web.Request, item: QueueItem, csrf: str) -> Markup:
    decision = item.decision
    status = await statuses.get_status(request.app[DB], item.status_id) if item.status_id else None
    text = (_highlight(status.text, decision.get("hits", [])) if status
            else Markup("<em>" + escape(_("(no status)")) + "</em>"))
    return html.render("admin_queue_item.html", id=item.id, kind=code(item.kind), action=code(item.action),
                       language=status.language if status and status.language else "",
                       category=decision.get("category") or "", version=item.policy_version,
                       account_id=item.account_id, status_id=item.status_id or "", created_at=item.created_at,
                       text=text, hits=_hits(decision), actions=_actions(item, csrf))


async def queue_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/queue?state=open"""
    staff = await require_staff(request)
    state = request.query.get("state", "open")
    state = state if state in STATES else "open"
    items = await store.list_queue(request.app[DB], state=state, limit=PAGE)
    csrf = await sessions.csrf_token(request)
    tabs = " ".join(f'<a href="/admin/queue?state={s}">{escape(_(STATE_NAMES[s]))}</a>' for s in STATES)
    entries = [await _item_html(request, i, csrf) for i in items]
    state_name = _(STATE_NAMES[state])
    empty = "<p>" + escape(_("No items in this state: %(state)s.", state=state_name)) + "</p>"
    body = Markup(f"<p>{tabs}</p>" + ("".join(entries) or empty))
    return await show(request, staff, _("Review queue (%(state)s)", state=state_name), body)


async def resolve(request: web.Request) -> web.StreamResponse:
    """POST /admin/queue/{id}/{verb}"""
    staff, form = await read_form(request)
    item_id, verb = path_id(request), request.match_info["verb"]
    if verb == "approve":
        _result, error = await attempt(approve_item(request.app, staff.account, item_id))
    elif verb in ("reject", "escalate"):
        resolver = reject_item if verb == "reject" else escalate_item
        _result, error = await attempt(resolver(request.app, staff.account, item_id, field(form, "reason")))
    else:
        raise sessions.error_page(request, 404, _("Not found"), _("No such action."))
    return back(request, "/admin/queue", error=error, notice=_(DONE[verb], id=item_id))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/queue", queue_page),
        routing.post("/admin/queue/{id}/{verb}", resolve),
    ]


