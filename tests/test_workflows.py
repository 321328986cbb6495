"""The users' CI: GitHub Actions workflows that actionlint accepts and that gate prod on a review."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from f1_infra.config import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"


def actionlint() -> str:
    # The dev dependency installs it next to the interpreter; fall back to PATH.
    found = Path(sys.executable).with_name("actionlint")
    path = str(found) if found.is_file() else shutil.which("actionlint")
    assert path, "actionlint is missing: run `make setup` (it is a dev dependency in the Pipfile)"
    return path


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_actionlint_accepts_every_workflow() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert files
    result = subprocess.run([actionlint(), "-no-color", *files], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n"
    )
    result = subprocess.run([actionlint(), "-no-color", str(broken)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "undefined variable" in result.stdout


def steps(job: dict[str, Any]) -> list[str]:
    return [step.get("run", "") + step.get("uses", "") for step in job["steps"]]


def test_pull_requests_lint_test_synth_scan_and_keep_the_stacks() -> None:
    workflow = load("pull-request.yml")
    assert list(workflow[True]) == ["pull_request"]  # YAML reads the key `on` as true
    check = workflow["jobs"]["check"]
    commands = steps(check)
    for expected in ("make lint", "make test", "make synth", "checkov -d cdktf.out/stacks"):
        assert any(expected in c for c in commands), expected
    assert any(c.startswith("github/codeql-action/upload-sarif@") for c in commands)
    assert any(c.startswith("actions/upload-artifact@") for c in commands)
    assert check["permissions"]["security-events"] == "write"
    caches = {s["with"]["cache"] for s in check["steps"] if "with" in s and "cache" in s["with"]}
    assert caches == {"pipenv", "npm"}


def test_pull_request_diff_runs_per_environment_only_with_a_token() -> None:
    diff = load("pull-request.yml")["jobs"]["diff"]
    assert diff["strategy"]["matrix"]["environment"] == "${{ fromJSON(needs.check.outputs.environments) }}"
    assert diff["env"]["HAS_TOKEN"] == "${{ secrets.TF_API_TOKEN != '' }}"
    run = next(s for s in diff["steps"] if "make diff" in s.get("run", ""))
    assert run["if"] == "env.HAS_TOKEN == 'true'"


@pytest.mark.parametrize(("job", "environment"), [("staging", "staging"), ("prod", "production")])
def test_main_deploys_staging_then_prod_behind_a_reviewed_environment(job: str, environment: str) -> None:
    workflow = load("deploy.yml")
    assert workflow[True] == {"push": {"branches": ["main"]}}
    jobs = workflow["jobs"]
    assert jobs[job]["environment"] == environment
    assert any(f"make deploy ENV={job}" in c for c in steps(jobs[job]))
    assert jobs["prod"]["needs"] == "staging"
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_no_aws_keys_in_workflows() -> None:
    text = "".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    assert "AWS_ACCESS_KEY_ID" not in text
    assert "AWS_SECRET_ACCESS_KEY" not in text
