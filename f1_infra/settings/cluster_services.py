"""Settings of the in-cluster platform services (envs/*.json `cluster_services`): the Helm releases
the `<env>-services` stack installs, with their chart versions and replica counts."""

from __future__ import annotations

from pydantic import Field

from f1_infra.settings.base import Setting

CHART_VERSION_PATTERN = r"^[0-9]+\.[0-9]+\.[0-9]+$"


class LoadBalancerControllerConfig(Setting):
    chart_version: str = Field(
        "3.5.0",
        pattern=CHART_VERSION_PATTERN,
        description="Exact version of the aws-load-balancer-controller chart (https://aws.github.io/eks-charts). The "
        "controller's IAM policy is the one published for the chart's controller version, so only versions the "
        "project holds a policy for are accepted (f1_infra/policies).",
    )
    replicas: int = Field(
        2,
        ge=1,
        le=10,
        description="Controller pods. One is active (leader election); a second takes over at once when its node "
        "goes, and the controller's admission webhook keeps answering meanwhile.",
    )


class ClusterAutoscalerConfig(Setting):
    chart_version: str = Field(
        "9.59.0",
        pattern=CHART_VERSION_PATTERN,
        description="Exact version of the cluster-autoscaler chart (https://kubernetes.github.io/autoscaler). Its "
        "controller's Kubernetes minor version must be the cluster's (cluster.kubernetes_version); the project's "
        "dated table of chart versions says which chart carries which.",
    )
    image_tag: str | None = Field(
        None,
        pattern=r"^v[0-9]+\.[0-9]+\.[0-9]+$",
        description="Cluster Autoscaler image tag (e.g. v1.35.2), when it should differ from the chart's own "
        "(a newer patch release, or a Kubernetes minor the chart does not carry yet). Its minor version must be "
        "the cluster's. Leave out to run the chart's image.",
    )
    replicas: int = Field(
        1,
        ge=1,
        le=5,
        description="Autoscaler pods. Only the leader works; more replicas only shorten the gap after its node goes.",
    )


class ClusterServicesConfig(Setting):
    load_balancer_controller: LoadBalancerControllerConfig = Field(
        LoadBalancerControllerConfig(),
        description="The AWS Load Balancer Controller: registers pods in the load balancer's ip target groups "
        "(TargetGroupBinding) and serves Ingress and Service load balancers.",
    )
    cluster_autoscaler: ClusterAutoscalerConfig = Field(
        ClusterAutoscalerConfig(),
        description="The Cluster Autoscaler: scales the node groups (auto-discovered by their ASG tags) between their "
        "min_size and max_size.",
    )
