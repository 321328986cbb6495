"""Synth benchmark: the real synth of every environment against its floor.

full   a fresh process imports the app (every provider submodule it uses), loads and validates
       the environment files and synthesizes every stack;
floor  a fresh process makes the same imports and synthesizes the same number of empty stacks.

Both are timed from process start to exit, alternately, several times; the medians are
compared. Peak memory is the largest resident set of any process of a run (the jsii Node.js
process, usually). Usage: python bench/synth.py [--runs N]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
t0 = time.perf_counter()
import f1_infra.app
from cdktf import App, TerraformStack
from f1_infra.config import DEFAULT_ENVS_DIR, load_environments
imported = time.perf_counter()
configs = load_environments(DEFAULT_ENVS_DIR)
if sys.argv[1] == "full":
    app = f1_infra.app.build(configs, outdir=sys.argv[2])
else:
    app = App(outdir=sys.argv[2])
    for config in configs:
        TerraformStack(app, config.name)
app.synth()
done = time.perf_counter()
print(json.dumps({"import_s": imported - t0, "synth_s": done - imported}))
"""


def run(mode: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", CHILD, mode, outdir], cwd=ROOT, capture_output=True, text=True, check=True
        )
        wall = time.perf_counter() - start
    return {"wall_s": wall, **json.loads(result.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    samples: dict[str, list[dict[str, float]]] = {"full": [], "floor": []}
    for _ in range(args.runs):
        for mode in samples:
            samples[mode].append(run(mode))

    def median(mode: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[mode])

    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"runs per mode: {args.runs}")
    print(f"{'':8}{'wall s':>10}{'imports s':>12}{'synth s':>10}")
    for mode in samples:
        print(f"{mode:8}{median(mode, 'wall_s'):10.2f}{median(mode, 'import_s'):12.2f}{median(mode, 'synth_s'):10.2f}")
    ratio = median("full", "wall_s") / median("floor", "wall_s")
    print(f"full / floor (wall): {ratio:.3f}  (budget 1.30)")
    print(f"synth beyond the floor: {median('full', 'wall_s') - median('floor', 'wall_s'):.2f} s")
    print(f"peak memory of one process: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
