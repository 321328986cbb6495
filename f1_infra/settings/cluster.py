"""Settings of the EKS cluster (envs/*.json `cluster`) and its managed node groups."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from f1_infra.settings.base import (
    KUBERNETES_NAME_PATTERN,
    PRINCIPAL_PATTERN_EXAMPLE,
    UNIQUE,
    Cidr,
    FrozenMap,
    LogRetentionDays,
    PrincipalArnPattern,
    Setting,
)

LABEL_KEY_PATTERN = r"^([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$"
LABEL_VALUE_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$"
ADDON_VERSION_PATTERN = r"^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$"
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")

LabelKey = Annotated[
    str,
    Field(
        pattern=LABEL_KEY_PATTERN,
        description="Kubernetes label keys: an optional DNS prefix and /, then up to 63 letters, digits, - _ .",
    ),
]
PrincipalArn = Annotated[str, Field(pattern=r"^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$")]
SecurityGroupId = Annotated[
    str,
    Field(
        pattern=r"^sg-([0-9a-f]{8}|[0-9a-f]{17})$",
        description="security group ids are sg- and 8 or 17 lowercase hexadecimal digits, e.g. sg-0123456789abcdef0",
    ),
]
NamespaceName = Annotated[
    str,
    Field(
        max_length=63,
        pattern=KUBERNETES_NAME_PATTERN,
        description="Kubernetes namespace names are DNS-1123 labels: 1 to 63 lowercase letters, digits and hyphens, "
        "starting and ending with a letter or digit",
    ),
]
LabelValue = Annotated[str, Field(pattern=LABEL_VALUE_PATTERN)]
NodeGroupName = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]{0,19}$",
        description="node group names are lowercase letters, digits and _, starting with a letter, at most 20 "
        "characters",
    ),
]


def _required_list(description: str, *, most: int) -> Any:
    """A required list of 1 to `most` distinct items."""
    return Field(min_length=1, max_length=most, json_schema_extra=UNIQUE, description=description)


class Taint(Setting):
    key: str = Field(pattern=LABEL_KEY_PATTERN, description="Taint key.")
    value: str = Field("", pattern=LABEL_VALUE_PATTERN, description="Taint value (may be empty).")
    effect: Literal["NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE"] = Field(
        description="NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE."
    )


class NodeGroupConfig(Setting):
    instance_types: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")], ...] = _required_list(
        'EC2 instance types, e.g. ["m5.xlarge"]. ON_DEMAND uses the first; SPOT needs at least two of the same size '
        "and architecture so that EKS can draw from several Spot pools.",
        most=20,
    )
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field(
        "ON_DEMAND",
        description="ON_DEMAND, or SPOT (up to about 90% cheaper, but nodes can be reclaimed with two minutes' "
        "notice: only for interruptible work).",
    )
    min_size: int = Field(
        ge=0, le=1000, description="Fewest nodes the cluster autoscaler keeps (0 allows scaling the group to zero)."
    )
    max_size: int = Field(ge=1, le=1000, description="Most nodes the cluster autoscaler may run.")
    desired_size: int = Field(
        ge=0,
        le=1000,
        description="Nodes at creation, between min_size and max_size. Afterwards the cluster autoscaler owns this "
        "number and Terraform ignores changes to it.",
    )
    disk_size_gb: int = Field(
        50,
        ge=20,
        le=16384,
        description="Size of each node's encrypted gp3 root volume, in GiB (container images and emptyDir volumes "
        "live there).",
    )
    max_unavailable_percentage: int = Field(
        33,
        ge=1,
        le=100,
        description="Percentage of the group's nodes replaced at a time during a version or launch template update.",
    )
    labels: FrozenMap[LabelKey, LabelValue] = Field(
        {}, description="Kubernetes labels on every node of the group, for nodeSelector and affinity."
    )
    taints: tuple[Taint, ...] = Field(
        (),
        max_length=50,
        description="Kubernetes taints on every node of the group; only pods that tolerate them are scheduled there.",
    )


def _addon_version(name: str) -> str:
    return (
        f"Version of the {name} add-on, e.g. v1.2.3-eksbuild.1 (aws eks describe-addon-versions --addon-name {name} "
        "--kubernetes-version <version>). Leave out to get the add-on's default version for the cluster's "
        "Kubernetes version at creation; EKS never upgrades it on its own afterwards."
    )


class AddonVersions(Setting):
    """Pinned add-on versions; None means the default version for the cluster's Kubernetes
    version at creation time (EKS does not upgrade it later on its own)."""

    vpc_cni: str | None = Field(None, pattern=ADDON_VERSION_PATTERN, description=_addon_version("vpc-cni"))
    kube_proxy: str | None = Field(None, pattern=ADDON_VERSION_PATTERN, description=_addon_version("kube-proxy"))
    coredns: str | None = Field(None, pattern=ADDON_VERSION_PATTERN, description=_addon_version("coredns"))
    aws_ebs_csi_driver: str | None = Field(
        None, pattern=ADDON_VERSION_PATTERN, description=_addon_version("aws-ebs-csi-driver")
    )
    metrics_server: str | None = Field(
        None, pattern=ADDON_VERSION_PATTERN, description=_addon_version("metrics-server")
    )
    amazon_cloudwatch_observability: str | None = Field(
        None, pattern=ADDON_VERSION_PATTERN, description=_addon_version("amazon-cloudwatch-observability")
    )

    def by_addon(self) -> dict[str, str | None]:
        """The pinned version, or None, by EKS add-on name (each field is its add-on's name, _ for -)."""
        return {field.replace("_", "-"): getattr(self, field) for field in type(self).model_fields}


def _cidrs(description: str) -> Any:
    """CIDR sources of the API, each once, at most 40: EKS takes 40 public access CIDRs, and 40
    api_access rules, its 10 groups and the nodes' rule stay within a security group's default 60
    inbound rules."""
    return Field((), max_length=40, json_schema_extra=UNIQUE, description=description)


class ApiAccess(Setting):
    """Who reaches the Kubernetes API over the private endpoint: the cluster security group admits
    these sources on 443 (besides the nodes, which it always admits)."""

    cidrs: tuple[Cidr, ...] = _cidrs(
        "IPv4 CIDR blocks admitted to the private API endpoint on 443, e.g. the operators' VPN range as it arrives "
        "in the VPC (a site-to-site VPN or transit gateway keeps the clients' addresses). Never a /0 when "
        "production is true."
    )
    security_group_ids: tuple[SecurityGroupId, ...] = Field(
        (),
        max_length=10,
        json_schema_extra=UNIQUE,
        description="Security groups (in this VPC or a peered one) admitted to the private API endpoint on 443, e.g. "
        "a bastion's group or an AWS Client VPN endpoint's group (Client VPN translates the clients' addresses to "
        "its own network interfaces in the VPC, so admit its group rather than its client CIDR).",
    )


class NamespaceAccess(Setting):
    principal_arn: PrincipalArn = Field(
        description="IAM role or user ARN (arn:aws:iam::<account>:role/<name>) given access to the namespaces "
        "through its own EKS access entry. A principal has one access entry: it cannot also be in "
        "admin_principal_arns or in another namespace_access item."
    )
    namespaces: tuple[NamespaceName, ...] = _required_list(
        'Kubernetes namespaces the principal may work in, e.g. ["f1-analytics"]. They need not exist yet: the '
        "access applies once they are created.",
        most=25,
    )
    level: Literal["view", "edit"] = Field(
        description="view (AmazonEKSViewPolicy: read most objects, no secrets) or edit (AmazonEKSEditPolicy: also "
        "create, change and delete workloads, services and secrets), scoped to the namespaces."
    )


# The Identity Center role of one permission set in any account: IAM Identity Center names it
# AWSReservedSSO_<permission set>_<suffix> under /aws-reserved/sso.amazonaws.com/<region>/ (no region
# when the identity source is in us-east-1), and the suffix changes when the permission set is
# assigned anew, so only a pattern keeps matching:
# https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
OPERATOR_PATTERNS_MAX = 10


class OperatorRole(Setting):
    """The role people assume to administer the cluster: only principals of the stack's own
    account whose ARN matches one of the patterns may assume it (aws:PrincipalArn)."""

    trusted_principal_arn_patterns: tuple[PrincipalArnPattern, ...] = Field(
        min_length=1,
        max_length=OPERATOR_PATTERNS_MAX,
        json_schema_extra=UNIQUE,
        description="Who may assume the operator role: IAM role or user ARN patterns matched with ArnLike against "
        "the caller's aws:PrincipalArn (for a session, the ARN of its role), only for principals of the stack's "
        "own account. * and ? are wildcards; an Identity Center permission set's role is "
        f"{PRINCIPAL_PATTERN_EXAMPLE} (its path may hold a region and its name ends in a suffix that changes). "
        "Their own permissions must also allow sts:AssumeRole on the role. At most 10; in production none may "
        "match every role or user of the account, or the role of every permission set.",
    )
    max_session_hours: int = Field(
        1,
        ge=1,
        le=12,
        description="Longest session, in hours, that an assume-role call may ask for (the role's maximum session "
        "duration, 1 to 12). A session that assumes the role from another role's session, an Identity Center "
        "one included, is role chaining, which AWS caps at 1 hour whatever this says.",
    )


class ClusterConfig(Setting):
    kubernetes_version: str = Field(
        "1.35",
        description="Kubernetes minor version of the control plane and nodes, major.minor only (e.g. 1.35; a patch "
        "such as 1.35.2 is refused by EKS). Checked against the project's dated table of EKS standard and extended "
        "support; a version past its extended support cannot be created.",
    )
    allow_extended_support: bool = Field(
        False,
        description="Accept a Kubernetes version in EKS extended support, which bills the control plane at about 6 "
        "times the standard hourly price. With false, a version in extended support is refused and the cluster's "
        "upgrade policy is STANDARD (EKS upgrades it at the end of standard support instead of billing extended "
        "support).",
    )
    public_access_cidrs: tuple[Cidr, ...] = _cidrs(
        "IPv4 CIDR blocks allowed to reach the Kubernetes API over the public endpoint. Empty (the default): the "
        "public endpoint is off and the API is reachable only over the private endpoint, from the sources in "
        "api_access. 0.0.0.0/0 is refused when production is true."
    )
    api_access: ApiAccess = Field(
        ApiAccess(),
        description="Sources admitted to the private API endpoint on 443 besides the nodes: operators' networks "
        "(cidrs) and security groups (security_group_ids). With neither, and no public_access_cidrs, only the nodes "
        "reach the API (a warning says so).",
    )
    admin_principal_arns: tuple[PrincipalArn, ...] = Field(
        (),
        json_schema_extra=UNIQUE,
        description="IAM role or user ARNs (arn:aws:iam::<account>:role/<name>) given cluster-admin through an "
        "EKS access entry with AmazonEKSClusterAdminPolicy. Whoever applies the stack is admin already "
        "(bootstrap_cluster_creator_admin_permissions) and must not be listed again: EKS refuses a second access "
        "entry for the same principal (so a principal listed here cannot be in namespace_access either).",
    )
    operator_role: OperatorRole | None = Field(
        None,
        description="A role the stack creates, <project>-<env>-cluster-operator, that people assume to administer "
        "the cluster: cluster-admin through its EKS access entry (AmazonEKSClusterAdminPolicy) and "
        "eks:DescribeCluster on this cluster (what aws eks update-kubeconfig calls). Left out: no such role.",
    )
    namespace_access: tuple[NamespaceAccess, ...] = Field(
        (),
        max_length=50,
        description="IAM principals given view or edit access to some namespaces only, each through an EKS access "
        "entry with AmazonEKSViewPolicy or AmazonEKSEditPolicy scoped to those namespaces.",
    )
    deletion_protection: bool = Field(
        True,
        description="EKS deletion protection: while true, the cluster cannot be deleted (cdktf destroy fails until it "
        "is set to false and applied).",
    )
    log_types: tuple[Literal["api", "audit", "authenticator", "controllerManager", "scheduler"], ...] = Field(
        LOG_TYPES,
        min_length=3,
        json_schema_extra=UNIQUE,
        description="Control-plane log types sent to CloudWatch Logs. api, audit and authenticator are always "
        "required; controllerManager and scheduler add troubleshooting detail at extra ingestion cost.",
    )
    log_retention_days: LogRetentionDays = Field(
        90,
        description="Days CloudWatch keeps the cluster's logs: the control plane's (log group "
        "/aws/eks/<cluster>/cluster) and Container Insights' (/aws/containerinsights/<cluster>/application, "
        "dataplane, host and performance).",
    )
    unschedulable_pods_alarm_minutes: int = Field(
        15,
        ge=5,
        le=1440,
        description="Minutes pods may stay unschedulable (the autoscaler cannot add capacity: node group at max_size, "
        "or no Spot capacity) before the alerts topic is notified.",
    )
    addon_versions: AddonVersions = Field(
        AddonVersions(),
        description="Pinned versions of the managed add-ons. Each one left out gets the default version for the "
        "cluster's Kubernetes version when it is created.",
    )
    node_groups: FrozenMap[NodeGroupName, NodeGroupConfig] = Field(
        min_length=1,
        description="Managed node groups by name (lowercase letters, digits and _; the name is part of Terraform "
        "addresses and of AWS names, so renaming one replaces the group). Nodes run in the private subnets.",
    )
