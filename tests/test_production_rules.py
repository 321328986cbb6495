"""What docs/security.md says production guarantees is refused by `validate`, not only noticed by
the tests on the synthesized stacks (test_protection.py, test_checkov.py)."""

import json
from pathlib import Path

import pytest

from f1_infra.config import load_environment
from tests.envfiles import Mutation, delete, findings, set_at, shipped

PRODUCTION = "in a production environment (production is true)"

CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "backups under 7 days",
        set_at("database", "backup_retention_days", value=3),
        "/database/backup_retention_days",
        f"is 3; keep automated backups at least 7 days {PRODUCTION}",
    ),
    (
        "single-AZ database",
        set_at("database", "multi_az", value=False),
        "/database/multi_az",
        f"must be true {PRODUCTION}",
    ),
    (
        "no cache snapshots",
        set_at("cache", "snapshot_retention_days", value=0),
        "/cache/snapshot_retention_days",
        f"is 0; keep snapshots at least 1 day {PRODUCTION}",
    ),
    (
        "secret deleted at once",
        set_at("cache", "auth_secret_recovery_days", value=0),
        "/cache/auth_secret_recovery_days",
        f"is 0; a deleted AUTH token secret must stay recoverable at least 7 days {PRODUCTION}",
    ),
    (
        "master secret deleted at once",
        set_at("database", "master_secret_recovery_days", value=0),
        "/database/master_secret_recovery_days",
        f"is 0; a deleted master secret must stay recoverable at least 7 days {PRODUCTION}",
    ),
    (
        "cluster without deletion protection",
        set_at("cluster", "deletion_protection", value=False),
        "/cluster/deletion_protection",
        f"must be true {PRODUCTION}",
    ),
    (
        "control-plane logs missing",
        set_at("cluster", "log_types", value=["api", "audit", "authenticator"]),
        "/cluster/log_types",
        f"lacks controllerManager, scheduler; every control-plane log is kept {PRODUCTION}",
    ),
    (
        "flow logs kept 90 days",
        set_at("network", "flow_logs", "retention_days", value=90),
        "/network/flow_logs/retention_days",
        f"is 90 days; logs are kept at least 365 days {PRODUCTION}",
    ),
    (
        "waf logs kept 90 days",
        set_at("monitoring", "alb", "waf", "log_retention_days", value=90),
        "/monitoring/alb/waf/log_retention_days",
        "is 90 days; logs are kept at least 365 days",
    ),
    (
        "application logs kept 30 days",
        set_at("monitoring", "log_retention_days", value=30),
        "/monitoring/log_retention_days",
        "is 30 days; logs are kept at least 365 days",
    ),
    (
        "no replication",
        delete("storage", "replication"),
        "/storage/replication",
        f"is required {PRODUCTION}: replicate models, backups, logs into a disaster-recovery region",
    ),
    (
        "a bucket not replicated",
        set_at("storage", "replication", "buckets", value=["models", "logs"]),
        "/storage/replication/buckets",
        f"lacks backups; every bucket is replicated {PRODUCTION}",
    ),
    (
        "database backups not replicated",
        delete("database", "backup_replication"),
        "/database/backup_replication",
        f"is required {PRODUCTION}: replicate the automated backups into the disaster-recovery region",
    ),
    (
        "images not replicated",
        set_at("registry", "replicate", value=False),
        "/registry/replicate",
        f"must be true {PRODUCTION}: the images are needed to run the services in the disaster-recovery region",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_production_rule_reports_pointer_and_message(
    tmp_path: Path, mutate: Mutation, where: str, message: str
) -> None:
    found = findings(tmp_path, mutate, "prod")
    assert any(p == where and message in m for p, m in found), found


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(set_at("database", "backup_retention_days", value=7), id="backups of 7 days"),
        pytest.param(set_at("cache", "auth_secret_recovery_days", value=7), id="secret recoverable 7 days"),
        pytest.param(set_at("database", "master_secret_recovery_days", value=7), id="master secret 7 days"),
        pytest.param(set_at("cache", "snapshot_retention_days", value=1), id="snapshots kept 1 day"),
        pytest.param(set_at("network", "flow_logs", "retention_days", value=365), id="logs kept a year"),
    ],
)
def test_the_limits_themselves_are_accepted(tmp_path: Path, mutate: Mutation) -> None:
    data = shipped("prod")
    mutate(data)
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(data))
    load_environment(path)


def test_the_same_values_pass_outside_production(tmp_path: Path) -> None:
    data = shipped("prod")
    # "a bucket not replicated" would edit the replication that "no replication" removes.
    for name, mutate, _, _ in CASES:
        if name != "a bucket not replicated":
            mutate(data)
    data["production"] = False
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(data))
    load_environment(path)
