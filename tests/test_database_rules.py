"""RDS rules: each invalid database setting is reported with its pointer and what AWS allows."""

import json
from pathlib import Path

import pytest

from f1_infra.config import load_environment
from tests.envfiles import Mutation, combine, findings, set_at, shipped


def db(*keys: str, value: object) -> Mutation:
    return set_at("database", *keys, value=value)


CASES: list[tuple[str, str, Mutation, str, str]] = [
    (
        "master secret recovery of 3 days",
        "dev",
        db("master_secret_recovery_days", value=3),
        "/database/master_secret_recovery_days",
        "is 3; Secrets Manager accepts 0 (delete at once) or 7 to 30 days",
    ),
    (
        "pi retention",
        "dev",
        db("performance_insights_retention_days", value=30),
        "/database/performance_insights_retention_days",
        "30 days is not a Performance Insights retention; allowed: 7, a multiple of 31",
    ),
    (
        "max storage below 110 %",
        "dev",
        db("max_allocated_storage_gb", value=105),
        "/database/max_allocated_storage_gb",
        "105 GB is less than 110 % of allocated_storage_gb (100 GB); storage autoscaling needs at least 110 GB",
    ),
    (
        "monitoring interval",
        "dev",
        db("monitoring_interval_seconds", value=20),
        "/database/monitoring_interval_seconds",
        "20 is not an enhanced monitoring interval; allowed: 0, 1, 5, 10, 15, 30, 60",
    ),
    (
        "overlapping windows",
        "dev",
        db("maintenance_window", value="tue:03:30-tue:04:30"),
        "/database/maintenance_window",
        "overlaps the daily backup_window '03:00-04:00'",
    ),
    (
        "window across midnight overlaps",
        "dev",
        combine(db("backup_window", value="23:30-00:30"), db("maintenance_window", value="mon:00:00-mon:01:00")),
        "/database/maintenance_window",
        "overlaps the daily backup_window '23:30-00:30'",
    ),
    (
        "backup window time",
        "dev",
        db("backup_window", value="25:00-26:00"),
        "/database/backup_window",
        "'25:00-26:00' is not a valid time range; write hh:mm-hh:mm",
    ),
    (
        "backup window too short",
        "dev",
        db("backup_window", value="03:00-03:20"),
        "/database/backup_window",
        "lasts 20 minutes; at least 30",
    ),
    (
        "maintenance window shape",
        "dev",
        db("maintenance_window", value="sunday 04:00"),
        "/database/maintenance_window",
        "not in the expected form",
    ),
    (
        "deletion protection off in production",
        "prod",
        db("deletion_protection", value=False),
        "/database/deletion_protection",
        "must be true in a production environment",
    ),
    (
        "bad final snapshot identifier",
        "prod",
        db("final_snapshot_identifier", value="1-final--snap"),
        "/database/final_snapshot_identifier",
        "final snapshot '1-final--snap' is not valid; final snapshot must have 1 to 255 letters",
    ),
    (
        "final snapshot identifier ends with hyphen",
        "dev",
        db("final_snapshot_identifier", value="final-"),
        "/database/final_snapshot_identifier",
        "neither end with a hyphen nor contain two hyphens",
    ),
    (
        "instance identifier with double hyphen",
        "dev",
        set_at("project", value="f1-"),
        "/project",
        "DB instance identifier 'f1--dev-postgres' is not valid",
    ),
    (
        "replicas without backups",
        "prod",
        db("backup_retention_days", value=0),
        "/database/backup_retention_days",
        "is 0 but read_replicas is 1; a replica's source needs automated backups",
    ),
    (
        "reserved user name",
        "dev",
        db("username", value="admin"),
        "/database/username",
        "'admin' is reserved by RDS for PostgreSQL",
    ),
    (
        "minor engine version",
        "dev",
        db("engine_version", value="15.4"),
        "/database/engine_version",
        "not in the expected form",
    ),
    (
        "unknown major version",
        "dev",
        db("engine_version", value="9"),
        "/database/engine_version",
        "PostgreSQL '9' is not a major version RDS creates",
    ),
    (
        "thresholds not derivable",
        "dev",
        db("instance_class", value="db.x2g.large"),
        "/database/alarms/connections",
        "cannot be derived: the memory of instance class 'db.x2g.large' is not known here",
    ),
    (
        "instance class shape",
        "dev",
        db("instance_class", value="r5.large"),
        "/database/instance_class",
        "not in the expected form",
    ),
    (
        "proxy auth",
        "dev",
        db("proxy", "iam_auth", value="OPTIONAL"),
        "/database/proxy/iam_auth",
        'allowed values: "REQUIRED", "DISABLED"',
    ),
    ("missing section", "dev", lambda d: d.pop("database"), "/database", "required setting is missing"),
]


@pytest.mark.parametrize(("env", "mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_reports_pointer_and_message(
    tmp_path: Path, env: str, mutate: Mutation, where: str, message: str
) -> None:
    found = findings(tmp_path, mutate, env)
    assert any(p == where and message in m for p, m in found), found


@pytest.mark.parametrize(
    ("mutate", "env"),
    [
        (db("max_allocated_storage_gb", value=110), "dev"),
        (db("performance_insights_retention_days", value=731), "dev"),
        (db("performance_insights_retention_days", value=713), "dev"),
        (db("monitoring_interval_seconds", value=0), "dev"),
        (db("maintenance_window", value="sun:04:00-sun:04:30"), "dev"),
        (db("deletion_protection", value=False), "staging"),
        (
            combine(
                db("instance_class", value="db.x2g.large"),
                db("alarms", value={"connections": 100, "freeable_memory_mb": 512}),
            ),
            "dev",
        ),
    ],
)
def test_limits_themselves_are_accepted(tmp_path: Path, mutate: Mutation, env: str) -> None:
    data = shipped(env)
    mutate(data)
    path = tmp_path / f"{env}.json"
    path.write_text(json.dumps(data))
    load_environment(path)
