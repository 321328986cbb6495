"""checkov's AWS checks over every synthesized stack: a production environment must pass all of them."""

import json
import subprocess
from collections import defaultdict

import pytest

from f1_infra.config import PROJECT_ROOT
from f1_infra.settings.environment import EnvironmentConfig

# Checks that environments outside production may fail, each for a cost reason. Production
# passes every check; a check skipped for all environments lives in .checkov.yaml instead.
NON_PRODUCTION_ALLOWED = {
    "CKV_AWS_338": "log groups keep 30 (dev) or 90 (staging) days, not a year: storage cost of throw-away data",
    "CKV_AWS_157": "a single-AZ dev database costs half of a Multi-AZ one (the seed's dev has Multi-AZ off)",
    "CKV_AWS_293": "dev is destroyed to stop paying for it; deletion protection would block `cdktf destroy dev`",
    "CKV_AWS_37": "dev ships api, audit and authenticator control-plane logs, not the voluminous scheduler and "
    "controller-manager logs",
    "CKV_AWS_144": "dev and staging buckets are not replicated to a second region: a copy of throw-away data "
    "doubles its storage cost",
    "CKV_AWS_150": "dev's load balancer is destroyed with the environment; deletion protection would block "
    "`cdktf destroy dev`",
}


@pytest.fixture(scope="session")
def checkov(checkov_scan: subprocess.CompletedProcess[str]) -> dict[str, dict[str, list[str]]]:
    """{environment: {"passed" | "failed" | "skipped": ["CHECK_ID resource", ...]}}"""
    report = json.loads(checkov_scan.stdout)
    counts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for outcome in ("passed", "failed", "skipped"):
        for check in report["results"][f"{outcome}_checks"]:
            environment = check["file_path"].strip("/").split("/")[0]
            counts[environment][outcome].append(f"{check['check_id']} {check['resource']}")
    return counts


def test_each_environment_fails_only_what_its_file_allows(
    checkov: dict[str, dict[str, list[str]]], env: str, config: EnvironmentConfig
) -> None:
    """A production file passes every check; any other fails only the cost-driven ones."""
    assert checkov[env]["passed"]
    allowed = () if config.production else NON_PRODUCTION_ALLOWED
    assert [f for f in checkov[env]["failed"] if f.split()[0] not in allowed] == []


def test_bootstrap_passes_every_check(checkov: dict[str, dict[str, list[str]]]) -> None:
    assert checkov["bootstrap"]["passed"]
    assert checkov["bootstrap"]["failed"] == []


def test_every_skip_gives_its_reason() -> None:
    lines = (PROJECT_ROOT / ".checkov.yaml").read_text().splitlines()
    skips = [i for i, line in enumerate(lines) if line.strip().startswith("- ")]
    assert skips
    for i in skips:
        assert lines[i - 1].strip().startswith("#"), f"no reason above {lines[i].strip()}"
    assert all(reason.strip() for reason in NON_PRODUCTION_ALLOWED.values())
