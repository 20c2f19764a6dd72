"""`python -m node registry ...`: publishing and subscribing from the command line.

Run as subprocesses, as an association and a node admin would; the
document is served by a plain HTTP server on loopback in a thread (the
commands block, so it cannot share the test's event loop).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import io
import json
import re
import stat
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from node.cli_registry import cmd_keygen
from policy.identity import load_private_key, public_key_b64
from policy.registry_document import open_document
from tests.conftest import write_config
from tests.node.test_screening_api import CATEGORIES, write_lists
from tests.test_cli_permits import NUMBER, ok, run

OTHER = "京ICP证123456号"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served on loopback, and its base URL."""
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def node(root: Path, **kwargs: str) -> Path:
    config = write_config(root, **kwargs)
    ok(config, "init")
    return config


def one_error_line(result: object, exit_code: int = 1) -> str:
    assert result.returncode == exit_code, result.stdout  # type: ignore[attr-defined]
    err = result.stderr.strip()  # type: ignore[attr-defined]
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    return err


def test_keygen_makes_a_private_file_and_prints_the_public_key_last(tmp_path: Path) -> None:
    # When an association makes a key, with no node of its own
    key = tmp_path / "assoc.key"
    printed = ok(tmp_path / "none.toml", "registry", "keygen", "--out", str(key))
    # Then only its owner may read the file, and the last line is its public key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert printed.strip().splitlines()[-1] == public_key_b64(load_private_key(key.read_bytes()).public_key())
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", printed.strip().splitlines()[-1])
    # And it never overwrites a key
    before = key.read_bytes()
    assert "exists" in one_error_line(run(tmp_path / "none.toml", "registry", "keygen", "--out", str(key)))
    assert key.read_bytes() == before


def test_keygen_keys_never_start_like_an_option(tmp_path: Path) -> None:
    # A base64url key may start with "-"; `--public-key KEY` would then read as an option.
    # (Without the guard, 300 keys all pass by chance less than 1% of the time.)
    for i in range(300):
        out = tmp_path / f"{i}.key"
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            assert cmd_keygen(None, argparse.Namespace(out=out)) == 0
        assert not printed.getvalue().splitlines()[-1].startswith("-")


def test_publish_signs_the_local_registry_and_lists(tmp_path: Path) -> None:
    write_lists(tmp_path / "assoc")
    config = node(tmp_path / "assoc", screening=CATEGORIES)
    key = tmp_path / "assoc.key"
    public = ok(config, "registry", "keygen", "--out", str(key)).strip().splitlines()[-1]
    ok(config, "permits", "add", "a.example.cn", NUMBER, "--holder", "甲公司")
    ok(config, "permits", "add", "b.example.cn", OTHER)
    ok(config, "permits", "suspend", "b.example.cn")
    out = tmp_path / "registry.json"
    # When the registry is published with its lists
    printed = ok(config, "registry", "publish", "--key", str(key), "--out", str(out), "--lists")
    assert "2 permits" in printed and "terms" in printed and public in printed
    # Then anyone with the public key can open it: statuses included, terms with their kinds
    document = open_document(out.read_bytes(), public, now=dt.datetime.now(dt.timezone.utc))
    assert [(p.host, p.status, p.holder) for p in document.permits] == [
        ("a.example.cn", "active", "甲公司"), ("b.example.cn", "suspended", "")]
    gambling = next(c for c in document.lists if c.name == "gambling")
    assert gambling.action == "reject" and gambling.exemptions == ("博彩业监管",)
    assert gambling.terms == ("word:博彩", "substring:赌场", "substring:online casino")
    # And the next publication has a newer version; an older one is refused
    ok(config, "registry", "publish", "--key", str(key), "--out", str(out))
    newer = open_document(out.read_bytes(), public, now=dt.datetime.now(dt.timezone.utc))
    assert newer.version > document.version and newer.lists == ()
    refused = run(config, "registry", "publish", "--key", str(key), "--out", str(out), "--version", "5")
    assert "subscribers refuse a version not newer" in one_error_line(refused)
    # A key file that is not a key is one line too
    (tmp_path / "bad.key").write_text("not a key")
    assert "not an Ed25519 private key" in one_error_line(
        run(config, "registry", "publish", "--key", str(tmp_path / "bad.key"), "--out", str(out)))


def test_subscribe_draft_approve_refuse_and_unsubscribe(tmp_path: Path, served: tuple[Path, str]) -> None:
    folder, base = served
    assoc = node(tmp_path / "assoc")
    key = tmp_path / "assoc.key"
    public = ok(assoc, "registry", "keygen", "--out", str(key)).strip().splitlines()[-1]
    ok(assoc, "permits", "add", "a.example.cn", NUMBER)
    ok(assoc, "permits", "add", "b.example.cn", OTHER)
    ok(assoc, "registry", "publish", "--key", str(key), "--out", str(folder / "registry.json"))
    member = node(tmp_path / "member")
    # When the member subscribes as a draft and syncs
    printed = ok(member, "registry", "subscribe", f"{base}/registry.json", "--public-key", public)
    sub_id = re.search(r"subscribed (\d+):", printed).group(1)  # type: ignore[union-attr]
    assert "no document yet" in ok(member, "registry", "subscriptions")
    assert "applied" in ok(member, "registry", "sync", sub_id)
    # Then nothing is permitted until an admin approves
    assert "a.example.cn" not in ok(member, "permits", "list")
    pending = ok(member, "registry", "pending")
    assert "a.example.cn" in pending and "b.example.cn" in pending
    approved = ok(member, "registry", "approve", sub_id, "a.example.cn")
    assert "a.example.cn: create (active)" in approved
    assert f"source:      registry:{sub_id}" in ok(member, "permits", "show", "a.example.cn")
    ok(member, "registry", "approve", sub_id, "--all")
    listing = ok(member, "registry", "subscriptions")
    assert "2 entries, 2 permits in force here, 0 waiting" in listing and "in force (expires" in listing

    # When the served document is tampered with
    document = json.loads((folder / "registry.json").read_text("utf-8"))
    document["payload"] = document["payload"].replace("b.example.cn", "c.example.cn")
    (folder / "registry.json").write_text(json.dumps(document), "utf-8")
    # Then sync refuses it in one line, the admin sees why, and the old entries stay
    error = one_error_line(run(member, "registry", "sync", sub_id))
    assert "the signature does not verify" in error and "stays in force" in error
    assert "error: the signature does not verify" in ok(member, "registry", "subscriptions")
    assert "c.example.cn" not in ok(member, "permits", "list")

    # When the member unsubscribes, the permits it brought are revoked
    assert "2 permits changed" in ok(member, "registry", "unsubscribe", sub_id)
    assert "revoked" in ok(member, "permits", "list", "--status", "revoked")
    assert "no registry subscriptions" in ok(member, "registry", "subscriptions")


REFUSALS = [
    (("subscribe", "ftp://x.example/registry.json", "--public-key", "A" * 43), "url:"),
    (("subscribe", "https://x.example/r.json", "--public-key", "short"), "public key:"),
    (("subscribe", "https://x.example/r.json", "--public-key", "A" * 43, "--priority", "300"), "priority:"),
    (("sync", "999"), "no registry subscription 999"),
    (("approve", "999", "--all"), "no registry subscription 999"),
    (("set", "999", "--lists", "shadow"), "no registry subscription 999"),
    (("unsubscribe", "abc"), "no registry subscription abc"),
]


def test_refusals_exit_1_with_one_line(tmp_path: Path) -> None:
    config = node(tmp_path / "member")
    for args, message in REFUSALS:
        assert message in one_error_line(run(config, "registry", *args)), args


def test_the_same_url_twice_and_bad_choices(tmp_path: Path) -> None:
    config = node(tmp_path / "member")
    args = ("registry", "subscribe", "https://x.example/r.json", "--public-key", "A" * 43)
    ok(config, *args)
    assert "already subscribed" in one_error_line(run(config, *args))
    # A mode that does not exist is a bad argument: exit 2
    assert run(config, *args, "--lists", "loud").returncode == 2
