"""Article 7(8): a moderator escalates a report; its case file is a signed, hash-checked archive.

The archive is checked the way the authorities would: every file's
SHA-256 against the manifest, and the manifest's Ed25519 signature with
the node's published key (also by `openssl pkeyutl`, as its README says).
The legal identity is in it only through an approved, audited reveal.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization

from node.case_files import signing_key
from node.keys import DB
from policy.case_files import check
from tests.conftest import Node
from tests.node.admin_browser_client import PageClient
from tests.node.identity_reveals import make_officer
from tests.node.test_identity import VALID_ID, verify
from tests.test_cli import run


async def post(http: aiohttp.ClientSession, node: Node, who: object, path: str, body: dict[str, object]
               ) -> aiohttp.ClientResponse:
    response = await http.post(node.url(path), json=body, headers=who.headers)  # type: ignore[attr-defined]
    await response.read()
    return response


async def test_escalated_report_becomes_a_signed_case_file(node: Node, http: aiohttp.ClientSession,
                                                           tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Given a report about alice, whose identity is verified, a moderator and an identity officer
    mod = await node.account("mod", role="moderator")
    officer = await make_officer(node, await node.account("officer"))
    alice, bob = await node.account("alice", verified=False), await node.account("bob")
    assert (await verify(http, node, alice, node.attestation("p5", name="周八", id_number=VALID_ID)))[0] == 200
    async with http.post(node.url("/api/v1/statuses"), json={"status": "fraud, send money now"},
                         headers=alice.headers) as resp:
        status = await resp.json()
    report = await (await post(http, node, bob, "/api/v1/reports",
                               {"account_id": str(alice.account.id), "status_ids": [status["id"]],
                                "category": "legal", "comment": "a fraud"})).json()
    base = f"/api/v1/admin/reports/{report['id']}"
    # When the case is exported before it is escalated, it is refused
    assert (await post(http, node, mod, f"{base}/case_file", {})).status == 409
    # And the moderator escalates it to the authorities (once)
    escalated = await post(http, node, mod, f"{base}/escalate", {"reason": "suspected fraud, police case 12"})
    assert escalated.status == 200
    assert (await post(http, node, mod, f"{base}/escalate", {"reason": "again"})).status == 409
    # Then the moderator's case file holds the report, the content and the trail, and no identity
    plain = await post(http, node, mod, f"{base}/case_file", {})
    assert plain.status == 200 and plain.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(await plain.read()))
    assert "identity.json" not in archive.namelist()
    case = json.loads(archive.read("case.json"))
    assert case["statuses"][0]["text"] == "fraud, send money now" and case["report"]["comment"] == "a fraud"
    assert "report.escalate" in [e["action"] for e in case["audit_trail"]]
    assert "周八" not in str(case)
    # And it verifies with the node's key, and a changed byte does not
    public = signing_key(node.config).public_key()
    assert check(await plain.read(), public).ok
    assert not check(tampered(await plain.read(), "case.json"), public).ok
    # When the officer asks to reveal alice's identity for this report and the moderator approves
    asked = await post(http, node, officer, f"/api/v1/admin/accounts/{alice.account.id}/identity/reveal",
                       {"reason": "police case 12", "report_id": report["id"]})
    request_id = (await asked.json())["request"]["id"]
    await post(http, node, mod, f"/api/v1/admin/identity/reveal_requests/{request_id}/approve", {})
    # Then the moderator cannot use the officer's approval, and the officer's export carries the identity
    assert (await post(http, node, mod, f"{base}/case_file", {"request_id": request_id})).status == 403
    full = await post(http, node, officer, f"{base}/case_file", {"request_id": request_id})
    data = await full.read()
    identity = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("identity.json"))
    assert (identity["name"], identity["id_number"]) == ("周八", VALID_ID) and check(data, public).ok
    # And the approval is used up; the audit log says who escalated, who exported, and the reveal
    assert (await post(http, node, officer, f"{base}/case_file", {"request_id": request_id})).status == 409
    actions = [(r[0], r[1]) for r in await node.app[DB].fetchall(
        "SELECT actor, action FROM audit_log WHERE action IN ('report.escalate','case.export','identity.reveal')"
        " ORDER BY id")]
    assert actions == [("mod", "report.escalate"), ("mod", "case.export"), ("officer", "identity.reveal"),
                       ("officer", "case.export")]
    exports = await node.app[DB].fetchall("SELECT exported_by, with_identity FROM case_exports ORDER BY id")
    assert [tuple(r) for r in exports] == [("mod", 0), ("officer", 1)]
    assert "周八" not in caplog.text and VALID_ID not in caplog.text
    # And the command line checks it, and openssl agrees with the signature, as the README says
    path = tmp_path / "case.zip"
    path.write_bytes(data)
    checked = run("compliance", "verify-case", str(path), "--config", str(node.config.path))
    assert checked.returncode == 0 and "case file verified" in checked.stdout
    bad = tmp_path / "bad.zip"
    bad.write_bytes(tampered(data, "identity.json"))
    assert run("compliance", "verify-case", str(bad), "--config", str(node.config.path)).returncode == 1
    assert_openssl_verifies(data, tmp_path)


def tampered(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            content = source.read(item)
            target.writestr(item, content + b" " if item == name else content)
    return out.getvalue()


def assert_openssl_verifies(data: bytes, where: Path) -> None:
    openssl = shutil.which("openssl")
    assert openssl is not None
    folder = where / "unpacked"
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    key = serialization.load_pem_public_key((folder / "signing-key.pem").read_bytes())
    assert key is not None
    result = subprocess.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pem", "-rawin",
                             "-in", "manifest.json", "-sigfile", "manifest.sig"], cwd=folder, capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout


async def test_case_file_from_the_admin_page(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a report and a moderator signed in to the admin pages
    await node.account("mod", role="moderator")
    alice, bob = await node.account("alice"), await node.account("bob")
    report = await (await post(http, node, bob, "/api/v1/reports",
                               {"account_id": str(alice.account.id), "comment": "fraud"})).json()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = PageClient(node, browser)
        await page.sign_in("mod")
        # When the moderator escalates it on the report's page
        assert "Escalate to the authorities" in (await page.get(f"/admin/reports/{report['id']}")).text
        await page.post(f"/admin/reports/{report['id']}/escalate", {"reason": "fraud ring"})
        assert page.flash() == f"notice:Report {report['id']} escalated to the authorities."
        # Then the page offers the case file, and its download verifies
        assert "Export the signed case file" in (await page.get(f"/admin/reports/{report['id']}")).text
        token = await page.csrf(f"/admin/reports/{report['id']}")
        async with browser.post(node.url(f"/admin/reports/{report['id']}/case_file"),
                                data={"csrf_token": token}) as resp:
            assert resp.status == 200 and resp.content_type == "application/zip"
            data = await resp.read()
    assert check(data, signing_key(node.config).public_key()).ok
    assert (await node.app[DB].fetchval("SELECT exported_by FROM case_exports")) == "mod"
