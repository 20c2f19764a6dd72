"""`serve --processes N`: N serving processes on one port, watched by this one.

Each child is an ordinary `python -m node serve --reuse-port` process
(its own event loop, database pools and background workers), all bound to
the same address with SO_REUSEPORT, so the kernel spreads connections
over them; PostgreSQL is what they share. The parent only watches:
SIGTERM or SIGINT stops every child and waits for them; SIGHUP goes to
one child (a policy reload is recorded in the database, and every process
follows it); a child that dies is started again, unless children keep
dying right after starting, which stops the node in one line rather than
looping.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

logger = logging.getLogger(__name__)

QUICK_DEATH_SECONDS = 10.0  # a child that dies sooner than this after starting counts as failing
QUICK_DEATHS_ALLOWED = 3
STOP_GRACE_SECONDS = 20.0


class SupervisorError(Exception):
    """The children could not be kept running."""


class Supervisor:
    def __init__(self, child_argv: Sequence[str], count: int) -> None:
        self.child_argv = list(child_argv)
        self.count = count
        self.children: list[tuple[subprocess.Popen[bytes], float]] = []
        self.stopping = False
        self.quick_deaths = 0

    def _start_one(self) -> None:
        child = subprocess.Popen([sys.executable, "-m", "node", *self.child_argv])
        self.children.append((child, time.monotonic()))
        logger.info("serving process %d started", child.pid)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            if self.children:
                self.children[0][0].send_signal(signal.SIGHUP)
            return
        self.stopping = True

    def _reap(self) -> None:
        """Forget children that ended; start new ones for them unless stopping."""
        alive = []
        for child, started in self.children:
            code = child.poll()
            if code is None:
                alive.append((child, started))
                continue
            if self.stopping:
                continue
            logger.warning("serving process %d ended (exit %s); starting another", child.pid, code)
            if time.monotonic() - started < QUICK_DEATH_SECONDS:
                self.quick_deaths += 1
            else:
                self.quick_deaths = 0
        self.children = alive
        if self.quick_deaths >= QUICK_DEATHS_ALLOWED:
            self.stopping = True
            raise SupervisorError("serving processes keep ending right after they start; see their log")
        while not self.stopping and len(self.children) < self.count:
            self._start_one()

    def _stop_all(self) -> None:
        for child, _ in self.children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child, _ in self.children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        try:
            while not self.stopping:
                self._reap()
                time.sleep(0.2)
        finally:
            self._stop_all()
        return 0
