"""Test-suite benchmark: wall time of the whole suite, as `make test` runs it after set-up.

Usage: python bench/suite.py [--runs N]. Prints each run's wall time, the median, and the
number of tests; the budget is 120 s on a 2-core machine.
"""

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    times, summary = [], ""
    for _ in range(args.runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True
        )
        times.append(time.perf_counter() - start)
        summary = result.stdout.strip().splitlines()[-1]
        if result.returncode != 0:
            sys.exit(f"the suite failed: {summary}")
    print(f"runs: {args.runs}; wall s: {', '.join(f'{t:.1f}' for t in times)}")
    print(f"median wall: {statistics.median(times):.1f} s (budget {BUDGET_S} s)")
    print(f"pytest: {re.sub(r'=+', '', summary).strip()}")


if __name__ == "__main__":
    main()
