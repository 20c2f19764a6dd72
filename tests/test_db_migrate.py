"""`db migrate` carries a SQLite node over to PostgreSQL (issue 10).

A real SQLite node with activity (verified identities, posts in Chinese and
English, a report and its moderation, a permit, queued deliveries, media),
copied into an empty database of a real PostgreSQL cluster while it still
serves; then the same node served from PostgreSQL shows the same data.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB, IDS
from policy import permits
from storage.database import Target
from tests import backends
from tests.conftest import Node, start_node, write_config
from tests.node.test_media import png, upload
from tests.pgcluster import PgCluster
from tests.test_cli import run

CANARY_NAME = "钱七"
SQLITE = 'backend = "sqlite"'


async def _activity(node: Node) -> dict[str, str]:
    alice = await node.account("alice", verified=False)
    mod = await node.account("mod", role="admin")
    async with aiohttp.ClientSession() as http:
        attestation = node.attestation("alice-1", name=CANARY_NAME, id_number="11010519491231002X")
        async with http.post(node.url("/api/v1/identity/verify"), json={"attestation": attestation},
                             headers=alice.headers) as resp:
            assert resp.status == 200, await resp.text()
        _, media = await upload(http, node, alice, png(), description="图表")
        async with http.post(node.url("/api/v1/statuses"), headers=alice.headers,
                             json={"status": "北京市微博客发展 fake invoices", "media_ids": [media["id"]]}) as resp:
            status = await resp.json()
        async with http.post(node.url("/api/v1/reports"), headers=mod.headers,
                             json={"account_id": alice.account.id, "status_ids": [status["id"]]}) as resp:
            report = await resp.json()
        async with http.post(node.url(f"/api/v1/admin/accounts/{alice.account.id}/action"), headers=mod.headers,
                             json={"type": "silence", "report_id": report["id"]}) as resp:
            assert resp.status == 200
    await permits.add_permit(node.app[DB], node.app[IDS], permits.validate_entry("peer.example.cn", "京ICP备87654321号-1"))
    return {"status": status["id"], "token": alice.token}


def _counts(stdout: str) -> dict[str, tuple[int, int]]:
    rows = [line.split() for line in stdout.splitlines()]
    return {r[0]: (int(r[1]), int(r[2])) for r in rows if len(r) >= 3 and r[1].isdigit()}


@pytest.fixture
async def served_sqlite_node(tmp_path: Path) -> tuple[Node, dict[str, str]]:
    node, runner = await start_node(tmp_path / "node", storage=SQLITE)
    seen = await _activity(node)
    yield node, seen
    await runner.cleanup()


async def test_migrate_carries_a_serving_node_over(served_sqlite_node: tuple[Node, dict[str, str]],
                                                   pg_cluster: PgCluster, tmp_path: Path) -> None:
    node, seen = served_sqlite_node
    source = node.config.storage.path
    target = pg_cluster.empty_database("migrated")
    # When the admin copies the node (still serving) into an empty PostgreSQL database
    copied = await asyncio.to_thread(run, "db", "migrate", "--config", str(node.config.path),
                                     "--from", str(source), "--to", target)
    # Then every table arrives whole, with counts printed, and the audit chain still verifies
    assert copied.returncode == 0, copied.stderr
    counts = _counts(copied.stdout)
    assert counts and all(src == dst for src, dst in counts.values())
    for table in ("accounts", "identities", "statuses", "media_attachments", "audit_log", "permits",
                  "reports", "account_sanctions", "statuses_fts"):
        assert counts.get(table, (0, 0))[0] > 0, (table, copied.stdout)
    assert "audit chain: verified" in copied.stdout
    # And identities are still encrypted: the source's bytes are the target's
    pg = backends.stored_bytes(Target("postgresql", dsn=target))
    assert b"name_blob" in pg and CANARY_NAME.encode() not in pg
    # And a second run is refused, in one line, changing nothing
    again = await asyncio.to_thread(run, "db", "migrate", "--config", str(node.config.path),
                                    "--from", str(source), "--to", target)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already holds" in again.stderr
    # And the node served from PostgreSQL (the same key files and media) shows the same statuses
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "data").symlink_to(source.parent)
    pg_node, runner = await start_node(moved, storage=f'backend = "postgresql"\ndsn = "{target}"', init=False)
    verify = await asyncio.to_thread(run, "audit", "verify", "--config", str(pg_node.config.path))
    assert verify.returncode == 0, verify.stderr
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(pg_node.url("/api/v2/search"), params={"q": "微博", "type": "statuses"},
                                headers={"Authorization": f"Bearer {seen['token']}"}) as resp:
                found = [s["id"] for s in (await resp.json())["statuses"]]
            async with http.get(pg_node.url(f"/api/v1/statuses/{seen['status']}"),
                                headers={"Authorization": f"Bearer {seen['token']}"}) as resp:
                body = await resp.json()
        assert found == [seen["status"]]
        assert body["media_attachments"][0]["description"] == "图表"
    finally:
        await runner.cleanup()


def test_migrate_refuses_a_missing_source_in_one_line(tmp_path: Path, pg_cluster: PgCluster) -> None:
    config = write_config(tmp_path, storage=SQLITE)
    result = run("db", "migrate", "--config", str(config), "--from", str(tmp_path / "none.sqlite3"),
                 "--to", pg_cluster.empty_database("nothing"))
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "no SQLite database" in result.stderr
    secret = run("db", "migrate", "--config", str(config), "--to", "postgresql://u:secret@127.0.0.1/x")
    assert secret.returncode == 2 and "NODE_DATABASE_PASSWORD" in secret.stderr and "secret" not in secret.stderr
