"""Three live nodes driven the way people drive them: through the Mastodon
client API of each node, never by writing rows.

`north` and `south` hold each other's permits; `rogue` holds theirs (so its
users try to reach them) but is in neither registry. `Client` wraps one
user's token on one node; `quiet` waits (bounded) until every node's
delivery queue and inbox are idle, so what a user sees next is final.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import Node, Session, start_node
from tests.federation.nodes import PERMITS, Peers, permit, quiet
from tests.node.test_screening_api import CATEGORIES, write_lists

REVIEW_TEXT = "cheap fake invoice service"  # held for review by CATEGORIES


@dataclass
class Client:
    node: Node
    session: Session
    http: aiohttp.ClientSession

    @property
    def acct(self) -> str:
        return f"{self.session.account.username}@{self.node.config.node.domain}"

    async def call(self, method: str, path: str, expect: int | None = 200, **kwargs: Any) -> Any:
        async with self.http.request(method, self.node.url(path), headers=self.session.headers, **kwargs) as resp:
            body = await resp.json(content_type=None)
            assert expect is None or resp.status == expect, (method, path, resp.status, body)
            return body

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params)

    async def resolve(self, other: Client) -> dict[str, Any]:
        """`other`'s account as this node knows it, found by search with resolve."""
        found = await self.get("/api/v2/search", q=f"@{other.acct}", resolve="true", type="accounts")
        local = other.node is self.node
        assert [a["acct"] for a in found["accounts"]] == [other.session.account.username if local else other.acct]
        return found["accounts"][0]

    async def follow(self, other: Client) -> dict[str, Any]:
        account = await self.resolve(other)
        return await self.call("POST", f"/api/v1/accounts/{account['id']}/follow")

    async def post(self, text: str, **extra: Any) -> dict[str, Any]:
        return await self.call("POST", "/api/v1/statuses", json={"status": text, **extra})

    async def home(self) -> list[dict[str, Any]]:
        return await self.get("/api/v1/timelines/home")

    async def notifications(self) -> list[tuple[str, str]]:
        """(type, acct of who) newest first."""
        return [(n["type"], n["account"]["acct"]) for n in await self.get("/api/v1/notifications")]

    async def find(self, uri: str) -> dict[str, Any] | None:
        """The status with this uri as this user sees it here (from the home timeline)."""
        for status in await self.home():
            for candidate in (status, status.get("reblog")):
                if candidate and candidate["uri"] == uri:
                    return candidate
        return None

    async def status(self, status_id: str, expect: int = 200) -> Any:
        return await self.call("GET", f"/api/v1/statuses/{status_id}", expect=expect)


@dataclass
class Three:
    north: Node
    south: Node
    rogue: Node
    http: aiohttp.ClientSession

    async def user(self, node: Node, name: str, **kwargs: Any) -> Client:
        return Client(node, await node.account(name, **kwargs), self.http)

    async def quiet(self, timeout: float = 20.0) -> None:
        """Every node idle: nothing due in a delivery queue, nothing unapplied in an inbox."""
        await quiet([self.north, self.south, self.rogue], timeout)


@pytest.fixture
async def three(tmp_path: Path) -> AsyncIterator[Three]:
    write_lists(tmp_path / "node0")
    # every node holds links to hosts without a permit for review; south
    # (only) lets friends.example be linked, so its posts may carry such links
    extras = ['links = "review"', 'links = "review"\nlink_allow_hosts = ["friends.example"]', ""]
    # north screens with the test categories (REVIEW_TEXT is held there); the others do not
    screening = [CATEGORIES, "", ""]
    started = [await start_node(tmp_path / f"node{i}", permit=PERMITS[i], screening=screening[i],
                                extra=extras[i]) for i in range(3)]
    peers = Peers([n for n, _ in started], [r for _, r in started])
    north, south, rogue = peers.nodes
    await permit(north, south)
    await permit(south, north)
    await permit(rogue, north)  # rogue's users try; neither north nor south lists rogue
    await permit(rogue, south)
    async with aiohttp.ClientSession() as http:
        yield Three(north, south, rogue, http)
    await peers.close()
