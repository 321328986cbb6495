"""Rules on the disaster-recovery region and what each module keeps there (rules 53-55 of
docs/aws-rules.md): the region is another region of the same partition, and every copy has a
region to go to."""

from __future__ import annotations

from collections.abc import Iterator

from f1_infra import catalog
from f1_infra.problems import pointer
from f1_infra.rules.cluster import principal_pattern_problem
from f1_infra.settings.base import PRINCIPAL_PATTERN_EXAMPLE
from f1_infra.settings.environment import EnvironmentConfig, partition_of

NO_REGION = "needs disaster_recovery.region, the region the copies go to; add a disaster_recovery section"


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    dr_region = config.disaster_recovery_region
    if dr_region is None:
        if config.storage.replication is not None:
            yield pointer("storage", "replication"), f"bucket replication {NO_REGION}"
        if config.database.backup_replication is not None:
            yield pointer("database", "backup_replication"), f"backup replication {NO_REGION}"
        if config.registry.replicate:
            yield pointer("registry", "replicate"), f"image replication {NO_REGION}"
    else:
        where = pointer("disaster_recovery", "region")
        if dr_region == config.region:
            yield where, f"{dr_region!r} is the environment's own region; copies belong in another region"
        elif partition_of(dr_region) != config.partition:
            yield (
                where,
                f"{dr_region!r} is in the {partition_of(dr_region)} partition and {config.region!r} in "
                f"{config.partition}; S3, RDS and ECR replicate only within one partition",
            )
        elif dr_region not in catalog.regions():
            close = ", ".join(catalog.nearest(dr_region, catalog.regions())) or "none close"
            yield where, f"{dr_region!r} is not an AWS region in botocore's endpoint data; nearest: {close}"
    # Rule 54: RDS replicates automated backups, which do not exist without a retention.
    if config.database.backup_replication is not None and config.database.backup_retention_days == 0:
        yield (
            pointer("database", "backup_replication"),
            "needs automated backups on the primary: backup_retention_days is 0; set it to 1 or more",
        )
    copies = (config.storage.replication, config.database.backup_replication, config.registry.replicate or None)
    if config.disaster_recovery is not None and any(c is not None for c in copies):
        patterns = config.disaster_recovery.restore_principal_arn_patterns
        if not patterns:
            yield (
                pointer("disaster_recovery", "restore_principal_arn_patterns"),
                "is empty, so nobody could restore from the copies: their keys admit only the environment's own "
                "roles, and a restore runs with the restorer's credentials; name the role of the people who "
                f"restore, e.g. {PRINCIPAL_PATTERN_EXAMPLE}",
            )
        for i, pattern in enumerate(patterns):
            problem = principal_pattern_problem(config, pattern, "decrypt the environment's copies")
            if problem:
                yield pointer("disaster_recovery", "restore_principal_arn_patterns", i), problem
    if config.registry.replicate and not config.registry.repositories:
        yield pointer("registry", "replicate"), "is true but registry.repositories lists no service to replicate"
