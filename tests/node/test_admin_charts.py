"""The overview's charts: SVG drawn on the server, every figure recounted from the rows.

A node with activity is seeded through the APIs; each chart's table of
figures (the same numbers the SVG draws) is compared with a count the
test makes itself, in SQL of its own, over the same UTC days.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB
from storage.clock import now
from storage.compliance_series import days_ending
from tests.conftest import Node, start_node
from tests.node.admin_browser_client import PageClient
from tests.node.compliance_seed import seed_activity
from tests.node.test_screening_api import CATEGORIES, write_lists


@pytest.fixture
async def snode(tmp_path: Path) -> AsyncIterator[Node]:
    root = tmp_path / "charts"
    write_lists(root)
    node, runner = await start_node(root, screening=CATEGORIES)
    yield node
    await runner.cleanup()


def figure(page: str, key: str) -> str:
    found = re.search(rf'<figure class="chart" id="chart-{key}">(.*?)</figure>', page, re.S)
    assert found is not None, key
    return found.group(1)


def table_rows(fig: str) -> dict[str, list[str]]:
    """The chart's table of figures: first cell -> the other cells."""
    rows = re.findall(r"<tr>(.*?)</tr>", fig.split("<details>")[1], re.S)
    cells = [re.findall(r"<t[dh]>(.*?)</t[dh]>", row, re.S) for row in rows]
    return {c[0]: c[1:] for c in cells}


async def per_day(node: Node, sql: str) -> dict[str, int]:
    return {r[0]: r[1] for r in await node.app[DB].fetchall(sql)}


async def test_overview_charts_match_the_database(snode: Node, http: aiohttp.ClientSession) -> None:
    # Given a node with a day of activity
    seeded = await seed_activity(snode, http)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(snode, browser)
        await page.sign_in("root")
        overview = (await page.get("/admin")).text
    days = days_ending(now().date(), 14)
    today = days[-1]
    db = snode.app[DB]
    # Then every chart is an inline SVG without a script
    for key in ("screening", "queue", "reports", "signups", "deliveries"):
        fig = figure(overview, key)
        assert "<svg" in fig and "<script" not in fig
    # And screening hits per category per day are the decisions that hit each category
    screening = table_rows(figure(overview, "screening"))
    header = screening.pop("day or peer")
    expected = {r[0]: r[1] for r in await db.fetchall(
        "SELECT category, sum(total) FROM screening_outcomes WHERE outcome IN ('hit','shadow') AND day = ?"
        " GROUP BY category", (today,))}
    assert expected == {"gambling": 2, "invoices": 2, "spam": 1, "followers": 1, "promo": 1}
    assert {cat: int(screening[today][header.index(cat)]) for cat in expected} == expected
    assert all(cell == "0" for day in days[:-1] for cell in screening[day])
    # And the review queue's size at the end of today is the items still open
    queue = table_rows(figure(overview, "queue"))
    open_items = await db.fetchval("SELECT count(*) FROM moderation_queue WHERE state = 'open'")
    assert int(queue[today][0]) == open_items == 2  # a held post and a flagged one
    # And reports opened and resolved, sign-ups and verifications, per day
    reports = table_rows(figure(overview, "reports"))
    opened = await per_day(snode, "SELECT substr(created_at,1,10), count(*) FROM reports GROUP BY 1")
    resolved = await per_day(snode, "SELECT substr(action_taken_at,1,10), count(*) FROM reports"
                                    " WHERE action_taken_at IS NOT NULL GROUP BY 1")
    assert [int(x) for x in reports[today]] == [opened[today], resolved[today]] == [2, 1]
    # (the SVG draws those same numbers, series by series)
    drawn = re.findall(r'<desc class="value">([^<]*)</desc>', figure(overview, "reports"))
    assert drawn == [reports[d][0] for d in days] + [reports[d][1] for d in days]
    signups = table_rows(figure(overview, "signups"))
    users = await per_day(snode, "SELECT substr(created_at,1,10), count(*) FROM users GROUP BY 1")
    verified = await per_day(snode, "SELECT substr(verified_at,1,10), count(*) FROM identities GROUP BY 1")
    assert [int(x) for x in signups[today]] == [users[today], verified[today]]
    assert (users[today], verified[today]) == (7, 5)  # carol and the official account are unverified
    # And deliveries per peer count the kept rows and the pruned ones alike
    peers = table_rows(figure(overview, "deliveries"))
    assert peers["peer-a.example.cn"][:3] == ["2", "1", "0"] and peers["peer-b.example.cn"][:3] == ["1", "0", "2"]
    pruned = await db.fetchval("SELECT sum(total) FROM delivery_days")
    assert pruned == 3 and await db.fetchval("SELECT count(*) FROM deliveries") == 3
    assert seeded.held_status_id


async def test_charts_page_in_chinese_with_no_activity(node: Node) -> None:
    # Given a fresh node and a Chinese browser
    await node.account("root", role="admin")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     headers={"Accept-Language": "zh-CN"}) as browser:
        page = PageClient(node, browser)
        await page.sign_in("root")
        overview = (await page.get("/admin")).text
    # Then the charts are there, titled in Chinese, with zeroes and no peers
    assert "每日各类别的审查命中次数" in figure(overview, "screening")
    reports = table_rows(figure(overview, "reports"))
    assert all(cells == ["0", "0"] for day, cells in reports.items() if day != "日期或站点")
    assert "没有数据。" in figure(overview, "deliveries")
