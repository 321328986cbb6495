"""The bootstrap stack: Terraform Cloud workspaces with AWS dynamic credentials, no stored keys."""

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from f1_infra.bootstrap import (
    BOUNDED_ROLE_ACTIONS,
    CUT_BY_BOUNDARY,
    MANAGED_POLICY_GRANTS,
    NO_PERMISSION_TYPES,
    PASSED_TO_SERVICES,
    WORKLOAD_ACTIONS,
    WORKLOAD_AUDIENCE,
    WORKLOAD_SERVICES,
    deploy_regions,
    deploy_services,
    service_of,
)
from f1_infra.boundary import uses_boundary
from f1_infra.config import DEFAULT_ENVS_DIR, load_environments
from f1_infra.settings.backend import CloudBackend, LocalBackend, S3Backend
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.monitoring import CostConfig
from tests.conftest import ENVIRONMENTS
from tests.journeys.policy import Request, evaluate
from tests.synth import Stack, policy, statement

# The files kept in Terraform Cloud, read from the files themselves: a new one is tested too.
CLOUD_ENVIRONMENTS = tuple(c.name for c in load_environments(DEFAULT_ENVS_DIR) if c.backend.type == "cloud")
# Each cloud environment's own account.
ACCOUNTS = {c.name: c.account_id for c in load_environments(DEFAULT_ENVS_DIR) if c.backend.type == "cloud"}
# Each cloud environment's Terraform Cloud project: prod's is its own.
PROJECTS = {"staging": "f1-analytics", "prod": "f1-analytics-prod"}


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


def test_prod_has_a_project_of_its_own(bootstrap: Stack) -> None:
    """Access a team gets on a project reaches every workspace in it: prod's workspaces are in a
    project of their own, so access to staging's never reaches prod's plan credentials."""
    projects = {body["name"]: body["organization"] for body in bootstrap.resources("tfe_project").values()}
    assert projects == {"f1-analytics": "f1-analytics", "f1-analytics-prod": "f1-analytics"}
    assert {c.name: c.backend.project for c in load_environments(DEFAULT_ENVS_DIR) if c.backend.is_cloud} == PROJECTS


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_workspace_runs_remotely_with_a_pinned_terraform(bootstrap: Stack, env: str) -> None:
    workspace = bootstrap.resource("tfe_workspace", f"{env}/workspace")
    (project_name,) = [n for n, b in bootstrap.resources("tfe_project").items() if b["name"] == PROJECTS[env]]
    assert workspace["name"] == f"f1-analytics-{env}"
    assert workspace["organization"] == "f1-analytics"
    assert workspace["project_id"] == "${tfe_project." + project_name + ".id}"
    assert workspace["terraform_version"] == "1.13.4"
    settings = bootstrap.resource("tfe_workspace_settings", f"{env}/settings")
    assert settings["workspace_id"] == bootstrap.ref("tfe_workspace", f"{env}/workspace")
    assert settings["execution_mode"] == "remote"
    assert settings["auto_apply"] is False


def oidc_provider(bootstrap: Stack, env: str) -> str:
    """The address of the Terraform Cloud OIDC provider in the environment's account."""
    return bootstrap.address("aws_iam_openid_connect_provider", f"oidc_app_terraform_io_{ACCOUNTS[env]}")


def test_one_oidc_provider_per_account_trusts_terraform_cloud_for_aws_workload_identity(bootstrap: Stack) -> None:
    providers = bootstrap.resources("aws_iam_openid_connect_provider")
    # staging and prod live in accounts of their own, each reached through its bootstrap role.
    assert len(providers) == len(set(ACCOUNTS.values())) == 2
    for env in CLOUD_ENVIRONMENTS:
        provider = bootstrap.resource("aws_iam_openid_connect_provider", f"oidc_app_terraform_io_{ACCOUNTS[env]}")
        assert provider["url"] == "https://app.terraform.io"
        assert provider["client_id_list"] == [WORKLOAD_AUDIENCE]
        assert provider["provider"] == f"aws.account_{ACCOUNTS[env]}"


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
@pytest.mark.parametrize(("role_id", "phase"), [("role", "apply"), ("plan_role", "plan")])
def test_each_role_trusts_only_one_phase_of_its_own_workspace(
    bootstrap: Stack, env: str, role_id: str, phase: str
) -> None:
    role = bootstrap.resource("aws_iam_role", f"{env}/{role_id}")
    assert role["name"] == f"f1-analytics-deploy-{env}" + ("-plan" if phase == "plan" else "")
    (trust,) = policy(role, "assume_role_policy")["Statement"]
    assert trust["Principal"] == {"Federated": "${" + oidc_provider(bootstrap, env) + ".arn}"}
    assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    assert trust["Condition"] == {
        "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
        "StringLike": {
            "app.terraform.io:sub": (
                f"organization:f1-analytics:project:{PROJECTS[env]}:workspace:f1-analytics-{env}:run_phase:{phase}"
            )
        },
    }


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
@pytest.mark.parametrize("phase", ["plan", "apply"])
def test_a_run_gets_the_role_of_its_phase_and_no_other(bootstrap: Stack, env: str, phase: str) -> None:
    """The token of a plan cannot assume the apply role, nor an apply's the plan role."""
    token = Request(
        "sts:AssumeRoleWithWebIdentity",
        bootstrap.ref("aws_iam_role", f"{env}/role", "arn"),
        principal={"Federated": "${" + oidc_provider(bootstrap, env) + ".arn}"},
        context={
            "app.terraform.io:aud": "aws.workload.identity",
            "app.terraform.io:sub": (
                f"organization:f1-analytics:project:{PROJECTS[env]}:workspace:f1-analytics-{env}:run_phase:{phase}"
            ),
        },
    )
    for role_id, role_phase in (("role", "apply"), ("plan_role", "plan")):
        trust = policy(bootstrap.resource("aws_iam_role", f"{env}/{role_id}"), "assume_role_policy")
        decision = evaluate(token, resource_policy=trust, resource_policy_required=True)
        assert decision.allowed is (phase == role_phase), (role_id, decision.reason)


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_workspace_variables_give_each_phase_its_role(bootstrap: Stack, env: str) -> None:
    workspace = bootstrap.ref("tfe_workspace", f"{env}/workspace")
    variables = {
        id: (v["key"], v["value"], v["category"], v["workspace_id"])
        for id in ("provider_auth", "run_role_arn", "plan_role_arn")
        if (v := bootstrap.resource("tfe_variable", f"{env}/{id}"))
    }
    assert variables == {
        "provider_auth": ("TFC_AWS_PROVIDER_AUTH", "true", "env", workspace),
        # The construct id of the variable that held TFC_AWS_RUN_ROLE_ARN: its address stays.
        "run_role_arn": (
            "TFC_AWS_APPLY_ROLE_ARN",
            bootstrap.ref("aws_iam_role", f"{env}/role", "arn"),
            "env",
            workspace,
        ),
        "plan_role_arn": (
            "TFC_AWS_PLAN_ROLE_ARN",
            bootstrap.ref("aws_iam_role", f"{env}/plan_role", "arn"),
            "env",
            workspace,
        ),
    }


def test_no_long_lived_aws_keys_anywhere(stacks: dict[str, Stack]) -> None:
    for stack in stacks.values():
        assert not stack.resources("aws_iam_access_key"), stack.name
        assert not stack.resources("aws_iam_user"), stack.name
    keys = {v["key"] for v in stacks["bootstrap"].resources("tfe_variable").values()}
    # No TFC_AWS_RUN_ROLE_ARN: one role for both phases is what the plan role replaces.
    assert keys == {"TFC_AWS_PROVIDER_AUTH", "TFC_AWS_PLAN_ROLE_ARN", "TFC_AWS_APPLY_ROLE_ARN"}


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_deploy_permissions_stay_in_the_environment(
    bootstrap: Stack, configs: dict[str, EnvironmentConfig], env: str
) -> None:
    body = bootstrap.resource("aws_iam_role_policy", f"{env}/policy")
    assert body["role"] == bootstrap.ref("aws_iam_role", f"{env}/role")
    document = policy(body)
    account = ACCOUNTS[env]

    services = statement(document, "EnvironmentServices")
    assert services["Condition"] == {"StringEquals": {"aws:RequestedRegion": deploy_regions(configs[env])}}
    assert not any(action.startswith("iam:") for action in services["Action"])

    # Budgets is a global API: outside the region condition, limited to the environment's budgets.
    assert not any(action.startswith(("budgets:", "route53:")) for action in services["Action"])
    budgets = statement(document, "EnvironmentBudgets")
    assert budgets["Resource"] == [f"arn:aws:budgets::{account}:budget/f1-analytics-{env}-*"]
    assert "budgets:ModifyBudget" in budgets["Action"]
    # Its certificate is validated in its own zone, and no other.
    zone = configs[env].monitoring.alb.certificate.hosted_zone_id
    assert statement(document, "EnvironmentDns")["Resource"] == [f"arn:aws:route53:::hostedzone/{zone}"]

    iam = statement(document, "EnvironmentIam")
    assert "iam:*" not in iam["Action"]
    # Role creation and PassRole are conditioned, in statements of their own (tests below).
    assert not {"iam:PassRole", *BOUNDED_ROLE_ACTIONS} & set(iam["Action"])
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
    assert deny["Action"] == ["iam:AttachRolePolicy"]
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in deny["Condition"]["ArnEquals"]["iam:PolicyARN"]
    # Rule 51: PutRolePermissionsBoundary names its policy in iam:PermissionsBoundary.
    boundaries = statement(document, "NoAdministratorBoundaries")
    assert (boundaries["Effect"], boundaries["Action"]) == ("Deny", ["iam:PutRolePermissionsBoundary"])
    assert (
        boundaries["Condition"]["ArnEquals"]["iam:PermissionsBoundary"]
        == deny["Condition"]["ArnEquals"]["iam:PolicyARN"]
    )


def test_deploy_role_covers_every_service_the_stacks_use(stacks: dict[str, Stack]) -> None:
    allowed = set(deploy_services())
    missing = set()
    for name in ENVIRONMENTS:
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


# ----------------------------------------------------------------------------- regions


def test_deploy_regions_add_the_disaster_recovery_and_billing_regions(configs: dict[str, EnvironmentConfig]) -> None:
    # prod and staging keep copies in us-east-1 (buckets, database backups, images, their keys),
    # and their billing alarms and topics are there.
    assert deploy_regions(configs["prod"]) == ["us-west-2", "us-east-1"]
    assert deploy_regions(configs["staging"]) == ["us-west-2", "us-east-1"]
    assert deploy_regions(configs["dev"]) == ["us-west-2"]
    # Bucket replication alone names no region: the disaster-recovery region does.
    prod = configs["prod"]
    alone = prod.model_copy(update={"disaster_recovery": None})
    assert deploy_regions(alone) == ["us-west-2", "us-east-1"]
    quiet = alone.monitoring.model_copy(update={"cost": CostConfig()})
    assert deploy_regions(alone.model_copy(update={"monitoring": quiet})) == ["us-west-2"]
    # An environment with only a billing alarm creates its alarm, topic and key in us-east-1.
    alarm = configs["dev"].monitoring.model_copy(update={"cost": CostConfig(billing_alarm_usd=100)})
    assert deploy_regions(configs["dev"].model_copy(update={"monitoring": alarm})) == ["us-west-2", "us-east-1"]


@pytest.mark.parametrize("env", ["prod", "staging"])
def test_deploy_role_and_boundary_reach_the_disaster_recovery_region(bootstrap: Stack, env: str) -> None:
    expected = {"StringEquals": {"aws:RequestedRegion": ["us-west-2", "us-east-1"]}}
    deploy = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/policy"))
    assert statement(deploy, "EnvironmentServices")["Condition"] == expected
    boundary = policy(bootstrap.resource("aws_iam_policy", f"{env}/boundary"))
    assert statement(boundary, "WorkloadServices")["Condition"] == expected
    staging = policy(bootstrap.resource("aws_iam_role_policy", "staging/policy"))
    assert statement(staging, "EnvironmentServices")["Condition"] == expected


# ----------------------------------------------------------------------------- permissions boundary


def boundary_of(bootstrap: Stack, env: str, account: str) -> str:
    """The boundary's ARN as IAM will report it, from the policy's path and name."""
    body = bootstrap.resource("aws_iam_policy", f"{env}/boundary")
    return f"arn:aws:iam::{account}:policy{body['path']}{body['name']}"


def allowed_actions(document: dict[str, Any]) -> list[str]:
    return [a for s in document["Statement"] if s["Effect"] == "Allow" for a in s["Action"]]


def granted_to_roles(stack: Stack) -> dict[str, set[str]]:
    """Every action a role of the stack is granted, by inline policy or by attached managed
    policy (MANAGED_POLICY_GRANTS), with where it comes from."""
    granted: dict[str, set[str]] = {}
    for name, body in stack.resources("aws_iam_role_policy").items():
        for action in allowed_actions(policy(body)):
            granted.setdefault(action, set()).add(f"aws_iam_role_policy.{name}")
    for name, body in stack.resources("aws_iam_role_policy_attachment").items():
        managed = body["policy_arn"].split(":policy/", 1)[1]
        assert managed in MANAGED_POLICY_GRANTS, f"add {managed} to MANAGED_POLICY_GRANTS in f1_infra/bootstrap.py"
        for action in MANAGED_POLICY_GRANTS[managed]:
            granted.setdefault(action, set()).add(f"aws_iam_role_policy_attachment.{name}")
    # Roles get permissions through nothing else.
    assert not stack.resources("aws_iam_policy")
    assert not stack.resources("aws_iam_role_policy_attachments_exclusive")
    for body in stack.resources("aws_iam_role").values():
        assert "inline_policy" not in body
        assert "managed_policy_arns" not in body
    return granted


def test_boundary_is_outside_what_the_deploy_role_may_change(bootstrap: Stack, env: str) -> None:
    if env not in CLOUD_ENVIRONMENTS:
        assert bootstrap.count("aws_iam_policy", f"{env}/") == 0
        return
    body = bootstrap.resource("aws_iam_policy", f"{env}/boundary")
    assert (body["name"], body["path"]) == (f"f1-analytics-{env}-boundary", "/f1-analytics-boundaries/")
    account = ACCOUNTS[env]
    arn = boundary_of(bootstrap, env, account)
    deploy = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/policy"))
    iam_grants = [s for s in deploy["Statement"] if s["Effect"] == "Allow" and "iam:GetRole" in s["Action"]]
    assert iam_grants
    for allow in (s for s in deploy["Statement"] if s["Effect"] == "Allow"):
        if any(action.startswith("iam:") for action in allow["Action"]):
            assert not any(fnmatchcase(arn, resource) for resource in allow["Resource"]), allow["Sid"]
    keep = statement(deploy, "KeepTheBoundary")
    assert keep["Effect"] == "Deny"
    assert keep["Resource"] == [bootstrap.ref("aws_iam_policy", f"{env}/boundary", "arn")]
    assert {"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} <= set(keep["Action"])


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_boundary_allows_the_workload_services_and_no_iam_changes(bootstrap: Stack, env: str) -> None:
    document = policy(bootstrap.resource("aws_iam_policy", f"{env}/boundary"))
    services = statement(document, "WorkloadServices")
    assert services["Action"] == [*(f"{service}:*" for service in WORKLOAD_SERVICES), *WORKLOAD_ACTIONS]
    # The workloads' journeys: custom metrics and the database through the RDS Proxy, one action each.
    assert {"cloudwatch:PutMetricData", "rds-db:connect"} <= set(services["Action"])
    assert not {"cloudwatch:*", "rds-db:*"} & set(services["Action"])
    assert not [a for a in WORKLOAD_ACTIONS if a.split(":")[0] in WORKLOAD_SERVICES]
    assert not any(action.startswith(("iam:", "sts:", "organizations:")) for action in services["Action"])
    # The only IAM action it lets through is the load balancing service-linked role.
    assert [a for a in allowed_actions(document) if a.startswith("iam:")] == ["iam:CreateServiceLinkedRole"]
    linked = statement(document, "ServiceLinkedRoles")
    assert linked["Condition"] == {"StringEquals": {"iam:AWSServiceName": ["elasticloadbalancing.amazonaws.com"]}}
    deny = statement(document, "NoIamChanges")
    assert (deny["Effect"], deny["Action"], deny["Resource"]) == ("Deny", ["iam:*"], ["*"])
    assert deny["Condition"] == {
        "StringNotEqualsIfExists": {"iam:AWSServiceName": ["elasticloadbalancing.amazonaws.com"]}
    }


def test_every_grant_of_every_environment_role_is_within_the_boundary(
    stacks: dict[str, Stack], bootstrap: Stack
) -> None:
    boundary = allowed_actions(policy(bootstrap.resource("aws_iam_policy", "prod/boundary")))
    used_services = set()
    used_actions = set()
    outside = {}
    for name in ENVIRONMENTS:
        for action, sources in granted_to_roles(stacks[name]).items():
            used_services.add(action.split(":")[0])
            used_actions.add(action)
            if action not in CUT_BY_BOUNDARY and not any(fnmatchcase(action, pattern) for pattern in boundary):
                outside[action] = sorted(sources)
    assert not outside, f"extend WORKLOAD_SERVICES or WORKLOAD_ACTIONS in f1_infra/bootstrap.py: {outside}"
    # And no wider: every service and every single action of the boundary is used by some role.
    assert set(WORKLOAD_SERVICES) <= used_services
    assert set(WORKLOAD_ACTIONS) <= used_actions


def test_deploy_role_creates_and_changes_roles_only_with_the_boundary(bootstrap: Stack) -> None:
    for env in CLOUD_ENVIRONMENTS:
        deploy = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/policy"))
        account = ACCOUNTS[env]
        bounded = statement(deploy, "EnvironmentRolesWithBoundary")
        assert set(bounded["Action"]) == {
            "iam:CreateRole",
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PutRolePermissionsBoundary",
        }
        assert bounded["Resource"] == [f"arn:aws:iam::{account}:role/f1-analytics-{env}-*"]
        assert bounded["Condition"] == {
            "StringEquals": {"iam:PermissionsBoundary": bootstrap.ref("aws_iam_policy", f"{env}/boundary", "arn")}
        }
        # No other grant of these actions, wildcard or not, without the condition.
        for allow in (s for s in deploy["Statement"] if s["Effect"] == "Allow" and s is not bounded):
            granted = [a for a in bounded["Action"] if any(fnmatchcase(a, p) for p in allow["Action"])]
            assert not granted, allow["Sid"]
        keep = statement(deploy, "KeepRoleBoundaries")
        assert (keep["Effect"], keep["Action"], keep["Resource"]) == (
            "Deny",
            ["iam:DeleteRolePermissionsBoundary"],
            ["*"],
        )


def test_pass_role_only_to_the_services_the_stacks_hand_roles_to(stacks: dict[str, Stack], bootstrap: Stack) -> None:
    trusted = set()
    for name in ENVIRONMENTS:
        for body in stacks[name].resources("aws_iam_role").values():
            for trust in policy(body, "assume_role_policy")["Statement"]:
                service = trust["Principal"].get("Service", [])
                trusted.update([service] if isinstance(service, str) else service)
    assert sorted(trusted) == list(PASSED_TO_SERVICES)
    assert "s3.amazonaws.com" in trusted  # prod's replication role: the list is not one environment's
    for env in CLOUD_ENVIRONMENTS:
        deploy = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/policy"))
        account = ACCOUNTS[env]
        passing = [s for s in deploy["Statement"] if s["Effect"] == "Allow" and "iam:PassRole" in s["Action"]]
        assert [s["Sid"] for s in passing] == ["PassEnvironmentRoles"]
        (pass_role,) = passing
        assert pass_role["Action"] == ["iam:PassRole"]
        assert pass_role["Resource"] == [f"arn:aws:iam::{account}:role/f1-analytics-{env}-*"]
        assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": sorted(trusted)}}


def test_every_role_of_a_cloud_environment_carries_the_boundary(
    stack: Stack, config: EnvironmentConfig, bootstrap: Stack
) -> None:
    roles = stack.resources("aws_iam_role")
    assert len(roles) >= 7
    assert uses_boundary(config) is (stack.name in CLOUD_ENVIRONMENTS)
    if not uses_boundary(config):
        # Applied with the operator's credentials (dev): no bootstrap stack made a boundary for it.
        assert not [name for name, body in roles.items() if "permissions_boundary" in body]
        return
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    expected = boundary_of(bootstrap, stack.name, account)
    assert {name: body.get("permissions_boundary") for name, body in roles.items()} == dict.fromkeys(roles, expected)


def test_the_operator_role_is_bounded_and_its_one_action_is_within_the_boundary(
    stack: Stack, config: EnvironmentConfig, bootstrap: Stack
) -> None:
    """The role people assume to administer the cluster is an environment role like the others:
    bounded where the deploy role creates it, and what it is granted gets through the boundary."""
    role = stack.resource("aws_iam_role", "cluster/operator_role")
    if not uses_boundary(config):
        assert "permissions_boundary" not in role
        return
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    assert role["permissions_boundary"] == boundary_of(bootstrap, stack.name, account)
    boundary = allowed_actions(policy(bootstrap.resource("aws_iam_policy", f"{stack.name}/boundary")))
    assert any(fnmatchcase("eks:DescribeCluster", allowed) for allowed in boundary)
    # The deploy role may create it: its name has the environment's prefix.
    deploy = policy(bootstrap.resource("aws_iam_role_policy", f"{stack.name}/policy"))
    (created,) = statement(deploy, "EnvironmentRolesWithBoundary")["Resource"]
    deploy_account = ACCOUNTS[stack.name]
    assert fnmatchcase(f"arn:aws:iam::{deploy_account}:role/{role['name']}", created)


BACKENDS = {
    "local": LocalBackend(),
    "s3": S3Backend(type="s3", bucket="f1-analytics-state", key="staging.tfstate", region="us-west-2"),
    "cloud": CloudBackend(type="cloud", organization="f1-analytics", workspace="f1-analytics-staging"),
}


@pytest.mark.parametrize(("backend", "bounded"), [("local", False), ("s3", False), ("cloud", True)])
def test_only_terraform_cloud_environments_get_a_boundary(
    configs: dict[str, EnvironmentConfig], backend: str, bounded: bool
) -> None:
    config = configs["staging"].model_copy(update={"backend": BACKENDS[backend]})
    assert uses_boundary(config) is bounded


# ----------------------------------------------------------------------------- plan role


def write_requests(bootstrap: Stack, env: str) -> list[Request]:
    """Representative writes a plan must never make, each one the apply role may make (the last
    test of this section), in the environment's region and with the environment's names."""
    account = ACCOUNTS[env]
    region = {"aws:RequestedRegion": "us-west-2"}
    prefix = f"f1-analytics-{env}"
    boundary = bootstrap.ref("aws_iam_policy", f"{env}/boundary", "arn")
    return [
        Request(
            "iam:CreateRole",
            f"arn:aws:iam::{account}:role/{prefix}-x",
            context={"iam:PermissionsBoundary": boundary},
        ),
        Request("ec2:DeleteVpc", f"arn:aws:ec2:us-west-2:{account}:vpc/vpc-0123456789abcdef0", context=region),
        Request("rds:DeleteDBInstance", f"arn:aws:rds:us-west-2:{account}:db:{prefix}-postgres", context=region),
        Request("kms:ScheduleKeyDeletion", f"arn:aws:kms:us-west-2:{account}:key/1234abcd", context=region),
        Request("s3:DeleteBucket", f"arn:aws:s3:::{prefix}-models", context=region),
        Request("eks:CreateAccessEntry", f"arn:aws:eks:us-west-2:{account}:cluster/{prefix}-eks", context=region),
        # Any secret but the database's master secret, which the plan reads (next test).
        Request(
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:us-west-2:{account}:secret:{prefix}-tfc-agent-token-AbCdEf",
            context=region,
        ),
        # Decrypting with a key directly, not through Secrets Manager for the master secret.
        Request("kms:Decrypt", f"arn:aws:kms:us-west-2:{account}:key/1234abcd", context=region),
    ]


def writes_allowed(documents: list[dict[str, Any]], requests: list[Request]) -> list[str]:
    return [
        f"{r.action} on {r.resource}: {decision.reason}"
        for r in requests
        if (decision := evaluate(r, documents)).allowed
    ]


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_plan_role_cannot_create_change_or_delete_anything(bootstrap: Stack, env: str) -> None:
    plan = bootstrap.resource("aws_iam_role_policy", f"{env}/plan_policy")
    assert plan["role"] == bootstrap.ref("aws_iam_role", f"{env}/plan_role")
    # The plan role's only permissions: this one inline policy, nothing attached.
    plan_role = bootstrap.ref("aws_iam_role", f"{env}/plan_role")
    assert [p for p in bootstrap.resources("aws_iam_role_policy").values() if p["role"] == plan_role] == [plan]
    assert not [a for a in bootstrap.resources("aws_iam_role_policy_attachment").values() if a["role"] == plan_role]
    allowed = writes_allowed([policy(plan)], write_requests(bootstrap, env))
    assert not allowed, f"the plan role of {env} may write: {allowed}"
    # And no write verb is granted by name or by wildcard, whatever the request's resource.
    verbs = ("Create", "Delete", "Put", "Update", "Modify", "Attach", "Detach", "Schedule", "Tag", "Untag", "Set")
    granted = [
        a
        for s in policy(plan)["Statement"]
        if s["Effect"] == "Allow"
        for a in s["Action"]
        if a.split(":")[1].startswith(verbs) or a.split(":")[1] == "*"
    ]
    assert not granted


def test_the_confinement_check_catches_a_plan_role_given_the_apply_policy(bootstrap: Stack) -> None:
    """Every write of the list is one the apply role may make: the check above is not vacuous."""
    for env in CLOUD_ENVIRONMENTS:
        deploy = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/policy"))
        requests = write_requests(bootstrap, env)
        assert len(writes_allowed([deploy], requests)) == len(requests)


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_plan_role_refreshes_every_resource_and_reads_the_one_secret_the_plan_opens(
    stacks: dict[str, Stack], bootstrap: Stack, env: str
) -> None:
    document = policy(bootstrap.resource("aws_iam_role_policy", f"{env}/plan_policy"))
    account = ACCOUNTS[env]
    region = {"aws:RequestedRegion": "us-west-2"}
    # Every service of the deploy role is readable (test_deploy_role_covers_every_service_the_stacks_use
    # ties those services to the stacks' resource types).
    read = statement(document, "ReadEnvironmentServices")
    for service in deploy_services():
        if service in {"iam", "budgets", "ce", "route53"}:
            continue
        # Buckets are read by name: S3 has no resource-tag condition to confine them by.
        readers = statement(document, "ReadEnvironmentBuckets") if service == "s3" else read
        assert any(a.startswith(f"{service}:") for a in readers["Action"]), service
    for action, resource in (
        ("ec2:DescribeVpcs", "*"),
        ("rds:DescribeDBInstances", f"arn:aws:rds:us-west-2:{account}:db:f1-analytics-{env}-postgres"),
        ("eks:DescribeCluster", f"arn:aws:eks:us-west-2:{account}:cluster/f1-analytics-{env}-eks"),
        ("kms:DescribeKey", f"arn:aws:kms:us-west-2:{account}:key/1234abcd"),
        ("s3:GetBucketPolicy", f"arn:aws:s3:::f1-analytics-{env}-models"),
        ("secretsmanager:DescribeSecret", f"arn:aws:secretsmanager:us-west-2:{account}:secret:any-AbCdEf"),
    ):
        decision = evaluate(Request(action, resource, context=region), [document])
        assert decision.allowed, (action, decision.reason)
    assert evaluate(Request("iam:GetRole", f"arn:aws:iam::{account}:role/x"), [document]).allowed
    assert not evaluate(
        Request("s3:GetObject", f"arn:aws:s3:::f1-analytics-{env}-models/m", context=region), [document]
    ).allowed
    # The database module's ephemeral read of its master secret is opened in the plan too.
    assert "ephemeral" in stacks[env].doc
    assert "database_master_secret" in stacks[env].doc["ephemeral"]["aws_secretsmanager_secret_version"]
    master = f"arn:aws:secretsmanager:us-west-2:{account}:secret:f1-analytics-{env}-postgres-master-20250101AbCdEf"
    assert evaluate(Request("secretsmanager:GetSecretValue", master, context=region), [document]).allowed
    decrypt = Request(
        "kms:Decrypt",
        f"arn:aws:kms:us-west-2:{account}:key/1234abcd",
        context={
            **region,
            "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com",
            "kms:EncryptionContext:SecretARN": master,
        },
    )
    assert evaluate(decrypt, [document]).allowed
    other = {**decrypt.context, "kms:EncryptionContext:SecretARN": master.replace("postgres-master", "tfc-agent")}
    assert not evaluate(Request(decrypt.action, decrypt.resource, context=other), [document]).allowed
    # Refreshing the cache's token version reads its value (provider 6.25 reads every version it refreshes).
    assert "auth_secret_value" in json.dumps(list(stacks[env].resources("aws_secretsmanager_secret_version")))
    token = f"arn:aws:secretsmanager:us-west-2:{account}:secret:f1-analytics-{env}-cache-auth-token-AbCdEf"
    assert evaluate(Request("secretsmanager:GetSecretValue", token, context=region), [document]).allowed
    token_context = {**decrypt.context, "kms:EncryptionContext:SecretARN": token}
    assert evaluate(Request(decrypt.action, decrypt.resource, context=token_context), [document]).allowed


def test_deployment_notices_go_to_the_named_users_of_both_workspaces(
    configs: dict[str, EnvironmentConfig], tmp_path: Path
) -> None:
    from cdktf import App

    from f1_infra.bootstrap import BootstrapStack
    from f1_infra.settings.backend import DeploymentNotices

    staging = configs["staging"]
    assert isinstance(staging.backend, CloudBackend)
    assert not staging.backend.notifications.email_user_ids  # the team's user ids are its own
    notices = DeploymentNotices(email_user_ids=("user-AbC123",))
    noticed = staging.model_copy(update={"backend": staging.backend.model_copy(update={"notifications": notices})})
    app = App(outdir=str(tmp_path), skip_validation=True)
    BootstrapStack(app, "bootstrap", configs=[noticed])
    app.synth()
    stack = Stack("bootstrap", json.loads((tmp_path / "stacks/bootstrap/cdk.tf.json").read_text()))
    for notices_id, workspace in (("notices", "workspace"), ("services_notices", "services_workspace")):
        body = stack.resource("tfe_notification_configuration", f"staging/{notices_id}")
        assert body["workspace_id"] == stack.ref("tfe_workspace", f"staging/{workspace}")
        assert (body["destination_type"], body["email_user_ids"], body["enabled"]) == ("email", ["user-AbC123"], True)
        assert body["triggers"] == ["run:needs_attention", "run:completed", "run:errored"]
