"""What a production environment promises (docs/security.md): nothing that holds data is lost to a
mistaken plan, and every check of the checkov gate passes. Each promise that depends on the file is
refused here, so `validate` and the test suite judge a production file alike."""

from __future__ import annotations

import typing
from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.settings.cluster import ClusterConfig
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.storage import BucketKey

PRODUCTION = "in a production environment (production is true)"
MIN_BACKUP_DAYS = 7
MIN_SECRET_RECOVERY_DAYS = 7
# checkov CKV_AWS_338: CloudWatch log groups keep their records for at least a year.
MIN_LOG_RETENTION_DAYS = 365
LOG_RETENTIONS = (
    ("network", "flow_logs", "retention_days"),
    ("cluster", "log_retention_days"),
    ("database", "log_retention_days"),
    ("cache", "log_retention_days"),
    ("monitoring", "alb", "waf", "log_retention_days"),
    ("monitoring", "log_retention_days"),
)
# checkov CKV_AWS_37: every control-plane log type.
ALL_LOG_TYPES = typing.get_args(typing.get_args(ClusterConfig.model_fields["log_types"].annotation)[0])
ALL_BUCKETS: tuple[str, ...] = typing.get_args(BucketKey)


def _value(config: EnvironmentConfig, path: tuple[str, ...]) -> typing.Any:
    node: typing.Any = config
    for key in path:
        node = getattr(node, key)
    return node


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    if not config.production:
        return
    db, cache, cluster = config.database, config.cache, config.cluster
    if db.backup_retention_days < MIN_BACKUP_DAYS:
        yield (
            pointer("database", "backup_retention_days"),
            f"is {db.backup_retention_days}; keep automated backups at least {MIN_BACKUP_DAYS} days {PRODUCTION}",
        )
    if not db.multi_az:
        yield pointer("database", "multi_az"), f"must be true {PRODUCTION}: a standby in a second zone"
    if cache.snapshot_retention_days < 1:
        yield pointer("cache", "snapshot_retention_days"), f"is 0; keep snapshots at least 1 day {PRODUCTION}"
    if cache.auth_secret_recovery_days < MIN_SECRET_RECOVERY_DAYS:
        yield (
            pointer("cache", "auth_secret_recovery_days"),
            f"is {cache.auth_secret_recovery_days}; a deleted AUTH token secret must stay recoverable at least "
            f"{MIN_SECRET_RECOVERY_DAYS} days {PRODUCTION}",
        )
    if db.master_secret_recovery_days < MIN_SECRET_RECOVERY_DAYS:
        yield (
            pointer("database", "master_secret_recovery_days"),
            f"is {db.master_secret_recovery_days}; a deleted master secret must stay recoverable at least "
            f"{MIN_SECRET_RECOVERY_DAYS} days {PRODUCTION}",
        )
    if not cluster.deletion_protection:
        yield pointer("cluster", "deletion_protection"), f"must be true {PRODUCTION}"
    missing = [t for t in ALL_LOG_TYPES if t not in cluster.log_types]
    if missing:
        yield (
            pointer("cluster", "log_types"),
            f"lacks {', '.join(missing)}; every control-plane log is kept {PRODUCTION}",
        )
    for path in LOG_RETENTIONS:
        days = _value(config, path)
        if days < MIN_LOG_RETENTION_DAYS:
            yield pointer(*path), f"is {days} days; logs are kept at least {MIN_LOG_RETENTION_DAYS} days {PRODUCTION}"
    replication = config.storage.replication
    if replication is None:
        yield (
            pointer("storage", "replication"),
            f"is required {PRODUCTION}: replicate {', '.join(ALL_BUCKETS)} into a disaster-recovery region",
        )
    else:
        unreplicated = [b for b in ALL_BUCKETS if b not in replication.buckets]
        if unreplicated:
            yield (
                pointer("storage", "replication", "buckets"),
                f"lacks {', '.join(unreplicated)}; every bucket is replicated {PRODUCTION}",
            )
    if db.backup_replication is None:
        yield (
            pointer("database", "backup_replication"),
            f"is required {PRODUCTION}: replicate the automated backups into the disaster-recovery region, so that "
            "the database can be restored there when its region is lost",
        )
    if config.registry.repositories and not config.registry.replicate:
        yield (
            pointer("registry", "replicate"),
            f"must be true {PRODUCTION}: the images are needed to run the services in the disaster-recovery region",
        )
