"""`python -m node accounts delete USERNAME --reason R`: an admin deletes a
local account from the command line, while the node serves (issue #16)."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from node.keys import DB
from tests.conftest import Node
from tests.test_cli import run


async def _cli(node: Node, *args: str) -> tuple[int, str, str]:
    done = await asyncio.to_thread(run, *args, "--config", str(node.config.path))
    return done.returncode, done.stdout, done.stderr


async def test_admin_deletes_an_account_from_the_command_line(node: Node, http: aiohttp.ClientSession) -> None:
    ana = await node.account("ana")
    async with http.post(node.url("/api/v1/statuses"), headers=ana.headers, json={"status": "fresh tea"}) as resp:
        posted = await resp.json()
    # An unknown user is one line and changes nothing
    code, _, err = await _cli(node, "accounts", "delete", "nobody", "--reason", "request 7")
    assert code == 1 and err.strip().count("\n") == 0 and "no local account 'nobody'" in err
    # When the admin deletes ana, giving the reason
    code, out, err = await _cli(node, "accounts", "delete", "ANA", "--reason", "request 7")
    assert code == 0, err
    assert "deleted ANA" in out
    # Then her token is dead at once
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=ana.headers) as resp:
        assert resp.status == 401
    # and the serving node removes her content in the background
    for _ in range(400):
        async with http.get(node.url(f"/api/v1/statuses/{posted['id']}")) as resp:
            if resp.status == 404:
                break
        await asyncio.sleep(0.05)
    assert resp.status == 404
    # The audit log says an admin did it from the command line, and why
    row = await node.app[DB].fetchone("SELECT actor, details_json FROM audit_log WHERE action = 'account.deleted'")
    assert row is not None and row[0] == "cli"
    details = json.loads(row[1])
    assert (details["by"], details["reason"]) == ("admin", "request 7")
    # A second time is refused in one line, and her username cannot be created again
    code, _, err = await _cli(node, "accounts", "delete", "ana", "--reason", "again")
    assert code == 1 and "deleted already" in err
    code, _, err = await _cli(node, "accounts", "create", "Ana", "--email", "ana2@example.test",
                              "--password", "correct horse battery")
    assert code == 1 and "already taken" in err
    # And an export of what is left is refused in one line, writing no file
    out = node.config.path.parent / "ana.zip"
    code, _, err = await _cli(node, "accounts", "export", "ana", "--out", str(out))
    assert code == 1 and err.strip().count("\n") == 0 and "was deleted" in err and not out.exists()
