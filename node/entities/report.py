"""Mastodon's Report entity, for the reporter (POST /api/v1/reports) and
for staff in `admin.report` notifications."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node.entities.account import serialize_account
from node.keys import CONFIG, DB
from storage import accounts, reports
from storage.reports import ReportRow


def serialize_report(row: ReportRow, target: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(row.id), "action_taken": row.action_taken_at is not None,
            "action_taken_at": row.action_taken_at, "category": row.category, "comment": row.comment,
            "forwarded": bool(row.forwarded), "created_at": row.created_at,
            "status_ids": [str(i) for i in row.status_id_list] or None,
            "rule_ids": row.rule_id_list or None, "target_account": target}


async def reports_by_id(app: web.Application, report_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Report entities by id, each with its target account."""
    rows = [r for r in [await reports.get_report(app[DB], i) for i in dict.fromkeys(report_ids)] if r]
    targets = await accounts.get_accounts(app[DB], [r.target_account_id for r in rows])
    config = app[CONFIG]
    return {r.id: serialize_report(r, serialize_account(targets[r.target_account_id], config))
            for r in rows if r.target_account_id in targets}
