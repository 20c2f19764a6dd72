"""`python -m node audit verify | export`: the chain after real actions, and tampering."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests import backends
from tests.node.identity_reveals import make_officer, reveal_identity
from tests.conftest import Node, start_node
from tests.test_cli import run


@pytest.fixture
async def acted(tmp_path: Path) -> AsyncIterator[tuple[Node, str]]:
    """A node after a sequence of moderation actions; yields (node, report id), stopped."""
    node, runner = await start_node(tmp_path / "n")
    alice, mod = await node.account("alice"), await node.account("mod", role="admin")
    reader = await node.account("reader")
    async with aiohttp.ClientSession() as http:
        async with http.post(node.url("/api/v1/statuses"), json={"status": "fake invoices"},
                             headers=alice.headers) as resp:
            status = await resp.json()
        async with http.post(node.url("/api/v1/reports"), headers=reader.headers,
                             json={"account_id": alice.account.id, "status_ids": [status["id"]],
                                   "category": "spam"}) as resp:
            report = await resp.json()
        base = node.url(f"/api/v1/admin/reports/{report['id']}")
        for verb in ("assign_to_self", "notes"):
            async with http.post(f"{base}/{verb}", json={"content": "looked"}, headers=mod.headers) as resp:
                assert resp.status == 200
        async with http.post(node.url(f"/api/v1/admin/accounts/{alice.account.id}/action"), headers=mod.headers,
                             json={"type": "silence", "report_id": report["id"], "text": "fake invoices"}) as resp:
            assert resp.status == 200
        officer = await make_officer(node, await node.account("officer"))
        await reveal_identity(node, http, officer, mod, alice.account.id, "police request 42")
    await runner.cleanup()
    yield node, report["id"]


def _tamper(node: Node, *sql: str) -> None:
    backends.raw_sql(node.config.storage.target(), *sql, drop_audit_triggers=True)


def test_verify_intact_chain_exits_0_with_count(acted: tuple[Node, str]) -> None:
    node, _ = acted
    result = run("audit", "verify", "--config", str(node.config.path))
    assert result.returncode == 0, result.stderr
    assert "intact: 7 record(s)" in result.stdout


@pytest.mark.parametrize(("sql", "record", "position"), [
    (("UPDATE audit_log SET details_json = '{}' WHERE id = 3",), 3, 3),
    (("DELETE FROM audit_log WHERE id = 2",), 3, 2),
    (("UPDATE audit_log SET id = 100 WHERE id = 2", "UPDATE audit_log SET id = 2 WHERE id = 4",
      "UPDATE audit_log SET id = 4 WHERE id = 100"), 2, 2),
])
def test_verify_names_the_tampered_spot(acted: tuple[Node, str], sql: tuple[str, ...], record: int,
                                        position: int) -> None:
    # Given the log was edited in the SQLite file directly
    node, _ = acted
    _tamper(node, *sql)
    # When verified
    result = run("audit", "verify", "--config", str(node.config.path))
    # Then exit 1, naming the record and its position
    assert result.returncode == 1
    assert f"broken at record {record} (position {position})" in result.stdout


def test_verify_with_recorded_head_detects_cut_tail(acted: tuple[Node, str]) -> None:
    node, _ = acted
    head = run("audit", "verify", "--config", str(node.config.path)).stdout.split("head ")[1].strip()
    _tamper(node, "DELETE FROM audit_log WHERE id = 7")
    assert run("audit", "verify", "--config", str(node.config.path)).returncode == 0
    result = run("audit", "verify", "--head", head, "--config", str(node.config.path))
    assert result.returncode == 1 and "cut from the end" in result.stderr


def test_export_case_file(acted: tuple[Node, str], tmp_path: Path) -> None:
    node, report_id = acted
    out = tmp_path / "case.json"
    # When the case file of the report is exported
    result = run("audit", "export", "--report", report_id, "--output", str(out), "--config", str(node.config.path))
    assert result.returncode == 0, result.stderr
    case = json.loads(out.read_text("utf-8"))
    # Then it holds the report, the reported status, the sanction and the audit trail about it
    assert str(case["report"]["id"]) == report_id and case["statuses"][0]["text"] == "fake invoices"
    assert [a["action"] for a in case["actions"]] == ["silence"]
    actions = [e["action"] for e in case["audit_trail"]]
    assert actions == ["report.assign_to_self", "report.note", "account.silence", "identity.reveal_request",
                       "identity.reveal_approve", "identity.reveal"]
    # And never the revealed identity itself
    assert "police request 42" in out.read_text("utf-8")
    unknown = run("audit", "export", "--report", "1", "--config", str(node.config.path))
    assert unknown.returncode == 1 and "no report" in unknown.stderr
