"""Staging can never touch prod: the proofs, with the policy evaluator, for both layouts.

- One account per environment (the shipped files): staging's apply role lives in staging's
  account, and prod's resources in prod's, which no policy of prod opens to another account.
- Environments sharing an account: staging's file moved into prod's account. The deploy policy's
  confinement (Environment tag conditions, buckets by name) and the key policy's key users keep
  staging's runs off prod's resources.

Each request is one a staging run could make against prod; each is also made against staging's
own resource, which the run must be able to change, so a policy that denies everything fails.
The last test removes the confinement and shows every request going through.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest

from f1_infra.bootstrap import confinement, deploy_policy
from f1_infra.boundary import boundary_arn
from f1_infra.rules.database import identifier as database_identifier
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.terraform_cloud import deploy_role_name
from tests.journeys.policy import Request, evaluate
from tests.synth import Stack, policy

CALLER = "${data.aws_caller_identity.caller.account_id}"
LAYOUTS = ("account_per_environment", "shared_account")


@dataclass(frozen=True)
class Probe:
    """One request against one environment's resource, and the key policy it must pass if any."""

    name: str
    request: Request
    key_policy: dict[str, Any] | None = None


def key_policy(stack: Stack, account: str) -> dict[str, Any]:
    """The environment key's policy as IAM holds it, with the stack's account filled in."""
    return json.loads(stack.resource("aws_kms_key", "kms/key")["policy"].replace(CALLER, account))


def probes(config: EnvironmentConfig, stack: Stack, account: str) -> list[Probe]:
    """Six requests against `config`'s environment in `account`: the database, the key, the master
    secret, the cluster's access entries, a bucket and the cluster's OIDC provider."""
    region, env = config.region, config.name
    tagged = {"aws:RequestedRegion": region, "aws:ResourceTag/Environment": env}
    key = f"arn:aws:kms:{region}:{account}:key/0b1c2d3e-1111-2222-3333-444455556666"
    secret = f"arn:aws:secretsmanager:{region}:{account}:secret:{database_identifier(config)}-master-2026AbCdEf"
    return [
        Probe(
            "rds:DeleteDBInstance",
            Request(
                "rds:DeleteDBInstance",
                f"arn:aws:rds:{region}:{account}:db:{database_identifier(config)}",
                context=tagged,
            ),
        ),
        Probe(
            "kms:ScheduleKeyDeletion",
            Request("kms:ScheduleKeyDeletion", key, context=tagged),
            key_policy(stack, account),
        ),
        Probe("secretsmanager:GetSecretValue", Request("secretsmanager:GetSecretValue", secret, context=tagged)),
        Probe(
            "kms:Decrypt of the master secret",
            Request(
                "kms:Decrypt",
                key,
                context={
                    **tagged,
                    "kms:ViaService": f"secretsmanager.{region}.amazonaws.com",
                    "kms:EncryptionContext:SecretARN": secret,
                },
            ),
            key_policy(stack, account),
        ),
        Probe(
            "eks:CreateAccessEntry",
            Request(
                "eks:CreateAccessEntry",
                f"arn:aws:eks:{region}:{account}:cluster/{config.cluster_name}",
                context=tagged,
            ),
        ),
        Probe(
            "s3:DeleteBucket",
            Request(
                "s3:DeleteBucket",
                f"arn:aws:s3:::{config.name_prefix}-models-20261201",
                context={"aws:RequestedRegion": region},
            ),
        ),
        Probe(
            "iam:DeleteOpenIDConnectProvider",
            Request(
                "iam:DeleteOpenIDConnectProvider",
                f"arn:aws:iam::{account}:oidc-provider/oidc.eks.{region}.amazonaws.com/id/0123456789ABCDEF",
                context=tagged,
            ),
        ),
    ]


@dataclass(frozen=True)
class Layout:
    staging: EnvironmentConfig
    staging_policy: dict[str, Any]
    prod_account: str


def layout(name: str, configs: dict[str, EnvironmentConfig], bootstrap: Stack) -> Layout:
    staging, prod = configs["staging"], configs["prod"]
    assert prod.account_id is not None
    if name == "account_per_environment":
        assert staging.account_id != prod.account_id
        return Layout(staging, policy(bootstrap.resource("aws_iam_role_policy", "staging/policy")), prod.account_id)
    shared = staging.model_copy(update={"account_id": prod.account_id})
    document = json.loads(deploy_policy(shared, prod.account_id, boundary_arn(shared, prod.account_id)))
    return Layout(shared, document, prod.account_id)


def as_staging_run(layout: Layout, probe: Probe) -> Request:
    """The probe's request, made by staging's apply role (from its account) with staging's tags."""
    staging = layout.staging
    role = f"arn:aws:iam::{staging.account_id}:role/{deploy_role_name(staging)}"
    context = {**probe.request.context, "aws:PrincipalArn": role, "aws:PrincipalAccount": staging.account_id}
    return Request(probe.request.action, probe.request.resource, principal={"AWS": role}, context=context)


def decide(layout: Layout, probe: Probe, document: dict[str, Any] | None = None) -> Any:
    return evaluate(
        as_staging_run(layout, probe),
        [document or layout.staging_policy],
        resource_policy=probe.key_policy,
        resource_policy_required=probe.key_policy is not None,
    )


@pytest.fixture(params=LAYOUTS)
def setting(request: pytest.FixtureRequest, configs: dict[str, EnvironmentConfig], stacks: dict[str, Stack]) -> Layout:
    return layout(request.param, configs, stacks["bootstrap"])


def test_a_staging_run_cannot_touch_prod(
    setting: Layout, configs: dict[str, EnvironmentConfig], stacks: dict[str, Stack]
) -> None:
    allowed = [
        f"{probe.name}: {decision.reason}"
        for probe in probes(configs["prod"], stacks["prod"], setting.prod_account)
        if (decision := decide(setting, probe)).allowed
    ]
    assert allowed == []


def test_a_staging_run_still_manages_staging(setting: Layout, stacks: dict[str, Stack]) -> None:
    """The same requests against staging's own resources, in staging's account: all allowed, so the
    denials above are about whose resource it is. Reading the master secret is the apply's own
    ephemeral read; decrypting it goes through Secrets Manager under staging's key policy."""
    staging = setting.staging
    assert staging.account_id is not None
    denied = [
        f"{probe.name}: {decision.reason}"
        for probe in probes(staging, stacks["staging"], staging.account_id)
        if not (decision := decide(setting, probe)).allowed
    ]
    assert denied == []


def without_confinement(document: dict[str, Any], config: EnvironmentConfig) -> dict[str, Any]:
    """The deploy policy as it was before environments were confined: no Environment tag denies,
    and buckets not held to the environment's names."""
    sids = {s["Sid"] for s in confinement(config)}
    statements = [dict(s) for s in document["Statement"] if s["Sid"] not in sids]
    for s in statements:
        if s["Sid"] == "EnvironmentBuckets":
            s["Resource"] = ["*"]
    return {**document, "Statement": statements}


def open_key_policy(document: dict[str, Any]) -> dict[str, Any]:
    """The key policy as it was: every principal of the account may use the key through IAM."""
    statements = [dict(s) for s in document["Statement"]]
    for s in statements:
        if s["Sid"] == "EnvironmentKeyUse":
            s.pop("Condition")
    return {**document, "Statement": statements}


def test_each_proof_fails_when_its_confinement_is_removed(
    configs: dict[str, EnvironmentConfig], stacks: dict[str, Stack]
) -> None:
    shared = layout("shared_account", configs, stacks["bootstrap"])
    loose = without_confinement(shared.staging_policy, shared.staging)
    allowed = []
    for probe in probes(configs["prod"], stacks["prod"], shared.prod_account):
        key = open_key_policy(probe.key_policy) if probe.key_policy else None
        opened = Probe(probe.name, probe.request, key)
        allowed.append((probe.name, decide(shared, opened, loose).allowed))
    assert allowed == [(p.name, True) for p in probes(configs["prod"], stacks["prod"], shared.prod_account)]


def test_an_administrator_reads_performance_insights_but_not_the_data(
    configs: dict[str, EnvironmentConfig], stacks: dict[str, Stack]
) -> None:
    """An account administrator (IAM allows every KMS use) may decrypt through Performance Insights,
    which encrypts with the environment key, and nothing else of the environment's: the key
    policy, not IAM, decides who uses the key."""
    prod = configs["prod"]
    assert prod.account_id is not None
    account, region = prod.account_id, prod.region
    admin = f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123"
    everything = {"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
    key = f"arn:aws:kms:{region}:{account}:key/0b1c2d3e-1111-2222-3333-444455556666"
    secret = f"arn:aws:secretsmanager:{region}:{account}:secret:{database_identifier(prod)}-master-2026AbCdEf"
    contexts = {
        "performance insights": {
            "kms:ViaService": f"rds.{region}.amazonaws.com",
            "kms:EncryptionContext:aws:pi:service": "rds",
        },
        "the master secret": {
            "kms:ViaService": f"secretsmanager.{region}.amazonaws.com",
            "kms:EncryptionContext:SecretARN": secret,
        },
        "storage, directly": {},
    }
    decided = {
        name: evaluate(
            Request(
                "kms:Decrypt",
                key,
                principal={"AWS": admin},
                context={**context, "aws:PrincipalArn": admin, "aws:PrincipalAccount": account},
            ),
            [everything],
            resource_policy=key_policy(stacks["prod"], account),
            resource_policy_required=True,
        ).allowed
        for name, context in contexts.items()
    }
    assert decided == {"performance insights": True, "the master secret": False, "storage, directly": False}


@pytest.mark.parametrize(
    ("key_path", "via"),
    [("disaster_recovery/key", "rds"), ("storage/replica_key", "s3")],
)
def test_the_restorers_and_nobody_else_use_the_keys_of_the_copies(
    configs: dict[str, EnvironmentConfig], stacks: dict[str, Stack], key_path: str, via: str
) -> None:
    """In the DR region a restore runs with the restorer's credentials (RDS creates its grant as
    the caller; `aws s3 sync` decrypts as the caller): the keys there admit the file's restorers."""
    prod = configs["prod"]
    assert prod.account_id is not None
    assert prod.disaster_recovery is not None
    account, region = prod.account_id, prod.disaster_recovery.region
    document = json.loads(stacks["prod"].resource("aws_kms_key", key_path)["policy"].replace(CALLER, account))
    everything = {"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
    roles = f"arn:aws:iam::{account}:role"
    people = {
        f"{roles}/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_PlatformAdmin_0123abcd": True,
        f"{roles}/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123abcd": False,
        f"{roles}/f1-analytics-staging-api": False,
    }
    action = "kms:CreateGrant" if via == "rds" else "kms:Decrypt"
    decided = {
        who: evaluate(
            Request(
                action,
                f"arn:aws:kms:{region}:{account}:key/0b1c2d3e-1111-2222-3333-444455556666",
                principal={"AWS": who},
                context={"aws:PrincipalArn": who, "kms:ViaService": f"{via}.{region}.amazonaws.com"},
            ),
            [everything],
            resource_policy=document,
            resource_policy_required=True,
        ).allowed
        for who in people
    }
    assert decided == people
