"""Rewrite f1_infra/catalog/snapshot.json from the AWS APIs (read-only calls, any account):

    python -m f1_infra.catalog.refresh [--region us-west-2]

- EC2 instance types: `ec2 describe_instance_types` (paginated) in the given region;
- availability zone letters: `ec2 describe_availability_zones` (AllAvailabilityZones, zones of
  type availability-zone) in every region of the partition that the account can call;
- RDS for PostgreSQL instance classes: `rds describe_orderable_db_instance_options`
  (Engine=postgres, paginated);
- ElastiCache node types: `elasticache describe_reserved_cache_nodes_offerings` (paginated),
  the documented list of node types one can buy.

Tests never call AWS; they check `snapshot` (the pure part) on API-shaped responses.
"""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SNAPSHOT_FILE = Path(__file__).resolve().parent / "snapshot.json"
API_SOURCES = {
    "ec2_instance_types": "ec2 DescribeInstanceTypes in {region}",
    "availability_zones": "ec2 DescribeAvailabilityZones (AllAvailabilityZones) in each region",
    "rds_postgres_instance_classes": "rds DescribeOrderableDBInstanceOptions (Engine=postgres) in {region}",
    "elasticache_node_types": "elasticache DescribeReservedCacheNodesOfferings in {region}",
}

Page = Mapping[str, Any]


def snapshot(
    *,
    as_of: datetime.date,
    region: str,
    instance_type_pages: Iterable[Page],
    zone_pages: Mapping[str, Iterable[Page]],
    orderable_pages: Iterable[Page],
    offering_pages: Iterable[Page],
) -> dict[str, Any]:
    """The snapshot document for API responses (one iterable of pages per call)."""
    zones: dict[str, str] = {}
    for zone_region, pages in sorted(zone_pages.items()):
        letters = {
            z["ZoneName"].removeprefix(zone_region)
            for page in pages
            for z in page["AvailabilityZones"]
            if z.get("ZoneType", "availability-zone") == "availability-zone"
        }
        zones[zone_region] = "".join(sorted(letters))
    return {
        "as_of": as_of.isoformat(),
        "sources": {key: text.format(region=region) for key, text in API_SOURCES.items()},
        "availability_zones": zones,
        "ec2_instance_types": sorted({t["InstanceType"] for p in instance_type_pages for t in p["InstanceTypes"]}),
        "rds_postgres_instance_classes": sorted(
            {o["DBInstanceClass"] for p in orderable_pages for o in p["OrderableDBInstanceOptions"]}
        ),
        "elasticache_node_types": sorted(
            {o["CacheNodeType"] for p in offering_pages for o in p["ReservedCacheNodesOfferings"]}
        ),
    }


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def _fetch(region: str) -> dict[str, Any]:  # pragma: no cover - calls AWS
    import boto3

    session = boto3.session.Session(region_name=region)
    ec2 = session.client("ec2")
    regions = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
    return snapshot(
        as_of=datetime.date.today(),
        region=region,
        instance_type_pages=ec2.get_paginator("describe_instance_types").paginate(),
        zone_pages={
            r: [session.client("ec2", region_name=r).describe_availability_zones(AllAvailabilityZones=True)]
            for r in regions
        },
        orderable_pages=session.client("rds")
        .get_paginator("describe_orderable_db_instance_options")
        .paginate(Engine="postgres"),
        offering_pages=session.client("elasticache")
        .get_paginator("describe_reserved_cache_nodes_offerings")
        .paginate(),
    )


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - calls AWS
    parser = argparse.ArgumentParser(prog="python -m f1_infra.catalog.refresh", description=__doc__)
    parser.add_argument("--region", default="us-west-2", help="region to list instance types in")
    args = parser.parse_args(argv)
    SNAPSHOT_FILE.write_text(render(_fetch(args.region)))
    print(f"{SNAPSHOT_FILE}: rewritten; review the diff before committing")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
