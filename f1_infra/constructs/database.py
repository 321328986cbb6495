"""RDS PostgreSQL: the primary instance, read replicas, an optional RDS Proxy, and their alarms."""

from collections.abc import Sequence

from cdktf import Fn, TerraformLocal, TerraformProvider, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.db_event_subscription import DbEventSubscription
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_instance_automated_backups_replication import DbInstanceAutomatedBackupsReplication
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_proxy import DbProxy, DbProxyAuth
from cdktf_cdktf_provider_aws.db_proxy_default_target_group import (
    DbProxyDefaultTargetGroup,
    DbProxyDefaultTargetGroupConnectionPoolConfig,
)
from cdktf_cdktf_provider_aws.db_proxy_target import DbProxyTarget
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from constructs import Construct

from f1_infra.constructs.alerts import AlertTopics
from f1_infra.constructs.network import Network
from f1_infra.iam import policy_document, service_trust_policy, statement
from f1_infra.rules.database import final_snapshot_identifier, identifier
from f1_infra.settings.environment import EnvironmentConfig

MASTER_PASSWORD_RESOURCE = "database_master_password"
MASTER_SECRET_READ = "database_master_secret"
# The generated password goes into the secret; the database takes it back from the secret, so
# the two hold the same password even when an apply fails between them and is run again.
GENERATED_PASSWORD = f"ephemeral.random_password.{MASTER_PASSWORD_RESOURCE}.result"
MASTER_PASSWORD = (
    f"${{jsondecode(ephemeral.aws_secretsmanager_secret_version.{MASTER_SECRET_READ}.secret_string).password}}"
)
MASTER_PASSWORD_LENGTH = 40
# RDS refuses / @ " and spaces in a master password (rule 17).
MASTER_PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?"
PORT = 5432
HTTPS = 443
LOG_EXPORTS = ("postgresql", "upgrade")
# Parameters PostgreSQL reads only at start-up: RDS refuses `immediate` for them (rule 22).
STATIC_PARAMETERS = frozenset(
    {
        "shared_preload_libraries",
        "max_connections",
        "shared_buffers",
        "max_wal_senders",
        "max_worker_processes",
        "max_locks_per_transaction",
        "max_prepared_transactions",
        "track_activity_query_size",
        "pg_stat_statements.max",
        "rds.logical_replication",
        "wal_buffers",
    }
)
ALARM_PERIOD = 300
ALARM_PERIODS = 3
MIB = 2**20
GB = 10**9


def _ingress(description: str, source_groups: Sequence[str], port: int = PORT) -> SecurityGroupIngress:
    # Every attribute is given: Terraform reads inline rules as objects whose attributes are all set.
    return SecurityGroupIngress(
        description=description,
        from_port=port,
        to_port=port,
        protocol="tcp",
        security_groups=list(source_groups),
        cidr_blocks=[],
        ipv6_cidr_blocks=[],
        prefix_list_ids=[],
        self_attribute=False,
    )


# What RDS tells of an instance (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html,
# "DB instance events"): backups, maintenance, failovers and the rest, as notices of the info tier.
INSTANCE_EVENT_CATEGORIES = (
    "availability",
    "backup",
    "configuration change",
    "deletion",
    "failover",
    "failure",
    "low storage",
    "maintenance",
    "notification",
    "read replica",
    "recovery",
    "restoration",
    "security patching",
)


def event_subscription(scope: Construct, name: str, topic_arn: str, instances: Sequence[str]) -> None:
    """RDS events of the instances (the primary and its replicas) to the topic. RDS publishes as
    events.rds.amazonaws.com, which the topic policy and the key policy admit (an encrypted topic)."""
    DbEventSubscription(
        scope,
        "event_subscription",
        name_prefix=f"{name}-",
        sns_topic=topic_arn,
        source_type="db-instance",
        source_ids=list(instances),
        event_categories=list(INSTANCE_EVENT_CATEGORIES),
    )


class Database(Construct):
    """A PostgreSQL instance whose master password RDS generates and keeps in Secrets Manager
    (encrypted with the environment key), reachable on 5432 only from the allowed security
    groups (and the proxy, when there is one).

    Attributes: ``identifier``, ``endpoint``, ``port``, ``security_group_id``,
    ``master_secret_arn``, ``critical_alarm_names`` (the primary's alarms and each replica's lag),
    ``backup_replication_arn`` (the replicated automated backups in the disaster-recovery region;
    None without), ``proxy_endpoint`` (None without a proxy),
    ``proxy_user_arn`` (the `rds-db` user a client of the proxy connects as with an IAM token:
    None without a proxy that requires IAM authentication).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        account_id: str,
        kms_key_arn: str,
        alert_topics: AlertTopics,
        network: Network,
        allowed_security_group_ids: Sequence[str],
        secrets_client_security_group_ids: Sequence[str] = (),
        dr_provider: TerraformProvider | None = None,
        dr_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._account_id = account_id
        # Callers of Secrets Manager elsewhere in the VPC (the Terraform Cloud agent's task), which the
        # proxy's endpoint must also admit: its private DNS takes every call of the VPC.
        self._secrets_clients = list(secrets_client_security_group_ids)
        db, prefix, partition = config.database, config.name_prefix, config.partition
        name = identifier(config)
        allowed = list(allowed_security_group_ids)

        # The proxy has its own group (created first), so the database's inline rules can admit it
        # without a cycle; only the proxy's egress, which points back here, is a separate rule.
        proxy_group = self._proxy_security_group(name, network, allowed) if db.proxy.enabled else None
        ingress = [_ingress("PostgreSQL from the allowed security groups", allowed)] if allowed else []
        if proxy_group is not None:
            ingress.append(_ingress("PostgreSQL from the RDS Proxy", [proxy_group.id]))
        security_group = SecurityGroup(
            self,
            "security_group",
            name=name,
            description=f"{name}: PostgreSQL from the allowed security groups only",
            vpc_id=network.vpc_id,
            ingress=ingress,
            egress=[],
            tags={"Name": name},
        )

        parameters = {
            "rds.force_ssl": "1",
            "log_min_duration_statement": str(db.slow_query_ms),
            "log_statement": "ddl",
            "log_connections": "1",
            "log_disconnections": "1",
            "log_lock_waits": "1",
            "track_io_timing": "1",
            "shared_preload_libraries": "pg_stat_statements",
            "pg_stat_statements.track": "all",
        }
        parameter_group = DbParameterGroup(
            self,
            "parameter_group",
            # create_before_destroy needs a fresh name for the new group whatever forces the
            # replacement (family, description): a fixed name would fail with "already exists".
            name_prefix=f"{prefix}-{db.parameter_group_family}-",
            family=db.parameter_group_family,
            description=f"{prefix} PostgreSQL: TLS only, slow query logging, pg_stat_statements",
            parameter=[
                DbParameterGroupParameter(
                    name=key,
                    value=value,
                    apply_method="pending-reboot" if key in STATIC_PARAMETERS else "immediate",
                )
                for key, value in parameters.items()
            ],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )

        monitoring_role_arn, monitoring_dependencies = None, []
        if db.monitoring_interval_seconds > 0:
            role = IamRole(
                self,
                "monitoring_role",
                name=f"{name}-monitoring",
                assume_role_policy=service_trust_policy("monitoring.rds.amazonaws.com"),
            )
            attachment = IamRolePolicyAttachment(
                self,
                "monitoring_policy",
                role=role.name,
                policy_arn=f"arn:{partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            )
            monitoring_role_arn, monitoring_dependencies = role.arn, [attachment]

        common = {
            "storage_type": "gp3",
            "max_allocated_storage": db.max_allocated_storage_gb,
            # Also on the replicas: RDS ignores it there (they inherit the source's encryption), but
            # without it Terraform reads back `true` and plans to replace the replica.
            "storage_encrypted": True,
            "vpc_security_group_ids": [security_group.id],
            "publicly_accessible": False,
            "port": PORT,
            "parameter_group_name": parameter_group.name,
            "auto_minor_version_upgrade": True,
            "copy_tags_to_snapshot": True,
            "deletion_protection": db.deletion_protection,
            "iam_database_authentication_enabled": True,
            "performance_insights_enabled": True,
            "performance_insights_kms_key_id": kms_key_arn,
            "performance_insights_retention_period": db.performance_insights_retention_days,
            "monitoring_interval": db.monitoring_interval_seconds,
            "monitoring_role_arn": monitoring_role_arn,
            "enabled_cloudwatch_logs_exports": list(LOG_EXPORTS),
            "maintenance_window": db.maintenance_window,
            "ca_cert_identifier": "rds-ca-rsa2048-g1",
        }

        def log_groups(key: str, instance: str) -> list[CloudwatchLogGroup]:
            # Created ahead of the instance, so RDS writes into encrypted groups that expire
            # instead of creating its own that never do.
            return [
                CloudwatchLogGroup(
                    self,
                    f"{key}_{log}_logs",
                    name=f"/aws/rds/instance/{instance}/{log}",
                    retention_in_days=db.log_retention_days,
                    kms_key_id=kms_key_arn,
                )
                for log in LOG_EXPORTS
            ]

        master_secret, master_secret_value = self._master_secret(config, name, kms_key_arn)
        primary = DbInstance(
            self,
            "instance",
            identifier=name,
            engine="postgres",
            engine_version=db.engine_version,
            allow_major_version_upgrade=False,
            instance_class=db.instance_class,
            allocated_storage=db.allocated_storage_gb,
            db_name=db.database_name,
            username=db.username,
            # Not manage_master_user_password: RDS refuses read replicas of an instance whose
            # password it manages in Secrets Manager (rule 23). Write-only: the password reaches
            # RDS at apply time and stays out of the state and the plan (docs/decisions.md).
            password_wo=MASTER_PASSWORD,
            password_wo_version=db.master_password_version,
            kms_key_id=kms_key_arn,
            db_subnet_group_name=network.db_subnet_group_name,
            multi_az=db.multi_az,
            backup_retention_period=db.backup_retention_days,
            backup_window=db.backup_window,
            skip_final_snapshot=False,
            final_snapshot_identifier=final_snapshot_identifier(config),
            delete_automated_backups=not config.production,
            **common,
            depends_on=[*log_groups("instance", name), *monitoring_dependencies],
            lifecycle=TerraformResourceLifecycle(prevent_destroy=config.production),
        )

        replicas = []
        for number in range(1, db.read_replicas + 1):
            replica_name = f"{name}-replica-{number}"
            # A replica takes its credentials, database and backups from the source (rule 23);
            # RDS for PostgreSQL keeps no automated backups of replicas, and refuses a final
            # snapshot of one. No kms_key_id: a replica in the source's region is encrypted with
            # the source's key, and RDS refuses the parameter ("does not require the KMS key").
            replicas.append(
                DbInstance(
                    self,
                    f"replica_{number}",
                    identifier=replica_name,
                    replicate_source_db=primary.identifier,
                    instance_class=db.replica_instance_class or db.instance_class,
                    multi_az=db.multi_az,
                    skip_final_snapshot=True,
                    **common,
                    depends_on=[*log_groups(f"replica_{number}", replica_name), *monitoring_dependencies],
                )
            )

        self.backup_replication_arn: str | None = None
        if db.backup_replication is not None:
            # The rules refuse backup replication without a disaster-recovery region.
            assert dr_provider is not None
            assert dr_key_arn is not None
            # Created in the destination region. The primary only: RDS for PostgreSQL keeps no
            # automated backups of read replicas, so there is nothing of theirs to replicate.
            replication = DbInstanceAutomatedBackupsReplication(
                self,
                "backup_replication",
                source_db_instance_arn=primary.arn,
                # The source is encrypted, so RDS needs a key of the destination region (rule 55).
                kms_key_id=dr_key_arn,
                retention_period=db.backup_replication.retention_days,
                provider=dr_provider,
            )
            self.backup_replication_arn = replication.id

        self.proxy_endpoint: str | None = None
        self.proxy_user_arn: str | None = None
        if proxy_group is not None:
            db_proxy = self._proxy(
                config,
                name,
                kms_key_arn,
                network,
                proxy_group,
                security_group.id,
                allowed,
                primary,
                master_secret.arn,
                master_secret_value,
            )
            self.proxy_endpoint = db_proxy.endpoint
            if db.proxy.iam_auth == "REQUIRED":
                self.proxy_user_arn = self._proxy_user_arn(config, db_proxy)

        alarms = self._alarms(config, name, alert_topics, primary.identifier)
        for number, replica in enumerate(replicas, start=1):
            # Critical: a replica far behind serves stale reads.
            lag = CloudwatchMetricAlarm(
                self,
                f"replica_{number}_lag_alarm",
                alarm_name=f"{name}-replica-{number}-lag",
                alarm_description=f"Read replica {number} is more than {db.alarms.replica_lag_seconds} s behind",
                namespace="AWS/RDS",
                metric_name="ReplicaLag",
                dimensions={"DBInstanceIdentifier": replica.identifier},
                statistic="Average",
                period=ALARM_PERIOD,
                evaluation_periods=ALARM_PERIODS,
                comparison_operator="GreaterThanThreshold",
                threshold=db.alarms.replica_lag_seconds,
                treat_missing_data="missing",
                **alert_topics.actions("critical"),
            )
            alarms.append(lag.alarm_name)
        event_subscription(self, name, alert_topics.info, [primary.identifier, *(r.identifier for r in replicas)])

        self.identifier: str = primary.identifier
        self.endpoint: str = primary.address
        self.port: int = PORT
        self.security_group_id: str = security_group.id
        self.master_secret_arn: str = master_secret.arn
        self.critical_alarm_names: list[str] = alarms

    def _master_secret(
        self, config: EnvironmentConfig, name: str, kms_key_arn: str
    ) -> tuple[SecretsmanagerSecret, SecretsmanagerSecretVersion]:
        """The master user's secret, in the shape RDS Proxy reads (username, password). The
        password is an ephemeral value, generated at each run and sent only to write-only
        arguments, so neither the state nor the plan holds it; the version decides when the
        secret, and then the database, take a new one."""
        db = config.database
        # cdktf 0.21 has no construct for ephemeral resources: the blocks are added to the
        # stack's JSON as Terraform writes them (Terraform >= 1.10, random provider >= 3.7.1,
        # terraform-provider-aws >= 5.83).
        stack = TerraformStack.of(self)
        stack.add_override(
            f"ephemeral.random_password.{MASTER_PASSWORD_RESOURCE}",
            {"length": MASTER_PASSWORD_LENGTH, "special": True, "override_special": MASTER_PASSWORD_SPECIALS},
        )
        secret = SecretsmanagerSecret(
            self,
            "master_secret",
            name_prefix=f"{name}-master-",
            description=f"Master user of the {name} PostgreSQL instance, read by its RDS Proxy",
            kms_key_id=kms_key_arn,
            recovery_window_in_days=db.master_secret_recovery_days,
        )
        value = SecretsmanagerSecretVersion(
            self,
            "master_secret_value",
            secret_id=secret.id,
            secret_string_wo=f'${{jsonencode({{username = "{db.username}", password = {GENERATED_PASSWORD}}})}}',
            secret_string_wo_version=db.master_password_version,
        )
        stack.add_override(
            f"ephemeral.aws_secretsmanager_secret_version.{MASTER_SECRET_READ}",
            # Read after the version is written; depends_on names plain addresses, not references.
            {"secret_id": secret.id, "depends_on": [f"{value.terraform_resource_type}.{value.friendly_unique_id}"]},
        )
        return secret, value

    def _proxy(
        self,
        config: EnvironmentConfig,
        name: str,
        kms_key_arn: str,
        network: Network,
        proxy_group: SecurityGroup,
        database_group_id: str,
        allowed: list[str],
        primary: DbInstance,
        secret_arn: str,
        secret_value: SecretsmanagerSecretVersion,
    ) -> DbProxy:
        proxy = config.database.proxy
        endpoint_group = self._secrets_endpoint(config, name, network, proxy_group, allowed)
        for rule_id, port, peer, description in (
            ("proxy_to_database", PORT, database_group_id, "RDS Proxy to PostgreSQL"),
            ("proxy_to_secrets_endpoint", HTTPS, endpoint_group.id, "RDS Proxy to the Secrets Manager endpoint"),
        ):
            VpcSecurityGroupEgressRule(
                self,
                rule_id,
                security_group_id=proxy_group.id,
                referenced_security_group_id=peer,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=description,
            )
        role = IamRole(
            self,
            "proxy_role",
            name=f"{name}-proxy",
            # Only RDS acting for this account (confused-deputy protection, RDS Proxy user guide).
            assume_role_policy=service_trust_policy(
                "rds.amazonaws.com", {"StringEquals": {"aws:SourceAccount": self._account_id}}
            ),
        )
        role_policy = IamRolePolicy(
            self,
            "proxy_policy",
            role=role.id,
            name="read-master-secret",
            policy=policy_document(
                statement("ReadMasterSecret", ["secretsmanager:GetSecretValue"], [secret_arn]),
                statement(
                    "DecryptMasterSecret",
                    ["kms:Decrypt"],
                    [kms_key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{config.region}.amazonaws.com"}},
                ),
            ),
        )
        db_proxy = DbProxy(
            self,
            "proxy",
            name=name,
            engine_family="POSTGRESQL",
            role_arn=role.arn,
            vpc_subnet_ids=network.database_subnet_ids,
            vpc_security_group_ids=[proxy_group.id],
            require_tls=True,
            idle_client_timeout=proxy.idle_client_timeout_seconds,
            auth=[
                DbProxyAuth(
                    auth_scheme="SECRETS",
                    secret_arn=secret_arn,
                    iam_auth=proxy.iam_auth,
                    client_password_auth_type="POSTGRES_SCRAM_SHA_256",
                    description="The master user's secret (username and password)",
                )
            ],
            # The proxy reads the secret as soon as it exists; without the policy it stays unavailable.
            # The proxy reads the secret when it is created: the policy and the password must exist.
            depends_on=[role_policy, secret_value],
        )
        target_group = DbProxyDefaultTargetGroup(
            self,
            "proxy_target_group",
            db_proxy_name=db_proxy.name,
            connection_pool_config=DbProxyDefaultTargetGroupConnectionPoolConfig(
                max_connections_percent=proxy.max_connections_percent,
                max_idle_connections_percent=proxy.max_connections_percent // 2,
            ),
        )
        DbProxyTarget(
            self,
            "proxy_target",
            db_proxy_name=db_proxy.name,
            target_group_name=target_group.name,
            db_instance_identifier=primary.identifier,
        )
        return db_proxy

    def _proxy_user_arn(self, config: EnvironmentConfig, db_proxy: DbProxy) -> str:
        """What a client of the proxy needs `rds-db:connect` on: the user at the proxy,
        dbuser:<proxy resource id>/<user> (RDS user guide, "Connecting to a database through RDS
        Proxy", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html).
        The user is the master user: the proxy holds only the master secret, so that is the one
        user it can log in as (the proxy checks the IAM token, then logs in with the password)."""
        # The resource id is the prx-... part of the proxy's ARN (arn:<partition>:rds:<region>:
        # <account>:db-proxy:<id>), which the provider exports as no attribute of its own. A local
        # keeps the quoted ":" out of the policy documents that name it, so they stay plain JSON.
        resource_id = TerraformLocal(self, "proxy_resource_id", Fn.element(Fn.split(":", db_proxy.arn), 6))
        return (
            f"arn:{config.partition}:rds-db:{config.region}:{self._account_id}:dbuser:"
            f"{resource_id.as_string}/{config.database.username}"
        )

    def _proxy_security_group(self, name: str, network: Network, allowed: list[str]) -> SecurityGroup:
        """Clients reach the proxy on 5432; its egress (to the database and to the Secrets Manager
        endpoint) is in separate rules, because both of those groups refer back to this one."""
        group_name = f"{name}-proxy"
        return SecurityGroup(
            self,
            "proxy_security_group",
            name=group_name,
            description=f"{group_name}: RDS Proxy, PostgreSQL from the allowed security groups only",
            vpc_id=network.vpc_id,
            ingress=[_ingress("PostgreSQL from the allowed security groups", allowed)] if allowed else [],
            tags={"Name": group_name},
        )

    def _secrets_endpoint(
        self, config: EnvironmentConfig, name: str, network: Network, proxy_group: SecurityGroup, allowed: list[str]
    ) -> SecurityGroup:
        """The proxy fetches the master secret from Secrets Manager, and the database subnets have
        no route out of the VPC: an interface endpoint there, with private DNS so the proxy's
        calls to the regional host name land on it.

        Private DNS applies to the whole VPC, so every Secrets Manager call from the VPC goes
        through this endpoint; the allowed security groups (the EKS nodes, whose pods read the
        cache and database secrets) are admitted too, or their calls would time out."""
        group_name = f"{name}-secretsmanager-endpoint"
        group = SecurityGroup(
            self,
            "secrets_endpoint_security_group",
            name=group_name,
            description=f"{group_name}: HTTPS from the RDS Proxy and the allowed security groups",
            vpc_id=network.vpc_id,
            ingress=[
                _ingress(
                    "HTTPS from the RDS Proxy and the allowed security groups",
                    [proxy_group.id, *allowed, *self._secrets_clients],
                    HTTPS,
                )
            ],
            egress=[],
            tags={"Name": group_name},
        )
        VpcEndpoint(
            self,
            "secrets_endpoint",
            vpc_id=network.vpc_id,
            service_name=f"com.amazonaws.{config.region}.secretsmanager",
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=network.database_subnet_ids,
            security_group_ids=[group.id],
            # Reading this account's secrets in this region, by this account's principals: the
            # endpoint cannot carry data to or from another account's Secrets Manager.
            policy=policy_document(
                statement(
                    "ReadThisAccountsSecrets",
                    ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    [f"arn:{config.partition}:secretsmanager:{config.region}:{self._account_id}:secret:*"],
                    principal={"AWS": f"arn:{config.partition}:iam::{self._account_id}:root"},
                )
            ),
            tags={"Name": group_name},
        )
        return group

    def _alarms(self, config: EnvironmentConfig, name: str, topics: AlertTopics, instance: str) -> list[str]:
        """The primary's alarms, all critical: a saturated or full database is an outage."""
        db = config.database
        # The rules refuse an environment whose thresholds cannot be derived, so none is None here.
        specs = (
            ("cpu", "CPUUtilization", "GreaterThanThreshold", db.alarms.cpu_percent, "CPU above {} %"),
            (
                "connections",
                "DatabaseConnections",
                "GreaterThanThreshold",
                db.connections_threshold,
                "more than {} connections",
            ),
            (
                "freeable_memory",
                "FreeableMemory",
                "LessThanThreshold",
                (db.freeable_memory_threshold_mb or 0) * MIB,
                "freeable memory below {} bytes",
            ),
            (
                "free_storage",
                "FreeStorageSpace",
                "LessThanThreshold",
                db.free_storage_threshold_gb * GB,
                "free storage below {} bytes",
            ),
        )
        names = []
        for key, metric, operator, threshold, text in specs:
            alarm = CloudwatchMetricAlarm(
                self,
                f"{key}_alarm",
                alarm_name=f"{name}-{key.replace('_', '-')}",
                alarm_description=f"{name}: {text.format(threshold)}",
                namespace="AWS/RDS",
                metric_name=metric,
                dimensions={"DBInstanceIdentifier": instance},
                statistic="Average",
                period=ALARM_PERIOD,
                evaluation_periods=ALARM_PERIODS,
                comparison_operator=operator,
                threshold=threshold,
                treat_missing_data="missing",
                **topics.actions("critical"),
            )
            names.append(alarm.alarm_name)
        return names
