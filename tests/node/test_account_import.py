"""Every one of Mastodon's CSVs that a person exports imports again: a
second account that imports alice's five files exports the same five
files; overwriting replaces what the account had."""

from __future__ import annotations

import asyncio

import aiohttp

from node.keys import DB
from tests.conftest import Node
from tests.node.test_account_export_pages import browser_session, fetch, signed_in, upload
from tests.test_cli_export import seed_person

FILES = {"following": "follows", "blocking": "blocks", "muting": "mutes", "lists": "lists",
         "bookmarks": "bookmarks"}


async def all_finished(node: Node) -> None:
    for _ in range(400):
        if not await node.app[DB].fetchval("SELECT count(*) FROM account_imports WHERE state IN ('queued', 'running')"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the imports did not finish")


async def exported(browser: aiohttp.ClientSession, node: Node) -> dict[str, str]:
    files = {}
    for kind, name in FILES.items():
        status, _, data = await fetch(browser, node, f"/settings/exports/{name}.csv")
        assert status == 200
        files[kind] = data.decode()
    return files


async def test_each_csv_imports_what_it_exported(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's five files, as she downloads them
    await seed_person(http, node)
    await node.account("twin")
    async with browser_session() as browser:
        await signed_in(browser, node, "alice")
        theirs = await exported(browser, node)
    assert all(text.strip() for text in theirs.values())
    async with browser_session() as browser:
        twin = await signed_in(browser, node, "twin")
        # When her twin imports each of them
        for kind, text in theirs.items():
            assert (await upload(twin, kind, text.encode())).status == 303
        await all_finished(node)
        # Then the twin's files are hers, row for row
        assert await exported(browser, node) == theirs
        counts = await node.app[DB].fetchall("SELECT kind, imported, skipped FROM account_imports ORDER BY id")
        assert [tuple(r) for r in counts] == [(k, 1, 0) for k in FILES]
        # And overwriting the follows with only dave's address unfollows bob (and he leaves the list)
        domain = node.config.node.domain
        only_dave = f"Account address,Show boosts,Notify on new posts,Languages\ndave@{domain},true,false,\n"
        assert (await upload(twin, "following", only_dave.encode(), mode="overwrite")).status == 303
        await all_finished(node)
        now = await exported(browser, node)
        assert now["following"] == only_dave
        assert now["lists"] == ""


async def test_uploads_that_are_not_csv_are_refused_on_the_page(node: Node) -> None:
    await node.account("alice")
    async with browser_session() as browser:
        page = await signed_in(browser, node, "alice")
        # When she uploads what is not a CSV of addresses
        for data in (b"\xff\xfe\x00b\x00o\x00b", b"", b"a\x00b@c.example\n", b'"unclosed,\n', b"\n\n"):
            refused = await upload(page, "blocking", data)
            # Then the page says so, with a 4xx and never a 5xx
            assert refused.status in (400, 422), (data, refused.status)
            assert 'class="error"' in refused.text
        async with browser.post(node.url("/settings/import"), data={"type": "blocking"},
                                allow_redirects=False) as resp:
            assert resp.status == 400
    assert await node.app[DB].fetchval("SELECT count(*) FROM account_imports") == 0
