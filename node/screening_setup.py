"""Starting the screening policy with the node, and reloading it.

The policy is built from `[screening]` of config.toml and the list files
it names, plus the categories of registry subscriptions (manifests under
`<data_dir>/registry/`), read afresh on every reload (`policy reload`,
SIGHUP, the admin API, a registry sync), so editing a list and reloading
needs no restart. A process polls
the database for reload requests so that every process of a node follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from node.audit_log import audit
from node.config import Config, ConfigError, load_config
from node.keys import CONFIG, DB, SCREENING
from policy.registry_lists import registry_categories
from policy.screening import PolicyError, parse_categories
from policy.screening_runtime import Loader, PolicySource, ScreeningHolder

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0


def registry_dir(config: Config) -> Path:
    """Where registry subscriptions' word lists live (policy/registry_lists.py)."""
    return config.node.data_dir / "registry"


def source_from(config: Config, *, registry: bool = True) -> PolicySource:
    """The config's categories and, unless `registry=False`, those of the
    registry subscriptions whose lists are on."""
    categories = parse_categories(list(config.screening.categories), config.base_dir, source=config.path)
    if registry:
        subscribed = registry_categories(registry_dir(config))
        clash = {c.name for c in categories} & {c.name for c in subscribed}
        if clash:
            raise PolicyError(f"screening.categories: {', '.join(sorted(clash))} is also the name of a "
                              "registry subscription's category; rename the local one", file=config.path)
        categories += subscribed
    return PolicySource(categories, config.screening.fold_traditional, config.screening.engine or None)


def loader_for(path: Path, *, registry: bool = True) -> Loader:
    """Re-reads the config file each time: a reload sees the admin's edits."""

    def load() -> PolicySource:
        try:
            config = load_config(path)
        except ConfigError as exc:
            raise PolicyError(f"{exc.key}: {exc.message}", file=exc.path) from None
        return source_from(config, registry=registry)

    return load


async def screening_context(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    holder = await ScreeningHolder.start(app[DB], loader_for(config.path))
    app[SCREENING] = holder
    logger.info("screening policy %s loaded (%d rules)", holder.policy.version, len(holder.policy.rules))
    poller = asyncio.create_task(_poll(holder))
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(_reload_on_signal(app, holder)))
    try:
        yield
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGHUP)


async def _reload_on_signal(app: web.Application, holder: ScreeningHolder) -> None:
    result = await holder.reload()
    await audit(app, "signal", "screening.reload", ("policy", "screening"), result.to_dict())


async def _poll(holder: ScreeningHolder) -> None:
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            await holder.sync()
        except Exception:  # a failed poll must not end the loop; the next one retries
            logger.exception("screening reload poll failed")
