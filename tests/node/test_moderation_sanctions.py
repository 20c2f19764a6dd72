"""Sanctions (articles 7(7), 7(8), 14) seen through the client API."""

from __future__ import annotations

import aiohttp
import pytest

from node.keys import DB, IDENTITY
from policy import sanctions as sanction_policy
from policy.identity.enrolment import enrol
from storage import clock
from tests.conftest import Node, Session


async def _post(http: aiohttp.ClientSession, node: Node, who: Session, text: str) -> tuple[int, dict]:
    async with http.post(node.url("/api/v1/statuses"), json={"status": text}, headers=who.headers) as resp:
        return resp.status, await resp.json()


async def _act(http: aiohttp.ClientSession, node: Node, mod: Session, target: Session | int,
               **body: object) -> int:
    target_id = target if isinstance(target, int) else target.account.id
    async with http.post(node.url(f"/api/v1/admin/accounts/{target_id}/action"), json=body,
                         headers=mod.headers) as resp:
        return resp.status


async def _public_ids(http: aiohttp.ClientSession, node: Node, who: Session | None = None) -> list[str]:
    async with http.get(node.url("/api/v1/timelines/public"), headers=who.headers if who else {}) as resp:
        return [s["id"] for s in await resp.json()]


async def _home_ids(http: aiohttp.ClientSession, node: Node, who: Session) -> list[str]:
    async with http.get(node.url("/api/v1/timelines/home"), headers=who.headers) as resp:
        return [s["id"] for s in await resp.json()]


async def test_revoke_posting_then_restore(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user who posts and a moderator
    alice, mod = await node.account("alice"), await node.account("mod", role="moderator")
    assert (await _post(http, node, alice, "hello"))[0] == 200
    # When posting is revoked with a warning
    assert await _act(http, node, mod, alice, type="revoke_posting", text="Selling followers") == 200
    # Then a new post is refused with 403, and she was told why
    code, _body = await _post(http, node, alice, "again")
    assert code == 403
    async with http.get(node.url("/api/v1/notifications"), headers=alice.headers) as resp:
        notes = await resp.json()
    warning = notes[0]["moderation_warning"]
    assert notes[0]["type"] == "moderation_warning" and warning["text"] == "Selling followers"
    # When a moderator restores posting, she may post again
    async with http.post(node.url(f"/api/v1/admin/accounts/{alice.account.id}/restore_posting"),
                         headers=mod.headers) as resp:
        assert resp.status == 200 and (await resp.json())["posting_revoked"] is False
    assert (await _post(http, node, alice, "back"))[0] == 200


async def test_new_verification_restores_posting(node: Node, http: aiohttp.ClientSession) -> None:
    alice, mod = await node.account("alice"), await node.account("mod", role="moderator")
    assert await _act(http, node, mod, alice, type="revoke_posting") == 200
    # When she verifies her identity again
    await enrol(node.app[DB], node.app[IDENTITY], alice.account.id, node.attestation("subject-alice"),
                now=clock.now())
    # Then she may post, and the lifting is audited
    assert (await _post(http, node, alice, "verified again"))[0] == 200
    actions = [r[0] for r in await node.app[DB].fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["account.revoke_posting", "account.restore_posting"]


async def test_suspend_refuses_token_and_hides_statuses(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    mod = await node.account("mod", role="moderator")
    _, status = await _post(http, node, alice, "a public post")
    assert status["id"] in await _public_ids(http, node)
    # When alice is suspended
    assert await _act(http, node, mod, alice, type="suspend", text="fraud") == 200
    # Then her token is refused, her statuses leave the timeline and the status API
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=alice.headers) as resp:
        assert resp.status == 403
    assert status["id"] not in await _public_ids(http, node, bob)
    async with http.get(node.url(f"/api/v1/statuses/{status['id']}"), headers=bob.headers) as resp:
        assert resp.status == 404
    # And the admin API shows her suspended, without any identity data
    async with http.get(node.url(f"/api/v1/admin/accounts/{alice.account.id}"), headers=mod.headers) as resp:
        shown = await resp.json()
    assert shown["suspended"] is True and shown["identity_verified"] is True
    assert not {"name", "id_number", "subject_hash", "authority"} & set(shown)
    # When unsuspended, it all comes back
    async with http.post(node.url(f"/api/v1/admin/accounts/{alice.account.id}/unsuspend"),
                         headers=mod.headers) as resp:
        assert resp.status == 200
    assert status["id"] in await _public_ids(http, node, bob)


async def test_silence_leaves_public_timeline_but_not_followers(node: Node, http: aiohttp.ClientSession) -> None:
    alice, follower, stranger = await node.account("alice"), await node.account("fan"), await node.account("x")
    mod = await node.account("mod", role="moderator")
    async with http.post(node.url(f"/api/v1/accounts/{alice.account.id}/follow"), headers=follower.headers) as resp:
        assert resp.status == 200
    _, status = await _post(http, node, alice, "limited post")
    # When alice is limited
    assert await _act(http, node, mod, alice, type="silence") == 200
    # Then the public timeline of a stranger or a visitor leaves her out; her follower still sees her
    assert status["id"] not in await _public_ids(http, node, stranger)
    assert status["id"] not in await _public_ids(http, node)
    assert status["id"] in await _home_ids(http, node, follower)
    assert status["id"] in await _public_ids(http, node, follower)


async def test_identity_scope_hits_every_account_of_the_person(node: Node, http: aiohttp.ClientSession) -> None:
    # Given two accounts verified for the same person, and an unrelated one
    one = await node.account("one", verified=False)
    two = await node.account("two", verified=False)
    other = await node.account("other")
    mod = await node.account("mod", role="moderator")
    for who in (one, two):
        await enrol(node.app[DB], node.app[IDENTITY], who.account.id, node.attestation("same-subject"),
                    now=clock.now())
    # When one of them is sanctioned with scope=identity
    assert await _act(http, node, mod, one, type="revoke_posting", scope="identity", text="one person") == 200
    # Then both are refused, the unrelated account is not
    assert (await _post(http, node, one, "x"))[0] == 403
    assert (await _post(http, node, two, "x"))[0] == 403
    assert (await _post(http, node, other, "x"))[0] == 200
    # And one audit record names the identity by its keyed hash only
    rows = await node.app[DB].fetchall("SELECT target_type, target_id, details_json FROM audit_log")
    assert len(rows) == 1 and rows[0]["target_type"] == "identity"
    subject = await node.app[DB].fetchval("SELECT subject_hash FROM identities WHERE account_id = ?",
                                          (one.account.id,))
    assert rows[0]["target_id"] == subject and "same-subject" not in rows[0]["details_json"]
    # An account with no identity cannot be sanctioned by identity
    bare = await node.account("bare", verified=False)
    assert await _act(http, node, mod, bare, type="silence", scope="identity") == 422


async def test_expired_sanction_stops_applying(node: Node, http: aiohttp.ClientSession) -> None:
    alice, mod = await node.account("alice"), await node.account("mod", role="moderator")
    assert await _act(http, node, mod, alice, type="revoke_posting", duration_hours=1) == 200
    assert (await _post(http, node, alice, "x"))[0] == 403
    # When its end has passed (moved into the past) and the sweep runs
    await node.app[DB].execute("UPDATE account_sanctions SET expires_at = '2000-01-01T00:00:00.000Z'")
    assert await sanction_policy.lift_expired(node.app[DB]) == 1
    # Then she may post again
    assert (await _post(http, node, alice, "x"))[0] == 200


async def test_admin_accounts_listing_and_scopes(node: Node, http: aiohttp.ClientSession) -> None:
    alice, mod = await node.account("alice"), await node.account("mod", role="moderator")
    assert await _act(http, node, mod, alice, type="silence") == 200
    async with http.get(node.url("/api/v1/admin/accounts?silenced=true"), headers=mod.headers) as resp:
        assert [a["username"] for a in await resp.json()] == ["alice"]
    async with http.get(node.url("/api/v1/admin/accounts?staff=true"), headers=mod.headers) as resp:
        assert [a["username"] for a in await resp.json()] == ["mod"]
    async with http.get(node.url("/api/v1/admin/accounts?username=ali"), headers=mod.headers) as resp:
        assert [a["username"] for a in await resp.json()] == ["alice"]
    # A plain user may not act; a moderator may not sanction an admin or themselves; bad types are 422
    admin = await node.account("boss", role="admin")
    assert await _act(http, node, alice, mod, type="suspend") == 403
    assert await _act(http, node, mod, admin, type="suspend") == 403
    assert await _act(http, node, mod, mod, type="suspend") == 403
    assert await _act(http, node, mod, alice, type="explode") == 422


async def test_follow_rate_limit(node: Node, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a limit of two follows a day
    monkeypatch.setattr(sanction_policy, "FOLLOW_LIMIT", 2)
    fan = await node.account("fan", verified=False)
    targets = [await node.account(f"t{i}", verified=False) for i in range(3)]
    codes = []
    for target in targets:
        async with http.post(node.url(f"/api/v1/accounts/{target.account.id}/follow"), headers=fan.headers) as resp:
            codes.append((resp.status, (await resp.json()).get("error")))
    # Then the third is refused with 429
    assert codes[:2] == [(200, None), (200, None)] and codes[2] == (429, "Too many follow requests")


async def test_follower_bursts(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a target followed by three new unverified accounts and one verified one
    target = await node.account("star")
    mod = await node.account("mod", role="moderator")
    for i in range(3):
        fan = await node.account(f"fan{i}", verified=False)
        async with http.post(node.url(f"/api/v1/accounts/{target.account.id}/follow"), headers=fan.headers):
            pass
    async with http.get(node.url("/api/v1/admin/follower_bursts?hours=24&min=3"), headers=mod.headers) as resp:
        bursts = await resp.json()
    assert len(bursts) == 1 and bursts[0]["account"]["username"] == "star"
    assert bursts[0]["from_new_accounts"] == 3 and bursts[0]["from_unverified_accounts"] == 3
    async with http.get(node.url("/api/v1/admin/follower_bursts?min=4"), headers=mod.headers) as resp:
        assert await resp.json() == []
