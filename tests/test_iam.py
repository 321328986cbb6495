"""Least privilege over every policy document in every stack.

No policy grants `*` or a whole service (`s3:*`). `Resource: "*"` is accepted only for actions
AWS cannot scope to a resource, each listed below with its reason, and in resource policies
(KMS key policies, where "*" means the key itself).
"""

import json
from collections.abc import Iterator
from typing import Any

from f1_infra.policies import LOAD_BALANCER_CONTROLLER_POLICIES, in_partition
from tests.synth import Stack

# Actions whose only valid resource is "*" (no resource-level permissions in IAM's service
# authorization reference), with why the project needs each.
UNSCOPABLE_ACTIONS = {
    "autoscaling:DescribeAutoScalingGroups": "cluster autoscaler discovers node groups by tag",
    "autoscaling:DescribeAutoScalingInstances": "cluster autoscaler maps nodes to groups",
    "autoscaling:DescribeLaunchConfigurations": "cluster autoscaler reads node templates",
    "autoscaling:DescribeScalingActivities": "cluster autoscaler checks scaling progress",
    "autoscaling:DescribeTags": "cluster autoscaler auto-discovery",
    "cloudwatch:PutMetricData": "workloads publish custom metrics; held to one namespace by cloudwatch:namespace",
    "ec2:DescribeImages": "cluster autoscaler reads node templates",
    "ec2:DescribeInstanceTypes": "cluster autoscaler sizes node templates",
    "ec2:DescribeLaunchTemplateVersions": "cluster autoscaler reads node templates",
    "ec2:GetInstanceTypesFromInstanceRequirements": "cluster autoscaler sizes node templates",
    "eks:DescribeNodegroup": "cluster autoscaler reads managed node group labels and taints",
    **{
        f"ce:{action}": "Cost Explorer's anomaly monitors, subscriptions and cost allocation tag status: creating "
        "one names no resource, and their ARNs hold generated ids, not the environment's name"
        for action in (
            "CreateAnomalyMonitor",
            "UpdateAnomalyMonitor",
            "DeleteAnomalyMonitor",
            "CreateAnomalySubscription",
            "UpdateAnomalySubscription",
            "DeleteAnomalySubscription",
            "UpdateCostAllocationTagsStatus",
            "TagResource",
            "UntagResource",
            "GetAnomalyMonitors",
            "GetAnomalySubscriptions",
            "ListCostAllocationTags",
            "ListTagsForResource",
        )
    },
    "logs:DescribeLogGroups": "VPC flow logs look up their log group (rule 50: scoped to an ARN it grants nothing)",
}
# The bootstrap stack's service-wide grants, the only ones in the project. Each is held to the
# environment's regions, and IAM stays out of them (tests/test_bootstrap.py asserts the details).
SERVICE_WIDE_GRANTS = {
    "EnvironmentServices": "the Terraform Cloud deploy role creates, changes and deletes every kind of "
    "resource its stack declares",
    "ReadEnvironmentServices": "the Terraform Cloud plan role refreshes every kind of resource its stack "
    "declares: Describe*, Get* and List* of those services, no write",
    "WorkloadServices": "the permissions boundary is a ceiling for every role of the stack, not a grant",
    "EnvironmentBuckets": "the deploy role manages the environment's buckets, held to their names: S3 takes no "
    "resource-tag condition on buckets",
}
# Policies kept exactly as their project publishes them (f1_infra/policies): a trimmed copy would
# break at the software's next feature, and its own maintainers scope it (conditions on the cluster's
# resource tags). The published text is checked byte for byte (tests/test_services_stack.py).
PUBLISHED = [json.loads(in_partition(document, "aws")) for document in LOAD_BALANCER_CONTROLLER_POLICIES.values()]
# Resource policies attached to one resource: "*" there is that resource.
RESOURCE_POLICY_TYPES = {"aws_kms_key"}
POLICY_KEYS = {"policy", "assume_role_policy"}
# Types whose `policy` is no IAM policy (an ECR lifecycle policy is a list of expiry rules).
NOT_IAM_POLICY_TYPES = {"aws_ecr_lifecycle_policy"}


def documents(stack: Stack) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for type_, name, body in stack.all_resources():
        if type_ in NOT_IAM_POLICY_TYPES:
            continue
        for key in POLICY_KEYS & set(body):
            yield type_, f"{type_}.{name}.{key}", json.loads(body[key])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_there_are_policies_to_check(stack: Stack) -> None:
    assert sum(1 for _ in documents(stack)) >= 4


def test_no_wildcard_actions(stack: Stack) -> None:
    for _, where, document in documents(stack):
        # Deny statements may be broad (deny s3:* without TLS); grants may not.
        for statement in (s for s in document["Statement"] if s["Effect"] == "Allow"):
            actions = as_list(statement.get("Action", []))
            assert [a for a in actions if a == "*" or a.endswith(":*")] == [], where
            assert "NotAction" not in statement, where


def test_wildcard_resources_only_where_aws_allows_nothing_else(stack: Stack) -> None:
    for type_, where, document in documents(stack):
        if type_ in RESOURCE_POLICY_TYPES or document in PUBLISHED:
            continue
        for statement in document["Statement"]:
            if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource", [])):
                unexplained = [a for a in as_list(statement["Action"]) if a not in UNSCOPABLE_ACTIONS]
                assert unexplained == [], f"{where}: Resource '*' for {unexplained}"


def test_no_principal_is_everyone(stack: Stack) -> None:
    for _, where, document in documents(stack):
        for statement in document["Statement"]:
            if statement["Effect"] == "Allow" and "Principal" in statement:
                principal = statement["Principal"]
                assert principal != "*", where
                assert "*" not in as_list(principal.get("AWS", [])), where


def test_bootstrap_grants_whole_services_only_where_explained(stacks: dict[str, Stack]) -> None:
    seen = set()
    for type_, where, document in documents(stacks["bootstrap"]):
        for statement in (s for s in document["Statement"] if s["Effect"] == "Allow"):
            actions = as_list(statement.get("Action", []))
            broad = [a for a in actions if a == "*" or a.endswith(":*")]
            star = "*" in as_list(statement.get("Resource", []))
            unscopable = all(a in UNSCOPABLE_ACTIONS for a in actions)
            if broad or (star and type_ not in RESOURCE_POLICY_TYPES and not unscopable):
                assert statement.get("Sid") in SERVICE_WIDE_GRANTS, f"{where}: {statement.get('Sid')}"
                assert "*" not in actions, where
                assert not [a for a in broad if a.startswith(("iam:", "sts:"))], where
                assert "aws:RequestedRegion" in statement["Condition"]["StringEquals"], where
                seen.add(statement["Sid"])
    assert seen == set(SERVICE_WIDE_GRANTS)
