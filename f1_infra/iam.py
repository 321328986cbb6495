"""IAM policy documents as JSON strings.

Terraform interpolates the `${...}` references that cdktf writes into these strings, and
checkov and the tests can read them as plain JSON, which a jsonencode() expression would hide.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any


def statement(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str] | None = None,
    *,
    principal: Mapping[str, Any] | None = None,
    conditions: Mapping[str, Mapping[str, Any]] | None = None,
    effect: str = "Allow",
) -> dict[str, Any]:
    result: dict[str, Any] = {"Sid": sid, "Effect": effect}
    if principal is not None:
        result["Principal"] = dict(principal)
    result["Action"] = list(actions)
    if resources is not None:
        result["Resource"] = list(resources)
    if conditions:
        result["Condition"] = {op: dict(values) for op, values in conditions.items()}
    return result


def policy_document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust_policy(service: str, conditions: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """A role trust policy letting one AWS service assume the role."""
    return policy_document(
        statement("AssumeRole", ["sts:AssumeRole"], principal={"Service": service}, conditions=conditions)
    )


def account_principals_trust_policy(partition: str, account_id: str, principal_arn_patterns: Sequence[str]) -> str:
    """A role trust policy letting the principals of one account whose ARN matches a pattern
    assume the role.

    The account root as principal hands the decision to the account's own IAM policies (the caller
    needs sts:AssumeRole on the role as well), and the condition keeps every other principal of
    the account out. aws:PrincipalArn is the caller's role ARN, not its session's, which is what
    makes wildcards over Identity Center roles work; IAM refuses wildcards in Principal itself.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    """
    return policy_document(
        statement(
            "AssumeRole",
            ["sts:AssumeRole"],
            principal={"AWS": f"arn:{partition}:iam::{account_id}:root"},
            conditions={"ArnLike": {"aws:PrincipalArn": list(principal_arn_patterns)}},
        )
    )
