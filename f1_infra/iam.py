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
