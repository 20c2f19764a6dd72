"""What else the fast path could scan skeletons with: issue 12's comparison.

    python bench/skeleton_scanners.py FOLDER NAME    (a fresh process: cost as JSON)

`bench_screening.py --alternatives` builds each scanner below over the
same term skeletons the fast path's filter holds, in a fresh process for
its cost (seconds, RSS high-water mark) and in the benchmark for its
speed (skeleton pass included, as the fast path does it). hyperscan is
used through its python binding's literal mode (`literal=True`, that is
`hs_compile_lit_multi`) with HS_FLAG_SINGLEMATCH; skipped when missing.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy.screening import load_policy, parse_categories  # noqa: E402
from policy.screening.fastpath import needed_literals as skeletons_of  # noqa: E402
from policy.screening.skeleton import get_skeleton, native_module  # noqa: E402

Scanner = Callable[[bytes], bool]  # skeleton bytes -> no term in them


def needed_literals(folder: Path) -> list[str]:
    categories = parse_categories(json.loads((folder / "categories.json").read_text()), folder)
    policy = load_policy(categories, fold_traditional=True, engine="pyahocorasick")
    found = skeletons_of(get_skeleton(True), list(policy.rules.patterns),
                             list(policy.rules.regexes))
    assert found is not None
    return list(dict.fromkeys(found))


def _hyperscan_db(hs: Any, literals: list[str]) -> Any:
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(expressions=[t.encode() for t in literals], ids=list(range(len(literals))),
               elements=len(literals), flags=hs.HS_FLAG_SINGLEMATCH, literal=True)
    return db


def _hyperscan_scanner(hs: Any, dbs: list[Any]) -> Scanner:
    scratches = [hs.Scratch(db) for db in dbs]

    def stop(*_args: object) -> bool:
        return True

    def clean(data: bytes) -> bool:
        try:
            for db, scratch in zip(dbs, scratches):
                db.scan(data, match_event_handler=stop, scratch=scratch)
        except hs.ScanTerminated:
            return False
        return True

    return clean


def build(name: str, literals: list[str]) -> Callable[[str], bool] | None:
    """`is_clean(text)` for one scanner, skeleton pass included; None if not installed."""
    skeleton = get_skeleton(True)
    scanner: Scanner
    if name == "filter":  # what the fast path uses: the skeleton walk and the filter in one pass
        blob = native_module().filter_build(literals)
        scan = native_module().filter_scan
        return lambda text: scan(skeleton.table, blob, text)  # type: ignore[no-any-return]
    if name.startswith("hyperscan"):
        try:
            import hyperscan as hs
        except ImportError:
            return None
        parts = 4 if name == "hyperscan-4" else 1
        size = -(-len(literals) // parts)
        scanner = _hyperscan_scanner(hs, [_hyperscan_db(hs, literals[i:i + size])
                                          for i in range(0, len(literals), size)])
    elif name == "ahocorasick-rs":
        import ahocorasick_rs
        find = ahocorasick_rs.BytesAhoCorasick([t.encode() for t in literals]).find_matches_as_indexes
        scanner = lambda data: not find(data)  # noqa: E731
    else:
        raise ValueError(name)
    text_of = skeleton.text
    return lambda text: (data := text_of(text)) is not None and scanner(data)


NAMES = ("filter", "hyperscan", "hyperscan-4", "ahocorasick-rs")


def main() -> None:
    folder, name = Path(sys.argv[1]), sys.argv[2]
    literals = needed_literals(folder)
    gc.collect()
    # Reset the high-water mark to the RSS now (Linux 4.0+): what counts
    # is the scanner's build, not the policy loaded above to get its terms.
    Path("/proc/self/clear_refs").write_text("5")
    before = memory_kb()["VmRSS"]
    start = time.perf_counter()
    installed = build(name, literals) is not None
    seconds = time.perf_counter() - start
    print(json.dumps({"installed": installed, "seconds": seconds,
                      "grown_kb": memory_kb()["VmHWM"] - before}))


def memory_kb() -> dict[str, int]:
    status = Path("/proc/self/status").read_text().splitlines()
    return {line.split(":")[0]: int(line.split()[1]) for line in status
            if line.startswith(("VmHWM:", "VmRSS:"))}


if __name__ == "__main__":
    main()
