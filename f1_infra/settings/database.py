"""Settings of the RDS PostgreSQL instance (envs/*.json `database`): replicas, proxy, alarms."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from f1_infra.settings.base import DailyWindow, LogRetentionDays, Setting, WeeklyWindow

DbInstanceClass = Annotated[str, Field(pattern=r"^db\.[a-z0-9-]+\.[a-z0-9]+$")]

# Memory per instance size in GiB for the general-purpose (m) and memory-optimized (r) families,
# relative to "large"; burstable (t) classes are listed by size.
_SIZE_FACTORS = {"large": 1, "xlarge": 2}
_FAMILY_LARGE_GIB = {"m": 8, "r": 16}
_BURSTABLE_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_CLASS = re.compile(r"^[a-z]+\.(?P<family>[a-z])[0-9]+[a-z]*\.(?P<size>[a-z0-9]+)$")


def instance_memory_mib(instance_class: str) -> int | None:
    """Memory of an instance class such as db.r5.large, or None when unknown."""
    match = _CLASS.match(instance_class)
    if match is None:
        return None
    family, size = match["family"], match["size"]
    if family == "t":
        gib = _BURSTABLE_GIB.get(size)
    elif family in _FAMILY_LARGE_GIB:
        multiple = size.removesuffix("xlarge")
        factor = _SIZE_FACTORS.get(size) or (
            int(multiple) * 2 if size.endswith("xlarge") and multiple.isdigit() else None
        )
        gib = None if factor is None else _FAMILY_LARGE_GIB[family] * factor
    else:
        gib = None
    return None if gib is None else gib * 1024


class DatabaseProxyConfig(Setting):
    enabled: bool = Field(False, description="Create the proxy.")
    iam_auth: Literal["REQUIRED", "DISABLED"] = Field(
        "REQUIRED",
        description="REQUIRED: clients authenticate to the proxy with IAM tokens; DISABLED: with the master "
        "secret's user and password.",
    )
    idle_client_timeout_seconds: int = Field(
        1800, ge=1, le=28800, description="Seconds an idle client connection is kept (1 to 28800)."
    )
    max_connections_percent: int = Field(
        90, ge=1, le=100, description="Share of the database's max_connections the proxy may open (1 to 100)."
    )


class BackupReplicationConfig(Setting):
    retention_days: int = Field(
        7,
        ge=1,
        le=35,
        description="Days the replicated automated backups are kept in disaster_recovery.region (1 to 35); a "
        "restore there can go back this far. Independent of backup_retention_days.",
    )


class DatabaseAlarmsConfig(Setting):
    """Alarm thresholds; None means "derived from the instance size" (see DatabaseConfig)."""

    cpu_percent: int = Field(
        80, ge=1, le=100, description="Alarm when average CPU stays above this percentage for 15 minutes."
    )
    connections: int | None = Field(
        None,
        ge=1,
        description="Alarm when connections exceed this count. Left out: 80 % of PostgreSQL's default "
        "max_connections for the instance class's memory.",
    )
    freeable_memory_mb: int | None = Field(
        None,
        ge=1,
        description="Alarm when freeable memory falls below this many MiB. Left out: 10 % of the instance class's "
        "memory.",
    )
    free_storage_gb: int | None = Field(
        None,
        ge=1,
        description="Alarm when free storage falls below this many GB. Left out: 10 % of allocated_storage_gb.",
    )
    replica_lag_seconds: int = Field(
        120, ge=1, description="Alarm when a read replica lags the primary by more than this many seconds."
    )


class DatabaseConfig(Setting):
    instance_class: DbInstanceClass = Field(
        description="RDS instance class of the primary, e.g. db.r5.large. Alarm thresholds left out are derived from "
        "its memory for the db.m*, db.r* and db.t* families."
    )
    engine_version: str = Field(
        "15",
        pattern=r"^[0-9]+$",
        description='PostgreSQL major version only (e.g. "15"); RDS picks the newest creatable minor and upgrades '
        "minors automatically. The parameter group family is postgres<version>.",
    )
    username: str = Field(
        "f1_master",
        description="Master user name: a letter, then letters, digits or underscores, at most 63 characters; not a "
        "name PostgreSQL on RDS reserves. Its password is generated at apply time and kept only in the master "
        "secret (Secrets Manager): never in the Terraform state or plan.",
    )
    master_password_version: int = Field(
        1,
        ge=1,
        description="Raise by one to rotate the master password: the next apply generates a new one and writes it "
        "to the database and to the master secret together (Terraform 1.11 write-only arguments).",
    )
    master_secret_recovery_days: int = Field(
        30,
        ge=0,
        le=30,
        description="Days a deleted master secret can still be restored: 0 (deleted at once, so the environment "
        "can be destroyed and recreated) or 7 to 30.",
    )
    database_name: str = Field(
        "f1_analytics",
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$",
        description="Name of the database created with the instance: a letter, then letters, digits or "
        "underscores, at most 63 characters.",
    )
    allocated_storage_gb: int = Field(100, ge=20, le=65536, description="Initial gp3 storage in GB (20 to 65536).")
    max_allocated_storage_gb: int = Field(
        1000,
        le=65536,
        description="Upper bound of storage autoscaling in GB; must be at least 10 % above allocated_storage_gb.",
    )
    multi_az: bool = Field(
        description="Keep a synchronous standby in another availability zone (automatic failover; doubles the "
        "instance cost)."
    )
    backup_retention_days: int = Field(
        ge=0,
        le=35,
        description="Days automated backups are kept (0 to 35; 0 disables automated backups and point-in-time "
        "recovery, and is refused with read replicas).",
    )
    backup_window: DailyWindow = Field(
        "03:00-04:00",
        description="Daily backup window in UTC, hh:mm-hh:mm, at least 30 minutes, not overlapping maintenance_window.",
    )
    maintenance_window: WeeklyWindow = Field(
        "sun:04:30-sun:05:30",
        description="Weekly maintenance window in UTC, ddd:hh:mm-ddd:hh:mm (mon..sun), at least 30 minutes, not "
        "overlapping backup_window.",
    )
    deletion_protection: bool = Field(
        True,
        description="Refuse to delete the instance until this is turned off. Must be true when production is true.",
    )
    final_snapshot_identifier: str | None = Field(
        None,
        description="Name of the snapshot taken when the instance is deleted (a letter, then letters, digits and "
        "single hyphens, at most 255 characters, not ending with a hyphen). Left out: "
        "<project>-<environment>-postgres-final. A snapshot of that name must not exist yet when the instance is "
        "deleted.",
    )
    monitoring_interval_seconds: int = Field(
        60,
        description="Enhanced monitoring interval: 0 (off), 1, 5, 10, 15, 30 or 60 seconds. The monitoring IAM role "
        "exists only when it is not 0.",
    )
    performance_insights_retention_days: int = Field(
        7,
        description="Days Performance Insights keeps data: 7 (free tier), 31 x n months for n = 1 to 23, or 731.",
    )
    log_retention_days: LogRetentionDays = Field(
        30, description="Days CloudWatch keeps the exported postgresql and upgrade logs."
    )
    slow_query_ms: int = Field(
        1000,
        ge=-1,
        description="Statements that run at least this many milliseconds are logged (log_min_duration_statement); "
        "-1 turns slow query logging off.",
    )
    read_replicas: int = Field(
        0,
        ge=0,
        le=5,
        description="Number of read replicas of the primary (0 to 5). Needs backup_retention_days above 0.",
    )
    replica_instance_class: DbInstanceClass | None = Field(
        None, description="Instance class of the read replicas; left out, the primary's instance_class."
    )
    backup_replication: BackupReplicationConfig | None = Field(
        None,
        description="Replicate the primary's automated backups (snapshots and transaction logs) into "
        "disaster_recovery.region, encrypted with a key of that region, so that the database can be restored there "
        "to any point in time of the retention. Needs backup_retention_days above 0. Leave out for no "
        "copy outside the environment's region.",
    )
    proxy: DatabaseProxyConfig = Field(
        DatabaseProxyConfig(),
        description="RDS Proxy in front of the primary for connection pooling; TLS is always required.",
    )
    alarms: DatabaseAlarmsConfig = Field(
        DatabaseAlarmsConfig(), description="Thresholds of the CloudWatch alarms sent to the alerts topic."
    )

    @property
    def parameter_group_family(self) -> str:
        return f"postgres{self.engine_version}"

    @property
    def memory_mib(self) -> int | None:
        """Memory of the instance class, or None for a class this project has no size for."""
        return instance_memory_mib(self.instance_class)

    @property
    def connections_threshold(self) -> int | None:
        """The file's threshold, else 80 % of PostgreSQL's default max_connections on RDS
        (LEAST(DBInstanceClassMemory / 9531392, 5000))."""
        if self.alarms.connections is not None:
            return self.alarms.connections
        if self.memory_mib is None:
            return None
        return int(min(self.memory_mib * 2**20 // 9531392, 5000) * 0.8)

    @property
    def freeable_memory_threshold_mb(self) -> int | None:
        """The file's threshold, else 10 % of the instance memory."""
        if self.alarms.freeable_memory_mb is not None:
            return self.alarms.freeable_memory_mb
        return None if self.memory_mib is None else self.memory_mib // 10

    @property
    def free_storage_threshold_gb(self) -> int:
        """The file's threshold, else 10 % of the allocated storage."""
        if self.alarms.free_storage_gb is not None:
            return self.alarms.free_storage_gb
        return max(1, self.allocated_storage_gb // 10)
