"""The audit log (articles 7(1), 7(9)): newest records first, and the chain check.

Records come from `storage.audit.recent`, the chain check is
`policy.audit.verify_database` (what `python -m node audit verify` runs);
checking walks the whole log, so it runs when asked, not on every view.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.admin.layout import link, require_staff, show, table
from node.api.path_ids import id_param
from node.html import Markup, escape
from node.i18n import _
from node.keys import DB
from policy import audit as chain
from storage import audit as store

PAGE = 50


def _verification(result: chain.Verification | None) -> Markup:
    if result is None:
        return Markup('<p><a href="/admin/audit?verify=1">' + escape(_("Verify the hash chain")) + "</a></p>")
    if result.ok:
        return Markup('<p class="notice" id="chain">' + escape(_(
            "Chain intact: %(count)s record(s), head %(head)s.", count=result.count, head=result.head)) + "</p>")
    return Markup('<p class="error" id="chain">' + escape(_(
        "Chain broken at record %(record)s (position %(position)s): %(problem)s; %(count)s record(s) before it "
        "verify.", record=result.record_id, position=result.position, problem=result.problem,
        count=result.count)) + "</p>")


async def audit_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/audit?max_id=&verify=1"""
    staff = await require_staff(request)
    db = request.app[DB]
    rows = await store.recent(db, PAGE, id_param(request.query.get("max_id")))
    result = await chain.verify_database(db) if request.query.get("verify") == "1" else None
    listing = table((_("id"), _("at"), _("actor"), _("action"), _("target"), _("details")),
                    [(r.id, r.at, r.actor, r.action, f"{r.target_type}:{r.target_id}",
                      Markup(f"<code>{escape(r.details_json)}</code>")) for r in rows], _("No records."))
    older = link(f"/admin/audit?max_id={rows[-1].id}", _("Older records")) if len(rows) == PAGE else Markup("")
    return await show(request, staff, _("Audit log"), Markup(_verification(result) + listing + older))


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin/audit", audit_page)]
