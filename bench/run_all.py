"""`make bench`: run every bench/bench_*.py in turn; each prints its figures.

Figures, never pass/fail: these machines are shared and noisy, so compare
ratios measured in one run rather than absolute times across runs. The
federation bench runs on each backend, and on PostgreSQL with one and two
inbox processes (bench_timeline.py covers both backends itself).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXTRA_RUNS = {
    "bench_federation.py": [["--backend", "sqlite"], ["--backend", "postgresql"],
                            ["--backend", "postgresql", "--processes", "2"]],
}


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = []
    for script in sorted(here.glob("bench_*.py")):
        for extra in EXTRA_RUNS.get(script.name, [[]]):
            print(f"\n=== {' '.join([script.name, *extra])} ===", flush=True)
            result = subprocess.run([sys.executable, str(script), *extra, *sys.argv[1:]], cwd=here.parent)
            if result.returncode != 0:
                failed.append(" ".join([script.name, *extra]))
    if failed:
        print(f"\nbenchmarks that did not finish: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
