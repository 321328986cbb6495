"""Service account access to the buckets (IRSA roles).

The roles are checked in every environment's stack, where they trust the EKS cluster's OIDC
provider, and, for the attributes other modules read from the two constructs, in one small stack
with an OIDC provider of its own, synthesized once for this module.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_random.provider import RandomProvider

from f1_infra.constructs.irsa import OidcProvider
from f1_infra.constructs.storage import Storage, StorageAccess, service_account_policy
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.storage import BucketGrant, ServiceAccountConfig
from tests.synth import Stack, policy, statement

ACCOUNT = "123456789012"
KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/environment"


class Built:
    def __init__(self, stack: Stack, storage: Storage) -> None:
        self.stack, self.storage = stack, storage

    def output(self, name: str) -> Any:
        return self.stack.doc["output"][name]["value"]


@pytest.fixture(scope="module")
def built(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> Built:
    config = configs["prod"]
    outdir = tmp_path_factory.mktemp("access.out")
    app = App(outdir=str(outdir))
    scope = TerraformStack(app, "access")
    AwsProvider(scope, "aws", region=config.region)
    RandomProvider(scope, "random")
    issuer = IamOpenidConnectProvider(
        scope, "oidc", url="https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE", client_id_list=["sts.amazonaws.com"]
    )
    storage = Storage(scope, "storage", config=config, account_id=ACCOUNT, kms_key_arn=KEY_ARN)
    access = StorageAccess(
        scope,
        "storage_access",
        config=config,
        storage=storage,
        kms_key_arn=KEY_ARN,
        oidc=OidcProvider(arn=issuer.arn, issuer_host=issuer.url),
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
        "api_role_arn": access.role_arns["api"],
    }
    for name, value in exposed.items():
        TerraformOutput(scope, name, value=value)
    app.synth()
    document = json.loads(Path(outdir, "stacks", "access", "cdk.tf.json").read_text())
    return Built(Stack("access", document), storage)


def bucket_arn(stack: Stack, key: str) -> str:
    return stack.ref("aws_s3_bucket", f"storage/{key}/bucket", "arn")


def role_policy(stack: Stack, account: str) -> dict[str, Any]:
    return policy(stack.resource("aws_iam_role_policy", f"storage_access/{account.replace('-', '_')}/policy"))


def test_storage_exposes_what_the_load_balancer_needs(built: Built) -> None:
    stack = built.stack
    assert built.output("logs_bucket_policy") == stack.ref("aws_s3_bucket_policy", "storage/logs/policy")
    assert built.storage.alb_log_prefix == "alb"
    for key, attribute in (("models", "models"), ("backups", "backup"), ("logs", "logs")):
        assert built.output(f"{attribute}_bucket_arn") == bucket_arn(stack, key)
        assert built.output(f"{attribute}_bucket_name") == stack.ref("aws_s3_bucket", f"storage/{key}/bucket", "bucket")


def test_one_role_per_service_account_trusting_only_that_account(built: Built) -> None:
    stack = built.stack
    assert stack.count("aws_iam_role", "storage_access/") == 3
    for account in ("api", "ml-training", "ingestion"):
        role = stack.resource("aws_iam_role", f"storage_access/{account.replace('-', '_')}/role")
        assert role["name"] == f"f1-analytics-prod-{account}-s3"
        (trust,) = policy(role, "assume_role_policy")["Statement"]
        assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"]
        assert trust["Principal"] == {"Federated": stack.ref("aws_iam_openid_connect_provider", "oidc", "arn")}
        issuer = stack.ref("aws_iam_openid_connect_provider", "oidc", "url")
        assert trust["Condition"]["StringEquals"] == {
            f"{issuer}:sub": f"system:serviceaccount:f1-analytics:{account}",
            f"{issuer}:aud": "sts.amazonaws.com",
        }
    assert built.output("api_role_arn") == stack.ref("aws_iam_role", "storage_access/api/role", "arn")


def test_api_only_reads_models(built: Built) -> None:
    stack = built.stack
    models = bucket_arn(stack, "models")
    document = role_policy(stack, "api")
    assert [s["Sid"] for s in document["Statement"]] == ["ListModels", "ObjectsModels", "EnvironmentKey"]
    listing = statement(document, "ListModels")
    assert listing["Action"] == ["s3:ListBucket"]
    assert listing["Resource"] == [models]
    assert "Condition" not in listing
    objects = statement(document, "ObjectsModels")
    assert objects["Action"] == ["s3:GetObject"]
    assert objects["Resource"] == [f"{models}/*"]
    key = statement(document, "EnvironmentKey")
    assert key["Action"] == ["kms:Decrypt"]
    assert key["Resource"] == [KEY_ARN]
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": [models, f"{models}/*"]},
    }


def test_ml_training_reads_and_writes_models_and_reads_backups(built: Built) -> None:
    stack = built.stack
    models, backups = bucket_arn(stack, "models"), bucket_arn(stack, "backups")
    document = role_policy(stack, "ml-training")
    assert statement(document, "ObjectsModels")["Action"] == ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    assert statement(document, "ObjectsModels")["Resource"] == [f"{models}/*"]
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
    assert [s["Sid"] for s in document["Statement"]] == ["ObjectsBackups", "EnvironmentKey"]  # no listing
    objects = statement(document, "ObjectsBackups")
    assert objects["Action"] == ["s3:PutObject", "s3:AbortMultipartUpload"]
    assert objects["Resource"] == [f"{backups}/ingestion/*"]
    # Multipart uploads to SSE-KMS buckets decrypt the data key too.
    assert statement(document, "EnvironmentKey")["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def test_no_role_may_delete_or_use_wildcards(built: Built) -> None:
    for account in ("api", "ml-training", "ingestion"):
        for item in role_policy(built.stack, account)["Statement"]:
            assert item["Effect"] == "Allow"
            assert not any("Delete" in action or action.endswith("*") for action in item["Action"])
            assert "*" not in item["Resource"]


# Pure policy tests, per environment file and for shapes the files do not use.

ARNS = {
    "models": ("arn:aws:s3:::models", True),
    "backups": ("arn:aws:s3:::backups", True),
    "logs": ("arn:aws:s3:::logs", False),
}


def grants(**buckets: BucketGrant) -> ServiceAccountConfig:
    return ServiceAccountConfig(namespace="f1-analytics", buckets=buckets)


def test_reading_a_prefix_limits_listing_to_it() -> None:
    document = json.loads(
        service_account_policy(grants(models=BucketGrant(access="read", prefix="serving/")), ARNS, KEY_ARN, "us-west-2")
    )
    assert statement(document, "ListModels")["Condition"] == {"StringLike": {"s3:prefix": ["serving/*"]}}
    assert statement(document, "ObjectsModels")["Resource"] == ["arn:aws:s3:::models/serving/*"]


def test_sse_s3_buckets_need_no_key() -> None:
    document = json.loads(service_account_policy(grants(logs=BucketGrant(access="read")), ARNS, KEY_ARN, "us-west-2"))
    assert [s["Sid"] for s in document["Statement"]] == ["ListLogs", "ObjectsLogs"]


def test_every_environment_grants_exactly_what_its_file_lists(config: EnvironmentConfig) -> None:
    for account, wanted in config.storage.service_accounts.items():
        document = json.loads(service_account_policy(wanted, ARNS, KEY_ARN, config.region))
        granted = {
            s["Resource"][0].split(":::")[1].split("/")[0] for s in document["Statement"] if "Objects" in s["Sid"]
        }
        assert granted == set(wanted.buckets), account


# In the platform stacks: every environment's file, wired to the cluster's OIDC provider.


def test_platform_roles_trust_the_cluster_oidc_provider(stack: Stack, config: EnvironmentConfig) -> None:
    oidc_arn = stack.ref("aws_iam_openid_connect_provider", "cluster/oidc_provider", "arn")
    (issuer,) = [f"${{local.{name}}}" for name in stack.doc["locals"] if name.startswith("cluster_oidc_issuer_host")]
    assert stack.count("aws_iam_role", "storage_access/") == len(config.storage.service_accounts)
    for account, grants in config.storage.service_accounts.items():
        role = stack.resource("aws_iam_role", f"storage_access/{account.replace('-', '_')}/role")
        assert role["name"] == f"f1-analytics-{stack.name}-{account}-s3"
        (trust,) = policy(role, "assume_role_policy")["Statement"]
        assert trust["Principal"] == {"Federated": oidc_arn}
        assert trust["Condition"]["StringEquals"][f"{issuer}:sub"] == (
            f"system:serviceaccount:{grants.namespace}:{account}"
        )


def test_platform_role_policies_name_this_stacks_buckets_and_key(stack: Stack, config: EnvironmentConfig) -> None:
    key = stack.ref("aws_kms_key", "kms/key", "arn")
    for account, grants in config.storage.service_accounts.items():
        document = role_policy(stack, account)
        for bucket in grants.buckets:
            objects = statement(document, f"Objects{bucket.capitalize()}")
            assert objects["Resource"][0].startswith(bucket_arn(stack, bucket) + "/")
        assert statement(document, "EnvironmentKey")["Resource"] == [key]
