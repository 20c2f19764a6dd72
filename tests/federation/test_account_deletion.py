"""Account deletion across two permitted nodes (issue #16, "Deletion").

ana on node A posts and is followed from node B; she deletes herself on
/settings/delete: her statuses and account are gone from both nodes' APIs,
her actor answers 410 on A, her username cannot be registered again, and
her identity record is kept, encrypted, until the retention sweep.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.deletion_setup import sweep_identities
from node.keys import DB, IDENTITY, IDS
from policy import audit as audit_chain
from policy.identity.enrolment import enrol
from storage import clock, relationships, remote
from storage.accounts import get_account
from storage.relationships import FollowOptions
from tests.conftest import Node
from tests.federation.nodes import AP_HEADERS, Peers, follow_remote, mutual_peers, remote_account, settle
from tests.node.admin_browser_client import PageClient
from tests.node.test_accounts import SIGN_UP, sign_up

LEGAL_NAME, ID_NUMBER = "赵六", "11010519491231002X"
RETENTION_DAYS = 180  # config.toml's default, which the test nodes keep


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path)
    yield started
    await started.close()


async def _get(http: aiohttp.ClientSession, node: Node, path: str, headers: dict[str, str],
               **kwargs: Any) -> tuple[int, Any]:
    async with http.get(node.url(path), headers=headers, **kwargs) as resp:
        return resp.status, await resp.json(content_type=None)


async def _deletion_state(node: Node, account_id: int, want: str, tries: int = 600) -> None:
    for _ in range(tries):
        found = await node.app[DB].fetchval("SELECT state FROM account_deletions WHERE account_id = ?",
                                            (account_id,))
        if found == want:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"deletion of {account_id} never reached {want}")


async def _audit(node: Node) -> list[tuple[str, str, str]]:
    rows = await node.app[DB].fetchall("SELECT action, actor, details_json FROM audit_log ORDER BY id")
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_deleted_account_is_gone_from_both_nodes_and_its_identity_purged_later(
        peers: Peers, http: aiohttp.ClientSession) -> None:
    a, b = peers.nodes
    ana, bob = await a.account("ana", verified=False), await b.account("bob")
    await enrol(a.app[DB], a.app[IDENTITY], ana.account.id,
                a.attestation("subject-ana", name=LEGAL_NAME, id_number=ID_NUMBER), now=clock.now())
    # Given bob on B follows ana (recorded on both nodes) and ana posts
    ana_there = await follow_remote(b, bob.account, ana.account)
    bob_here = await remote_account(a, bob.account)
    await relationships.follow(a.app[DB], a.app[IDS], bob_here.id, ana.account.id, FollowOptions(),
                               as_request=False)
    async with http.post(a.url("/api/v1/statuses"), headers=ana.headers, json={"status": "tea at five"}) as resp:
        posted = await resp.json()
        assert resp.status == 200, posted
    assert await settle(b, expect=1) == {"done": 1}
    copy = await remote.find_status_by_uri(b.app[DB], posted["uri"])
    assert copy is not None
    assert (await _get(http, b, f"/api/v1/statuses/{copy.id}", bob.headers))[0] == 200

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(a, browser)
        assert (await page.sign_in("ana")).status == 303
        shown = await page.get("/settings/delete")
        assert shown.status == 200 and "@ana" in shown.text and f"{RETENTION_DAYS}" in shown.text
        # When she deletes herself with her password
        done = await page.post("/settings/delete", {"password": "correct horse"},
                               token=await page.csrf("/settings/delete"))
        assert done.status == 200, done.text
        # Then this browser is signed out
        assert (await page.get("/settings/delete")).status == 303

    # and at once her token is dead, and she cannot sign in again
    assert (await _get(http, a, "/api/v1/accounts/verify_credentials", ana.headers))[0] == 401
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        again = await PageClient(a, browser).sign_in("ana")
        assert again.status == 422
    # Her account and statuses are gone from A's API, her actor answers 410, WebFinger 404
    await _deletion_state(a, ana.account.id, "done")
    assert (await _get(http, a, f"/api/v1/accounts/{ana.account.id}", {}))[0] == 404
    assert (await _get(http, a, f"/api/v1/statuses/{posted['id']}", {}))[0] == 404
    assert (await _get(http, a, "/api/v1/accounts/lookup", {}, params={"acct": "ana"}))[0] == 404
    status, tombstone = await _get(http, a, "/users/ana", AP_HEADERS)
    assert status == 410 and tombstone["type"] == "Tombstone" and tombstone["id"] == ana.account.uri
    assert tombstone["deleted"]
    webfinger = await _get(http, a, "/.well-known/webfinger", {}, params={"resource": "acct:ana@" + a.config.node.domain})
    assert webfinger[0] == 404
    # The Delete of her actor went to B signed by her, and her key went once it was delivered
    sent = await a.app[DB].fetchall("SELECT activity_id, signer_account_id, state FROM deliveries"
                                    " WHERE activity_id = ?", (ana.account.uri + "#delete",))
    assert [(s[1], s[2]) for s in sent] == [(ana.account.id, "done")]
    assert await a.app[DB].fetchval("SELECT private_key_pem FROM accounts WHERE id = ?", (ana.account.id,)) is None

    # On B, her status and account answer 404 and bob no longer follows her
    assert await settle(b, expect=2) == {"done": 2}
    assert (await _get(http, b, f"/api/v1/statuses/{copy.id}", bob.headers))[0] == 404
    assert (await _get(http, b, f"/api/v1/accounts/{ana_there.id}", bob.headers))[0] == 404
    status, rel = await _get(http, b, "/api/v1/accounts/relationships", bob.headers,
                             params={"id[]": str(ana_there.id)})
    assert status == 200 and all(not r["following"] for r in rel)
    assert (await _get(http, b, "/api/v1/timelines/home", bob.headers))[1] == []
    bob_now = await get_account(b.app[DB], bob.account.id)
    assert bob_now is not None and bob_now.following_count == 0

    # Her username cannot be registered again, in any case
    for name in ("ana", "ANA"):
        status, body = await sign_up(http, a, {**SIGN_UP, "username": name, "email": f"{name}2@example.test"})
        assert status == 422 and body["details"]["username"][0]["error"] == "ERR_TAKEN", body

    # Her identity record is still there, still encrypted, marked with the deletion
    kept = await a.app[DB].fetchone("SELECT name_blob, account_deleted_at FROM identities WHERE account_id = ?",
                                    (ana.account.id,))
    assert kept is not None and kept[0] and kept[1] and LEGAL_NAME not in kept[0] and ID_NUMBER not in kept[0]
    # When the sweep runs a day before the retention period ends, nothing goes
    deleted_at = clock.parse(kept[1])
    assert await sweep_identities(a.app, now=deleted_at + dt.timedelta(days=RETENTION_DAYS - 1)) == 0
    # and after it, the record is removed
    assert await sweep_identities(a.app, now=deleted_at + dt.timedelta(days=RETENTION_DAYS, hours=1)) == 1
    assert await a.app[DB].fetchval("SELECT count(*) FROM identities WHERE account_id = ?", (ana.account.id,)) == 0
    # Both steps are in the audit log, whose chain still verifies, with nothing of the identity in it
    entries = await _audit(a)
    deleted = [e for e in entries if e[0] == "account.deleted"]
    purged = [e for e in entries if e[0] == "identity.purged"]
    assert len(deleted) == 1 and deleted[0][1] == "ana" and '"by":"self"' in deleted[0][2].replace(" ", "")
    assert len(purged) == 1 and purged[0][1] == "system"
    assert not any(secret in str(entries) for secret in ("subject-ana", LEGAL_NAME, ID_NUMBER))
    assert (await audit_chain.verify_database(a.app[DB])).ok
