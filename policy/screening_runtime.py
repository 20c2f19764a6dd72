"""The live screening policy of a running node, and its reloads.

The policy is immutable; a reload builds a new one off the request path
and swaps the reference in one assignment, so a request screens under
either the old or the new version, never a mix, and none waits for the
build. The slow part of a build (reading and normalising every term,
building the fast path's filter) runs in a child process
(`policy/screening/child.py`), because in a thread its Python work
competes with requests for the GIL: at 100,000 terms that made requests
during a reload wait hundreds of milliseconds. Only the exact automaton
is built here, in a thread, in shards that each hold the GIL about 10 ms.
A build that fails (unreadable file, bad regular expression, unknown
action, a crashed child) leaves the old policy in place and says why,
with file and line when a list is at fault. Several processes may serve one database: a
reload request is a value in `node_settings`, and every process's
`sync()` picks it up.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from policy.screening import CategoryConfig, Decision, Policy, PolicyError, load_policy, screen
from policy.screening.child import ChildError, prepare_in_child
from policy.screening.engine import assemble_policy
from storage import screening as store
from storage.database import Database

logger = logging.getLogger(__name__)

Fields = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class PolicySource:
    """What a policy is built from: the categories and engine settings."""

    categories: tuple[CategoryConfig, ...]
    fold_traditional: bool = True
    engine: str | None = None


Loader = Callable[[], PolicySource]  # raises PolicyError


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    version: str
    previous: str
    error: str = ""
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "version": self.version, "previous": self.previous,
                "error": self.error or None, "file": self.file, "line": self.line}


def build(loader: Loader) -> Policy:
    source = loader()
    return load_policy(source.categories, fold_traditional=source.fold_traditional,
                       engine=source.engine or None)


async def build_off_process(loader: Loader) -> Policy:
    """`build`, with the slow half in a fresh child process."""
    source = await asyncio.to_thread(loader)
    # A fresh interpreter, not fork: the server has threads (database,
    # resolver) that a forked child would inherit mid-operation.
    parts = await prepare_in_child(source.categories, fold_traditional=source.fold_traditional,
                                   engine=source.engine or None)
    return await asyncio.to_thread(assemble_policy, parts)


class ScreeningHolder:
    """Holds the current Policy; `screener` and `record` serve the gate."""

    def __init__(self, db: Database, loader: Loader, policy: Policy) -> None:
        self._db, self._loader, self._policy = db, loader, policy
        self._lock = asyncio.Lock()
        self._seen_request: str | None = None

    @classmethod
    async def start(cls, db: Database, loader: Loader) -> ScreeningHolder:
        """Build the first policy; a bad one stops the node from starting."""
        holder = cls(db, loader, await asyncio.to_thread(build, loader))
        holder._seen_request = await store.get_setting(db, store.SETTING_RELOAD)
        await store.put_setting(db, store.SETTING_VERSION, holder.policy.version)
        return holder

    @property
    def policy(self) -> Policy:
        return self._policy

    def screener(self, kind: str) -> Callable[[Fields], Decision]:
        policy = self._policy  # one version for the whole request

        def run(fields: Fields) -> Decision:
            return screen(policy, fields)

        return run

    async def record(self, decision: Decision) -> None:
        """Count every hit, shadow hits included, under its policy version."""
        hits = [(h.rule_id, h.category, h.mode) for h in (*decision.hits, *decision.shadow_hits)]
        await store.record_hits(self._db, decision.policy_version, hits, decision_outcomes(decision))

    async def reload(self, *, announce: bool = True) -> ReloadResult:
        """Build and swap; on failure keep the old policy and say why."""
        async with self._lock:
            previous = self._policy.version
            try:
                fresh = await build_off_process(self._loader)
            except PolicyError as exc:
                logger.warning("screening reload refused, keeping %s: %s", previous, exc)
                return ReloadResult(False, previous, previous, exc.message,
                                    str(exc.file) if exc.file else None, exc.line)
            except ChildError as exc:
                logger.error("screening reload failed, keeping %s: %s", previous, exc)
                return ReloadResult(False, previous, previous, str(exc))
            self._policy = fresh
            await store.put_setting(self._db, store.SETTING_VERSION, fresh.version)
            if announce:
                self._seen_request = secrets.token_hex(8)
                await store.put_setting(self._db, store.SETTING_RELOAD, self._seen_request)
            logger.info("screening policy %s -> %s", previous, fresh.version)
            return ReloadResult(True, fresh.version, previous)

    async def sync(self) -> ReloadResult | None:
        """Reload if another process (or the CLI) asked since we last looked."""
        requested = await store.get_setting(self._db, store.SETTING_RELOAD)
        if requested is None or requested == self._seen_request:
            return None
        self._seen_request = requested
        return await self.reload(announce=False)


def decision_outcomes(decision: Decision) -> list[tuple[str, str]]:
    """What the daily counts keep of one decision: each category it hit
    once, each shadow category once, and its action for the category
    that decided it (policy/compliance reads them back)."""
    pairs = [(category, "hit") for category in decision.categories]
    pairs += [(category, "shadow") for category in dict.fromkeys(h.category for h in decision.shadow_hits)]
    if decision.category is not None and decision.action != "accept":
        pairs.append((decision.category, decision.action))
    return pairs


async def request_reload(db: Database) -> str:
    """Ask every running process to reload (the CLI's `policy reload`)."""
    stamp = secrets.token_hex(8)
    await store.put_setting(db, store.SETTING_RELOAD, stamp)
    return stamp
