"""The ElastiCache module, per environment: what `terraform apply` would create."""

import re

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack

GROUP = "aws_elasticache_replication_group"
KEY_ARN = ("aws_kms_key", "kms/key", "arn")
TOPIC_ARN = ("aws_sns_topic", "alerts/topic", "arn")
NODES = ("0001_001", "0001_002", "0002_001", "0002_002", "0003_001", "0003_002")


def group(stack: Stack) -> dict:
    return stack.resource(GROUP, "cache/replication_group")


@pytest.mark.parametrize(
    ("env", "node_type", "final_snapshot", "recovery_days"),
    [
        ("dev", "cache.t4g.medium", None, 0),
        ("staging", "cache.r7g.large", None, 7),
        ("prod", "cache.r7g.large", "f1-analytics-prod-cache-final", 30),
    ],
)
def test_sizes_and_protection_per_environment(
    stacks: dict[str, Stack], env: str, node_type: str, final_snapshot: str | None, recovery_days: int
) -> None:
    stack = stacks[env]
    body = group(stack)
    assert body["node_type"] == node_type
    assert body.get("final_snapshot_identifier") == final_snapshot
    assert body["lifecycle"] == {"prevent_destroy": env == "prod"}
    secret = stack.resource("aws_secretsmanager_secret", "cache/auth_secret")
    assert secret["recovery_window_in_days"] == recovery_days


def test_engine_and_cluster_shape(stack: Stack) -> None:
    body = group(stack)
    assert body["replication_group_id"] == f"f1-analytics-{stack.name}-cache"
    assert (body["engine"], body["engine_version"]) == ("redis", "7.1")
    assert body["cluster_mode"] == "enabled"
    assert (body["num_node_groups"], body["replicas_per_node_group"]) == (3, 1)
    assert "num_cache_clusters" not in body
    assert body["automatic_failover_enabled"] is True
    assert body["multi_az_enabled"] is True
    assert body["auto_minor_version_upgrade"] == "true"
    assert body["port"] == 6379


def test_encryption_and_auth_token(stack: Stack) -> None:
    body = group(stack)
    assert body["at_rest_encryption_enabled"] == "true"
    assert body["kms_key_id"] == stack.ref(*KEY_ARN)
    assert body["transit_encryption_enabled"] is True
    token = stack.ref("random_password", "cache/auth_token", "result")
    assert body["auth_token"] == token
    assert body["auth_token_update_strategy"] == "ROTATE"
    password = stack.resource("random_password", "cache/auth_token")
    assert password["override_special"] == "!&#$^<>-"
    assert password["special"] is True
    assert 16 <= password["length"] <= 128
    secret = stack.resource("aws_secretsmanager_secret", "cache/auth_secret")
    assert secret["name"] == f"f1-analytics-{stack.name}-cache-auth-token"
    assert secret["kms_key_id"] == stack.ref(*KEY_ARN)
    version = stack.resource("aws_secretsmanager_secret_version", "cache/auth_secret_value")
    assert version["secret_id"] == stack.ref("aws_secretsmanager_secret", "cache/auth_secret")
    assert version["secret_string"] == token
    output = stack.doc["output"]["cache_auth_secret_arn"]
    assert output["value"] == stack.ref("aws_secretsmanager_secret", "cache/auth_secret", "arn")


def test_random_provider_is_declared(stack: Stack) -> None:
    assert "random" in stack.doc["provider"]
    assert stack.doc["terraform"]["required_providers"]["random"]["source"] == "hashicorp/random"


def test_parameter_group_enables_cluster_mode(stack: Stack) -> None:
    parameters = stack.resource("aws_elasticache_parameter_group", "cache/parameter_group")
    assert parameters["family"] == "redis7"
    # The name carries what forces a replacement, so create_before_destroy never meets the old name.
    assert re.fullmatch(f"f1-analytics-{stack.name}-cache-redis7-[0-9a-f]{{8}}", parameters["name"])
    assert parameters["lifecycle"] == {"create_before_destroy": True}
    values = {p["name"]: p["value"] for p in parameters["parameter"]}
    assert values == {
        "cluster-enabled": "yes",
        "maxmemory-policy": "volatile-lru",
        "slowlog-log-slower-than": "10000",
    }
    assert group(stack)["parameter_group_name"] == stack.ref(
        "aws_elasticache_parameter_group", "cache/parameter_group", "name"
    )


def test_network_placement_and_security_group(stack: Stack) -> None:
    body = group(stack)
    assert body["subnet_group_name"] == stack.ref("aws_elasticache_subnet_group", "network/cache_subnet_group", "name")
    assert body["security_group_ids"] == [stack.ref("aws_security_group", "cache/security_group")]
    security_group = stack.resource("aws_security_group", "cache/security_group")
    assert security_group["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    # Only the EKS nodes get in, never a CIDR; nothing goes out.
    (rule,) = security_group["ingress"]
    assert (rule["from_port"], rule["to_port"], rule["protocol"]) == (6379, 6379, "tcp")
    assert rule["security_groups"] == [stack.ref("aws_security_group", "cluster/node_security_group")]
    assert (rule["cidr_blocks"], rule["ipv6_cidr_blocks"], rule["self"]) == ([], [], False)
    assert security_group["egress"] == []


def test_snapshots_and_maintenance(stack: Stack) -> None:
    body = group(stack)
    assert body["snapshot_retention_limit"] == 5
    assert body["snapshot_window"] == "05:00-06:00"
    assert body["maintenance_window"] == "sun:06:30-sun:07:30"
    # ElastiCache cannot publish to the KMS-encrypted alerts topic (it marks it inactive); the
    # alarms notify it instead.
    assert "notification_topic_arn" not in body


@pytest.mark.parametrize(("env", "retention"), [("dev", 30), ("staging", 90), ("prod", 365)])
def test_slow_and_engine_logs(stacks: dict[str, Stack], env: str, retention: int) -> None:
    stack = stacks[env]
    deliveries = {d["log_type"]: d for d in group(stack)["log_delivery_configuration"]}
    assert set(deliveries) == {"slow-log", "engine-log"}
    for log, path in (("slow-log", "cache/slow_logs"), ("engine-log", "cache/engine_logs")):
        log_group = stack.resource("aws_cloudwatch_log_group", path)
        assert log_group["name"] == f"/aws/elasticache/f1-analytics-{env}-cache/{log}"
        assert log_group["retention_in_days"] == retention
        assert log_group["kms_key_id"] == stack.ref(*KEY_ARN)
        assert deliveries[log]["destination"] == stack.ref("aws_cloudwatch_log_group", path, "name")
        assert deliveries[log]["destination_type"] == "cloudwatch-logs"
        assert deliveries[log]["log_format"] == "json"


def test_alarms_per_node(stack: Stack, config: EnvironmentConfig) -> None:
    limits = config.cache.alarms
    expected = {
        "cpu": ("EngineCPUUtilization", "Average", limits.engine_cpu_percent),
        "memory": ("DatabaseMemoryUsagePercentage", "Average", limits.memory_percent),
        "evictions": ("Evictions", "Sum", limits.evictions),
        "connections": ("CurrConnections", "Maximum", limits.connections),
        "replication_lag": ("ReplicationLag", "Maximum", limits.replication_lag_seconds),
    }
    for node in NODES:
        cluster = f"f1-analytics-{stack.name}-cache-{node.replace('_', '-')}"
        for key, (metric, statistic, threshold) in expected.items():
            alarm = stack.resource("aws_cloudwatch_metric_alarm", f"cache/{key}_alarm_{node}")
            # Any node may be the replica after a failover; a primary publishes no ReplicationLag.
            missing = "notBreaching" if key == "replication_lag" else "missing"
            assert alarm["treat_missing_data"] == missing
            assert alarm["alarm_name"] == f"{cluster}-{key.replace('_', '-')}"
            assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == (
                "AWS/ElastiCache",
                metric,
                statistic,
            )
            assert alarm["dimensions"] == {"CacheClusterId": cluster}
            assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanThreshold", threshold)
            # An engine or memory saturated is critical; the rest is for working hours.
            topic = TOPIC_ARN if key in ("cpu", "memory") else ("aws_sns_topic", "alerts/warning_topic", "arn")
            assert alarm["alarm_actions"] == alarm["ok_actions"] == [stack.ref(*topic)]
    assert stack.count("aws_cloudwatch_metric_alarm", "cache/") == len(NODES) * len(expected)


def test_configuration_endpoint_output(stack: Stack) -> None:
    assert stack.doc["output"]["cache_configuration_endpoint"]["value"] == stack.ref(
        GROUP, "cache/replication_group", "configuration_endpoint_address"
    )
