"""The compliance report: every figure recounted from the database, all three formats, fresh and active.

A node with activity is seeded through the APIs (tests/node/compliance_seed.py);
the JSON form, which the HTML and PDF render, is compared figure by
figure with counts this test makes in SQL of its own. A fresh node
(`python -m node init`, as `make run` makes it) gets its report from the
command line in html, json and pdf.
"""

from __future__ import annotations

import json
import re
import statistics
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.keys import DB
from policy.compliance_model import ARTICLES, STATUS_ORDER
from policy.compliance_tests import TESTS
from storage.clock import parse
from tests import backends
from tests.conftest import Node, start_node, write_config
from tests.node.admin_browser_client import PageClient
from tests.node.compliance_seed import seed_activity
from tests.node.test_screening_api import CATEGORIES, write_lists
from tests.test_cli import run


@pytest.fixture
async def snode(tmp_path: Path) -> AsyncIterator[Node]:
    root = tmp_path / "report"
    write_lists(root)
    node, runner = await start_node(root, screening=CATEGORIES)
    yield node
    await runner.cleanup()


async def report_of(node: Node, *, query: str = "format=json", lang: str = "en") -> aiohttp.ClientResponse:
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept-Language": lang})
    page = PageClient(node, browser)
    await page.sign_in("root")
    response = await browser.get(node.url(f"/admin/compliance?{query}"))
    await response.read()
    await browser.close()
    return response


async def rows(node: Node, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    return list(await node.app[DB].fetchall(sql, params))


def seconds(pairs: list[Any]) -> list[float]:
    return [(parse(b) - parse(a)).total_seconds() for a, b in pairs]


def assert_durations(found: dict[str, Any], pairs: list[Any]) -> None:
    values = seconds(pairs)
    assert found["count"] == len(values) > 0
    assert found["median_seconds"] == round(statistics.median(values), 1)
    assert found["worst_seconds"] == round(max(values), 1)


@pytest.fixture
async def active(snode: Node, http: aiohttp.ClientSession) -> tuple[Node, dict[str, Any]]:
    await seed_activity(snode, http)
    response = await report_of(snode)
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    return snode, json.loads(await response.text())


async def test_report_shape_order_and_tests(active: tuple[Node, dict[str, Any]]) -> None:
    _node, report = active
    assert report["format"] == "permitted-node compliance report" and report["version"] == 1
    assert list(report["articles"]) == list(ARTICLES) and sorted(report["order"]) == sorted(ARTICLES)
    # A control switched off or failing comes first, then attention, then the rest
    ranks = [STATUS_ORDER.index(report["articles"][a]["status"]) for a in report["order"]]
    assert ranks == sorted(ranks)
    assert report["articles"]["10"]["status"] == "attention"  # the promo category runs in shadow mode
    assert report["articles"]["10"]["reasons"] == ["categories_in_shadow_mode"]
    for article, section in report["articles"].items():
        assert section["tests"] == list(TESTS[article])


async def test_accounts_identity_and_reveals_match_the_database(active: tuple[Node, dict[str, Any]]) -> None:
    node, report = active
    a = report["articles"]
    local = (await rows(node, "SELECT count(*) FROM users"))[0][0]
    verified = (await rows(node, "SELECT count(*) FROM identities WHERE account_id IN (SELECT account_id FROM users)"))[0][0]
    for article in ("7(7)", "9"):
        assert a[article]["figures"]["local_accounts"] == local == 7
        assert a[article]["figures"]["verified_accounts"] == verified == 5
        assert a[article]["figures"]["verified_share"] == round(verified / local, 4)
    assert a["9"]["figures"]["accounts_created_in_period"] == local
    assert a["9"]["figures"]["verifications_in_period"] == verified
    assert a["15"]["figures"]["unverified_accounts_predating_enforcement"] == 0  # no enforcement date set
    staff = dict(await rows(node, "SELECT role, count(*) FROM users WHERE role <> 'user' GROUP BY role"))
    assert a["7(2)"]["figures"] == {"staff_by_role": staff, "identity_officers": 1}
    reveals = await rows(node, "SELECT id, account_id, actor, reason, created_at FROM identity_reveals")
    assert a["7(4)"]["figures"]["reveals"] == [
        {"id": str(r[0]), "account_id": str(r[1]), "actor": r[2], "reason": r[3], "at": r[4]} for r in reveals]
    assert a["7(4)"]["figures"]["reveals"][0]["reason"] == "police letter 7"
    assert a["7(4)"]["figures"]["requests_by_state"] == {"revealed": 1}


async def test_screening_and_review_figures_match_the_database(active: tuple[Node, dict[str, Any]]) -> None:
    node, report = active
    review = report["articles"]["8"]["figures"]
    stored = (await rows(node, "SELECT count(*) FROM statuses"))[0][0]
    rejected = (await rows(node, "SELECT sum(total) FROM screening_outcomes WHERE outcome = 'reject'"))[0][0]
    assert rejected == 2 and review["rejected"] == rejected and review["posts_screened"] == stored + rejected
    held = await rows(node, "SELECT created_at, resolved_at, state FROM moderation_queue WHERE action = 'review'")
    assert review["held"] == len(held) == 2
    assert_durations(review["hold_to_decision"], [(r[0], r[1]) for r in held if r[1]])
    waiting = await rows(node, "SELECT min(created_at), count(*) FROM moderation_queue WHERE state = 'open'")
    assert review["waiting_now"] == waiting[0][1] == 2 and review["oldest_waiting_seconds"] > 0
    by_category = report["articles"]["10"]["figures"]["by_category"]
    outcomes = await rows(node, "SELECT category, outcome, sum(total) FROM screening_outcomes GROUP BY category, outcome")
    names = {"hit": "hits", "shadow": "shadow_hits", "reject": "rejected", "sensitive": "sensitive", "flag": "flagged"}
    for category, outcome, total in outcomes:
        if outcome in names:
            assert by_category[category][names[outcome]] == total, (category, outcome)
    queue = await rows(node, "SELECT action, decision_json FROM moderation_queue")
    held_by = Counter(json.loads(d)["category"] for action, d in queue if action == "review")
    assert {c: v["held"] for c, v in by_category.items() if "held" in v} == dict(held_by) == {"invoices": 2}
    assert by_category["gambling"]["rejected"] == 2 and by_category["promo"]["shadow_hits"] == 1
    config = report["articles"]["10"]["configuration"]["categories"]
    assert [(c["name"], c["action"], c["mode"]) for c in config][-1] == ("promo", "reject", "shadow")
    assert config[0]["lists"] == [{"file": "lists/gambling.txt", "terms": 3}]


async def test_reports_sanctions_corrections_match_the_database(active: tuple[Node, dict[str, Any]]) -> None:
    node, report = active
    reports = report["articles"]["13"]["figures"]
    found = await rows(node, "SELECT source, created_at, action_taken_at FROM reports")
    assert reports["received"] == len(found) == 2
    assert reports["by_source"] == dict(Counter(r[0] for r in found)) == {"api": 2}
    assert reports["resolved"] == 1 and reports["unresolved"] == 1
    assert_durations(reports["time_to_resolution"], [(r[1], r[2]) for r in found if r[2]])
    sanctions = dict(await rows(node, "SELECT action, count(*) FROM account_sanctions GROUP BY action"))
    assert sanctions == {"silence": 1, "none": 1}
    assert report["articles"]["14"]["figures"]["sanctions_by_kind"] == sanctions
    assert report["articles"]["7(8)"]["figures"]["sanctions_by_kind"] == sanctions
    corrections = (await rows(node, "SELECT count(*) FROM corrections"))[0][0]
    assert report["articles"]["7(5)"]["figures"]["corrections_published"] == corrections == 1


async def test_permits_federation_and_audit_match_the_database(active: tuple[Node, dict[str, Any]]) -> None:
    node, report = active
    permits = report["articles"]["7(6)"]
    assert permits["figures"]["permits_by_status"] == dict(
        await rows(node, "SELECT status, count(*) FROM permits GROUP BY status")) == {"active": 1, "suspended": 1}
    (soon,) = permits["figures"]["permits_expiring_within_30_days"]
    assert soon["host"] == "soon.example.cn" and permits["reasons"] == ["permits_expiring"]
    inbound = dict(await rows(node, "SELECT reason, sum(total) FROM federation_refusals WHERE direction = 'inbound'"
                                    " GROUP BY reason"))
    assert permits["figures"]["refusals_by_reason"]["inbound"] == inbound and sum(inbound.values()) == 3
    assert report["articles"]["7(3)"]["figures"]["inbound_refusals_by_reason"] == inbound
    assert permits["figures"]["refusals_by_reason"]["outbound"] == {"not_in_registry": 1, "expired": 1}
    assert permits["figures"]["deliveries_by_peer"] == {"peer-a.example.cn": {"done": 2, "failed": 1},
                                                        "peer-b.example.cn": {"done": 1, "dropped": 2}}
    chain = report["articles"]["7(1)"]["figures"]
    count = (await rows(node, "SELECT count(*) FROM audit_log"))[0][0]
    assert chain["audit_chain"]["ok"] is True and chain["audit_chain"]["records"] == count
    head = (await rows(node, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"))[0][0]
    assert chain["audit_chain"]["head"] == head and chain["records_in_period"] == count
    assert chain["actions_in_period"] == dict(await rows(node, "SELECT action, count(*) FROM audit_log GROUP BY action"))


async def test_page_in_chinese_and_pdf_with_cjk_fonts(active: tuple[Node, dict[str, Any]]) -> None:
    node, report = active
    page = await report_of(node, query="", lang="zh-CN")
    text = await page.text()
    assert page.status == 200 and '<html lang="zh-CN">' in text and "<h1>合规报告</h1>" in text
    assert "第七条第四项：严禁泄露用户信息" in text and "police letter 7" in text
    first = report["order"][0]
    assert text.index(f'id="article-{first}"') < text.index('id="article-7(5)"')
    pdf = await report_of(node, query="format=pdf", lang="zh-CN")
    body = await pdf.read()
    assert pdf.status == 200 and pdf.content_type == "application/pdf" and body.startswith(b"%PDF")
    assert any(b"Noto-Sans-CJK-SC" in font for font in pdf_fonts(body))  # Chinese glyphs, not empty boxes


def pdf_fonts(pdf: bytes) -> set[bytes]:
    """The fonts a PDF embeds (its objects sit in compressed streams)."""
    inflated = b""
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            inflated += zlib.decompress(stream.group(1))
        except zlib.error:
            continue
    return set(re.findall(rb"/BaseFont\s*/([^\s/>]+)", inflated))


def _tamper(node: Node) -> None:
    backends.raw_sql(node.config.storage.target(), "UPDATE audit_log SET details_json = '{}' WHERE id = 2",
                     drop_audit_triggers=True)


async def test_command_line_on_an_active_node_and_a_broken_chain(active: tuple[Node, dict[str, Any]],
                                                                  tmp_path: Path) -> None:
    node, report = active
    config = str(node.config.path)
    out = tmp_path / "report.json"
    assert run("compliance", "report", "--format", "json", "--out", str(out), "--config", config).returncode == 0
    again = json.loads(out.read_text("utf-8"))
    assert again["articles"]["13"]["figures"] == report["articles"]["13"]["figures"]
    # When someone edits the audit log behind the node's back
    _tamper(node)
    broken = json.loads(run("compliance", "report", "--format", "json", "--config", config).stdout)
    # Then article 7(1) is failing, says where, and comes first
    section = broken["articles"]["7(1)"]
    assert section["status"] == "failing" and section["reasons"] == ["audit_chain_broken"]
    assert section["figures"]["audit_chain"]["broken_at_record"] == 2 and broken["order"][0] in ("7(1)", "7(9)")


def test_fresh_node_from_the_command_line_in_three_formats(tmp_path: Path) -> None:
    # Given a node just made by `init`, as `make run` makes it
    env = {"NODE_CONFIG": str(write_config(tmp_path))}
    assert run("init", env=env).returncode == 0
    # When the report is asked for in each format
    as_json = run("compliance", "report", "--format", "json", env=env)
    as_html = run("compliance", "report", "--format", "html", "--locale", "zh-CN", env=env)
    pdf = tmp_path / "report.pdf"
    assert run("compliance", "report", "--format", "pdf", "--out", str(pdf), env=env).returncode == 0
    # Then every figure is zero or empty, and what is missing is said first
    report = json.loads(as_json.stdout)
    a = report["articles"]
    assert a["7(2)"]["status"] == "failing" and a["7(2)"]["reasons"] == ["no_staff", "no_identity_officer"]
    assert a["8"]["status"] == "off" and a["9"]["reasons"] == ["development_authority_trusted"]
    assert report["order"][0] == "7(2)"
    assert a["13"]["figures"]["received"] == 0 and a["13"]["figures"]["time_to_resolution"]["median_seconds"] is None
    assert a["9"]["figures"]["local_accounts"] == 0 and a["9"]["figures"]["verified_share"] is None
    assert a["7(1)"]["figures"]["audit_chain"]["ok"] is True
    assert as_html.returncode == 0 and '<html lang="zh-CN">' in as_html.stdout and "失效" in as_html.stdout
    assert pdf.read_bytes().startswith(b"%PDF")
    # And a bad date is refused in one line, exit 2
    bad = run("compliance", "report", "--since", "yesterday", env=env)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
