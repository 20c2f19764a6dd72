"""The command line is a contract: scripts rely on its names and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from node.config import load_config
from storage import migrations
from tests import backends
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
    # Then the first creates the database (with every migration) and the second refuses
    assert first.returncode == 0, first.stderr
    applied = backends.raw_sql(load_config(config).storage.target(), "SELECT count(*) FROM schema_migrations")
    assert applied[0][0] == len(migrations.load("sqlite"))
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


def _initialised(tmp_path: Path, **kwargs: object) -> Path:
    config = write_config(tmp_path, **kwargs)  # type: ignore[arg-type]
    assert run("init", "--config", str(config)).returncode == 0
    return config


def test_check_config_refuses_what_serve_would(tmp_path: Path) -> None:
    # Given a working node, check-config says ok
    config = _initialised(tmp_path / "good")
    good = run("check-config", "--config", str(config))
    assert good.returncode == 0 and "ok" in good.stdout, good.stderr
    text = config.read_text("utf-8")
    bad_values = {
        "screening.engine": ("[screening]", '[screening]\nengine = "turbo"'),
        "registrations.min_password_length": ("[registrations]", "[registrations]\nmin_password_length = 0"),
        "identity.accounts_per_identity": ("[identity]", "[identity]\naccounts_per_identity = 0"),
    }
    for key, (section, replaced) in bad_values.items():
        if section not in text:
            broken = text + "\n" + replaced + "\n"
        else:
            broken = text.replace(section, replaced, 1)
        config.write_text(broken, "utf-8")
        result = run("check-config", "--config", str(config))
        # Then each bad value is one line naming the key, exit 2
        assert result.returncode == 2, (key, result.stdout, result.stderr)
        assert key in result.stderr and len(result.stderr.strip().splitlines()) == 1
    config.write_text(text, "utf-8")


def test_check_config_finds_missing_list_files(tmp_path: Path) -> None:
    # Given a plain copy of a screened node's config in another folder (its lists stay behind)
    from tests.node.test_screening_api import CATEGORIES, write_lists

    write_lists(tmp_path / "node")
    config = _initialised(tmp_path / "node", screening=CATEGORIES)
    assert run("check-config", "--config", str(config)).returncode == 0
    copy = tmp_path / "elsewhere" / "config.toml"
    copy.parent.mkdir()
    copy.write_text(config.read_text("utf-8"), "utf-8")
    result = run("check-config", "--config", str(copy))
    # Then check-config names the missing list, as serve would refuse to start
    assert result.returncode == 2, result.stdout
    assert "screening" in result.stderr and ".txt" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_serve_on_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = _initialised(tmp_path, port=port)
        result = run("serve", "--config", str(config))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "http.port" in lines[0] and "in use" in lines[0], result.stderr


def test_accounts_list_shows_verification(tmp_path: Path) -> None:
    config = _initialised(tmp_path)
    env = {"NODE_CONFIG": str(config)}
    for name in ("alice", "bob"):
        assert run("accounts", "create", name, "--email", f"{name}@example.test",
                   "--password", "correct horse battery", env=env).returncode == 0
    token = run("identity", "issue", "--subject", "alice-1", env=env).stdout.strip().splitlines()[-1]
    assert run("accounts", "verify", "alice", "--attestation", token, env=env).returncode == 0
    listing = run("accounts", "list", env=env).stdout.splitlines()
    assert "verified" in listing[0]
    rows = {line.split()[1]: line.split()[3] for line in listing[1:]}
    assert rows == {"alice": "yes", "bob": "no"}


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
