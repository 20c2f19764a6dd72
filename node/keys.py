"""Typed application state keys: everything a handler may reach.

Each later subsystem (screening policy holder, identity vault, delivery
queue) adds its key here, so `grep AppKey node/keys.py` lists app state.
"""

from __future__ import annotations

from aiohttp import web

from federation.context import FEDERATION, FETCH_SESSION, PERMIT_GATE
from node.config import Config
from node.registry_context import REGISTRY
from node.streaming.port import STREAMING
from node.web_push import WebPushRuntime
from policy.identity.enrolment import IdentityKeys
from policy.screening_runtime import ScreeningHolder
from storage.database import Database
from storage.ids import IdGenerator

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
IDS = web.AppKey("ids", IdGenerator)
IDENTITY = web.AppKey("identity", IdentityKeys)
SCREENING = web.AppKey("screening", ScreeningHolder)
WEB_PUSH = web.AppKey("web_push", WebPushRuntime)  # the VAPID key pair, loaded at start

# Federation state (defined in federation.context, which may not import node):
# absent while federation is off; REGISTRY is defined beside RegistryContext.
# Re-exported so node code finds every key here.
__all__ = ["CONFIG", "DB", "IDS", "IDENTITY", "SCREENING", "WEB_PUSH", "FEDERATION", "FETCH_SESSION", "PERMIT_GATE",
           "STREAMING", "REGISTRY"]
