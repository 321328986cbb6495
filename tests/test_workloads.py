"""The workloads' IAM roles (IRSA): one role per service account, one policy made of its grants.

The roles are checked in every environment's stack, where they trust the EKS cluster's OIDC
provider and name that stack's buckets, queue, proxy and secret; and, for the grants the shipped
files do not combine and for the attributes other modules read, in one small stack with an OIDC
provider of its own and stand-ins for the modules, synthesized once for this module.
"""

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cdktf import App, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_random.provider import RandomProvider

from f1_infra.constructs.events import CONSUMER_QUEUE_ACTIONS
from f1_infra.constructs.irsa import OidcProvider
from f1_infra.constructs.storage import Storage, bucket_access_statements
from f1_infra.constructs.workloads import WorkloadRoles
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.workloads import PLATFORM_SERVICE_ACCOUNTS, BucketGrant, ServiceAccountConfig, WorkloadsConfig
from tests.synth import Stack, policy, statement

ACCOUNT = "123456789012"
KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/environment"
QUEUE_ARN = "arn:aws:sqs:us-west-2:123456789012:training"
PROXY_USER_ARN = "arn:aws:rds-db:us-west-2:123456789012:dbuser:prx-0123456789abcdef0/f1_master"
SECRET_ARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:auth-token-AbCdEf"
SERVICE_ACCOUNT = "system:serviceaccount:{namespace}:{name}"
# What the roles name of the other modules, in the small stack.
STAND_INS: dict[str, Any] = {
    "kms_key_arn": KEY_ARN,
    "training_queue_arn": QUEUE_ARN,
    "training_queue_key_arn": KEY_ARN,
    "database_user_arn": PROXY_USER_ARN,
    "cache_secret_arn": SECRET_ARN,
    "cache_secret_key_arn": KEY_ARN,
    "metrics_namespace": "F1Analytics/test",
}

# What the small stack grants: every kind of grant, alone and combined.
SMALL = WorkloadsConfig(
    service_accounts={
        "api": ServiceAccountConfig(
            buckets={"models": BucketGrant(access="read")}, database=True, cache=True, metrics=True
        ),
        "trainer": ServiceAccountConfig(
            namespace="ml-jobs",
            buckets={"models": BucketGrant(access="read_write"), "backups": BucketGrant(access="read")},
            training_queue=True,
        ),
        "ingestion": ServiceAccountConfig(buckets={"backups": BucketGrant(access="write", prefix="ingestion/")}),
        "cache-only": ServiceAccountConfig(cache=True),
        "metrics-only": ServiceAccountConfig(metrics=True),
    }
)


def role_id(account: str) -> str:
    return account.replace("-", "_")


class Built:
    def __init__(self, stack: Stack, storage: Storage) -> None:
        self.stack, self.storage = stack, storage

    def output(self, name: str) -> Any:
        return self.stack.doc["output"][name]["value"]


@pytest.fixture(scope="module")
def built(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> Built:
    config = configs["prod"]
    outdir = tmp_path_factory.mktemp("workloads.out")
    app = App(outdir=str(outdir))
    scope = TerraformStack(app, "workloads")
    AwsProvider(scope, "aws", region=config.region)
    RandomProvider(scope, "random")
    issuer = IamOpenidConnectProvider(
        scope, "oidc", url="https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE", client_id_list=["sts.amazonaws.com"]
    )
    dr_provider = AwsProvider(scope, "dr", alias="dr", region=config.disaster_recovery_region)
    storage = Storage(
        scope, "storage", config=config, account_id=ACCOUNT, kms_key_arn=KEY_ARN, replica_provider=dr_provider
    )
    roles = WorkloadRoles(
        scope,
        "storage_access",
        settings=SMALL,
        name_prefix=config.name_prefix,
        region=config.region,
        oidc=OidcProvider(arn=issuer.arn, issuer_host=issuer.url),
        storage=storage,
        **STAND_INS,
    )
    # What other modules read from the two constructs, as Terraform sees it.
    exposed = {
        "models_bucket_name": storage.models_bucket_name,
        "models_bucket_arn": storage.models_bucket_arn,
        "backup_bucket_name": storage.backup_bucket_name,
        "backup_bucket_arn": storage.backup_bucket_arn,
        "logs_bucket_name": storage.logs_bucket_name,
        "logs_bucket_arn": storage.logs_bucket_arn,
        "logs_bucket_policy": storage.logs_bucket_policy.id,
        "role_arns": roles.role_arns,
        "training_consumer_role_arn": roles.training_consumer_role_arn,
    }
    for name, value in exposed.items():
        TerraformOutput(scope, name, value=value)
    app.synth()
    document = json.loads(Path(outdir, "stacks", "workloads", "cdk.tf.json").read_text())
    return Built(Stack("workloads", document), storage)


def bucket_arn(stack: Stack, key: str) -> str:
    return stack.ref("aws_s3_bucket", f"storage/{key}/bucket", "arn")


def role_policy(stack: Stack, account: str) -> dict[str, Any]:
    return policy(stack.resource("aws_iam_role_policy", f"storage_access/{role_id(account)}/policy"))


def sids(document: dict[str, Any]) -> list[str]:
    return [s["Sid"] for s in document["Statement"]]


def test_storage_exposes_what_the_load_balancer_needs(built: Built) -> None:
    stack = built.stack
    assert built.output("logs_bucket_policy") == stack.ref("aws_s3_bucket_policy", "storage/logs/policy")
    assert built.storage.alb_log_prefix == "alb"
    for key, attribute in (("models", "models"), ("backups", "backup"), ("logs", "logs")):
        assert built.output(f"{attribute}_bucket_arn") == bucket_arn(stack, key)
        assert built.output(f"{attribute}_bucket_name") == stack.ref("aws_s3_bucket", f"storage/{key}/bucket", "bucket")


def test_one_role_per_service_account_trusting_only_that_account(built: Built) -> None:
    stack = built.stack
    assert stack.count("aws_iam_role", "storage_access/") == len(SMALL.service_accounts)
    assert stack.count("aws_iam_role_policy", "storage_access/") == len(SMALL.service_accounts)
    issuer = stack.ref("aws_iam_openid_connect_provider", "oidc", "url")
    for account, grants in SMALL.service_accounts.items():
        role = stack.resource("aws_iam_role", f"storage_access/{role_id(account)}/role")
        assert role["name"] == f"f1-analytics-prod-{account}-s3"
        (trust,) = policy(role, "assume_role_policy")["Statement"]
        assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"]
        assert trust["Principal"] == {"Federated": stack.ref("aws_iam_openid_connect_provider", "oidc", "arn")}
        assert trust["Condition"]["StringEquals"] == {
            f"{issuer}:sub": SERVICE_ACCOUNT.format(namespace=grants.namespace, name=account),
            f"{issuer}:aud": "sts.amazonaws.com",
        }
        body = stack.resource("aws_iam_role_policy", f"storage_access/{role_id(account)}/policy")
        assert (body["name"], body["role"]) == (
            account,
            stack.ref("aws_iam_role", f"storage_access/{role_id(account)}/role"),
        )
    assert built.output("role_arns") == {
        account: stack.ref("aws_iam_role", f"storage_access/{role_id(account)}/role", "arn")
        for account in SMALL.service_accounts
    }
    assert built.output("training_consumer_role_arn") == stack.ref("aws_iam_role", "storage_access/trainer/role", "arn")


def test_api_only_reads_models_connects_through_the_proxy_reads_the_cache_secret_and_publishes_metrics(
    built: Built,
) -> None:
    stack = built.stack
    models = bucket_arn(stack, "models")
    document = role_policy(stack, "api")
    assert sids(document) == [
        "ListModels",
        "ObjectsModels",
        "EnvironmentKey",
        "ConnectToDatabase",
        "ReadCacheAuthToken",
        "DecryptCacheAuthToken",
        "PublishMetrics",
    ]
    listing = statement(document, "ListModels")
    assert (listing["Action"], listing["Resource"]) == (["s3:ListBucket"], [models])
    assert "Condition" not in listing
    objects = statement(document, "ObjectsModels")
    assert (objects["Action"], objects["Resource"]) == (["s3:GetObject"], [f"{models}/*"])
    key = statement(document, "EnvironmentKey")
    assert (key["Action"], key["Resource"]) == (["kms:Decrypt"], [KEY_ARN])
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": [models, f"{models}/*"]},
    }
    connect = statement(document, "ConnectToDatabase")
    assert (connect["Action"], connect["Resource"]) == (["rds-db:connect"], [PROXY_USER_ARN])


def test_cache_grants_read_the_auth_secret_only_and_decrypt_it_through_secrets_manager(built: Built) -> None:
    document = role_policy(built.stack, "cache-only")
    assert sids(document) == ["ReadCacheAuthToken", "DecryptCacheAuthToken"]
    read = statement(document, "ReadCacheAuthToken")
    assert (read["Action"], read["Resource"]) == (["secretsmanager:GetSecretValue"], [SECRET_ARN])
    decrypt = statement(document, "DecryptCacheAuthToken")
    assert (decrypt["Action"], decrypt["Resource"]) == (["kms:Decrypt"], [KEY_ARN])
    assert decrypt["Condition"] == {
        "StringEquals": {
            "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com",
            "kms:EncryptionContext:SecretARN": SECRET_ARN,
        }
    }


def test_metrics_are_published_to_the_custom_namespace_only(built: Built) -> None:
    (publish,) = role_policy(built.stack, "metrics-only")["Statement"]
    assert publish["Action"] == ["cloudwatch:PutMetricData"]
    # PutMetricData has no resource-level permissions: "*" with the namespace condition.
    assert publish["Resource"] == ["*"]
    assert publish["Condition"] == {"StringEquals": {"cloudwatch:namespace": "F1Analytics/test"}}


def test_the_training_consumer_receives_from_the_queue_and_writes_models(built: Built) -> None:
    stack = built.stack
    models, backups = bucket_arn(stack, "models"), bucket_arn(stack, "backups")
    document = role_policy(stack, "trainer")
    consume = statement(document, "ConsumeTrainingQueue")
    assert (consume["Action"], consume["Resource"]) == (list(CONSUMER_QUEUE_ACTIONS), [QUEUE_ARN])
    assert "sqs:ReceiveMessage" in consume["Action"]
    assert "sqs:DeleteMessage" in consume["Action"]
    decrypt = statement(document, "DecryptTrainingMessages")
    assert (decrypt["Action"], decrypt["Resource"]) == (["kms:Decrypt"], [KEY_ARN])
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "sqs.us-west-2.amazonaws.com"}}
    objects = statement(document, "ObjectsModels")
    assert objects["Action"] == ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    assert objects["Resource"] == [f"{models}/*"]
    assert statement(document, "ObjectsBackups")["Action"] == ["s3:GetObject"]
    assert statement(document, "ObjectsBackups")["Resource"] == [f"{backups}/*"]
    assert statement(document, "ListBackups")["Resource"] == [backups]
    key = statement(document, "EnvironmentKey")
    assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert key["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [
        models,
        f"{models}/*",
        backups,
        f"{backups}/*",
    ]


def test_ingestion_writes_backups_under_its_prefix_only(built: Built) -> None:
    stack = built.stack
    backups = bucket_arn(stack, "backups")
    document = role_policy(stack, "ingestion")
    assert sids(document) == ["ObjectsBackups", "EnvironmentKey"]  # no listing
    objects = statement(document, "ObjectsBackups")
    assert objects["Action"] == ["s3:PutObject", "s3:AbortMultipartUpload"]
    assert objects["Resource"] == [f"{backups}/ingestion/*"]
    # Multipart uploads to SSE-KMS buckets decrypt the data key too.
    assert statement(document, "EnvironmentKey")["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def test_no_role_may_delete_objects_or_use_wildcards(built: Built) -> None:
    for account in SMALL.service_accounts:
        for item in role_policy(built.stack, account)["Statement"]:
            assert item["Effect"] == "Allow"
            assert not any(action == "*" or action.endswith(":*") for action in item["Action"]), account
            assert not any(action.startswith("s3:Delete") for action in item["Action"]), account
            if "*" in item["Resource"]:
                assert item["Action"] == ["cloudwatch:PutMetricData"], account


def test_database_access_without_a_proxy_user_is_refused(tmp_path: Path) -> None:
    # rules/workloads.py refuses such a file; the construct does not make a role without the grant.
    app = App(outdir=str(tmp_path))
    scope = TerraformStack(app, "refused")
    storage: Any = SimpleNamespace(buckets={}, kms_buckets=())
    with pytest.raises(ValueError, match="database access needs an RDS Proxy that requires IAM authentication"):
        WorkloadRoles(
            scope,
            "storage_access",
            settings=WorkloadsConfig(service_accounts={"api": ServiceAccountConfig(database=True)}),
            name_prefix="f1-analytics-dev",
            region="us-west-2",
            oidc=OidcProvider(arn="arn:aws:iam::123456789012:oidc-provider/example", issuer_host="example"),
            storage=storage,
            **{**STAND_INS, "database_user_arn": None},
        )


# Pure policy tests of the bucket grants, for shapes the files do not use.

ARNS = {
    "models": ("arn:aws:s3:::models", True),
    "backups": ("arn:aws:s3:::backups", True),
    "logs": ("arn:aws:s3:::logs", False),
}


def test_reading_a_prefix_limits_listing_to_it() -> None:
    document = {
        "Statement": bucket_access_statements(
            {"models": BucketGrant(access="read", prefix="serving/")}, ARNS, KEY_ARN, "us-west-2"
        )
    }
    assert statement(document, "ListModels")["Condition"] == {"StringLike": {"s3:prefix": ["serving/*"]}}
    assert statement(document, "ObjectsModels")["Resource"] == ["arn:aws:s3:::models/serving/*"]


def test_sse_s3_buckets_need_no_key() -> None:
    found = bucket_access_statements({"logs": BucketGrant(access="read")}, ARNS, KEY_ARN, "us-west-2")
    assert [s["Sid"] for s in found] == ["ListLogs", "ObjectsLogs"]


def test_every_environment_grants_exactly_the_buckets_its_file_lists(config: EnvironmentConfig) -> None:
    for account, wanted in config.workloads.service_accounts.items():
        found = bucket_access_statements(wanted.buckets, ARNS, KEY_ARN, config.region)
        granted = {s["Resource"][0].split(":::")[1].split("/")[0] for s in found if "Objects" in s["Sid"]}
        assert granted == set(wanted.buckets), account


# In the platform stacks: every environment's file, wired to the cluster's OIDC provider.


def oidc_subjects(stack: Stack) -> Iterator[tuple[str, str]]:
    """(role address, service account subject) of every role trusted through the cluster's OIDC provider."""
    for name, body in stack.resources("aws_iam_role").items():
        for trust in policy(body, "assume_role_policy")["Statement"]:
            if "Federated" not in trust.get("Principal", {}):
                continue
            for key, value in trust["Condition"]["StringEquals"].items():
                if key.endswith(":sub"):
                    yield f"aws_iam_role.{name}", value


def test_each_service_account_has_exactly_one_role(stack: Stack, config: EnvironmentConfig) -> None:
    """Rule 45, on the synthesized stack: no two roles trust one service account, workloads and
    the platform's own together, and every one trusted is declared in one place or the other."""
    subjects = Counter(subject for _, subject in oidc_subjects(stack))
    assert [s for s, n in subjects.items() if n > 1] == []
    workloads = {
        SERVICE_ACCOUNT.format(namespace=a.namespace, name=name)
        for name, a in config.workloads.service_accounts.items()
    }
    platform = {p.subject for p in PLATFORM_SERVICE_ACCOUNTS}
    assert workloads <= set(subjects)
    assert set(subjects) - workloads <= platform, "declare the platform's service accounts in PLATFORM_SERVICE_ACCOUNTS"
    assert stack.count("aws_iam_role", "storage_access/") == len(config.workloads.service_accounts)
    # The training consumer's own role is gone: its grants are in its service account's one role.
    assert stack.count("aws_iam_role", "monitoring/training_consumer") == 0


def test_platform_roles_trust_the_cluster_oidc_provider(stack: Stack, config: EnvironmentConfig) -> None:
    oidc_arn = stack.ref("aws_iam_openid_connect_provider", "cluster/oidc_provider", "arn")
    (issuer,) = [f"${{local.{name}}}" for name in stack.doc["locals"] if name.startswith("cluster_oidc_issuer_host")]
    for account, grants in config.workloads.service_accounts.items():
        role = stack.resource("aws_iam_role", f"storage_access/{role_id(account)}/role")
        assert role["name"] == f"f1-analytics-{stack.name}-{account}-s3"
        (trust,) = policy(role, "assume_role_policy")["Statement"]
        assert trust["Principal"] == {"Federated": oidc_arn}
        assert trust["Condition"]["StringEquals"][f"{issuer}:sub"] == SERVICE_ACCOUNT.format(
            namespace=grants.namespace, name=account
        )


def test_platform_role_policies_name_this_stacks_resources(stack: Stack, config: EnvironmentConfig) -> None:
    key = stack.ref("aws_kms_key", "kms/key", "arn")
    queue = stack.ref("aws_sqs_queue", "monitoring/training_queue", "arn")
    secret = stack.ref("aws_secretsmanager_secret", "cache/auth_secret", "arn")
    namespace = config.monitoring.custom_metrics_namespace
    for account, grants in config.workloads.service_accounts.items():
        document = role_policy(stack, account)
        for bucket in grants.buckets:
            objects = statement(document, f"Objects{bucket.capitalize()}")
            assert objects["Resource"][0].startswith(bucket_arn(stack, bucket) + "/")
        if grants.buckets:
            assert statement(document, "EnvironmentKey")["Resource"] == [key]
        assert ("ConsumeTrainingQueue" in sids(document)) is grants.training_queue
        if grants.training_queue:
            assert statement(document, "ConsumeTrainingQueue")["Resource"] == [queue]
            assert statement(document, "DecryptTrainingMessages")["Resource"] == [key]
        assert ("ReadCacheAuthToken" in sids(document)) is grants.cache
        if grants.cache:
            assert statement(document, "ReadCacheAuthToken")["Resource"] == [secret]
            decrypt = statement(document, "DecryptCacheAuthToken")
            assert decrypt["Resource"] == [key]
            assert decrypt["Condition"]["StringEquals"]["kms:EncryptionContext:SecretARN"] == secret
        assert ("PublishMetrics" in sids(document)) is grants.metrics
        if grants.metrics:
            assert statement(document, "PublishMetrics")["Condition"] == {
                "StringEquals": {"cloudwatch:namespace": namespace}
            }
        assert ("ConnectToDatabase" in sids(document)) is grants.database


def test_ml_training_receives_from_the_queue_and_writes_models(stack: Stack, config: EnvironmentConfig) -> None:
    assert config.workloads.training_consumers() == ["ml-training"]
    document = role_policy(stack, "ml-training")
    consume = statement(document, "ConsumeTrainingQueue")
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= set(consume["Action"])
    assert consume["Resource"] == [stack.ref("aws_sqs_queue", "monitoring/training_queue", "arn")]
    objects = statement(document, "ObjectsModels")
    assert "s3:PutObject" in objects["Action"]
    assert objects["Resource"] == [bucket_arn(stack, "models") + "/*"]
    assert stack.doc["output"]["training_consumer_role_arn"]["value"] == stack.ref(
        "aws_iam_role", "storage_access/ml_training/role", "arn"
    )


def test_api_connects_as_the_master_user_at_the_proxy(stack: Stack, config: EnvironmentConfig) -> None:
    granted = [s for account in config.workloads.service_accounts for s in role_policy(stack, account)["Statement"]]
    connects = [s for s in granted if "rds-db:connect" in s["Action"]]
    if not config.database.proxy.enabled:
        # dev has no proxy: no role may connect, and the rule refuses database: true there.
        assert connects == []
        assert "database_proxy_endpoint" not in stack.doc["output"]
        return
    (connect,) = statement(role_policy(stack, "api"), "ConnectToDatabase")["Resource"]
    (local,) = [name for name in stack.doc["locals"] if name.startswith("database_proxy_resource_id")]
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    assert connect == f"arn:aws:rds-db:{config.region}:{account}:dbuser:${{local.{local}}}/{config.database.username}"
    # The resource id is the prx-... element of the proxy's ARN.
    proxy = stack.address("aws_db_proxy", "database/proxy")
    assert stack.doc["locals"][local] == f'${{element(split(":", {proxy}.arn), 6)}}'
    assert stack.resource("aws_db_proxy", "database/proxy")["auth"][0]["iam_auth"] == "REQUIRED"
    assert stack.doc["output"]["database_proxy_endpoint"]["value"] == stack.ref(
        "aws_db_proxy", "database/proxy", "endpoint"
    )
    assert len(connects) == sum(1 for a in config.workloads.service_accounts.values() if a.database)


def test_no_role_reads_any_secret_but_the_cache_auth_token(stack: Stack, config: EnvironmentConfig) -> None:
    secret = stack.ref("aws_secretsmanager_secret", "cache/auth_secret", "arn")
    for account in config.workloads.service_accounts:
        for item in role_policy(stack, account)["Statement"]:
            if any(action.startswith("secretsmanager:") for action in item["Action"]):
                assert (item["Action"], item["Resource"]) == (["secretsmanager:GetSecretValue"], [secret]), account


def test_no_workload_role_grants_wildcard_actions(stack: Stack, config: EnvironmentConfig) -> None:
    for account in config.workloads.service_accounts:
        for item in role_policy(stack, account)["Statement"]:
            assert item["Effect"] == "Allow"
            assert not any(action == "*" or action.endswith(":*") for action in item["Action"]), account
            if "*" in item["Resource"]:
                assert item["Action"] == ["cloudwatch:PutMetricData"], account
                assert "cloudwatch:namespace" in item["Condition"]["StringEquals"], account


def test_every_service_account_has_its_role_arn_in_the_outputs(stack: Stack, config: EnvironmentConfig) -> None:
    assert stack.doc["output"]["workload_role_arns"]["value"] == {
        account: stack.ref("aws_iam_role", f"storage_access/{role_id(account)}/role", "arn")
        for account in config.workloads.service_accounts
    }
