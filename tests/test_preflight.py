"""`python -m f1_infra preflight`: every check against botocore-stubbed clients, offline."""

import email.message
import functools
import io
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import NoCredentialsError, PartialCredentialsError
from botocore.stub import Stubber

from f1_infra import preflight
from f1_infra.__main__ import main
from f1_infra.config import DEFAULT_ENVS_DIR, PROJECT_ROOT, load_files
from f1_infra.preflight import Clients, Result
from f1_infra.settings.backend import CloudBackend
from f1_infra.settings.environment import EnvironmentConfig

REGION = "us-west-2"
# The shipped staging file's account.
ACCOUNT = "111122223333"
ZONES = ("us-west-2a", "us-west-2b", "us-west-2c")
CERTIFICATE = "arn:aws:acm:us-west-2:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789012"
SERVICES = {"ec2", "eks", "rds", "elasticache", "acm", "service-quotas", "sts", "route53"}


@pytest.fixture(scope="module")
def staging() -> EnvironmentConfig:
    """Three zones, a NAT gateway in each, two node groups (five instance types), a Multi-AZ
    primary without replicas, three shards of two cache nodes, a Terraform Cloud workspace."""
    (config,) = load_files([DEFAULT_ENVS_DIR / "staging.json"])
    assert config.network.availability_zones == ZONES
    return config


def changed(config: EnvironmentConfig, section: str, **values: Any) -> EnvironmentConfig:
    return config.model_copy(update={section: getattr(config, section).model_copy(update=values)})


def with_certificate(config: EnvironmentConfig, arn: str) -> EnvironmentConfig:
    alb = config.monitoring.alb
    alb = alb.model_copy(update={"certificate": alb.certificate.model_copy(update={"arn": arn})})
    return changed(config, "monitoring", alb=alb)


@functools.cache
def _clients() -> dict[str, BaseClient]:
    """One client per service for the whole module: making them reads every service model, a
    third of a second a test; each test stubs them afresh."""
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    return {name: session.client(name) for name in SERVICES}


class Stubs:
    """A stubbed client per service, all in one fake session."""

    def __init__(self) -> None:
        self.clients = _clients()
        self.stubbers = {name: Stubber(client) for name, client in self.clients.items()}
        self.regions: set[str | None] = set()

    def __getitem__(self, service: str) -> Stubber:
        return self.stubbers[service]

    def client(self, name: str, region_name: str | None = None) -> BaseClient:
        self.regions.add(region_name)
        return self.clients[name]

    @property
    def aws(self) -> Clients:
        return Clients.of(self, REGION)

    def quota(self, service: str, code: str, value: float) -> None:
        self["service-quotas"].add_response(
            "get_service_quota",
            {"Quota": {"ServiceCode": service, "QuotaCode": code, "Value": value}},
            {"ServiceCode": service, "QuotaCode": code},
        )


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    stubs = Stubs()
    for stubber in stubs.stubbers.values():
        stubber.activate()
    yield stubs
    for stubber in stubs.stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def statuses(results: list[Result]) -> list[tuple[str, str]]:
    return [(r.name, r.status) for r in results]


# --------------------------------------------------------------------------- quotas


def test_quota_value_is_the_applied_value(stubs: Stubs) -> None:
    stubs.quota("ec2", "L-0263D0A3", 20)
    assert preflight.quota_value(stubs.aws.quotas, preflight.EIPS) == 20


def test_quota_value_falls_back_to_the_default_when_none_is_applied(stubs: Stubs) -> None:
    stubs["service-quotas"].add_client_error("get_service_quota", "NoSuchResourceException")
    stubs["service-quotas"].add_response(
        "get_aws_default_service_quota",
        {"Quota": {"Value": 5.0}},
        {"ServiceCode": "ec2", "QuotaCode": "L-0263D0A3"},
    )
    assert preflight.quota_value(stubs.aws.quotas, preflight.EIPS) == 5


def addresses(stubs: Stubs, count: int) -> None:
    stubs["ec2"].add_response(
        "describe_addresses",
        {"Addresses": [{"PublicIp": f"203.0.113.{i}"} for i in range(count)]},
        {"Filters": [{"Name": "domain", "Values": ["vpc"]}]},
    )


def test_eips_one_per_nat_gateway_fit(stubs: Stubs, staging: EnvironmentConfig) -> None:
    addresses(stubs, 2)
    stubs.quota("ec2", "L-0263D0A3", 5)
    (result,) = preflight.check_eips(stubs.aws, staging)
    assert result == Result("EC2-VPC Elastic IPs", "ok", "2 in use + 3 planned = 5 of 5 (ec2 L-0263D0A3)")


def test_eips_over_the_quota_fail(stubs: Stubs, staging: EnvironmentConfig) -> None:
    addresses(stubs, 3)
    stubs.quota("ec2", "L-0263D0A3", 5)
    (result,) = preflight.check_eips(stubs.aws, staging)
    assert result.status == "FAIL"
    assert result.detail.startswith("3 in use + 3 planned = 6 of 5 (ec2 L-0263D0A3): request an increase")


def test_a_single_nat_gateway_needs_one_eip(stubs: Stubs, staging: EnvironmentConfig) -> None:
    addresses(stubs, 4)
    stubs.quota("ec2", "L-0263D0A3", 5)
    (result,) = preflight.check_eips(stubs.aws, changed(staging, "network", nat_gateways="single"))
    assert (result.status, result.detail) == ("ok", "4 in use + 1 planned = 5 of 5 (ec2 L-0263D0A3)")


@pytest.mark.parametrize(("existing", "status"), [(4, "ok"), (5, "FAIL")])
def test_vpcs(stubs: Stubs, staging: EnvironmentConfig, existing: int, status: str) -> None:
    stubs["ec2"].add_response("describe_vpcs", {"Vpcs": [{"VpcId": f"vpc-{i}"} for i in range(existing)]})
    stubs.quota("vpc", "L-F678F1CE", 5)
    (result,) = preflight.check_vpcs(stubs.aws, staging)
    assert (result.name, result.status) == ("VPCs per Region", status)
    assert result.detail.startswith(f"{existing} in use + 1 planned = {existing + 1} of 5")


def nat_gateways(stubs: Stubs, zones: list[str]) -> None:
    stubs["ec2"].add_response(
        "describe_nat_gateways",
        {"NatGateways": [{"NatGatewayId": f"nat-{i}", "SubnetId": f"subnet-{i}"} for i in range(len(zones))]},
        {"Filter": [{"Name": "state", "Values": ["pending", "available"]}]},
    )
    if zones:
        stubs["ec2"].add_response(
            "describe_subnets",
            {"Subnets": [{"SubnetId": f"subnet-{i}", "AvailabilityZone": z} for i, z in enumerate(zones)]},
            {"SubnetIds": [f"subnet-{i}" for i in range(len(zones))]},
        )


def test_nat_gateways_with_room_in_every_zone_show_the_fullest(stubs: Stubs, staging: EnvironmentConfig) -> None:
    nat_gateways(stubs, ["us-west-2b", "us-west-2b", "us-west-2a", "eu-west-1a"])
    stubs.quota("vpc", "L-FE5A380F", 5)
    assert preflight.check_nat_gateways(stubs.aws, staging) == [
        Result("NAT gateways per AZ", "ok", "us-west-2b: 2 in use + 1 planned = 3 of 5 (vpc L-FE5A380F)")
    ]


def test_nat_gateways_fail_in_each_full_zone(stubs: Stubs, staging: EnvironmentConfig) -> None:
    nat_gateways(stubs, ["us-west-2a"] * 2 + ["us-west-2c"] * 2 + ["us-west-2b"])
    stubs.quota("vpc", "L-FE5A380F", 2)
    results = preflight.check_nat_gateways(stubs.aws, staging)
    assert [(r.status, r.detail.split(":")[0]) for r in results] == [("FAIL", "us-west-2a"), ("FAIL", "us-west-2c")]


def test_a_single_nat_gateway_counts_in_the_first_zone_only(stubs: Stubs, staging: EnvironmentConfig) -> None:
    nat_gateways(stubs, [])
    stubs.quota("vpc", "L-FE5A380F", 5)
    (result,) = preflight.check_nat_gateways(stubs.aws, changed(staging, "network", nat_gateways="single"))
    assert result.detail.startswith("us-west-2a: 0 in use + 1 planned")


@pytest.mark.parametrize(("existing", "status"), [(99, "ok"), (100, "FAIL")])
def test_eks_clusters(stubs: Stubs, staging: EnvironmentConfig, existing: int, status: str) -> None:
    names = [f"cluster-{i}" for i in range(existing)]
    # Two pages: the paginator's pages all count.
    stubs["eks"].add_response("list_clusters", {"clusters": names[:50], "nextToken": "more"})
    stubs["eks"].add_response("list_clusters", {"clusters": names[50:]}, {"nextToken": "more"})
    stubs.quota("eks", "L-1194D53C", 100)
    (result,) = preflight.check_eks_clusters(stubs.aws, staging)
    assert (result.name, result.status) == ("EKS clusters", status)


@pytest.mark.parametrize(("replicas", "status"), [(0, "ok"), (2, "FAIL")])
def test_db_instances_count_the_primary_and_each_replica(
    stubs: Stubs, staging: EnvironmentConfig, replicas: int, status: str
) -> None:
    stubs["rds"].add_response(
        "describe_db_instances", {"DBInstances": [{"DBInstanceIdentifier": f"db-{i}"} for i in range(38)]}
    )
    stubs.quota("rds", "L-7B6409FD", 40)
    (result,) = preflight.check_db_instances(stubs.aws, changed(staging, "database", read_replicas=replicas))
    assert result.status == status
    assert result.detail.startswith(f"38 in use + {1 + replicas} planned")


@pytest.mark.parametrize(("existing", "status"), [(294, "ok"), (295, "FAIL")])
def test_cache_nodes_count_every_node_of_every_shard(
    stubs: Stubs, staging: EnvironmentConfig, existing: int, status: str
) -> None:
    clusters = [
        {"CacheClusterId": "other-a", "NumCacheNodes": existing - 1},
        {"CacheClusterId": "b", "NumCacheNodes": 1},
    ]
    stubs["elasticache"].add_response("describe_cache_clusters", {"CacheClusters": clusters})
    stubs.quota("elasticache", "L-DFE45DF3", 300)
    (result,) = preflight.check_cache_nodes(stubs.aws, staging)
    assert result.status == status
    assert result.detail.startswith(f"{existing} in use + 6 planned")  # 3 shards x (primary + 1 replica)


# --------------------------------------------------------------------------- offerings


ALL_TYPES = ["m5.large", "m5a.large", "m5d.large", "m6i.large"]


def offerings(stubs: Stubs, offered: list[tuple[str, str]]) -> None:
    stubs["ec2"].add_response(
        "describe_instance_type_offerings",
        {
            "InstanceTypeOfferings": [
                {"InstanceType": t, "Location": z, "LocationType": "availability-zone"} for t, z in offered
            ]
        },
        {
            "LocationType": "availability-zone",
            "Filters": [{"Name": "location", "Values": list(ZONES)}, {"Name": "instance-type", "Values": ALL_TYPES}],
        },
    )


def test_instance_types_offered_in_every_zone(stubs: Stubs, staging: EnvironmentConfig) -> None:
    offerings(stubs, [(t, z) for t in ALL_TYPES for z in ZONES])
    assert statuses(preflight.check_instance_types(stubs.aws, staging)) == [
        ("EC2 instance types (general)", "ok"),
        ("EC2 instance types (ml_workload)", "ok"),
    ]


def test_instance_types_missing_in_a_zone_fail_their_node_group(stubs: Stubs, staging: EnvironmentConfig) -> None:
    offerings(stubs, [(t, z) for t in ALL_TYPES for z in ZONES if (t, z) != ("m5d.large", "us-west-2c")])
    general, ml = preflight.check_instance_types(stubs.aws, staging)
    assert general.status == "ok"
    assert ml == Result("EC2 instance types (ml_workload)", "FAIL", "not offered: m5d.large in us-west-2c")


def orderable(stubs: Stubs, instance_class: str, options: list[tuple[str, bool]]) -> None:
    stubs["rds"].add_response(
        "describe_orderable_db_instance_options",
        {
            "OrderableDBInstanceOptions": [
                {"Engine": "postgres", "EngineVersion": v, "DBInstanceClass": instance_class, "MultiAZCapable": m}
                for v, m in options
            ]
        },
        {"Engine": "postgres", "DBInstanceClass": instance_class},
    )


def test_db_class_orderable_multi_az_in_the_major_version(stubs: Stubs, staging: EnvironmentConfig) -> None:
    orderable(stubs, "db.r5.xlarge", [("14.9", True), ("15.4", True), ("15.7", True)])
    assert preflight.check_db_classes(stubs.aws, staging) == [
        Result("RDS instance class", "ok", "db.r5.xlarge postgres 15 Multi-AZ is orderable")
    ]


@pytest.mark.parametrize("options", [[("14.9", True), ("16.1", True)], [("15.4", False)], []])
def test_db_class_not_orderable_fails(
    stubs: Stubs, staging: EnvironmentConfig, options: list[tuple[str, bool]]
) -> None:
    orderable(stubs, "db.r5.xlarge", options)
    assert preflight.check_db_classes(stubs.aws, staging) == [
        Result("RDS instance class", "FAIL", "db.r5.xlarge postgres 15 Multi-AZ is not orderable in us-west-2")
    ]


def test_replicas_of_their_own_class_are_checked_single_az(stubs: Stubs, staging: EnvironmentConfig) -> None:
    config = changed(staging, "database", read_replicas=1, replica_instance_class="db.r5.large")
    orderable(stubs, "db.r5.xlarge", [("15.4", True)])
    orderable(stubs, "db.r5.large", [("15.4", False)])
    assert preflight.check_db_classes(stubs.aws, config) == [
        Result("RDS instance class", "ok", "db.r5.xlarge postgres 15 Multi-AZ is orderable"),
        Result("RDS replica class", "ok", "db.r5.large postgres 15 is orderable"),
    ]


def reserved_offerings(stubs: Stubs, count: int) -> None:
    stubs["elasticache"].add_response(
        "describe_reserved_cache_nodes_offerings",
        {"ReservedCacheNodesOfferings": [{"ReservedCacheNodesOfferingId": str(i)} for i in range(count)]},
        {"CacheNodeType": "cache.r7g.large", "MaxRecords": 20},
    )


def test_cache_node_type_offered(stubs: Stubs, staging: EnvironmentConfig) -> None:
    reserved_offerings(stubs, 3)
    assert statuses(preflight.check_cache_node_type(stubs.aws, staging)) == [("ElastiCache node type", "ok")]


def test_cache_node_type_without_offerings_fails(stubs: Stubs, staging: EnvironmentConfig) -> None:
    reserved_offerings(stubs, 0)
    assert preflight.check_cache_node_type(stubs.aws, staging) == [
        Result("ElastiCache node type", "FAIL", "cache.r7g.large is not offered in us-west-2")
    ]


@pytest.mark.parametrize(
    ("versions", "extended", "status", "detail"),
    [
        ([("1.35", "standard-support")], False, "ok", "1.35: standard-support"),
        ([("1.35", "extended-support")], True, "ok", "1.35: extended-support"),
        ([("1.35", "extended-support")], False, "FAIL", "1.35 is in extended support and allow_extended_support is"),
        ([("1.35", "unsupported")], False, "FAIL", "1.35 is not offered by EKS in us-west-2 (unsupported)"),
        ([], False, "FAIL", "1.35 is not offered by EKS in us-west-2 (unknown)"),
    ],
)
def test_kubernetes_version(
    stubs: Stubs, staging: EnvironmentConfig, versions: list[tuple[str, str]], extended: bool, status: str, detail: str
) -> None:
    stubs["eks"].add_response(
        "describe_cluster_versions",
        {"clusterVersions": [{"clusterVersion": v, "status": s} for v, s in versions]},
        {"clusterVersions": ["1.35"], "includeAll": True},
    )
    (result,) = preflight.check_kubernetes_version(
        stubs.aws, changed(staging, "cluster", allow_extended_support=extended)
    )
    assert result.status == status
    assert result.detail.startswith(detail)


ADDONS = (
    "vpc-cni",
    "kube-proxy",
    "coredns",
    "aws-ebs-csi-driver",
    "metrics-server",
    "amazon-cloudwatch-observability",
)


def addon_versions(stubs: Stubs, offered: dict[str, list[str]], version: str = "1.35") -> None:
    """describe_addon_versions per add-on, in the order the check asks: the versions offered."""
    for addon in ADDONS:
        found = [{"addonName": addon, "addonVersions": [{"addonVersion": v} for v in offered.get(addon, [])]}]
        stubs["eks"].add_response(
            "describe_addon_versions",
            {"addons": found if addon in offered else []},
            {"addonName": addon, "kubernetesVersion": version},
        )


OFFERED = {addon: ["v1.0.0-eksbuild.1", "v1.1.0-eksbuild.1"] for addon in ADDONS}


def test_every_addon_of_the_cluster_is_offered(stubs: Stubs, staging: EnvironmentConfig) -> None:
    assert set(staging.cluster.addon_versions.by_addon()) == set(ADDONS)
    addon_versions(stubs, OFFERED)
    (result,) = preflight.check_addons(stubs.aws, staging)
    assert (result.name, result.status) == ("EKS add-ons", "ok")
    assert result.detail == f"{', '.join(ADDONS)} offered for Kubernetes 1.35"


def test_an_addon_missing_for_the_version_or_a_pinned_version_missing_fails(
    stubs: Stubs, staging: EnvironmentConfig
) -> None:
    offered = {addon: versions for addon, versions in OFFERED.items() if addon != "metrics-server"}
    addon_versions(stubs, offered)
    pinned = staging.cluster.addon_versions.model_copy(update={"amazon_cloudwatch_observability": "v9.9.9-eksbuild.1"})
    (result,) = preflight.check_addons(stubs.aws, changed(staging, "cluster", addon_versions=pinned))
    assert result.status == "FAIL"
    assert result.detail == (
        "metrics-server is not offered for Kubernetes 1.35; amazon-cloudwatch-observability v9.9.9-eksbuild.1 is not "
        "offered for Kubernetes 1.35 (offered: v1.0.0-eksbuild.1, v1.1.0-eksbuild.1) in us-west-2"
    )


def test_no_certificate_arn_is_skipped(stubs: Stubs, staging: EnvironmentConfig) -> None:
    assert statuses(preflight.check_certificate(stubs.aws, staging)) == [("ACM certificate", "skip")]


@pytest.mark.parametrize(("state", "status"), [("ISSUED", "ok"), ("PENDING_VALIDATION", "FAIL"), ("EXPIRED", "FAIL")])
def test_certificate_must_be_issued(stubs: Stubs, staging: EnvironmentConfig, state: str, status: str) -> None:
    stubs["acm"].add_response(
        "describe_certificate",
        {"Certificate": {"CertificateArn": CERTIFICATE, "Status": state}},
        {"CertificateArn": CERTIFICATE},
    )
    (result,) = preflight.check_certificate(stubs.aws, with_certificate(staging, CERTIFICATE))
    assert (result.status, state in result.detail) == (status, True)


def test_missing_certificate_fails(stubs: Stubs, staging: EnvironmentConfig) -> None:
    stubs["acm"].add_client_error("describe_certificate", "ResourceNotFoundException")
    assert preflight.check_certificate(stubs.aws, with_certificate(staging, CERTIFICATE)) == [
        Result("ACM certificate", "FAIL", f"{CERTIFICATE} does not exist in us-west-2")
    ]


# --------------------------------------------------------------------------- Terraform Cloud


def test_token_of_the_host_comes_before_tfe_token() -> None:
    environ = {"TF_TOKEN_app_terraform_io": "host", "TFE_TOKEN": "generic", "TF_TOKEN_tfe_my__corp_example": "corp"}
    assert preflight.tfc_token("app.terraform.io", environ) == "host"
    assert preflight.tfc_token("tfe.my-corp.example", environ) == "corp"
    assert preflight.tfc_token("other.example", environ) == "generic"
    assert preflight.tfc_token("app.terraform.io", {}) is None


def backend(staging: EnvironmentConfig) -> CloudBackend:
    assert isinstance(staging.backend, CloudBackend)
    return staging.backend


def test_workspace_exists(staging: EnvironmentConfig) -> None:
    requests: list[urllib.request.Request] = []

    def opener(request: urllib.request.Request) -> int:
        requests.append(request)
        return 200

    assert statuses(preflight.check_workspace(backend(staging), "secret", opener)) == [
        ("Terraform Cloud workspace", "ok")
    ]
    (request,) = requests
    assert (
        request.full_url == "https://app.terraform.io/api/v2/organizations/f1-analytics/workspaces/f1-analytics-staging"
    )
    assert request.get_method() == "GET"
    assert request.get_header("Authorization") == "Bearer secret"


def refusing(error: Exception) -> preflight.Opener:
    def opener(request: urllib.request.Request) -> int:
        raise error

    return opener


def http_error(code: int) -> urllib.error.HTTPError:
    return urllib.error.HTTPError("https://app.terraform.io/", code, "refused", email.message.Message(), None)


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (http_error(404), "not found (or the token cannot see it): run `make deploy ENV=bootstrap` first"),
        (http_error(401), "the token was refused (HTTP 401)"),
        (http_error(500), "HTTP 500"),
        (
            urllib.error.URLError("Name or service not known"),
            "cannot reach app.terraform.io (Name or service not known)",
        ),
        (TimeoutError("timed out"), "cannot reach app.terraform.io (timed out)"),
    ],
)
def test_workspace_failures(staging: EnvironmentConfig, error: Exception, detail: str) -> None:
    (result,) = preflight.check_workspace(backend(staging), "secret", refusing(error))
    assert result.status == "FAIL"
    assert detail in result.detail
    assert "app.terraform.io/f1-analytics/f1-analytics-staging" in result.detail


def test_workspace_without_a_token_is_skipped(staging: EnvironmentConfig) -> None:
    (result,) = preflight.check_workspace(backend(staging), None, refusing(AssertionError("no request")))
    assert result.status == "skip"


# --------------------------------------------------------------------------- the command


def source_regions(stubs: Stubs, *, supported: bool) -> None:
    stubs["rds"].add_response(
        "describe_source_regions",
        {"SourceRegions": [{"RegionName": REGION, "SupportsDBInstanceAutomatedBackupsReplication": supported}]},
        {"RegionName": REGION},
    )


@pytest.mark.parametrize(("supported", "status"), [(True, "ok"), (False, "FAIL")])
def test_backup_replication_needs_the_dr_region_to_accept_the_environments(
    stubs: Stubs, staging: EnvironmentConfig, supported: bool, status: str
) -> None:
    source_regions(stubs, supported=supported)
    clients = Clients.of(stubs, REGION, "us-east-1")
    (result,) = preflight.check_backup_replication(clients, staging)
    assert (result.name, result.status) == ("RDS backup replication", status)
    if not supported:
        assert result.detail.startswith("us-east-1 does not accept automated backups of us-west-2")


def test_no_backup_replication_check_without_replication(stubs: Stubs, staging: EnvironmentConfig) -> None:
    without = changed(staging, "database", backup_replication=None)
    assert preflight.check_backup_replication(Clients.of(stubs, REGION, "us-east-1"), without) == []


def all_passing(stubs: Stubs, *, deny_db_instances: bool = False) -> None:
    """The calls of every AWS check of staging, in order, each answered so that it passes (but
    for DescribeDBInstances when it is denied)."""
    stubs["sts"].add_response("get_caller_identity", {"Account": ACCOUNT})
    addresses(stubs, 0)
    stubs.quota("ec2", "L-0263D0A3", 5)
    stubs["ec2"].add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-default"}]})
    stubs.quota("vpc", "L-F678F1CE", 5)
    nat_gateways(stubs, [])
    stubs.quota("vpc", "L-FE5A380F", 5)
    stubs["eks"].add_response("list_clusters", {"clusters": []})
    stubs.quota("eks", "L-1194D53C", 100)
    if deny_db_instances:
        stubs["rds"].add_client_error(
            "describe_db_instances", "AccessDenied", "not authorized to rds:DescribeDBInstances"
        )
    else:
        stubs["rds"].add_response("describe_db_instances", {"DBInstances": []})
        stubs.quota("rds", "L-7B6409FD", 40)
    stubs["elasticache"].add_response("describe_cache_clusters", {"CacheClusters": []})
    stubs.quota("elasticache", "L-DFE45DF3", 300)
    offerings(stubs, [(t, z) for t in ALL_TYPES for z in ZONES])
    orderable(stubs, "db.r5.xlarge", [("15.7", True)])
    source_regions(stubs, supported=True)
    reserved_offerings(stubs, 1)
    stubs["eks"].add_response(
        "describe_cluster_versions", {"clusterVersions": [{"clusterVersion": "1.35", "status": "standard-support"}]}
    )
    addon_versions(stubs, OFFERED)
    hosted_zone(stubs, "staging.f1-analytics.example.")


def hosted_zone(stubs: Stubs, name: str, *, private: bool = False) -> None:
    stubs["route53"].add_response(
        "get_hosted_zone",
        {
            "HostedZone": {
                "Id": "/hostedzone/Z0STAGINGF1EXAMPLE01",
                "Name": name,
                "CallerReference": "x",
                "Config": {"PrivateZone": private},
            },
            "DelegationSet": {"NameServers": ["ns-1.awsdns-00.com"]},
        },
        {"Id": "Z0STAGINGF1EXAMPLE01"},
    )


@pytest.mark.parametrize(
    ("name", "private", "status", "detail"),
    [
        (
            "f1-analytics.example.",
            False,
            "ok",
            "Z0STAGINGF1EXAMPLE01 (f1-analytics.example) holds staging.f1-analytics",
        ),
        ("other.example.", False, "FAIL", "Z0STAGINGF1EXAMPLE01 is other.example, which does not hold staging.f1-"),
        ("staging.f1-analytics.example.", True, "FAIL", "is private; DNS validation needs a public zone"),
    ],
)
def test_the_hosted_zone_must_be_public_and_hold_the_domain(
    stubs: Stubs, staging: EnvironmentConfig, name: str, private: bool, status: str, detail: str
) -> None:
    hosted_zone(stubs, name, private=private)
    (result,) = preflight.check_hosted_zone(stubs.aws, staging)
    assert result.status == status
    assert detail in result.detail


def test_a_missing_hosted_zone_fails(stubs: Stubs, staging: EnvironmentConfig) -> None:
    stubs["route53"].add_client_error("get_hosted_zone", "NoSuchHostedZone")
    (result,) = preflight.check_hosted_zone(stubs.aws, staging)
    assert (result.status, result.detail) == ("FAIL", "Z0STAGINGF1EXAMPLE01 does not exist in this account")


def test_credentials_of_another_account_fail_the_account_check(staging: EnvironmentConfig) -> None:
    (result,) = preflight.check_account("999988887777", staging)
    assert result.status == "FAIL"
    assert result.detail.startswith("the credentials are in 999988887777, the file's account_id is 111122223333")


def run_command(config: EnvironmentConfig, stubs: Stubs, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = preflight.command(
        config, session=stubs, environ=environ or {}, opener=lambda _: 200, stdout=stdout, stderr=stderr
    )
    return status, stdout.getvalue(), stderr.getvalue()


def test_all_checks_pass(stubs: Stubs, staging: EnvironmentConfig) -> None:
    all_passing(stubs)
    status, out, err = run_command(staging, stubs, {"TF_TOKEN_app_terraform_io": "secret"})
    assert (status, err) == (0, "")
    # RDS is asked in staging's DR region too, where its backups are replicated.
    assert stubs.regions == {REGION, "us-east-1"}
    assert out == (
        "preflight staging: account 111122223333, us-west-2\n"
        "ok    AWS account                       111122223333 is the file's account_id\n"
        "ok    EC2-VPC Elastic IPs               0 in use + 3 planned = 3 of 5 (ec2 L-0263D0A3)\n"
        "ok    VPCs per Region                   1 in use + 1 planned = 2 of 5 (vpc L-F678F1CE)\n"
        "ok    NAT gateways per AZ               us-west-2a: 0 in use + 1 planned = 1 of 5 (vpc L-FE5A380F)\n"
        "ok    EKS clusters                      0 in use + 1 planned = 1 of 100 (eks L-1194D53C)\n"
        "ok    RDS DB instances                  0 in use + 1 planned = 1 of 40 (rds L-7B6409FD)\n"
        "ok    ElastiCache nodes per Region      0 in use + 6 planned = 6 of 300 (elasticache L-DFE45DF3)\n"
        "ok    EC2 instance types (general)      m5.large in us-west-2a, us-west-2b, us-west-2c\n"
        "ok    EC2 instance types (ml_workload)  m5.large, m5a.large, m5d.large, m6i.large in us-west-2a, us-west-2b, "
        "us-west-2c\n"
        "ok    RDS instance class                db.r5.xlarge postgres 15 Multi-AZ is orderable\n"
        "ok    RDS backup replication            us-west-2 -> us-east-1 is supported\n"
        "ok    ElastiCache node type             cache.r7g.large is offered in us-west-2\n"
        "ok    EKS Kubernetes version            1.35: standard-support\n"
        "ok    EKS add-ons                       vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver, metrics-server, "
        "amazon-cloudwatch-observability offered for Kubernetes 1.35\n"
        "skip  ACM certificate                   the file names no certificate ARN\n"
        "ok    Route 53 hosted zone              Z0STAGINGF1EXAMPLE01 (staging.f1-analytics.example) holds "
        "staging.f1-analytics.example\n"
        "ok    Terraform Cloud workspace         app.terraform.io/f1-analytics/f1-analytics-staging exists\n"
        "all 17 checks passed.\n"
    )


def test_an_aws_error_fails_its_check_only(stubs: Stubs, staging: EnvironmentConfig) -> None:
    """AccessDenied on one API: that check's line says so, the others still run; exit 1."""
    all_passing(stubs, deny_db_instances=True)
    status, out, _ = run_command(staging, stubs)
    lines = out.splitlines()
    assert status == 1
    assert (
        "FAIL  RDS DB instances                  DescribeDBInstances: AccessDenied: not authorized to "
        "rds:DescribeDBInstances" in lines
    )
    assert (
        "skip  Terraform Cloud workspace         app.terraform.io/f1-analytics/f1-analytics-staging: no TF_TOKEN_* "
        "or TFE_TOKEN in the environment" in lines
    )
    assert lines[-1] == "1 of 17 checks failed."


class NoCredentials:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def client(self, name: str, region_name: str | None = None) -> Any:
        return self

    def get_caller_identity(self) -> dict[str, str]:
        raise self.error


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (NoCredentialsError(), "preflight staging: no usable AWS credentials (Unable to locate credentials); log in"),
        (PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), "preflight staging: no usable AWS"),
    ],
)
def test_no_credentials_is_one_line(staging: EnvironmentConfig, error: Exception, line: str) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = preflight.command(staging, session=NoCredentials(error), environ={}, stdout=stdout, stderr=stderr)
    assert status == 2
    assert stdout.getvalue() == ""
    assert len(stderr.getvalue().splitlines()) == 1
    assert stderr.getvalue().startswith(line)


def test_refused_credentials_are_one_line(stubs: Stubs, staging: EnvironmentConfig) -> None:
    stubs["sts"].add_client_error(
        "get_caller_identity", "ExpiredToken", "The security token included in the request is expired"
    )
    status, out, err = run_command(staging, stubs)
    assert (status, out) == (2, "")
    assert err == (
        "preflight staging: the AWS credentials do not work (GetCallerIdentity: ExpiredToken: The security token "
        "included in the request is expired)\n"
    )


def test_without_credentials_the_command_says_so_in_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_TOKEN_", "TFE_"))}
    environ |= {
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    environ.pop("ENVS_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "f1_infra", "preflight", "staging"],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "preflight staging: no usable AWS credentials (Unable to locate credentials); log in first, e.g. "
        "`aws sso login`"
    ]


def test_an_unknown_environment_is_the_usual_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVS_DIR", str(DEFAULT_ENVS_DIR))
    assert main(["preflight", "nope"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{DEFAULT_ENVS_DIR / 'nope.json'}: /: cannot read the file: No such file or directory",
        "1 problem(s) found; nothing was synthesized.",
    ]
