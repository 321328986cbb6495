"""The permissions boundary of the roles an environment's stack creates.

The bootstrap stack creates one managed policy per Terraform Cloud environment; the deploy role of
that environment may create and change roles only when they carry it (f1_infra/bootstrap.py). The
environment's stack therefore sets it on every one of its roles, with an aspect, so that no
construct can forget it.

Rule: an environment gets the boundary exactly when its backend is Terraform Cloud. Only those
environments have a bootstrap-made deploy role and boundary; a `local` or `s3` environment is
applied with the operator's own credentials, and a boundary ARN there would name a policy that
does not exist.
"""

import jsii
from cdktf import IAspect
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import IConstruct

from f1_infra.settings.environment import EnvironmentConfig


def uses_boundary(config: EnvironmentConfig) -> bool:
    return config.backend.is_cloud


def boundary_path(config: EnvironmentConfig) -> str:
    """An IAM path of its own: the policy ARN is `policy/<path><name>`, which the deploy role's
    `policy/<prefix>-*` resources do not match, so a run cannot rewrite its own boundary."""
    return f"/{config.project}-boundaries/"


def boundary_name(config: EnvironmentConfig) -> str:
    return f"{config.name_prefix}-boundary"


def boundary_arn(config: EnvironmentConfig, account_id: str) -> str:
    return f"arn:{config.partition}:iam::{account_id}:policy{boundary_path(config)}{boundary_name(config)}"


@jsii.implements(IAspect)
class PermissionsBoundary:
    """Sets the permissions boundary on every IAM role below the scope it is added to."""

    def __init__(self, arn: str) -> None:
        self.arn = arn

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, IamRole):
            node.permissions_boundary = self.arn
