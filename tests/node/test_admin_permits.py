"""The permit registry through Mastodon's admin domain_allows API."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import Node, Session

BASE = "/api/v1/admin/domain_allows"
NUMBER = "京ICP备12345678号-1"


async def create(node: Node, http: aiohttp.ClientSession, session: Session,
                 **fields: str) -> tuple[int, Any]:
    body = {"domain": "peer.example.cn", "number": NUMBER, **fields}
    async with http.post(node.url(BASE), json=body, headers=session.headers) as resp:
        return resp.status, await resp.json()


async def test_admin_creates_reads_and_lists_a_permit(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an admin
    root = await node.account("root", role="admin")
    # When it allows a domain with its permit details (as a form, as Mastodon.py sends)
    form = {"domain": "Peer.Example.CN:443", "number": NUMBER, "holder": "示例公司",
            "valid_until": "2099-12-31", "note": "contract 7"}
    async with http.post(node.url(BASE), data=form, headers=root.headers) as resp:
        created = await resp.json()
    # Then the entity is Mastodon's DomainAllow plus the permit fields
    assert resp.status == 200, created
    assert set(created) == {"id", "domain", "created_at", "number", "kind", "holder", "status",
                            "valid_until", "source", "note"}
    assert (created["domain"], created["kind"], created["status"]) == ("peer.example.cn", "filing", "active")
    assert (created["source"], created["valid_until"], created["holder"]) == ("admin-api", "2099-12-31", "示例公司")
    assert isinstance(created["id"], str)
    # And it can be read by id and is listed
    async with http.get(node.url(f"{BASE}/{created['id']}"), headers=root.headers) as resp:
        assert resp.status == 200 and await resp.json() == created
    async with http.get(node.url(BASE), headers=root.headers) as resp:
        assert [p["domain"] for p in await resp.json()] == ["peer.example.cn"]


async def test_posting_an_existing_domain_updates_it_in_place(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an allowed domain
    root = await node.account("root", role="admin")
    _, first = await create(node, http, root)
    # When it is posted again with a licence number
    status, second = await create(node, http, root, number="京ICP证123456号")
    # Then the same id now holds the licence
    assert status == 200
    assert (second["id"], second["number"], second["kind"]) == (first["id"], "京ICP证123456号", "licence")


async def test_suspend_revoke_activate_and_delete(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an allowed domain
    root = await node.account("root", role="admin")
    _, permit = await create(node, http, root)
    url = node.url(f"{BASE}/{permit['id']}")
    # When it is suspended, revoked with a note and activated
    statuses = []
    for action, body in (("suspend", {}), ("revoke", {"note": "fraud"}), ("activate", {})):
        async with http.post(f"{url}/{action}", json=body, headers=root.headers) as resp:
            assert resp.status == 200
            entity = await resp.json()
            statuses.append((entity["status"], entity["note"]))
    # Then each answer shows the new status (and the note where one was given)
    assert statuses == [("suspended", ""), ("revoked", "fraud"), ("active", "fraud")]
    # When deleted
    async with http.delete(url, headers=root.headers) as resp:
        assert resp.status == 200 and await resp.json() == {}
    # Then the id is unknown
    async with http.get(url, headers=root.headers) as resp:
        assert resp.status == 404
    async with http.delete(url, headers=root.headers) as resp:
        assert resp.status == 404


async def test_bad_number_domain_or_kind_is_422_naming_the_field(
        node: Node, http: aiohttp.ClientSession) -> None:
    root = await node.account("root", role="admin")
    # Given a malformed number, a URL for a domain and a kind that disagrees
    cases = [({"number": "ICP 12345"}, "number"), ({"domain": "https://peer.example.cn/"}, "domain"),
             ({"kind": "licence"}, "kind"), ({"domain": ""}, "domain")]
    for fields, name in cases:
        # When posted
        status, body = await create(node, http, root, **fields)
        # Then 422 with a message naming the field, and nothing stored
        assert status == 422
        assert body["error"].startswith(f"Validation failed: {name} ")
    async with http.get(node.url(BASE), headers=root.headers) as resp:
        assert await resp.json() == []


async def test_unknown_id_is_404(node: Node, http: aiohttp.ClientSession) -> None:
    root = await node.account("root", role="admin")
    for path in (f"{BASE}/123", f"{BASE}/not-a-number"):
        async with http.get(node.url(path), headers=root.headers) as resp:
            assert resp.status == 404
    async with http.post(node.url(f"{BASE}/123/suspend"), headers=root.headers) as resp:
        assert resp.status == 404


async def test_non_admins_are_refused(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user, a moderator, an admin token without admin scopes and an existing permit
    root = await node.account("root", role="admin")
    _, permit = await create(node, http, root)
    user = await node.account("alice")
    moderator = await node.account("mod", role="moderator")
    unscoped = await node.account("root2", role="admin", scopes="read write")
    # When they call the API
    async with http.get(node.url(BASE), headers=user.headers) as resp:
        user_read = resp.status
    async with http.get(node.url(BASE), headers=moderator.headers) as resp:
        moderator_read = resp.status
    moderator_write, _ = await create(node, http, moderator, domain="other.example.cn")
    async with http.post(node.url(f"{BASE}/{permit['id']}/revoke"), headers=moderator.headers) as resp:
        moderator_revoke = resp.status
    async with http.get(node.url(BASE), headers=unscoped.headers) as resp:
        unscoped_read = resp.status
    async with http.get(node.url(BASE)) as resp:
        anonymous = resp.status
    # Then only staff may read, only admins may write, and scopes are enforced
    assert (user_read, moderator_read, moderator_write, moderator_revoke) == (403, 200, 403, 403)
    assert (unscoped_read, anonymous) == (403, 401)
    async with http.get(node.url(f"{BASE}/{permit['id']}"), headers=root.headers) as resp:
        assert (await resp.json())["status"] == "active"


async def test_list_limit_and_next_link(node: Node, http: aiohttp.ClientSession) -> None:
    # Given three allowed domains
    root = await node.account("root", role="admin")
    for name in ("a", "b", "c"):
        await create(node, http, root, domain=f"{name}.example.cn")
    # When listed two at a time, following the Link header
    async with http.get(node.url(f"{BASE}?limit=2"), headers=root.headers) as resp:
        first = [p["domain"] for p in await resp.json()]
        link = resp.headers["Link"]
    next_url = link[link.index("<") + 1:link.index(">")]
    async with http.get(next_url, headers=root.headers) as resp:
        second = [p["domain"] for p in await resp.json()]
    # Then newest first, every domain once
    assert first == ["c.example.cn", "b.example.cn"]
    assert second == ["a.example.cn"]
