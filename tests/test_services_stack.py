"""The cluster services stack of every environment (`<env>-services`): Helm releases with pinned
charts and explicit values, a helm provider that authenticates with an ephemeral token from the
environment stack's state, its own state, and its dependency on the environment's stack; and,
for environments kept in Terraform Cloud, the agent that runs it inside the VPC and the workspace
the bootstrap stack makes for it."""

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from f1_infra.constructs.cluster import CLUSTER_ADMIN_POLICY
from f1_infra.constructs.terraform_agent import has_agent
from f1_infra.policies import LOAD_BALANCER_CONTROLLER_POLICIES, LOAD_BALANCER_CONTROLLER_SOURCES, in_partition
from f1_infra.services_stack import AUTOSCALER_SERVICE_ACCOUNT, TOKEN, autoscaler_values, services_stack_name
from f1_infra.settings.backend import CloudBackend
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.terraform_cloud import agent_token_secret_name, services_role_name
from tests.conftest import ENVIRONMENTS
from tests.envfiles import combine, for_the_cloud, problems, set_at, shipped
from tests.synth import Stack, policy, statement

REMOTE = re.compile(
    r"data\.terraform_remote_state\.cross-stack-reference-input-(?P<env>[a-z0-9]+)\.outputs\.(?P<out>[^})]+)"
)
ROLE_ARN = r"eks\.amazonaws\.com/role-arn"
CLOUD = tuple(name for name in ENVIRONMENTS if name != "dev")


@pytest.fixture
def services(stacks: dict[str, Stack], env: str) -> Stack:
    return stacks[services_stack_name(env)]


def from_environment(value: str, stacks: dict[str, Stack]) -> str:
    """What a value read from the environment stack's state is there: the environment output's own
    expression, with the remote-state lookup replaced by it."""

    def output(match: re.Match[str]) -> str:
        expression = stacks[match["env"]].doc["output"][match["out"]]["value"]
        assert expression.startswith("${"), expression
        assert expression.endswith("}"), expression
        return expression[2:-1]

    return REMOTE.sub(output, value)


def release_values(release: dict[str, Any], stacks: dict[str, Stack]) -> dict[str, str]:
    return {entry["name"]: from_environment(entry["value"], stacks) for entry in release["set"]}


def release(services: Stack, key: str) -> dict[str, Any]:
    return services.resource("helm_release", key)


def chart(body: dict[str, Any]) -> tuple[str, ...]:
    """Where a release comes from and where it goes: repository, chart, version, namespace, name."""
    return body["repository"], body["chart"], body["version"], body["namespace"], body["name"]


# ----------------------------------------------------------------------------- releases


def test_load_balancer_controller_release(
    stacks: dict[str, Stack], services: Stack, stack: Stack, config: EnvironmentConfig
) -> None:
    controller = release(services, "load_balancer_controller")
    settings = config.cluster_services.load_balancer_controller
    repository, name = "https://aws.github.io/eks-charts", "aws-load-balancer-controller"
    assert chart(controller) == (repository, name, settings.chart_version, "kube-system", name)
    # A failed install is rolled back, so that the next apply can install again.
    assert (controller["atomic"], controller["cleanup_on_fail"]) == (True, True)
    # Every value the controller needs is given: pods cannot reach the metadata service (hop limit 1).
    assert release_values(controller, stacks) == {
        "clusterName": stack.ref("aws_eks_cluster", "cluster/cluster", "name"),
        "region": config.region,
        "vpcId": stack.ref("aws_vpc", "network/vpc"),
        "serviceAccount.create": "true",
        "serviceAccount.name": "aws-load-balancer-controller",
        f"serviceAccount.annotations.{ROLE_ARN}": stack.ref(
            "aws_iam_role", "load_balancer_controller/irsa/role", "arn"
        ),
        "replicaCount": str(settings.replicas),
    }


def test_cluster_autoscaler_release_uses_the_service_account_its_role_trusts(
    stacks: dict[str, Stack], services: Stack, stack: Stack, config: EnvironmentConfig
) -> None:
    autoscaler = release(services, "cluster_autoscaler")
    settings = config.cluster_services.cluster_autoscaler
    repository, name = "https://kubernetes.github.io/autoscaler", "cluster-autoscaler"
    assert chart(autoscaler) == (repository, name, settings.chart_version, "kube-system", name)
    assert release_values(autoscaler, stacks) == {
        "cloudProvider": "aws",
        "awsRegion": config.region,
        "autoDiscovery.clusterName": stack.ref("aws_eks_cluster", "cluster/cluster", "name"),
        "rbac.serviceAccount.create": "true",
        "rbac.serviceAccount.name": AUTOSCALER_SERVICE_ACCOUNT,
        f"rbac.serviceAccount.annotations.{ROLE_ARN}": stack.ref("aws_iam_role", "cluster/autoscaler_irsa/role", "arn"),
        "replicaCount": str(settings.replicas),
    }
    (trust,) = policy(stack.resource("aws_iam_role", "cluster/autoscaler_irsa/role"), "assume_role_policy")["Statement"]
    subjects = [v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert subjects == [f"system:serviceaccount:kube-system:{AUTOSCALER_SERVICE_ACCOUNT}"]
    # The controller, whose webhooks then mutate Services and pods, comes last (rule 46).
    assert release(services, "load_balancer_controller")["depends_on"] == [
        services.address("helm_release", "cluster_autoscaler")
    ]


def test_an_image_tag_is_passed_only_when_the_file_sets_one(configs: dict[str, EnvironmentConfig]) -> None:
    settings = configs["dev"].cluster_services.cluster_autoscaler
    assert settings.image_tag is None
    assert "image.tag" not in autoscaler_values(settings, "us-west-2", "cluster", "role")
    tagged = settings.model_copy(update={"image_tag": "v1.35.2"})
    assert autoscaler_values(tagged, "us-west-2", "cluster", "role")["image.tag"] == "v1.35.2"


# ----------------------------------------------------------------------------- provider and state


def test_helm_provider_authenticates_with_an_ephemeral_token(
    stacks: dict[str, Stack], services: Stack, stack: Stack
) -> None:
    (helm,) = services.doc["provider"]["helm"]
    kubernetes = helm["kubernetes"]
    # No `aws eks get-token` exec (no aws CLI where Terraform runs), no token in a data source.
    assert set(kubernetes) == {"host", "cluster_ca_certificate", "token"}
    assert kubernetes["token"] == TOKEN == "${ephemeral.aws_eks_cluster_auth.cluster.token}"
    assert not services.data("aws_eks_cluster_auth")
    assert from_environment(kubernetes["host"], stacks) == stack.ref("aws_eks_cluster", "cluster/cluster", "endpoint")
    cluster = stack.address("aws_eks_cluster", "cluster/cluster")
    assert from_environment(kubernetes["cluster_ca_certificate"], stacks) == (
        "${base64decode(" + cluster + ".certificate_authority[0].data)}"
    )
    (auth,) = services.doc["ephemeral"]["aws_eks_cluster_auth"].values()
    assert from_environment(auth["name"], stacks) == stack.ref("aws_eks_cluster", "cluster/cluster", "name")
    assert set(services.doc["terraform"]["required_providers"]) == {"aws", "helm"}
    assert services.doc["terraform"]["required_providers"]["helm"]["version"].startswith("3.")


def test_services_stack_depends_on_its_environment(synth_dir: Path, env: str) -> None:
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    assert manifest["stacks"][services_stack_name(env)]["dependencies"] == [env]
    assert manifest["stacks"][env]["dependencies"] == []


def test_services_state_is_of_the_environment_kind_and_never_its_state(
    services: Stack, stack: Stack, config: EnvironmentConfig, env: str
) -> None:
    terraform, reads = services.doc["terraform"], services.data("terraform_remote_state")
    (remote,) = reads.values()
    if isinstance(config.backend, CloudBackend):
        assert terraform["cloud"]["workspaces"] == {
            "name": f"f1-analytics-{env}-services",
            "project": config.backend.project,
        }
        assert stack.doc["terraform"]["cloud"]["workspaces"]["name"] == f"f1-analytics-{env}"
        assert (remote["backend"], remote["config"]["workspaces"]) == ("remote", {"name": f"f1-analytics-{env}"})
    else:
        assert terraform["backend"] == {"local": {"path": f"../../../terraform-state/{env}-services.tfstate"}}
        assert (remote["backend"], remote["config"]) == ("local", stack.doc["terraform"]["backend"]["local"])


def test_the_environment_exports_what_services_need(stack: Stack) -> None:
    outputs = stack.doc["output"]
    assert outputs["target_group_arns"]["value"] == {
        key: stack.ref("aws_lb_target_group", f"monitoring/{key}_target_group", "arn") for key in ("api", "frontend")
    }
    assert outputs["load_balancer_controller_role_arn"]["value"] == stack.ref(
        "aws_iam_role", "load_balancer_controller/irsa/role", "arn"
    )


# ----------------------------------------------------------------------------- controller role


def test_controller_role_trusts_its_service_account_with_the_published_policy(
    stack: Stack, config: EnvironmentConfig
) -> None:
    role = stack.resource("aws_iam_role", "load_balancer_controller/irsa/role")
    assert role["name"] == f"f1-analytics-{stack.name}-load-balancer-controller"
    (trust,) = policy(role, "assume_role_policy")["Statement"]
    subjects = [v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert subjects == ["system:serviceaccount:kube-system:aws-load-balancer-controller"]
    chart = config.cluster_services.load_balancer_controller.chart_version
    granted = policy(stack.resource("aws_iam_role_policy", "load_balancer_controller/irsa/policy"))
    assert granted == json.loads(in_partition(LOAD_BALANCER_CONTROLLER_POLICIES[chart], "aws"))


def test_published_policies_are_the_upstream_files() -> None:
    for chart, source in LOAD_BALANCER_CONTROLLER_SOURCES.items():
        assert hashlib.sha256(source.path.read_bytes()).hexdigest() == source.sha256, source.file
        assert source.url.endswith(f"/{source.app_version}/docs/install/iam_policy.json")
        assert source.app_version == f"v{chart}"


def test_partition_of_a_published_policy() -> None:
    document = {"Statement": [{"Resource": "arn:aws:ec2:*:*:security-group/*"}, {"Resource": "*"}]}
    assert json.loads(in_partition(document, "aws-us-gov"))["Statement"] == [
        {"Resource": "arn:aws-us-gov:ec2:*:*:security-group/*"},
        {"Resource": "*"},
    ]


# ----------------------------------------------------------------------------- agent


def test_the_agent_exists_exactly_for_terraform_cloud_environments(stack: Stack, config: EnvironmentConfig) -> None:
    assert has_agent(config) is config.backend.is_cloud
    assert (stack.count("aws_ecs_service", "terraform_agent/") == 1) is has_agent(config)
    # The services workspace's apply role and its plan role.
    assert (stack.count("aws_eks_access_entry", "terraform_agent/") == 2) is has_agent(config)


@pytest.mark.parametrize("env", CLOUD)
def test_agent_runs_privately_and_the_cluster_admits_it_on_443(stack: Stack, config: EnvironmentConfig) -> None:
    agent_sg = stack.ref("aws_security_group", "terraform_agent/security_group")
    admitted = stack.resource("aws_vpc_security_group_ingress_rule", "terraform_agent/cluster_from_agent")
    assert admitted["security_group_id"] == stack.ref("aws_security_group", "cluster/cluster_security_group")
    assert (admitted["referenced_security_group_id"], admitted["ip_protocol"]) == (agent_sg, "tcp")
    assert (admitted["from_port"], admitted["to_port"]) == (443, 443)
    out = stack.resource("aws_vpc_security_group_egress_rule", "terraform_agent/to_https")
    assert (out["security_group_id"], out["from_port"], out["to_port"]) == (agent_sg, 443, 443)
    # Nothing opens the agent's own group to anyone.
    ingress = stack.resources("aws_vpc_security_group_ingress_rule").values()
    assert not [rule for rule in ingress if rule["security_group_id"] == agent_sg]

    # The database's Secrets Manager endpoint takes every call of the VPC (private DNS): it admits
    # the agent, whose task reads its token through it.
    if config.database.proxy.enabled:
        (https,) = stack.resource("aws_security_group", "database/secrets_endpoint_security_group")["ingress"]
        assert agent_sg in https["security_groups"]

    service = stack.resource("aws_ecs_service", "terraform_agent/service")
    network = service["network_configuration"]
    assert network == {
        "assign_public_ip": False,
        "security_groups": [agent_sg],
        "subnets": stack.resource("aws_eks_cluster", "cluster/cluster")["vpc_config"]["subnet_ids"],
    }
    assert (service["launch_type"], service["desired_count"]) == ("FARGATE", 1)


@pytest.mark.parametrize("env", CLOUD)
def test_agent_image_is_pinned_and_takes_its_token_from_the_secret(stack: Stack, config: EnvironmentConfig) -> None:
    agent = config.backend.agent  # type: ignore[union-attr]
    task = stack.resource("aws_ecs_task_definition", "terraform_agent/task")
    (container,) = json.loads(task["container_definitions"])
    assert container["image"] == f"hashicorp/tfc-agent:{agent.version}"
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["TFC_AGENT_AUTO_UPDATE"] == "disabled"
    # A new token version is a new task definition: ECS restarts the agent with the new token.
    assert environment["AGENT_TOKEN_VERSION"] == str(agent.token_version)
    assert environment["TFC_ADDRESS"] == "https://app.terraform.io"
    token = stack.data_ref("aws_secretsmanager_secret", "terraform_agent/token_secret", "arn")
    assert container["secrets"] == [{"name": "TFC_AGENT_TOKEN", "valueFrom": token}]
    secret = stack.data("aws_secretsmanager_secret")
    assert [s["name"] for s in secret.values()] == [agent_token_secret_name(config)]
    assert (task["cpu"], task["memory"]) == (str(agent.cpu), str(agent.memory_mib))
    assert "task_role_arn" not in task  # the runs get the workspace's dynamic credentials, not the task's
    logs = container["logConfiguration"]["options"]
    assert logs["awslogs-group"] == stack.ref("aws_cloudwatch_log_group", "terraform_agent/log_group", "name")

    execution = policy(stack.resource("aws_iam_role_policy", "terraform_agent/execution_policy"))
    assert statement(execution, "AgentToken")["Resource"] == [token]
    key = statement(execution, "AgentTokenKey")
    assert key["Resource"] == [
        stack.data_ref("aws_secretsmanager_secret", "terraform_agent/token_secret", "kms_key_id")
    ]
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": f"secretsmanager.{config.region}.amazonaws.com"}}


@pytest.mark.parametrize("env", CLOUD)
def test_services_role_is_cluster_admin(stack: Stack, config: EnvironmentConfig) -> None:
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    entry = stack.resource("aws_eks_access_entry", "terraform_agent/services_access")
    assert entry["principal_arn"] == f"arn:aws:iam::{account}:role/{services_role_name(config)}"
    admin = stack.resource("aws_eks_access_policy_association", "terraform_agent/services_admin")
    assert admin["policy_arn"] == CLUSTER_ADMIN_POLICY.format(partition="aws")
    assert admin["access_scope"] == {"type": "cluster"}
    # The plan phase's role only views the cluster (Helm's release Secrets included).
    plan = stack.resource("aws_eks_access_entry", "terraform_agent/services_plan_access")
    assert plan["principal_arn"] == f"arn:aws:iam::{account}:role/{services_role_name(config)}-plan"
    view = stack.resource("aws_eks_access_policy_association", "terraform_agent/services_plan_view")
    assert view["policy_arn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy"
    plan_entry = stack.ref("aws_eks_access_entry", "terraform_agent/services_plan_access", "principal_arn")
    assert view["principal_arn"] == plan_entry


# ----------------------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("env", CLOUD)
def test_bootstrap_runs_the_services_workspace_on_the_agent_pool(stacks: dict[str, Stack], env: str) -> None:
    bootstrap = stacks["bootstrap"]
    workspace = bootstrap.ref("tfe_workspace", f"{env}/workspace")
    services = bootstrap.ref("tfe_workspace", f"{env}/services_workspace")
    pool = bootstrap.ref("tfe_agent_pool", f"{env}/agent_pool")
    body = bootstrap.resource("tfe_workspace", f"{env}/services_workspace")
    assert (body["name"], body["terraform_version"], body["auto_apply_run_trigger"]) == (
        f"f1-analytics-{env}-services",
        "1.13.4",
        True,
    )
    settings = bootstrap.resource("tfe_workspace_settings", f"{env}/services_settings")
    assert (settings["workspace_id"], settings["execution_mode"]) == (services, "agent")
    assert settings["agent_pool_id"] == pool
    assert settings["auto_apply"] is False
    allowed = bootstrap.resource("tfe_agent_pool_allowed_workspaces", f"{env}/agent_pool_workspaces")
    assert allowed["allowed_workspace_ids"] == [services]
    assert bootstrap.resource("tfe_agent_pool", f"{env}/agent_pool")["organization_scoped"] is False
    # A pool that is not organization-wide takes only workspaces it allows: the allowance comes first.
    allowance = bootstrap.address("tfe_agent_pool_allowed_workspaces", f"{env}/agent_pool_workspaces")
    assert settings["depends_on"] == [allowance]
    trigger = bootstrap.resource("tfe_run_trigger", f"{env}/services_trigger")
    assert (trigger["workspace_id"], trigger["sourceable_id"]) == (services, workspace)
    # Only the services workspace reads the environment's outputs.
    shared = bootstrap.resource("tfe_workspace_settings", f"{env}/settings")
    assert (shared["global_remote_state"], shared["remote_state_consumer_ids"]) == (False, [services])


@pytest.mark.parametrize("env", CLOUD)
def test_services_workspace_has_a_role_of_its_own_without_permissions(
    stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig], env: str
) -> None:
    config = configs[env]
    bootstrap = stacks["bootstrap"]
    role = bootstrap.resource("aws_iam_role", f"{env}/services_role")
    assert role["name"] == f"f1-analytics-deploy-{env}-services"
    (trust,) = policy(role, "assume_role_policy")["Statement"]
    subject = (
        f"organization:f1-analytics:project:{config.backend.project}:workspace:f1-analytics-{env}-services:run_phase:"
    )
    assert trust["Condition"]["StringLike"] == {"app.terraform.io:sub": f"{subject}apply"}
    plan_role = bootstrap.resource("aws_iam_role", f"{env}/services_plan_role")
    assert plan_role["name"] == f"f1-analytics-deploy-{env}-services-plan"
    (plan_trust,) = policy(plan_role, "assume_role_policy")["Statement"]
    assert plan_trust["Condition"]["StringLike"] == {"app.terraform.io:sub": f"{subject}plan"}
    for role_id in ("services_role", "services_plan_role"):
        role_ref = bootstrap.ref("aws_iam_role", f"{env}/{role_id}")
        assert not [p for p in bootstrap.resources("aws_iam_role_policy").values() if p["role"] == role_ref]
    services = bootstrap.ref("tfe_workspace", f"{env}/services_workspace")
    variables = {
        v["key"]: v["value"] for v in bootstrap.resources("tfe_variable").values() if v["workspace_id"] == services
    }
    assert variables == {
        "TFC_AWS_PROVIDER_AUTH": "true",
        "TFC_AWS_APPLY_ROLE_ARN": bootstrap.ref("aws_iam_role", f"{env}/services_role", "arn"),
        "TFC_AWS_PLAN_ROLE_ARN": bootstrap.ref("aws_iam_role", f"{env}/services_plan_role", "arn"),
    }


@pytest.mark.parametrize("env", CLOUD)
def test_agent_token_is_written_once_to_an_encrypted_secret(
    stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig], env: str
) -> None:
    bootstrap, config = stacks["bootstrap"], configs[env]
    version = config.backend.agent.token_version  # type: ignore[union-attr]
    token = bootstrap.resource("tfe_agent_token", f"{env}/agent_token")
    assert token["agent_pool_id"] == bootstrap.ref("tfe_agent_pool", f"{env}/agent_pool")
    assert token["description"].endswith(f"token version {version}")
    secret = bootstrap.resource("aws_secretsmanager_secret", f"{env}/agent_token_secret")
    assert (secret["name"], secret["region"]) == (agent_token_secret_name(config), config.region)
    assert secret["kms_key_id"] == bootstrap.ref("aws_kms_key", f"{env}/agent_token_key", "arn")
    value = bootstrap.resource("aws_secretsmanager_secret_version", f"{env}/agent_token_value")
    # Write-only: the secret's version keeps no copy of the token in the state.
    assert "secret_string" not in value
    assert value["secret_string_wo"] == bootstrap.ref("tfe_agent_token", f"{env}/agent_token", "token")
    assert value["secret_string_wo_version"] == version


# ----------------------------------------------------------------------------- rules


def autoscaler_chart(version: str) -> object:
    return set_at("cluster_services", "cluster_autoscaler", "chart_version", value=version)


@pytest.mark.parametrize(
    ("mutate", "where", "message"),
    [
        (
            autoscaler_chart("9.51.0"),
            "/cluster_services/cluster_autoscaler/chart_version",
            "chart 9.51.0 runs Cluster Autoscaler 1.33.0, built for Kubernetes 1.33, but the cluster runs Kubernetes "
            "1.35; for Kubernetes 1.35 use chart 9.59.0, or set image_tag to a v1.35.x release",
        ),
        (
            autoscaler_chart("9.99.0"),
            "/cluster_services/cluster_autoscaler/chart_version",
            "'9.99.0' is not in the project's table of cluster-autoscaler charts (as of 2026-07-26); for Kubernetes "
            "1.35 use chart 9.59.0, or add the chart",
        ),
        (
            set_at("cluster_services", "cluster_autoscaler", "image_tag", value="v1.34.2"),
            "/cluster_services/cluster_autoscaler/image_tag",
            "'v1.34.2' is Cluster Autoscaler 1.34, but the cluster runs Kubernetes 1.35; use a v1.35.x tag",
        ),
        (
            set_at("cluster_services", "load_balancer_controller", "chart_version", value="3.4.0"),
            "/cluster_services/load_balancer_controller/chart_version",
            "'3.4.0' has no IAM policy in the project (known: 3.5.0)",
        ),
    ],
    ids=["autoscaler for another minor", "unknown autoscaler chart", "image of another minor", "unknown controller"],
)
def test_chart_rules(tmp_path: Path, mutate: Any, where: str, message: str) -> None:
    found = problems(tmp_path, mutate)
    assert any(p == where and m.startswith(message) for p, m in found), found


def test_an_image_tag_of_the_cluster_minor_lets_an_older_chart_run(tmp_path: Path) -> None:
    from f1_infra.config import load_environment

    data = shipped()
    combine(autoscaler_chart("9.51.0"), set_at("cluster_services", "cluster_autoscaler", "image_tag", value="v1.35.2"))(
        data
    )
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    assert load_environment(path).cluster_services.cluster_autoscaler.image_tag == "v1.35.2"


CLOUD_BACKEND = {"type": "cloud", "organization": "f1-analytics"}


def test_a_services_workspace_name_must_fit(tmp_path: Path) -> None:
    found = problems(tmp_path, set_at("backend", value={**CLOUD_BACKEND, "workspace": "w" * 85}))
    assert (
        "/backend/workspace",
        f"has 85 characters; the cluster services stack runs in the workspace '{'w' * 85}-services', and Terraform "
        "Cloud allows 90: at most 81",
    ) in found


def test_the_agent_task_size_is_one_fargate_runs(tmp_path: Path) -> None:
    backend = {**CLOUD_BACKEND, "workspace": "f1-analytics-qa", "agent": {"cpu": 512, "memory_mib": 8192}}
    found = problems(tmp_path, set_at("backend", value=backend))
    message = "is 8192; with cpu 512 Fargate allows 1024 to 4096 MiB in steps of 1024"
    assert ("/backend/agent/memory_mib", message) in found


def test_one_environment_cannot_take_the_services_workspace_of_another(tmp_path: Path) -> None:
    from f1_infra.config import load_environments
    from f1_infra.problems import ConfigError

    for name, workspace in (("qa", "shared"), ("uat", "shared-services")):
        backend = {**CLOUD_BACKEND, "workspace": workspace}
        (tmp_path / f"{name}.json").write_text(json.dumps(for_the_cloud(shipped("dev"), backend)))
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    found = sorted((Path(p.file).name, p.pointer, p.message.split(" is also")[0]) for p in caught.value.problems)
    assert found == [
        ("qa.json", "/backend/workspace", "app.terraform.io/f1-analytics/shared-services"),
        ("uat.json", "/backend/workspace", "app.terraform.io/f1-analytics/shared-services"),
    ]
