"""The admin pages in a real browser: Debian's headless Chromium driven by Selenium.

An admin signs in through the login form, approves a held post in the
review queue and marks a status false through the corrections form, with
no JavaScript of ours involved; the client API (a bearer token, as any
Mastodon app) then shows the post public and the status carrying a `warn`
filter result. A browser set to Simplified Chinese sees the pages in
Chinese, the overview's charts drawn, and approves a held post. `make
browser` (a dependency of `make test`) installs `chromium`,
`chromium-driver` and the Noto CJK fonts.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import Node, NodeThread, Session
from tests.node.test_screening_api import CATEGORIES, write_lists

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not (CHROMEDRIVER.exists() and CHROMIUM.exists()),
                                reason="needs Debian's chromium and chromium-driver: run `make browser`")


def chromium(profile: Path, language: str | None = None) -> WebDriver:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if language:  # what the browser's Accept-Language asks for, as a person's settings would
        options.add_argument(f"--lang={language}")
        options.add_experimental_option("prefs", {"intl.accept_languages": f"{language},zh"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path / "chromium-profile")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def zh_browser(tmp_path: Path) -> Iterator[WebDriver]:
    driver = chromium(tmp_path / "chromium-zh-profile", "zh-CN")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screened_node(tmp_path: Path) -> Iterator[NodeThread]:
    root = tmp_path / "live"
    write_lists(root)
    thread = NodeThread(root, screening=CATEGORIES)
    with thread:
        yield thread


def client_api(node: Node, who: Session, path: str, body: dict[str, Any] | None = None) -> Any:
    """The client API over HTTP with a bearer token, as a Mastodon app calls it."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(node.url(path), data=data, method="POST" if data else "GET",
                                     headers={**who.headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own loopback node
        return json.loads(response.read())


def notice(driver: WebDriver) -> WebElement:
    """The flash notice of the page a form redirected to (a click does not wait for it)."""
    return WebDriverWait(driver, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "p.notice, p.error")))


def submit(driver: WebDriver, form_css: str, **fields: str) -> None:
    form = driver.find_element(By.CSS_SELECTOR, form_css)
    for name, value in fields.items():
        box = form.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def test_admin_approves_and_corrects_in_a_browser(screened_node: NodeThread, browser: WebDriver) -> None:
    node = screened_node.node
    assert node is not None
    # Given an admin, an author with one held and one published post, and a reader
    screened_node.call(node.account("root", role="admin", password="admin password"))
    alice = screened_node.call(node.account("alice"))
    bob = screened_node.call(node.account("bob"))
    held = client_api(node, alice, "/api/v1/statuses", {"status": "专业代开发票，价格优惠"})
    rumour = client_api(node, alice, "/api/v1/statuses", {"status": "The bridge collapsed this morning"})
    # When the admin opens /admin, is sent to the login form and signs in
    browser.get(node.url("/admin"))
    assert "/auth/sign_in" in browser.current_url
    submit(browser, "form[action='/auth/sign_in']", login="root", password="admin password")
    WebDriverWait(browser, 20).until(expected_conditions.url_to_be(node.url("/admin")))
    assert "Overview" in browser.find_element(By.TAG_NAME, "h1").text
    # And approves the held post, whose reasons the queue shows
    browser.get(node.url("/admin/queue"))
    item = browser.find_element(By.CSS_SELECTOR, "article.queue-item")
    assert "代开发票" in item.find_element(By.TAG_NAME, "mark").text
    item.find_element(By.CSS_SELECTOR, "form[action$='/approve'] button").click()
    assert "approved" in notice(browser).text
    # And marks the rumour false through the corrections form, by its address
    browser.get(node.url("/admin/corrections"))
    submit(browser, "form[action='/admin/corrections']", status=rumour["url"], text="The bridge is standing",
           source_url="https://example.org/bridge")
    assert "marked as false information" in notice(browser).text
    # Then through the client API the held post is public to the reader
    seen = client_api(node, bob, f"/api/v1/statuses/{held['id']}")
    assert seen["id"] == held["id"] and seen["visibility"] == "public"
    assert held["id"] in [s["id"] for s in client_api(node, bob, "/api/v1/timelines/public")]
    # And the rumour carries the correction as a `warn` filter result
    (result,) = client_api(node, bob, f"/api/v1/statuses/{rumour['id']}")["filtered"]
    assert result["filter"]["filter_action"] == "warn"
    assert result["filter"]["title"] == "The bridge is standing"


def test_a_chinese_browser_sees_chinese_a_chart_and_approves(screened_node: NodeThread, zh_browser: WebDriver,
                                                             tmp_path: Path) -> None:
    node = screened_node.node
    assert node is not None
    # Given an admin, and an author whose post is held, on a node whose default language is English
    screened_node.call(node.account("root", role="admin", password="admin password"))
    alice = screened_node.call(node.account("alice"))
    held = client_api(node, alice, "/api/v1/statuses", {"status": "专业代开发票，价格优惠"})
    # When a browser set to Simplified Chinese opens /admin and signs in
    zh_browser.get(node.url("/admin"))
    assert zh_browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert zh_browser.find_element(By.TAG_NAME, "h1").text == "登录"
    submit(zh_browser, "form[action='/auth/sign_in']", login="root", password="admin password")
    WebDriverWait(zh_browser, 20).until(expected_conditions.url_to_be(node.url("/admin")))
    # Then the overview speaks Chinese and draws its charts
    assert zh_browser.find_element(By.TAG_NAME, "h1").text == "信息面板"
    assert "审核队列" in zh_browser.find_element(By.CSS_SELECTOR, "nav.admin").text
    chart = zh_browser.find_element(By.CSS_SELECTOR, "#chart-screening svg")
    assert chart.size["width"] > 300 and chart.size["height"] > 100
    caption = zh_browser.find_element(By.CSS_SELECTOR, "#chart-screening figcaption").text
    assert caption == "每日各类别的审查命中次数"
    zh_browser.set_window_size(1280, 2600)
    zh_browser.save_screenshot(str(tmp_path / "overview-zh.png"))  # for a person to look at
    # And the held post is approved from the queue, with a Chinese notice
    zh_browser.get(node.url("/admin/queue"))
    item = zh_browser.find_element(By.CSS_SELECTOR, "article.queue-item")
    assert "暂扣原因" in item.text and "代开发票" in item.find_element(By.TAG_NAME, "mark").text
    item.find_element(By.CSS_SELECTOR, "form[action$='/approve'] button").click()
    assert "已批准" in notice(zh_browser).text
    # And through the client API the post is public
    assert client_api(node, alice, f"/api/v1/statuses/{held['id']}")["visibility"] == "public"
    assert held["id"] in [s["id"] for s in client_api(node, alice, "/api/v1/timelines/public")]
