"""IAM roles for Kubernetes service accounts (IRSA)."""

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from f1_infra.iam import policy_document, statement


@dataclass(frozen=True)
class OidcProvider:
    """The cluster's IAM OIDC provider: its ARN, and its issuer without the https:// scheme
    (the prefix of the `:sub` and `:aud` condition keys)."""

    arn: str
    issuer_host: str


class ServiceAccountRole(Construct):
    """A role that exactly one Kubernetes service account can assume through the cluster's
    OIDC provider: the trust policy pins both the `sub` (namespace and name) and the `aud`
    claims, so no other service account, and no other audience, can use it.

    ``policy`` is an inline policy document (JSON); ``managed_policy_arns`` are attached.
    Attributes: ``arn``, ``name``, ``dependables`` (the inline policy and the attachments: what a
    user of the role, such as an EKS add-on, must wait for before it calls AWS with the role).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        oidc: OidcProvider,
        namespace: str,
        service_account: str,
        policy: str | None = None,
        managed_policy_arns: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        trust = policy_document(
            statement(
                "ServiceAccount",
                ["sts:AssumeRoleWithWebIdentity"],
                principal={"Federated": oidc.arn},
                conditions={
                    "StringEquals": {
                        f"{oidc.issuer_host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{oidc.issuer_host}:aud": "sts.amazonaws.com",
                    }
                },
            )
        )
        role = IamRole(self, "role", name=name, assume_role_policy=trust)
        self.dependables: list[ITerraformDependable] = []
        if policy is not None:
            self.dependables.append(IamRolePolicy(self, "policy", role=role.id, name=service_account, policy=policy))
        for arn in managed_policy_arns:
            # Keyed by the policy's name, so reordering the list renames nothing.
            self.dependables.append(
                IamRolePolicyAttachment(self, arn.rsplit("/", 1)[-1], role=role.name, policy_arn=arn)
            )
        self.arn: str = role.arn
        self.name: str = role.name
