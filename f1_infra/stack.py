"""PlatformStack: one environment of the platform, as one Terraform stack."""

from cdktf import (
    Aspects,
    CloudBackend,
    LocalBackend,
    NamedCloudWorkspace,
    S3Backend,
    TerraformOutput,
    TerraformStack,
)
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_random.provider import RandomProvider
from constructs import Construct

from f1_infra.boundary import PermissionsBoundary, boundary_arn, uses_boundary
from f1_infra.constructs.alerts import Alerts
from f1_infra.constructs.cache import Cache
from f1_infra.constructs.cluster import Cluster
from f1_infra.constructs.cost import CostControls
from f1_infra.constructs.database import Database
from f1_infra.constructs.disaster_recovery import DisasterRecovery
from f1_infra.constructs.encryption import EnvironmentKey
from f1_infra.constructs.load_balancer_controller import LoadBalancerControllerRole
from f1_infra.constructs.monitoring import Monitoring
from f1_infra.constructs.network import Network
from f1_infra.constructs.registry import Registry
from f1_infra.constructs.security import SecurityEvents
from f1_infra.constructs.storage import Storage
from f1_infra.constructs.terraform_agent import TerraformAgent, has_agent
from f1_infra.constructs.workloads import WorkloadRoles
from f1_infra.providers import aws_provider
from f1_infra.settings.backend import BackendConfig
from f1_infra.settings.environment import EnvironmentConfig

# Terraform runs in cdktf.out/stacks/<env>/: state lives next to cdktf.out, outside the folder
# that every synth rewrites.
LOCAL_STATE_PATH = "../../../terraform-state/{name}.tfstate"


def state_backend(stack: TerraformStack, name: str, backend: BackendConfig) -> None:
    """The stack's Terraform backend, as the environment file's `backend` section says."""
    if backend.type == "cloud":
        assert backend.organization
        assert backend.workspace
        CloudBackend(
            stack,
            organization=backend.organization,
            hostname=backend.hostname,
            workspaces=NamedCloudWorkspace(backend.workspace, backend.project),
        )
    elif backend.type == "s3":
        assert backend.bucket
        assert backend.key
        s3 = S3Backend(stack, bucket=backend.bucket, key=backend.key, region=backend.region, encrypt=True)
        # cdktf 0.21 predates the S3 native lock file (Terraform 1.10), so its argument is set raw.
        s3.add_override("use_lockfile", True)
    else:
        LocalBackend(stack, path=LOCAL_STATE_PATH.format(name=name))


class PlatformStack(TerraformStack):
    """Provider, backend, the environment key and alerts topic, and the platform's modules; the IAM
    role of the load balancer controller that the cluster services stack installs; in a Terraform
    Cloud environment, the permissions boundary on every role (f1_infra/boundary.py) and the agent
    that runs the cluster services workspace inside the VPC.

    Attributes: ``config``, ``key``, ``disaster_recovery`` (None without a disaster-recovery
    region), ``alerts``, ``cost``, ``network``, ``cluster``, ``database``, ``cache``, ``storage``,
    ``registry``, ``monitoring``, ``security``, ``workloads``, ``load_balancer_controller``,
    ``terraform_agent``
    (None without a Terraform Cloud backend).
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id)
        self.config = config
        aws_provider(self, "aws", region=config.region, default_tags=config.default_tags, account_id=config.account_id)
        state_backend(self, id, config.backend)
        RandomProvider(self, "random")
        account_id = DataAwsCallerIdentity(self, "caller").account_id
        if uses_boundary(config):
            # The deploy role may create roles only with the environment's boundary (bootstrap stack).
            Aspects.of(self).add(PermissionsBoundary(boundary_arn(config, account_id)))

        self.key = EnvironmentKey(self, "kms", config=config, account_id=account_id)
        dr_region = config.disaster_recovery_region
        self.disaster_recovery = (
            DisasterRecovery(self, "disaster_recovery", config=config, region=dr_region, account_id=account_id)
            if dr_region is not None
            else None
        )
        dr_provider = self.disaster_recovery.provider if self.disaster_recovery else None
        dr_key_arn = self.disaster_recovery.key_arn if self.disaster_recovery else None
        self.alerts = Alerts(self, "alerts", config=config, account_id=account_id, kms_key_arn=self.key.arn)
        self.cost = CostControls(
            self,
            "cost",
            settings=config.monitoring.cost,
            name_prefix=config.name_prefix,
            environment=config.name,
            partition=config.partition,
            account_id=account_id,
            # Cost is for working hours: the billing topic has the warning tier's subscribers.
            emails=config.alerts.tiers.warning.emails,
            default_tags=config.default_tags,
            allowed_account_id=config.account_id,
            key_deletion_window_days=config.kms.deletion_window_days,
            protect=config.production,
        )
        self.network = Network(self, "network", config=config, account_id=account_id, kms_key_arn=self.key.arn)
        self.cluster = Cluster(
            self,
            "cluster",
            config=config,
            account_id=account_id,
            kms_key_arn=self.key.arn,
            alert_topics=self.alerts.topics,
            network=self.network,
        )
        # Before the data stores: the database's Secrets Manager endpoint admits the agent's task.
        self.terraform_agent = (
            TerraformAgent(
                self,
                "terraform_agent",
                config=config,
                account_id=account_id,
                kms_key_arn=self.key.arn,
                log_retention_days=config.monitoring.log_retention_days,
                network=self.network,
                cluster_name=self.cluster.name,
                cluster_security_group_id=self.cluster.cluster_security_group_id,
            )
            if has_agent(config)
            else None
        )
        data_stores = {
            "config": config,
            "kms_key_arn": self.key.arn,
            "alert_topics": self.alerts.topics,
            "network": self.network,
            # Only the EKS nodes, where the platform's services run, reach the data stores.
            "allowed_security_group_ids": [self.cluster.node_security_group_id],
        }
        self.database = Database(
            self,
            "database",
            account_id=account_id,
            secrets_client_security_group_ids=[self.terraform_agent.security_group_id] if self.terraform_agent else [],
            dr_provider=dr_provider,
            dr_key_arn=dr_key_arn,
            **data_stores,
        )
        self.cache = Cache(self, "cache", **data_stores)
        self.storage = Storage(
            self,
            "storage",
            config=config,
            account_id=account_id,
            kms_key_arn=self.key.arn,
            replica_provider=dr_provider,
        )
        self.registry = Registry(
            self,
            "registry",
            settings=config.registry,
            name_prefix=config.name_prefix,
            account_id=account_id,
            kms_key_arn=self.key.arn,
            protect=config.production,
            dr_region=dr_region,
            dr_provider=dr_provider,
            dr_key_arn=dr_key_arn,
        )
        self.monitoring = Monitoring(
            self,
            "monitoring",
            config=config,
            kms_key_arn=self.key.arn,
            alert_topics=self.alerts.topics,
            network=self.network,
            storage=self.storage,
            cluster=self.cluster,
            database=self.database,
            cache=self.cache,
        )
        self.monitoring.admit_to_targets(self.cluster.node_security_group_id)
        self.security = SecurityEvents(
            self,
            "security",
            config=config,
            kms_key_arn=self.key.arn,
            critical_topic_arn=self.alerts.topics.critical,
            logs_bucket_name=self.storage.logs_bucket_name,
            logs_bucket_policy=self.storage.logs_bucket_policy,
        )
        self.workloads = WorkloadRoles(
            self,
            # The id of the construct that made the bucket roles before: it is in their addresses.
            "storage_access",
            settings=config.workloads,
            name_prefix=config.name_prefix,
            region=config.region,
            oidc=self.cluster.oidc,
            storage=self.storage,
            kms_key_arn=self.key.arn,
            training_queue_arn=self.monitoring.training_queue_arn,
            training_queue_key_arn=self.monitoring.training_queue_key_arn,
            database_user_arn=self.database.proxy_user_arn,
            cache_secret_arn=self.cache.auth_secret_arn,
            cache_secret_key_arn=self.cache.auth_secret_key_arn,
            metrics_namespace=config.monitoring.custom_metrics_namespace,
        )
        self.load_balancer_controller = LoadBalancerControllerRole(
            self,
            "load_balancer_controller",
            settings=config.cluster_services.load_balancer_controller,
            name_prefix=config.name_prefix,
            partition=config.partition,
            oidc=self.cluster.oidc,
        )

        outputs = {
            "kms_key_arn": self.key.arn,
            # The critical tier's topic (the alerts topic before tiers), then the other tiers'.
            "alerts_topic_arn": self.alerts.topics.critical,
            "warning_alerts_topic_arn": self.alerts.topics.warning,
            # Where deployment and other notices go, e.g. from Terraform Cloud notifications.
            "info_alerts_topic_arn": self.alerts.topics.info,
            "vpc_id": self.network.vpc_id,
            "public_subnet_ids": self.network.public_subnet_ids,
            "private_subnet_ids": self.network.private_subnet_ids,
            "database_subnet_ids": self.network.database_subnet_ids,
            "database_endpoint": self.database.endpoint,
            # Where service accounts with database access connect (with an IAM token); none without a proxy.
            "database_proxy_endpoint": self.database.proxy_endpoint,
            "database_master_secret_arn": self.database.master_secret_arn,
            "cache_configuration_endpoint": self.cache.configuration_endpoint,
            "cache_auth_secret_arn": self.cache.auth_secret_arn,
            "cluster_name": self.cluster.name,
            "cluster_endpoint": self.cluster.endpoint,
            "oidc_provider_arn": self.cluster.oidc.arn,
            "node_security_group_id": self.cluster.node_security_group_id,
            "cluster_autoscaler_role_arn": self.cluster.autoscaler_role_arn,
            "load_balancer_controller_role_arn": self.load_balancer_controller.arn,
            # The role people assume for kubectl (docs/operations.md); none without cluster.operator_role.
            "cluster_operator_role_arn": self.cluster.operator_role_arn,
            "models_bucket_name": self.storage.models_bucket_name,
            "backup_bucket_name": self.storage.backup_bucket_name,
            "logs_bucket_name": self.storage.logs_bucket_name,
            # Service -> repository URL: where CI pushes and pods pull (docs/deploying-a-service.md).
            "registry_repository_urls": self.registry.repository_urls or None,
            # Service -> repository ARN: the resources a CI push role is granted.
            "registry_repository_arns": self.registry.repository_arns or None,
            # Service -> the repository's copy in the disaster-recovery region (docs/operations.md).
            "registry_replica_repository_urls": self.registry.replica_repository_urls or None,
            # The replicated automated backups a restore in the disaster-recovery region starts from.
            "database_backup_replication_arn": self.database.backup_replication_arn,
            "disaster_recovery_region": dr_region,
            "alb_dns_name": self.monitoring.alb_dns_name,
            # The namespace the workloads' roles may publish metrics to, and the alarms read.
            "custom_metrics_namespace": config.monitoring.custom_metrics_namespace,
            # For the services' TargetGroupBinding resources: the controller registers their pods (rule 52).
            "target_group_arns": self.monitoring.target_group_arns,
            "dashboard_url": self.monitoring.dashboard_url,
            # The four dashboards of the seed: system_health (dashboard_url), application_performance,
            # ml_pipeline, cost_monitoring.
            "dashboard_urls": self.monitoring.dashboard_urls,
            # The us-east-1 topic of the billing alarm and the cost anomalies; none without either.
            "billing_topic_arn": self.cost.billing_topic_arn,
            "training_queue_url": self.monitoring.training_queue_url,
            # The role the training queue consumer's service account is annotated with.
            "training_consumer_role_arn": self.workloads.training_consumer_role_arn,
            # Service account name -> the ARN its eks.amazonaws.com/role-arn annotation takes.
            "workload_role_arns": self.workloads.role_arns,
        }
        for name, value in outputs.items():
            if value is not None:
                TerraformOutput(self, name, value=value)
