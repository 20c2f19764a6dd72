"""The command line is a contract: scripts rely on its names and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NODE_LOG_LEVEL": "WARNING", **(env or {})}
    return subprocess.run([sys.executable, "-m", "node", *args], capture_output=True, text=True,
                          cwd=ROOT, env=full_env, timeout=120)


def test_init_creates_node_and_refuses_to_overwrite(tmp_path: Path) -> None:
    # Given a config
    config = write_config(tmp_path)
    # When init runs twice
    first = run("init", "--config", str(config))
    second = run("init", "--config", str(config))
    # Then the first creates the database under data/ and the second refuses
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "data" / "node.sqlite3").exists()
    assert second.returncode == 1
    assert "refusing to overwrite" in second.stderr


def test_accounts_create_and_list_with_node_config_env(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    env = {"NODE_CONFIG": str(config)}
    assert run("init", env=env).returncode == 0
    created = run("accounts", "create", "alice", "--email", "alice@example.test",
                  "--password", "correct horse battery", "--admin", env=env)
    assert created.returncode == 0, created.stderr
    listing = run("accounts", "list", env=env)
    assert "alice" in listing.stdout and "admin" in listing.stdout
    duplicate = run("accounts", "create", "alice", "--email", "other@example.test",
                    "--password", "correct horse battery", env=env)
    assert duplicate.returncode == 1
    assert "already taken" in duplicate.stderr


def test_bad_config_is_one_line_naming_key_and_file(tmp_path: Path) -> None:
    # Given a config with a mistyped value and one with an unknown key
    config = write_config(tmp_path)
    text = config.read_text("utf-8")
    config.write_text(text.replace("port = ", "port = \"eighty\" #"), "utf-8")
    # When checked
    result = run("check-config", "--config", str(config))
    # Then exit 2, one line, naming the key and the file, no traceback
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "http.port" in lines[0] and str(config) in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_key_and_bad_permit_are_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="colour = \"blue\"")
    result = run("check-config", "--config", str(config))
    assert result.returncode == 2 and "federation.colour" in result.stderr
    bad = write_config(tmp_path / "b", permit="ICP 12345")
    result = run("check-config", "--config", str(bad))
    assert result.returncode == 2 and "node.permit" in result.stderr


def test_missing_config_names_the_option(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NODE_CONFIG"}
    result = subprocess.run([sys.executable, "-m", "node", "check-config"], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 2
    assert "--config" in result.stderr


def test_suggestions_staff_picks_from_the_command_line(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    env = {"NODE_CONFIG": str(config)}
    assert run("init", env=env).returncode == 0
    assert run("accounts", "create", "frank", "--email", "f@example.test", "--password", "correct horse battery",
               env=env).returncode == 0
    # When frank is picked, twice, then listed and removed
    added = run("suggestions", "add", "frank", env=env)
    again = run("suggestions", "add", "frank", env=env)
    listed = run("suggestions", "list", env=env)
    removed = run("suggestions", "remove", "frank", env=env)
    # Then each says what happened, and removing him again or an unknown name is refused (exit 1)
    assert (added.returncode, again.returncode, removed.returncode) == (0, 0, 0), added.stderr
    assert "is now" in added.stdout and "was already" in again.stdout
    assert listed.stdout.split() == ["frank"]
    for refused in (run("suggestions", "remove", "frank", env=env), run("suggestions", "add", "nobody", env=env)):
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1


def test_custom_emoji_from_the_command_line(tmp_path: Path) -> None:
    from tests.node.test_media import jpeg, png

    config = write_config(tmp_path)
    env = {"NODE_CONFIG": str(config)}
    assert run("init", env=env).returncode == 0
    (tmp_path / "cat.png").write_bytes(png())
    (tmp_path / "photo.jpg").write_bytes(jpeg())
    # When a PNG is added, listed and removed
    added = run("emoji", "add", "blobcat", str(tmp_path / "cat.png"), "--category", "Cats", env=env)
    listed = run("emoji", "list", env=env)
    removed = run("emoji", "remove", ":blobcat:", env=env)
    # Then each works, and a JPEG, a missing file or an unknown emoji is refused in one line (exit 1)
    assert (added.returncode, listed.returncode, removed.returncode) == (0, 0, 0), added.stderr
    assert listed.stdout.split("\t")[:2] == [":blobcat:", "Cats"]
    for refused in (run("emoji", "add", "photo", str(tmp_path / "photo.jpg"), env=env),
                    run("emoji", "add", "gone", str(tmp_path / "missing.png"), env=env),
                    run("emoji", "remove", "blobcat", env=env)):
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
