"""EKS rules: each value AWS would refuse at apply time is reported with its pointer and a fix."""

import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from f1_infra import __main__ as cli
from f1_infra.config import DEFAULT_ENVS_DIR, environment_files, load_environment, warnings
from f1_infra.problems import ConfigError
from f1_infra.rules import check
from f1_infra.rules import cluster as rules
from f1_infra.settings.environment import EnvironmentConfig
from tests.envfiles import Mutation, combine, findings, on_kubernetes, problems, set_at, shipped

TODAY = datetime.date(2026, 11, 26)
SHIPPED = [p.stem for p in environment_files(DEFAULT_ENVS_DIR)]
SUGGESTED = re.compile(r"e\.g\. '?([0-9]+\.[0-9]+)'?")


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "today", lambda: TODAY)


def group(name: str, **changes: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["cluster"]["node_groups"][name].update(changes)

    return mutate


PROD = set_at("production", value=True)
ROLE = "arn:aws:iam::123456789012:role/PlatformAdmin"
ANALYST = "arn:aws:iam::123456789012:role/RaceAnalyst"


PATTERNS = "/cluster/operator_role/trusted_principal_arn_patterns"
PLATFORM_ADMIN = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_PlatformAdmin_*"
NOT_A_PATTERN = (
    "is not an IAM role or user ARN pattern; write arn:aws:iam::<12-digit account or *>:role/<path and name> (or "
    "user/<path and name>), with * and ? as wildcards in the path and name, e.g. " + PLATFORM_ADMIN
)


def operator_role(*patterns: str, **settings: Any) -> Mutation:
    return set_at("cluster", "operator_role", value={"trusted_principal_arn_patterns": list(patterns), **settings})


def api_access(**access: Any) -> Mutation:
    return set_at("cluster", "api_access", value=access)


def namespace_access(*items: dict[str, Any]) -> Mutation:
    return set_at("cluster", "namespace_access", value=list(items))


def view(principal: str, *namespaces: str) -> dict[str, Any]:
    return {"principal_arn": principal, "namespaces": list(namespaces or ["f1-analytics"]), "level": "view"}


CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "version 1.28",
        set_at("cluster", "kubernetes_version", value="1.28"),
        "/cluster/kubernetes_version",
        "Kubernetes 1.28 cannot be created: EKS extended support ended on 2025-11-26; "
        "use a version in standard support, e.g. 1.35",
    ),
    (
        "version past extended support today",
        set_at("cluster", "kubernetes_version", value="1.31"),
        "/cluster/kubernetes_version",
        "Kubernetes 1.31 cannot be created: EKS extended support ended on 2026-11-26",
    ),
    (
        "patch version",
        set_at("cluster", "kubernetes_version", value="1.34.2"),
        "/cluster/kubernetes_version",
        "'1.34.2' is not a Kubernetes minor version; write '1.34': EKS takes major.minor only",
    ),
    (
        "unknown version",
        set_at("cluster", "kubernetes_version", value="1.40"),
        "/cluster/kubernetes_version",
        "'1.40' is not in the project's EKS version table (as of 2026-11-26:",
    ),
    (
        "public endpoint open to the internet in production",
        combine(PROD, set_at("cluster", "public_access_cidrs", value=["203.0.113.0/24", "0.0.0.0/0"])),
        "/cluster/public_access_cidrs/1",
        "0.0.0.0/0 opens the Kubernetes API endpoint to the whole internet, which production refuses",
    ),
    (
        "public endpoint cidr with host bits",
        set_at("cluster", "public_access_cidrs", value=["203.0.113.7/24"]),
        "/cluster/public_access_cidrs/0",
        "'203.0.113.7/24' is not a valid IPv4 CIDR block",
    ),
    (
        "bad principal arn",
        set_at("cluster", "admin_principal_arns", value=["arn:aws:sts::123456789012:assumed-role/Admin/jane"]),
        "/cluster/admin_principal_arns/0",
        "is not an IAM role or user ARN; access entries need arn:aws:iam::<12-digit account>:role/<name>",
    ),
    (
        "node role as admin",
        set_at("cluster", "admin_principal_arns", value=["arn:aws:iam::123456789012:role/f1-analytics-dev-eks-node"]),
        "/cluster/admin_principal_arns/0",
        "is the node role, which EKS gives an access entry of its own",
    ),
    (
        "principal arn with short account",
        set_at("cluster", "admin_principal_arns", value=["arn:aws:iam::1234:role/Admin"]),
        "/cluster/admin_principal_arns/0",
        "is not an IAM role or user ARN",
    ),
    (
        "principal in another partition",
        set_at("cluster", "admin_principal_arns", value=["arn:aws-cn:iam::123456789012:role/Admin"]),
        "/cluster/admin_principal_arns/0",
        "is in partition 'aws-cn' but region us-west-2 is in 'aws'",
    ),
    (
        "api access open to the internet in production",
        combine(PROD, api_access(cidrs=["10.250.0.0/20", "0.0.0.0/0"])),
        "/cluster/api_access/cidrs/1",
        "0.0.0.0/0 admits every address to the Kubernetes API, which production refuses; list your VPN or office "
        "ranges instead",
    ),
    (
        "api access cidr with host bits",
        api_access(cidrs=["10.250.3.1/20"]),
        "/cluster/api_access/cidrs/0",
        "'10.250.3.1/20' is not a valid IPv4 CIDR block (10.250.3.1/20 has host bits set); write it like 10.250.0.0/20",
    ),
    (
        "api access cidr not a cidr",
        api_access(cidrs=["10.250.0.0"]),
        "/cluster/api_access/cidrs/0",
        '"10.250.0.0" is not in the expected form',
    ),
    (
        "api access cidr inside another",
        api_access(cidrs=["10.250.0.0/20", "10.250.4.0/24"]),
        "/cluster/api_access/cidrs/1",
        "10.250.4.0/24 is inside 10.250.0.0/20 (item 0), which admits it already; remove it",
    ),
    (
        "api access cidr containing another",
        api_access(cidrs=["10.250.4.0/24", "10.250.0.0/16"]),
        "/cluster/api_access/cidrs/1",
        "10.250.0.0/16 contains 10.250.4.0/24 (item 0), which it admits already; remove item 0",
    ),
    (
        "api access cidr twice",
        api_access(cidrs=["10.250.0.0/20", "10.250.0.0/20"]),
        "/cluster/api_access/cidrs",
        "lists the same item twice; items must be unique",
    ),
    (
        "api access security group id shape",
        api_access(security_group_ids=["sg-12345"]),
        "/cluster/api_access/security_group_ids/0",
        '"sg-12345" is not in the expected form (^sg-([0-9a-f]{8}|[0-9a-f]{17})$). security group ids are sg- and 8 '
        "or 17 lowercase hexadecimal digits",
    ),
    (
        "api access unknown key",
        api_access(cidr=["10.250.0.0/20"]),
        "/cluster/api_access/cidr",
        "unknown key 'cidr'; allowed keys here: cidrs, security_group_ids",
    ),
    (
        "namespace not a dns label",
        namespace_access(view(ANALYST, "F1_Analytics")),
        "/cluster/namespace_access/0/namespaces/0",
        '"F1_Analytics" is not in the expected form (^[a-z0-9]([a-z0-9-]*[a-z0-9])?$). Kubernetes namespace names '
        "are DNS-1123 labels",
    ),
    (
        "namespace longer than a dns label",
        namespace_access(view(ANALYST, "n" * 64)),
        "/cluster/namespace_access/0/namespaces/0",
        "has 64 characters; must have at most 63",
    ),
    (
        "namespace access without namespaces",
        namespace_access({"principal_arn": ANALYST, "namespaces": [], "level": "view"}),
        "/cluster/namespace_access/0/namespaces",
        "has 0 items; must have at least 1",
    ),
    (
        "namespace access level",
        namespace_access({**view(ANALYST), "level": "admin"}),
        "/cluster/namespace_access/0/level",
        'is "admin"; allowed values: "view", "edit"',
    ),
    (
        "namespace principal is a session",
        namespace_access(view("arn:aws:sts::123456789012:assumed-role/RaceAnalyst/jane")),
        "/cluster/namespace_access/0/principal_arn",
        "is not an IAM role or user ARN; access entries need arn:aws:iam::<12-digit account>:role/<name>",
    ),
    (
        "namespace principal in another partition",
        namespace_access(view("arn:aws-us-gov:iam::123456789012:role/RaceAnalyst")),
        "/cluster/namespace_access/0/principal_arn",
        "is in partition 'aws-us-gov' but region us-west-2 is in 'aws'",
    ),
    (
        "node role with namespace access",
        namespace_access(view("arn:aws:iam::123456789012:role/f1-analytics-dev-eks-node")),
        "/cluster/namespace_access/0/principal_arn",
        "is the node role, which EKS gives an access entry of its own",
    ),
    (
        "administrator with namespace access too",
        combine(set_at("cluster", "admin_principal_arns", value=[ROLE]), namespace_access(view(ROLE))),
        "/cluster/namespace_access/0/principal_arn",
        f"{ROLE!r} is already a cluster administrator (admin_principal_arns item 0), which covers every namespace; "
        "EKS keeps one access entry per principal, so list it in one place only",
    ),
    (
        "principal twice in namespace access",
        namespace_access(view(ANALYST, "f1-analytics"), {**view(ANALYST, "ml-training"), "level": "edit"}),
        "/cluster/namespace_access/1/principal_arn",
        f"{ANALYST!r} is already listed (namespace_access item 0); EKS keeps one access entry per principal, so give "
        "it one item with all its namespaces",
    ),
    (
        "principal twice in namespace access in another case",
        namespace_access(view(ANALYST), view(ANALYST.replace("RaceAnalyst", "raceanalyst"))),
        "/cluster/namespace_access/1/principal_arn",
        "is already listed (namespace_access item 0); EKS keeps one access entry per principal",
    ),
    (
        "administrator twice in another case",
        set_at("cluster", "admin_principal_arns", value=[ROLE, ROLE.replace("PlatformAdmin", "platformadmin")]),
        "/cluster/admin_principal_arns/1",
        "is already a cluster administrator (admin_principal_arns item 0)",
    ),
    (
        "principals sharing an address",
        namespace_access(
            view(ANALYST.replace("RaceAnalyst", "race.analyst")), view(ANALYST.replace("RaceAnalyst", "race_analyst"))
        ),
        "/cluster/namespace_access/1/principal_arn",
        "would share the Terraform address 'namespace_role_race_analyst'",
    ),
    (
        "operator pattern a bare star",
        operator_role("*"),
        f"{PATTERNS}/0",
        '"*" is not in the expected form (^arn:[^:]*:[^:]*:[^:]*:[^:]*:.+$). an IAM role or user ARN pattern',
    ),
    (
        "operator pattern of another service",
        operator_role(PLATFORM_ADMIN, "arn:aws:s3:::f1-analytics-*"),
        f"{PATTERNS}/1",
        f"'arn:aws:s3:::f1-analytics-*' {NOT_A_PATTERN}",
    ),
    (
        "operator pattern with a short account",
        operator_role("arn:aws:iam::1234:role/PlatformAdmin"),
        f"{PATTERNS}/0",
        NOT_A_PATTERN,
    ),
    (
        "operator pattern of a group",
        operator_role("arn:aws:iam::123456789012:group/Admins"),
        f"{PATTERNS}/0",
        NOT_A_PATTERN,
    ),
    (
        "operator pattern of a session",
        operator_role("arn:aws:sts::*:assumed-role/AWSReservedSSO_PlatformAdmin_*/*"),
        f"{PATTERNS}/0",
        "'arn:aws:sts::*:assumed-role/AWSReservedSSO_PlatformAdmin_*/*' is an STS session ARN; aws:PrincipalArn of a "
        f"session is the ARN of its role, so match the role, e.g. {PLATFORM_ADMIN}",
    ),
    (
        "operator pattern in another partition",
        operator_role("arn:aws-cn:iam::*:role/PlatformAdmin"),
        f"{PATTERNS}/0",
        "'arn:aws-cn:iam::*:role/PlatformAdmin' is in partition 'aws-cn' but region us-west-2 is in 'aws', so it "
        "matches no caller",
    ),
    (
        "operator pattern of every role in production",
        combine(PROD, operator_role(PLATFORM_ADMIN, "arn:aws:iam::*:role/*")),
        f"{PATTERNS}/1",
        "'arn:aws:iam::*:role/*' matches every role of the account, so any of them could become cluster "
        f"administrator, which production refuses; match the operators' own role, e.g. {PLATFORM_ADMIN}",
    ),
    (
        "operator pattern of every user in production",
        combine(PROD, operator_role("arn:aws:iam::123456789012:user/*/*")),
        f"{PATTERNS}/0",
        "'arn:aws:iam::123456789012:user/*/*' matches every user of the account",
    ),
    (
        "operator pattern of every permission set in production",
        combine(PROD, operator_role("arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*")),
        f"{PATTERNS}/0",
        "'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*' matches the role of every IAM Identity Center "
        "permission set, read-only ones too, so anyone who signs in through Identity Center could become cluster "
        f"administrator, which production refuses; name the permission set, e.g. {PLATFORM_ADMIN}",
    ),
    (
        "operator pattern of every permission set of a us-east-1 identity source in production",
        combine(PROD, operator_role("arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_*")),
        f"{PATTERNS}/0",
        "matches the role of every IAM Identity Center permission set",
    ),
    (
        "operator patterns none",
        operator_role(),
        PATTERNS,
        "has 0 items; must have at least 1",
    ),
    (
        "operator patterns more than ten",
        operator_role(*(f"arn:aws:iam::123456789012:role/Admin{i}" for i in range(11))),
        PATTERNS,
        "has 11 items; must have at most 10",
    ),
    (
        "operator pattern twice",
        operator_role(PLATFORM_ADMIN, PLATFORM_ADMIN),
        PATTERNS,
        "lists the same item twice; items must be unique",
    ),
    (
        "operator pattern too long",
        operator_role("arn:aws:iam::123456789012:role/" + "a" * 150),
        f"{PATTERNS}/0",
        "has 181 characters; must have at most 180",
    ),
    (
        "operator session under an hour",
        operator_role(PLATFORM_ADMIN, max_session_hours=0),
        "/cluster/operator_role/max_session_hours",
        "is 0; must be at least 1",
    ),
    (
        "operator session over twelve hours",
        operator_role(PLATFORM_ADMIN, max_session_hours=13),
        "/cluster/operator_role/max_session_hours",
        "is 13; must be at most 12",
    ),
    (
        "operator role without patterns",
        set_at("cluster", "operator_role", value={"max_session_hours": 1}),
        PATTERNS,
        "required setting is missing. Who may assume the operator role",
    ),
    (
        "operator role as admin",
        set_at(
            "cluster",
            "admin_principal_arns",
            value=["arn:aws:iam::123456789012:role/f1-analytics-dev-cluster-operator"],
        ),
        "/cluster/admin_principal_arns/0",
        "'arn:aws:iam::123456789012:role/f1-analytics-dev-cluster-operator' is the cluster operator role, which gets "
        "cluster-admin through an access entry of its own (cluster/operator_role); remove it",
    ),
    (
        "min above max",
        group("general", min_size=6, max_size=5, desired_size=5),
        "/cluster/node_groups/general/min_size",
        "min_size 6 is above max_size 5",
    ),
    (
        "desired above max",
        group("general", desired_size=9),
        "/cluster/node_groups/general/desired_size",
        "desired_size 9 is outside min_size..max_size (2..5)",
    ),
    (
        "desired below min",
        group("general", desired_size=1),
        "/cluster/node_groups/general/desired_size",
        "desired_size 1 is outside min_size..max_size (2..5)",
    ),
    (
        "spot group with one instance type",
        group("ml_workload", instance_types=["m5.large"]),
        "/cluster/node_groups/ml_workload/instance_types",
        "a SPOT group with only m5.large depends on one Spot capacity pool; list at least two instance types",
    ),
    (
        "spot group of different sizes",
        group("ml_workload", instance_types=["m5.large", "m5.2xlarge"]),
        "/cluster/node_groups/ml_workload/instance_types",
        "SPOT instance types m5.large, m5.2xlarge differ in size",
    ),
    (
        "mixed architectures",
        group("ml_workload", instance_types=["m5.large", "m6g.large"]),
        "/cluster/node_groups/ml_workload/instance_types",
        "mixes architectures (m5.large (x86_64), m6g.large (arm64)); a node group runs one AMI",
    ),
    (
        "graviton 1 mixed with x86",
        group("general", instance_types=["a1.large", "m5.large"]),
        "/cluster/node_groups/general/instance_types",
        "mixes architectures (a1.large (arm64), m5.large (x86_64))",
    ),
    (
        "node group name too long for the prefix",
        set_at(
            "cluster",
            "node_groups",
            "analytics_batch_jobs",
            value={"instance_types": ["m5.large"], **{"min_size": 1, "max_size": 1, "desired_size": 1}},
        ),
        "/cluster/node_groups/analytics_batch_jobs",
        "node group name prefix 'f1-analytics-dev-analytics-batch-jobs-' has 38 characters; EKS allows 37",
    ),
    (
        "audit logs removed",
        set_at("cluster", "log_types", value=["api", "authenticator", "scheduler"]),
        "/cluster/log_types",
        "lacks audit; api, audit and authenticator logs are always kept",
    ),
    (
        "node group name shape",
        set_at(
            "cluster",
            "node_groups",
            "ML-Workload",
            value={"instance_types": ["m5.large"], **{"min_size": 1, "max_size": 1, "desired_size": 1}},
        ),
        "/cluster/node_groups/ML-Workload",
        "key 'ML-Workload' is not allowed: node group names are lowercase letters, digits and _",
    ),
    (
        "capacity type",
        group("general", capacity_type="RESERVED"),
        "/cluster/node_groups/general/capacity_type",
        'is "RESERVED"; allowed values: "ON_DEMAND", "SPOT"',
    ),
    (
        "addon version shape",
        set_at("cluster", "addon_versions", "coredns", value="1.11"),
        "/cluster/addon_versions/coredns",
        '"1.11" is not in the expected form',
    ),
    (
        "taint effect",
        group("ml_workload", taints=[{"key": "workload", "value": "ml", "effect": "NoSchedule"}]),
        "/cluster/node_groups/ml_workload/taints/0/effect",
        'allowed values: "NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE"',
    ),
    (
        "node groups missing",
        lambda data: data["cluster"].pop("node_groups"),
        "/cluster/node_groups",
        "required setting is missing. Managed node groups by name",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_reports_pointer_and_message(tmp_path: Path, mutate: Mutation, where: str, message: str) -> None:
    found = problems(tmp_path, mutate)
    assert any(p == where and message in m for p, m in found), found


def accepted(tmp_path: Path, mutate: Mutation, env: str = "dev") -> None:
    data = shipped(env)
    mutate(data)
    path = tmp_path / f"{env}.json"
    path.write_text(json.dumps(data))
    try:
        load_environment(path)
    except ConfigError as exc:
        pytest.fail(str(exc))


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(
            combine(on_kubernetes("1.33"), set_at("cluster", "allow_extended_support", value=True)),
            id="extended support accepted",
        ),
        pytest.param(
            set_at("cluster", "public_access_cidrs", value=["0.0.0.0/0"]), id="open endpoint outside production"
        ),
        pytest.param(
            set_at("cluster", "admin_principal_arns", value=[ROLE, "arn:aws:iam::123456789012:user/ops/jane"]),
            id="admin arns",
        ),
        pytest.param(
            group("ml_workload", instance_types=["m6g.large", "m7g.large", "m6gd.large"]), id="graviton spot group"
        ),
        pytest.param(group("ml_workload", min_size=0, desired_size=0), id="scale to zero"),
        pytest.param(api_access(cidrs=["0.0.0.0/0"]), id="api open to all outside production"),
        pytest.param(operator_role("arn:aws:iam::*:role/*"), id="operator role of every role outside production"),
        pytest.param(
            operator_role(
                *(f"arn:aws:iam::123456789012:role/Admin{i}".ljust(180, "x") for i in range(10)),
                max_session_hours=12,
            ),
            id="ten operator patterns of 180 characters and 12 hours",
        ),
        pytest.param(lambda data: data["cluster"].pop("operator_role"), id="no operator role"),
        pytest.param(
            combine(
                set_at("cluster", "admin_principal_arns", value=[ROLE]),
                namespace_access(
                    view(ANALYST, "f1-analytics", "ml-training"),
                    {**view("arn:aws:iam::123456789012:user/ops/jane"), "level": "edit"},
                ),
            ),
            id="namespace access",
        ),
    ],
)
def test_valid_settings_are_accepted(tmp_path: Path, mutate: Mutation) -> None:
    accepted(tmp_path, mutate)


@pytest.mark.parametrize(
    "patterns",
    [
        pytest.param([PLATFORM_ADMIN], id="a permission set of any region"),
        pytest.param(["arn:aws:iam::123456789012:role/PlatformAdmin"], id="one role"),
        pytest.param(["arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin*"], id="some sets"),
        pytest.param(["arn:aws:iam::123456789012:user/ops/*"], id="users under a path"),
    ],
)
def test_production_accepts_operator_patterns_that_name_someone(tmp_path: Path, patterns: list[str]) -> None:
    accepted(tmp_path, operator_role(*patterns), "prod")


def test_an_operator_session_longer_than_role_chaining_allows_is_a_warning(tmp_path: Path) -> None:
    assert warnings_of(tmp_path, operator_role(PLATFORM_ADMIN, max_session_hours=4)) == [
        (
            "/cluster/operator_role/max_session_hours",
            "is 4, but every trusted pattern is a role: a role's session (an Identity Center one too) that assumes "
            "the operator role is role chaining, which AWS holds to 1 hour (asking for more fails); set 1, or trust "
            "the IAM users who need longer sessions",
        )
    ]
    # IAM users' sessions are not chained: they may ask for up to the role's maximum.
    users = operator_role(PLATFORM_ADMIN, "arn:aws:iam::123456789012:user/ops/*", max_session_hours=4)
    assert warnings_of(tmp_path, users) == []


def day_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=1)


def load_shipped(name: str) -> EnvironmentConfig:
    return load_environment(DEFAULT_ENVS_DIR / f"{name}.json")


def test_past_standard_support_a_shipped_file_warns_of_the_cost_and_is_not_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day = day_after(rules.KUBERNETES_VERSIONS["1.35"].standard_support_end)
    monkeypatch.setattr(rules, "today", lambda: day)
    config = load_shipped("dev")
    (warning,) = warnings([config])
    assert warning.pointer == "/cluster/kubernetes_version"
    assert "Kubernetes 1.35 left EKS standard support on 2027-03-27" in warning.message
    assert "costs about 6 times the standard control-plane price" in warning.message
    assert "until 2028-03-27" in warning.message


def test_extended_support_without_opt_in_is_a_warning(tmp_path: Path) -> None:
    data = shipped()
    on_kubernetes("1.33")(data)
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    (warning,) = warnings([load_environment(path)])
    assert (warning.file, warning.pointer) == (str(path), "/cluster/kubernetes_version")
    assert warning.message == (
        "Kubernetes 1.33 left EKS standard support on 2026-07-29; with allow_extended_support false EKS upgrades "
        "the cluster to the next version by itself, and keeping 1.33 (cluster/allow_extended_support: true) costs "
        "about 6 times the standard control-plane price per cluster hour until 2027-07-29; use a version in "
        "standard support, e.g. 1.35"
    )


def test_the_opt_in_still_names_the_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "today", lambda: TODAY)
    data = shipped()
    on_kubernetes("1.33")(data)
    data["cluster"]["allow_extended_support"] = True
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    (warning,) = warnings([load_environment(path)])
    assert warning.message.startswith("Kubernetes 1.33 left EKS standard support on 2026-07-29; the cluster stays on")
    assert "costs about 6 times" in warning.message
    assert warning.message.endswith("use a version in standard support, e.g. 1.35")


def test_past_extended_support_a_version_is_refused_with_a_version_valid_that_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = day_after(rules.KUBERNETES_VERSIONS["1.32"].extended_support_end)
    monkeypatch.setattr(rules, "today", lambda: day)
    found = problems(tmp_path, set_at("cluster", "kubernetes_version", value="1.32"))
    assert found == [
        (
            "/cluster/kubernetes_version",
            "Kubernetes 1.32 cannot be created: EKS extended support ended on 2027-03-23; "
            "use a version in standard support, e.g. 1.35",
        )
    ]
    assert day < rules.KUBERNETES_VERSIONS["1.35"].standard_support_end


def test_past_the_shipped_versions_extended_end_the_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_shipped("prod")
    day = rules.KUBERNETES_VERSIONS[config.cluster.kubernetes_version].extended_support_end
    monkeypatch.setattr(rules, "today", lambda: day)
    (message,) = [m for p, m in check(config) if p == "/cluster/kubernetes_version"]
    # The table holds no newer version by then: the message says so rather than suggest a refused one.
    assert "cannot be created" in message
    assert "no version of the project's EKS version table (as of 2026-11-26) is in standard support" in message


def every_day(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    """start up to, not including, end."""
    for offset in range((end - start).days):
        yield start + datetime.timedelta(days=offset)


@pytest.mark.parametrize("name", SHIPPED)
def test_no_shipped_file_is_refused_before_its_version_leaves_extended_support(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_shipped(name)
    end = rules.KUBERNETES_VERSIONS[config.cluster.kubernetes_version].extended_support_end
    for day in every_day(TODAY, end):
        monkeypatch.setattr(rules, "today", lambda day=day: day)
        assert list(check(config)) == [], day


def test_a_message_never_suggests_a_version_it_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    first = min(v.standard_support_end for v in rules.KUBERNETES_VERSIONS.values())
    last = max(v.extended_support_end for v in rules.KUBERNETES_VERSIONS.values())
    config = load_shipped("dev")
    for day in every_day(first - datetime.timedelta(days=30), day_after(last)):
        monkeypatch.setattr(rules, "today", lambda day=day: day)
        for version in [*rules.KUBERNETES_VERSIONS, "1.35.1"]:
            changed = config.model_copy(
                update={"cluster": config.cluster.model_copy(update={"kubernetes_version": version})}
            )
            messages = [m for _, m in rules.check(changed)] + [m for _, m in rules.warnings(changed)]
            for message in messages:
                for suggested in SUGGESTED.findall(message):
                    support = rules.KUBERNETES_VERSIONS[suggested]
                    assert day < support.standard_support_end, (day, version, message)


def test_the_version_table_is_dated_and_consistent() -> None:
    assert rules.KUBERNETES_VERSIONS_AS_OF == TODAY
    for version, support in rules.KUBERNETES_VERSIONS.items():
        # EKS: 14 months of standard support, then 12 months of extended support.
        assert 360 <= (support.extended_support_end - support.standard_support_end).days <= 370, version
    assert rules.KUBERNETES_VERSIONS["1.28"].extended_support_end == datetime.date(2025, 11, 26)
    assert rules.KUBERNETES_VERSIONS["1.34"].standard_support_end == datetime.date(2026, 12, 2)
    assert rules.KUBERNETES_VERSIONS["1.35"].standard_support_end == datetime.date(2027, 3, 27)


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [
        ("m5.large", "x86_64"),
        ("m6g.large", "arm64"),
        ("c6gn.xlarge", "arm64"),
        ("t4g.medium", "arm64"),
        ("g5.xlarge", "x86_64"),
        ("g5g.xlarge", "arm64"),
        ("m7i-flex.large", "x86_64"),
        ("inf2.xlarge", "x86_64"),
        ("a1.large", "arm64"),
        ("a1.metal", "arm64"),
    ],
)
def test_architecture_of_instance_types(instance_type: str, arch: str) -> None:
    assert rules.architecture(instance_type) == arch


def test_the_deploy_role_of_a_cloud_environment_already_has_access(tmp_path: Path) -> None:
    deploy_role = "arn:aws:iam::123456789012:role/f1-analytics-deploy-prod"
    found = findings(tmp_path, set_at("cluster", "admin_principal_arns", value=[deploy_role]), "prod")
    assert (
        "/cluster/admin_principal_arns/0",
        f"{deploy_role!r} is the Terraform Cloud deploy role, which creates the cluster and so already gets "
        "cluster-admin access (bootstrap_cluster_creator_admin_permissions); remove it",
    ) in found


def test_validate_prints_warnings_and_still_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = shipped()
    on_kubernetes("1.33")(data)
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    assert cli.main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{path}: valid\n"
    assert err.startswith(f"warning: {path}: /cluster/kubernetes_version: Kubernetes 1.33 left EKS standard support")


# --------------------------------------------------------------------------- who reaches the API (rule 47)

NOBODY = (
    "/cluster/api_access",
    "the API endpoint is private and api_access admits no network, so only the nodes can reach the Kubernetes API "
    "(no kubectl, no Helm); list your VPN range in cluster/api_access/cidrs or a bastion's security group in "
    "cluster/api_access/security_group_ids (or your public address in cluster/public_access_cidrs)",
)


def warnings_of(tmp_path: Path, mutate: Mutation) -> list[tuple[str, str]]:
    data = shipped()
    mutate(data)
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    return [(w.pointer, w.message) for w in warnings([load_environment(path)])]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_environment_has_an_operator_path_to_the_api(name: str) -> None:
    assert warnings([load_shipped(name)]) == []


def test_production_accepts_private_networks_and_groups(tmp_path: Path) -> None:
    networks = api_access(cidrs=["10.250.0.0/20", "10.251.0.0/20"], security_group_ids=["sg-0123abcd"])
    accepted(tmp_path, networks, "prod")


def test_a_private_endpoint_nobody_but_the_nodes_can_reach_is_a_warning(tmp_path: Path) -> None:
    assert warnings_of(tmp_path, api_access()) == [NOBODY]
    # Not refused: the stack still applies, and the nodes still join.
    accepted(tmp_path, api_access())


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(api_access(security_group_ids=["sg-0123456789abcdef0"]), id="a bastion group"),
        pytest.param(
            combine(api_access(), set_at("cluster", "public_access_cidrs", value=["198.51.100.7/32"])),
            id="a public endpoint",
        ),
    ],
)
def test_any_operator_path_silences_the_warning(tmp_path: Path, mutate: Mutation) -> None:
    assert warnings_of(tmp_path, mutate) == []
