"""Article 7(6) links: the pure decision, and what a client sees when posting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from node.keys import DB, IDS
from policy import permits
from policy.links import LinkRules, allow_listed, decide_links, url_host
from policy.permits import PeerDecision
from storage import screening as screening_store
from storage import statuses
from tests.conftest import Node, start_node
from tests.federation.test_delivery_support import PERMIT_NUMBER

OK = PeerDecision(True, "ok.example.cn", "permitted", "ok.example.cn holds licence X")
NO = PeerDecision(False, "bad.example", "no_permit", "no permit for bad.example is in the registry")
REVOKED = PeerDecision(False, "gone.example.cn", "revoked", "the permit of gone.example.cn is revoked")
VERDICTS = {"ok.example.cn": OK, "bad.example": NO, "gone.example.cn": REVOKED}
URLS = ["https://ok.example.cn/a", "https://bad.example/x?y=1", "https://gone.example.cn/", "https://bad.example/2"]


def test_permitted_hosts_are_linked_and_the_rest_follow_the_mode() -> None:
    for mode, action in (("unlink", "accept"), ("review", "review"), ("reject", "reject")):
        decision = decide_links(URLS, VERDICTS, LinkRules(mode))
        assert decision.action == action
        assert [(h.host, h.linked, h.reason) for h in decision.hosts] == [
            ("ok.example.cn", True, "permitted"), ("bad.example", False, "no_permit"),
            ("gone.example.cn", False, "revoked")]
        assert "bad.example" in decision.message


def test_all_permitted_is_accepted_whatever_the_mode() -> None:
    decision = decide_links(["https://ok.example.cn/"], VERDICTS, LinkRules("reject"))
    assert decision.action == "accept" and decision.unlinked == () and decision.message == ""


def test_allow_list_hosts_and_subdomains_are_linked_without_a_permit() -> None:
    rules = LinkRules("reject", ("bad.example", "*.docs.example"))
    decision = decide_links(["https://bad.example/", "https://api.docs.example/v1"], {}, rules)
    assert decision.action == "accept"
    assert {h.reason for h in decision.hosts} == {"allow_list"}
    assert allow_listed("docs.example", ("*.docs.example",)) is False


def test_link_policy_for_rendering_unlinks_by_hostname() -> None:
    policy = decide_links(URLS, VERDICTS, LinkRules("unlink")).link_policy()
    assert policy("ok.example.cn") == "link"
    assert policy("bad.example") == "unlink" and policy("BAD.example") == "unlink"


def test_hosts_are_normalised_as_the_registry_does() -> None:
    assert url_host("https://例子.中国:443/x") == "xn--fsqu00a.xn--fiqs8s"
    assert url_host("http://127.0.0.1:8080/") == "127.0.0.1:8080"


# ---- through the client API -------------------------------------------------------

async def _node(tmp_path: Path, mode: str) -> tuple[Node, aiohttp.ClientSession, web.AppRunner]:
    extra = f'links = "{mode}"\nlink_allow_hosts = ["friends.example"]'
    node, runner = await start_node(tmp_path / mode, extra=extra)
    entry = permits.validate_entry("permitted.example.cn", PERMIT_NUMBER)
    await permits.import_permits(node.app[DB], node.app[IDS], [entry])
    return node, aiohttp.ClientSession(), runner


async def _post(node: Node, http: aiohttp.ClientSession, token: dict[str, str], status: str) -> tuple[int, dict[str, Any]]:
    async with http.post(node.url("/api/v1/statuses"), headers=token, json={"status": status}) as resp:
        return resp.status, await resp.json()


TEXT = "see https://permitted.example.cn/a and https://unlicensed.example/b and https://friends.example/c"


async def test_unlink_publishes_with_the_unpermitted_url_as_text(tmp_path: Path) -> None:
    node, http, runner = await _node(tmp_path, "unlink")
    try:
        alice = await node.account("alice")
        status, body = await _post(node, http, alice.headers, TEXT)
        assert status == 200
        content = body["content"]
        assert 'href="https://permitted.example.cn/a"' in content
        assert 'href="https://friends.example/c"' in content
        assert "https://unlicensed.example/b" in content and 'href="https://unlicensed.example' not in content
        row = await statuses.get_status(node.app[DB], int(body["id"]))
        assert row is not None and row.state == "published"
    finally:
        await http.close()
        await runner.cleanup()


async def test_review_holds_the_post(tmp_path: Path) -> None:
    node, http, runner = await _node(tmp_path, "review")
    try:
        alice = await node.account("alice")
        status, body = await _post(node, http, alice.headers, TEXT)
        assert status == 200
        row = await statuses.get_status(node.app[DB], int(body["id"]))
        assert row is not None and row.state == "pending"
        # And the moderators' queue says which link held it
        queue = await screening_store.list_queue(node.app[DB])
        assert [q.status_id for q in queue] == [row.id]
        assert [h["host"] for h in queue[0].decision["links"]] == ["unlicensed.example"]
        status, body = await _post(node, http, alice.headers, "only https://permitted.example.cn/ here")
        row = await statuses.get_status(node.app[DB], int(body["id"]))
        assert row is not None and row.state == "published"
    finally:
        await http.close()
        await runner.cleanup()


async def test_reject_refuses_with_422_naming_the_host(tmp_path: Path) -> None:
    node, http, runner = await _node(tmp_path, "reject")
    try:
        alice = await node.account("alice")
        status, body = await _post(node, http, alice.headers, TEXT)
        assert status == 422
        assert body["host"] == "unlicensed.example" and body["reason"] == "link_not_permitted"
        assert "unlicensed.example" in body["error"]
        status, _ = await _post(node, http, alice.headers, "https://friends.example/ is fine")
        assert status == 200
    finally:
        await http.close()
        await runner.cleanup()


@pytest.mark.parametrize("mode", ["reject"])
async def test_profile_links_are_vetted_too(tmp_path: Path, mode: str) -> None:
    node, http, runner = await _node(tmp_path, mode)
    try:
        alice = await node.account("alice")
        async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=alice.headers,
                              data={"note": "my shop https://unlicensed.example/"}) as resp:
            assert resp.status == 422 and (await resp.json())["host"] == "unlicensed.example"
    finally:
        await http.close()
        await runner.cleanup()
