"""What registry work needs, in the server and on the command line alike.

The server builds one under `REGISTRY` (node/registry_sync.py): the
federation fetch session when federation is on (else a session of the
same safe kind), and a reload that swaps this process's screening policy
and tells the others. The command line builds one per command, whose
reload asks the running processes to reload (`policy reload`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from node.config import Config
from storage.database import Database
from storage.ids import IdGenerator

Reload = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class RegistryContext:
    config: Config
    db: Database
    ids: IdGenerator
    reload: Reload
    session: aiohttp.ClientSession | None = None  # None: this command fetches nothing


REGISTRY = web.AppKey("registry", RegistryContext)
