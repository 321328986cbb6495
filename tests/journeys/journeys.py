"""The platform's journeys, walked over the synthesized JSON from the user's end to the other.

Each journey is a function of a `World` (an environment's stack, its services stack, every stack
of the session, its settings) that returns what breaks the journey, one line per broken link: an
empty list is a journey that works. tests/journeys/test_journeys.py runs every journey on every
environment, and runs each one again without each resource it depends on, to show that the
journey notices when that resource is gone.

Network links go through the security groups (tests/journeys/network.py); IAM links through the
identity policies, the permissions boundary, and the resource policies that must allow the caller
(tests/journeys/policy.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from f1_infra.constructs.cluster import CONTROL_PLANE_PORTS
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.workloads import PLATFORM_SERVICE_ACCOUNTS
from f1_infra.terraform_cloud import deploy_role_name
from tests.journeys.network import admits, groups_of, path_open
from tests.journeys.policy import Request, boundary_policy, evaluate, managed_policy_arns, role_policies
from tests.synth import Stack

# A request carries these wherever the policies the journeys cross ask for them: TLS 1.3 over
# HTTPS (the buckets deny anything else).
TLS = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
# The account, as the stacks write it.
ACCOUNT = "${data.aws_caller_identity.caller.account_id}"
# AWS managed policies a journey crosses, as AWS publishes them (the stacks only name their ARNs):
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryPullOnly.html
MANAGED_POLICIES = {
    "AmazonEC2ContainerRegistryPullOnly": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchImportUpstreamImage",
                ],
                "Resource": "*",
            }
        ],
    }
}
# What the kubelet calls to pull an image: a registry token, then the manifest and the layers.
PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
# A stand-in ARN of the shape the AWS Load Balancer Controller registers targets in.
TARGET_GROUP_ARN = "arn:aws:elasticloadbalancing:{region}:123456789012:targetgroup/api-20261201/0123456789abcdef"


@dataclass(frozen=True)
class World:
    """What a journey may look at."""

    stack: Stack
    stacks: Mapping[str, Stack]
    config: EnvironmentConfig

    @property
    def services(self) -> Stack | None:
        return self.stacks.get(f"{self.stack.name}-services")

    def without(self, type_: str, path: str, stack: str | None = None) -> World:
        """The same world with one resource of one stack (the environment's by default) removed."""
        target = self.stacks[stack] if stack else self.stack
        doc = copy.deepcopy(target.doc)
        name = target.address(type_, path).split(".", 1)[1]
        del doc["resource"][type_][name]
        changed = Stack(target.name, doc)
        stacks = {**self.stacks, target.name: changed}
        return replace(self, stack=changed if target is self.stack else self.stack, stacks=stacks)


Journey = Callable[[World], list[str]]


def _subnet(world: World, tier: str) -> str:
    return world.stack.resource("aws_subnet", f"network/{tier}_a")["cidr_block"]


def _network(world: World, source: str | list[str], target: str | list[str], port: int, tier: str) -> list[str]:
    path = path_open(world.stack, source, target, port, target_cidr=_subnet(world, tier))
    return [] if path else [f"{source} -> {target} on {port}: {path.reason}"]


def _role(world: World, path: str) -> str:
    return f"${{aws_iam_role.{world.stack.address('aws_iam_role', path).split('.', 1)[1]}.arn}}"


def _allowed(
    world: World,
    role_path: str,
    action: str,
    resource: str,
    *,
    context: Mapping[str, str] | None = None,
    resource_policy: Mapping[str, Any] | None = None,
    resource_policy_required: bool = False,
) -> list[str]:
    """What denies a role's request, as one line, or nothing when the request is allowed."""
    stack = world.stack
    try:
        identity = role_policies(stack, role_path)
    except KeyError:
        return [f"no role at {role_path}"]
    name = stack.resource("aws_iam_role", role_path)["name"]
    # Every call is signed for the environment's region, by a role of the environment's account;
    # aws:PrincipalArn is the role's ARN by its name, as a key policy's ArnLike sees it.
    signed = {
        "aws:RequestedRegion": world.config.region,
        "aws:PrincipalAccount": ACCOUNT,
        "aws:PrincipalArn": f"arn:{world.config.partition}:iam::{ACCOUNT}:role/{name}",
        **(context or {}),
    }
    decision = evaluate(
        Request(action, resource, principal={"AWS": _role(world, role_path)}, context=signed),
        identity,
        boundary=boundary_policy(world.stacks.values(), stack, role_path),
        resource_policy=dict(resource_policy) if resource_policy else None,
        resource_policy_required=resource_policy_required,
    )
    return [] if decision.allowed else [f"{role_path}: {action} on {resource}: {decision.reason}"]


def _denied(world: World, role_path: str, action: str, resource: str, **kwargs: Any) -> list[str]:
    return [] if _allowed(world, role_path, action, resource, **kwargs) else [f"{role_path} may {action} {resource}"]


def _document(stack: Stack, type_: str, path: str, key: str = "policy") -> dict[str, Any] | None:
    try:
        return json.loads(stack.resource(type_, path)[key])
    except KeyError:
        return None


def _key_policy(world: World) -> dict[str, Any] | None:
    return _document(world.stack, "aws_kms_key", "kms/key")


def _bucket(world: World, key: str) -> tuple[str, dict[str, Any] | None]:
    """A bucket's ARN expression and its bucket policy."""
    return (
        world.stack.ref("aws_s3_bucket", f"storage/{key}/bucket", "arn"),
        _document(world.stack, "aws_s3_bucket_policy", f"storage/{key}/policy")
        or _document(world.stack, "aws_s3_bucket_policy", f"storage/{key}_policy"),
    )


def _object(world: World, role: str, action: str, bucket: str, key: str) -> list[str]:
    arn, bucket_policy = _bucket(world, bucket)
    return _allowed(world, role, action, f"{arn}/{key}", context=TLS, resource_policy=bucket_policy)


def _workload(name: str) -> str:
    return f"storage_access/{name.replace('-', '_')}/role"


def _environment_key_via(world: World, role: str, service: str, context: Mapping[str, str]) -> list[str]:
    return _allowed(
        world,
        role,
        "kms:Decrypt",
        world.stack.ref("aws_kms_key", "kms/key", "arn"),
        context={"kms:ViaService": f"{service}.{world.config.region}.amazonaws.com", **context},
        resource_policy=_key_policy(world),
        resource_policy_required=True,
    )


# ---------------------------------------------------------------------------------- the journeys


def internet_to_pods(world: World) -> list[str]:
    """A browser's HTTPS request reaches a pod: ALB 443 (80 redirects), a listener forwards to an
    `ip` target group, the ALB reaches the pods' group on the target port, and something registers
    the pods (the load balancer controller, with a role that may register targets)."""
    stack, problems = world.stack, []
    alb = groups_of(stack, "aws_lb", "monitoring/alb")
    if admits(stack, alb, 443, source_cidr="0.0.0.0/0") is None:
        problems.append("the load balancer does not admit 443 from the internet")
    listeners = {b["port"]: b for b in stack.resources("aws_lb_listener").values()}
    redirect = listeners.get(80, {}).get("default_action", [{}])[0]
    if redirect.get("type") != "redirect" or redirect.get("redirect", {}).get("protocol") != "HTTPS":
        problems.append("port 80 does not redirect to HTTPS")
    forwarded = {listeners[443]["default_action"][0]["target_group_arn"]} if 443 in listeners else set()
    forwarded |= {r["action"][0]["target_group_arn"] for r in stack.resources("aws_lb_listener_rule").values()}
    first_group = next(iter(world.config.cluster.node_groups))
    nodes = groups_of(stack, "aws_eks_node_group", f"cluster/{first_group}")
    for key in ("api", "frontend"):
        path = f"monitoring/{key}_target_group"
        group = stack.resource("aws_lb_target_group", path)
        if stack.ref("aws_lb_target_group", path, "arn") not in forwarded:
            problems.append(f"no listener forwards to the {key} target group")
        if group["target_type"] != "ip":
            problems.append(f"the {key} target group does not take pod IPs")
        problems += _network(world, alb, nodes, group["port"], "private")
    services = world.services
    if services is None or not any(
        r["chart"] == "aws-load-balancer-controller" for r in services.resources("helm_release").values()
    ):
        problems.append("nothing registers pods in the target groups: no aws-load-balancer-controller release")
    problems += _allowed(
        world,
        "load_balancer_controller/irsa/role",
        "elasticloadbalancing:RegisterTargets",
        TARGET_GROUP_ARN.format(region=world.config.region),
    )
    return problems


def control_plane_to_webhooks(world: World) -> list[str]:
    """The API server reaches the kubelets and every webhook of the installed components."""
    problems = []
    for port in CONTROL_PLANE_PORTS:
        path = path_open(world.stack, "cluster/cluster_security_group", "cluster/node_security_group", port.port)
        if not path:
            problems.append(f"control plane -> nodes on {port.port} ({port.component}): {path.reason}")
    return problems


def api_to_database(world: World) -> list[str]:
    """The api's pods connect through the RDS Proxy with an IAM token, and the proxy to the database."""
    stack, problems = world.stack, []
    nodes = "cluster/node_security_group"
    if not stack.count("aws_db_proxy"):
        return ["no RDS Proxy: the api has no way to get database credentials"]
    proxy = stack.resource("aws_db_proxy", "database/proxy")
    problems += _network(world, nodes, "database/proxy_security_group", 5432, "database")
    problems += _network(world, "database/proxy_security_group", "database/security_group", 5432, "database")
    if proxy["auth"][0].get("iam_auth") != "REQUIRED":
        problems.append("the proxy does not take IAM tokens")
    user = stack.resource("aws_db_instance", "database/instance")["username"]
    resource_id = next(
        (
            name
            for name, value in stack.doc.get("locals", {}).items()
            if stack.address("aws_db_proxy", "database/proxy") in value
        ),
        None,
    )
    if resource_id is None:
        return [*problems, "nothing derives the proxy's resource id"]
    partition, region = world.config.partition, world.config.region
    dbuser = f"arn:{partition}:rds-db:{region}:{ACCOUNT}:dbuser:${{local.{resource_id}}}/{user}"
    problems += _allowed(world, _workload("api"), "rds-db:connect", dbuser)
    problems += _allowed(
        world,
        "database/proxy_role",
        "secretsmanager:GetSecretValue",
        stack.ref("aws_secretsmanager_secret", "database/master_secret", "arn"),
    )
    return problems


def api_to_cache(world: World) -> list[str]:
    """The api's pods reach Redis on 6379 and read its AUTH token from Secrets Manager."""
    stack = world.stack
    secret = stack.ref("aws_secretsmanager_secret", "cache/auth_secret", "arn")
    problems = _network(world, "cluster/node_security_group", "cache/security_group", 6379, "database")
    problems += _allowed(world, _workload("api"), "secretsmanager:GetSecretValue", secret)
    problems += _environment_key_via(
        world, _workload("api"), "secretsmanager", {"kms:EncryptionContext:SecretARN": secret}
    )
    return problems


def training(world: World) -> list[str]:
    """ml-training receives from the training queue, writes models and reads backups."""
    stack, role = world.stack, _workload("ml-training")
    queue = stack.ref("aws_sqs_queue", "monitoring/training_queue", "arn")
    problems = []
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage"):
        problems += _allowed(world, role, action, queue)
    problems += _environment_key_via(world, role, "sqs", {})
    problems += _object(world, role, "s3:PutObject", "models", "models/2026/model.bin")
    problems += _object(world, role, "s3:GetObject", "backups", "ingestion/2026-12-01/laps.parquet")
    problems += _network(world, "cluster/node_security_group", "cluster/node_security_group", 443, "private")
    return problems


def ingestion(world: World) -> list[str]:
    """ingestion writes under ingestion/ of the backups bucket and publishes its metrics."""
    role = _workload("ingestion")
    problems = _object(world, role, "s3:PutObject", "backups", "ingestion/2026-12-01/laps.parquet")
    problems += _allowed(
        world,
        role,
        "cloudwatch:PutMetricData",
        "*",
        context={"cloudwatch:namespace": world.config.monitoring.custom_metrics_namespace},
    )
    return problems


def operators_to_api(world: World) -> list[str]:
    """An operator on a listed network reaches the private endpoint on 443, signs in through IAM
    Identity Center, assumes the operator role, and EKS knows that role as a cluster administrator."""
    stack, access, problems = world.stack, world.config.cluster.api_access, []
    for cidr in access.cidrs:
        if admits(stack, "cluster/cluster_security_group", 443, source_cidr=cidr) is None:
            problems.append(f"the cluster security group does not admit {cidr} on 443")
    if not (access.cidrs or access.security_group_ids or world.config.cluster.public_access_cidrs):
        problems.append("no operator network reaches the API")
    role = stack.ref("aws_iam_role", "cluster/operator_role", "arn")
    # A PlatformAdmin session of the account; its permission set may assume roles (docs/operations.md).
    operator = (
        f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-west-2/"
        "AWSReservedSSO_PlatformAdmin_0a1b2c3d4e5f6789"
    )
    decision = evaluate(
        Request("sts:AssumeRole", role, principal={"AWS": operator}, context={"aws:PrincipalAccount": ACCOUNT}),
        [{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}],
        resource_policy=_document(stack, "aws_iam_role", "cluster/operator_role", "assume_role_policy"),
        resource_policy_required=True,
    )
    if not decision.allowed:
        problems.append(f"an Identity Center PlatformAdmin cannot assume the operator role: {decision.reason}")
    problems += _allowed(
        world, "cluster/operator_role", "eks:DescribeCluster", stack.ref("aws_eks_cluster", "cluster/cluster", "arn")
    )
    entries = {
        f"${{aws_eks_access_entry.{name}.principal_arn}}"
        for name, entry in stack.resources("aws_eks_access_entry").items()
        if entry["principal_arn"] == role
    }
    admin = [
        a
        for a in stack.resources("aws_eks_access_policy_association").values()
        if a["principal_arn"] in entries and a["policy_arn"].endswith("/AmazonEKSClusterAdminPolicy")
    ]
    if not admin:
        problems.append("no access entry makes the operator role a cluster administrator")
    return problems


TIER_PATHS = {"critical": "alerts/", "warning": "alerts/warning_", "info": "alerts/info_"}


def _publish(world: World, tier: str, service: str, source: Mapping[str, str]) -> list[str]:
    """A service may publish to a tier's encrypted topic: the topic policy and the key policy both
    admit it (with the request's source account and ARN), and the topic has a subscription."""
    stack, path = world.stack, TIER_PATHS[tier]
    topic = stack.ref("aws_sns_topic", f"{path}topic", "arn")
    key = stack.ref("aws_kms_key", "kms/key", "arn")
    problems = []
    for action, resource, policy in (
        ("sns:Publish", topic, _document(stack, "aws_sns_topic_policy", f"{path}policy")),
        ("kms:GenerateDataKey", key, _key_policy(world)),
        ("kms:Decrypt", key, _key_policy(world)),
    ):
        decision = evaluate(
            Request(action, resource, principal={"Service": service}, context=source),
            resource_policy=policy,
            resource_policy_required=True,
        )
        if not decision.allowed:
            problems.append(f"{service}: {action} on {resource}: {decision.reason}")
    if not any(s["topic_arn"] == topic for s in stack.resources("aws_sns_topic_subscription").values()):
        problems.append(f"the {tier} topic has no subscription")
    return problems


def nodes_pull_images(world: World) -> list[str]:
    """A node pulls a service's image: the node role (through the AWS managed pull policy, within its
    boundary) gets a registry token and reads the repository; the repository has no policy of its own
    that could deny it (same account: the identity policy suffices). The images are encrypted with
    the environment key, which ECR uses through the grants it made when the repository was created,
    so the node needs no KMS permission; the deploy role that creates the repository may make those
    grants through the key policy's account statement."""
    stack, problems = world.stack, []
    role = "cluster/node_role"
    arns = managed_policy_arns(stack, role)
    documents = [doc for name, doc in MANAGED_POLICIES.items() if any(a.endswith(f":policy/{name}") for a in arns)]
    try:
        boundary = boundary_policy(world.stacks.values(), stack, role)
    except KeyError as missing:
        return [str(missing)]
    signed = {"aws:RequestedRegion": world.config.region, "aws:PrincipalAccount": ACCOUNT}
    principal = {"AWS": _role(world, role)}
    repositories = {
        name: body
        for name, body in stack.resources("aws_ecr_repository").items()
        if "provider" not in body
        and body["name"] in {f"{world.config.name_prefix}/{s}" for s in world.config.registry.repositories}
    }
    if len(repositories) != len(world.config.registry.repositories):
        problems.append("a service of registry.repositories has no repository")
    policies = {b["repository"] for b in stack.resources("aws_ecr_repository_policy").values()}
    requests = [("ecr:GetAuthorizationToken", "*")]
    for name, body in repositories.items():
        requests += [(action, f"${{aws_ecr_repository.{name}.arn}}") for action in PULL_ACTIONS]
        if f"${{aws_ecr_repository.{name}.name}}" in policies:
            problems.append(f"{body['name']} has a repository policy the journey does not evaluate")
        if body.get("encryption_configuration", [{}])[0].get("kms_key") != stack.ref("aws_kms_key", "kms/key", "arn"):
            problems.append(f"{body['name']} is not encrypted with the environment key")
    for action, resource in requests:
        decision = evaluate(
            Request(action, resource, principal=principal, context=signed), documents, boundary=boundary
        )
        if not decision.allowed:
            problems.append(f"{role}: {action} on {resource}: {decision.reason}")
    # A Terraform Cloud environment is deployed by its bootstrap role; a local one by whoever runs it.
    bootstrap = world.stacks.get("bootstrap")
    deploy_policy = _document(bootstrap, "aws_iam_role_policy", f"{world.stack.name}/policy") if bootstrap else None
    if deploy_policy is not None and repositories:
        decision = evaluate(
            Request(
                "kms:CreateGrant",
                stack.ref("aws_kms_key", "kms/key", "arn"),
                principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/{deploy_role_name(world.config)}"},
                context={**signed, "kms:ViaService": f"ecr.{world.config.region}.amazonaws.com"},
            ),
            [deploy_policy],
            resource_policy=_key_policy(world),
            resource_policy_required=True,
        )
        if not decision.allowed:
            problems.append(f"the deploy role cannot let ECR use the environment key: {decision.reason}")
    return problems


def alarm_to_subscription(world: World) -> list[str]:
    """A firing alarm reaches the on-call: CloudWatch may publish to the encrypted critical topic
    and use its key, and the topic has a subscription."""
    source = {
        "aws:SourceAccount": ACCOUNT,
        "aws:SourceArn": f"arn:aws:cloudwatch:{world.config.region}:{ACCOUNT}:alarm:{world.config.name_prefix}-x",
    }
    return _publish(world, "critical", "cloudwatch.amazonaws.com", source)


def budget_to_warning(world: World) -> list[str]:
    """A budget threshold reaches the warning tier: the budget notifies the warning topic, and AWS
    Budgets may publish to it and use its key."""
    stack = world.stack
    topic = stack.ref("aws_sns_topic", "alerts/warning_topic", "arn")
    budget = stack.resource("aws_budgets_budget", "monitoring/budget")
    problems = [
        f"a budget notification goes to {n['subscriber_sns_topic_arns']}"
        for n in budget["notification"]
        if n["subscriber_sns_topic_arns"] != [topic]
    ]
    return problems + _publish(world, "warning", "budgets.amazonaws.com", {"aws:SourceAccount": ACCOUNT})


def finding_to_critical(world: World) -> list[str]:
    """A GuardDuty finding reaches the on-call: the findings rule targets the critical topic, and
    EventBridge may publish to it and use its key. EventBridge's requests to the key carry no source
    (constructs/encryption.py), so the key is asked without one."""
    stack = world.stack
    topic = stack.ref("aws_sns_topic", "alerts/topic", "arn")
    target = stack.resource("aws_cloudwatch_event_target", "security/guardduty_target")
    problems = [] if target["arn"] == topic else [f"the findings rule targets {target['arn']}, not the critical topic"]
    rule = stack.ref("aws_cloudwatch_event_rule", "security/guardduty_findings", "arn")
    problems += _publish(
        world, "critical", "events.amazonaws.com", {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": rule}
    )
    return problems


def rds_events_to_info(world: World) -> list[str]:
    """An RDS event of the database (a backup, a failover) reaches the info tier: the subscription
    names the instance and the info topic, and RDS may publish to it and use its key."""
    stack = world.stack
    subscription = stack.resource("aws_db_event_subscription", "database/event_subscription")
    topic = stack.ref("aws_sns_topic", "alerts/info_topic", "arn")
    problems = [] if subscription["sns_topic"] == topic else [f"RDS events go to {subscription['sns_topic']}"]
    primary = stack.ref("aws_db_instance", "database/instance", "identifier")
    if primary not in subscription["source_ids"]:
        problems.append("the subscription does not name the primary instance")
    source = {
        "aws:SourceAccount": ACCOUNT,
        "aws:SourceArn": f"arn:aws:rds:{world.config.region}:{ACCOUNT}:db:{world.config.name_prefix}-postgres",
    }
    return problems + _publish(world, "info", "events.rds.amazonaws.com", source)


def service_account_roles(world: World) -> list[str]:
    """Every IRSA role's trust names exactly one service account, and a declared one."""
    declared = {(a.namespace, n) for n, a in world.config.workloads.service_accounts.items()}
    declared |= {(p.namespace, p.name) for p in PLATFORM_SERVICE_ACCOUNTS}
    seen: dict[str, str] = {}
    problems = []
    for name, role in world.stack.resources("aws_iam_role").items():
        for statement in json.loads(role["assume_role_policy"])["Statement"]:
            if "Federated" not in statement.get("Principal", {}):
                continue
            subjects = [v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")]
            if len(subjects) != 1 or not isinstance(subjects[0], str):
                problems.append(f"{name} trusts {subjects}, not one service account")
                continue
            namespace, account = subjects[0].removeprefix("system:serviceaccount:").split(":")
            if (namespace, account) not in declared:
                problems.append(f"{name} trusts {namespace}/{account}, which no setting declares")
            if subjects[0] in seen:
                problems.append(f"{name} and {seen[subjects[0]]} both trust {subjects[0]}")
            seen[subjects[0]] = name
    return problems


JOURNEYS: dict[str, Journey] = {
    journey.__name__: journey
    for journey in (
        internet_to_pods,
        control_plane_to_webhooks,
        api_to_database,
        api_to_cache,
        training,
        ingestion,
        operators_to_api,
        alarm_to_subscription,
        nodes_pull_images,
        budget_to_warning,
        finding_to_critical,
        rds_events_to_info,
        service_account_roles,
    )
}


def walk(journey: Journey, world: World) -> list[str]:
    """A journey's broken links; a resource it looks up and does not find is one of them."""
    try:
        return journey(world)
    except KeyError as missing:
        return [f"{journey.__name__}: {missing}"]


def enablers(world: World) -> Iterable[tuple[str, str, str, str | None]]:
    """(journey, resource type, construct path, stack or None for the environment's) of resources a
    journey needs: without any one of them, the journey breaks."""
    for port in CONTROL_PLANE_PORTS:
        yield "control_plane_to_webhooks", INGRESS, f"cluster/nodes_from_cluster_{port.key}", None
    for group in world.stack.resources("aws_lb_target_group").values():
        yield "internet_to_pods", INGRESS, f"monitoring/targets_from_alb_{group['port']}", None
    yield "internet_to_pods", "aws_lb_listener_rule", "monitoring/api_rule", None
    yield "api_to_database", "aws_iam_role_policy", "storage_access/api/policy", None
    yield "api_to_database", EGRESS, "database/proxy_to_database", None
    yield "api_to_cache", EGRESS, "cluster/nodes_to_vpc", None
    yield "api_to_cache", "aws_iam_role_policy", "storage_access/api/policy", None
    yield "training", "aws_iam_role_policy", "storage_access/ml_training/policy", None
    yield "ingestion", "aws_iam_role_policy", "storage_access/ingestion/policy", None
    for cidr in world.config.cluster.api_access.cidrs:
        rule = "cluster/cluster_from_cidr_" + cidr.replace(".", "_").replace("/", "_")
        yield "operators_to_api", INGRESS, rule, None
    yield "internet_to_pods", "aws_iam_role_policy", "load_balancer_controller/irsa/policy", None
    yield "alarm_to_subscription", "aws_sns_topic_policy", "alerts/policy", None
    for email in world.config.alerts.tiers.critical.emails:
        yield "alarm_to_subscription", "aws_sns_topic_subscription", f"alerts/email_{email}", None
    yield "budget_to_warning", "aws_sns_topic_policy", "alerts/warning_policy", None
    for email in world.config.alerts.tiers.warning.emails:
        yield "budget_to_warning", "aws_sns_topic_subscription", f"alerts/warning_email_{email}", None
    yield "finding_to_critical", "aws_sns_topic_policy", "alerts/policy", None
    yield "finding_to_critical", "aws_cloudwatch_event_target", "security/guardduty_target", None
    yield "rds_events_to_info", "aws_sns_topic_policy", "alerts/info_policy", None
    yield "rds_events_to_info", "aws_db_event_subscription", "database/event_subscription", None
    for email in world.config.alerts.tiers.info.emails:
        yield "rds_events_to_info", "aws_sns_topic_subscription", f"alerts/info_email_{email}", None
    yield "operators_to_api", "aws_eks_access_policy_association", "cluster/operator_access_policy", None
    yield "nodes_pull_images", "aws_iam_role_policy_attachment", "cluster/node_AmazonEC2ContainerRegistryPullOnly", None
    for service in world.config.registry.repositories:
        yield "nodes_pull_images", "aws_ecr_repository", f"registry/primary/{service.replace('-', '_')}", None
    if world.services is not None:
        yield "internet_to_pods", "helm_release", "load_balancer_controller", world.services.name


INGRESS, EGRESS = "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"
