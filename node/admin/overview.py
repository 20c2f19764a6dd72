"""The admin front page: what is waiting, in numbers, with links."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from node import routing
from node.admin.layout import link, require_staff, show, table
from node.html import Markup
from node.i18n import _
from node.keys import DB
from storage import audit, permits, reports
from storage import screening as queue
from storage.reports import ReportQuery

CAP = 200  # counted by listing; past this the page says "200+"


def _count(rows: Sequence[object]) -> str:
    return f"{CAP}+" if len(rows) >= CAP else str(len(rows))


async def overview(request: web.Request) -> web.StreamResponse:
    """GET /admin"""
    staff = await require_staff(request)
    db = request.app[DB]
    held = await queue.list_queue(db, state="open", limit=CAP)
    escalated = await queue.list_queue(db, state="escalated", limit=CAP)
    open_reports = await reports.list_reports(db, ReportQuery(resolved=False, limit=CAP))
    registry = await permits.list_permits(db)
    latest = await audit.recent(db, 1)
    rows = [
        (link("/admin/queue", _("Held or flagged, waiting for review")), _count(held)),
        (link("/admin/queue?state=escalated", _("Escalated")), _count(escalated)),
        (link("/admin/reports", _("Unresolved reports")), _count(open_reports)),
        (link("/admin/permits", _("Active permits")), str(sum(1 for p in registry if p.status == "active"))),
        (link("/admin/audit", _("Audit records")), str(latest[0].id) if latest else "0"),
    ]
    return await show(request, staff, _("Overview"), Markup(table((_("what"), _("how many")), rows, "")))


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin", overview)]
