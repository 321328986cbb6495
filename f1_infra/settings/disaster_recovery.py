"""Settings of the disaster-recovery region (envs/*.json `disaster_recovery`): the one place that names
it. What each data store keeps there is in its own section: storage.replication (buckets),
database.backup_replication (automated backups), registry.replicate (container images)."""

from __future__ import annotations

from pydantic import Field

from f1_infra.settings.base import UNIQUE, PrincipalArnPattern, Region, Setting


class DisasterRecoveryConfig(Setting):
    region: Region = Field(
        description="The AWS region that holds the copies the environment keeps for the loss of its own region: "
        "bucket replicas, replicated database backups, replicated container images. Must differ from region, in the "
        "same partition. The deploy role is allowed there too (bootstrap stack). Changing it moves every copy: the "
        "replicas in the old region are left behind and the new region starts empty."
    )
    restore_principal_arn_patterns: tuple[PrincipalArnPattern, ...] = Field(
        (),
        json_schema_extra=UNIQUE,
        description="Who restores in the disaster-recovery region: IAM role or user ARN patterns (aws:PrincipalArn) "
        "that may use the keys of the copies there (the bucket replicas' and the database backups' and images'). A "
        "restore of the database, or a copy out of a replica bucket, runs with the restorer's own credentials, and "
        "the keys admit nobody else but the environment's roles. Required when the environment keeps copies, e.g. "
        "the IAM Identity Center role of the platform administrators.",
    )
