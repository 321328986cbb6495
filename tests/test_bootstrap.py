"""The bootstrap stack: Terraform Cloud workspaces with AWS dynamic credentials, no stored keys."""

import json

import pytest

from f1_infra.bootstrap import NO_PERMISSION_TYPES, WORKLOAD_AUDIENCE, deploy_services, service_of
from f1_infra.config import EnvironmentConfig
from tests.synth import Stack, policy, statement

CLOUD_ENVIRONMENTS = ("staging", "prod")


@pytest.fixture
def bootstrap(stacks: dict[str, Stack]) -> Stack:
    return stacks["bootstrap"]


def test_bootstrap_keeps_its_own_state_locally_and_targets_the_cloud_environments(bootstrap: Stack) -> None:
    assert bootstrap.doc["terraform"]["backend"] == {"local": {"path": "../../../terraform-state/bootstrap.tfstate"}}
    assert bootstrap.doc["provider"]["tfe"] == [{"hostname": "app.terraform.io"}]
    assert set(bootstrap.doc["terraform"]["required_providers"]) == {"aws", "tfe"}
    # dev keeps local state: no workspace, no role.
    assert bootstrap.count("tfe_workspace", "dev/") == 0
    assert bootstrap.count("aws_iam_role", "dev/") == 0


def test_one_project_shared_by_the_workspaces(bootstrap: Stack) -> None:
    (project,) = bootstrap.resources("tfe_project").values()
    assert (project["name"], project["organization"]) == ("f1-analytics", "f1-analytics")


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_workspace_runs_remotely_with_a_pinned_terraform(bootstrap: Stack, env: str) -> None:
    workspace = bootstrap.resource("tfe_workspace", f"{env}/workspace")
    (project_name,) = bootstrap.resources("tfe_project")
    assert workspace["name"] == f"f1-analytics-{env}"
    assert workspace["organization"] == "f1-analytics"
    assert workspace["project_id"] == "${tfe_project." + project_name + ".id}"
    assert workspace["terraform_version"] == "1.13.4"
    settings = bootstrap.resource("tfe_workspace_settings", f"{env}/settings")
    assert settings["workspace_id"] == bootstrap.ref("tfe_workspace", f"{env}/workspace")
    assert settings["execution_mode"] == "remote"
    assert settings["auto_apply"] is False


def test_oidc_provider_trusts_terraform_cloud_for_aws_workload_identity(bootstrap: Stack) -> None:
    (provider,) = bootstrap.resources("aws_iam_openid_connect_provider").values()
    assert provider["url"] == "https://app.terraform.io"
    assert provider["client_id_list"] == [WORKLOAD_AUDIENCE]


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_role_trusts_only_its_own_workspace(bootstrap: Stack, env: str) -> None:
    role = bootstrap.resource("aws_iam_role", f"{env}/role")
    (trust,) = policy(role, "assume_role_policy")["Statement"]
    (oidc,) = bootstrap.resources("aws_iam_openid_connect_provider")
    assert trust["Principal"] == {"Federated": "${aws_iam_openid_connect_provider." + oidc + ".arn}"}
    assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    assert trust["Condition"] == {
        "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
        "StringLike": {
            "app.terraform.io:sub": (
                f"organization:f1-analytics:project:f1-analytics:workspace:f1-analytics-{env}:run_phase:*"
            )
        },
    }


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_workspace_variables_switch_dynamic_credentials_on(bootstrap: Stack, env: str) -> None:
    workspace = bootstrap.ref("tfe_workspace", f"{env}/workspace")
    auth = bootstrap.resource("tfe_variable", f"{env}/provider_auth")
    role_arn = bootstrap.resource("tfe_variable", f"{env}/run_role_arn")
    assert (auth["key"], auth["value"], auth["category"], auth["workspace_id"]) == (
        "TFC_AWS_PROVIDER_AUTH",
        "true",
        "env",
        workspace,
    )
    assert (role_arn["key"], role_arn["value"], role_arn["category"], role_arn["workspace_id"]) == (
        "TFC_AWS_RUN_ROLE_ARN",
        bootstrap.ref("aws_iam_role", f"{env}/role", "arn"),
        "env",
        workspace,
    )


def test_no_long_lived_aws_keys_anywhere(stacks: dict[str, Stack]) -> None:
    for stack in stacks.values():
        assert not stack.resources("aws_iam_access_key"), stack.name
        assert not stack.resources("aws_iam_user"), stack.name
    keys = {v["key"] for v in stacks["bootstrap"].resources("tfe_variable").values()}
    assert keys == {"TFC_AWS_PROVIDER_AUTH", "TFC_AWS_RUN_ROLE_ARN"}


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_deploy_permissions_stay_in_the_environment(
    bootstrap: Stack, configs: dict[str, EnvironmentConfig], env: str
) -> None:
    body = bootstrap.resource("aws_iam_role_policy", f"{env}/policy")
    assert body["role"] == bootstrap.ref("aws_iam_role", f"{env}/role")
    document = policy(body)
    account = bootstrap.data_ref("aws_caller_identity", "caller", "account_id")

    services = statement(document, "EnvironmentServices")
    assert services["Condition"] == {"StringEquals": {"aws:RequestedRegion": configs[env].region}}
    assert not any(action.startswith("iam:") for action in services["Action"])

    # Budgets is a global API: outside the region condition, limited to the environment's budgets.
    assert not any(action.startswith(("budgets:", "route53:")) for action in services["Action"])
    budgets = statement(document, "EnvironmentBudgets")
    assert budgets["Resource"] == [f"arn:aws:budgets::{account}:budget/f1-analytics-{env}-*"]
    assert "budgets:ModifyBudget" in budgets["Action"]
    # No shipped environment creates its certificate, so no DNS permissions at all.
    assert not [s for s in document["Statement"] if s["Sid"].startswith("EnvironmentDns")]

    iam = statement(document, "EnvironmentIam")
    assert "iam:*" not in iam["Action"]
    assert "iam:PassRole" in iam["Action"]
    prefix = f"arn:aws:iam::{account}:"
    assert iam["Resource"] == [
        f"{prefix}role/f1-analytics-{env}-*",
        f"{prefix}policy/f1-analytics-{env}-*",
        f"{prefix}instance-profile/f1-analytics-{env}-*",
        f"{prefix}oidc-provider/oidc.eks.us-west-2.amazonaws.com/*",
    ]
    # The deploy role itself is outside the prefix, so a run cannot widen its own permissions.
    role_name = bootstrap.resource("aws_iam_role", f"{env}/role")["name"]
    assert not role_name.startswith(f"f1-analytics-{env}-")

    deny = statement(document, "NoAdministratorPolicies")
    assert deny["Effect"] == "Deny"
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in deny["Condition"]["ArnEquals"]["iam:PolicyARN"]


def test_deploy_role_covers_every_service_the_stacks_use(stacks: dict[str, Stack]) -> None:
    allowed = set(deploy_services())
    missing = set()
    for name in ("dev", "staging", "prod"):
        doc = stacks[name].doc
        for block in ("resource", "data"):
            for type_ in doc.get(block, {}):
                # Other providers' types (random_password) call no AWS API.
                if type_ in NO_PERMISSION_TYPES or not type_.startswith("aws_"):
                    continue
                if service_of(type_) not in allowed:
                    missing.add(type_)
    assert not missing, f"add these types to SERVICE_OF_TYPE in f1_infra/bootstrap.py: {sorted(missing)}"


def test_service_lookup_prefers_the_longest_prefix() -> None:
    assert service_of("aws_cloudwatch_log_group") == "logs"
    assert service_of("aws_cloudwatch_metric_alarm") == "cloudwatch"
    assert service_of("aws_lb_target_group") == "elasticloadbalancing"
    assert service_of("aws_quicksight_user") is None


def test_bootstrap_holds_no_secret_values(bootstrap: Stack) -> None:
    text = json.dumps(bootstrap.doc)
    assert "AKIA" not in text
    assert not any(v.get("sensitive") for v in bootstrap.resources("tfe_variable").values())
