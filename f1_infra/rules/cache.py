"""Rules on the ElastiCache section (rules 10-15 of docs/aws-rules.md)."""

import re
from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.rules import windows
from f1_infra.rules.names import identifier_problem, secret_recovery_problem
from f1_infra.settings.environment import EnvironmentConfig

# Versions creatable per engine, major.minor (rule 15: Redis OSS stops at 7.1).
# Engine versions ElastiCache creates (major.minor), as last checked against the ElastiCache
# engine-version pages on the date below; Redis OSS stops at 7.1, newer features come with Valkey.
ENGINE_VERSIONS_AS_OF = "2026-11-26"
ENGINE_VERSIONS = {"redis": ("7.0", "7.1"), "valkey": ("7.2", "8.0", "8.1")}
MAJOR_MINOR = re.compile(r"^[0-9]+\.[0-9]+$")
AUTH_TOKEN_MIN, AUTH_TOKEN_MAX = 16, 128
REPLICATION_GROUP_ID_MAX = 40
SNAPSHOT_NAME_MAX = 255
MIN_WINDOW_MINUTES = 60


def replication_group_id(config: EnvironmentConfig) -> str:
    return f"{config.name_prefix}-{config.cache.name}"


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    cache = config.cache

    def at(*keys: str) -> str:
        return pointer("cache", *keys)

    allowed = ENGINE_VERSIONS[cache.engine]
    if not MAJOR_MINOR.match(cache.engine_version):
        yield (
            at("engine_version"),
            f"{cache.engine_version!r} is not major.minor; ElastiCache refuses patch versions such as 7.0.7 "
            f"for {cache.engine} 7 and later; use one of {', '.join(allowed)}",
        )
    elif cache.engine_version not in allowed:
        yield (
            at("engine_version"),
            f"{cache.engine} {cache.engine_version} cannot be created; use one of {', '.join(allowed)}",
        )

    if cache.cluster_mode and not cache.automatic_failover:
        yield (
            at("automatic_failover"),
            "must be true with cluster_mode: ElastiCache refuses a cluster-mode group without it",
        )
    if not cache.cluster_mode and cache.shards > 1:
        yield at("shards"), f"is {cache.shards} but cluster_mode is false; without cluster mode there is 1 shard"
    if cache.multi_az and not cache.automatic_failover:
        yield at("multi_az"), "needs automatic_failover: true"
    if cache.multi_az and cache.replicas_per_shard < 1:
        yield at("multi_az"), "needs at least one replica per shard (replicas_per_shard of 1 or more)"
    if not cache.cluster_mode and cache.automatic_failover and cache.replicas_per_shard < 1:
        yield at("automatic_failover"), "needs at least one replica (replicas_per_shard of 1 or more) to fail over to"

    if not AUTH_TOKEN_MIN <= cache.auth_token_length <= AUTH_TOKEN_MAX:
        yield (
            at("auth_token_length"),
            f"is {cache.auth_token_length}; an AUTH token has {AUTH_TOKEN_MIN} to {AUTH_TOKEN_MAX} characters",
        )
    problem = secret_recovery_problem(cache.auth_secret_recovery_days)
    if problem:
        yield at("auth_secret_recovery_days"), problem

    problem = identifier_problem(replication_group_id(config), REPLICATION_GROUP_ID_MAX, "replication group id")
    if problem:
        yield at("name"), problem
    if cache.final_snapshot_identifier is not None:
        problem = identifier_problem(cache.final_snapshot_identifier, SNAPSHOT_NAME_MAX, "final snapshot")
        if problem:
            yield at("final_snapshot_identifier"), problem
    elif config.production:
        yield at("final_snapshot_identifier"), "is required in a production environment (production is true)"

    snapshot, error = windows.daily(cache.snapshot_window)
    if snapshot is None:
        yield at("snapshot_window"), error
    elif windows.length(snapshot) < MIN_WINDOW_MINUTES:
        yield at("snapshot_window"), f"{cache.snapshot_window!r} lasts {windows.length(snapshot)} minutes; at least 60"
    maintenance, error = windows.weekly(cache.maintenance_window)
    if maintenance is None:
        yield at("maintenance_window"), error
    elif windows.length(maintenance) < MIN_WINDOW_MINUTES:
        yield (
            at("maintenance_window"),
            f"{cache.maintenance_window!r} lasts {windows.length(maintenance)} minutes; at least 60",
        )
    if snapshot and maintenance and windows.daily_overlaps_weekly(snapshot, maintenance):
        yield (
            at("maintenance_window"),
            f"{cache.maintenance_window!r} overlaps the daily snapshot_window {cache.snapshot_window!r}; "
            "ElastiCache requires the two windows not to overlap",
        )
