"""A served node reloads its screening lists on SIGHUP (issue 4).

The real `python -m node serve` process, a real signal: the policy
version NodeInfo reports changes once a list is edited and the node is
signalled, and a list broken afterwards is refused with the node still
serving the last good policy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import write_config
from tests.node.test_screening_api import CATEGORIES, write_lists
from tests.test_cli import ROOT, run


def nodeinfo_policy(base: str) -> dict[str, object]:
    body = requests.get(f"{base}/nodeinfo/2.1", timeout=5).json()
    return body["metadata"]["policy"]


def wait_for(check: object, timeout: float = 60.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()  # type: ignore[operator]
            if value:
                return value
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    write_lists(tmp_path)
    config = write_config(tmp_path, screening=CATEGORIES)
    env = {**os.environ, "NODE_CONFIG": str(config), "NODE_LOG_LEVEL": "INFO"}
    assert run("init", env={"NODE_CONFIG": str(config)}).returncode == 0
    port = next(line.split("=")[1].strip() for line in config.read_text().splitlines()
                if line.startswith("port"))
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "node", "serve"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            yield f"http://127.0.0.1:{port}", tmp_path, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_sighup_reloads_the_lists_and_a_bad_list_is_refused(
        served: tuple[str, Path, subprocess.Popen[str]]) -> None:
    base, root, proc = served
    first = wait_for(lambda: nodeinfo_policy(base))
    assert isinstance(first, dict)
    # When the admin adds a term and signals the node
    spam = root / "lists" / "spam.txt"
    spam.write_text(spam.read_text("utf-8") + "buy followers today\n", "utf-8")
    proc.send_signal(signal.SIGHUP)
    # Then the node serves a new policy version with one more rule
    second = wait_for(lambda: (p := nodeinfo_policy(base))["screeningVersion"] !=
                      first["screeningVersion"] and p)
    assert isinstance(second, dict)
    assert second["screeningRules"] == first["screeningRules"] + 1
    # When a list is broken and the node signalled again
    spam.write_text("fine\nre:(broken\n", "utf-8")
    proc.send_signal(signal.SIGHUP)
    # Then the reload is refused, naming file and line, and the node keeps
    # serving the last good policy
    log = root / "serve.log"
    refusal = wait_for(lambda: next((line for line in log.read_text().splitlines()
                                     if "reload refused" in line), None))
    assert "spam.txt:2" in str(refusal)
    assert proc.poll() is None
    assert nodeinfo_policy(base)["screeningVersion"] == second["screeningVersion"]
