"""Synth benchmark: `main.py` against an empty cdktf app with the same imports.

full           `python main.py`, as `cdktf synth` runs it: every environment, its cluster
               services stack and the bootstrap stack, with f1_infra/runtime.py's start-up and exit;
untuned floor  a process that makes the same imports the plain way (each provider package
               loading all of its submodules), synthesizes as many empty stacks and exits
               normally: what any cdktf app of this size pays before it builds anything;
tuned floor    the same empty stacks with main.py's start-up and exit: full minus this is what
               building and synthesizing the platform costs ("beyond the floor");
cdktn          for information, when `make migration-check` has installed CDK Terrain: the
               environments' stacks and their services stacks synthesized by CDK Terrain on a
               migrated copy (no bootstrap).

Each round runs every variant once, in turn, as fresh processes timed from start to exit;
medians over the rounds are reported. Peak memory is reported per process: the Python
interpreter and the jsii Node.js process separately. The budget: full <= 0.6 x untuned floor,
a synth of the whole platform faster than an empty cdktf app.
Usage: python bench/synth.py [--runs N]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migration import terrain  # noqa: E402

BUDGET = 0.6

# Runs a script as __main__ and, once the jsii kernel has stopped (exit handlers run last-in,
# first-out, and this one is registered before the kernel's), writes the peak resident sets of
# this interpreter and of its reaped children (the Node.js process) to $BENCH_REPORT.
MEASURED = """
import atexit, json, os, resource, runpy, sys
def report():
    with open(os.environ["BENCH_REPORT"], "w") as f:
        json.dump({"python_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "node_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, f)
atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

# The stacks main.py writes: per environment its own and its cluster services stack, and bootstrap.
STACK_NAMES = """
from f1_infra.config import DEFAULT_ENVS_DIR, load_environments
environments = [config.name for config in load_environments(DEFAULT_ENVS_DIR)]
names = environments + [name + "-services" for name in environments] + ["bootstrap"]
"""

# Every provider the app imports (aws, helm, random, tfe) through the modules that import them.
UNTUNED_FLOOR = f"""
from cdktf import App, TerraformStack
import f1_infra.bootstrap, f1_infra.services_stack, f1_infra.stack
{STACK_NAMES}
app = App()
for name in names:
    TerraformStack(app, name)
app.synth()
"""

TUNED_FLOOR = f"""
from f1_infra.runtime import collector_paused, exit_now, load_providers_on_demand
load_providers_on_demand()
with collector_paused():
    from cdktf import App, TerraformStack
    import f1_infra.bootstrap, f1_infra.services_stack, f1_infra.stack
{STACK_NAMES}
app = App()
for name in names:
    TerraformStack(app, name)
app.synth()
exit_now()
"""


def run(script: Path, args: list[str], cwd: Path, interpreter: Path, scratch: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        report, out = Path(folder, "report.json"), Path(folder, "out")
        env = {**terrain.environment(), "CDKTF_OUTDIR": str(out), "BENCH_REPORT": str(report)}
        start = time.perf_counter()
        subprocess.run(
            [str(interpreter), "-c", MEASURED, str(script), *[arg.replace("{out}", str(out)) for arg in args]],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - start
        peaks = json.loads(report.read_text())
        if not any(out.glob("stacks/*/cdk.tf.json")):
            sys.exit(f"{script.name}: wrote no stack")
    return {"wall_s": wall, "python_mib": peaks["python_kib"] / 1024, "node_mib": peaks["node_kib"] / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-synth-") as folder:
        scratch = Path(folder)
        (scratch / "untuned_floor.py").write_text(UNTUNED_FLOOR)
        (scratch / "tuned_floor.py").write_text(TUNED_FLOOR)
        (scratch / "cdktn.py").write_text(terrain.SYNTH)
        here = Path(sys.executable)
        variants = {
            "full": (ROOT / "main.py", [], ROOT, here),
            "untuned floor": (scratch / "untuned_floor.py", [], ROOT, here),
            "tuned floor": (scratch / "tuned_floor.py", [], ROOT, here),
        }
        if terrain.installed():
            copy = terrain.migrated_copy(scratch / "cdktn-copy")
            variants["cdktn"] = (scratch / "cdktn.py", ["cdktn", "environments", "{out}"], copy, terrain.python())

        load_before = os.getloadavg()[0]
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
        for round_ in range(1, args.runs + 1):
            for name, variant in variants.items():
                samples[name].append(run(*variant, scratch=scratch))
                # A round takes about half a minute: say where the benchmark is.
                print(f"round {round_}/{args.runs}: {name} {samples[name][-1]['wall_s']:.2f} s", file=sys.stderr)
        load_after = os.getloadavg()[0]

    def median(name: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[name])

    print(f"rounds: {args.runs}, variants alternating; load average {load_before:.2f} before, {load_after:.2f} after")
    print(f"{'':15}{'wall s':>9}{'Python MiB':>12}{'Node MiB':>10}")
    for name in samples:
        wall, python, node = (median(name, key) for key in ("wall_s", "python_mib", "node_mib"))
        print(f"{name:15}{wall:9.2f}{python:12.0f}{node:10.0f}" + ("  (environments only)" if name == "cdktn" else ""))
    if "cdktn" not in samples:
        print("cdktn: not installed (make migration-check installs it)")
    ratio = median("full", "wall_s") / median("untuned floor", "wall_s")
    print(f"full / untuned floor: {ratio:.2f} (budget {BUDGET})")
    print(f"beyond the floor (full - tuned floor): {median('full', 'wall_s') - median('tuned floor', 'wall_s'):.2f} s")
    if ratio > BUDGET:
        sys.exit("over budget")


if __name__ == "__main__":
    main()
