"""A reveal of a legal identity the way the rules allow: asked by an officer, approved by another."""

from __future__ import annotations

from typing import Any

import aiohttp

from node.keys import DB
from policy.identity.duties import set_identity_officer
from tests.conftest import Node, Session


async def make_officer(node: Node, who: Session) -> Session:
    await set_identity_officer(node.app[DB], who.account.id, True, by="test")
    return who


async def reveal_identity(node: Node, http: aiohttp.ClientSession, officer: Session, approver: Session,
                          account_id: int, reason: str) -> dict[str, Any]:
    """Ask (202), approve as a second staff member, reveal with the request: the identity."""
    url = node.url(f"/api/v1/admin/accounts/{account_id}/identity/reveal")
    async with http.post(url, json={"reason": reason}, headers=officer.headers) as resp:
        assert resp.status == 202, await resp.text()
        request_id = (await resp.json())["request"]["id"]
    async with http.post(node.url(f"/api/v1/admin/identity/reveal_requests/{request_id}/approve"),
                         json={"note": "checked"}, headers=approver.headers) as resp:
        assert resp.status == 200, await resp.text()
    async with http.post(url, json={"request_id": request_id}, headers=officer.headers) as resp:
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())
