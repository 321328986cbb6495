"""Settings of the S3 module (envs/*.json `storage`): buckets, lifecycles, replication. Who may use
the buckets is in the workloads section (f1_infra/settings/workloads.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from f1_infra.settings.base import UNIQUE, Setting

# Bucket names end with the hex form of a random_id of this many bytes: unique in S3's global
# namespace, and fixed in the Terraform state after the first apply.
BUCKET_SUFFIX_BYTES = 4
BUCKET_SUFFIX_LENGTH = 2 * BUCKET_SUFFIX_BYTES
BUCKET_KEYS = ("models", "backups", "logs")

BucketKey = Literal["models", "backups", "logs"]
StorageClass = Literal["STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]

BUCKET_NAME_DESCRIPTION = (
    "Middle part of the bucket name <project>-<environment>-<name>-<suffix> (the suffix is 8 random hex "
    "characters, fixed at the first apply). The whole name must follow S3's naming rules: 3 to 63 characters, "
    "lowercase letters, digits, dots and hyphens. Renaming replaces the bucket."
)
LIFECYCLE_DESCRIPTION = (
    "Lifecycle of the bucket's objects: storage class transitions, expiration, noncurrent versions, incomplete "
    "multipart uploads."
)
OBJECT_LOCK_DESCRIPTION = (
    "S3 Object Lock in governance mode: every new object version is protected from deletion and overwrite for "
    "retention_days (users with s3:BypassGovernanceRetention can still remove it). Leave out for no lock. Object "
    "Lock can only be switched on when the bucket is created: adding it to an existing bucket replaces the bucket."
)


def bucket_name(name_prefix: str, name: str, suffix: str, *, replica: bool = False) -> str:
    """<project>-<environment>-<name>[-dr]-<suffix>: the one place bucket names are made."""
    return f"{name_prefix}-{name}{'-dr' if replica else ''}-{suffix}"


class LifecycleTransition(Setting):
    storage_class: StorageClass = Field(
        description="Target storage class, in S3's order: STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, "
        "GLACIER, DEEP_ARCHIVE."
    )
    days: int = Field(
        ge=0,
        description="Days after creation (for noncurrent transitions: after becoming noncurrent). At least 30 for "
        "STANDARD_IA and ONEZONE_IA.",
    )


class BucketLifecycle(Setting):
    transitions: tuple[LifecycleTransition, ...] = Field((), description="Transitions of current object versions.")
    expiration_days: int | None = Field(
        None,
        ge=1,
        description="Days after creation when current versions expire (become noncurrent). Must exceed every "
        "transition's days. Leave out to keep objects forever.",
    )
    noncurrent_transitions: tuple[LifecycleTransition, ...] = Field(
        (), description="Transitions of noncurrent (overwritten or deleted) versions."
    )
    noncurrent_expiration_days: int = Field(
        90,
        ge=1,
        description="Days after becoming noncurrent when a version is deleted for good. Must exceed every "
        "noncurrent transition's days.",
    )
    abort_incomplete_multipart_days: int = Field(
        7,
        ge=1,
        description="Days after which incomplete multipart uploads are aborted and their parts deleted.",
    )


def _lifecycle(*transitions: tuple[StorageClass, int], expiration: int | None, noncurrent: int) -> BucketLifecycle:
    return BucketLifecycle(
        transitions=tuple(LifecycleTransition(storage_class=c, days=d) for c, d in transitions),
        expiration_days=expiration,
        noncurrent_expiration_days=noncurrent,
    )


class ObjectLockConfig(Setting):
    retention_days: int = Field(
        ge=1, le=36500, description="Default governance-mode retention of every new object version, in days."
    )


class ModelsBucket(Setting):
    name: str = Field("ml-models", min_length=1, description=BUCKET_NAME_DESCRIPTION)
    lifecycle: BucketLifecycle = Field(
        _lifecycle(("STANDARD_IA", 30), ("GLACIER", 90), ("DEEP_ARCHIVE", 365), expiration=None, noncurrent=90),
        description=LIFECYCLE_DESCRIPTION,
    )
    object_lock: ObjectLockConfig | None = Field(None, description=OBJECT_LOCK_DESCRIPTION)


class BackupsBucket(Setting):
    name: str = Field("data-backup", min_length=1, description=BUCKET_NAME_DESCRIPTION)
    lifecycle: BucketLifecycle = Field(
        _lifecycle(("STANDARD_IA", 30), ("GLACIER", 60), ("DEEP_ARCHIVE", 150), expiration=2557, noncurrent=90),
        description=LIFECYCLE_DESCRIPTION,
    )
    object_lock: ObjectLockConfig | None = Field(None, description=OBJECT_LOCK_DESCRIPTION)


class LogsBucket(Setting):
    name: str = Field("logs", min_length=1, description=BUCKET_NAME_DESCRIPTION)
    lifecycle: BucketLifecycle = Field(
        _lifecycle(("STANDARD_IA", 30), ("GLACIER", 60), expiration=365, noncurrent=30),
        description=LIFECYCLE_DESCRIPTION,
    )

    @property
    def object_lock(self) -> None:
        """Always None: the logs bucket takes no Object Lock setting."""
        return None


BucketConfig = ModelsBucket | BackupsBucket | LogsBucket


class StorageBuckets(Setting):
    models: ModelsBucket = Field(
        ModelsBucket(),
        description="ML model artifacts: versioned, SSE-KMS with the environment key, EventBridge notifications so "
        "that a new artifact can trigger a deployment.",
    )
    backups: BackupsBucket = Field(
        BackupsBucket(), description="Database backups and exports: versioned, SSE-KMS with the environment key."
    )
    logs: LogsBucket = Field(
        LogsBucket(),
        description="Load balancer access logs and S3 server access logs: versioned, SSE-S3 (AES256), because "
        "neither log delivery accepts a KMS-encrypted target.",
    )

    def items(self) -> Iterator[tuple[str, BucketConfig]]:
        for key in BUCKET_KEYS:
            yield key, getattr(self, key)


class ReplicationConfig(Setting):
    buckets: tuple[BucketKey, ...] = Field(
        min_length=1,
        json_schema_extra=UNIQUE,
        description="Buckets to replicate: models, backups, logs. The replicas' own server access logs go to the "
        "replica of the logs bucket, so logs must be listed whenever another bucket is.",
    )
    replicate_delete_markers: bool = Field(
        False,
        description="Replicate delete markers too. Off keeps a replica readable after an accidental or malicious "
        "delete in the source bucket (permanent deletions of versions are never replicated).",
    )


class StorageConfig(Setting):
    force_destroy: bool = Field(
        False,
        description="Let `terraform destroy` empty and delete the buckets even when they hold objects. Only for "
        "throw-away environments: refused when production is true.",
    )
    alb_log_prefix: str = Field(
        "alb",
        pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$",
        description="Key prefix, in the logs bucket, under which the load balancer writes its access logs "
        "(<prefix>/AWSLogs/<account>/...). Letters, digits, hyphens, underscores and inner slashes; no leading or "
        "trailing slash.",
    )
    buckets: StorageBuckets = Field(StorageBuckets(), description="The three buckets of the environment.")
    replication: ReplicationConfig | None = Field(
        None,
        description="Cross-region replication of buckets into replica buckets in disaster_recovery.region (each "
        "replica encrypted with a KMS key of that region). Leave out for no replication.",
    )
