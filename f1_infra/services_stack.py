"""ClusterServicesStack: the platform services inside an environment's EKS cluster, as a stack of
their own (`<env>-services`), installed with Helm.

A second stack because a provider cannot plan against a cluster that does not exist yet: the helm
provider is configured from the cluster's endpoint and CA, which are unknown until the environment
stack has created the cluster, and the helm provider queries the cluster while planning
(hashicorp/terraform-provider-helm #1495; the kubernetes provider's "Stacking with managed
Kubernetes cluster resources": cluster and Kubernetes resources belong in separate applies). Here
everything the provider needs comes from the environment stack's state (cdktf cross-stack
references: a terraform_remote_state lookup of the environment's outputs), so it is known when
this stack plans, and this stack depends on the environment's.

The provider authenticates with a token from the ephemeral `aws_eks_cluster_auth` (never in plan
or state, no `aws` CLI needed where Terraform runs). A token is valid for 15 minutes and Terraform
opens the ephemeral resource afresh for the plan and again for the apply, so each phase has its
own; installing or upgrading these releases takes a few minutes.
"""

from cdktf import Fn, TerraformStack
from cdktf_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes
from cdktf_cdktf_provider_helm.release import Release, ReleaseSet
from constructs import Construct

from f1_infra.constructs import load_balancer_controller
from f1_infra.providers import aws_provider
from f1_infra.settings.backend import SERVICES_SUFFIX
from f1_infra.settings.cluster_services import ClusterAutoscalerConfig, LoadBalancerControllerConfig
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.stack import PlatformStack, state_backend

CLUSTER_AUTH = "cluster"
TOKEN = f"${{ephemeral.aws_eks_cluster_auth.{CLUSTER_AUTH}.token}}"
NAMESPACE = "kube-system"
LOAD_BALANCER_CONTROLLER_CHARTS = "https://aws.github.io/eks-charts"
AUTOSCALER_CHARTS = "https://kubernetes.github.io/autoscaler"
# The service account the cluster autoscaler's IRSA role trusts (constructs/cluster.py); the chart's
# own default, `<release>-aws-cluster-autoscaler`, would get no AWS credentials.
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
ROLE_ARN_ANNOTATION = r"eks\.amazonaws\.com/role-arn"
# Seconds Helm waits for a release's pods to become ready. The releases share one EKS token, which
# lives 15 minutes from the start of the plan or the apply: two releases of at most 5 minutes each
# finish within it, with the plan's own minutes to spare.
RELEASE_TIMEOUT = 300


def services_stack_name(environment: str) -> str:
    return f"{environment}{SERVICES_SUFFIX}"


Values = dict[str, str | int | bool]


def autoscaler_values(settings: ClusterAutoscalerConfig, region: str, cluster_name: str, role_arn: str) -> Values:
    values: Values = {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery.clusterName": cluster_name,
        "rbac.serviceAccount.create": True,
        "rbac.serviceAccount.name": AUTOSCALER_SERVICE_ACCOUNT,
        f"rbac.serviceAccount.annotations.{ROLE_ARN_ANNOTATION}": role_arn,
        "replicaCount": settings.replicas,
    }
    if settings.image_tag is not None:
        values["image.tag"] = settings.image_tag
    return values


def controller_values(
    settings: LoadBalancerControllerConfig, region: str, cluster_name: str, vpc_id: str, role_arn: str
) -> Values:
    return {
        "clusterName": cluster_name,
        # Pods cannot reach the instance metadata service (hop limit 1, constructs/cluster.py), where
        # the controller would otherwise look up its region and VPC.
        "region": region,
        "vpcId": vpc_id,
        "serviceAccount.create": True,
        "serviceAccount.name": load_balancer_controller.SERVICE_ACCOUNT,
        f"serviceAccount.annotations.{ROLE_ARN_ANNOTATION}": role_arn,
        "replicaCount": settings.replicas,
    }


def _values(values: Values) -> list[ReleaseSet]:
    """Helm `--set` values, every one of them written out: none is left to a chart default that a
    chart upgrade could change."""
    return [
        ReleaseSet(name=name, value=str(value).lower() if isinstance(value, bool) else str(value))
        for name, value in values.items()
    ]


class ClusterServicesStack(TerraformStack):
    """The AWS Load Balancer Controller and the Cluster Autoscaler of one environment, as Helm
    releases with pinned chart versions; state of the environment's backend kind, never its state.

    Attributes: ``load_balancer_controller``, ``cluster_autoscaler`` (the releases).
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, platform: PlatformStack) -> None:
        super().__init__(scope, id)
        # cdktf deploys the environment first when both are deployed together (docs/operations.md).
        self.add_dependency(platform)
        aws_provider(self, "aws", region=config.region, default_tags=config.default_tags, account_id=config.account_id)
        state_backend(self, id, config.backend.for_services())
        cluster = platform.cluster

        # cdktf 0.21 has no construct for ephemeral resources: the block is added as Terraform writes it.
        self.add_override(f"ephemeral.aws_eks_cluster_auth.{CLUSTER_AUTH}", {"name": cluster.name})
        HelmProvider(
            self,
            "helm",
            kubernetes=HelmProviderKubernetes(
                host=cluster.endpoint,
                cluster_ca_certificate=Fn.base64decode(cluster.certificate_authority),
                token=TOKEN,
            ),
        )

        services = config.cluster_services
        autoscaler = services.cluster_autoscaler
        self.cluster_autoscaler = Release(
            self,
            "cluster_autoscaler",
            name="cluster-autoscaler",
            namespace=NAMESPACE,
            repository=AUTOSCALER_CHARTS,
            chart="cluster-autoscaler",
            version=autoscaler.chart_version,
            set=_values(autoscaler_values(autoscaler, config.region, cluster.name, cluster.autoscaler_role_arn)),
            atomic=True,
            cleanup_on_fail=True,
            timeout=RELEASE_TIMEOUT,
        )

        controller, role = services.load_balancer_controller, platform.load_balancer_controller
        self.load_balancer_controller = Release(
            self,
            "load_balancer_controller",
            name="aws-load-balancer-controller",
            namespace=load_balancer_controller.NAMESPACE,
            repository=LOAD_BALANCER_CONTROLLER_CHARTS,
            chart="aws-load-balancer-controller",
            version=controller.chart_version,
            set=_values(controller_values(controller, config.region, cluster.name, platform.network.vpc_id, role.arn)),
            atomic=True,
            cleanup_on_fail=True,
            timeout=RELEASE_TIMEOUT,
            # Its webhooks mutate Services and pods cluster-wide once installed: installed last, a
            # webhook the control plane cannot reach (rule 46) fails only this release.
            depends_on=[self.cluster_autoscaler],
        )
