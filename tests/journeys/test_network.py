"""The security group walker on small hand-written stacks, then on the synthesized ones
(tests/journeys/network.py)."""

from typing import Any

import pytest

from tests.journeys.network import Rule, admits, egress_allows, group_key, groups_of, path_open, rules
from tests.synth import Stack


def meta(path: str) -> dict[str, Any]:
    return {"//": {"metadata": {"path": f"t/{path}"}}}


def sg(name: str) -> str:
    return "${aws_security_group." + name + ".id}"


def block(from_port: int, to_port: int, protocol: str = "tcp", **peers: Any) -> dict[str, Any]:
    return {"from_port": from_port, "to_port": to_port, "protocol": protocol, "self": False, **peers}


def ingress_rule(group: str, **body: Any) -> dict[str, Any]:
    return {"security_group_id": sg(group), **body}


def stack(**resources: dict[str, Any]) -> Stack:
    groups = {
        "web": {**meta("web/security_group"), "ingress": [block(443, 443, cidr_blocks=["0.0.0.0/0"])]},
        "app": {**meta("app/security_group")},
        "db": {**meta("db/security_group"), "egress": []},
    }
    return Stack("t", {"resource": {"aws_security_group": groups, **resources}})


WEB, APP, DB = "web/security_group", "app/security_group", "db/security_group"


def test_groups_are_named_by_path_terraform_name_or_reference() -> None:
    s = stack()
    assert group_key(s, WEB) == group_key(s, "web") == group_key(s, sg("web")) == WEB
    assert group_key(s, "sg-0123") == "sg-0123"
    with pytest.raises(KeyError, match="wbe"):
        group_key(s, "wbe/security_group")


def test_inline_cidr_ingress_and_its_ports() -> None:
    s = stack()
    rule = admits(s, WEB, 443, source_cidr="203.0.113.7")
    assert rule == Rule(WEB, "ingress", "tcp", 443, 443, "0.0.0.0/0", "cidr", "aws_security_group.web.ingress[0]")
    assert admits(s, WEB, 80, source_cidr="203.0.113.7") is None
    assert admits(s, WEB, 443, source_cidr="203.0.113.7", protocol="udp") is None


@pytest.mark.parametrize(("port", "expected"), [(8000, True), (8040, True), (8080, True), (7999, False), (8081, False)])
def test_port_ranges_include_both_ends(port: int, expected: bool) -> None:
    s = stack(
        aws_vpc_security_group_ingress_rule={
            "r": ingress_rule(
                "app", ip_protocol="tcp", from_port=8000, to_port=8080, referenced_security_group_id=sg("web")
            )
        }
    )
    assert (admits(s, APP, port, source_sg=WEB) is not None) is expected


@pytest.mark.parametrize("protocol", ["-1", "all"])
def test_protocol_minus_one_is_every_protocol_and_port(protocol: str) -> None:
    s = stack(
        aws_vpc_security_group_ingress_rule={
            "r": ingress_rule("app", ip_protocol=protocol, referenced_security_group_id=sg("web"))
        }
    )
    for port, proto in ((22, "tcp"), (53, "udp"), (65535, "tcp")):
        assert admits(s, APP, port, source_sg=WEB, protocol=proto) is not None
    assert admits(s, APP, 22, source_sg=DB) is None


def test_protocol_numbers_are_names() -> None:
    s = stack(
        aws_vpc_security_group_ingress_rule={
            "r": ingress_rule("app", ip_protocol="6", from_port=22, to_port=22, cidr_ipv4="10.0.0.0/8")
        }
    )
    assert admits(s, APP, 22, source_cidr="10.1.0.0/16") is not None
    assert admits(s, APP, 22, source_cidr="10.1.0.0/16", protocol="udp") is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("10.2.1.0/24", True),
        ("10.2.0.0/16", True),
        ("10.2.255.9", True),
        ("10.0.0.0/8", False),
        ("10.3.0.0/24", False),
        ("2600:1f14::/56", False),
    ],
)
def test_a_cidr_admits_the_networks_it_contains(source: str, expected: bool) -> None:
    s = stack(
        aws_vpc_security_group_ingress_rule={
            "r": ingress_rule("db", ip_protocol="tcp", from_port=5432, to_port=5432, cidr_ipv4="10.2.0.0/16")
        }
    )
    assert (admits(s, DB, 5432, source_cidr=source) is not None) is expected


def test_ipv6_cidrs_are_their_own_rules() -> None:
    s = stack(
        aws_vpc_security_group_ingress_rule={
            "r": ingress_rule("web", ip_protocol="tcp", from_port=80, to_port=80, cidr_ipv6="::/0")
        }
    )
    assert admits(s, WEB, 80, source_cidr="2600:1f14::/56") is not None
    assert admits(s, WEB, 80, source_cidr="203.0.113.0/24") is None


def test_security_group_references_and_self() -> None:
    groups = {
        "app": {
            **meta("app/security_group"),
            "ingress": [block(0, 0, "-1", self=True), block(9000, 9000, security_groups=[sg("web")])],
        },
        "web": {**meta("web/security_group")},
    }
    s = Stack("t", {"resource": {"aws_security_group": groups}})
    assert admits(s, APP, 9000, source_sg=WEB) is not None
    assert admits(s, APP, 9001, source_sg=WEB) is None
    assert admits(s, APP, 9001, source_sg=APP).address == "aws_security_group.app.ingress[0]"
    # A rule for a group admits members of that group, not addresses it does not know.
    assert admits(s, APP, 9000, source_cidr="10.0.0.0/24") is None


def test_the_older_security_group_rule_resource() -> None:
    s = stack(
        aws_security_group_rule={
            "in": {
                "type": "ingress",
                "security_group_id": sg("db"),
                "protocol": "tcp",
                "from_port": 5432,
                "to_port": 5432,
                "source_security_group_id": sg("app"),
            },
            "out": {
                "type": "egress",
                "security_group_id": sg("app"),
                "protocol": "tcp",
                "from_port": 5432,
                "to_port": 5432,
                "cidr_blocks": ["10.0.0.0/16"],
            },
        }
    )
    assert admits(s, DB, 5432, source_sg=APP).address == "aws_security_group_rule.in"
    assert egress_allows(s, APP, 5432, dest_cidr="10.0.5.0/24").address == "aws_security_group_rule.out"
    assert egress_allows(s, DB, 5432, dest_cidr="10.0.5.0/24") is None


def test_a_path_needs_the_source_egress_as_well_as_the_target_ingress() -> None:
    ingress = {
        "r": ingress_rule("db", ip_protocol="tcp", from_port=5432, to_port=5432, referenced_security_group_id=sg("app"))
    }
    closed = path_open(stack(aws_vpc_security_group_ingress_rule=ingress), APP, DB, 5432)
    assert not closed
    assert closed.ingress is not None
    assert closed.egress is None
    assert closed.reason == ("tcp 5432 from app/security_group to db/security_group: no egress rule lets it out")
    egress = {
        "r": {
            "security_group_id": sg("app"),
            "ip_protocol": "tcp",
            "from_port": 5432,
            "to_port": 5432,
            "referenced_security_group_id": sg("db"),
        }
    }
    opened = path_open(
        stack(aws_vpc_security_group_ingress_rule=ingress, aws_vpc_security_group_egress_rule=egress), APP, DB, 5432
    )
    assert opened
    assert opened.open
    assert opened.reason.startswith(
        "tcp 5432 from app/security_group to db/security_group: out by app/security_group egress"
    )


def test_egress_by_cidr_needs_the_target_address() -> None:
    egress = {"r": {"security_group_id": sg("app"), "ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/16"}}
    ingress = {
        "r": ingress_rule("db", ip_protocol="tcp", from_port=5432, to_port=5432, referenced_security_group_id=sg("app"))
    }
    s = stack(aws_vpc_security_group_ingress_rule=ingress, aws_vpc_security_group_egress_rule=egress)
    assert not path_open(s, APP, DB, 5432)
    assert path_open(s, APP, DB, 5432, target_cidr="10.0.144.0/24")
    assert not path_open(s, APP, DB, 5432, target_cidr="192.168.0.0/24")


def test_a_group_without_egress_rules_lets_nothing_out() -> None:
    # Terraform removes the allow-all egress AWS gives a new group; an empty egress list keeps none.
    s = stack()
    assert egress_allows(s, DB, 443, dest_cidr="0.0.0.0/0") is None
    assert egress_allows(s, APP, 443, dest_cidr="0.0.0.0/0") is None
    assert [r for r in rules(s) if r.direction == "egress"] == []


def test_several_groups_on_one_side_add_up() -> None:
    s = stack(
        aws_vpc_security_group_ingress_rule={
            "r": ingress_rule(
                "db", ip_protocol="tcp", from_port=5432, to_port=5432, referenced_security_group_id=sg("app")
            )
        }
    )
    assert admits(s, [WEB, DB], 5432, source_sg=[WEB, APP]) is not None
    assert admits(s, [WEB, DB], 5432, source_sg=[WEB]) is None


def attached_stack() -> Stack:
    return stack(
        aws_lb={"alb": {**meta("web/alb"), "security_groups": [sg("web")]}},
        aws_db_instance={"db": {**meta("db/instance"), "vpc_security_group_ids": [sg("db")]}},
        aws_db_proxy={"proxy": {**meta("db/proxy"), "vpc_security_group_ids": [sg("db"), sg("app")]}},
        aws_elasticache_replication_group={"cache": {**meta("cache/group"), "security_group_ids": [sg("db")]}},
        aws_ecs_service={"svc": {**meta("app/service"), "network_configuration": {"security_groups": [sg("app")]}}},
        aws_eks_cluster={"eks": {**meta("cluster/cluster"), "vpc_config": {"security_group_ids": [sg("app")]}}},
        aws_launch_template={
            "nodes": {**meta("cluster/nodes_template"), "vpc_security_group_ids": [sg("app")]},
            "bare": {**meta("cluster/bare_template")},
            "eni": {**meta("cluster/eni_template"), "network_interfaces": [{"security_groups": [sg("web")]}]},
        },
        aws_eks_node_group={
            "nodes": {
                **meta("cluster/nodes"),
                "cluster_name": "${aws_eks_cluster.eks.name}",
                "launch_template": {"id": "${aws_launch_template.nodes.id}"},
            },
            "bare": {
                **meta("cluster/bare"),
                "cluster_name": "${aws_eks_cluster.eks.name}",
                "launch_template": {"id": "${aws_launch_template.bare.id}"},
            },
            "plain": {**meta("cluster/plain"), "cluster_name": "${aws_eks_cluster.eks.name}"},
            "eni": {
                **meta("cluster/eni"),
                "cluster_name": "${aws_eks_cluster.eks.name}",
                "launch_template": {"name": "x", "id": "${aws_launch_template.eni.id}"},
            },
        },
    )


@pytest.mark.parametrize(
    ("type_", "path", "expected"),
    [
        ("aws_security_group", WEB, [WEB]),
        ("aws_lb", "web/alb", [WEB]),
        ("aws_db_instance", "db/instance", [DB]),
        ("aws_db_proxy", "db/proxy", [DB, APP]),
        ("aws_elasticache_replication_group", "cache/group", [DB]),
        ("aws_ecs_service", "app/service", [APP]),
        ("aws_eks_cluster", "cluster/cluster", [APP, "cluster/cluster.cluster_security_group_id"]),
        ("aws_eks_node_group", "cluster/nodes", [APP]),
        ("aws_eks_node_group", "cluster/eni", [WEB]),
        ("aws_eks_node_group", "cluster/bare", ["cluster/cluster.cluster_security_group_id"]),
        ("aws_eks_node_group", "cluster/plain", ["cluster/cluster.cluster_security_group_id"]),
    ],
)
def test_groups_of_a_resource(type_: str, path: str, expected: list[str]) -> None:
    assert groups_of(attached_stack(), type_, path) == expected


def test_the_eks_cluster_security_group_has_the_rules_eks_gives_it() -> None:
    s = attached_stack()
    own = "cluster/cluster.cluster_security_group_id"
    assert group_key(s, own) == own
    assert group_key(s, "${aws_eks_cluster.eks.vpc_config[0].cluster_security_group_id}") == own
    assert path_open(s, own, own, 10250, target_cidr="10.0.0.0/16")
    assert egress_allows(s, own, 443, dest_cidr="0.0.0.0/0") is not None
    assert admits(s, own, 443, source_sg=APP) is None


# The synthesized stacks


def test_the_load_balancer_is_open_to_the_internet_on_443_only(stack: Stack) -> None:
    alb = groups_of(stack, "aws_lb", "monitoring/alb")
    assert alb == ["monitoring/alb_security_group"]
    assert admits(stack, alb, 443, source_cidr="0.0.0.0/0") is not None
    assert admits(stack, alb, 80, source_cidr="203.0.113.9") is not None  # redirected to HTTPS
    assert admits(stack, alb, 22, source_cidr="0.0.0.0/0") is None


def test_the_database_admits_postgres_from_the_nodes_and_its_proxy_only(stack: Stack) -> None:
    database = groups_of(stack, "aws_db_instance", "database/instance")
    nodes = groups_of(stack, "aws_eks_node_group", "cluster/general")
    assert database == ["database/security_group"]
    assert nodes == ["cluster/node_security_group"]
    assert admits(stack, database, 5432, source_sg=nodes) is not None
    if stack.count("aws_db_proxy"):
        proxy = groups_of(stack, "aws_db_proxy", "database/proxy")
        assert path_open(stack, proxy, database, 5432)
    admitted = {r.peer for r in rules(stack) if r.group == "database/security_group" and r.direction == "ingress"}
    assert admitted <= {"cluster/node_security_group", "database/proxy_security_group"}
    assert admits(stack, database, 5432, source_sg=groups_of(stack, "aws_lb", "monitoring/alb")) is None
    assert admits(stack, database, 5432, source_cidr="10.0.0.0/8") is None


def test_pods_reach_the_database_and_the_load_balancer_reaches_the_pods(stack: Stack) -> None:
    subnet = {tier: stack.resource("aws_subnet", f"network/{tier}_a")["cidr_block"] for tier in ("private", "database")}
    nodes = groups_of(stack, "aws_eks_node_group", "cluster/general")
    database = groups_of(stack, "aws_db_instance", "database/instance")
    alb = groups_of(stack, "aws_lb", "monitoring/alb")
    # The nodes' egress is written with the VPC's CIDR: the path needs to know where the database is.
    assert not path_open(stack, nodes, database, 5432)
    assert path_open(stack, nodes, database, 5432, target_cidr=subnet["database"])
    assert path_open(stack, alb, nodes, 8000, target_cidr=subnet["private"])
    to_database = path_open(stack, alb, database, 5432, target_cidr=subnet["database"])
    assert not to_database
    assert to_database.reason.endswith("no egress rule lets it out and no ingress rule lets it in")
