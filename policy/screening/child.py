"""`prepare_policy` in a fresh child process: `python -m policy.screening.child`.

A serving node reloads its policy with the slow, pure-Python half of the
build (read, check and normalise every term, build the fast path's
filter) here, so that it costs the server's event loop no GIL time. The
child imports only `policy.screening` (not the server's modules, which
multiprocessing's spawn would re-import through `__main__`: a second or
more, and tens of MB), runs niced, reads one pickled request on stdin
and writes one pickled answer on stdout: the `PolicyParts`, or the
`PolicyError` that refused the lists.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path

from policy.screening.config import CategoryConfig
from policy.screening.engine import PolicyParts, prepare_policy
from policy.screening.errors import PolicyError

logger = logging.getLogger(__name__)

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding policy/
_STDERR_LIMIT = 16_000  # characters of a failed child's stderr worth logging


class ChildError(RuntimeError):
    """The child process failed without a verdict on the lists (crashed, killed)."""


async def prepare_in_child(categories: Sequence[CategoryConfig], *, fold_traditional: bool,
                           engine: str | None) -> PolicyParts:
    """`prepare_policy` in a fresh process; raises its PolicyError here."""
    request = pickle.dumps((tuple(categories), fold_traditional, engine),
                           protocol=pickle.HIGHEST_PROTOCOL)
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, path]))}
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "policy.screening.child", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    except OSError as exc:  # no interpreter to start, no processes left
        raise ChildError(f"cannot start the policy build process: {exc}") from None
    try:
        out, err = await process.communicate(request)
    finally:
        if process.returncode is None:  # cancelled: do not leave it running
            process.kill()
            await process.wait()
    if err:
        logger.warning("policy build: %s", err.decode("utf-8", "replace")[-_STDERR_LIMIT:])
    if process.returncode != 0 or not out:
        raise ChildError(f"policy build process exited with status {process.returncode}")
    try:
        verdict = pickle.loads(out)  # noqa: S301 (our own child's answer)
    except Exception as exc:  # unpickling raises many kinds; all mean a garbled answer
        raise ChildError(f"policy build process answered something unreadable: {exc!r}") from None
    if isinstance(verdict, PolicyError):
        raise verdict
    if not isinstance(verdict, PolicyParts):
        raise ChildError("policy build process answered something else")
    return verdict


def main() -> int:
    os.nice(19)  # on a small machine the build takes what the server leaves
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    categories, fold_traditional, engine = pickle.loads(sys.stdin.buffer.read())  # noqa: S301
    verdict: PolicyParts | PolicyError
    try:
        verdict = prepare_policy(categories, fold_traditional=fold_traditional, engine=engine)
    except PolicyError as exc:
        verdict = exc
    sys.stdout.buffer.write(pickle.dumps(verdict, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
