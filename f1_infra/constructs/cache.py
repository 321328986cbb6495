"""ElastiCache (Redis OSS or Valkey): a replication group with an AUTH token kept in Secrets Manager."""

import hashlib
from collections.abc import Sequence

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.elasticache_parameter_group import (
    ElasticacheParameterGroup,
    ElasticacheParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.elasticache_replication_group import (
    ElasticacheReplicationGroup,
    ElasticacheReplicationGroupLogDeliveryConfiguration,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from cdktf_cdktf_provider_random.password import Password
from constructs import Construct

from f1_infra.constructs.alerts import AlertTopics
from f1_infra.constructs.network import Network
from f1_infra.rules.cache import replication_group_id
from f1_infra.settings.environment import EnvironmentConfig

PORT = 6379
# The only special characters ElastiCache accepts in an AUTH token (rule 13).
AUTH_TOKEN_SPECIALS = "!&#$^<>-"
LOGS = ("slow-log", "engine-log")
ALARM_PERIOD = 300
ALARM_PERIODS = 3


class Cache(Construct):
    """A replication group in the database subnets, encrypted at rest with the environment key
    and in transit, that clients reach on 6379 from the allowed security groups only, with the
    AUTH token they need in a Secrets Manager secret.

    Attributes: ``replication_group_id``, ``configuration_endpoint``, ``port``,
    ``security_group_id``, ``auth_secret_arn``, ``auth_secret_key_arn`` (the KMS key the secret is
    encrypted with), ``critical_alarm_names``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        kms_key_arn: str,
        alert_topics: AlertTopics,
        network: Network,
        allowed_security_group_ids: Sequence[str],
    ) -> None:
        super().__init__(scope, id)
        cache, prefix = config.cache, config.name_prefix
        group_id = replication_group_id(config)
        allowed = list(allowed_security_group_ids)

        security_group = SecurityGroup(
            self,
            "security_group",
            name=group_id,
            description=f"{group_id}: {cache.engine} from the allowed security groups only",
            vpc_id=network.vpc_id,
            ingress=[
                SecurityGroupIngress(
                    description=f"{cache.engine} from allowed security groups",
                    from_port=PORT,
                    to_port=PORT,
                    protocol="tcp",
                    security_groups=allowed,
                    cidr_blocks=[],
                    ipv6_cidr_blocks=[],
                    prefix_list_ids=[],
                    self_attribute=False,
                )
            ]
            if allowed
            else [],
            egress=[],
            tags={"Name": group_id},
        )

        token = Password(
            self,
            "auth_token",
            length=cache.auth_token_length,
            special=True,
            override_special=AUTH_TOKEN_SPECIALS,
        )
        secret = SecretsmanagerSecret(
            self,
            "auth_secret",
            name=f"{group_id}-auth-token",
            description=f"AUTH token of the {group_id} replication group",
            kms_key_id=kms_key_arn,
            recovery_window_in_days=cache.auth_secret_recovery_days,
        )
        SecretsmanagerSecretVersion(self, "auth_secret_value", secret_id=secret.id, secret_string=token.result)

        description = f"{group_id}: cluster mode, eviction policy, slow log threshold"
        # What forces a replacement (family, description) is part of the name: the new group is
        # created before the old one goes, and ElastiCache has no name_prefix (rule 49).
        fingerprint = hashlib.sha256(f"{cache.parameter_group_family}\n{description}".encode()).hexdigest()[:8]
        parameter_group = ElasticacheParameterGroup(
            self,
            "parameter_group",
            name=f"{group_id}-{cache.parameter_group_family}-{fingerprint}",
            family=cache.parameter_group_family,
            description=description,
            parameter=[
                ElasticacheParameterGroupParameter(name=key, value=value)
                for key, value in {
                    "cluster-enabled": "yes" if cache.cluster_mode else "no",
                    "maxmemory-policy": cache.maxmemory_policy,
                    "slowlog-log-slower-than": str(cache.slowlog_threshold_us),
                }.items()
            ],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )

        log_groups = {
            log: CloudwatchLogGroup(
                self,
                f"{log.replace('-', '_')}s",
                name=f"/aws/elasticache/{group_id}/{log}",
                retention_in_days=cache.log_retention_days,
                kms_key_id=kms_key_arn,
            )
            for log in LOGS
        }

        shape = (
            {"num_node_groups": cache.shards, "replicas_per_node_group": cache.replicas_per_shard}
            if cache.cluster_mode
            else {"num_cache_clusters": cache.replicas_per_shard + 1}
        )
        group = ElasticacheReplicationGroup(
            self,
            "replication_group",
            replication_group_id=group_id,
            description=f"{prefix} {cache.engine} cache",
            engine=cache.engine,
            engine_version=cache.engine_version,
            node_type=cache.node_type,
            port=PORT,
            parameter_group_name=parameter_group.name,
            cluster_mode="enabled" if cache.cluster_mode else "disabled",
            **shape,
            automatic_failover_enabled=cache.automatic_failover,
            multi_az_enabled=cache.multi_az,
            subnet_group_name=network.cache_subnet_group_name,
            security_group_ids=[security_group.id],
            at_rest_encryption_enabled="true",
            kms_key_id=kms_key_arn,
            transit_encryption_enabled=True,
            auth_token=token.result,
            auth_token_update_strategy="ROTATE",
            auto_minor_version_upgrade="true",
            snapshot_retention_limit=cache.snapshot_retention_days,
            snapshot_window=cache.snapshot_window,
            final_snapshot_identifier=cache.final_snapshot_identifier,
            maintenance_window=cache.maintenance_window,
            # No notification_topic_arn: ElastiCache cannot publish to a KMS-encrypted topic (the
            # topic turns "inactive"), and every alert topic is encrypted. So no snapshot notices
            # either; the alarms below notify their tiers.
            apply_immediately=False,
            log_delivery_configuration=[
                ElasticacheReplicationGroupLogDeliveryConfiguration(
                    destination=group_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type=log,
                )
                for log, group_log in log_groups.items()
            ],
            lifecycle=TerraformResourceLifecycle(prevent_destroy=config.production),
        )

        self.critical_alarm_names: list[str] = self._alarms(config, group_id, alert_topics)
        self.replication_group_id: str = group.id
        self.configuration_endpoint: str = (
            group.configuration_endpoint_address if cache.cluster_mode else group.primary_endpoint_address
        )
        self.port: int = PORT
        self.security_group_id: str = security_group.id
        self.auth_secret_arn: str = secret.arn
        self.auth_secret_key_arn: str = kms_key_arn

    def _alarms(self, config: EnvironmentConfig, group_id: str, topics: AlertTopics) -> list[str]:
        """One alarm per node and metric: ElastiCache publishes its metrics per cache cluster
        (node), and alarms cannot search across them. A saturated engine or full memory is
        critical; evictions, connections and replication lag are warnings."""
        limits = config.cache.alarms
        # (key, metric, statistic, threshold, critical, missing data). Every node gets the
        # replication lag alarm: a failover makes a primary a replica, and a primary publishes no
        # ReplicationLag, which is no lag.
        specs = (
            ("cpu", "EngineCPUUtilization", "Average", limits.engine_cpu_percent, True, "missing"),
            ("memory", "DatabaseMemoryUsagePercentage", "Average", limits.memory_percent, True, "missing"),
            ("evictions", "Evictions", "Sum", limits.evictions, False, "missing"),
            ("connections", "CurrConnections", "Maximum", limits.connections, False, "missing"),
            ("replication_lag", "ReplicationLag", "Maximum", limits.replication_lag_seconds, False, "notBreaching"),
        )
        critical = []
        for node in config.cache.member_cluster_ids:
            cluster = f"{group_id}-{node}"
            for key, metric, statistic, threshold, is_critical, missing in specs:
                alarm = CloudwatchMetricAlarm(
                    self,
                    f"{key}_alarm_{node.replace('-', '_')}",
                    alarm_name=f"{cluster}-{key.replace('_', '-')}",
                    alarm_description=f"{cluster}: {metric} {statistic} above {threshold}",
                    namespace="AWS/ElastiCache",
                    metric_name=metric,
                    dimensions={"CacheClusterId": cluster},
                    statistic=statistic,
                    period=ALARM_PERIOD,
                    evaluation_periods=ALARM_PERIODS,
                    comparison_operator="GreaterThanThreshold",
                    threshold=threshold,
                    treat_missing_data=missing,
                    **topics.actions("critical" if is_critical else "warning"),
                )
                if is_critical:
                    critical.append(alarm.alarm_name)
        return critical
