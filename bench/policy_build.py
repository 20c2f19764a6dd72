"""One policy build in a fresh process, its cost as JSON on stdout.

    python bench/policy_build.py FOLDER ENGINE

FOLDER holds the list files and `categories.json` (the
`[[screening.categories]]` tables). Run as its own interpreter, importing
only what a build needs, so that its RSS high-water mark (VmHWM, C
allocations included) is the build's and not a benchmark's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy.screening import load_policy, parse_categories  # noqa: E402


def memory_kb() -> dict[str, int]:
    """This process's RSS high-water mark (VmHWM) and RSS now, in KiB.

    Not `ru_maxrss`: Linux keeps that across exec, so a child forked from
    a big benchmark process would report the parent's peak.
    """
    status = Path("/proc/self/status").read_text().splitlines()
    return {line.split(":")[0]: int(line.split()[1]) for line in status
            if line.startswith(("VmHWM:", "VmRSS:"))}


def main() -> None:
    folder, engine = Path(sys.argv[1]), sys.argv[2]
    imports_kb = memory_kb()["VmHWM"]
    categories = parse_categories(json.loads((folder / "categories.json").read_text()), folder)
    start = time.perf_counter()
    policy = load_policy(categories, fold_traditional=True, engine=engine)
    seconds = time.perf_counter() - start
    kb = memory_kb()
    print(json.dumps({"seconds": seconds, "imports_kb": imports_kb, "peak_kb": kb["VmHWM"],
                      "kept_kb": kb["VmRSS"], "rules": len(policy.rules)}))


if __name__ == "__main__":
    main()
