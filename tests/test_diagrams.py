"""The pictures of docs/architecture.md: drawn from the synthesized stacks, and they render."""

import os
import re

import pytest

from f1_infra import diagrams, docs
from f1_infra.settings.environment import EnvironmentConfig
from tests.processes import Render
from tests.synth import Stack

MERMAID_BLOCK = re.compile(r"^```mermaid\n.*?^```$", re.MULTILINE | re.DOTALL)


def test_network_shows_every_subnet_and_its_route(stack: Stack, config: EnvironmentConfig) -> None:
    picture = diagrams.network(stack.doc)
    layout = config.network.subnet_layout
    for tier, cidrs in layout.tiers():
        for zone, cidr in zip(config.network.availability_zones, cidrs, strict=True):
            assert f'["{zone}<br/>{cidr}' in picture, (tier, zone, cidr)
    nat_routes = picture.count('-->|"0.0.0.0/0 via NAT"|')
    # One NAT gateway serves the whole private tier (one arrow), or each zone has its own.
    assert nat_routes == (1 if config.network.nat_gateways == "single" else len(config.network.availability_zones))
    assert picture.count("<br/>NAT gateway") == nat_routes
    assert 'tier_public -->|"0.0.0.0/0"|' in picture
    assert '["database subnets: no route out of the VPC"]' in picture
    assert re.search(r'n_aws_lb_\w+\["ALB [^"]*internet-facing"\]', picture)
    assert re.search(r"n_aws_lb_\w+ --- tier_public", picture)
    assert re.search(r"n_aws_eks_node_group_\w+ --- tier_private", picture)
    assert re.search(r"n_aws_db_instance_\w+ --- tier_database", picture)
    assert re.search(r"n_aws_elasticache_replication_group_\w+ --- tier_database", picture)
    assert re.search(r'tier_private -.->\|"prefix list route"\| n_aws_vpc_endpoint_\w+', picture)


def test_traffic_follows_the_security_group_rules(stack: Stack, config: EnvironmentConfig) -> None:
    picture = diagrams.traffic(stack.doc)
    node = re.search(r'(n_\w+)\["EKS nodes and pods<br/>', picture)
    alb = re.search(r'(n_\w+)\["ALB ', picture)
    database = re.search(r'(n_\w+)\["PostgreSQL primary', picture)
    assert node
    assert alb
    assert database
    assert f'n_0_0_0_0_0 -->|"tcp 80, tcp 443"| {alb[1]}' in picture
    assert re.search(rf'{alb[1]} -->\|"tcp \d+, tcp \d+"\| {node[1]}', picture)
    assert f'{node[1]} -->|"tcp 5432"| {database[1]}' in picture
    assert f'{node[1]} -->|"tcp 443"| n_0_0_0_0_0' in picture
    assert ("RDS Proxy" in picture) == config.database.proxy.enabled
    # The control plane: reached by the nodes and the operators' networks, reaching the nodes on its ports.
    control_plane = re.search(r'(n_\w+)\["EKS control plane ', picture)
    assert control_plane
    assert f'{node[1]} -->|"tcp 443"| {control_plane[1]}' in picture
    assert f'{control_plane[1]} -->|"tcp 443, tcp 9443, tcp 10250, tcp 10251"| {node[1]}' in picture
    for cidr in config.cluster.api_access.cidrs:
        assert f'{diagrams._id(cidr)} -->|"tcp 443"| {control_plane[1]}' in picture


def test_trust_names_the_principals_and_what_each_role_reaches(stack: Stack, config: EnvironmentConfig) -> None:
    picture = diagrams.trust(stack.doc)
    for account, grants in config.workloads.service_accounts.items():
        role = re.search(rf'(n_\w+)\["role {config.name_prefix}-{account}-s3"\]', picture)
        assert role, account
        assert re.search(rf'n_pod_with_\w+ -->\|"assumes"\| {role[1]}', picture), account
        if grants.buckets:
            assert re.search(rf'{role[1]} -->\|"[^"]*s3:[^"]*"\| n_aws_s3_bucket_', picture), account
        if grants.training_queue:
            assert re.search(rf'{role[1]} -->\|"sqs:[^"]*"\| n_aws_sqs_queue_', picture), account
        if grants.database:
            # The rds-db user ARN names the proxy through a local: the picture follows it.
            assert re.search(rf'{role[1]} -->\|"rds-db:connect"\| n_aws_db_proxy_', picture), account
    assert '(["service eks.amazonaws.com"])' in picture
    # The operator role: people of this account whose role matches the file's pattern.
    operator = re.search(rf'(n_\w+)\["role {config.name_prefix}-cluster-operator"\]', picture)
    assert operator
    assert re.search(
        r'n_\w+\(\["this account\'s role/aws-reserved/sso.amazonaws.com/\*AWSReservedSSO_PlatformAdmin_\*"\]\)',
        picture,
    )
    assert re.search(rf'n_\w+ -->\|"assumes"\| {operator[1]}', picture)
    assert re.search(rf'{operator[1]} -->\|"eks:DescribeCluster"\| n_aws_eks_cluster_', picture)


def test_disaster_recovery_region_only_where_something_is_kept_there(stack: Stack, config: EnvironmentConfig) -> None:
    picture = diagrams.disaster_recovery(stack.doc)
    if config.disaster_recovery_region is None:
        assert picture == ""
        return
    assert f'["{config.disaster_recovery_region} (disaster recovery)"]' in picture
    replication = config.storage.replication
    by_s3 = f'-->|"replicated by {config.name_prefix}-s3-replication'
    assert picture.count(by_s3) == (len(replication.buckets) if replication else 0)
    replicated = config.registry.repositories if config.registry.replicate else ()
    assert picture.count('-->|"replicated by ECR"|') == len(replicated)
    backups = config.database.backup_replication is not None
    assert picture.count('-->|"automated backups and transaction logs"|') == int(backups)


def test_architecture_shows_the_pictures(stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig]) -> None:
    text = docs.architecture({n: s.doc for n, s in stacks.items()}, list(configs))
    for section in ("## Network", "## Traffic", "## Trust", "## Disaster-recovery region", "## Modules"):
        assert f"\n{section}" in text
    for name in configs:
        assert text.count(f"\n### {name}\n") >= 3


@pytest.mark.render
def test_every_picture_renders(diagram_render: Render) -> None:
    """mermaid-cli draws each block of docs/architecture.md with Chromium; any error fails."""
    result = diagram_render.result()
    if result is None:
        reason = (
            f"{' and '.join(diagram_render.missing)} not found: `npm ci` installs mmdc, "
            "`apt-get install chromium` the browser"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    assert result.returncode == 0, result.stderr[-4000:]
    blocks = len(MERMAID_BLOCK.findall(diagram_render.document.read_text()))
    assert blocks > 0
    assert len(diagram_render.pictures()) == blocks
