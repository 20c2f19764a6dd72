"""The node under test, served in child processes the way `node serve` does.

`serve` is a child's target (module level: spawn pickles it by name);
the parent waits on `ready`, sets `stop` when done, and may read the
child's peak memory from /proc. Several children on one port share it
with SO_REUSEPORT, as `serve --processes N` does.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from node.app import create_app  # noqa: E402
from node.config import load_config  # noqa: E402


async def _serve(config_path: str, ready: Any, stop: Any, reuse_port: bool) -> None:
    config = load_config(config_path)
    runner = web.AppRunner(create_app(config), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.http.host, config.http.port, reuse_port=reuse_port).start()
    ready.set()
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    await runner.cleanup()


def serve(config_path: str, ready: Any, stop: Any, reuse_port: bool = False) -> None:
    """One serving process; `reuse_port`: one of several sharing the port (as `serve --processes`)."""
    asyncio.run(_serve(config_path, ready, stop, reuse_port))
