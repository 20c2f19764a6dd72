"""Identity from the command line: issue, verify, reveal (audited), rotate."""

from __future__ import annotations

from pathlib import Path

from node.config import load_config
from tests import backends
from tests.conftest import write_config
from tests.test_cli import run

VALID_ID = "11010519491231002X"


def test_issue_verify_reveal_and_rotate(tmp_path: Path) -> None:
    # Given a node with an account
    env = {"NODE_CONFIG": str(write_config(tmp_path))}
    assert run("init", env=env).returncode == 0
    assert (tmp_path / "data" / "identity.key").stat().st_mode & 0o777 == 0o600
    assert run("accounts", "create", "bob", "--email", "b@x.test", "--password", "long password", env=env).returncode == 0
    # When the development authority issues a token and the admin verifies bob with it
    issued = run("identity", "issue", "--subject", "p-1", "--name", "赵六", "--id-number", VALID_ID, env=env)
    token = issued.stdout.strip().splitlines()[-1]
    verified = run("accounts", "verify", "bob", "--attestation", token, env=env)
    assert verified.returncode == 0, verified.stderr
    # Then the same token cannot verify anyone else, and a bad account leaves nothing
    again = run("accounts", "create", "eve", "--email", "e@x.test", "--password", "long password",
                "--attestation", token, env=env)
    assert again.returncode == 1 and "replayed" in again.stderr
    assert "eve" not in run("accounts", "list", env=env).stdout
    # And the legal data is nowhere in the database file in plain text
    target = load_config(env["NODE_CONFIG"]).storage.target()
    raw = backends.stored_bytes(target)
    assert "赵六".encode() not in raw and VALID_ID.encode() not in raw
    # And a reveal needs a reason, is recorded, and still works after key rotation
    assert run("identity", "reveal", "bob", "--reason", "   ", env=env).returncode == 1
    assert "赵六" in run("identity", "reveal", "bob", "--reason", "case 1", env=env).stdout
    rotated = run("identity", "rotate-key", env=env)
    assert rotated.returncode == 0 and "re-encrypted 1" in rotated.stdout
    assert VALID_ID in run("identity", "reveal", "bob", "--reason", "case 2", env=env).stdout
    reasons = [r[0] for r in backends.raw_sql(target, "SELECT reason FROM identity_reveals ORDER BY id")]
    blob = backends.raw_sql(target, "SELECT name_blob FROM identities")[0][0]
    assert reasons == ["case 1", "case 2"] and blob.startswith("k2:")


def test_keygen_prints_a_config_line(tmp_path: Path) -> None:
    env = {"NODE_CONFIG": str(write_config(tmp_path))}
    out = run("identity", "keygen", env=env)
    assert out.returncode == 0 and out.stdout.strip().splitlines()[-1].startswith('public_key = "')
