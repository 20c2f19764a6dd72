"""`make fuzz`: schemathesis against a live node, with a bounded budget.

Starts a fresh node on loopback (the tests' `NodeThread`), seeds an admin
account whose token came from an OAuth app with every scope (so write
and admin operations run too), and a second account with a post, a list
and a filter for the first one to meet; then runs `schemathesis run`
over the vendored Mastodon API description (tests/conformance/, with
errata.py applied) and exits with its status.

Checks, and why these (README "Fuzzing"):
  not_a_server_error           no input of any shape gives a 5xx
  response_schema_conformance  every documented response has its shape
  content_type_conformance     JSON where JSON is documented
Excluded, because they test the description's claims, not the node:
  unsupported_method           paths of the description this node does
                               not serve answer 404 to every method, the
                               honest answer; tests/node/test_errors.py
                               checks every path the node does serve
                               answers 405 with Allow to every other method
  status_code_conformance      operations this node does not implement
                               answer a JSON 404, which the description
                               does not list for them; Mastodon answers
                               422 or 400 in places it documents another
  negative_data_rejection      Mastodon ignores parameters it does not
                               know and reads loose input (ids as
                               numbers, `key[]` forms), so invalid data
                               is often accepted on purpose
  positive_data_acceptance,    generated ids point at nothing (404), and
  use_after_free,              the description omits Mastodon's own
  ensure_resource_availability rules (text limits, choices...)
  ignored_auth                 public endpoints answer without a token,
                               as Mastodon's do
  missing_required_header,     the description marks the OAuth header
  response_headers_conformance required where Mastodon lets visitors
                               read; it documents no response headers
                               we could break
Environment: FUZZ_SECONDS (budget, default 180), FUZZ_SEED (default
fixed, so CI is repeatable), FUZZ_WORKERS (default 1: hypothesis reads lambda sources with `ast`, which on Python 3.11 is not thread-safe).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from node.keys import DB, IDS
from storage import oauth
from tests.conftest import Node, NodeThread
from tests.conformance.errata import apply_errata
from tests.openapi import SPEC_PATH

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
SCOPES = "read write follow push admin:read admin:write"


async def seed(node: Node) -> str:
    """An admin's token from an OAuth app, and someone to meet; the token."""
    db, ids = node.app[DB], node.app[IDS]
    fuzzer = await node.account("fuzzer", role="admin")
    other = await node.account("other")
    app_id = ids.next_id()
    await oauth.insert_app(db, app_id, "fuzz", None, "urn:ietf:wg:oauth:2.0:oob", SCOPES,
                           secrets.token_hex(16), secrets.token_hex(16))
    token = secrets.token_urlsafe(32)
    await oauth.insert_token(db, ids.next_id(), token, None, app_id, fuzzer.account.id, SCOPES)
    async with aiohttp.ClientSession(headers=other.headers) as http:
        await http.post(node.url("/api/v1/statuses"), json={"status": "hello #fuzz @fuzzer"})
        await http.post(node.url("/api/v1/lists"), json={"title": "friends"})
    return token


def command(spec: Path, base_url: str, token: str) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli", "run", str(spec), "--url", base_url,
        "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
        "--max-time", os.environ.get("FUZZ_SECONDS", "180"), "--seed", os.environ.get("FUZZ_SEED", "20111216"),
        "--workers", os.environ.get("FUZZ_WORKERS", "1"), "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "10", "--output-truncate", "true",
    ]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp)
        spec = root / "mastodon-openapi.json"
        spec.write_text(json.dumps(apply_errata(json.loads(SPEC_PATH.read_text("utf-8")))), "utf-8")
        thread = NodeThread(root / "node")
        with thread as node:
            token = thread.call(seed(node))
            # (in the temporary folder: schemathesis keeps caches in its working directory,
            # and a cache carried over from another run would change what this one tests)
            run = subprocess.run(command(spec, node.base_url, token), check=False, cwd=root)
        return run.returncode

if __name__ == "__main__":
    sys.exit(main())
