"""Names that must exist at AWS: the region, the availability zones, the EC2, RDS and ElastiCache
instance types (catalog rules C1-C3 of docs/aws-rules.md). Checked offline against f1_infra.catalog."""

from __future__ import annotations

from collections.abc import Iterator

from f1_infra import catalog
from f1_infra.problems import pointer
from f1_infra.settings.environment import EnvironmentConfig

REFRESH = "python -m f1_infra.catalog.refresh"


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    if config.region not in catalog.regions():
        yield pointer("region"), _unknown_region(config.region)
        return
    yield from _zones(config)
    yield from _instance_types(config)


def warnings(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    # A region botocore knows but the snapshot lacks is real: refusing it would block a valid file
    # until the snapshot is refreshed, so its zones are left to AWS, and said to be.
    if config.region in catalog.regions() and config.region not in catalog.snapshot().availability_zones:
        yield (
            pointer("network", "availability_zones"),
            f"the availability zones of {config.region} are not in the project's zone table (as of "
            f"{catalog.snapshot().as_of}), so they are not checked; refresh it with {REFRESH}",
        )


def _unknown_region(region: str) -> str:
    close = ", ".join(catalog.nearest(region, catalog.regions())) or "none close"
    return (
        f"{region!r} is not an AWS region in botocore {catalog.botocore_version()}'s endpoint data; nearest: "
        f"{close}; a region opened since needs a newer botocore"
    )


def _zones(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    table = catalog.snapshot()
    letters = table.availability_zones.get(config.region)
    if letters is None:
        return
    for i, zone in enumerate(config.network.availability_zones):
        letter = zone.removeprefix(config.region)
        # Zones of another region are reported by rules/network.py.
        if len(letter) == 1 and zone.startswith(config.region) and letter not in letters:
            known = ", ".join(config.region + x for x in letters)
            yield (
                pointer("network", "availability_zones", i),
                f"{zone!r} is not an availability zone of {config.region}; it has {known} "
                f"(zone table as of {table.as_of}; if AWS added one since, refresh it with {REFRESH})",
            )


def _instance_types(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    table = catalog.snapshot()
    for name, group in config.cluster.node_groups.items():
        for i, instance_type in enumerate(group.instance_types):
            if instance_type not in table.ec2_instance_types:
                yield (
                    pointer("cluster", "node_groups", name, "instance_types", i),
                    _unknown(instance_type, "an EC2 instance type", table.ec2_instance_types),
                )
    db = config.database
    for key, value in (("instance_class", db.instance_class), ("replica_instance_class", db.replica_instance_class)):
        if value is not None and value not in table.rds_postgres_instance_classes:
            yield (
                pointer("database", key),
                _unknown(value, "an RDS for PostgreSQL instance class", table.rds_postgres_instance_classes),
            )
    if config.cache.node_type not in table.elasticache_node_types:
        yield (
            pointer("cache", "node_type"),
            _unknown(config.cache.node_type, "an ElastiCache node type", table.elasticache_node_types),
        )


def _unknown(value: str, what: str, known: frozenset[str]) -> str:
    close = ", ".join(catalog.nearest(value, known)) or "none close"
    return (
        f"{value!r} is not {what} in the project's catalog (f1_infra/catalog/snapshot.json, as of "
        f"{catalog.snapshot().as_of}); nearest: {close}; if AWS offers it now, refresh the catalog with {REFRESH}"
    )
