"""The admin front page: what is waiting, in numbers, and the last two weeks as charts.

Counts link to the pages that act on them; the charts (node/admin/charts.py,
SVG drawn on the server) show per UTC day what `storage.compliance_series`
and `storage.compliance_figures` count: screening hits per category,
the review queue's size and oldest item, reports opened and resolved,
sign-ups and verifications, and deliveries per peer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiohttp import web

from node import routing
from node.admin.charts import ChartData, render_chart, series
from node.admin.layout import link, require_staff, show, table
from node.html import Markup
from node.i18n import _
from node.keys import DB
from storage import audit, permits, reports
from storage import compliance_figures as figures
from storage import compliance_series as daily
from storage import screening as queue
from storage.clock import iso, now
from storage.database import Database
from storage.reports import ReportQuery

CAP = 200  # counted by listing; past this the page says "200+"
DAYS = 14
PEERS = 10  # the busiest peers shown in the deliveries chart


def _count(rows: Sequence[object]) -> str:
    return f"{CAP}+" if len(rows) >= CAP else str(len(rows))


async def _counts(db: Database) -> Markup:
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
    return table((_("what"), _("how many")), rows, "")


async def overview_charts(db: Database, today: dt.date, moment: str) -> list[ChartData]:
    """The overview's charts for the DAYS days ending `today` (UTC)."""
    days = daily.days_ending(today, DAYS)
    hits = await daily.screening_hits(db, days)
    waiting = await daily.queue_at_day_ends(db, days, moment)
    opened, resolved = await daily.reports_opened(db, days), await daily.reports_resolved(db, days)
    signed_up, verified = await daily.sign_ups(db, days), await daily.verifications(db, days)
    period = figures.Period(iso(dt.datetime.combine(today - dt.timedelta(days=DAYS - 1), dt.time(),
                                                    dt.timezone.utc)), moment)
    peers = sorted((await figures.deliveries_by_peer(db, period)).items(),
                   key=lambda item: (-sum(item[1].values()), item[0]))[:PEERS]
    labels = tuple(days)
    return [
        ChartData("screening", _("Screening hits per category per day"), labels,
                  tuple(series(category, [by_day[d] for d in days]) for category, by_day in sorted(hits.items()))),
        ChartData("queue", _("Review queue: items waiting, and the oldest item's age in hours"), labels,
                  (series(_("items waiting"), [waiting[d][0] for d in days]),
                   series(_("oldest item, hours"), [waiting[d][1] for d in days], secondary=True)), "line"),
        ChartData("reports", _("Reports opened and resolved"), labels,
                  (series(_("opened"), [opened[d] for d in days]), series(_("resolved"), [resolved[d] for d in days]))),
        ChartData("signups", _("Sign-ups and identity verifications"), labels,
                  (series(_("sign-ups"), [signed_up[d] for d in days]),
                   series(_("verifications"), [verified[d] for d in days]))),
        ChartData("deliveries", _("Deliveries per peer, last two weeks"), tuple(host for host, _c in peers),
                  (series(_("delivered"), [c["done"] for _h, c in peers]),
                   series(_("failed"), [c["failed"] for _h, c in peers]),
                   series(_("refused by the permit gate"), [c["dropped"] for _h, c in peers]),
                   series(_("waiting"), [c["queued"] + c["in_flight"] for _h, c in peers])), "hbar"),
    ]


async def overview(request: web.Request) -> web.StreamResponse:
    """GET /admin"""
    staff = await require_staff(request)
    db = request.app[DB]
    moment = now()
    charts = await overview_charts(db, moment.date(), iso(moment))
    body = Markup(await _counts(db) + "".join(render_chart(c) for c in charts))
    return await show(request, staff, _("Overview"), body)


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin", overview)]
