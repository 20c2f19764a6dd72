"""`api_versions.mastodon` advertises only the API level whose routes are served."""

from __future__ import annotations

import aiohttp

from node.version import API_LEVELS, api_level
from tests.conftest import Node


async def test_instance_advertises_the_level_it_serves(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    async with http.get(node.url("/api/v2/instance")) as reply:
        assert (await reply.json())["api_versions"] == {"mastodon": 2}
    # and what level 2 promises answers: grouped notifications
    async with http.get(node.url("/api/v2/notifications"), headers=alice.headers) as reply:
        assert reply.status == 200 and "notification_groups" in await reply.json()


def test_a_level_with_a_missing_route_is_not_advertised() -> None:
    level, routes = API_LEVELS[0]
    assert api_level(routes) == level
    assert api_level(routes[1:]) == 1
    assert api_level([]) == 1
