"""ElastiCache rules: each invalid cache setting is reported with its pointer and what AWS allows."""

import json
from pathlib import Path

import pytest

from f1_infra.config import load_environment
from tests.envfiles import Mutation, combine, findings, set_at, shipped


def cache(*keys: str, value: object) -> Mutation:
    return set_at("cache", *keys, value=value)


CASES: list[tuple[str, str, Mutation, str, str]] = [
    (
        "replication group id too long",
        "dev",
        cache("name", value="analytics-session-cache-00"),
        "/cache/name",
        "replication group id 'f1-analytics-dev-analytics-session-cache-00' has 43 characters; "
        "replication group id must have 1 to 40",
    ),
    (
        "replication group id double hyphen",
        "dev",
        cache("name", value="-cache"),
        "/cache/name",
        "replication group id 'f1-analytics-dev--cache' is not valid",
    ),
    (
        "patch-level version",
        "dev",
        cache("engine_version", value="7.0.7"),
        "/cache/engine_version",
        "'7.0.7' is not major.minor; ElastiCache refuses patch versions",
    ),
    (
        "redis stops at 7.1",
        "dev",
        cache("engine_version", value="7.2"),
        "/cache/engine_version",
        "redis 7.2 cannot be created; use one of 7.0, 7.1",
    ),
    (
        "valkey version",
        "dev",
        combine(cache("engine", value="valkey"), cache("engine_version", value="7.1")),
        "/cache/engine_version",
        "valkey 7.1 cannot be created; use one of 7.2, 8.0, 8.1",
    ),
    (
        "multi-az with no replica",
        "dev",
        cache("replicas_per_shard", value=0),
        "/cache/multi_az",
        "needs at least one replica per shard",
    ),
    (
        "multi-az without failover",
        "dev",
        combine(cache("automatic_failover", value=False), cache("cluster_mode", value=False), cache("shards", value=1)),
        "/cache/multi_az",
        "needs automatic_failover: true",
    ),
    (
        "cluster mode without failover",
        "dev",
        combine(cache("automatic_failover", value=False), cache("multi_az", value=False)),
        "/cache/automatic_failover",
        "must be true with cluster_mode",
    ),
    (
        "shards without cluster mode",
        "dev",
        cache("cluster_mode", value=False),
        "/cache/shards",
        "is 3 but cluster_mode is false",
    ),
    (
        "failover without replicas outside cluster mode",
        "dev",
        combine(
            cache("cluster_mode", value=False),
            cache("shards", value=1),
            cache("replicas_per_shard", value=0),
            cache("multi_az", value=False),
        ),
        "/cache/automatic_failover",
        "needs at least one replica",
    ),
    (
        "auth token too short",
        "dev",
        cache("auth_token_length", value=12),
        "/cache/auth_token_length",
        "is 12; an AUTH token has 16 to 128 characters",
    ),
    (
        "auth token too long",
        "dev",
        cache("auth_token_length", value=129),
        "/cache/auth_token_length",
        "is 129; an AUTH token has 16 to 128 characters",
    ),
    (
        "secret recovery window",
        "dev",
        cache("auth_secret_recovery_days", value=3),
        "/cache/auth_secret_recovery_days",
        "accepts 0 (delete at once) or 7 to 30 days",
    ),
    (
        "overlapping windows",
        "dev",
        cache("maintenance_window", value="wed:05:30-wed:06:30"),
        "/cache/maintenance_window",
        "overlaps the daily snapshot_window '05:00-06:00'",
    ),
    (
        "window across the week's end overlaps",
        "dev",
        combine(
            cache("snapshot_window", value="00:00-01:00"), cache("maintenance_window", value="sun:23:30-mon:00:30")
        ),
        "/cache/maintenance_window",
        "overlaps the daily snapshot_window '00:00-01:00'",
    ),
    (
        "snapshot window too short",
        "dev",
        cache("snapshot_window", value="05:00-05:30"),
        "/cache/snapshot_window",
        "lasts 30 minutes; at least 60",
    ),
    (
        "final snapshot missing in production",
        "prod",
        lambda d: d["cache"].pop("final_snapshot_identifier"),
        "/cache/final_snapshot_identifier",
        "is required in a production environment",
    ),
    (
        "bad final snapshot identifier",
        "prod",
        cache("final_snapshot_identifier", value="prod_cache_final"),
        "/cache/final_snapshot_identifier",
        "final snapshot 'prod_cache_final' is not valid",
    ),
    ("engine", "dev", cache("engine", value="memcached"), "/cache/engine", 'allowed values: "redis", "valkey"'),
    ("missing node type", "dev", lambda d: d["cache"].pop("node_type"), "/cache/node_type", "required setting"),
]


@pytest.mark.parametrize(("env", "mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_reports_pointer_and_message(
    tmp_path: Path, env: str, mutate: Mutation, where: str, message: str
) -> None:
    found = findings(tmp_path, mutate, env)
    assert any(p == where and message in m for p, m in found), found


@pytest.mark.parametrize(
    ("mutate", "family"),
    [
        (combine(cache("engine", value="valkey"), cache("engine_version", value="8.0")), "valkey8"),
        (combine(cache("engine", value="valkey"), cache("engine_version", value="7.2")), "valkey7"),
        (cache("engine_version", value="7.0"), "redis7"),
    ],
)
def test_parameter_group_family_follows_engine_and_version(tmp_path: Path, mutate: Mutation, family: str) -> None:
    data = shipped("dev")
    mutate(data)
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    assert load_environment(path).cache.parameter_group_family == family


def test_cluster_mode_off_uses_one_shard_of_nodes(tmp_path: Path) -> None:
    data = shipped("dev")
    combine(cache("cluster_mode", value=False), cache("shards", value=1), cache("auth_token_length", value=128))(data)
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    config = load_environment(path).cache
    assert config.member_cluster_ids == ["001", "002"]
