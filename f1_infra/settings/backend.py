"""Settings of the state backend (envs/*.json `backend`): local, Terraform Cloud or S3."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from f1_infra.settings.base import REGION_PATTERN, Setting

KIND_DESCRIPTION = "Kind of state backend: local, cloud or s3."
# The cluster services stack of an environment keeps its state next to the environment's: the
# workspace, S3 key or local file of the environment with this suffix.
SERVICES_SUFFIX = "-services"
WORKSPACE_MAX_LENGTH = 90
S3_KEY_MAX_LENGTH = 1024
# Fargate's CPU units and the memory each allows, in MiB (ECS developer guide, task size).
FARGATE_MEMORY_MIB: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
}


class _Backend(Setting):
    type: str

    @property
    def is_cloud(self) -> bool:
        return self.type == "cloud"

    def for_services(self) -> BackendConfig:
        """Where the environment's cluster services stack keeps its state: of the same kind, never
        the environment's own."""
        return self


class LocalBackend(_Backend):
    """State in terraform-state/<environment>.tfstate next to this checkout (the cluster services
    stack's in <environment>-services.tfstate): no login, no sharing, no locking between machines."""

    type: Literal["local"] = Field("local", description=KIND_DESCRIPTION)


class TerraformAgentConfig(Setting):
    """The Terraform Cloud agent inside the VPC that runs the cluster services workspace: the
    Kubernetes API endpoint is private, and Terraform Cloud's own runners have no address range an
    allow list could name."""

    version: str = Field(
        "1.28.2",
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$",
        description="Version of the hashicorp/tfc-agent image (x.y.z; 1.7.0 or later for dynamic AWS credentials). "
        "See the agent changelog in the HCP Terraform documentation.",
    )
    cpu: Literal[256, 512, 1024, 2048, 4096] = Field(
        1024, description="Fargate CPU units of the agent's task: 256, 512, 1024, 2048 or 4096 (1024 is one vCPU)."
    )
    memory_mib: int = Field(
        2048,
        ge=512,
        le=30720,
        description="Memory of the agent's task in MiB, one of the sizes Fargate allows for the CPU (1024 CPU: 2048 to "
        "8192 in steps of 1024). Terraform and its providers run inside it.",
    )
    token_version: int = Field(
        1,
        ge=1,
        description="Version of the agent pool token. Raise it by one to replace the token: the bootstrap stack "
        "creates a new one, writes it to the agent's secret and deletes the old one; the environment's next apply "
        "then replaces the agent's task, which starts with the new token.",
    )


# The events a workspace notification configuration can send (HCP Terraform notifications API).
NotificationTrigger = Literal[
    "run:created",
    "run:planning",
    "run:needs_attention",
    "run:applying",
    "run:completed",
    "run:errored",
    "assessment:check_failure",
    "assessment:drifted",
    "assessment:failed",
]


class DeploymentNotices(Setting):
    """E-mails Terraform Cloud sends about the runs of the environment's two workspaces. Speculative
    plans (pull requests) send none."""

    email_user_ids: tuple[Annotated[str, Field(pattern=r"^user-[A-Za-z0-9]+$")], ...] = Field(
        (),
        max_length=20,
        description="Terraform Cloud users (user-... ids, members of the organization) who get an e-mail on each of "
        "the triggers. Leave empty for no notification configuration.",
    )
    triggers: tuple[NotificationTrigger, ...] = Field(
        ("run:needs_attention", "run:completed", "run:errored"),
        min_length=1,
        description="The run events that send an e-mail: run:created, run:planning, run:needs_attention (an apply "
        "waits for its confirmation), run:applying, run:completed, run:errored, assessment:check_failure, "
        "assessment:drifted, assessment:failed.",
    )


class CloudBackend(_Backend):
    """State and runs in a Terraform Cloud / HCP Terraform workspace (created, with AWS dynamic
    credentials, by the bootstrap stack). The cluster services stack runs in a second workspace,
    `<workspace>-services`, on an agent inside the VPC."""

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
        max_length=WORKSPACE_MAX_LENGTH,
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
    bootstrap_role: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9+=,.@_-]+$",
        description="Name of an IAM role in the environment's account (account_id) that the bootstrap stack assumes to "
        "create the account's Terraform Cloud OIDC provider and the environment's roles, e.g. "
        "OrganizationAccountAccessRole in an AWS Organizations member account. Leave out only for the account whose "
        "credentials the bootstrap stack runs with; at most one account can be that one.",
    )
    notifications: DeploymentNotices = Field(
        DeploymentNotices(),
        description="Deployment notices: who Terraform Cloud e-mails about the runs of the environment's workspaces "
        "(set by the bootstrap stack).",
    )
    agent: TerraformAgentConfig = Field(
        TerraformAgentConfig(),
        description="The Terraform Cloud agent that runs the cluster services workspace (<workspace>-services) from "
        "inside the VPC, where the private Kubernetes API endpoint is reachable.",
    )

    @property
    def services_workspace(self) -> str:
        return f"{self.workspace}{SERVICES_SUFFIX}"

    def for_services(self) -> BackendConfig:
        return self.model_copy(update={"workspace": self.services_workspace})


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
        max_length=S3_KEY_MAX_LENGTH,
        pattern=r"^[^/](.*[^/])?$",
        description="Object key of the state file, e.g. f1-analytics/dev.tfstate; must not start or end with /.",
    )
    region: str = Field(pattern=REGION_PATTERN, description="Region of the state bucket.")
    use_lockfile: Literal[True] = Field(
        True,
        description="Terraform's S3 native state locking (a .tflock object next to the state). Always on: without a "
        "lock two concurrent runs can corrupt the state.",
    )

    @property
    def services_key(self) -> str:
        """The key with -services before its .tfstate extension (or at its end)."""
        stem, dot, extension = self.key.rpartition(".")
        if dot and "/" not in extension:
            return f"{stem}{SERVICES_SUFFIX}.{extension}"
        return f"{self.key}{SERVICES_SUFFIX}"

    def for_services(self) -> BackendConfig:
        return self.model_copy(update={"key": self.services_key})


BackendConfig = Annotated[LocalBackend | CloudBackend | S3Backend, Field(discriminator="type")]
