"""`python -m node permits ...`: the registry from the command line.

Run as subprocesses, as an admin would: exit 0 on success, 1 for a refused
action, with one `error:` line (and `file:line:` lines for an import).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]
NUMBER = "京ICP备12345678号-1"


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NODE_LOG_LEVEL": "WARNING", "NODE_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "node", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def ok(config: Path, *args: str) -> str:
    result = run(config, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "node")
    ok(path, "init")
    return path


def test_add_list_show_suspend_revoke_activate_remove(config: Path) -> None:
    # Given a node; When a permit is added with its details
    added = ok(config, "permits", "add", "Peer.Example.CN:443", NUMBER, "--holder", "示例公司",
               "--valid-until", "2099-12-31", "--note", "signed 2026")
    # Then it is stored under the normalised host with the inferred kind
    assert "added peer.example.cn: filing 京ICP备12345678号-1, active (permitted)" in added
    listing = ok(config, "permits", "list")
    assert "peer.example.cn" in listing and "示例公司" in listing and "2099-12-31" in listing
    shown = ok(config, "permits", "show", "peer.example.cn")
    assert "source:      cli" in shown and "declared:    not fetched yet" in shown
    # When it is suspended, then revoked with a note, then restored
    assert "suspended (suspended)" in ok(config, "permits", "suspend", "peer.example.cn")
    assert "peer.example.cn" not in ok(config, "permits", "list", "--status", "active")
    assert "revoked (revoked)" in ok(config, "permits", "revoke", "peer.example.cn", "--note", "fraud")
    assert "note:        fraud" in ok(config, "permits", "show", "peer.example.cn")
    assert "active (permitted)" in ok(config, "permits", "activate", "peer.example.cn")
    # Then removing it leaves the registry empty
    ok(config, "permits", "remove", "peer.example.cn")
    assert "peer.example.cn" not in ok(config, "permits", "list")


def test_add_again_replaces_details_but_keeps_status(config: Path) -> None:
    # Given a suspended permit
    ok(config, "permits", "add", "peer.example.cn", NUMBER)
    ok(config, "permits", "suspend", "peer.example.cn")
    # When it is added again with a new number
    updated = ok(config, "permits", "add", "peer.example.cn", "京ICP证123456号")
    # Then the details change but it stays suspended until activated
    assert "updated peer.example.cn: licence 京ICP证123456号, suspended" in updated


@pytest.mark.parametrize(("args", "message"), [
    (("add", "peer.example.cn", "ICP 12345"), "number:"),
    (("add", "peer.example.cn", NUMBER, "--kind", "licence"), "kind:"),
    (("add", "https://peer.example.cn/", NUMBER), "host:"),
    (("add", "peer.example.cn", NUMBER, "--valid-until", "next year"), "valid_until:"),
    (("suspend", "unknown.example.cn"), "no permit for unknown.example.cn"),
    (("show", "unknown.example.cn"), "no permit for unknown.example.cn"),
])
def test_refusals_exit_1_with_one_line(config: Path, args: tuple[str, ...], message: str) -> None:
    # Given a bad number, kind, host or date, or an unknown host
    result = run(config, "permits", *args)
    # Then exit 1 with one error line naming the problem, and no traceback
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: ") and message in result.stderr


CSV = """host,number,kind,holder,status,valid_until,note
a.example.cn,京ICP备12345678号-1,filing,"甲公司, 北京",active,2099-12-31,"quoted, with comma"
b.example.cn:8443,京B2-20090059,,,suspended,,
"""

TOML = """[[permit]]
host = "c.example.cn"
number = "京ICP证123456号"
valid_until = 2099-01-01

[[permit]]
host = "d.example.cn"
number = "京ICP备87654321号"
status = "revoked"
note = "line one\\nline two"
"""


def test_import_csv_and_toml_then_export_round_trips(config: Path, tmp_path: Path) -> None:
    # Given a CSV file and a TOML file of permits
    (tmp_path / "permits.csv").write_text(CSV, "utf-8-sig")
    (tmp_path / "permits.toml").write_text(TOML, "utf-8")
    # When both are imported
    assert "2 added" in ok(config, "permits", "import", str(tmp_path / "permits.csv"))
    assert "2 added" in ok(config, "permits", "import", str(tmp_path / "permits.toml"))
    # Then statuses, ports, dates and the source are as the files say
    listing = ok(config, "permits", "list", "--status", "suspended")
    assert "b.example.cn:8443" in listing and "a.example.cn" not in listing
    assert "source:      import:permits.toml" in ok(config, "permits", "show", "c.example.cn")
    # When exported as CSV and TOML and imported into a fresh node
    csv_text = ok(config, "permits", "export")
    ok(config, "permits", "export", "--output", str(tmp_path / "out.toml"))
    other = write_config(tmp_path / "other")
    ok(other, "init")
    ok(other, "permits", "import", str(tmp_path / "out.toml"))
    # Then the fresh node exports the same registry, byte for byte
    assert ok(other, "permits", "export", "--format", "csv") == csv_text
    assert '"甲公司, 北京"' in csv_text and '"line one\nline two"' in csv_text
    assert len(csv_text.strip().splitlines()) > 1


def test_import_with_a_bad_row_stores_nothing_and_names_file_and_line(
        config: Path, tmp_path: Path) -> None:
    # Given a CSV whose third and fourth lines are bad
    path = tmp_path / "bad.csv"
    path.write_text("host,number,kind,holder,status,valid_until,note\n"
                    "good.example.cn,京ICP备12345678号-1,,,,,\n"
                    "bad.example.cn,ICP 123,,,,,\n"
                    "good.example.cn,京ICP证123456号,,,,,\n", "utf-8")
    # When imported
    result = run(config, "permits", "import", str(path))
    # Then exit 1, each bad row named as file:line, and nothing stored
    assert result.returncode == 1
    assert f"{path}:3: number:" in result.stderr
    assert f"{path}:4: host: good.example.cn is also on line 2" in result.stderr
    assert "nothing imported" in result.stderr
    assert "good.example.cn" not in ok(config, "permits", "list")


def test_toml_import_names_the_line_of_the_bad_table(config: Path, tmp_path: Path) -> None:
    # Given a TOML file whose second table has an unknown status and key
    path = tmp_path / "bad.toml"
    path.write_text('[[permit]]\nhost = "a.example.cn"\nnumber = "京ICP证123456号"\n\n'
                    '[[permit]]\nhost = "b.example.cn"\nnumber = "京ICP证654321号"\n'
                    'status = "paused"\n', "utf-8")
    # When imported
    result = run(config, "permits", "import", str(path))
    # Then the table's header line is named and nothing is stored
    assert result.returncode == 1
    assert f"{path}:5: status:" in result.stderr
    assert "a.example.cn" not in ok(config, "permits", "list")


def test_import_refuses_unknown_columns_and_extensions(config: Path, tmp_path: Path) -> None:
    (tmp_path / "cols.csv").write_text("host,number,colour\na.example.cn,京ICP证123456号,red\n", "utf-8")
    (tmp_path / "permits.json").write_text("[]", "utf-8")
    columns = run(config, "permits", "import", str(tmp_path / "cols.csv"))
    extension = run(config, "permits", "import", str(tmp_path / "permits.json"))
    assert columns.returncode == 1 and f"{tmp_path / 'cols.csv'}:1: header" in columns.stderr
    assert extension.returncode == 1 and ".csv or .toml" in extension.stderr
