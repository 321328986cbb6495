"""The EKS module, per environment: what `terraform apply` would create."""

import ipaddress
import json
import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

import pytest

from f1_infra import diagrams
from f1_infra.constructs.cluster import CONTROL_PLANE_PORTS
from f1_infra.constructs.terraform_agent import has_agent
from f1_infra.iam import account_principals_trust_policy
from f1_infra.settings.base import PRINCIPAL_PATTERN_EXAMPLE, PRINCIPAL_PATTERN_LENGTH_MAX
from f1_infra.settings.cluster import (
    OPERATOR_PATTERNS_MAX,
)
from f1_infra.settings.environment import EnvironmentConfig
from tests.options import ADMIN, ANALYST, BASTION, DEVELOPER
from tests.synth import Stack, policy, statement

if TYPE_CHECKING:
    from cdktf import App

LETTERS = ("a", "b", "c")
GROUPS = ("general", "ml_workload")
ML_TYPES = ["m5.large", "m5a.large", "m5d.large", "m6i.large"]


def cluster_ref(stack: Stack, attribute: str = "name") -> str:
    return stack.ref("aws_eks_cluster", "cluster/cluster", attribute)


def private_subnets(stack: Stack) -> list[str]:
    return [stack.ref("aws_subnet", f"network/private_{x}") for x in LETTERS]


def issuer_host_local(stack: Stack) -> str:
    (name,) = [n for n in stack.doc["locals"] if n.startswith("cluster_oidc_issuer_host")]
    return name


# --------------------------------------------------------------------------- control plane


def test_cluster_version_name_and_role(stack: Stack, config: EnvironmentConfig) -> None:
    cluster = stack.resource("aws_eks_cluster", "cluster/cluster")
    assert cluster["name"] == f"f1-analytics-{stack.name}-eks" == config.cluster_name
    assert cluster["version"] == "1.35"
    assert cluster["role_arn"] == stack.ref("aws_iam_role", "cluster/cluster_role", "arn")
    # No extended-support billing unless the file accepts it.
    assert cluster["upgrade_policy"] == {"support_type": "STANDARD"}


@pytest.mark.parametrize(("env", "protected"), [("dev", False), ("staging", True), ("prod", True)])
def test_deletion_protection_per_environment(stacks: dict[str, Stack], env: str, protected: bool) -> None:
    assert stacks[env].resource("aws_eks_cluster", "cluster/cluster")["deletion_protection"] is protected


def test_endpoint_is_private_only(stack: Stack) -> None:
    vpc = stack.resource("aws_eks_cluster", "cluster/cluster")["vpc_config"]
    assert vpc["endpoint_private_access"] is True
    assert vpc["endpoint_public_access"] is False
    assert "public_access_cidrs" not in vpc
    assert vpc["subnet_ids"] == private_subnets(stack)
    assert vpc["security_group_ids"] == [stack.ref("aws_security_group", "cluster/cluster_security_group")]


def test_api_authentication_keeps_the_creator_admin(stack: Stack) -> None:
    access = stack.resource("aws_eks_cluster", "cluster/cluster")["access_config"]
    assert access == {"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True}
    # The shipped files list no extra administrators (no account ids are invented): the one entry of
    # the cluster module is the operator role's; the cluster services workspace's role gets its entry
    # from the agent's construct (tests/test_services_stack.py).
    entries = [
        e for e in stack.resources("aws_eks_access_entry").values() if "/cluster/" in e["//"]["metadata"]["path"]
    ]
    assert [e["//"]["metadata"]["path"] for e in entries] == [f"{stack.name}/cluster/operator_access"]


def test_secrets_are_encrypted_with_the_environment_key(stack: Stack) -> None:
    cluster = stack.resource("aws_eks_cluster", "cluster/cluster")
    key = stack.ref("aws_kms_key", "kms/key", "arn")
    assert cluster["encryption_config"] == {"provider": {"key_arn": key}, "resources": ["secrets"]}
    grant = policy(stack.resource("aws_iam_role_policy", "cluster/cluster_secrets_key"))
    (only,) = grant["Statement"]
    assert only["Resource"] == [key]
    assert set(only["Action"]) == {"kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"}
    # EKS checks the role can use the key when it creates the cluster: the grant must exist first.
    assert stack.address("aws_iam_role_policy", "cluster/cluster_secrets_key") in cluster["depends_on"]


@pytest.mark.parametrize(
    ("env", "types", "days"),
    [
        ("dev", ["api", "audit", "authenticator"], 30),
        ("staging", ["api", "audit", "authenticator", "controllerManager", "scheduler"], 90),
        ("prod", ["api", "audit", "authenticator", "controllerManager", "scheduler"], 365),
    ],
)
def test_control_plane_logs_per_environment(stacks: dict[str, Stack], env: str, types: list[str], days: int) -> None:
    stack = stacks[env]
    cluster = stack.resource("aws_eks_cluster", "cluster/cluster")
    assert cluster["enabled_cluster_log_types"] == types
    group = stack.resource("aws_cloudwatch_log_group", "cluster/log_group")
    assert group["name"] == f"/aws/eks/f1-analytics-{env}-eks/cluster"
    assert group["retention_in_days"] == days
    assert group["kms_key_id"] == stack.ref("aws_kms_key", "kms/key", "arn")
    # The log group exists before the cluster, or EKS creates its own without retention or KMS.
    assert stack.address("aws_cloudwatch_log_group", "cluster/log_group") in cluster["depends_on"]


def test_cluster_role_is_trusted_by_eks_only(stack: Stack) -> None:
    role = stack.resource("aws_iam_role", "cluster/cluster_role")
    trust = statement(policy(role, "assume_role_policy"), "AssumeRole")
    assert trust["Principal"] == {"Service": "eks.amazonaws.com"}
    attachment = stack.resource("aws_iam_role_policy_attachment", "cluster/cluster_policy")
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
    cluster = stack.resource("aws_eks_cluster", "cluster/cluster")
    assert stack.address("aws_iam_role_policy_attachment", "cluster/cluster_policy") in cluster["depends_on"]


# --------------------------------------------------------------------------- the operator role

# The role of the PlatformAdmin permission set of IAM Identity Center, in whatever region and with
# whatever suffix (docs/modules/cluster.md).
PLATFORM_ADMIN = PRINCIPAL_PATTERN_EXAMPLE


def test_every_shipped_environment_has_an_operator_role_for_platform_admins(config: EnvironmentConfig) -> None:
    operator = config.cluster.operator_role
    assert operator is not None
    assert operator.trusted_principal_arn_patterns == (PLATFORM_ADMIN,)
    assert operator.max_session_hours == 1


def test_operator_role_trusts_only_matching_principals_of_its_own_account(
    stack: Stack, config: EnvironmentConfig
) -> None:
    assert config.cluster.operator_role
    role = stack.resource("aws_iam_role", "cluster/operator_role")
    # A fixed name, which permission sets and CLI profiles name before the role exists.
    assert role["name"] == f"f1-analytics-{stack.name}-cluster-operator"
    assert role["max_session_duration"] == 3600
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    (trust,) = policy(role, "assume_role_policy")["Statement"]
    assert trust == {
        "Sid": "AssumeRole",
        "Effect": "Allow",
        # The account root hands the decision to the account's own policies; the condition keeps
        # every principal out whose ARN matches no pattern. No sts:TagSession, no other account.
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": ["sts:AssumeRole"],
        "Condition": {
            "ArnLike": {"aws:PrincipalArn": list(config.cluster.operator_role.trusted_principal_arn_patterns)}
        },
    }
    # Identity Center roles carry a region in their path, or none for an identity source in us-east-1.
    for sso_role in (
        "role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_PlatformAdmin_1234567890abcdef",
        "role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_abcdef0123456789",
    ):
        assert fnmatchcase(sso_role, PLATFORM_ADMIN.split(":", 5)[-1])
    for other in (
        "role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_ReadOnly_1234567890abcdef",
        "role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_PlatformAdminReadOnly_1234567890abcdef",
        "role/PlatformAdmin",
        f"role/f1-analytics-{stack.name}-api-s3",
    ):
        assert not fnmatchcase(other, PLATFORM_ADMIN.split(":", 5)[-1])


def test_operator_role_may_only_describe_its_cluster(stack: Stack) -> None:
    role = stack.ref("aws_iam_role", "cluster/operator_role")
    inline = [body for body in stack.resources("aws_iam_role_policy").values() if body["role"] == role]
    assert inline == [stack.resource("aws_iam_role_policy", "cluster/operator_policy")]
    assert policy(inline[0])["Statement"] == [
        {
            "Sid": "DescribeCluster",
            "Effect": "Allow",
            "Action": ["eks:DescribeCluster"],
            "Resource": [cluster_ref(stack, "arn")],
        }
    ]
    name = stack.ref("aws_iam_role", "cluster/operator_role", "name")
    assert not [a for a in stack.resources("aws_iam_role_policy_attachment").values() if a["role"] in (role, name)]


def test_operator_role_is_cluster_admin_through_its_access_entry(stack: Stack) -> None:
    entry = stack.resource("aws_eks_access_entry", "cluster/operator_access")
    assert entry == {
        **entry,
        "cluster_name": cluster_ref(stack),
        "principal_arn": stack.ref("aws_iam_role", "cluster/operator_role", "arn"),
        "type": "STANDARD",
    }
    association = stack.resource("aws_eks_access_policy_association", "cluster/operator_access_policy")
    assert association["principal_arn"] == stack.ref("aws_eks_access_entry", "cluster/operator_access", "principal_arn")
    assert association["cluster_name"] == cluster_ref(stack)
    assert association["policy_arn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert association["access_scope"] == {"type": "cluster"}


def test_the_largest_operator_trust_fits_the_trust_policy_quota() -> None:
    """IAM's default quota for a role trust policy is 2,048 characters, white space not counted
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)."""
    prefix = "arn:aws-us-gov:iam::123456789012:role/"
    patterns = [f"{prefix}{i}".ljust(PRINCIPAL_PATTERN_LENGTH_MAX, "x") for i in range(OPERATOR_PATTERNS_MAX)]
    document = json.loads(account_principals_trust_policy("aws-us-gov", "123456789012", patterns))
    assert len(json.dumps(document, separators=(",", ":"))) <= 2048


# --------------------------------------------------------------------------- security groups


def rules_of(stack: Stack, type_: str, group: str) -> dict[str, dict]:
    ref = stack.ref("aws_security_group", f"cluster/{group}")
    return {
        body["//"]["metadata"]["path"].rsplit("/", 1)[-1]: body
        for body in stack.resources(type_).values()
        if body["security_group_id"] == ref
    }


def test_security_group_rules_are_minimal(stack: Stack, config: EnvironmentConfig) -> None:
    cluster_sg = stack.ref("aws_security_group", "cluster/cluster_security_group")
    node_sg = stack.ref("aws_security_group", "cluster/node_security_group")
    alb_sg = stack.ref("aws_security_group", "monitoring/alb_security_group")
    ingress = "aws_vpc_security_group_ingress_rule"
    egress = "aws_vpc_security_group_egress_rule"

    def shape(rule: dict) -> tuple:
        peer = rule.get("referenced_security_group_id") or rule.get("cidr_ipv4")
        return rule["ip_protocol"], rule.get("from_port"), rule.get("to_port"), peer

    operators = {
        f"cluster_from_cidr_{cidr.replace('.', '_').replace('/', '_')}": ("tcp", 443, 443, cidr)
        for cidr in config.cluster.api_access.cidrs
    }
    # The Terraform Cloud agent of a cloud environment reaches the API too (tests/test_services_stack.py).
    agent = (
        {"cluster_from_agent": ("tcp", 443, 443, stack.ref("aws_security_group", "terraform_agent/security_group"))}
        if has_agent(config)
        else {}
    )
    assert {k: shape(r) for k, r in rules_of(stack, ingress, "cluster_security_group").items()} == {
        "cluster_from_nodes_api": ("tcp", 443, 443, node_sg),
        **operators,
        **agent,
    }
    assert {k: shape(r) for k, r in rules_of(stack, ingress, "node_security_group").items()} == {
        **{f"nodes_from_cluster_{p.key}": ("tcp", p.port, p.port, cluster_sg) for p in CONTROL_PLANE_PORTS},
        "nodes_from_nodes": ("-1", None, None, node_sg),
        # The load balancer reaches the pods (monitoring module), on the target groups' ports only.
        **{
            f"targets_from_alb_{g.port}": ("tcp", g.port, g.port, alb_sg)
            for _, g in config.monitoring.alb.target_groups.items()
        },
    }
    assert {k: shape(r) for k, r in rules_of(stack, egress, "cluster_security_group").items()} == {
        f"cluster_to_nodes_{p.key}": ("tcp", p.port, p.port, node_sg) for p in CONTROL_PLANE_PORTS
    }
    assert {k: shape(r) for k, r in rules_of(stack, egress, "node_security_group").items()} == {
        "nodes_to_vpc": ("-1", None, None, config.network.vpc_cidr),
        "nodes_to_https": ("tcp", 443, 443, "0.0.0.0/0"),
    }
    for type_ in (ingress, egress):
        assert all(rule["description"] for rule in stack.resources(type_).values())


# --------------------------------------------------------------------------- the control plane's ports (rule 46)

# What AWS accepts in a security group rule's description.
RULE_DESCRIPTION = re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}")


def test_the_port_table_names_the_component_behind_each_port() -> None:
    by_port = {p.port: p for p in CONTROL_PLANE_PORTS}
    assert len(by_port) == len({p.key for p in CONTROL_PLANE_PORTS}) == len(CONTROL_PLANE_PORTS)
    # The kubelet and 443 webhooks (EKS's requirements), the AWS Load Balancer Controller's and the
    # CloudWatch agent operator's webhooks (9443), and metrics-server of the EKS add-on (10251, not
    # upstream's 4443). Ports of components the platform does not install stay closed.
    assert sorted(by_port) == [443, 9443, 10250, 10251]
    assert "Load Balancer Controller" in by_port[9443].component
    assert "CloudWatch agent operator" in by_port[9443].component
    assert "metrics-server" in by_port[10251].component
    for entry in CONTROL_PLANE_PORTS:
        assert RULE_DESCRIPTION.fullmatch(entry.component), entry
        assert RULE_DESCRIPTION.fullmatch(entry.reason), entry
        assert entry.source.startswith("https://"), entry


def test_the_control_plane_reaches_the_nodes_on_each_port_of_the_table(stack: Stack, app: "App") -> None:
    cluster = app.node.find_child(stack.name).cluster  # type: ignore[attr-defined]
    assert cluster.control_plane_ports == CONTROL_PLANE_PORTS
    cluster_sg = stack.ref("aws_security_group", "cluster/cluster_security_group")
    node_sg = stack.ref("aws_security_group", "cluster/node_security_group")
    for entry in cluster.control_plane_ports:
        ingress = stack.resource("aws_vpc_security_group_ingress_rule", f"cluster/nodes_from_cluster_{entry.key}")
        egress = stack.resource("aws_vpc_security_group_egress_rule", f"cluster/cluster_to_nodes_{entry.key}")
        # In at the node group from the cluster group, and out of the cluster group to the node group.
        assert (ingress["security_group_id"], ingress["referenced_security_group_id"]) == (node_sg, cluster_sg)
        assert (egress["security_group_id"], egress["referenced_security_group_id"]) == (cluster_sg, node_sg)
        for rule in (ingress, egress):
            assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", entry.port, entry.port)
        assert (ingress["description"], egress["description"]) == (entry.reason, entry.component)


# --------------------------------------------------------------------------- operators reach the API (rule 47)

VPN = "10.250.0.0/20"


def test_the_operators_vpn_reaches_the_private_endpoint_on_443(stack: Stack, config: EnvironmentConfig) -> None:
    # The shipped files admit the operators' VPN range, outside every environment's VPC.
    assert config.cluster.api_access.cidrs == (VPN,)
    assert not config.cluster.public_access_cidrs
    rule = stack.resource("aws_vpc_security_group_ingress_rule", "cluster/cluster_from_cidr_10_250_0_0_20")
    assert rule["security_group_id"] == stack.ref("aws_security_group", "cluster/cluster_security_group")
    assert (rule["cidr_ipv4"], rule["ip_protocol"], rule["from_port"], rule["to_port"]) == (VPN, "tcp", 443, 443)
    assert "referenced_security_group_id" not in rule


def test_the_vpn_range_is_outside_every_vpc(configs: dict[str, EnvironmentConfig]) -> None:
    vpn = ipaddress.ip_network(VPN)
    for config in configs.values():
        assert not vpn.overlaps(ipaddress.ip_network(config.network.vpc_cidr)), config.name


# --------------------------------------------------------------------------- node groups


@pytest.mark.parametrize(
    ("env", "general_type", "general_sizes", "ml_sizes"),
    [
        ("dev", "t3.medium", (2, 5, 2), (0, 2, 0)),
        ("staging", "m5.large", (2, 6, 2), (0, 3, 0)),
        ("prod", "m5.xlarge", (3, 10, 3), (1, 6, 1)),
    ],
)
def test_node_groups_per_environment(
    stacks: dict[str, Stack],
    env: str,
    general_type: str,
    general_sizes: tuple[int, int, int],
    ml_sizes: tuple[int, int, int],
) -> None:
    stack = stacks[env]
    general = stack.resource("aws_eks_node_group", "cluster/general")
    ml = stack.resource("aws_eks_node_group", "cluster/ml_workload")

    def sizes(group: dict) -> tuple[int, int, int]:
        scaling = group["scaling_config"]
        return scaling["min_size"], scaling["max_size"], scaling["desired_size"]

    assert (general["instance_types"], general["capacity_type"], sizes(general)) == (
        [general_type],
        "ON_DEMAND",
        general_sizes,
    )
    assert (ml["instance_types"], ml["capacity_type"], sizes(ml)) == (ML_TYPES, "SPOT", ml_sizes)


def test_node_groups_run_in_private_subnets_on_al2023(stack: Stack) -> None:
    for name in GROUPS:
        group = stack.resource("aws_eks_node_group", f"cluster/{name}")
        assert group["cluster_name"] == cluster_ref(stack)
        assert group["subnet_ids"] == private_subnets(stack)
        assert group["ami_type"] == "AL2023_x86_64_STANDARD"
        assert group["node_role_arn"] == stack.ref("aws_iam_role", "cluster/node_role", "arn")
        assert group["node_group_name_prefix"] == f"f1-analytics-{stack.name}-{name.replace('_', '-')}-"
        assert group["update_config"] == {"max_unavailable_percentage": 33}
        # The autoscaler owns the node count; a changed group is replaced before the old one goes.
        assert group["lifecycle"] == {
            "create_before_destroy": True,
            "ignore_changes": ["scaling_config[0].desired_size"],
        }


def test_ml_nodes_are_labelled_and_tainted(stack: Stack) -> None:
    ml = stack.resource("aws_eks_node_group", "cluster/ml_workload")
    assert ml["labels"] == {"workload": "ml"}
    assert ml["taint"] == [{"key": "workload", "value": "ml", "effect": "NO_SCHEDULE"}]
    general = stack.resource("aws_eks_node_group", "cluster/general")
    assert general["labels"] == {"workload": "general"}
    assert "taint" not in general


def test_node_role_policies_are_attached_before_the_node_groups(stack: Stack) -> None:
    role = stack.resource("aws_iam_role", "cluster/node_role")
    assert statement(policy(role, "assume_role_policy"), "AssumeRole")["Principal"] == {"Service": "ec2.amazonaws.com"}
    attachments = {
        stack.address("aws_iam_role_policy_attachment", f"cluster/node_{name}"): name
        for name in ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
    }
    node_role_name = stack.ref("aws_iam_role", "cluster/node_role", "name")
    on_node_role = [
        a["policy_arn"]
        for a in stack.resources("aws_iam_role_policy_attachment").values()
        if a["role"] == node_role_name
    ]
    # The CNI policy lives on vpc-cni's IRSA role, not on every node.
    assert sorted(on_node_role) == sorted(f"arn:aws:iam::aws:policy/{name}" for name in attachments.values())
    for name in GROUPS:
        depends_on = stack.resource("aws_eks_node_group", f"cluster/{name}")["depends_on"]
        assert set(attachments) <= set(depends_on)


@pytest.mark.parametrize(("env", "general_disk"), [("dev", 50), ("staging", 50), ("prod", 100)])
def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume(
    stacks: dict[str, Stack], env: str, general_disk: int
) -> None:
    stack = stacks[env]
    for name, disk in (("general", general_disk), ("ml_workload", 100)):
        template = stack.resource("aws_launch_template", f"cluster/{name}_launch_template")
        assert template["metadata_options"] == {
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 1,
        }
        (root,) = template["block_device_mappings"]
        assert root == {
            "device_name": "/dev/xvda",
            "ebs": {"volume_size": disk, "volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"},
        }
        assert template["vpc_security_group_ids"] == [stack.ref("aws_security_group", "cluster/node_security_group")]
        assert template["name_prefix"] == f"f1-analytics-{env}-{name.replace('_', '-')}-"
        assert "name" not in template
        tagged = {spec["resource_type"]: spec["tags"] for spec in template["tag_specifications"]}
        assert set(tagged) == {"instance", "volume"}
        assert all(tags["Environment"] == env and tags["Project"] == "f1-analytics" for tags in tagged.values())

        group = stack.resource("aws_eks_node_group", f"cluster/{name}")
        assert group["launch_template"] == {
            "id": stack.ref("aws_launch_template", f"cluster/{name}_launch_template"),
            "version": stack.ref("aws_launch_template", f"cluster/{name}_launch_template", "latest_version"),
        }
        assert "disk_size" not in group


# --------------------------------------------------------------------------- add-ons


def test_vpc_cni_comes_before_the_nodes_with_network_policies(stack: Stack) -> None:
    cni = stack.resource("aws_eks_addon", "cluster/vpc_cni")
    assert cni["addon_name"] == "vpc-cni"
    assert json.loads(cni["configuration_values"]) == {"enableNetworkPolicy": "true"}
    assert cni["service_account_role_arn"] == stack.ref("aws_iam_role", "cluster/vpc_cni_irsa/role", "arn")
    # Only its role's policy, which aws-node needs from its first start; nothing that needs nodes.
    assert cni["depends_on"] == [
        stack.address("aws_iam_role_policy_attachment", "cluster/vpc_cni_irsa/AmazonEKS_CNI_Policy")
    ]
    address = stack.address("aws_eks_addon", "cluster/vpc_cni")
    for name in GROUPS:
        assert address in stack.resource("aws_eks_node_group", f"cluster/{name}")["depends_on"]


@pytest.mark.parametrize(
    ("path", "addon"), [("kube_proxy", "kube-proxy"), ("coredns", "coredns"), ("ebs_csi", "aws-ebs-csi-driver")]
)
def test_other_addons_wait_for_the_node_groups(stack: Stack, path: str, addon: str) -> None:
    body = stack.resource("aws_eks_addon", f"cluster/{path}")
    assert body["addon_name"] == addon
    assert body["cluster_name"] == cluster_ref(stack)
    node_groups = [stack.address("aws_eks_node_group", f"cluster/{name}") for name in GROUPS]
    role_policies = (
        [stack.address("aws_iam_role_policy_attachment", "cluster/ebs_csi_irsa/AmazonEBSCSIDriverPolicy")]
        if path == "ebs_csi"
        else []
    )
    assert body["depends_on"] == node_groups + role_policies


def test_addon_conflicts_and_versions(stack: Stack) -> None:
    addons = stack.resources("aws_eks_addon").values()
    assert sorted(a["addon_name"] for a in addons) == [
        "amazon-cloudwatch-observability",
        "aws-ebs-csi-driver",
        "coredns",
        "kube-proxy",
        "metrics-server",
        "vpc-cni",
    ]
    for addon in addons:
        assert addon["resolve_conflicts_on_create"] == addon["resolve_conflicts_on_update"] == "OVERWRITE"
        # The shipped files pin none: each gets its default version for 1.35 at creation.
        assert "addon_version" not in addon


def test_ebs_csi_driver_has_its_irsa_role(stack: Stack) -> None:
    body = stack.resource("aws_eks_addon", "cluster/ebs_csi")
    assert body["service_account_role_arn"] == stack.ref("aws_iam_role", "cluster/ebs_csi_irsa/role", "arn")
    attachment = stack.resource("aws_iam_role_policy_attachment", "cluster/ebs_csi_irsa/AmazonEBSCSIDriverPolicy")
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    cni = stack.resource("aws_iam_role_policy_attachment", "cluster/vpc_cni_irsa/AmazonEKS_CNI_Policy")
    assert cni["policy_arn"] == "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"


def test_metrics_server_is_the_eks_add_on_after_the_nodes(stack: Stack) -> None:
    body = stack.resource("aws_eks_addon", "cluster/metrics_server")
    assert body["addon_name"] == "metrics-server"
    assert body["cluster_name"] == cluster_ref(stack)
    assert "service_account_role_arn" not in body
    assert body["depends_on"] == [stack.address("aws_eks_node_group", f"cluster/{name}") for name in GROUPS]


INSIGHTS = ("application", "dataplane", "host", "performance")


def test_cloudwatch_observability_runs_with_its_role_after_nodes_and_log_groups(stack: Stack) -> None:
    body = stack.resource("aws_eks_addon", "cluster/cloudwatch_observability")
    assert body["addon_name"] == "amazon-cloudwatch-observability"
    assert body["cluster_name"] == cluster_ref(stack)
    assert body["service_account_role_arn"] == stack.ref("aws_iam_role", "cluster/cloudwatch_agent_irsa/role", "arn")
    # Default configuration: Container Insights with enhanced observability and Fluent Bit.
    assert "configuration_values" not in body
    attachments = {
        name: stack.resource("aws_iam_role_policy_attachment", f"cluster/cloudwatch_agent_irsa/{name}")
        for name in ("CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess")
    }
    assert {name: a["policy_arn"] for name, a in attachments.items()} == {
        name: f"arn:aws:iam::aws:policy/{name}" for name in attachments
    }
    assert all(
        a["role"] == stack.ref("aws_iam_role", "cluster/cloudwatch_agent_irsa/role", "name")
        for a in attachments.values()
    )
    assert body["depends_on"] == [
        *(stack.address("aws_eks_node_group", f"cluster/{name}") for name in GROUPS),
        *(stack.address("aws_iam_role_policy_attachment", f"cluster/cloudwatch_agent_irsa/{n}") for n in attachments),
        *(stack.address("aws_cloudwatch_log_group", f"cluster/container_insights_{name}") for name in INSIGHTS),
    ]


@pytest.mark.parametrize(("env", "days"), [("dev", 30), ("staging", 90), ("prod", 365)])
def test_container_insights_log_groups_expire_and_use_the_environment_key(
    stacks: dict[str, Stack], app: "App", env: str, days: int
) -> None:
    stack = stacks[env]
    for name in INSIGHTS:
        group = stack.resource("aws_cloudwatch_log_group", f"cluster/container_insights_{name}")
        # The names the agent and Fluent Bit write to: created here first, or they create them
        # with no expiry and no key.
        assert group["name"] == f"/aws/containerinsights/f1-analytics-{env}-eks/{name}"
        assert group["retention_in_days"] == days
        assert group["kms_key_id"] == stack.ref("aws_kms_key", "kms/key", "arn")
    # Other modules (journey tests, dashboards) find them by name through the construct.
    assert set(app.node.find_child(env).cluster.container_insights_log_groups) == set(INSIGHTS)  # type: ignore[attr-defined]


def test_the_key_lets_cloudwatch_logs_encrypt_the_container_insights_groups(stack: Stack) -> None:
    key = policy(stack.resource("aws_kms_key", "kms/key"))
    logs = statement(key, "CloudWatchLogs")
    assert logs["Principal"] == {"Service": "logs.us-west-2.amazonaws.com"}
    pattern = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    group = f"arn:aws:logs:us-west-2:{account}:log-group:/aws/containerinsights/f1-analytics-{stack.name}-eks/host"
    assert fnmatchcase(group, pattern)


def test_the_dashboard_reads_what_container_insights_publishes(stack: Stack) -> None:
    body = json.loads(stack.resource("aws_cloudwatch_dashboard", "monitoring/dashboard")["dashboard_body"])
    (widget,) = [w for w in body["widgets"] if "Container Insights" in w["properties"].get("title", "")]
    metrics = [[part for part in m if not isinstance(part, dict)] for m in widget["properties"]["metrics"]]
    cluster = f"f1-analytics-{stack.name}-eks"
    # Cluster-level metrics of the ContainerInsights namespace, dimension ClusterName only:
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html
    assert metrics == [
        ["ContainerInsights", "node_cpu_utilization", "ClusterName", cluster],
        ["ContainerInsights", "node_memory_utilization", "ClusterName", cluster],
        ["ContainerInsights", "cluster_node_count", "ClusterName", cluster],
    ]


# --------------------------------------------------------------------------- IRSA


def test_oidc_provider_trusts_the_cluster_issuer(stack: Stack) -> None:
    provider = stack.resource("aws_iam_openid_connect_provider", "cluster/oidc_provider")
    assert provider["url"] == cluster_ref(stack, "identity[0].oidc[0].issuer")
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    local = issuer_host_local(stack)
    assert stack.doc["locals"][local] == (
        "${replace(" + cluster_ref(stack, "identity[0].oidc[0].issuer")[2:-1] + ', "https://", "")}'
    )


@pytest.mark.parametrize(
    ("path", "namespace", "service_account", "role_name"),
    [
        ("vpc_cni_irsa", "kube-system", "aws-node", "vpc-cni"),
        ("ebs_csi_irsa", "kube-system", "ebs-csi-controller-sa", "ebs-csi"),
        ("autoscaler_irsa", "kube-system", "cluster-autoscaler", "cluster-autoscaler"),
        # The CloudWatch agent and Fluent Bit of the amazon-cloudwatch-observability add-on.
        ("cloudwatch_agent_irsa", "amazon-cloudwatch", "cloudwatch-agent", "cloudwatch-agent"),
    ],
)
def test_service_account_role_trust_pins_sub_and_aud(
    stack: Stack, path: str, namespace: str, service_account: str, role_name: str
) -> None:
    role = stack.resource("aws_iam_role", f"cluster/{path}/role")
    assert role["name"] == f"f1-analytics-{stack.name}-{role_name}"
    trust = policy(role, "assume_role_policy")
    (only,) = trust["Statement"]
    assert only["Effect"] == "Allow"
    assert only["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    assert only["Principal"] == {
        "Federated": stack.ref("aws_iam_openid_connect_provider", "cluster/oidc_provider", "arn")
    }
    host = "${local." + issuer_host_local(stack) + "}"
    assert only["Condition"] == {
        "StringEquals": {
            f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
            f"{host}:aud": "sts.amazonaws.com",
        }
    }


# --------------------------------------------------------------------------- cluster autoscaler


def test_autoscaler_policy_is_least_privilege(stack: Stack) -> None:
    document = policy(stack.resource("aws_iam_role_policy", "cluster/autoscaler_irsa/policy"))
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    cluster = f"f1-analytics-{stack.name}-eks"

    scale = statement(document, "ScaleOwnedGroups")
    assert sorted(scale["Action"]) == [
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    ]
    assert scale["Resource"] == [f"arn:aws:autoscaling:us-west-2:{account}:autoScalingGroup:*:autoScalingGroupName/*"]
    assert scale["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}": "owned"}}

    nodegroups = statement(document, "DescribeNodeGroups")
    assert nodegroups["Resource"] == [f"arn:aws:eks:us-west-2:{account}:nodegroup/{cluster}/*/*"]

    discover = statement(document, "Discover")
    assert discover["Resource"] == ["*"]
    # Only reads are unscoped.
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in discover["Action"])
    assert {s["Sid"] for s in document["Statement"]} == {"Discover", "DescribeNodeGroups", "ScaleOwnedGroups"}


def asg_tags(stack: Stack, group: str) -> dict[str, str]:
    asg = "${" + stack.address("aws_eks_node_group", f"cluster/{group}") + ".resources[0].autoscaling_groups[0].name}"
    tags = {}
    for body in stack.resources("aws_autoscaling_group_tag").values():
        if body["autoscaling_group_name"] == asg:
            assert body["tag"]["propagate_at_launch"] is False
            tags[body["tag"]["key"]] = body["tag"]["value"]
    return tags


def test_node_group_asgs_carry_the_discovery_tags(stack: Stack) -> None:
    cluster = f"f1-analytics-{stack.name}-eks"
    template = "k8s.io/cluster-autoscaler/node-template"
    assert asg_tags(stack, "general") == {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{cluster}": "owned",
        f"{template}/label/workload": "general",
    }
    # Label and taint templates let the autoscaler scale the ML group up from zero nodes.
    assert asg_tags(stack, "ml_workload") == {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{cluster}": "owned",
        f"{template}/label/workload": "ml",
        f"{template}/taint/workload": "ml:NoSchedule",
    }


def test_unschedulable_pods_alarm_notifies_the_alerts_topic(stack: Stack) -> None:
    alarm = stack.resource("aws_cloudwatch_metric_alarm", "cluster/unschedulable_pods")
    topic = stack.ref("aws_sns_topic", "alerts/topic", "arn")
    assert alarm["namespace"] == "AWS/EKS"
    assert alarm["metric_name"] == "scheduler_pending_pods_UNSCHEDULABLE"
    assert alarm["dimensions"] == {"ClusterName": f"f1-analytics-{stack.name}-eks"}
    assert (alarm["period"], alarm["evaluation_periods"], alarm["threshold"]) == (60, 15, 0)
    assert alarm["alarm_actions"] == alarm["ok_actions"] == [topic]


def test_cluster_outputs(stack: Stack) -> None:
    outputs = stack.doc["output"]
    assert outputs["cluster_name"]["value"] == cluster_ref(stack)
    assert outputs["cluster_endpoint"]["value"] == cluster_ref(stack, "endpoint")
    assert outputs["oidc_provider_arn"]["value"] == stack.ref(
        "aws_iam_openid_connect_provider", "cluster/oidc_provider", "arn"
    )
    assert outputs["node_security_group_id"]["value"] == stack.ref("aws_security_group", "cluster/node_security_group")
    assert outputs["cluster_autoscaler_role_arn"]["value"] == stack.ref(
        "aws_iam_role", "cluster/autoscaler_irsa/role", "arn"
    )
    assert outputs["cluster_operator_role_arn"]["value"] == stack.ref("aws_iam_role", "cluster/operator_role", "arn")


# --------------------------------------------------------------------------- settings the shipped files leave off


def test_public_endpoint_only_for_listed_cidrs(custom: Stack) -> None:
    vpc = custom.resource("aws_eks_cluster", "cluster/cluster")["vpc_config"]
    assert vpc["endpoint_public_access"] is True
    assert vpc["endpoint_private_access"] is True
    assert vpc["public_access_cidrs"] == ["203.0.113.0/24"]


def test_admin_principals_get_access_entries_with_cluster_admin(custom: Stack) -> None:
    entry = custom.resource("aws_eks_access_entry", "cluster/admin_role_platformadmin")
    assert entry == {**entry, "principal_arn": ADMIN, "type": "STANDARD", "cluster_name": cluster_ref(custom)}
    association = custom.resource("aws_eks_access_policy_association", "cluster/admin_role_platformadmin_policy")
    # Referencing the entry orders the association after it.
    assert association["principal_arn"] == custom.ref(
        "aws_eks_access_entry", "cluster/admin_role_platformadmin", "principal_arn"
    )
    assert association["policy_arn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert association["access_scope"] == {"type": "cluster"}


def test_without_an_operator_role_there_is_no_role_entry_or_output(custom: Stack) -> None:
    assert custom.count("aws_iam_role", "cluster/operator") == 0
    assert custom.count("aws_iam_role_policy", "cluster/operator") == 0
    assert custom.count("aws_eks_access_entry", "cluster/operator") == 0
    assert custom.count("aws_eks_access_policy_association", "cluster/operator") == 0
    assert "cluster_operator_role_arn" not in custom.doc["output"]


def test_extended_support_opt_in_and_pinned_addon(custom: Stack) -> None:
    assert custom.resource("aws_eks_cluster", "cluster/cluster")["upgrade_policy"] == {"support_type": "EXTENDED"}
    assert custom.resource("aws_eks_addon", "cluster/coredns")["addon_version"] == "v1.12.4-eksbuild.1"
    assert custom.resource("aws_eks_addon", "cluster/metrics_server")["addon_version"] == "v0.8.0-eksbuild.1"
    assert "addon_version" not in custom.resource("aws_eks_addon", "cluster/vpc_cni")
    assert "addon_version" not in custom.resource("aws_eks_addon", "cluster/cloudwatch_observability")


def test_namespace_principals_get_an_entry_scoped_to_their_namespaces(custom: Stack) -> None:
    for key, arn, level, namespaces in (
        ("namespace_role_raceanalyst", ANALYST, "View", ["f1-analytics"]),
        ("namespace_user_dev_jane", DEVELOPER, "Edit", ["f1-analytics", "ml-training"]),
    ):
        entry = custom.resource("aws_eks_access_entry", f"cluster/{key}")
        assert entry == {**entry, "principal_arn": arn, "type": "STANDARD", "cluster_name": cluster_ref(custom)}
        association = custom.resource("aws_eks_access_policy_association", f"cluster/{key}_policy")
        assert association["principal_arn"] == custom.ref("aws_eks_access_entry", f"cluster/{key}", "principal_arn")
        assert association["policy_arn"] == f"arn:aws:eks::aws:cluster-access-policy/AmazonEKS{level}Policy"
        assert association["access_scope"] == {"type": "namespace", "namespaces": namespaces}
    # One entry per principal: the administrator's and the two namespace users'.
    assert custom.count("aws_eks_access_entry") == custom.count("aws_eks_access_policy_association") == 3


def test_api_access_admits_each_listed_network_and_group_on_443(custom: Stack) -> None:
    cluster_sg = custom.ref("aws_security_group", "cluster/cluster_security_group")
    sources = {
        "cluster_from_cidr_10_250_0_0_20": ("cidr_ipv4", "10.250.0.0/20"),
        "cluster_from_cidr_192_168_8_0_24": ("cidr_ipv4", "192.168.8.0/24"),
        "cluster_from_sg_0123456789abcdef0": ("referenced_security_group_id", BASTION),
    }
    for rule_id, (key, value) in sources.items():
        rule = custom.resource("aws_vpc_security_group_ingress_rule", f"cluster/{rule_id}")
        assert (rule["security_group_id"], rule[key]) == (cluster_sg, value)
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    ingress = rules_of(custom, "aws_vpc_security_group_ingress_rule", "cluster_security_group")
    assert set(ingress) == {"cluster_from_nodes_api", *sources}
    # The architecture picture shows a group of another stack by its id, like a network.
    picture = diagrams.traffic(custom.doc)
    control_plane = re.search(r'(n_\w+)\["EKS control plane ', picture)
    assert control_plane
    assert '  n_sg_0123456789abcdef0(("sg-0123456789abcdef0"))' in picture
    for source in ("n_sg_0123456789abcdef0", "n_10_250_0_0_20", "n_192_168_8_0_24"):
        assert f'{source} -->|"tcp 443"| {control_plane[1]}' in picture


def test_graviton_group_gets_the_arm_ami(custom: Stack) -> None:
    assert custom.resource("aws_eks_node_group", "cluster/ml_workload")["ami_type"] == "AL2023_ARM_64_STANDARD"
    assert custom.resource("aws_eks_node_group", "cluster/general")["ami_type"] == "AL2023_x86_64_STANDARD"
