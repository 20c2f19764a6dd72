"""The compliance report on the admin pages: `/admin/compliance[?since=&format=html|json|pdf]`.

The same report as `python -m node compliance report` (node/compliance.py),
for staff: in the admin frame by default, or as the JSON, PDF or
standalone HTML document to download.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import require_staff, show
from node.compliance import PeriodError, document_html, make_report, period_since, sections_html, to_json
from node.compliance_pdf import PdfUnavailableError, to_pdf
from node.html import Markup
from node.i18n import _
from node.keys import CONFIG, DB, SCREENING
from storage.clock import now


async def report_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/compliance?since=YYYY-MM-DD&format=html|json|pdf"""
    staff = await require_staff(request)
    since, wanted = request.query.get("since", ""), request.query.get("format", "")
    moment = now()
    try:
        period = period_since(since, moment)
    except PeriodError:
        raise sessions.error_page(request, 400, _("Invalid request"), _("The start of the period is not a date "
                                                                        "before today (YYYY-MM-DD).")) from None
    holder = request.app.get(SCREENING)
    report = await make_report(request.app[CONFIG], request.app[DB], period, now=moment,
                               engine=holder.policy.engine if holder else "")
    name = f"compliance-{report.node['domain'].replace(':', '_')}-{moment.date().isoformat()}"
    headers = {"Cache-Control": "no-store"}
    if wanted == "json":
        return web.Response(text=to_json(report), content_type="application/json", headers=headers)
    if wanted in ("html", "pdf"):
        document = document_html(report)
        if wanted == "html":
            return web.Response(text=document, content_type="text/html", charset="utf-8", headers=headers)
        try:
            data = await asyncio.to_thread(to_pdf, document)
        except PdfUnavailableError:
            raise sessions.error_page(request, 404, _("Not found"),
                                      _("This machine cannot make PDFs (run `make fonts`).")) from None
        headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return web.Response(body=data, content_type="application/pdf", headers=headers)
    body = html.render("compliance_page.html", since=since, sections=sections_html(report))
    return await show(request, staff, _("Compliance report"), Markup(body))


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin/compliance", report_page)]
