"""Pages in Simplified Chinese and English: Accept-Language, the switch, the node's default.

Each page a person sees says `lang` truly; the words come from the
catalogs (node/locale/), flash messages and error pages too, and values
stay escaped whatever the language.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.config import ConfigError, load_config
from node.i18n import negotiate
from tests.conftest import Node, start_node, write_config
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.test_screening_api import CATEGORIES, post, write_lists

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def lang_of(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', page)
    assert found is not None
    return found.group(1)


@pytest.fixture
async def zh_node(tmp_path: Path) -> AsyncIterator[Node]:
    root = tmp_path / "zh"
    write_lists(root)
    node, runner = await start_node(root, screening=CATEGORIES, locale="zh-CN")
    yield node
    await runner.cleanup()


def test_accept_language_picks_a_locale_the_node_speaks() -> None:
    assert negotiate(None, "zh-CN,zh;q=0.9,en;q=0.8", "en") == "zh-CN"
    assert negotiate(None, "fr-FR, en-GB;q=0.8, zh;q=0.5", "zh-CN") == "en"  # the best we speak
    assert negotiate(None, "zh-TW", "en") == "zh-CN"  # our only Chinese catalog
    assert negotiate(None, "fr, de;q=0.5", "zh-CN") == "zh-CN"  # none we speak: the node's default
    assert negotiate(None, "en;q=0, zh;q=0.1", "en") == "zh-CN"  # q=0 means "not this"
    assert negotiate("en", "zh-CN", "zh-CN") == "en"  # the switch outranks the browser
    assert negotiate("xx", "garbage;;;,", "en") == "en"


def test_default_locale_is_validated(tmp_path: Path) -> None:
    path = write_config(tmp_path, locale="fr")
    with pytest.raises(ConfigError, match="node.default_locale"):
        load_config(path)


async def test_sign_in_page_speaks_the_browsers_language(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a node whose default is English
    # When a Chinese browser and an English one open the sign-in page
    async with http.get(node.url("/auth/sign_in"), headers=ZH) as resp:
        zh = await resp.text()
        assert "Accept-Language" in resp.headers["Vary"]
    async with http.get(node.url("/auth/sign_in"), headers={"Accept-Language": "en-US"}) as resp:
        en = await resp.text()
    # Then each reads its own language, and says so in `lang`
    assert lang_of(zh) == "zh-CN" and "电子邮件地址或用户名" in zh and "<title>登录" in zh
    assert lang_of(en) == "en" and "E-mail address or username" in en and "登录" not in en


async def test_node_default_serves_browsers_that_name_no_language_we_speak(zh_node: Node,
                                                                           http: aiohttp.ClientSession) -> None:
    async with http.get(zh_node.url("/report"), headers={"Accept-Language": "fr"}) as resp:
        page = await resp.text()
    assert lang_of(page) == "zh-CN" and "提交举报" in page and "垃圾信息" in page


async def test_the_switch_remembers_the_choice_and_goes_back(zh_node: Node) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        # Given a Chinese page, whose footer offers English
        async with browser.get(zh_node.url("/report")) as resp:
            assert '<a href="/locale?set=en" lang="en"' in await resp.text()
        # When the reader follows it from that page
        async with browser.get(zh_node.url("/locale?set=en"), allow_redirects=False,
                               headers={"Referer": zh_node.url("/report?target=%40alice")}) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/report?target=%40alice"
        # Then every page speaks English to this browser, whatever it accepts
        async with browser.get(zh_node.url("/report"), headers=ZH) as resp:
            page = await resp.text()
        assert lang_of(page) == "en" and "Send report" in page
        # And a Referer from elsewhere, or a language we lack, sends nowhere but home
        async with browser.get(zh_node.url("/locale?set=fr"), allow_redirects=False,
                               headers={"Referer": "https://evil.example/x"}) as resp:
            assert resp.headers["Location"] == "/"
        async with browser.get(zh_node.url("/report")) as resp:
            assert lang_of(await resp.text()) == "en"


async def test_admin_pages_flash_and_errors_in_chinese(zh_node: Node, http: aiohttp.ClientSession) -> None:
    # Given an admin, a held post and a Chinese browser
    await zh_node.account("root", role="admin")
    alice = await zh_node.account("alice")
    await post(http, zh_node, alice, "专业代开发票，价格优惠")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=ZH) as browser:
        page = PageClient(zh_node, browser)
        await page.sign_in("root")
        # When the admin opens the overview and the queue
        overview = await page.get("/admin")
        queue = await page.get("/admin/queue")
        # Then the frame, the navigation and the queue are in Chinese (Mastodon's words)
        assert lang_of(overview.text) == "zh-CN" and "<h1>信息面板</h1>" in overview.text
        assert "审核队列" in overview.text and "审计日志" in overview.text and "监察员" not in overview.text
        assert "暂扣原因" in queue.text and "批准" in queue.text and "代开发票" in text_of(queue.text)
        # And the flash message after approving is Chinese too
        item_id = re.search(r'action="/admin/queue/(\d+)/approve"', queue.text)
        assert item_id is not None
        await page.post(f"/admin/queue/{item_id.group(1)}/approve", {})
        assert page.flash() == f"notice:条目 {item_id.group(1)} 已批准。"
        shown = await page.get("/admin/queue")
        assert f"条目 {item_id.group(1)} 已批准。" in shown.text
        # And an error page, and a dead link, speak Chinese with the permit footer
        missing = await page.get("/admin/reports/12345")
        assert missing.status == 404 and "没有此举报。" in missing.text and "京ICP备12345678号-1" in missing.text
        dead = await page.get("/no/such/page")
        assert dead.status == 404 and lang_of(dead.text) == "zh-CN" and "此地址没有页面。" in dead.text


async def test_values_stay_escaped_in_every_language(zh_node: Node, http: aiohttp.ClientSession) -> None:
    # Given a report form filled with markup, refused for an unknown target
    async with http.post(zh_node.url("/report"), headers=ZH,
                         data={"target": '<script>alert(1)</script>', "comment": "<b>x</b>", "started": "1.0.x"}
                         ) as resp:
        page = await resp.text()
    # Then the Chinese page shows the values as text
    assert resp.status == 422 and "表单已过期" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
