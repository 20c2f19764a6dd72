"""The compliance report (article 6 review): build it for a period.

`build_report` gathers one section per binding article
(`policy.compliance_sections`: the control, its configuration as it
stands, its figures for the period, the tests that prove it) and orders
them so that a control failing or switched off comes first, then one
needing attention. The value (`policy.compliance_model.Report`) speaks
no language; `node.compliance` renders it as HTML, JSON or PDF.
"""

from __future__ import annotations

import datetime as dt

from policy.compliance_model import Report, Settings, attention_first
from policy.compliance_sections import all_sections
from storage.compliance_figures import Period
from storage.database import Database


async def build_report(db: Database, settings: Settings, period: Period, *, now: dt.datetime) -> Report:
    """Every section, with its figures for `period`."""
    sections = await all_sections(db, settings, period, now)
    node = {"name": settings.node_name, "domain": settings.domain, "permit": settings.permit}
    generated = now.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Report(node, period, generated, attention_first(sections))
