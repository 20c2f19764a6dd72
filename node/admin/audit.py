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
from node.keys import DB
from policy import audit as chain
from storage import audit as store

PAGE = 50


def _verification(result: chain.Verification | None) -> Markup:
    if result is None:
        return Markup('<p><a href="/admin/audit?verify=1">Verify the hash chain</a></p>')
    if result.ok:
        return Markup(f'<p class="notice" id="chain">Chain intact: {result.count} record(s), head '
                      f"<code>{escape(result.head)}</code>.</p>")
    return Markup(f'<p class="error" id="chain">Chain broken at record {escape(result.record_id)} (position '
                  f"{escape(result.position)}): {escape(result.problem)}; {result.count} record(s) before it "
                  "verify.</p>")


async def audit_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/audit?max_id=&verify=1"""
    staff = await require_staff(request)
    db = request.app[DB]
    rows = await store.recent(db, PAGE, id_param(request.query.get("max_id")))
    result = await chain.verify_database(db) if request.query.get("verify") == "1" else None
    listing = table(("id", "at", "actor", "action", "target", "details"),
                    [(r.id, r.at, r.actor, r.action, f"{r.target_type}:{r.target_id}",
                      Markup(f"<code>{escape(r.details_json)}</code>")) for r in rows], "No records.")
    older = link(f"/admin/audit?max_id={rows[-1].id}", "Older records") if len(rows) == PAGE else Markup("")
    return await show(request, staff, "Audit log", Markup(_verification(result) + listing + older))


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin/audit", audit_page)]
