"""Settings of the ElastiCache replication group (envs/*.json `cache`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from f1_infra.settings.base import DailyWindow, LogRetentionDays, Setting, WeeklyWindow


class CacheAlarmsConfig(Setting):
    engine_cpu_percent: int = Field(
        75,
        ge=1,
        le=100,
        description="Alarm when the engine thread's CPU stays above this percentage for 15 minutes.",
    )
    memory_percent: int = Field(
        80, ge=1, le=100, description="Alarm when DatabaseMemoryUsagePercentage stays above this percentage."
    )
    evictions: int = Field(
        1000, ge=0, description="Alarm when more keys than this are evicted from one node in 5 minutes."
    )
    connections: int = Field(
        5000,
        ge=1,
        description="Alarm when a node has more client connections than this (the engine allows 65000).",
    )
    replication_lag_seconds: int = Field(
        30, ge=1, description="Alarm when a replica lags its primary by more than this many seconds."
    )


class CacheConfig(Setting):
    engine: Literal["redis", "valkey"] = Field(
        "redis", description="redis (Redis OSS, up to 7.1) or valkey (7.2 and 8.x)."
    )
    engine_version: str = Field(
        "7.1",
        description="major.minor only, e.g. 7.1 for redis or 8.0 for valkey; patch versions are refused by AWS. "
        "redis accepts 7.0 and 7.1; valkey 7.2, 8.0 and 8.1.",
    )
    node_type: str = Field(
        pattern=r"^cache\.[a-z0-9-]+\.[a-z0-9]+$", description="Cache node type, e.g. cache.r7g.large."
    )
    name: str = Field(
        "cache",
        description="Last part of the replication group id <project>-<environment>-<name> (at most 40 characters in "
        "all). Changing it replaces the group, e.g. to move to another engine side by side.",
    )
    cluster_mode: bool = Field(
        True,
        description="Shard the key space (cluster-enabled = yes); needs automatic_failover. Off: one shard, shards "
        "must be 1.",
    )
    shards: int = Field(3, ge=1, le=500, description="Number of shards (node groups), 1 to 500.")
    replicas_per_shard: int = Field(
        1, ge=0, le=5, description="Replicas in each shard, 0 to 5. Multi-AZ needs at least 1."
    )
    automatic_failover: bool = Field(
        True, description="Promote a replica when a primary fails. Required by cluster_mode and multi_az."
    )
    multi_az: bool = Field(
        True,
        description="Place replicas in other availability zones than their primary; needs automatic_failover and at "
        "least one replica per shard.",
    )
    auth_token_length: int = Field(64, description="Length of the generated AUTH token: 16 to 128 characters.")
    auth_secret_recovery_days: int = Field(
        30,
        ge=0,
        le=30,
        description="Days a deleted AUTH token secret can still be restored: 0 (deleted at once, so the environment "
        "can be destroyed and recreated) or 7 to 30.",
    )
    snapshot_retention_days: int = Field(
        5, ge=0, le=35, description="Days automatic snapshots are kept (0 turns them off, at most 35)."
    )
    snapshot_window: DailyWindow = Field(
        "05:00-06:00",
        description="Daily snapshot window in UTC, hh:mm-hh:mm, at least 60 minutes, not overlapping "
        "maintenance_window.",
    )
    maintenance_window: WeeklyWindow = Field(
        "sun:06:30-sun:07:30",
        description="Weekly maintenance window in UTC, ddd:hh:mm-ddd:hh:mm (mon..sun), at least 60 minutes, not "
        "overlapping snapshot_window.",
    )
    final_snapshot_identifier: str | None = Field(
        None,
        description="Name of the snapshot taken when the group is deleted (a letter, then letters, digits and "
        "single hyphens, not ending with a hyphen). Left out: no final snapshot.",
    )
    maxmemory_policy: Literal[
        "volatile-lru",
        "allkeys-lru",
        "volatile-lfu",
        "allkeys-lfu",
        "volatile-random",
        "allkeys-random",
        "volatile-ttl",
        "noeviction",
    ] = Field("volatile-lru", description="What the engine evicts when memory is full.")
    slowlog_threshold_us: int = Field(
        10000,
        ge=0,
        description="Commands slower than this many microseconds go to the slow log (slowlog-log-slower-than).",
    )
    log_retention_days: LogRetentionDays = Field(30, description="Days CloudWatch keeps the slow log and engine log.")
    alarms: CacheAlarmsConfig = Field(
        CacheAlarmsConfig(), description="Thresholds of the per-node CloudWatch alarms sent to the alerts topic."
    )

    @property
    def parameter_group_family(self) -> str:
        """redis7, valkey7 or valkey8: the engine followed by the major version."""
        return f"{self.engine}{self.engine_version.split('.', 1)[0]}"

    @property
    def member_cluster_ids(self) -> list[str]:
        """Suffixes AWS gives the nodes' cache clusters: <group>-<shard:04>-<node:03> in cluster
        mode, <group>-<node:03> otherwise. Which node of a shard is the primary changes with each
        failover."""
        nodes = range(1, self.replicas_per_shard + 2)
        if not self.cluster_mode:
            return [f"{n:03d}" for n in nodes]
        return [f"{s:04d}-{n:03d}" for s in range(1, self.shards + 1) for n in nodes]
