"""An environment file as a whole (envs/<name>.json): the settings every construct reads."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from f1_infra.settings.backend import BackendConfig, LocalBackend
from f1_infra.settings.base import REGION_PATTERN, UNIQUE, FrozenMap, PrincipalArnPattern, Setting
from f1_infra.settings.cache import CacheConfig
from f1_infra.settings.cluster import ClusterConfig
from f1_infra.settings.cluster_services import ClusterServicesConfig
from f1_infra.settings.database import DatabaseConfig
from f1_infra.settings.disaster_recovery import DisasterRecoveryConfig
from f1_infra.settings.monitoring import MonitoringConfig
from f1_infra.settings.network import NetworkConfig
from f1_infra.settings.registry import RegistryConfig
from f1_infra.settings.security import SecurityConfig
from f1_infra.settings.storage import StorageConfig
from f1_infra.settings.workloads import WorkloadsConfig

TITLE = "F1 analytics platform environment"
DESCRIPTION = (
    "One deployable environment of the F1 analytics platform. The file name (without .json) is the environment "
    "name and the Terraform stack name. Settings with a default may be left out."
)

# Settings that moved to another place, by their old JSON pointer: the loader names the new place
# instead of only refusing the unknown key.
MOVED_SETTINGS = {
    "/storage/service_accounts": "it moved to /workloads/service_accounts (same keys: namespace, buckets)",
    "/monitoring/training/namespace": "the training queue's consumer is now the service account in "
    "/workloads/service_accounts with training_queue: true; set its namespace there",
    "/monitoring/training/service_account": "the training queue's consumer is now the service account in "
    "/workloads/service_accounts with training_queue: true",
    "/storage/replication/region": "the disaster-recovery region is shared by the buckets, the database backups and "
    "the container images: it moved to /disaster_recovery/region",
    "/alerts/emails": "it moved to /alerts/tiers/critical/emails; warning and info have lists of their own "
    "(/alerts/tiers/warning/emails, /alerts/tiers/info/emails)",
}

TagKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^(?!aws:)[A-Za-z0-9 _.:/=+@-]+$",
        description="tag keys have 1 to 128 letters, digits, spaces or _ . : / = + - @ and do not start with aws:",
    ),
]
TagValue = Annotated[str, Field(max_length=256, pattern=r"^[A-Za-z0-9 _.:/=+@-]*$")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")]


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]


class KmsConfig(Setting):
    key_user_arn_patterns: tuple[PrincipalArnPattern, ...] = Field(
        (),
        json_schema_extra=UNIQUE,
        description="Who may use the environment key besides the environment's own roles (its deploy and plan roles "
        "and the roles its stacks create) and the AWS services that encrypt for it: IAM role or user ARN patterns, "
        "matched against the caller's aws:PrincipalArn. An environment deployed with people's own credentials (a local "
        "or s3 backend) names them here, e.g. their IAM Identity Center role "
        "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_PlatformAdmin_*: creating an encrypted "
        "database, cache or secret needs the caller to use the key. Nobody else can decrypt the environment's "
        "secrets, even with an IAM policy that allows it.",
    )
    deletion_window_days: int = Field(
        30,
        ge=7,
        le=30,
        description="Days a scheduled key deletion waits before the key is gone (7 to 30). Data encrypted with a "
        "deleted key is lost, so keep 30 unless the environment is disposable.",
    )


EMAILS_DESCRIPTION = (
    "E-mail addresses subscribed to this tier's topic. Each recipient must confirm the subscription from the e-mail "
    "AWS sends; until then it stays pending."
)


class AlertTierConfig(Setting):
    emails: tuple[Email, ...] = Field((), json_schema_extra=UNIQUE, description=EMAILS_DESCRIPTION)


class AlertTiers(Setting):
    critical: AlertTierConfig = Field(
        AlertTierConfig(),
        description="Pages: the platform is failing or under attack (the alarms of docs/alerts.md marked critical, "
        "the platform-health composite, GuardDuty findings of security.guardduty.min_severity or more).",
    )
    warning: AlertTierConfig = Field(
        AlertTierConfig(),
        description="Needs a look during working hours: degradation that is not yet an outage (latency p95, cache "
        "evictions, WAF blocks, business metrics) and the cost budget.",
    )
    info: AlertTierConfig = Field(
        AlertTierConfig(),
        description="Notices, no action expected: RDS events (backups, maintenance, failover, configuration "
        "changes). Terraform Cloud's deployment notices go by e-mail to backend.notifications instead: its "
        "notification destinations cannot publish to SNS.",
    )


class AlertsConfig(Setting):
    tiers: AlertTiers = Field(
        AlertTiers(),
        description="One SNS topic per tier, each encrypted with the environment key; CloudWatch alarm actions name "
        "a topic, so a tier is a topic (docs/alerts.md).",
    )


class EnvironmentConfig(Setting):
    """One environment file, validated, with every default filled in."""

    name: SkipJsonSchema[str]
    source: SkipJsonSchema[str]
    project: str = Field(
        "f1-analytics",
        pattern=r"^[a-z][a-z0-9-]{1,19}$",
        description="Project name, the first part of every resource name (<project>-<environment>-<thing>) and the "
        "Project tag.",
    )
    region: str = Field(pattern=REGION_PATTERN, description="AWS region that hosts the environment, e.g. us-west-2.")
    account_id: AccountId | None = Field(
        None,
        description="The AWS account the environment lives in (12 digits). The AWS provider refuses any other account "
        "before it changes anything (allowed_account_ids), and the bootstrap stack creates the environment's "
        "Terraform Cloud roles there. Required with a cloud backend. One account per environment is the recommended "
        "set-up (docs/operations.md); environments that share an account are confined to their own resources by "
        "their Environment tag.",
    )
    production: bool = Field(
        False,
        description="Holds the environment to production rules: stateful resources refuse accidental destruction and "
        "settings that are only acceptable for throw-away environments are refused.",
    )
    tags: FrozenMap[TagKey, TagValue] = Field(
        {},
        description="Extra tags applied to every resource through the provider's default_tags. Project, Environment "
        "and ManagedBy are always set and cannot be overridden here.",
    )
    backend: BackendConfig = Field(
        LocalBackend(),
        description="Where Terraform keeps this environment's state. `type` picks the kind and decides which other "
        "keys are allowed: local (the default) needs no login and suits one person; cloud keeps state and runs in a "
        "Terraform Cloud / HCP Terraform workspace created by the bootstrap stack; s3 keeps state in an S3 bucket "
        "with Terraform's native lock file.",
    )
    kms: KmsConfig = Field(
        KmsConfig(), description="The environment's customer-managed KMS key, used by logs, SNS and the data stores."
    )
    alerts: AlertsConfig = Field(
        AlertsConfig(),
        description="The alert tiers (critical, warning, info): one SNS topic each, and who is subscribed to it.",
    )
    network: NetworkConfig = Field(
        description="The VPC: subnets in three tiers (public, private, database) across availability zones, NAT, "
        "flow logs."
    )
    cluster: ClusterConfig = Field(
        description="The EKS cluster: Kubernetes version, API endpoint access, administrators, control-plane logs, "
        "add-ons and managed node groups."
    )
    cluster_services: ClusterServicesConfig = Field(
        ClusterServicesConfig(),
        description="The platform services the <environment>-services stack installs into the cluster with Helm: the "
        "AWS Load Balancer Controller and the Cluster Autoscaler, with pinned chart versions.",
    )
    database: DatabaseConfig = Field(
        description="The RDS PostgreSQL instance, its optional read replicas and RDS Proxy, and their alarms."
    )
    cache: CacheConfig = Field(
        description="The ElastiCache (Redis OSS or Valkey) replication group, its AUTH token secret, logs and alarms."
    )
    disaster_recovery: DisasterRecoveryConfig | None = Field(
        None,
        description="The disaster-recovery region, where storage.replication, database.backup_replication and "
        "registry.replicate keep their copies. Leave out for an environment that keeps nothing outside "
        "its region.",
    )
    registry: RegistryConfig = Field(
        RegistryConfig(),
        description="The ECR repositories of the platform's container images: one per service, immutable tags, "
        "scan on push, KMS, lifecycle, optional replication into disaster_recovery.region.",
    )
    storage: StorageConfig = Field(
        StorageConfig(),
        description="The S3 module: buckets for ML model artifacts, data backups and logs, their lifecycle and "
        "cross-region replication. Who may use them is in workloads.",
    )
    monitoring: MonitoringConfig = Field(
        description="The monitoring module: the public Application Load Balancer and its WAF, CloudWatch log groups, "
        "dashboard and alarms, the composite platform-health alarm, the ML training schedule (EventBridge to SQS) "
        "and the monthly cost budget."
    )
    security: SecurityConfig = Field(
        SecurityConfig(),
        description="Security events: GuardDuty findings to the critical alerts topic, and an optional CloudTrail "
        "trail.",
    )
    workloads: WorkloadsConfig = Field(
        description="The application's Kubernetes service accounts and what each may do in AWS: buckets, the "
        "training queue, the database through the RDS Proxy, the cache's AUTH secret, custom metrics. Each gets "
        "one IAM role (IRSA); one of them consumes the training queue.",
    )

    @property
    def name_prefix(self) -> str:
        """Prefix of every resource name: <project>-<environment>."""
        return f"{self.project}-{self.name}"

    @property
    def cluster_name(self) -> str:
        """The EKS cluster name; subnets carry it in their Kubernetes discovery tag."""
        return f"{self.name_prefix}-eks"

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    @property
    def disaster_recovery_region(self) -> str | None:
        """Where the environment keeps its copies, or None when it keeps none outside its region."""
        return self.disaster_recovery.region if self.disaster_recovery else None

    @property
    def default_tags(self) -> dict[str, str]:
        return {
            **self.tags,
            "Project": self.project,
            "Environment": self.name,
            "ManagedBy": "cdktf",
        }
