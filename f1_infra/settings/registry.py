"""Settings of the container image repositories (envs/*.json `registry`): one ECR repository per
service, their image lifecycle, their replication into the disaster-recovery region."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from f1_infra.settings.base import UNIQUE, Setting

# One path component of an ECR repository name (the whole name is <project>-<environment>/<service>).
SERVICE_NAME_PATTERN = r"^[a-z0-9]+([._-][a-z0-9]+)*$"

ServiceName = Annotated[
    str,
    Field(
        min_length=1,
        pattern=SERVICE_NAME_PATTERN,
        description="a service name is lowercase letters and digits, with single '.', '_' or '-' between them",
    ),
]


def repository_name(name_prefix: str, service: str) -> str:
    """<project>-<environment>/<service>: the one place repository names are made."""
    return f"{name_prefix}/{service}"


def repository_prefix(name_prefix: str) -> str:
    """What every repository name of the environment starts with (the replication filter)."""
    return f"{name_prefix}/"


class RegistryConfig(Setting):
    repositories: tuple[ServiceName, ...] = Field(
        (),
        json_schema_extra=UNIQUE,
        description="Services that get an ECR repository, named <project>-<environment>/<service>: lowercase "
        "letters and digits, single '.', '_' or '-' between them. Tags are immutable, every push is scanned, images "
        "are encrypted with the environment key. Removing a service deletes its repository (refused when production "
        "is true).",
    )
    tagged_images_kept: int = Field(
        100,
        ge=1,
        le=10000,
        description="Tagged images each repository keeps; the oldest beyond this count expire. Keep enough for a "
        "rollback across several releases.",
    )
    untagged_expiry_days: int = Field(
        7,
        ge=1,
        le=3650,
        description="Days after its push when an untagged image (a layer set no tag points to any more, e.g. a "
        "superseded build of an image index) expires.",
    )
    replicate: bool = Field(
        False,
        description="Replicate every push into repositories of the same names in disaster_recovery.region "
        "(encrypted with a key of that region). ECR has one replication configuration per account and region: at "
        "most one environment of an account may set this, or their applies overwrite each other's rules.",
    )
