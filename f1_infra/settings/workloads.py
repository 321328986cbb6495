"""Settings of the workloads section (envs/*.json `workloads`): the application's Kubernetes
service accounts and what each may do in AWS, and the platform's own service accounts, which get
their roles elsewhere in the stack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from f1_infra.settings.base import KUBERNETES_NAME_PATTERN, FrozenMap, Setting
from f1_infra.settings.storage import BucketKey

KUBE_SYSTEM = "kube-system"
# DNS-1123 labels: Kubernetes namespaces, and the service account names IAM role names are made of.
LABEL_MAX = 63


@dataclass(frozen=True)
class PlatformServiceAccount:
    """A service account of the platform itself, whose IRSA role a construct of the stack makes."""

    namespace: str
    name: str
    used_by: str

    @property
    def subject(self) -> str:
        """The `sub` claim of its tokens, which its role's trust policy pins."""
        return f"system:serviceaccount:{self.namespace}:{self.name}"


# The one list of them: the constructs that make their roles take the names from here, and the
# workloads rule (f1_infra/rules/workloads.py) refuses a workload on any of them. A service account
# carries one eks.amazonaws.com/role-arn annotation, so a second role on it is never used (rule 45).
VPC_CNI = PlatformServiceAccount(KUBE_SYSTEM, "aws-node", "the VPC CNI add-on (cluster module)")
EBS_CSI = PlatformServiceAccount(KUBE_SYSTEM, "ebs-csi-controller-sa", "the EBS CSI driver add-on (cluster module)")
CLUSTER_AUTOSCALER = PlatformServiceAccount(
    KUBE_SYSTEM, "cluster-autoscaler", "the Cluster Autoscaler (cluster module)"
)
LOAD_BALANCER_CONTROLLER = PlatformServiceAccount(
    KUBE_SYSTEM, "aws-load-balancer-controller", "the AWS Load Balancer Controller"
)
CLOUDWATCH_AGENT = PlatformServiceAccount(
    "amazon-cloudwatch", "cloudwatch-agent", "the CloudWatch agent (Container Insights)"
)
PLATFORM_SERVICE_ACCOUNTS: tuple[PlatformServiceAccount, ...] = (
    VPC_CNI,
    EBS_CSI,
    CLUSTER_AUTOSCALER,
    LOAD_BALANCER_CONTROLLER,
    CLOUDWATCH_AGENT,
)


class BucketGrant(Setting):
    access: Literal["read", "write", "read_write"] = Field(
        description="read: list and get objects; write: put objects (no list, no delete); read_write: both."
    )
    prefix: str | None = Field(
        None,
        pattern=r"^([A-Za-z0-9_.-]+/)+$",
        description="Restrict access to keys under this prefix, e.g. models/ (path segments ending with a slash). "
        "Leave out for the whole bucket.",
    )


class ServiceAccountConfig(Setting):
    namespace: str = Field(
        "f1-analytics",
        max_length=LABEL_MAX,
        pattern=KUBERNETES_NAME_PATTERN,
        description="Kubernetes namespace of the service account: a DNS-1123 label (1 to 63 lowercase letters, "
        "digits and hyphens, starting and ending with a letter or digit).",
    )
    buckets: FrozenMap[
        Annotated[BucketKey, Field(description="bucket keys are models, backups and logs")], BucketGrant
    ] = Field(
        {},
        description="Access per bucket (models, backups, logs), limited to a key prefix when one is given; the "
        "environment KMS key only for the buckets encrypted with it.",
    )
    training_queue: bool = Field(
        False,
        description="Consume the ML training queue (receive, delete, change visibility; decrypt its messages). "
        "Exactly one service account is the consumer.",
    )
    database: bool = Field(
        False,
        description="Connect to PostgreSQL through the RDS Proxy with an IAM token (rds-db:connect), as the "
        "database's master user: the only credentials the proxy holds. Needs database.proxy.enabled true with "
        "iam_auth REQUIRED.",
    )
    cache: bool = Field(
        False,
        description="Read the cache's AUTH token from its Secrets Manager secret (and decrypt it with the "
        "environment key, through Secrets Manager only).",
    )
    metrics: bool = Field(
        False,
        description="Publish custom metrics (cloudwatch:PutMetricData) to monitoring.custom_metrics_namespace, "
        "and to no other namespace.",
    )

    @property
    def grants_anything(self) -> bool:
        return bool(self.buckets) or self.training_queue or self.database or self.cache or self.metrics


ServiceAccountName = Annotated[
    str,
    Field(
        max_length=LABEL_MAX,
        pattern=KUBERNETES_NAME_PATTERN,
        description="service account names here are DNS-1123 labels: 1 to 63 lowercase letters, digits and "
        "hyphens, starting and ending with a letter or digit",
    ),
]


class WorkloadsConfig(Setting):
    service_accounts: FrozenMap[ServiceAccountName, ServiceAccountConfig] = Field(
        {},
        description="The application's Kubernetes service accounts, keyed by name (unique across namespaces: the "
        "role name is made from it). Each gets one IAM role (IRSA) with one inline policy made of what it lists; "
        "annotate the service account with its ARN from the workload_role_arns output.",
    )

    def training_consumers(self) -> list[str]:
        """The service accounts that consume the training queue (exactly one in a valid file)."""
        return [name for name, account in self.service_accounts.items() if account.training_queue]
