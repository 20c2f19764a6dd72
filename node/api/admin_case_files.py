"""Admin API of article 7(8): escalate a report, export its signed case file.

`POST /api/v1/admin/reports/:id/escalate {reason}` (moderators, admins)
and `POST /api/v1/admin/reports/:id/case_file {request_id}` (staff; the
answer is the zip, `application/zip`, no-store). The work is
`node.case_files`, as on the admin pages and the command line.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.admin_identity import staff_actor
from node.api.path_ids import path_id
from node.auth import Auth, authenticated
from node.case_files import CaseFileError, escalate, export_case
from node.errors import json_error
from node.keys import CONFIG, DB, IDENTITY, IDS
from node.params import read_params

WRITE = ("admin:write", "admin:write:reports")


@authenticated(*WRITE)
async def escalate_endpoint(request: web.Request, auth: Auth) -> web.Response:
    actor = await staff_actor(request, auth)
    params = await read_params(request)
    try:
        row = await escalate(request.app[DB], request.app[IDS], actor, path_id(request), params.str("reason") or "")
    except CaseFileError as exc:
        raise json_error(exc.status, exc.message) from None
    return web.json_response({"id": str(row.id), "report_id": str(row.report_id), "reason": row.reason,
                              "escalated_by": str(row.escalated_by), "created_at": row.created_at})


@authenticated(*WRITE)
async def case_file_endpoint(request: web.Request, auth: Auth) -> web.Response:
    actor = await staff_actor(request, auth)
    params = await read_params(request)
    report_id = path_id(request)
    try:
        export = await export_case(request.app[CONFIG], request.app[DB], request.app[IDENTITY], request.app[IDS],
                                   actor, report_id, request_id=params.int("request_id"))
    except CaseFileError as exc:
        raise json_error(exc.status, exc.message) from None
    return web.Response(body=export.data, content_type="application/zip", headers={
        "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="case-{report_id}.zip"',
        "X-Manifest-SHA256": export.manifest_sha256})


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/api/v1/admin/reports/{id}/escalate", escalate_endpoint),
        routing.post("/api/v1/admin/reports/{id}/case_file", case_file_endpoint),
    ]
