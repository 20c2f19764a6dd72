"""Reports (article 13): the client API, the public form, the admin API."""

from __future__ import annotations

import aiohttp
import pytest

from node.api import reports as report_api
from node.keys import DB, IDS
from storage.reports import create_report
from tests.conftest import Node, Session
from tests.node.test_oauth_authorize import parse_form
from tests.openapi import assert_matches


async def _post_status(http: aiohttp.ClientSession, node: Node, who: Session, text: str) -> dict:
    async with http.post(node.url("/api/v1/statuses"), json={"status": text}, headers=who.headers) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def _report(http: aiohttp.ClientSession, node: Node, who: Session, **body: object) -> tuple[int, dict]:
    async with http.post(node.url("/api/v1/reports"), json=body, headers=who.headers) as resp:
        return resp.status, await resp.json()


async def test_report_then_moderator_handles_it(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a spammer's status and a reader
    spammer, reader = await node.account("spammer"), await node.account("reader")
    mod = await node.account("mod", role="moderator")
    status = await _post_status(http, node, spammer, "buy followers cheap")
    # When the reader reports it
    code, report = await _report(http, node, reader, account_id=spammer.account.id, status_ids=[status["id"]],
                                 category="spam", comment="selling followers", forward=False)
    # Then a Report entity comes back
    assert code == 200
    assert report["category"] == "spam" and report["status_ids"] == [status["id"]]
    assert report["target_account"]["id"] == str(spammer.account.id) and report["action_taken"] is False
    # And moderators see it open, with the Admin::Report shape
    async with http.get(node.url("/api/v1/admin/reports"), headers=mod.headers) as resp:
        listed = await resp.json()
    assert [r["id"] for r in listed] == [report["id"]]
    assert listed[0]["account"]["username"] == "reader" and listed[0]["statuses"][0]["id"] == status["id"]
    assert "identity" not in str(listed[0]["target_account"]).replace("identity_verified", "")
    base = node.url(f"/api/v1/admin/reports/{report['id']}")
    # When a moderator assigns it, notes it and resolves it
    async with http.post(base + "/assign_to_self", headers=mod.headers) as resp:
        assert (await resp.json())["assigned_account"]["username"] == "mod"
    async with http.post(base + "/notes", json={"content": "checked: seller"}, headers=mod.headers) as resp:
        assert resp.status == 200 and (await resp.json())["content"] == "checked: seller"
    async with http.post(base + "/resolve", headers=mod.headers) as resp:
        resolved = await resp.json()
    # Then it is resolved, gone from the open list, listed with resolved=true, and can be reopened
    assert resolved["action_taken"] is True and resolved["action_taken_by_account"]["username"] == "mod"
    async with http.get(node.url("/api/v1/admin/reports"), headers=mod.headers) as resp:
        assert await resp.json() == []
    async with http.get(node.url("/api/v1/admin/reports?resolved=true"), headers=mod.headers) as resp:
        assert len(await resp.json()) == 1
    async with http.post(base + "/reopen", headers=mod.headers) as resp:
        assert (await resp.json())["action_taken"] is False
    actions = [r[0] for r in await node.app[DB].fetchall("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["report.assign_to_self", "report.note", "report.resolve", "report.reopen"]


async def test_report_validation_and_scopes(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    other = await _post_status(http, node, bob, "bob's post")
    # A status of another account, an unknown category, an unknown account
    assert (await _report(http, node, alice, account_id=alice.account.id, status_ids=[other["id"]]))[0] == 422
    assert (await _report(http, node, alice, account_id=bob.account.id, category="nonsense"))[0] == 422
    assert (await _report(http, node, alice, account_id="999"))[0] == 404
    # A plain user gets 403 on the admin API, even with admin scopes on the token
    for path in ("/api/v1/admin/reports", "/api/v1/admin/accounts"):
        async with http.get(node.url(path), headers=alice.headers) as resp:
            assert resp.status == 403


async def _form(http: aiohttp.ClientSession, node: Node) -> dict[str, str]:
    async with http.get(node.url("/report")) as resp:
        assert resp.status == 200
        return parse_form(await resp.text()).fields


async def test_public_form_reports_without_an_account(node: Node, http: aiohttp.ClientSession,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a post and a visitor with no account
    spammer = await node.account("spammer")
    status = await _post_status(http, node, spammer, "gambling ads here")
    fields = await _form(http, node)
    data = {**fields, "target": status["url"], "category": "legal", "comment": "illegal ads"}
    # When the form is sent at once: refused as quicker than a person
    async with http.post(node.url("/report"), data=data) as resp:
        assert resp.status == 422 and "quicker" in await resp.text()
    # When sent after the minimum fill time
    monkeypatch.setattr(report_api, "MIN_FILL_SECONDS", 0.0)
    async with http.post(node.url("/report"), data=data) as resp:
        assert resp.status == 200 and "received" in await resp.text()
    # Then the report names the account and the status, from no one
    row = await node.app[DB].fetchone("SELECT * FROM reports")
    assert row["account_id"] is None and row["source"] == "form" and row["category"] == "legal"
    assert row["target_account_id"] == spammer.account.id and status["id"] in row["status_ids"]


async def test_public_form_honeypot_and_rate_limit(node: Node, http: aiohttp.ClientSession,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    await node.account("spammer")
    monkeypatch.setattr(report_api, "MIN_FILL_SECONDS", 0.0)
    fields = await _form(http, node)
    data = {**fields, "target": "@spammer", "category": "spam", "comment": "spam"}
    # When a bot fills the hidden field: it is thanked and nothing is stored
    async with http.post(node.url("/report"), data={**data, "website": "http://spam.example"}) as resp:
        assert resp.status == 200
    assert await node.app[DB].fetchval("SELECT count(*) FROM reports") == 0
    # When one address sends more than the limit, the extra ones are refused with 429
    codes = []
    for _ in range(report_api.FORM_LIMIT + 2):
        async with http.post(node.url("/report"), data=data) as resp:
            codes.append(resp.status)
    assert codes == [200] * report_api.FORM_LIMIT + [429, 429]
    assert await node.app[DB].fetchval("SELECT count(*) FROM reports") == report_api.FORM_LIMIT
    # The limit is kept in the database, by a keyed hash of the address, not the address
    hashes = [r[0] for r in await node.app[DB].fetchall("SELECT client_hash FROM report_form_hits")]
    assert len(hashes) == report_api.FORM_LIMIT and "127.0.0.1" not in hashes[0]


async def test_forged_start_time_is_refused(node: Node, http: aiohttp.ClientSession) -> None:
    await node.account("spammer")
    data = {"started": "1.0.deadbeef", "target": "@spammer", "category": "spam", "comment": "x"}
    async with http.post(node.url("/report"), data=data) as resp:
        assert resp.status == 422 and "expired" in await resp.text()


async def test_flag_entry_point_for_federation(node: Node) -> None:
    # Given the storage function inbound Flag activities call
    target = await node.account("target")
    row = await create_report(node.app[DB], node.app[IDS], reporter_account_id=None,
                              target_account_id=target.account.id, status_ids=[], category="other",
                              comment="from a peer", source="federation")
    assert row.source == "federation" and row.action_taken_at is None


async def _notifications(http: aiohttp.ClientSession, node: Node, who: Session) -> list[dict]:
    async with http.get(node.url("/api/v1/notifications"), headers=who.headers) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_staff_are_notified_of_a_new_report_once_per_open_case(node: Node,
                                                                     http: aiohttp.ClientSession) -> None:
    alice, bob, carol = await node.account("alice"), await node.account("bob"), await node.account("carol")
    mod, admin = await node.account("mod", role="moderator"), await node.account("root", role="admin")
    spam = await _post_status(http, node, bob, "cheap followers, fake invoices")
    # When alice reports bob
    status, report = await _report(http, node, alice, account_id=str(bob.account.id),
                                   status_ids=[spam["id"]], comment="spam", category="spam")
    assert status == 200
    # Then every moderator and admin is told, with the report and its target
    for staff in (mod, admin):
        notes = await _notifications(http, node, staff)
        assert_matches("/api/v1/notifications", "get", 200, notes)
        [note] = notes
        assert note["type"] == "admin.report" and note["account"]["id"] == str(alice.account.id)
        assert note["report"]["id"] == report["id"] and note["report"]["target_account"]["id"] == str(bob.account.id)
    assert await _notifications(http, node, carol) == []  # nobody else
    async with http.get(node.url("/api/v2/notifications"), headers=mod.headers) as resp:
        grouped = await resp.json()
    assert [g["report"]["id"] for g in grouped["notification_groups"]] == [report["id"]]
    # When carol reports bob too while the first report is open: no second notice
    await _report(http, node, carol, account_id=str(bob.account.id), comment="me too")
    assert len(await _notifications(http, node, mod)) == 1
    # A moderator's own report does not notify that moderator
    await _report(http, node, mod, account_id=str(carol.account.id), comment="testing")
    assert [n["account"]["id"] for n in await _notifications(http, node, admin)][0] == str(mod.account.id)
    assert len(await _notifications(http, node, mod)) == 1
