"""The VPC module, per environment: what `terraform apply` would create."""

import ipaddress

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.network import compute_subnet_layout
from tests.synth import Stack, policy, statement

TIERS = ("public", "private", "database")
LETTERS = ("a", "b", "c")


def test_vpc_cidr_and_dns(stack: Stack, config: EnvironmentConfig) -> None:
    vpc = stack.resource("aws_vpc", "network/vpc")
    assert vpc["cidr_block"] == config.network.vpc_cidr
    assert vpc["enable_dns_hostnames"] is True
    assert vpc["enable_dns_support"] is True
    assert vpc["tags"]["Name"] == f"f1-analytics-{stack.name}-vpc"


@pytest.mark.parametrize(
    ("env", "vpc_cidr"), [("dev", "10.0.0.0/16"), ("staging", "10.1.0.0/16"), ("prod", "10.2.0.0/16")]
)
def test_each_environment_has_its_own_address_space(stacks: dict[str, Stack], env: str, vpc_cidr: str) -> None:
    # Distinct ranges keep peering or a transit gateway between environments possible later.
    assert stacks[env].resource("aws_vpc", "network/vpc")["cidr_block"] == vpc_cidr


def test_three_subnets_per_tier_one_per_zone(stack: Stack) -> None:
    assert stack.count("aws_subnet") == 9
    for tier in TIERS:
        zones = [stack.resource("aws_subnet", f"network/{tier}_{x}")["availability_zone"] for x in LETTERS]
        assert zones == ["us-west-2a", "us-west-2b", "us-west-2c"]


def test_subnet_cidrs_are_computed_from_the_vpc(stack: Stack, config: EnvironmentConfig) -> None:
    vpc = ipaddress.ip_network(config.network.vpc_cidr)
    cidrs = {
        tier: [ipaddress.ip_network(stack.resource("aws_subnet", f"network/{tier}_{x}")["cidr_block"]) for x in LETTERS]
        for tier in TIERS
    }
    assert [n.prefixlen for n in cidrs["private"]] == [19, 19, 19]
    assert [n.prefixlen for n in cidrs["public"] + cidrs["database"]] == [24] * 6
    every = [n for nets in cidrs.values() for n in nets]
    assert all(n.subnet_of(vpc) for n in every)
    assert not any(a.overlaps(b) for i, a in enumerate(every) for b in every[i + 1 :])


def test_subnet_layout_for_the_seed_vpc() -> None:
    layout = compute_subnet_layout("10.0.0.0/16", 3)
    assert layout.private == ("10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19")
    assert layout.public == ("10.0.128.0/24", "10.0.129.0/24", "10.0.130.0/24")
    assert layout.database == ("10.0.144.0/24", "10.0.145.0/24", "10.0.146.0/24")


def test_no_subnet_assigns_public_ips(stack: Stack) -> None:
    subnets = stack.resources("aws_subnet").values()
    assert len(subnets) == 9
    assert all(body["map_public_ip_on_launch"] is False for body in subnets)


def test_kubernetes_subnet_tags(stack: Stack) -> None:
    cluster_tag = f"kubernetes.io/cluster/f1-analytics-{stack.name}-eks"
    for x in LETTERS:
        public = stack.resource("aws_subnet", f"network/public_{x}")["tags"]
        private = stack.resource("aws_subnet", f"network/private_{x}")["tags"]
        database = stack.resource("aws_subnet", f"network/database_{x}")["tags"]
        assert public["kubernetes.io/role/elb"] == "1"
        assert private["kubernetes.io/role/internal-elb"] == "1"
        assert public[cluster_tag] == private[cluster_tag] == "shared"
        assert not any(k.startswith("kubernetes.io") for k in database)


def test_public_subnets_route_to_the_internet_gateway(stack: Stack) -> None:
    route = stack.resource("aws_route", "network/public_internet")
    assert route["destination_cidr_block"] == "0.0.0.0/0"
    assert route["gateway_id"] == stack.ref("aws_internet_gateway", "network/internet_gateway")
    assert route["route_table_id"] == stack.ref("aws_route_table", "network/public_routes")
    for x in LETTERS:
        association = stack.resource("aws_route_table_association", f"network/public_{x}_association")
        assert association["subnet_id"] == stack.ref("aws_subnet", f"network/public_{x}")
        assert association["route_table_id"] == stack.ref("aws_route_table", "network/public_routes")


@pytest.mark.parametrize(("env", "nat_count"), [("dev", 1), ("staging", 3), ("prod", 3)])
def test_nat_gateways_per_environment(stacks: dict[str, Stack], env: str, nat_count: int) -> None:
    stack = stacks[env]
    assert stack.count("aws_nat_gateway") == nat_count
    assert stack.count("aws_eip") == nat_count
    for x in LETTERS[:nat_count]:
        nat = stack.resource("aws_nat_gateway", f"network/nat_{x}")
        assert nat["subnet_id"] == stack.ref("aws_subnet", f"network/public_{x}")
        assert nat["allocation_id"] == stack.ref("aws_eip", f"network/nat_{x}_ip", "allocation_id")
        assert nat["depends_on"] == [stack.address("aws_internet_gateway", "network/internet_gateway")]
        assert stack.resource("aws_eip", f"network/nat_{x}_ip")["domain"] == "vpc"


def test_private_subnets_reach_the_internet_through_nat(stack: Stack, config: EnvironmentConfig) -> None:
    for x in LETTERS:
        # With a single NAT gateway every zone uses the one in zone a.
        nat = x if config.network.nat_gateways == "one_per_az" else "a"
        route = stack.resource("aws_route", f"network/private_{x}_internet")
        assert route["destination_cidr_block"] == "0.0.0.0/0"
        assert route["nat_gateway_id"] == stack.ref("aws_nat_gateway", f"network/nat_{nat}")
        assert "gateway_id" not in route
        association = stack.resource("aws_route_table_association", f"network/private_{x}_association")
        assert association["route_table_id"] == stack.ref("aws_route_table", f"network/private_{x}_routes")


def test_database_tier_has_no_route_to_the_internet(stack: Stack) -> None:
    table = stack.ref("aws_route_table", "network/database_routes")
    assert not [r for r in stack.resources("aws_route").values() if r["route_table_id"] == table]
    assert "route" not in stack.resource("aws_route_table", "network/database_routes")
    for x in LETTERS:
        association = stack.resource("aws_route_table_association", f"network/database_{x}_association")
        assert association["subnet_id"] == stack.ref("aws_subnet", f"network/database_{x}")
        assert association["route_table_id"] == table


def test_every_subnet_has_exactly_one_route_table(stack: Stack) -> None:
    associated = [a["subnet_id"] for a in stack.resources("aws_route_table_association").values()]
    subnets = ["${aws_subnet." + name + ".id}" for name in stack.resources("aws_subnet")]
    assert sorted(associated) == sorted(subnets)


def test_default_security_group_is_adopted_with_no_rules(stack: Stack) -> None:
    group = stack.resource("aws_default_security_group", "network/default_security_group")
    assert group["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    assert "ingress" not in group
    assert "egress" not in group


def test_flow_logs_go_to_an_encrypted_log_group(stack: Stack, config: EnvironmentConfig) -> None:
    flow_log = stack.resource("aws_flow_log", "network/flow_log")
    assert flow_log["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    assert flow_log["traffic_type"] == "ALL"
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    assert flow_log["log_destination"] == stack.ref("aws_cloudwatch_log_group", "network/flow_logs", "arn")
    assert flow_log["iam_role_arn"] == stack.ref("aws_iam_role", "network/flow_logs_role", "arn")

    group = stack.resource("aws_cloudwatch_log_group", "network/flow_logs")
    assert group["retention_in_days"] == config.network.flow_logs.retention_days
    assert group["kms_key_id"] == stack.ref("aws_kms_key", "kms/key", "arn")


@pytest.mark.parametrize(("env", "days"), [("dev", 30), ("staging", 90), ("prod", 365)])
def test_flow_log_retention_per_environment(stacks: dict[str, Stack], env: str, days: int) -> None:
    assert stacks[env].resource("aws_cloudwatch_log_group", "network/flow_logs")["retention_in_days"] == days


def test_flow_log_role_is_scoped_to_its_log_group(stack: Stack) -> None:
    trust = policy(stack.resource("aws_iam_role", "network/flow_logs_role"), "assume_role_policy")
    assume = statement(trust, "AssumeRole")
    assert assume["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    assert assume["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    assert assume["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":vpc-flow-log/*")

    permissions = policy(stack.resource("aws_iam_role_policy", "network/flow_logs_policy"))
    deliver = statement(permissions, "DeliverFlowLogs")
    assert deliver["Resource"] == [stack.ref("aws_cloudwatch_log_group", "network/flow_logs", "arn") + ":*"]
    assert "logs:PutLogEvents" in deliver["Action"]
    assert all(action.startswith("logs:") and "*" not in action for action in deliver["Action"])
    # Rule 50: an action without resource-level permissions goes on "*", alone in its statement.
    find = statement(permissions, "FindTheLogGroup")
    assert (find["Action"], find["Resource"]) == (["logs:DescribeLogGroups"], ["*"])
    assert [s["Sid"] for s in permissions["Statement"]] == ["DeliverFlowLogs", "FindTheLogGroup"]


def test_subnet_groups_use_the_database_subnets(stack: Stack) -> None:
    database = [stack.ref("aws_subnet", f"network/database_{x}") for x in LETTERS]
    rds = stack.resource("aws_db_subnet_group", "network/db_subnet_group")
    cache = stack.resource("aws_elasticache_subnet_group", "network/cache_subnet_group")
    assert rds["subnet_ids"] == database
    assert cache["subnet_ids"] == database
    assert rds["name"] == f"f1-analytics-{stack.name}-database"


def test_s3_gateway_endpoint_serves_the_private_subnets(stack: Stack) -> None:
    endpoint = stack.resource("aws_vpc_endpoint", "network/s3_endpoint")
    assert endpoint["service_name"] == "com.amazonaws.us-west-2.s3"
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    assert endpoint["route_table_ids"] == [stack.ref("aws_route_table", f"network/private_{x}_routes") for x in LETTERS]


def test_network_outputs(stack: Stack) -> None:
    outputs = stack.doc["output"]
    assert outputs["vpc_id"]["value"] == stack.ref("aws_vpc", "network/vpc")
    for tier in TIERS:
        assert outputs[f"{tier}_subnet_ids"]["value"] == [
            stack.ref("aws_subnet", f"network/{tier}_{x}") for x in LETTERS
        ]
