"""Test-suite benchmark: wall time of `make test` after set-up, as a user or CI runs it.

Usage: python bench/suite.py [--runs N]. Prints each run's wall time, the median, and pytest's
summary; the budget is 30 s on a 2-core machine.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    times, summary = [], ""
    load_before = os.getloadavg()[0]
    for _ in range(args.runs):
        start = time.perf_counter()
        result = subprocess.run(["make", "--no-print-directory", "test"], cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        print(f"run {len(times)}/{args.runs}: {times[-1]:.1f} s", file=sys.stderr)
        summary = result.stdout.strip().splitlines()[-1]
        if result.returncode != 0:
            sys.exit(f"the suite failed: {summary}")
    print(f"runs: {args.runs}; wall s: {', '.join(f'{t:.1f}' for t in times)}; load average before {load_before:.2f}")
    print(f"median wall: {statistics.median(times):.1f} s (budget {BUDGET_S} s)")
    print(f"pytest: {re.sub(r'=+', '', summary).strip()}")
    if statistics.median(times) > BUDGET_S:
        sys.exit("over budget")


if __name__ == "__main__":
    main()
