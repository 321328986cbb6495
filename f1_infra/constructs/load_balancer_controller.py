"""The AWS Load Balancer Controller's IAM role (IRSA). The controller itself is a Helm release of
the cluster services stack (f1_infra/services_stack.py); its role lives here, with the cluster's
OIDC provider, so that the services stack only names it."""

from constructs import Construct

from f1_infra.constructs.irsa import OidcProvider, ServiceAccountRole
from f1_infra.policies import LOAD_BALANCER_CONTROLLER_POLICIES, in_partition
from f1_infra.settings.cluster_services import LoadBalancerControllerConfig

NAMESPACE = "kube-system"
# The chart's service account name is set explicitly in the release, so the role trusts exactly it.
SERVICE_ACCOUNT = "aws-load-balancer-controller"


class LoadBalancerControllerRole(Construct):
    """The role the controller's service account assumes, with the IAM policy the controller's
    release publishes for its version (f1_infra/policies), as published.

    Attributes: ``arn``. The service account it trusts: ``NAMESPACE``/``SERVICE_ACCOUNT``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: LoadBalancerControllerConfig,
        name_prefix: str,
        partition: str,
        oidc: OidcProvider,
    ) -> None:
        super().__init__(scope, id)
        policy = in_partition(LOAD_BALANCER_CONTROLLER_POLICIES[settings.chart_version], partition)
        role = ServiceAccountRole(
            self,
            "irsa",
            name=f"{name_prefix}-load-balancer-controller",
            oidc=oidc,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            policy=policy,
        )
        self.arn: str = role.arn
