"""The workloads section: one role per service account (rule 45), names IAM and Kubernetes accept,
and grants that need something else of the environment, each reported with its pointer."""

from pathlib import Path
from typing import Any

import pytest

from f1_infra.settings.workloads import PLATFORM_SERVICE_ACCOUNTS
from tests.envfiles import Mutation, accepted, combine, delete, findings, set_at


def account(name: str, **value: Any) -> Mutation:
    return set_at("workloads", "service_accounts", name, value=value)


def grant(name: str, key: str, value: Any) -> Mutation:
    return set_at("workloads", "service_accounts", name, key, value=value)


def moved_back(*keys: str, value: Any) -> Mutation:
    """A file still written the way it was before the workloads section existed."""
    return set_at(*keys, value=value)


METRICS = {"metrics": True}

CASES: list[tuple[str, str, Mutation, str, str]] = [
    (
        "a workload on the vpc-cni's service account",
        "dev",
        account("aws-node", namespace="kube-system", **METRICS),
        "/workloads/service_accounts/aws-node",
        "kube-system/aws-node already has a role, that of the VPC CNI add-on (cluster module); a service account "
        "carries one eks.amazonaws.com/role-arn annotation, so two roles on it leave its pods with only one of them "
        "(rule 45)",
    ),
    (
        "a second training queue consumer",
        "dev",
        grant("api", "training_queue", True),
        "/workloads/service_accounts/api/training_queue",
        "is also true for ml-training; exactly one service account consumes the training queue",
    ),
    (
        "the first of two consumers is named too",
        "dev",
        grant("api", "training_queue", True),
        "/workloads/service_accounts/ml-training/training_queue",
        "is also true for api; exactly one service account consumes the training queue",
    ),
    (
        "no training queue consumer",
        "prod",
        grant("ml-training", "training_queue", False),
        "/workloads/service_accounts",
        "no service account has training_queue: true; the ML training queue (monitoring.training) always exists "
        "and needs exactly one consumer",
    ),
    (
        "no workloads section at all",
        "dev",
        delete("workloads"),
        "/workloads",
        "required setting is missing. The application's Kubernetes service accounts",
    ),
    (
        "no service accounts at all",
        "dev",
        set_at("workloads", value={}),
        "/workloads/service_accounts",
        "no service account has training_queue: true",
    ),
    (
        "database access without the proxy",
        "dev",
        combine(set_at("database", "proxy", "enabled", value=False), grant("api", "database", True)),
        "/workloads/service_accounts/api/database",
        "needs the RDS Proxy with IAM authentication (database.proxy.enabled true, iam_auth REQUIRED): the role "
        "connects through the proxy with an IAM token as the master user",
    ),
    (
        "database access through a proxy that takes passwords",
        "staging",
        set_at("database", "proxy", "iam_auth", value="DISABLED"),
        "/workloads/service_accounts/api/database",
        "needs the RDS Proxy with IAM authentication",
    ),
    (
        "a service account that grants nothing",
        "dev",
        account("reporting"),
        "/workloads/service_accounts/reporting",
        "grants nothing: list buckets, or set training_queue, database, cache or metrics to true (IAM refuses a "
        "policy without statements)",
    ),
    (
        "role name over 64 characters",
        "dev",
        account("model-evaluation-and-promotion-pipeline-runner", **METRICS),
        "/workloads/service_accounts/model-evaluation-and-promotion-pipeline-runner",
        "role name 'f1-analytics-dev-model-evaluation-and-promotion-pipeline-runner-s3' has 66 characters; IAM "
        "allows 64, so shorten the service account name",
    ),
    (
        "service account name with an upper-case letter",
        "dev",
        account("Reporting", **METRICS),
        "/workloads/service_accounts/Reporting",
        "key 'Reporting' is not allowed: service account names here are DNS-1123 labels: 1 to 63 lowercase "
        "letters, digits and hyphens",
    ),
    (
        "service account name with a dot (a subdomain, not a label)",
        "dev",
        account("reporting.v2", **METRICS),
        "/workloads/service_accounts/reporting.v2",
        "key 'reporting.v2' is not allowed: service account names here are DNS-1123 labels",
    ),
    (
        "service account name over 63 characters",
        "dev",
        account("r" * 64, **METRICS),
        "/workloads/service_accounts/" + "r" * 64,
        "is not allowed: service account names here are DNS-1123 labels",
    ),
    (
        "namespace ending with a hyphen",
        "dev",
        grant("api", "namespace", "f1-analytics-"),
        "/workloads/service_accounts/api/namespace",
        '"f1-analytics-" is not in the expected form',
    ),
    (
        "namespace with an underscore",
        "dev",
        grant("api", "namespace", "f1_analytics"),
        "/workloads/service_accounts/api/namespace",
        "Kubernetes namespace of the service account: a DNS-1123 label",
    ),
    (
        "namespace over 63 characters",
        "dev",
        grant("api", "namespace", "n" * 64),
        "/workloads/service_accounts/api/namespace",
        "has 64 characters; must have at most 63",
    ),
    (
        "grant of an unknown bucket",
        "dev",
        grant("api", "buckets", {"images": {"access": "read"}}),
        "/workloads/service_accounts/api/buckets/images",
        "key 'images' is not allowed: bucket keys are models, backups and logs",
    ),
    (
        "bucket access level",
        "dev",
        grant("api", "buckets", {"models": {"access": "admin"}}),
        "/workloads/service_accounts/api/buckets/models/access",
        'is "admin"; allowed values: "read", "write", "read_write"',
    ),
    (
        "bucket prefix without a trailing slash",
        "dev",
        grant("api", "buckets", {"models": {"access": "read", "prefix": "m"}}),
        "/workloads/service_accounts/api/buckets/models/prefix",
        "not in the expected form",
    ),
    (
        "the old storage.service_accounts",
        "dev",
        moved_back("storage", "service_accounts", value={"api": {"buckets": {"models": {"access": "read"}}}}),
        "/storage/service_accounts",
        "unknown key 'service_accounts': it moved to /workloads/service_accounts (same keys: namespace, buckets)",
    ),
    (
        "the old training consumer namespace",
        "dev",
        moved_back("monitoring", "training", "namespace", value="f1-analytics"),
        "/monitoring/training/namespace",
        "unknown key 'namespace': the training queue's consumer is now the service account in "
        "/workloads/service_accounts with training_queue: true",
    ),
    (
        "the old training consumer service account",
        "dev",
        moved_back("monitoring", "training", "service_account", value="ml-training"),
        "/monitoring/training/service_account",
        "unknown key 'service_account': the training queue's consumer is now the service account in "
        "/workloads/service_accounts with training_queue: true",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_rule_reports_pointer_and_message(tmp_path: Path, case: tuple[str, str, Mutation, str, str]) -> None:
    _, env, mutate, where, message = case
    found = findings(tmp_path, mutate, env)
    assert [m for p, m in found if p == where and message in m], found


@pytest.mark.parametrize("platform", PLATFORM_SERVICE_ACCOUNTS, ids=lambda p: f"{p.namespace}/{p.name}")
def test_every_platform_service_account_is_refused_as_a_workload(tmp_path: Path, platform: Any) -> None:
    found = findings(tmp_path, account(platform.name, namespace=platform.namespace, **METRICS))
    taken = f"{platform.namespace}/{platform.name} already has a role, that of {platform.used_by}"
    assert [p for p, m in found if m.startswith(taken)] == [f"/workloads/service_accounts/{platform.name}"]


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        combine(
            account("aws-node", namespace="kube-system", **METRICS),
            grant("api", "training_queue", True),
            set_at("database", "proxy", "enabled", value=False),
            grant("ingestion", "database", True),
        ),
    )
    pointers = {p for p, _ in found}
    assert {
        "/workloads/service_accounts/aws-node",
        "/workloads/service_accounts/api/training_queue",
        "/workloads/service_accounts/ml-training/training_queue",
        "/workloads/service_accounts/ingestion/database",
    } <= pointers


@pytest.mark.parametrize(
    ("mutate", "env"),
    [
        # The platform's names are taken only in the platform's namespaces.
        (account("aws-node", namespace="f1-analytics", **METRICS), "dev"),
        (account("cluster-autoscaler", namespace="f1-analytics", **METRICS), "prod"),
        # A workload of its own in kube-system is fine.
        (account("node-reporter", namespace="kube-system", **METRICS), "dev"),
        # The consumer may move to another service account, in another namespace.
        (
            combine(
                grant("ml-training", "training_queue", False),
                account("trainer", namespace="ml-jobs", training_queue=True),
            ),
            "staging",
        ),
        # A role name of exactly 64 characters: 16 (prefix) + 1 + 44 + 3.
        (account("a" * 44, **METRICS), "dev"),
        # An account with the cache only, and database access where the proxy requires IAM tokens.
        (account("reporting", cache=True), "dev"),
        (grant("api", "database", True), "prod"),
    ],
)
def test_limits_themselves_are_accepted(tmp_path: Path, mutate: Mutation, env: str) -> None:
    accepted(tmp_path, mutate, env)
