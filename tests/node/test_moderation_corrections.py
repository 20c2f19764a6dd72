"""False information and its correction (article 7(5)), as readers see it."""

from __future__ import annotations

import aiohttp

from node.keys import DB
from tests.conftest import Node, Session


async def _post(http: aiohttp.ClientSession, node: Node, who: Session, text: str) -> dict:
    async with http.post(node.url("/api/v1/statuses"), json={"status": text}, headers=who.headers) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_correction_warns_every_reader_and_is_published(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a status with a false claim, a reader and a moderator
    author, reader = await node.account("author"), await node.account("reader")
    mod = await node.account("mod", role="moderator")
    status = await _post(http, node, author, "The river flooded the whole city today")
    # When the moderator marks it with a correction
    url = node.url(f"/api/v1/admin/statuses/{status['id']}/correction")
    async with http.post(url, json={"text": "No flooding occurred", "source_url": "https://gov.example.cn/n/1"},
                         headers=mod.headers) as resp:
        assert resp.status == 200
        correction = await resp.json()
    # Then a reader sees a server-side warn FilterResult on it, without any filter of their own
    async with http.get(node.url(f"/api/v1/statuses/{status['id']}"), headers=reader.headers) as resp:
        seen = await resp.json()
    (result,) = seen["filtered"]
    assert result["filter"]["filter_action"] == "warn" and result["filter"]["title"] == "No flooding occurred"
    assert result["filter"]["id"] == f"correction-{correction['id']}"
    assert result["status_matches"] == [status["id"]] and result["keyword_matches"] is None
    assert set(result["filter"]["context"]) == {"home", "notifications", "public", "thread", "account"}
    # And so does a visitor, and the public timeline carries it too
    async with http.get(node.url(f"/api/v1/statuses/{status['id']}")) as resp:
        assert (await resp.json())["filtered"][0]["filter"]["filter_action"] == "warn"
    async with http.get(node.url("/api/v1/timelines/public"), headers=reader.headers) as resp:
        timeline = {s["id"]: s for s in await resp.json()}
    assert timeline[status["id"]]["filtered"][0]["filter"]["title"] == "No flooding occurred"
    # And the official account published the correction, linking the original and the source
    official = timeline[correction["correction_status_id"]]
    assert official["account"]["username"] == node.config.node.official_account
    assert official["visibility"] == "public" and "更正 Correction: No flooding occurred" in official["content"]
    assert status["url"] in official["content"] and "gov.example.cn" in official["content"]
    # And the status's page shows the notice; /corrections lists it as HTML and JSON
    async with http.get(status["url"]) as resp:
        assert "No flooding occurred" in await resp.text()
    async with http.get(node.url("/corrections")) as resp:
        assert resp.status == 200 and "No flooding occurred" in await resp.text()
    async with http.get(node.url("/corrections"), headers={"Accept": "application/json"}) as resp:
        assert [c["status_id"] for c in await resp.json()] == [status["id"]]
    async with http.get(node.url("/api/v1/corrections")) as resp:
        assert (await resp.json())[0]["source_url"] == "https://gov.example.cn/n/1"
    # And the mark is audited
    assert await node.app[DB].fetchval("SELECT action FROM audit_log") == "status.correction"


async def test_correction_removed_and_scopes(node: Node, http: aiohttp.ClientSession) -> None:
    author, mod = await node.account("author"), await node.account("mod", role="moderator")
    status = await _post(http, node, author, "claim")
    url = node.url(f"/api/v1/admin/statuses/{status['id']}/correction")
    # A plain user may not mark; blank text is refused
    async with http.post(url, json={"text": "x"}, headers=author.headers) as resp:
        assert resp.status == 403
    async with http.post(url, json={"text": " "}, headers=mod.headers) as resp:
        assert resp.status == 422
    async with http.post(url, json={"text": "not so"}, headers=mod.headers) as resp:
        assert resp.status == 200
    async with http.get(url, headers=mod.headers) as resp:
        assert (await resp.json())["text"] == "not so"
    # When removed, the warning goes
    async with http.delete(url, headers=mod.headers) as resp:
        assert resp.status == 200
    async with http.get(node.url(f"/api/v1/statuses/{status['id']}"), headers=author.headers) as resp:
        assert (await resp.json())["filtered"] == []
    async with http.get(url, headers=mod.headers) as resp:
        assert resp.status == 404
