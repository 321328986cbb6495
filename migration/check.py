#!/usr/bin/env python3
"""The CDK Terrain migration, proven on a temporary copy of this repository (`make migration-check`).

1. Installs CDK Terrain's packages (migration/requirements.txt) into .migration/venv, once.
2. Copies the repository and applies the import rewrite (migration/rewrite_imports.py).
3. Synthesizes every environment with CDK Terrain in the copy, and with cdktf here.
4. Compares each stack after the normalization in migration/terrain.py: the expected
   differences are listed, any other difference fails the check (exit 1).
5. Tries the bootstrap stack under CDK Terrain with the archived tfe build, and says why it fails.

Usage: python migration/check.py
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from migration import terrain


def stacks(outdir: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(outdir.glob("stacks/*/cdk.tf.json"))}


def run(label: str, result: subprocess.CompletedProcess[str], seconds: float) -> bool:
    if result.returncode == 0:
        print(f"{label}: synthesized in {seconds:.1f} s")
        return True
    print(f"{label}: failed (exit {result.returncode})\n{result.stderr}")
    return False


def main() -> int:
    print("installing CDK Terrain into .migration/ (once)" if not terrain.installed() else "CDK Terrain: installed")
    terrain.install()
    failed = False
    with tempfile.TemporaryDirectory(prefix="cdktn-migration-") as scratch:
        folder = Path(scratch)
        copy = terrain.migrated_copy(folder / "repository")
        print(f"migrated copy: {len(list(copy.rglob('*.py')))} Python files, imports rewritten")

        results = {}
        for label, interpreter, framework, cwd in (
            ("cdktf", Path(sys.executable), "cdktf", terrain.ROOT),
            ("cdktn", terrain.python(), "cdktn", copy),
        ):
            start = time.perf_counter()
            outdir = folder / f"{framework}.out"
            result = terrain.synth(interpreter, framework, "environments", cwd, outdir, env=terrain.environment())
            if not run(f"{label}, environments", result, time.perf_counter() - start):
                return 1
            results[framework] = stacks(outdir)

        if results["cdktf"].keys() != results["cdktn"].keys():
            print(f"different stacks: cdktf {sorted(results['cdktf'])}, cdktn {sorted(results['cdktn'])}")
            return 1
        for name, cdktf_stack in results["cdktf"].items():
            expected, semantic = terrain.compare(cdktf_stack, results["cdktn"][name])
            print(f"\n{name}: {len(semantic)} semantic differences")
            for line in expected:
                print(f"  expected  {line}")
            for line in semantic:
                print(f"  DIFFERENT {line}")
            failed |= bool(semantic)

        print("\nbootstrap stack:")
        result = terrain.synth(
            terrain.python(),
            "cdktn",
            "bootstrap",
            copy,
            folder / "bootstrap.out",
            env=terrain.environment(extra_path=terrain.PROBE),
        )
        if result.returncode == 0:
            # A tfe build that works under cdktn: compare it like the others.
            cdktf_out = folder / "cdktf-bootstrap.out"
            terrain.synth(
                Path(sys.executable),
                "cdktf",
                "bootstrap",
                terrain.ROOT,
                cdktf_out,
                env=terrain.environment(),
                check=True,
            )
            expected, semantic = terrain.compare(
                stacks(cdktf_out)["bootstrap"], stacks(folder / "bootstrap.out")["bootstrap"]
            )
            print(f"  synthesized under CDK Terrain: {len(semantic)} semantic differences")
            for line in expected:
                print(f"  expected  {line}")
            for line in semantic:
                print(f"  DIFFERENT {line}")
            failed |= bool(semantic)
        else:
            error = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
            print(terrain.BOOTSTRAP_BLOCKED.format(error=error))
    print("\nmigration check:", "FAILED" if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
