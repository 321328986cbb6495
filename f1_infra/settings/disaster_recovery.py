"""Settings of the disaster-recovery region (envs/*.json `disaster_recovery`): the one place that names
it. What each data store keeps there is in its own section: storage.replication (buckets),
database.backup_replication (automated backups), registry.replicate (container images)."""

from __future__ import annotations

from pydantic import Field

from f1_infra.settings.base import Region, Setting


class DisasterRecoveryConfig(Setting):
    region: Region = Field(
        description="The AWS region that holds the copies the environment keeps for the loss of its own region: "
        "bucket replicas, replicated database backups, replicated container images. Must differ from region, in the "
        "same partition. The deploy role is allowed there too (bootstrap stack). Changing it moves every copy: the "
        "replicas in the old region are left behind and the new region starts empty."
    )
