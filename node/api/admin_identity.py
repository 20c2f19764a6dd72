"""Admin API of identity reveals: ask, approve or deny, reveal (articles 7(2), 7(4)).

Every step is `policy.identity.duties`: only an identity officer asks,
a second staff member decides, and only the officer who asked reveals,
once. `POST /api/v1/admin/accounts/:id/identity/reveal` asks (202 with
the request while it waits for approval), or reveals with `request_id`
of an approved request, or at once when `[identity]
reveal_needs_approval` is false. The identity itself is only ever in the
body of a reveal's answer, never in a log, and that answer is no-store.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import routing
from node.api.path_ids import path_id
from node.auth import Auth, authenticated
from node.errors import json_error
from node.keys import CONFIG, DB, IDENTITY, IDS
from node.params import read_params
from policy.identity.duties import (Actor, RevealRefusedError, actor_of, decide_request, perform_reveal,
                                    request_reveal)
from policy.identity.enrolment import Revealed
from storage import reveal_requests as store
from storage.reveal_requests import STATES, RevealRequest

READ, WRITE = ("admin:read", "admin:read:accounts"), ("admin:write", "admin:write:accounts")
BASE = "/api/v1/admin/identity/reveal_requests"
NO_STORE = {"Cache-Control": "no-store"}


def serialize_request(row: RevealRequest) -> dict[str, Any]:
    return {"id": str(row.id), "account_id": str(row.account_id), "requested_by": str(row.requested_by),
            "reason": row.reason, "report_id": str(row.report_id) if row.report_id else None, "state": row.state,
            "decided_by": str(row.decided_by) if row.decided_by else None, "decision_note": row.decision_note,
            "decided_at": row.decided_at, "revealed_at": row.revealed_at, "created_at": row.created_at}


def serialize_identity(found: Revealed, request_id: int) -> dict[str, Any]:
    return {"account_id": str(found.account_id), "authority": found.authority, "kind": found.kind,
            "verified_at": found.verified_at, "name": found.name, "id_number": found.id_number,
            "request_id": str(request_id)}


async def staff_actor(request: web.Request, auth: Auth) -> Actor:
    actor = await actor_of(request.app[DB], auth.account_id)
    if actor is None or not actor.staff:
        raise json_error(403, "This action is not allowed")
    return actor


def refusal(exc: RevealRefusedError) -> web.HTTPException:
    return json_error(exc.status, exc.message, code=exc.code)


async def ask_or_reveal(app: web.Application, actor: Actor, account_id: int, reason: str,
                        report_id: int | None, request_id: int | None) -> tuple[RevealRequest, Revealed | None]:
    """The reveal endpoint's work, shared with the admin page: ask (and reveal
    at once when no approval is needed), or reveal with an approved request."""
    db = app[DB]
    if request_id is None:
        row = await request_reveal(db, app[IDS], actor, account_id, reason, report_id=report_id,
                                   needs_approval=app[CONFIG].identity.reveal_needs_approval)
        if row.state == "pending":
            return row, None
        request_id = row.id
    found = await perform_reveal(db, app[IDENTITY], app[IDS], actor, request_id)
    done = await store.get_request(db, request_id)
    assert done is not None
    return done, found


@authenticated(*WRITE, *READ)
async def reveal_endpoint(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/admin/accounts/:id/identity/reveal {reason, report_id} or {request_id}"""
    actor = await staff_actor(request, auth)
    params = await read_params(request)
    try:
        row, found = await ask_or_reveal(request.app, actor, path_id(request), params.str("reason") or "",
                                         params.int("report_id"), params.int("request_id"))
    except RevealRefusedError as exc:
        raise refusal(exc) from None
    if found is None:
        return web.json_response({"request": serialize_request(row)}, status=202, headers=NO_STORE)
    return web.json_response(serialize_identity(found, row.id), headers=NO_STORE)


@authenticated(*READ)
async def list_requests(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/identity/reveal_requests?state=pending"""
    await staff_actor(request, auth)
    state = request.query.get("state")
    rows = await store.list_requests(request.app[DB], states=(state,) if state in STATES else STATES)
    return web.json_response([serialize_request(r) for r in rows])


def _decider(approve: bool) -> routing.Handler:
    @authenticated(*WRITE)
    async def handler(request: web.Request, auth: Auth) -> web.Response:
        """POST .../reveal_requests/:id/approve|deny {note}"""
        actor = await staff_actor(request, auth)
        params = await read_params(request)
        try:
            row = await decide_request(request.app[DB], actor, path_id(request), approve=approve,
                                       note=params.str("note") or "")
        except RevealRefusedError as exc:
            raise refusal(exc) from None
        return web.json_response(serialize_request(row))

    return handler


@authenticated(*WRITE, *READ)
async def reveal_with_request(request: web.Request, auth: Auth) -> web.Response:
    """POST .../reveal_requests/:id/reveal"""
    actor = await staff_actor(request, auth)
    try:
        found = await perform_reveal(request.app[DB], request.app[IDENTITY], request.app[IDS], actor,
                                     path_id(request))
    except RevealRefusedError as exc:
        raise refusal(exc) from None
    return web.json_response(serialize_identity(found, path_id(request)), headers=NO_STORE)


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/api/v1/admin/accounts/{id}/identity/reveal", reveal_endpoint),
        routing.get(BASE, list_requests),
        routing.post(f"{BASE}/{{id}}/approve", _decider(True)),
        routing.post(f"{BASE}/{{id}}/deny", _decider(False)),
        routing.post(f"{BASE}/{{id}}/reveal", reveal_with_request),
    ]
