"""PermitGate: the registry in SQLite, the declaration cache and its TTL.

The declared-number lookup stands in for a remote node's NodeInfo (the
federation layer supplies the real one); it counts how often it is asked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from policy import permits
from policy.permit_gate import DeclarationLookupError, PermitGate
from storage.database import Database, open_database
from storage.ids import IdGenerator
from tests import backends

NUMBER = "京ICP备12345678号-1"
HOST = "peer.example.cn"
START = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.timezone.utc)  # 12:00 in Beijing


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += dt.timedelta(seconds=seconds)


class RemoteNode:
    """What a peer declares in NodeInfo metadata.permit, and how often asked."""

    def __init__(self, declares: str | None = NUMBER) -> None:
        self.declares: str | None = declares
        self.failing = False
        self.asked: list[str] = []

    async def __call__(self, host: str) -> str | None:
        self.asked.append(host)
        await asyncio.sleep(0.01)  # a network round trip: other checks run meanwhile
        if self.failing:
            raise DeclarationLookupError("connection refused")
        return self.declares


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(backends.target_for(tmp_path / "node.sqlite3")) as database:
        yield database


async def add(db: Database, host: str = HOST, number: str = NUMBER, **extra: str) -> None:
    await permits.add_permit(db, IdGenerator(), permits.validate_entry(host, number, **extra))


def gate(db: Database, remote: RemoteNode, clock: Clock, *, required: bool = False) -> PermitGate:
    return PermitGate(db, remote, require_declared=required, cache_seconds=600, retry_seconds=60,
                      local_host="self.example.cn", local_permit="京ICP备11111111号", now=clock)


async def test_declaration_is_fetched_once_within_the_ttl_and_again_after(db: Database) -> None:
    # Given a permitted peer and a gate caching declarations for 600 s
    await add(db)
    remote, clock = RemoteNode(), Clock()
    checker = gate(db, remote, clock, required=True)
    # When it is checked three times within the TTL
    first = await checker.check(HOST)
    clock.advance(300)
    await checker.check(HOST)
    clock.advance(299)
    await checker.check(HOST.upper() + ":443")
    # Then the peer was asked once, and the decision is permitted
    assert first.permitted and first.reason == "permitted"
    assert remote.asked == [HOST]
    # When the TTL has passed
    clock.advance(2)
    await checker.check(HOST)
    # Then the peer is asked again
    assert remote.asked == [HOST, HOST]


async def test_concurrent_checks_ask_the_peer_once(db: Database) -> None:
    # Given a permitted peer not asked yet
    await add(db)
    remote, clock = RemoteNode(), Clock()
    checker = gate(db, remote, clock)
    # When ten requests from it arrive at once
    decisions = await asyncio.gather(*(checker.check(HOST) for _ in range(10)))
    # Then all are decided and the peer was asked once
    assert all(d.permitted for d in decisions)
    assert remote.asked == [HOST]


async def test_cache_is_shared_through_the_database(db: Database) -> None:
    # Given one gate that has fetched a declaration
    await add(db)
    remote, clock = RemoteNode(), Clock()
    await gate(db, remote, clock).check(HOST)
    # When a second gate (another process) checks within the TTL
    await gate(db, remote, clock).check(HOST)
    # Then it uses the stored declaration rather than asking again
    assert remote.asked == [HOST]


async def test_mismatch_is_refused_and_logged_with_both_numbers(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    # Given a peer declaring a number other than the registry's
    await add(db)
    remote = RemoteNode(declares="京ICP备87654321号")
    # When checked
    with caplog.at_level(logging.WARNING, logger="policy.permit_gate"):
        decision = await gate(db, remote, Clock()).check(HOST)
    # Then it is refused and the warning names both numbers
    assert (decision.permitted, decision.reason) == (False, "declared_mismatch")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(NUMBER in w and "京ICP备87654321号" in w for w in warnings)


async def test_unlisted_and_suspended_hosts_are_never_asked(db: Database) -> None:
    # Given one unlisted host and one suspended permit
    await add(db, "suspended.example.cn")
    await permits.change_status(db, "suspended.example.cn", "suspended")
    remote = RemoteNode()
    checker = gate(db, remote, Clock())
    # When both are checked
    unlisted = await checker.check("unlisted.example.cn")
    suspended = await checker.check("suspended.example.cn")
    # Then both are refused without contacting them (article 7(6))
    assert (unlisted.reason, suspended.reason) == ("no_permit", "suspended")
    assert remote.asked == []


async def test_suspension_takes_effect_despite_a_cached_declaration(db: Database) -> None:
    # Given a permitted peer whose declaration is cached
    await add(db)
    remote, clock = RemoteNode(), Clock()
    checker = gate(db, remote, clock)
    assert (await checker.check(HOST)).permitted
    # When the admin revokes its permit
    await permits.change_status(db, HOST, "revoked")
    # Then the next check refuses at once
    assert (await checker.check(HOST)).reason == "revoked"


async def test_expiry_follows_the_beijing_calendar(db: Database) -> None:
    # Given a permit valid through 2026-11-23 and 15:59 UTC that day
    # (23:59 in Beijing)
    await add(db, valid_until="2026-11-23")
    clock = Clock()
    clock.moment = dt.datetime(2026, 11, 23, 15, 59, tzinfo=dt.timezone.utc)
    checker = gate(db, RemoteNode(), clock)
    # When checked a minute before and after Beijing midnight
    before = await checker.check(HOST)
    clock.advance(120)
    after = await checker.check(HOST)
    # Then the last valid day is inclusive in China Standard Time
    assert (before.reason, after.reason) == ("permitted", "expired")


async def test_failed_lookup_is_retried_sooner_and_unknown_is_refused_when_required(
        db: Database) -> None:
    # Given a permitted peer that cannot be reached and a node requiring declarations
    await add(db)
    remote, clock = RemoteNode(), Clock()
    remote.failing = True
    required, optional = gate(db, remote, clock, required=True), gate(db, remote, clock)
    # When checked
    refused = await required.check(HOST)
    allowed = await optional.check(HOST)
    # Then a required declaration is missing, an optional one falls back on the registry,
    # and the failure is cached for retry_seconds only
    assert (refused.reason, allowed.reason) == ("declaration_missing", "permitted")
    assert len(remote.asked) == 1
    remote.failing = False
    clock.advance(61)
    assert (await required.check(HOST)).reason == "permitted"
    assert len(remote.asked) == 2


async def test_nothing_declared_is_cached_as_nothing(db: Database) -> None:
    # Given a peer that answers but declares no number
    await add(db)
    remote, clock = RemoteNode(declares=None), Clock()
    # When checked by a node requiring declarations, twice
    first = await gate(db, remote, clock, required=True).check(HOST)
    second = await gate(db, remote, clock, required=True).check(HOST)
    # Then it is refused both times, asked once
    assert (first.reason, second.reason) == ("declaration_missing", "declaration_missing")
    assert remote.asked == [HOST]


async def test_self_and_invalid_hosts(db: Database) -> None:
    remote = RemoteNode()
    checker = gate(db, remote, Clock(), required=True)
    # Given the node's own host and a string that is not a host
    own = await checker.check("SELF.example.cn:443")
    bad = await checker.check("https://peer.example.cn/inbox")
    # Then the node itself is permitted under its own number, the other refused
    assert (own.permitted, own.reason, own.number) == (True, "self", "京ICP备11111111号")
    assert (bad.permitted, bad.reason) == (False, "no_permit")
    assert remote.asked == []
