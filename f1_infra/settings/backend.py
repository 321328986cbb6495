"""Settings of the state backend (envs/*.json `backend`): local, Terraform Cloud or S3."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from f1_infra.settings.base import REGION_PATTERN, Setting

KIND_DESCRIPTION = "Kind of state backend: local, cloud or s3."


class _Backend(Setting):
    type: str

    @property
    def is_cloud(self) -> bool:
        return self.type == "cloud"


class LocalBackend(_Backend):
    """State in terraform-state/<environment>.tfstate next to this checkout: no login, no sharing,
    no locking between machines."""

    type: Literal["local"] = Field("local", description=KIND_DESCRIPTION)


class CloudBackend(_Backend):
    """State and runs in a Terraform Cloud / HCP Terraform workspace (created, with AWS dynamic
    credentials, by the bootstrap stack)."""

    type: Literal["cloud"] = Field(description=KIND_DESCRIPTION)
    organization: str = Field(
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Terraform Cloud organization that owns the workspace: letters, digits, - and _.",
    )
    project: str | None = Field(
        None,
        max_length=40,
        pattern=r"^[A-Za-z0-9_ -]+$",
        description="Terraform Cloud project of the workspace (letters, digits, spaces, - and _; at most 40 "
        "characters); the bootstrap stack creates it. Leave out to use the organization's default project.",
    )
    workspace: str = Field(
        max_length=90,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Workspace name, unique in the organization: letters, digits, - and _, at most 90 characters.",
    )
    hostname: str = Field(
        "app.terraform.io",
        pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
        description="Host of Terraform Cloud, or of a Terraform Enterprise installation. It is also the OIDC issuer "
        "that AWS trusts for the workspace's dynamic credentials.",
    )
    terraform_version: str = Field(
        "1.13.4",
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$",
        description="Exact Terraform version the workspace runs (x.y.z), so that a plan reviewed on one day applies "
        "with the same Terraform later.",
    )


class S3Backend(_Backend):
    """State in an S3 bucket that already exists (versioned and encrypted, created outside this
    project), locked with Terraform's S3 native lock file (Terraform 1.10 or later)."""

    type: Literal["s3"] = Field(description=KIND_DESCRIPTION)
    bucket: str = Field(
        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description="Name of the existing state bucket: 3 to 63 lowercase letters, digits, dots and hyphens, "
        "starting and ending with a letter or digit.",
    )
    key: str = Field(
        max_length=1024,
        pattern=r"^[^/](.*[^/])?$",
        description="Object key of the state file, e.g. f1-analytics/dev.tfstate; must not start or end with /.",
    )
    region: str = Field(pattern=REGION_PATTERN, description="Region of the state bucket.")
    use_lockfile: Literal[True] = Field(
        True,
        description="Terraform's S3 native state locking (a .tflock object next to the state). Always on: without a "
        "lock two concurrent runs can corrupt the state.",
    )


BackendConfig = Annotated[LocalBackend | CloudBackend | S3Backend, Field(discriminator="type")]
