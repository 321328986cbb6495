"""Names that must exist at AWS: region, availability zones, instance types (catalog rules C1-C3 of
docs/aws-rules.md), checked offline against botocore's endpoint data and the dated snapshot."""

import datetime
import json
import re
from pathlib import Path

import pytest

from f1_infra import catalog
from f1_infra.catalog import refresh
from f1_infra.config import DEFAULT_ENVS_DIR, environment_files, load_environment, warnings
from f1_infra.settings.database import instance_memory_mib
from tests.envfiles import Mutation, combine, findings, set_at, shipped

CATALOG = "in the project's catalog (f1_infra/catalog/snapshot.json, as of 2026-11-26); nearest: "


def node_types(name: str, *types: str) -> Mutation:
    return set_at("cluster", "node_groups", name, "instance_types", value=list(types))


CASES: list[tuple[str, str, Mutation, str, str]] = [
    (
        "unknown region",
        "dev",
        set_at("region", value="us-west-9"),
        "/region",
        "'us-west-9' is not an AWS region in botocore 1.35.99's endpoint data; nearest: us-west-2, us-west-1, "
        "us-east-2; a region opened since needs a newer botocore",
    ),
    (
        "zone letter the region lacks",
        "dev",
        set_at("network", "availability_zones", value=["us-west-2a", "us-west-2e"]),
        "/network/availability_zones/1",
        "'us-west-2e' is not an availability zone of us-west-2; it has us-west-2a, us-west-2b, us-west-2c, "
        "us-west-2d (zone table as of 2026-11-26;",
    ),
    (
        "unknown ec2 size",
        "dev",
        node_types("general", "t3.gigantic"),
        "/cluster/node_groups/general/instance_types/0",
        f"'t3.gigantic' is not an EC2 instance type {CATALOG}t3.nano, t3.micro, t3.small; if AWS offers it now, "
        "refresh the catalog with python -m f1_infra.catalog.refresh",
    ),
    (
        "unknown ec2 family in a spot group",
        "prod",
        node_types("ml_workload", "m5.large", "m9.large"),
        "/cluster/node_groups/ml_workload/instance_types/1",
        f"'m9.large' is not an EC2 instance type {CATALOG}m5.large,",
    ),
    (
        "unknown cache node type",
        "dev",
        set_at("cache", "node_type", value="cache.t4g.huge"),
        "/cache/node_type",
        f"'cache.t4g.huge' is not an ElastiCache node type {CATALOG}cache.t4g.medium, cache.t4g.small, cache.t4g.micro",
    ),
    (
        "unknown db instance class even with explicit thresholds",
        "prod",
        combine(
            set_at("database", "instance_class", value="db.r5.huge"),
            set_at("database", "alarms", "connections", value=100),
            set_at("database", "alarms", "freeable_memory_mb", value=512),
        ),
        "/database/instance_class",
        f"'db.r5.huge' is not an RDS for PostgreSQL instance class {CATALOG}db.r5.large, db.r5.xlarge",
    ),
    (
        "unknown replica instance class",
        "prod",
        set_at("database", "replica_instance_class", value="db.r5.big"),
        "/database/replica_instance_class",
        "'db.r5.big' is not an RDS for PostgreSQL instance class",
    ),
]


@pytest.mark.parametrize(("env", "mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_catalog_rule_reports_pointer_and_message(
    tmp_path: Path, env: str, mutate: Mutation, where: str, message: str
) -> None:
    found = findings(tmp_path, mutate, env)
    assert any(p == where and message in m for p, m in found), found


def write(tmp_path: Path, mutate: Mutation, env: str = "dev") -> Path:
    data = shipped(env)
    mutate(data)
    path = tmp_path / f"{env}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(
            combine(
                set_at("region", value="us-east-1"),
                set_at("network", "availability_zones", value=["us-east-1a", "us-east-1f"]),
            ),
            id="us-east-1 has six zones",
        ),
        pytest.param(node_types("general", "a1.large"), id="graviton 1"),
        pytest.param(node_types("general", "m7i-flex.large"), id="flex family"),
        pytest.param(set_at("database", "instance_class", value="db.t4g.micro"), id="smallest db class"),
        pytest.param(set_at("cache", "node_type", value="cache.t3.micro"), id="smallest cache node"),
    ],
)
def test_known_values_are_accepted_without_warning(tmp_path: Path, mutate: Mutation) -> None:
    config = load_environment(write(tmp_path, mutate))
    assert warnings([config]) == []


def test_a_region_the_zone_table_lacks_is_accepted_with_a_warning(tmp_path: Path) -> None:
    region = "mx-central-1"
    assert region in catalog.regions()
    assert region not in catalog.snapshot().availability_zones
    path = write(
        tmp_path,
        combine(
            set_at("region", value=region),
            set_at("network", "availability_zones", value=[f"{region}a", f"{region}b"]),
        ),
    )
    (warning,) = warnings([load_environment(path)])
    assert warning.pointer == "/network/availability_zones"
    assert warning.message.startswith(f"the availability zones of {region} are not in the project's zone table")


def test_regions_come_from_botocore_in_every_partition_the_settings_know() -> None:
    assert {"us-west-2", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= catalog.regions()
    assert "us-west-9" not in catalog.regions()


def test_the_snapshot_is_dated_sourced_and_covers_the_shipped_files() -> None:
    raw = json.loads(catalog.SNAPSHOT_FILE.read_text())
    assert datetime.date.fromisoformat(raw["as_of"])
    assert set(raw["sources"]) == set(refresh.API_SOURCES)
    # As refresh writes it: sorted, so a refresh shows only real changes in the diff.
    assert refresh.render(raw) == catalog.SNAPSHOT_FILE.read_text()
    for key in ("ec2_instance_types", "rds_postgres_instance_classes", "elasticache_node_types"):
        assert raw[key] == sorted(set(raw[key])), key
    assert set(raw["availability_zones"]) <= catalog.regions()
    for path in environment_files(DEFAULT_ENVS_DIR):
        config = load_environment(path)
        assert config.region in raw["availability_zones"], path


MEMORY_KNOWN_FAMILY = re.compile(r"^db\.[mrt][0-9]")


def test_every_catalog_class_of_a_known_family_has_a_known_memory() -> None:
    # The alarm thresholds are derived from this memory; a class outside these families (db.x2g)
    # is accepted only with explicit thresholds (rules/database.py).
    for instance_class in catalog.snapshot().rds_postgres_instance_classes:
        if MEMORY_KNOWN_FAMILY.match(instance_class):
            assert instance_memory_mib(instance_class), instance_class


def test_nearest_prefers_the_same_family() -> None:
    assert catalog.nearest("r6g.larg", catalog.snapshot().ec2_instance_types)[0] == "r6g.large"
    assert catalog.nearest("zz-top-1", catalog.regions()) == []


def test_refresh_builds_the_snapshot_from_api_responses() -> None:
    document = refresh.snapshot(
        as_of=datetime.date(2027, 1, 5),
        region="us-west-2",
        instance_type_pages=[
            {"InstanceTypes": [{"InstanceType": "m5.large"}, {"InstanceType": "a1.large"}]},
            {"InstanceTypes": [{"InstanceType": "m5.large"}]},
        ],
        zone_pages={
            "us-west-2": [
                {
                    "AvailabilityZones": [
                        {"ZoneName": "us-west-2b", "ZoneType": "availability-zone"},
                        {"ZoneName": "us-west-2a", "ZoneType": "availability-zone"},
                        {"ZoneName": "us-west-2-lax-1a", "ZoneType": "local-zone"},
                    ]
                }
            ]
        },
        orderable_pages=[
            {"OrderableDBInstanceOptions": [{"DBInstanceClass": "db.r5.large"}, {"DBInstanceClass": "db.r5.large"}]}
        ],
        offering_pages=[{"ReservedCacheNodesOfferings": [{"CacheNodeType": "cache.t4g.micro"}]}],
    )
    assert document == {
        "as_of": "2027-01-05",
        "sources": {
            "ec2_instance_types": "ec2 DescribeInstanceTypes in us-west-2",
            "availability_zones": "ec2 DescribeAvailabilityZones (AllAvailabilityZones) in each region",
            "rds_postgres_instance_classes": "rds DescribeOrderableDBInstanceOptions (Engine=postgres) in us-west-2",
            "elasticache_node_types": "elasticache DescribeReservedCacheNodesOfferings in us-west-2",
        },
        "availability_zones": {"us-west-2": "ab"},
        "ec2_instance_types": ["a1.large", "m5.large"],
        "rds_postgres_instance_classes": ["db.r5.large"],
        "elasticache_node_types": ["cache.t4g.micro"],
    }
    assert json.loads(refresh.render(document)) == document
