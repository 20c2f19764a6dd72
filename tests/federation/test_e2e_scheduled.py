"""A scheduled status, published by the worker, federates as a post does."""

from __future__ import annotations

import datetime as dt

from node.scheduled_setup import publish_due
from storage import clock
from tests.federation.e2e import Three, three

__all__ = ["three"]


async def test_a_scheduled_status_reaches_followers_on_another_node(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    await bob.follow(alice)
    await three.quiet()
    # When alice schedules a post, nothing goes out yet
    at = clock.iso(clock.now() + dt.timedelta(hours=1))
    scheduled = await alice.post("news at nine", scheduled_at=at)
    await three.quiet()
    assert scheduled["scheduled_at"] == at and await bob.home() == []
    # When its time comes, the worker publishes it and bob sees it at home
    assert await publish_due(three.north.app, clock.now() + dt.timedelta(hours=2)) == 1
    await three.quiet()
    (seen,) = await bob.home()
    assert "news at nine" in seen["content"] and seen["account"]["acct"] == alice.acct
