"""Names that the bootstrap stack gives to what it makes for a Terraform Cloud environment, and that
the environment's own stack refers to by name: the deploy roles, the agent pool and the secret
holding the agent's token. Declared once here, so that both sides agree without a cross-stack
reference (the bootstrap stack keeps a local state that the environments cannot read)."""

from f1_infra.settings.environment import EnvironmentConfig


def deploy_role_name(config: EnvironmentConfig) -> str:
    """The role the environment workspace's runs assume. Outside `<project>-<env>-*`, the names its
    own runs may manage, so that a run cannot widen its own permissions."""
    return f"{config.project}-deploy-{config.name}"


def services_role_name(config: EnvironmentConfig) -> str:
    """The role the cluster services workspace's runs assume (outside `<project>-<env>-*` too)."""
    return f"{deploy_role_name(config)}-services"


def services_role_arn(config: EnvironmentConfig, account_id: str) -> str:
    return f"arn:{config.partition}:iam::{account_id}:role/{services_role_name(config)}"


def plan_role_name(apply_role_name: str) -> str:
    """The read-only role the plan phase of a workspace's runs assumes, beside the apply role
    (`deploy_role_name` or `services_role_name`); outside `<project>-<env>-*` like them."""
    return f"{apply_role_name}-plan"


def services_plan_role_arn(config: EnvironmentConfig, account_id: str) -> str:
    return f"arn:{config.partition}:iam::{account_id}:role/{plan_role_name(services_role_name(config))}"


def run_role_names(config: EnvironmentConfig) -> list[str]:
    """The roles the environment's Terraform Cloud runs assume (none without a cloud backend)."""
    if not config.backend.is_cloud:
        return []
    apply_roles = (deploy_role_name(config), services_role_name(config))
    return [name for role in apply_roles for name in (role, plan_role_name(role))]


def agent_pool_name(config: EnvironmentConfig) -> str:
    return f"{config.name_prefix}-services"


def agent_token_secret_name(config: EnvironmentConfig) -> str:
    """The Secrets Manager secret (in the environment's region) that holds the agent pool token."""
    return f"{config.name_prefix}-tfc-agent-token"
