"""Rules on the RDS PostgreSQL section (rules 16-23 of docs/aws-rules.md)."""

import re
from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.rules import windows
from f1_infra.rules.names import identifier_problem, secret_recovery_problem
from f1_infra.settings.environment import EnvironmentConfig

# Major versions RDS creates, as last checked against AWS's RDS for PostgreSQL release calendar on
# the date below; re-check when a major version approaches its end of standard support.
SUPPORTED_MAJOR_VERSIONS_AS_OF = "2026-11-26"
SUPPORTED_MAJOR_VERSIONS = ("14", "15", "16", "17")
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
PERFORMANCE_INSIGHTS_RETENTIONS = (7, *(31 * n for n in range(1, 24)), 731)
# RDS for PostgreSQL refuses these master user names (rule 17).
RESERVED_USERNAMES = ("admin", "rdsadmin", "rdsrepladmin", "rds_superuser", "public")
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
MIN_WINDOW_MINUTES = 30
IDENTIFIER_MAX = 63
SNAPSHOT_IDENTIFIER_MAX = 255


def identifier(config: EnvironmentConfig) -> str:
    """The primary instance's identifier; replicas append -replica-<n>."""
    return f"{config.name_prefix}-postgres"


def final_snapshot_identifier(config: EnvironmentConfig) -> str:
    return config.database.final_snapshot_identifier or f"{identifier(config)}-final"


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    db = config.database

    def at(*keys: str) -> str:
        return pointer("database", *keys)

    if db.engine_version not in SUPPORTED_MAJOR_VERSIONS:
        yield (
            at("engine_version"),
            f"PostgreSQL {db.engine_version!r} is not a major version RDS creates with a postgres parameter group "
            f"family here; use one of {', '.join(SUPPORTED_MAJOR_VERSIONS)} (major only, never a minor like 15.4)",
        )
    problem = secret_recovery_problem(db.master_secret_recovery_days)
    if problem:
        yield at("master_secret_recovery_days"), problem
    if not USERNAME.match(db.username):
        yield at("username"), f"{db.username!r} must be a letter followed by up to 62 letters, digits or underscores"
    elif db.username.lower() in RESERVED_USERNAMES:
        yield at("username"), f"{db.username!r} is reserved by RDS for PostgreSQL; choose another name, e.g. f1_master"

    if db.max_allocated_storage_gb * 10 < db.allocated_storage_gb * 11:
        yield (
            at("max_allocated_storage_gb"),
            f"{db.max_allocated_storage_gb} GB is less than 110 % of allocated_storage_gb "
            f"({db.allocated_storage_gb} GB); storage autoscaling needs at least "
            f"{-(-db.allocated_storage_gb * 11 // 10)} GB",
        )

    backup, error = windows.daily(db.backup_window)
    if backup is None:
        yield at("backup_window"), error
    elif windows.length(backup) < MIN_WINDOW_MINUTES:
        yield at("backup_window"), f"{db.backup_window!r} lasts {windows.length(backup)} minutes; at least 30"
    maintenance, error = windows.weekly(db.maintenance_window)
    if maintenance is None:
        yield at("maintenance_window"), error
    elif windows.length(maintenance) < MIN_WINDOW_MINUTES:
        yield (
            at("maintenance_window"),
            f"{db.maintenance_window!r} lasts {windows.length(maintenance)} minutes; at least 30",
        )
    if backup and maintenance and windows.daily_overlaps_weekly(backup, maintenance):
        yield (
            at("maintenance_window"),
            f"{db.maintenance_window!r} overlaps the daily backup_window {db.backup_window!r}; RDS requires "
            "the two windows not to overlap",
        )

    if config.production and not db.deletion_protection:
        yield at("deletion_protection"), "must be true in a production environment (production is true)"

    for where, value, maximum, what in (
        ("", identifier(config), IDENTIFIER_MAX, "DB instance identifier"),
        ("final_snapshot_identifier", final_snapshot_identifier(config), SNAPSHOT_IDENTIFIER_MAX, "final snapshot"),
    ):
        problem = identifier_problem(value, maximum, what)
        if problem:
            yield (at(where) if where else pointer("project")), problem

    if db.monitoring_interval_seconds not in MONITORING_INTERVALS:
        yield (
            at("monitoring_interval_seconds"),
            f"{db.monitoring_interval_seconds} is not an enhanced monitoring interval; "
            f"allowed: {', '.join(map(str, MONITORING_INTERVALS))}",
        )
    if db.performance_insights_retention_days not in PERFORMANCE_INSIGHTS_RETENTIONS:
        yield (
            at("performance_insights_retention_days"),
            f"{db.performance_insights_retention_days} days is not a Performance Insights retention; "
            "allowed: 7, a multiple of 31 from 31 to 713 (months), or 731",
        )

    if db.read_replicas and db.backup_retention_days == 0:
        yield (
            at("backup_retention_days"),
            f"is 0 but read_replicas is {db.read_replicas}; a replica's source needs automated backups "
            "(backup_retention_days of 1 or more)",
        )

    if db.memory_mib is None:
        for key, value in (
            ("connections", db.alarms.connections),
            ("freeable_memory_mb", db.alarms.freeable_memory_mb),
        ):
            if value is None:
                yield (
                    at("alarms", key),
                    f"cannot be derived: the memory of instance class {db.instance_class!r} is not known here; "
                    "set the threshold explicitly",
                )
