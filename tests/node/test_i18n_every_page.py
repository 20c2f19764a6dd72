"""Every admin and settings page, and every public page, in one language at a time.

A node with activity (posts held and rejected, reports, sanctions,
permits, a revealed identity, an announcement, a custom emoji, an inbox
dead letter, a registry subscription with an entry waiting and a refused
document) is walked by a staff browser reading Chinese and by one
reading English. Each page must say `lang` truly, keep no template
placeholder (`$name`, `{{`, `%(name)s`), and show no catalogued word of
the other language: a page written for the old string.Template, or with
Chinese and English side by side, fails here. The flash messages and form
errors of the pages converted from that mechanism are checked in both
languages too.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pyotp
import pytest
from babel.messages.pofile import read_po

from node.admin.layout import NAV
from node.keys import DB, IDS, REGISTRY
from node.registry_actions import new_subscription, subscribe, sync_now
from policy.permits import validate_entry
from storage import inbox
from tests.conftest import Node, Session, start_node
from tests.node.admin_browser_client import PageClient
from tests.node.compliance_seed import call
from tests.node.identity_reveals import make_officer, reveal_identity
from tests.node.test_media import jpeg, png
from tests.node.test_registry_sync import NUMBER, Publisher, publishers  # noqa: F401 - fixture
from tests.node.test_screening_api import CATEGORIES, post, write_lists

ZH_BROWSER = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]+")
PLACEHOLDERS = re.compile(r"\{\{|\{%|%\(\w+\)s|\$\{?[A-Za-z_]\w*")
# What seeded people typed, shown as they typed it in either language, and a
# registry's last error, shown as the node stored it (node/registry_sync.py).
REFUSED = "the signature does not verify; version 1 stays in force"
TYPED = {"spam", "a warning", "It rained", "police letter 7", "示例公司", REFUSED}


@dataclass
class Walk:
    node: Node
    paths: list[str]


@dataclass
class Seeded:
    admin: Session
    alice: Session
    report_id: str
    corrected_status_id: str


async def seed_moderation(node: Node, http: aiohttp.ClientSession) -> Seeded:
    """What the moderation pages list: a held and a rejected post, a report, a
    warning, a correction, a permit and a revealed identity."""
    admin, moderator = await node.account("root", role="admin"), await node.account("mod", role="moderator")
    alice, bob = await node.account("alice"), await node.account("bob")
    assert (await post(http, node, alice, "专业代开发票，价格优惠"))[0] == 200  # held for review
    assert (await post(http, node, bob, "online casino tonight"))[0] == 422
    _, clean = await post(http, node, alice, "今天天气很好")
    report = await call(http, node, bob, "POST", "/api/v1/reports",
                        {"account_id": str(alice.account.id), "comment": "spam", "category": "spam"})
    await call(http, node, moderator, "POST", f"/api/v1/admin/accounts/{bob.account.id}/action",
               {"type": "none", "text": "a warning"})
    await call(http, node, moderator, "POST", f"/api/v1/admin/statuses/{clean['id']}/correction",
               {"text": "It rained", "source_url": "https://weather.example.cn/today"})
    await call(http, node, admin, "POST", "/api/v1/admin/domain_allows",
               {"domain": "peer.example.cn", "number": "京ICP备87654321号-1"})
    officer = await make_officer(node, await node.account("officer"))
    await reveal_identity(node, http, officer, moderator, alice.account.id, "police letter 7")
    return Seeded(admin, alice, report["id"], clean["id"])


@cache
def catalog() -> dict[str, str]:
    po = resources.files("node").joinpath("locale", "zh_CN", "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and m.string and m.string != m.id}


def without_figures(page: str) -> str:
    """The page without the compliance report's configuration and figures: they
    are the JSON document's keys and codes, shown as the JSON has them
    (node/compliance.py), each key beside its name in the reader's language."""
    kept, depth = [], 0
    for part in re.split(r"(<dl class=\"figures\">|<dl\b[^>]*>|</dl>)", page):
        if part == '<dl class="figures">' or (depth and part.startswith("<dl")):
            depth += 1
        elif part == "</dl>" and depth:
            depth -= 1
        elif not depth:
            kept.append(part)
    return "".join(kept)


def segments(page: str) -> set[str]:
    """The texts between tags, as a reader sees them (without style, SVG drawings,
    and identifiers shown as code, which are the same in every language)."""
    body = re.sub(r"<(style|script|svg|code)\b.*?</\1>", " ", without_figures(page), flags=re.S)
    return {" ".join(html.unescape(s).split()) for s in re.split(r"<[^>]+>", body)} - {""}


def words_of_the_other_language(page: str, locale: str) -> list[str]:
    """Catalogued words on the page that belong to the language it does not speak."""
    zh, shown = catalog(), segments(page) - TYPED
    text = " ".join(sorted(shown))
    if locale == "zh-CN":  # a whole text that is a catalogued English message, or a sentence of one
        sentences = {m for m in zh if len(re.findall(r"[A-Za-z]+", m)) >= 2 and not re.search(r"%\(|<", m)}
        return sorted({s for s in shown if s in zh} | {m for m in sentences if m in text})
    # Chinese: a whole text that is a catalogued translation, or a phrase of four characters or more
    phrases = {t for t in zh.values() if len("".join(CJK.findall(t))) >= 4 and not re.search(r"%\(|<", t)}
    return sorted({s for s in shown if s in zh.values()} | {t for t in phrases if t in text})


async def seed_dead_letter(node: Node) -> int:
    """An inbox activity whose processing failed, as the worker leaves one."""
    db = node.app[DB]
    body = {"id": "https://peer.example.cn/a/1", "type": "Create", "actor": "https://peer.example.cn/u/x",
            "object": {"type": {"oops": "<script>alert(1)</script>"}}}
    await inbox.store_activity(db, inbox.NewInboxActivity(
        node.app[IDS].next_id(), body["id"], body["actor"], "peer.example.cn", None, json.dumps(body)))
    [row] = await inbox.claim_due(db, "seed")
    await inbox.finish(db, "seed", inbox.Outcome(row.id, "failed", error="TypeError: unhashable type: 'dict'"))
    return row.id


async def seed_registry(node: Node, publisher: Publisher) -> None:
    """A draft subscription with an entry waiting, whose newest document was refused
    (its last error is the stored English reason, the same on every page)."""
    publisher.publish([validate_entry("member.example.cn", NUMBER, holder="示例公司")])
    sub = await subscribe(node.app[REGISTRY], "root", new_subscription(publisher.feed.url, publisher.public))
    assert (await sync_now(node.app[REGISTRY], "root", sub.id)).ok
    document = json.loads(publisher.feed.body)
    publisher.feed.body = json.dumps({**document, "signature": document["signature"][::-1]}).encode()
    assert (await sync_now(node.app[REGISTRY], "root", sub.id)).message == REFUSED


async def upload_emoji(page: PageClient, shortcode: str, data: bytes) -> str:
    form = aiohttp.FormData()
    form.add_field("csrf_token", await page.csrf("/admin/custom_emojis"))
    form.add_field("shortcode", shortcode)
    form.add_field("file", data, filename="x.png", content_type="image/png")
    async with page.http.post(page.node.url("/admin/custom_emojis"), data=form, allow_redirects=False) as resp:
        assert resp.status == 303
    return page.flash()


@pytest.fixture
async def walk(tmp_path: Path, http: aiohttp.ClientSession,
               publishers: list[Publisher]) -> AsyncIterator[Walk]:  # noqa: F811
    root = tmp_path / "busy"
    write_lists(root)
    node, runner = await start_node(root, screening=CATEGORIES)
    seeded = await seed_moderation(node, http)
    await seed_dead_letter(node)
    await seed_registry(node, publishers[0])
    await call(http, node, seeded.admin, "POST", "/api/v1/admin/announcements",
               {"text": "<b>maintenance</b> at 22:00", "starts_at": "2026-12-24"})
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        admin = PageClient(node, browser)
        await admin.sign_in("root")
        assert "Saved." in await upload_emoji(admin, "blobcat", png())
    [announcement] = await call(http, node, seeded.admin, "GET", "/api/v1/admin/announcements")
    app = await call(http, node, seeded.admin, "POST", "/api/v1/apps",
                     {"client_name": "Tusky", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"})
    authorize = "/oauth/authorize?" + urlencode({"response_type": "code", "client_id": app["client_id"],
                                                 "redirect_uri": "urn:ietf:wg:oauth:2.0:oob", "scope": "read"})
    details = [f"/admin/reports/{seeded.report_id}", f"/admin/accounts/{seeded.alice.account.id}",
               f"/admin/announcements/{announcement['id']}", "/admin/policy/list?file=lists/spam.txt"]
    public = ["/", "/report", "/corrections", "/@alice", f"/@alice/{seeded.corrected_status_id}",
              "/settings/identity", "/settings/two_factor", "/settings/delete", "/settings/aliases",
              "/settings/migration", "/settings/export", "/settings/import", authorize,
              "/settings", "/settings/password", "/settings/email", "/auth/password/new"]  # issue #16
    yield Walk(node, [href for href, _label in NAV] + details + public)
    await runner.cleanup()


async def reader(browser: aiohttp.ClientSession, node: Node, locale: str) -> PageClient:
    """A staff member's browser set to Chinese; the English one chose English with the
    footer's switch (the cookie outranks the Chinese Accept-Language it still sends)."""
    if locale == "en":
        async with browser.get(node.url("/locale?set=en"), allow_redirects=False) as resp:
            assert resp.status == 303
    page = PageClient(node, browser)
    assert (await page.sign_in("root")).location == "/admin"
    return page


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_every_page_speaks_one_language_with_nothing_left_unfilled(walk: Walk, locale: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=ZH_BROWSER) as browser:
        page = await reader(browser, walk.node, locale)
        for path in walk.paths:
            # When the reader opens the page
            shown = await page.get(path)
            # Then it is there, in the reader's language, with every value filled in
            assert shown.status == 200, (path, shown.status, shown.location)
            assert f'<html lang="{locale}">' in shown.text, path
            assert PLACEHOLDERS.findall(shown.text) == [], path
            assert words_of_the_other_language(shown.text, locale) == [], path
            title = re.search(r"<title>(.*?)</title>", shown.text, flags=re.S)
            assert title is not None, path
            if path.startswith(("/admin", "/settings")):  # the front page's title is the node's name
                assert bool(CJK.search(title.group(1))) == (locale == "zh-CN"), (path, title.group(1))
        # And what people typed stays text, in either language
        listing = await page.get("/admin/announcements")
        assert "&lt;b&gt;maintenance&lt;/b&gt;" in listing.text and "<b>maintenance" not in listing.text
        dead = await page.get("/admin/inbox")
        assert "&lt;script&gt;" in dead.text and "<script>alert" not in dead.text
        # And the registry page was walked with a subscription and an entry waiting, not empty tables
        registry = await page.get("/admin/registry")
        assert 'id="subscription-' in registry.text and "示例公司" in registry.text


@pytest.mark.parametrize(("locale", "said"), [
    ("zh-CN", {"saved": "公告已保存。", "blank": "验证失败：内容不能为空", "emoji": "验证失败：图像必须是 PNG 或 GIF",
               "retried": "已重新进入队列", "draft": "未发布", "wrong": "验证码不正确，请输入当前显示的验证码。",
               "codes": "恢复代码", "on": "两步验证<strong>已启用</strong>", "deleted": "公告已删除。",
               "otp": "两步验证码，如已启用（或一个恢复代码）"}),
    ("en", {"saved": "Announcement saved.", "blank": "Validation failed: Text can't be blank",
            "emoji": "Validation failed: Image must be a PNG or GIF", "retried": "is back in the queue.",
            "draft": "Draft", "wrong": "That code is not right; try the current one.", "codes": "Recovery codes",
            "on": "Two-factor sign-in is <strong>on</strong>", "deleted": "Announcement deleted.",
            "otp": "Two-factor code, if you turned it on (or a recovery code)"}),
])
async def test_the_converted_pages_flash_and_refuse_in_the_readers_language(
        walk: Walk, locale: str, said: dict[str, str]) -> None:
    node = walk.node
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=ZH_BROWSER) as browser:
        page = await reader(browser, node, locale)
        # Announcements: saved, refused with the API's reason, listed as a draft, deleted
        await page.post("/admin/announcements", {"text": "backup tonight"})
        assert page.flash() == "notice:" + said["saved"]
        listing = await page.get("/admin/announcements")
        assert said["draft"] in segments(listing.text) and said["saved"] in segments(listing.text)
        await page.post("/admin/announcements", {"text": " "})
        assert page.flash() == "error:" + said["blank"]
        newest = re.findall(r'action="/admin/announcements/(\d+)/delete"', listing.text)[-1]
        deleted = await page.post(f"/admin/announcements/{newest}/delete", {})
        assert deleted.status == 303, deleted
        assert page.flash() == "notice:" + said["deleted"]
        # Custom emoji: a JPEG is refused in the reader's words
        assert await upload_emoji(page, "photo", jpeg()) == "error:" + said["emoji"]
        # Inbox: the dead letter goes back in the queue
        row_id = await node.app[DB].fetchval("SELECT id FROM inbox_activities WHERE state = 'failed'")
        await page.post(f"/admin/inbox/{row_id}/retry", {})
        assert page.flash().startswith("notice:") and said["retried"] in page.flash()
        # Two-factor sign-in: a wrong code, then the right one shows the recovery codes once
        setup = await page.get("/settings/two_factor")
        secret = re.search(r'<code id="secret">([A-Z2-7]+)</code>', setup.text)
        assert secret is not None
        token = await page.csrf("/settings/two_factor")
        wrong = await page.post("/settings/two_factor", {"code": "000000"}, token=token)
        assert wrong.status == 422 and said["wrong"] in wrong.text
        done = await page.post("/settings/two_factor", {"code": pyotp.TOTP(secret.group(1)).now()}, token=token)
        assert done.status == 200 and f"<h2>{said['codes']}</h2>" in done.text and said["on"] in done.text
        assert PLACEHOLDERS.findall(done.text) == [] and words_of_the_other_language(done.text, locale) == []
        # And the sign-in form asks for the code in the reader's words
        await page.post("/auth/sign_out", {}, token=await page.csrf("/settings/two_factor"))
        form = await page.get("/auth/sign_in")
        assert f'<label for="otp_attempt">{said["otp"]}</label>' in form.text
