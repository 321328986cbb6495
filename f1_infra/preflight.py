"""`python -m f1_infra preflight <env>`: what only the AWS account knows, asked before the first apply.

Synth and the rules (f1_infra.rules) check a file against what is true of every account; a
first apply still fails, often half-way, on what is true only of this one: a quota already used
up, an instance type or class the region or a zone does not sell, a certificate still pending,
a workspace the bootstrap stack has not created yet. Every call here is read-only.

Each check takes its clients (boto3, or botocore-stubbed in the tests) and the settings, and
returns results; `run` turns an AWS error of one check into a failed line of that check, so one
missing permission does not hide the other answers.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TextIO

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, PartialCredentialsError

from f1_infra.settings.backend import CloudBackend
from f1_infra.settings.environment import EnvironmentConfig

Status = Literal["ok", "FAIL", "skip"]
# An HTTP GET that returns the response's status, or raises urllib.error.HTTPError / URLError as
# urllib.request.urlopen does.
Opener = Callable[[urllib.request.Request], int]
TFC_TIMEOUT_SECONDS = 15
# NAT gateways that still hold their place in the per-zone quota.
LIVE_NAT_STATES = ["pending", "available"]


@dataclass(frozen=True)
class Result:
    name: str
    status: Status
    detail: str

    @property
    def ok(self) -> bool:
        return self.status != "FAIL"


@dataclass(frozen=True)
class Quota:
    name: str
    service: str
    code: str


EIPS = Quota("EC2-VPC Elastic IPs", "ec2", "L-0263D0A3")
VPCS = Quota("VPCs per Region", "vpc", "L-F678F1CE")
NAT_GATEWAYS = Quota("NAT gateways per AZ", "vpc", "L-FE5A380F")
EKS_CLUSTERS = Quota("EKS clusters", "eks", "L-1194D53C")
DB_INSTANCES = Quota("RDS DB instances", "rds", "L-7B6409FD")
CACHE_NODES = Quota("ElastiCache nodes per Region", "elasticache", "L-DFE45DF3")


@dataclass(frozen=True)
class Clients:
    ec2: BaseClient
    eks: BaseClient
    rds: BaseClient
    elasticache: BaseClient
    acm: BaseClient
    quotas: BaseClient
    route53: BaseClient
    # RDS in the disaster-recovery region, where backup replication is set up; None without one.
    dr_rds: BaseClient | None = None

    @classmethod
    def of(cls, session: Any, region: str, dr_region: str | None = None) -> Clients:
        def client(name: str) -> BaseClient:
            return session.client(name, region_name=region)

        return cls(
            ec2=client("ec2"),
            eks=client("eks"),
            rds=client("rds"),
            elasticache=client("elasticache"),
            acm=client("acm"),
            quotas=client("service-quotas"),
            route53=client("route53"),
            dr_rds=session.client("rds", region_name=dr_region) if dr_region else None,
        )


def _pages(client: BaseClient, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


# --------------------------------------------------------------------------- quotas


def quota_value(quotas: BaseClient, quota: Quota) -> float:
    """The account's applied value; AWS keeps none until someone changes the quota, and then
    the default is what holds."""
    try:
        return quotas.get_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)["Quota"]["Value"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchResourceException":
            raise
    return quotas.get_aws_default_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)["Quota"]["Value"]


def _headroom(quota: Quota, value: float, used: int, planned: int, where: str = "") -> Result:
    total = used + planned
    detail = f"{where}{used} in use + {planned} planned = {total} of {value:g} ({quota.service} {quota.code})"
    if total <= value:
        return Result(quota.name, "ok", detail)
    return Result(quota.name, "FAIL", f"{detail}: request an increase in Service Quotas, or free some")


def nat_zones(config: EnvironmentConfig) -> tuple[str, ...]:
    """The zones the stack puts a NAT gateway (and its Elastic IP) in, as the network construct does."""
    zones = config.network.availability_zones
    return zones if config.network.nat_gateways == "one_per_az" else zones[:1]


def check_eips(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    used = len(clients.ec2.describe_addresses(Filters=[{"Name": "domain", "Values": ["vpc"]}])["Addresses"])
    return [_headroom(EIPS, quota_value(clients.quotas, EIPS), used, len(nat_zones(config)))]


def check_vpcs(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    used = sum(1 for _ in _pages(clients.ec2, "describe_vpcs", "Vpcs"))
    return [_headroom(VPCS, quota_value(clients.quotas, VPCS), used, 1)]


def check_nat_gateways(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    """The quota counts per zone, and a NAT gateway names its subnet only: the subnets give the zones."""
    subnets = [
        nat["SubnetId"]
        for nat in _pages(
            clients.ec2,
            "describe_nat_gateways",
            "NatGateways",
            Filter=[{"Name": "state", "Values": LIVE_NAT_STATES}],
        )
    ]
    zone_of: dict[str, str] = {}
    if subnets:  # an empty SubnetIds asks for every subnet of the region
        zone_of = {
            s["SubnetId"]: s["AvailabilityZone"]
            for s in _pages(clients.ec2, "describe_subnets", "Subnets", SubnetIds=subnets)
        }
    used = Counter(zone_of[s] for s in subnets)
    value = quota_value(clients.quotas, NAT_GATEWAYS)
    results = {zone: _headroom(NAT_GATEWAYS, value, used[zone], 1, f"{zone}: ") for zone in nat_zones(config)}
    failed = [r for r in results.values() if not r.ok]
    # When every zone has room, one line says so: the fullest zone's.
    return failed or [results[max(results, key=lambda zone: used[zone])]]


def check_eks_clusters(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    used = sum(1 for _ in _pages(clients.eks, "list_clusters", "clusters"))
    return [_headroom(EKS_CLUSTERS, quota_value(clients.quotas, EKS_CLUSTERS), used, 1)]


def check_db_instances(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    # A Multi-AZ standby is not an instance of its own; each read replica is.
    used = sum(1 for _ in _pages(clients.rds, "describe_db_instances", "DBInstances"))
    planned = 1 + config.database.read_replicas
    return [_headroom(DB_INSTANCES, quota_value(clients.quotas, DB_INSTANCES), used, planned)]


def check_cache_nodes(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    used = sum(c["NumCacheNodes"] for c in _pages(clients.elasticache, "describe_cache_clusters", "CacheClusters"))
    planned = len(config.cache.member_cluster_ids)
    return [_headroom(CACHE_NODES, quota_value(clients.quotas, CACHE_NODES), used, planned)]


# --------------------------------------------------------------------------- offerings


def check_instance_types(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    """Every instance type of every node group in every zone: EKS refuses a node group whose
    subnets' zones do not all sell each of its types."""
    zones = config.network.availability_zones
    wanted = sorted({t for group in config.cluster.node_groups.values() for t in group.instance_types})
    offered = {
        (o["InstanceType"], o["Location"])
        for o in _pages(
            clients.ec2,
            "describe_instance_type_offerings",
            "InstanceTypeOfferings",
            LocationType="availability-zone",
            Filters=[{"Name": "location", "Values": list(zones)}, {"Name": "instance-type", "Values": wanted}],
        )
    }
    results = []
    for name, group in config.cluster.node_groups.items():
        missing = [f"{t} in {z}" for t in group.instance_types for z in zones if (t, z) not in offered]
        label = f"EC2 instance types ({name})"
        if missing:
            results.append(Result(label, "FAIL", f"not offered: {', '.join(missing)}"))
        else:
            results.append(Result(label, "ok", f"{', '.join(group.instance_types)} in {', '.join(zones)}"))
    return results


def _db_class(clients: Clients, config: EnvironmentConfig, label: str, instance_class: str, multi_az: bool) -> Result:
    major = config.database.engine_version
    options = [
        o
        for o in _pages(
            clients.rds,
            "describe_orderable_db_instance_options",
            "OrderableDBInstanceOptions",
            Engine="postgres",
            DBInstanceClass=instance_class,
        )
        # The file names a major version; RDS picks the minor, so any minor of it will do.
        if o["EngineVersion"].split(".", 1)[0] == major
    ]
    wanted = f"{instance_class} postgres {major}" + (" Multi-AZ" if multi_az else "")
    if multi_az:
        options = [o for o in options if o.get("MultiAZCapable")]
    if not options:
        return Result(label, "FAIL", f"{wanted} is not orderable in {config.region}")
    return Result(label, "ok", f"{wanted} is orderable")


def check_db_classes(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    db = config.database
    results = [_db_class(clients, config, "RDS instance class", db.instance_class, db.multi_az)]
    replica_class = db.replica_instance_class or db.instance_class
    if db.read_replicas and (replica_class != db.instance_class or db.multi_az):
        # Replicas are single-AZ: the primary's Multi-AZ answer does not cover them.
        results.append(_db_class(clients, config, "RDS replica class", replica_class, False))
    return results


def check_cache_node_type(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    """ElastiCache has no list of the node types a region runs. A region sells reserved nodes of
    every node type it runs, and the offerings are read-only and answer per region, so no
    offering at all means the region does not run the type."""
    node_type = config.cache.node_type
    page = clients.elasticache.describe_reserved_cache_nodes_offerings(CacheNodeType=node_type, MaxRecords=20)
    if page["ReservedCacheNodesOfferings"]:
        return [Result("ElastiCache node type", "ok", f"{node_type} is offered in {config.region}")]
    return [Result("ElastiCache node type", "FAIL", f"{node_type} is not offered in {config.region}")]


def check_kubernetes_version(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    version = config.cluster.kubernetes_version
    answer = clients.eks.describe_cluster_versions(clusterVersions=[version], includeAll=True)
    status = next((v["status"] for v in answer["clusterVersions"] if v["clusterVersion"] == version), None)
    name = "EKS Kubernetes version"
    if status == "standard-support" or (status == "extended-support" and config.cluster.allow_extended_support):
        return [Result(name, "ok", f"{version}: {status}")]
    if status == "extended-support":
        return [Result(name, "FAIL", f"{version} is in extended support and allow_extended_support is false")]
    return [Result(name, "FAIL", f"{version} is not offered by EKS in {config.region} ({status or 'unknown'})")]


def check_addons(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    """Every add-on the cluster installs is offered for its Kubernetes version in the region, and
    each pinned version is among the offered ones (metrics-server is a community add-on, whose
    versions follow their own calendar)."""
    version = config.cluster.kubernetes_version
    name, problems = "EKS add-ons", []
    wanted = config.cluster.addon_versions.by_addon()
    for addon, pinned in wanted.items():
        offered = [
            v["addonVersion"]
            for found in _pages(
                clients.eks, "describe_addon_versions", "addons", addonName=addon, kubernetesVersion=version
            )
            for v in found.get("addonVersions", [])
        ]
        if not offered:
            problems.append(f"{addon} is not offered for Kubernetes {version}")
        elif pinned is not None and pinned not in offered:
            problems.append(f"{addon} {pinned} is not offered for Kubernetes {version} (offered: {', '.join(offered)})")
    if problems:
        return [Result(name, "FAIL", f"{'; '.join(problems)} in {config.region}")]
    return [Result(name, "ok", f"{', '.join(wanted)} offered for Kubernetes {version}")]


def check_certificate(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    arn = config.monitoring.alb.certificate.arn
    name = "ACM certificate"
    if arn is None:
        return [Result(name, "skip", "the file names no certificate ARN")]
    try:
        status = clients.acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return [Result(name, "FAIL", f"{arn} does not exist in {config.region}")]
    if status == "ISSUED":
        return [Result(name, "ok", f"{arn}: ISSUED")]
    return [Result(name, "FAIL", f"{arn} is {status}, not ISSUED: the HTTPS listener cannot use it")]


def check_hosted_zone(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    """The zone a created certificate is validated in: it must exist, be public (ACM resolves the
    validation records from the internet) and hold the domain."""
    certificate = config.monitoring.alb.certificate
    name = "Route 53 hosted zone"
    if certificate.hosted_zone_id is None or certificate.domain is None:
        return [Result(name, "skip", "the file creates no certificate")]
    zone_id, domain = certificate.hosted_zone_id, certificate.domain
    try:
        zone = clients.route53.get_hosted_zone(Id=zone_id)["HostedZone"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchHostedZone":
            raise
        return [Result(name, "FAIL", f"{zone_id} does not exist in this account")]
    zone_name = zone["Name"].rstrip(".")
    if zone.get("Config", {}).get("PrivateZone"):
        return [Result(name, "FAIL", f"{zone_id} ({zone_name}) is private; DNS validation needs a public zone")]
    if domain != zone_name and not domain.endswith(f".{zone_name}"):
        return [Result(name, "FAIL", f"{zone_id} is {zone_name}, which does not hold {domain}")]
    return [Result(name, "ok", f"{zone_id} ({zone_name}) holds {domain}")]


def check_account(account_id: str, config: EnvironmentConfig) -> list[Result]:
    name = "AWS account"
    if config.account_id is None:
        return [Result(name, "skip", "the file names no account_id")]
    if account_id != config.account_id:
        return [
            Result(
                name,
                "FAIL",
                f"the credentials are in {account_id}, the file's account_id is {config.account_id}: log in to "
                f"{config.account_id} (a plan with these credentials stops at allowed_account_ids) or correct the "
                "file",
            )
        ]
    return [Result(name, "ok", f"{account_id} is the file's account_id")]


# --------------------------------------------------------------------------- Terraform Cloud


def tfc_token(hostname: str, environ: Mapping[str, str]) -> str | None:
    """The token Terraform itself would use for the host (TF_TOKEN_<host>, dots as _ and
    hyphens as __), else TFE_TOKEN."""
    host_variable = "TF_TOKEN_" + hostname.replace("-", "__").replace(".", "_")
    return environ.get(host_variable) or environ.get("TFE_TOKEN") or None


def _urlopen(request: urllib.request.Request) -> int:
    with urllib.request.urlopen(request, timeout=TFC_TIMEOUT_SECONDS) as response:
        return response.status


def check_workspace(backend: CloudBackend, token: str | None, opener: Opener = _urlopen) -> list[Result]:
    name = "Terraform Cloud workspace"
    where = f"{backend.hostname}/{backend.organization}/{backend.workspace}"
    if token is None:
        return [Result(name, "skip", f"{where}: no TF_TOKEN_* or TFE_TOKEN in the environment")]
    quote = urllib.parse.quote
    url = (
        f"https://{backend.hostname}/api/v2/organizations/{quote(backend.organization)}"
        f"/workspaces/{quote(backend.workspace)}"
    )
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.api+json"}
    )
    try:
        opener(request)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            # Terraform Cloud answers 404 also for a workspace the token may not see.
            detail = f"{where} not found (or the token cannot see it): run `make deploy ENV=bootstrap` first"
        elif exc.code == 401:
            detail = f"{where}: the token was refused (HTTP 401); `make cdktf ARGS=login` for a new one"
        else:
            detail = f"{where}: HTTP {exc.code}"
        return [Result(name, "FAIL", detail)]
    except (urllib.error.URLError, TimeoutError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return [Result(name, "FAIL", f"{where}: cannot reach {backend.hostname} ({reason})")]
    return [Result(name, "ok", f"{where} exists")]


# --------------------------------------------------------------------------- running


Check = Callable[[Clients, EnvironmentConfig], list[Result]]


def check_backup_replication(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    """Whether RDS replicates automated backups from the environment's region into its DR region:
    the destination region lists the source regions it accepts (DescribeSourceRegions)."""
    dr_region = config.disaster_recovery_region
    if config.database.backup_replication is None or dr_region is None or clients.dr_rds is None:
        return []
    label = "RDS backup replication"
    sources = clients.dr_rds.describe_source_regions(RegionName=config.region).get("SourceRegions", [])
    if any(r.get("SupportsDBInstanceAutomatedBackupsReplication") for r in sources):
        return [Result(label, "ok", f"{config.region} -> {dr_region} is supported")]
    return [
        Result(
            label,
            "FAIL",
            f"{dr_region} does not accept automated backups of {config.region}; choose a disaster_recovery.region "
            f"that does (aws rds describe-source-regions --region <candidate>)",
        )
    ]


AWS_CHECKS: tuple[tuple[str, Check], ...] = (
    (EIPS.name, check_eips),
    (VPCS.name, check_vpcs),
    (NAT_GATEWAYS.name, check_nat_gateways),
    (EKS_CLUSTERS.name, check_eks_clusters),
    (DB_INSTANCES.name, check_db_instances),
    (CACHE_NODES.name, check_cache_nodes),
    ("EC2 instance types", check_instance_types),
    ("RDS instance class", check_db_classes),
    ("RDS backup replication", check_backup_replication),
    ("ElastiCache node type", check_cache_node_type),
    ("EKS Kubernetes version", check_kubernetes_version),
    ("EKS add-ons", check_addons),
    ("ACM certificate", check_certificate),
    ("Route 53 hosted zone", check_hosted_zone),
)


def _aws_error(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response["Error"]
        return f"{exc.operation_name}: {error.get('Code')}: {error.get('Message')}"
    return str(exc)


def run(clients: Clients, config: EnvironmentConfig) -> list[Result]:
    results: list[Result] = []
    for name, check in AWS_CHECKS:
        try:
            results.extend(check(clients, config))
        except (ClientError, BotoCoreError) as exc:
            results.append(Result(name, "FAIL", _aws_error(exc)))
    return results


def table(results: Iterable[Result]) -> str:
    rows = list(results)
    width = max((len(r.name) for r in rows), default=0)
    return "\n".join(f"{r.status:<4}  {r.name:<{width}}  {r.detail}" for r in rows)


def account(session: Any, region: str) -> str:
    """The account id; raises NoCredentialsError and friends when there are no usable credentials."""
    return session.client("sts", region_name=region).get_caller_identity()["Account"]


def command(
    config: EnvironmentConfig,
    *,
    session: Any = None,
    environ: Mapping[str, str] = os.environ,
    opener: Opener = _urlopen,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """Exit status: 0 when every check passes, 1 when any fails, 2 without usable credentials."""
    session = session if session is not None else boto3.Session()
    try:
        account_id = account(session, config.region)
    except (NoCredentialsError, PartialCredentialsError) as exc:
        print(
            f"preflight {config.name}: no usable AWS credentials ({exc}); log in first, e.g. `aws sso login`",
            file=stderr,
        )
        return 2
    except (ClientError, BotoCoreError) as exc:
        print(f"preflight {config.name}: the AWS credentials do not work ({_aws_error(exc)})", file=stderr)
        return 2
    results = check_account(account_id, config) + run(
        Clients.of(session, config.region, config.disaster_recovery_region), config
    )
    if isinstance(config.backend, CloudBackend):
        results += check_workspace(config.backend, tfc_token(config.backend.hostname, environ), opener)
    print(f"preflight {config.name}: account {account_id}, {config.region}", file=stdout)
    print(table(results), file=stdout)
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"{len(failed)} of {len(results)} checks failed.", file=stdout)
        return 1
    print(f"all {len(results)} checks passed.", file=stdout)
    return 0
