"""`python -m node accounts export`: an admin answering a person's request
for their data gets one zip with their posts, media, actor and Mastodon's
CSVs, and never their legal identity."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import aiohttp

from node.keys import DB
from tests.conftest import Node, Session, start_node, write_config
from tests.node.test_identity_canary import CANARY_NAME, CANARY_NUMBER, CANARY_SUBJECT
from tests.node.test_media import png, upload
from tests.test_cli import run


async def call(http: aiohttp.ClientSession, node: Node, who: Session, method: str, path: str,
               body: dict[str, Any] | None = None) -> Any:
    async with http.request(method, node.url(path), json=body or {}, headers=who.headers) as resp:
        assert resp.status == 200, (path, resp.status, await resp.text())
        return await resp.json()


async def seed_person(http: aiohttp.ClientSession, node: Node) -> tuple[Session, dict[str, Any]]:
    """alice: verified with a legal name and number, posts (one with an image),
    follows, blocks, mutes, a list, a bookmark and a like."""
    alice = await node.account("alice", verified=False)
    token = node.attestation(CANARY_SUBJECT, name=CANARY_NAME, id_number=CANARY_NUMBER)
    await call(http, node, alice, "POST", "/api/v1/identity/verify", {"attestation": token})
    bob, carol, dave = [await node.account(n) for n in ("bob", "carol", "dave")]
    status, media = await upload(http, node, alice, png(4, 4), description="a grey square")
    assert status == 200, media
    pictured = await call(http, node, alice, "POST", "/api/v1/statuses",
                          {"status": "a picture of my invoice template", "media_ids": [media["id"]]})
    await call(http, node, alice, "POST", "/api/v1/statuses", {"status": "second post, no spam here"})
    bobs = await call(http, node, bob, "POST", "/api/v1/statuses", {"status": "bob was here"})
    await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/follow",
               {"reblogs": False, "notify": True, "languages": ["zh", "en"]})
    await call(http, node, alice, "POST", f"/api/v1/accounts/{carol.account.id}/block")
    await call(http, node, alice, "POST", f"/api/v1/accounts/{dave.account.id}/mute", {"notifications": False})
    friends = await call(http, node, alice, "POST", "/api/v1/lists", {"title": "朋友 friends"})
    await call(http, node, alice, "POST", f"/api/v1/lists/{friends['id']}/accounts",
               {"account_ids": [str(bob.account.id)]})
    await call(http, node, alice, "POST", f"/api/v1/statuses/{bobs['id']}/bookmark")
    await call(http, node, alice, "POST", f"/api/v1/statuses/{bobs['id']}/favourite")
    return alice, {"pictured": pictured, "bobs": bobs}


async def test_export_holds_posts_media_graph_and_no_identity(tmp_path: Path) -> None:
    # Given a node where alice posted, follows, blocks, mutes, lists and bookmarks
    node, runner = await start_node(tmp_path / "n")
    try:
        async with aiohttp.ClientSession() as http:
            alice, seeded = await seed_person(http, node)
        domain = node.config.node.domain
        config = str(tmp_path / "n" / "config.toml")
        # When an admin exports her account
        out = tmp_path / "alice.zip"
        done = run("accounts", "export", "alice", "--out", str(out), "--config", config)
        assert done.returncode == 0, done.stderr
        # Then the zip holds the outbox of her Creates, the media they point at, the actor and the CSVs
        with zipfile.ZipFile(out) as zf:
            names = set(zf.namelist())
            files = {n: zf.read(n) for n in names}
        assert {"outbox.json", "actor.json", "likes.json", "bookmarks.json", "following_accounts.csv",
                "blocked_accounts.csv", "muted_accounts.csv", "lists.csv", "bookmarks.csv"} <= names
        outbox = json.loads(files["outbox.json"])
        assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 2
        assert {a["type"] for a in outbox["orderedItems"]} == {"Create"}
        pictured = next(a["object"] for a in outbox["orderedItems"] if a["object"]["id"] == seeded["pictured"]["uri"])
        [attachment] = pictured["attachment"]
        assert attachment["url"].startswith("media/") and attachment["name"] == "a grey square"
        assert files[attachment["url"]].startswith(b"\x89PNG")
        actor = json.loads(files["actor.json"])
        assert actor["id"] == alice.account.uri and actor["preferredUsername"] == "alice"
        assert json.loads(files["likes.json"])["orderedItems"] == [seeded["bobs"]["uri"]]
        assert json.loads(files["bookmarks.json"])["orderedItems"] == [seeded["bobs"]["uri"]]
        assert files["following_accounts.csv"].decode() == (
            "Account address,Show boosts,Notify on new posts,Languages\n"
            f'bob@{domain},false,true,"zh, en"\n')
        assert files["blocked_accounts.csv"].decode() == f"carol@{domain}\n"
        assert files["muted_accounts.csv"].decode() == f"Account address,Hide notifications\ndave@{domain},false\n"
        assert files["lists.csv"].decode() == f"朋友 friends,bob@{domain}\n"
        assert files["bookmarks.csv"].decode() == seeded["bobs"]["uri"] + "\n"
        # And nothing of her legal identity (nor her e-mail address) is in any file
        for name, data in files.items():
            for secret in (CANARY_NAME, CANARY_NUMBER, CANARY_SUBJECT, "alice@example.test"):
                assert secret.encode() not in data, (name, secret)
        # And the export is in the audit log
        actions = await node.app[DB].fetchall("SELECT actor, action FROM audit_log WHERE action = ?",
                                              ("admin.account_export",))
        assert [tuple(r) for r in actions] == [("cli", "admin.account_export")]
    finally:
        await runner.cleanup()


def test_export_refuses_unknown_user_and_unwritable_path_in_one_line(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    assert run("init", "--config", config).returncode == 0
    assert run("accounts", "create", "alice", "--email", "a@example.test", "--password", "correct horse",
               "--config", config).returncode == 0
    # When the user does not exist, or the file cannot be written
    unknown = run("accounts", "export", "nobody", "--out", str(tmp_path / "x.zip"), "--config", config)
    unwritable = run("accounts", "export", "alice", "--out", str(tmp_path / "no" / "such" / "x.zip"),
                     "--config", config)
    # Then each fails with one line and no traceback
    for result, words in ((unknown, "no local account 'nobody'"), (unwritable, "cannot write")):
        assert result.returncode == 1
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
