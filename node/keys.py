"""Typed application state keys: everything a handler may reach.

Each later subsystem (screening policy holder, identity vault, delivery
queue) adds its key here, so `grep AppKey node/keys.py` lists app state.
"""

from __future__ import annotations

from aiohttp import web

from node.config import Config
from policy.identity.enrolment import IdentityKeys
from policy.publication import ScreeningPort
from storage.database import Database
from storage.ids import IdGenerator

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
IDS = web.AppKey("ids", IdGenerator)
IDENTITY = web.AppKey("identity", IdentityKeys)
SCREENING = web.AppKey("screening", ScreeningPort)
