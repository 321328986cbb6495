"""The CDK Terrain migration, applied to a copy of this repository: its environment, the copy,
and the comparison of what both frameworks synthesize (`migration/check.py` runs it all).

Only the standard library: this runs under the project's interpreter, before anything of
CDK Terrain is installed.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

from f1_infra.rules.backend import TERRAFORM_MIN_VERSION

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "migration"
REQUIREMENTS = HERE / "requirements.txt"
BOOTSTRAP_PROBE = HERE / "bootstrap-probe.txt"
# Git ignores it; `make clean` leaves it, so the install is paid once per checkout.
STATE = ROOT / ".migration"
VENV = STATE / "venv"
PROBE = STATE / "tfe-archived"
# The folders and files whose imports the migration rewrites.
REWRITTEN = ("f1_infra", "tests", "bench", "main.py")

SYNTH = """
import importlib, sys
from f1_infra.config import DEFAULT_ENVS_DIR, load_environments
framework, which, outdir = sys.argv[1:]
# What the CLI hands the app from cdktf.json: the Terraform versions the project targets.
import json, pathlib
targets = json.loads(pathlib.Path("cdktf.json").read_text()).get("targetVersions")
app = importlib.import_module(framework).App(outdir=outdir, context={"targetVersions": targets} if targets else None)
configs = load_environments(DEFAULT_ENVS_DIR)
if which == "environments":
    # Each environment's stack and its cluster services stack, as main.py builds them.
    from f1_infra.app import add_environment
    for config in configs:
        add_environment(app, config)
else:
    from f1_infra.bootstrap import BOOTSTRAP_STACK, BootstrapStack
    BootstrapStack(app, BOOTSTRAP_STACK, configs=configs)
app.synth()
"""


# Why the bootstrap stack stays on cdktf, with the error the archived tfe build gives under cdktn.
BOOTSTRAP_BLOCKED = """  not synthesized under CDK Terrain; it stays on cdktf (docs/decisions.md):
  - CDK Terrain publishes no tfe provider build (no cdktn-provider-tfe on PyPI);
  - HashiCorp's archived build (cdktf-cdktf-provider-tfe 12.5.1) extends cdktf 0.21's own
    TerraformProvider, and cdktn's synth calls a method that class does not have:
      {error}
  - `cdktn get` with hashicorp/tfe in cdktf.json generates bindings from the provider's schema,
    which needs the Terraform registry (registry.terraform.io) and a terraform binary."""


def python() -> Path:
    return VENV / "bin" / "python"


def installed() -> bool:
    """Whether the environment exists and matches the requirement files."""
    return (STATE / "installed").is_file() and (STATE / "installed").read_text() == _fingerprint()


def _fingerprint() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + BOOTSTRAP_PROBE.read_bytes()).hexdigest()


def install() -> None:
    """CDK Terrain's packages into .migration/venv, the archived tfe build into .migration/tfe-archived."""
    if installed():
        return
    shutil.rmtree(STATE, ignore_errors=True)
    venv.create(VENV, with_pip=True)
    pip = [str(python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--requirement", str(REQUIREMENTS)], check=True)
    subprocess.run([*pip, "--no-deps", "--target", str(PROBE), "--requirement", str(BOOTSTRAP_PROBE)], check=True)
    (STATE / "installed").write_text(_fingerprint())


def migrated_copy(destination: Path) -> Path:
    """The repository's files (tracked, and new ones git does not ignore) with the migration's
    import rewrite applied."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # The project's Node.js (package.json) runs the jsii kernel in both environments.
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    subprocess.run(
        [sys.executable, str(HERE / "rewrite_imports.py"), *REWRITTEN], cwd=destination, check=True, capture_output=True
    )
    declare_target_versions(destination / "cdktf.json")
    return destination


# CDK Terrain checks each feature against the Terraform the project declares it targets (cdktf.json
# "targetVersions"; undeclared means every release from 1.5.7). The stacks use write-only
# arguments, so they target what f1_infra/rules/backend.py requires.
TARGET_VERSIONS = {"terraform": f">={'.'.join(map(str, TERRAFORM_MIN_VERSION))}"}


def declare_target_versions(cdktf_json: Path) -> None:
    """Step 3 of the migration: cdktf.json names the Terraform the stacks need."""
    settings = json.loads(cdktf_json.read_text())
    settings["targetVersions"] = TARGET_VERSIONS
    cdktf_json.write_text(json.dumps(settings, indent=2) + "\n")


def environment(extra_path: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    if extra_path is not None:
        env["PYTHONPATH"] = str(extra_path)
    return env


def synth(interpreter: Path, framework: str, which: str, cwd: Path, outdir: Path, **kwargs: Any) -> Any:
    """Synthesizes the environments' stacks and their cluster services stacks (or only the bootstrap
    stack) in a fresh process."""
    return subprocess.run(
        [str(interpreter), "-c", SYNTH, framework, which, str(outdir)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


# --------------------------------------------------------------------------- comparison

# What differs by construction between cdktf 0.21 and CDK Terrain 0.24, and why it does not change
# what Terraform does with the stack (docs/decisions.md).
EXPECTED = {
    "framework version": "cdktf's own version in the stack metadata (`//`); Terraform ignores `//`",
    "provider source": '`"aws"` and `"hashicorp/aws"` name the same provider: the registry namespace defaults to '
    "hashicorp",
    "provider pin": "each provider build binds one provider release: plan with the newer one against existing state",
}


Keys = tuple[str | int, ...]


def pointer(path: Keys) -> str:
    """A JSON pointer (RFC 6901): the metadata key `//` is `~1~1`."""
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in path)


def normalized(stack: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Keys]]]:
    """The stack without what differs by construction, and where that was, as (kind, path)."""
    stack = json.loads(json.dumps(stack))
    places: list[tuple[str, Keys]] = []
    metadata = stack.get("//", {}).get("metadata", {})
    if metadata.pop("version", None) is not None:
        places.append(("framework version", ("//", "metadata", "version")))
    for name, provider in stack.get("terraform", {}).get("required_providers", {}).items():
        source = provider.get("source")
        if isinstance(source, str) and "/" not in source:
            provider["source"] = f"hashicorp/{source}"
            places.append(("provider source", ("terraform", "required_providers", name, "source")))
        if provider.pop("version", None) is not None:
            places.append(("provider pin", ("terraform", "required_providers", name, "version")))
    return stack, places


def _at(document: Any, path: Keys) -> Any:
    for key in path:
        if not isinstance(document, dict) or key not in document:
            return "<absent>"
        document = document[key]
    return document


def differences(before: Any, after: Any, path: Keys = ()) -> list[tuple[Keys, Any, Any]]:
    """Every place two JSON documents differ, as (path, before, after). Formatting is not a
    difference: both are parsed."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[Keys, Any, Any]] = []
        for key in sorted(before.keys() | after.keys()):
            if key not in after:
                found.append(((*path, key), before[key], "<absent>"))
            elif key not in before:
                found.append(((*path, key), "<absent>", after[key]))
            else:
                found += differences(before[key], after[key], (*path, key))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (b, a) in pairs for d in differences(b, a, (*path, i))]
    return [] if before == after and type(before) is type(after) else [(path, before, after)]


def compare(cdktf_stack: dict[str, Any], cdktn_stack: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(the expected differences, the semantic ones), as report lines."""
    before, places_before = normalized(cdktf_stack)
    after, places_after = normalized(cdktn_stack)
    places = {path: kind for kind, path in places_before + places_after}
    expected = [
        f"{kind}: {pointer(path)}: {_at(cdktf_stack, path)!r} -> {_at(cdktn_stack, path)!r}"
        for path, kind in sorted(places.items())
        if _at(cdktf_stack, path) != _at(cdktn_stack, path)
    ]
    semantic = [f"{pointer(path)}: {b!r} -> {a!r}" for path, b, a in differences(before, after)]
    return expected, semantic
