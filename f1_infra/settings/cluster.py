"""Settings of the EKS cluster (envs/*.json `cluster`) and its managed node groups."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from f1_infra.settings.base import UNIQUE, Cidr, FrozenMap, LogRetentionDays, Setting

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
LabelValue = Annotated[str, Field(pattern=LABEL_VALUE_PATTERN)]
NodeGroupName = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]{0,19}$",
        description="node group names are lowercase letters, digits and _, starting with a letter, at most 20 "
        "characters",
    ),
]


class Taint(Setting):
    key: str = Field(pattern=LABEL_KEY_PATTERN, description="Taint key.")
    value: str = Field("", pattern=LABEL_VALUE_PATTERN, description="Taint value (may be empty).")
    effect: Literal["NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE"] = Field(
        description="NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE."
    )


class NodeGroupConfig(Setting):
    instance_types: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")], ...] = Field(
        min_length=1,
        max_length=20,
        json_schema_extra=UNIQUE,
        description='EC2 instance types, e.g. ["m5.xlarge"]. ON_DEMAND uses the first; SPOT needs at least two of '
        "the same size and architecture so that EKS can draw from several Spot pools.",
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
    public_access_cidrs: tuple[Cidr, ...] = Field(
        (),
        max_length=40,
        json_schema_extra=UNIQUE,
        description="IPv4 CIDR blocks allowed to reach the Kubernetes API over the public endpoint. Empty (the "
        "default): the public endpoint is off and the API is reachable only from inside the VPC. 0.0.0.0/0 is "
        "refused when production is true.",
    )
    admin_principal_arns: tuple[PrincipalArn, ...] = Field(
        (),
        json_schema_extra=UNIQUE,
        description="IAM role or user ARNs (arn:aws:iam::<account>:role/<name>) given cluster-admin through an "
        "EKS access entry with AmazonEKSClusterAdminPolicy. Whoever applies the stack is admin already "
        "(bootstrap_cluster_creator_admin_permissions) and must not be listed again: EKS refuses a second access "
        "entry for the same principal.",
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
        90, description="Days CloudWatch keeps control-plane logs (log group /aws/eks/<cluster>/cluster)."
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
