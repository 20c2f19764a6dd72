"""/settings/export and /settings/import in a browser: an archive asked
for, built in the background and downloaded by its owner only; the CSVs
at once; an upload imported in the background with skipped rows counted."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
import zipfile

import aiohttp
import pytest

from node import account_jobs
from node.keys import DB
from storage.clock import iso, now
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient, Reply
from tests.test_cli_export import seed_person



def browser_session() -> aiohttp.ClientSession:
    """A browser keeping cookies for a loopback address."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def signed_in(browser: aiohttp.ClientSession, node: Node, login: str) -> PageClient:
    page = PageClient(node, browser)
    token = await page.csrf("/auth/sign_in")
    done = await page.post("/auth/sign_in", {"login": login, "password": "correct horse",
                                             "next": "/settings/export"}, token=token)
    assert done.status == 303, done
    return page


async def fetch(browser: aiohttp.ClientSession, node: Node, path: str) -> tuple[int, str, bytes]:
    async with browser.get(node.url(path), allow_redirects=False) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.read()


async def archive_link(page: PageClient) -> str:
    """The download link once the worker has built the archive."""
    for _ in range(200):
        found = re.search(r'href="(/settings/exports/archive/[^"]+)"', (await page.get("/settings/export")).text)
        if found:
            return found.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError("the archive was not built")


async def test_archive_is_built_in_the_background_and_only_its_owner_downloads_it(
        node: Node, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    # Given alice with posts, media and a social graph, signed in
    await seed_person(http, node)
    async with browser_session() as browser, browser_session() as other:
        alice = await signed_in(browser, node, "alice")
        # When she asks for an archive, and again at once
        first = await alice.post("/settings/export", {}, token=await alice.csrf("/settings/export"))
        again = await alice.post("/settings/export", {}, token=await alice.csrf("/settings/export"))
        # Then the first is taken, the second refused for the day
        assert first.status == 303 and first.location == "/settings/export"
        assert again.status == 429 and "tomorrow" in again.text
        link = await archive_link(alice)
        status, kind, data = await fetch(browser, node, link)
        assert status == 200 and kind == "application/zip"
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert {"outbox.json", "actor.json", "following_accounts.csv"} <= set(zf.namelist())
        # And bob, signed in, gets a 404 at her link; someone not signed in is sent to sign in
        await signed_in(other, node, "bob")
        assert (await fetch(other, node, link))[0] == 404
        async with aiohttp.ClientSession() as stranger:
            status, _, _ = await fetch(stranger, node, link)
            assert status == 303
        # And a guessed link is a 404 for her too
        assert (await fetch(browser, node, "/settings/exports/archive/guessed"))[0] == 404
        # And seven days later the archive is gone, file and link
        await node.app[DB].execute("UPDATE account_exports SET expires_at = ?", (iso(now() - dt.timedelta(seconds=1)),))
        await account_jobs.remove_expired(node.app)
        assert (await fetch(browser, node, link))[0] == 404
        assert list(account_jobs.exports_dir(node.app).iterdir()) == []
    # And the access log names the archive's path without its secret
    assert "/settings/exports/archive/[FILTERED]" in caplog.text and link not in caplog.text
    audited = await node.app[DB].fetchval("SELECT count(*) FROM audit_log WHERE action = 'account.export_requested'")
    assert audited == 1


async def test_csvs_download_at_once_for_the_signed_in_owner(node: Node, http: aiohttp.ClientSession) -> None:
    await seed_person(http, node)
    domain = node.config.node.domain
    async with browser_session() as browser:
        await signed_in(browser, node, "alice")
        status, kind, data = await fetch(browser, node, "/settings/exports/follows.csv")
        assert status == 200 and kind.startswith("text/csv")
        assert data.decode().splitlines() == ["Account address,Show boosts,Notify on new posts,Languages",
                                              f'bob@{domain},false,true,"zh, en"']
        assert (await fetch(browser, node, "/settings/exports/blocks.csv"))[2].decode() == f"carol@{domain}\n"
        assert (await fetch(browser, node, "/settings/exports/secrets.csv"))[0] == 404
    async with aiohttp.ClientSession() as stranger:
        assert (await fetch(stranger, node, "/settings/exports/follows.csv"))[0] == 303


async def upload(page: PageClient, kind: str, data: bytes, *, mode: str = "merge",
                 token: str | None = "page") -> Reply:
    form = aiohttp.FormData()
    if token is not None:
        form.add_field("csrf_token", await page.csrf("/settings/import") if token == "page" else token)
    form.add_field("type", kind)
    form.add_field("mode", mode)
    form.add_field("file", io.BytesIO(data), filename="following_accounts.csv", content_type="text/csv")
    async with page.http.post(page.node.url("/settings/import"), data=form, allow_redirects=False) as resp:
        return Reply(resp.status, await resp.text(), resp.headers.get("Location", ""))


async def finished_counts(page: PageClient) -> tuple[str, str, str]:
    """(rows, imported, skipped) of the newest import once it is finished."""
    for _ in range(200):
        text = (await page.get("/settings/import")).text
        row = re.search(r'<tr id="import-\d+">(.*?)</tr>', text, flags=re.S)
        assert row is not None
        if "Finished" in row.group(1):
            cells = re.findall(r'class="(?:total|imported|skipped)">(\d+)<', row.group(1))
            return cells[0], cells[1], cells[2]
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def test_import_follows_locals_and_skips_what_it_cannot_have(node: Node) -> None:
    # Given alice and bob on this node
    await node.account("alice")
    bob = await node.account("bob")
    domain = node.config.node.domain
    text = ("Account address,Show boosts,Notify on new posts,Languages\n"
            f"bob@{domain},false,true,zh\n"
            "spammer@casino-ads.example,true,false,\n"
            "nobody-here,true,false,\n")
    async with browser_session() as browser:
        alice = await signed_in(browser, node, "alice")
        # When she uploads a following list without the form's token, too large, then rightly
        assert (await upload(alice, "following", text.encode(), token=None)).status == 403
        assert (await upload(alice, "following", b"x@y.example\n" * 200_000)).status == 413
        assert (await upload(alice, "nonsense", text.encode())).status == 422
        done = await upload(alice, "following", text.encode())
        assert done.status == 303, done.text
        # Then bob is followed with the file's options, and the other two rows are skipped
        assert await finished_counts(alice) == ("3", "1", "2")
    row = await node.app[DB].fetchone("SELECT show_reblogs, notify, languages FROM follows WHERE target_id = ?",
                                      (bob.account.id,))
    assert row is not None and (row[0], row[1], row[2]) == (0, 1, '["zh"]')


async def test_a_deleted_accounts_archive_goes_with_it(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice with an archive built and ready
    await seed_person(http, node)
    async with browser_session() as browser:
        alice = await signed_in(browser, node, "alice")
        await alice.post("/settings/export", {}, token=await alice.csrf("/settings/export"))
        await archive_link(alice)
        assert list(account_jobs.exports_dir(node.app).iterdir())
        # When she deletes her account
        gone = await alice.post("/settings/delete", {"password": "correct horse"},
                                token=await alice.csrf("/settings/delete"))
        assert gone.status == 200, gone.text
    # Then the next sweep of the account jobs removes the archive, file and row
    await account_jobs.remove_expired(node.app)
    assert list(account_jobs.exports_dir(node.app).iterdir()) == []
    assert await node.app[DB].fetchval("SELECT count(*) FROM account_exports") == 0
