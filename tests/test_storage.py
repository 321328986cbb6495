"""The S3 module, per environment: buckets, their protection, lifecycle, logging and replication."""

from typing import Any

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.journeys.policy import Request, evaluate
from tests.synth import Stack, policy, statement

BUCKETS = ("models", "backups", "logs")
KMS_BUCKETS = ("models", "backups")
NAMES = {"models": "ml-models", "backups": "data-backup", "logs": "logs"}
SUFFIX = "${random_id.storage_suffix_1D70D7D6.hex}"


def replicated(config: EnvironmentConfig) -> tuple[str, ...]:
    return config.storage.replication.buckets if config.storage.replication else ()


def all_buckets(config: EnvironmentConfig) -> list[str]:
    """Construct paths of every bucket below storage/, replicas included."""
    return [*BUCKETS, *(f"{key}_replica" for key in replicated(config))]


def bucket_ref(stack: Stack, path: str, attribute: str = "id") -> str:
    return stack.ref("aws_s3_bucket", f"storage/{path}/bucket", attribute)


def test_bucket_names_share_one_stable_random_suffix(stack: Stack) -> None:
    suffix = stack.resource("random_id", "storage/suffix")
    assert suffix["byte_length"] == 4
    assert "keepers" not in suffix  # nothing can make Terraform draw a new suffix
    for key in BUCKETS:
        name = stack.resource("aws_s3_bucket", f"storage/{key}/bucket")["bucket"]
        assert name == f"f1-analytics-{stack.name}-{NAMES[key]}-{SUFFIX}"


def test_random_provider_is_declared(stack: Stack) -> None:
    assert stack.doc["provider"]["random"] == [{}]


def test_outputs_name_the_buckets(stack: Stack) -> None:
    outputs = stack.doc["output"]
    for output, key in (
        ("models_bucket_name", "models"),
        ("backup_bucket_name", "backups"),
        ("logs_bucket_name", "logs"),
    ):
        assert outputs[output]["value"] == bucket_ref(stack, key, "bucket")


def test_every_bucket_blocks_public_access_and_acls(stack: Stack, config: EnvironmentConfig) -> None:
    for path in all_buckets(config):
        block = stack.resource("aws_s3_bucket_public_access_block", f"storage/{path}/public_access")
        assert block["bucket"] == bucket_ref(stack, path)
        flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        assert all(block[flag] is True for flag in flags)
        ownership = stack.resource("aws_s3_bucket_ownership_controls", f"storage/{path}/ownership")
        assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    # Rule 9: BucketOwnerEnforced refuses ACLs.
    assert not stack.resources("aws_s3_bucket_acl")


def test_every_bucket_is_versioned(stack: Stack, config: EnvironmentConfig) -> None:
    for path in all_buckets(config):
        versioning = stack.resource("aws_s3_bucket_versioning", f"storage/{path}/versioning")
        assert versioning["bucket"] == bucket_ref(stack, path)
        assert versioning["versioning_configuration"] == {"status": "Enabled"}


def test_models_and_backups_use_the_environment_key_with_bucket_keys(stack: Stack) -> None:
    for key in KMS_BUCKETS:
        (rule,) = stack.resource("aws_s3_bucket_server_side_encryption_configuration", f"storage/{key}/encryption")[
            "rule"
        ]
        assert rule["apply_server_side_encryption_by_default"] == {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": stack.ref("aws_kms_key", "kms/key", "arn"),
        }
        assert rule["bucket_key_enabled"] is True


def test_logs_bucket_uses_sse_s3_because_log_delivery_refuses_kms(stack: Stack) -> None:
    (rule,) = stack.resource("aws_s3_bucket_server_side_encryption_configuration", "storage/logs/encryption")["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}


def tls_denials(stack: Stack, path: str) -> None:
    body = stack.resource("aws_s3_bucket_policy", f"storage/{path}/policy")
    arn = bucket_ref(stack, path, "arn")
    assert body["bucket"] == bucket_ref(stack, path)
    document = policy(body)
    insecure = statement(document, "DenyInsecureTransport")
    assert insecure["Effect"] == "Deny"
    assert insecure["Principal"] == {"AWS": "*"}
    assert insecure["Action"] == ["s3:*"]
    assert insecure["Resource"] == [arn, f"{arn}/*"]
    assert insecure["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    old_tls = statement(document, "DenyOutdatedTls")
    assert old_tls["Effect"] == "Deny"
    assert old_tls["Resource"] == [arn, f"{arn}/*"]
    assert old_tls["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}


def test_every_bucket_policy_denies_plain_http_and_old_tls(stack: Stack, config: EnvironmentConfig) -> None:
    for path in all_buckets(config):
        tls_denials(stack, path)


def test_logs_bucket_policy_lets_the_load_balancer_deliver_under_its_prefix(stack: Stack) -> None:
    document = policy(stack.resource("aws_s3_bucket_policy", "storage/logs/policy"))
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    elb = statement(document, "ElbAccessLogs")
    assert elb["Effect"] == "Allow"
    # us-west-2 predates the log-delivery service principal: its regional ELB account delivers.
    assert elb["Principal"] == {
        "Service": "logdelivery.elasticloadbalancing.amazonaws.com",
        "AWS": stack.data_ref("aws_elb_service_account", "storage/elb_account", "arn"),
    }
    assert elb["Action"] == ["s3:PutObject"]
    assert elb["Resource"] == [f"{bucket_ref(stack, 'logs', 'arn')}/alb/AWSLogs/{account}/*"]


def test_logs_bucket_policy_admits_server_access_logs_of_our_buckets_only(stack: Stack) -> None:
    document = policy(stack.resource("aws_s3_bucket_policy", "storage/logs/policy"))
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    logging = statement(document, "S3ServerAccessLogs")
    assert logging["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert logging["Action"] == ["s3:PutObject"]
    assert logging["Resource"] == [f"{bucket_ref(stack, 'logs', 'arn')}/s3-access/*"]
    assert logging["Condition"] == {
        "ArnLike": {"aws:SourceArn": [bucket_ref(stack, "models", "arn"), bucket_ref(stack, "backups", "arn")]},
        "StringEquals": {"aws:SourceAccount": account},
    }
    # Models and backups policies grant nobody anything: only the two denials.
    for key in KMS_BUCKETS:
        sids = [s["Sid"] for s in policy(stack.resource("aws_s3_bucket_policy", f"storage/{key}/policy"))["Statement"]]
        assert sids == ["DenyInsecureTransport", "DenyOutdatedTls"]


def test_models_and_backups_log_into_the_logs_bucket(stack: Stack) -> None:
    for key in KMS_BUCKETS:
        logging = stack.resource("aws_s3_bucket_logging", f"storage/{key}/logging")
        assert logging["bucket"] == bucket_ref(stack, key)
        assert logging["target_bucket"] == bucket_ref(stack, "logs")
        assert logging["target_prefix"] == f"s3-access/{key}/"
        # Delivery must be allowed before it is switched on.
        assert logging["depends_on"] == [stack.address("aws_s3_bucket_policy", "storage/logs/policy")]
    # The logs bucket never logs into itself (every delivery would log another delivery).
    targets = [body["bucket"] for body in stack.resources("aws_s3_bucket_logging").values()]
    assert bucket_ref(stack, "logs") not in targets


def test_every_bucket_notifies_eventbridge(stack: Stack, config: EnvironmentConfig) -> None:
    for path in all_buckets(config):
        notification = stack.resource("aws_s3_bucket_notification", f"storage/{path}/notification")
        assert notification["bucket"] == bucket_ref(stack, path)
        assert notification["eventbridge"] is True


def expected_rule(config: EnvironmentConfig, key: str) -> dict[str, Any]:
    lifecycle = getattr(config.storage.buckets, key).lifecycle
    rule: dict[str, Any] = {
        "id": "objects",
        "status": "Enabled",
        "filter": [{"prefix": ""}],
        "abort_incomplete_multipart_upload": [{"days_after_initiation": lifecycle.abort_incomplete_multipart_days}],
        "noncurrent_version_expiration": [{"noncurrent_days": lifecycle.noncurrent_expiration_days}],
    }
    if lifecycle.transitions:
        rule["transition"] = [{"days": t.days, "storage_class": t.storage_class} for t in lifecycle.transitions]
    if lifecycle.noncurrent_transitions:
        rule["noncurrent_version_transition"] = [
            {"noncurrent_days": t.days, "storage_class": t.storage_class} for t in lifecycle.noncurrent_transitions
        ]
    if lifecycle.expiration_days is not None:
        rule["expiration"] = [{"days": lifecycle.expiration_days}]
    return rule


def test_lifecycle_follows_the_environment_file(stack: Stack, config: EnvironmentConfig) -> None:
    for path in all_buckets(config):
        key = path.removesuffix("_replica")
        body = stack.resource("aws_s3_bucket_lifecycle_configuration", f"storage/{path}/lifecycle")
        assert body["bucket"] == bucket_ref(stack, path)
        assert body["depends_on"] == [stack.address("aws_s3_bucket_versioning", f"storage/{path}/versioning")]
        objects, markers = body["rule"]
        assert objects == expected_rule(config, key)
        assert markers == {
            "id": "expired-delete-markers",
            "status": "Enabled",
            "filter": [{"prefix": ""}],
            "expiration": [{"expired_object_delete_marker": True}],
        }
        # Rule 6: the deprecated top-level prefix is never used.
        assert all("prefix" not in rule for rule in body["rule"])


def transitions(stack: Stack, key: str) -> list[tuple[str, int]]:
    (rule, _) = stack.resource("aws_s3_bucket_lifecycle_configuration", f"storage/{key}/lifecycle")["rule"]
    return [(t["storage_class"], t["days"]) for t in rule.get("transition", [])]


def expiration(stack: Stack, key: str) -> int | None:
    (rule, _) = stack.resource("aws_s3_bucket_lifecycle_configuration", f"storage/{key}/lifecycle")["rule"]
    return rule["expiration"][0]["days"] if "expiration" in rule else None


SEED_MODELS = [("STANDARD_IA", 30), ("GLACIER", 90), ("DEEP_ARCHIVE", 365)]
# The seed's Standard-IA at 7 days is refused by S3: every step moves to the nearest valid day.
BACKUPS = [("STANDARD_IA", 30), ("GLACIER", 60), ("DEEP_ARCHIVE", 150)]


@pytest.mark.parametrize(
    ("env", "bucket", "schedule", "expires"),
    [
        ("dev", "models", SEED_MODELS, None),
        ("dev", "backups", BACKUPS, 365),
        ("dev", "logs", [("STANDARD_IA", 30)], 90),
        ("staging", "models", SEED_MODELS, None),
        ("staging", "backups", BACKUPS, 731),
        ("staging", "logs", [("STANDARD_IA", 30), ("GLACIER", 60)], 365),
        ("prod", "models", SEED_MODELS, None),
        ("prod", "backups", BACKUPS, 2557),  # seven years, leap days included
        ("prod", "logs", [("STANDARD_IA", 30), ("GLACIER", 60)], 365),
    ],
)
def test_lifecycle_days_per_environment(
    stacks: dict[str, Stack], env: str, bucket: str, schedule: list[tuple[str, int]], expires: int | None
) -> None:
    assert transitions(stacks[env], bucket) == schedule
    assert expiration(stacks[env], bucket) == expires


@pytest.mark.parametrize(("env", "models", "backups", "logs"), [("dev", 30, 30, 7), ("prod", 90, 90, 30)])
def test_noncurrent_versions_expire(stacks: dict[str, Stack], env: str, models: int, backups: int, logs: int) -> None:
    for key, days in (("models", models), ("backups", backups), ("logs", logs)):
        (rule, _) = stacks[env].resource("aws_s3_bucket_lifecycle_configuration", f"storage/{key}/lifecycle")["rule"]
        assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": days}]


@pytest.mark.parametrize(
    ("env", "force_destroy", "protected"), [("dev", True, False), ("staging", False, False), ("prod", False, True)]
)
def test_destroy_protection(stacks: dict[str, Stack], env: str, force_destroy: bool, protected: bool) -> None:
    stack = stacks[env]
    for key in BUCKETS:
        bucket = stack.resource("aws_s3_bucket", f"storage/{key}/bucket")
        assert bucket["force_destroy"] is force_destroy
        # The logs bucket is never protected: losing it loses no business data.
        assert bucket["lifecycle"] == {"prevent_destroy": protected and key != "logs"}


@pytest.mark.parametrize(("env", "locked_days"), [("dev", None), ("staging", None), ("prod", 30)])
def test_backups_object_lock(stacks: dict[str, Stack], env: str, locked_days: int | None) -> None:
    stack = stacks[env]
    bucket = stack.resource("aws_s3_bucket", "storage/backups/bucket")
    assert stack.resource("aws_s3_bucket", "storage/models/bucket").get("object_lock_enabled") is None
    if locked_days is None:
        assert bucket.get("object_lock_enabled") is None
        assert not stack.resources("aws_s3_bucket_object_lock_configuration")
        return
    # Object Lock must be on at creation; the retention rule is a separate resource.
    assert bucket["object_lock_enabled"] is True
    for path in ("backups", "backups_replica"):
        lock = stack.resource("aws_s3_bucket_object_lock_configuration", f"storage/{path}/object_lock")
        assert lock["bucket"] == bucket_ref(stack, path)
        assert lock["rule"] == {"default_retention": {"mode": "GOVERNANCE", "days": locked_days}}
    assert stack.resource("aws_s3_bucket", "storage/backups_replica/bucket")["object_lock_enabled"] is True


# ------------------------------------------------------------------ replication


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_no_replication_outside_production(stacks: dict[str, Stack], env: str) -> None:
    stack = stacks[env]
    assert not stack.resources("aws_s3_bucket_replication_configuration")
    assert stack.count("aws_s3_bucket", "storage/") == 3
    # staging's disaster-recovery region holds its database backups, never a bucket.
    assert all("provider" not in b for b in stack.resources("aws_s3_bucket").values())


@pytest.fixture
def prod(stacks: dict[str, Stack]) -> Stack:
    return stacks["prod"]


def test_prod_replicates_to_the_dr_region_through_an_aliased_provider(prod: Stack) -> None:
    (dr,) = [p for p in prod.doc["provider"]["aws"] if p.get("alias") == "disaster_recovery"]
    assert dr["region"] == "us-east-1"
    assert dr["default_tags"] == next(p for p in prod.doc["provider"]["aws"] if "alias" not in p)["default_tags"]
    for key in BUCKETS:
        replica = prod.resource("aws_s3_bucket", f"storage/{key}_replica/bucket")
        assert replica["provider"] == "aws.disaster_recovery"
        assert replica["bucket"] == f"f1-analytics-prod-{NAMES[key]}-dr-{SUFFIX}"
        for type_, part in (
            ("aws_s3_bucket_public_access_block", "public_access"),
            ("aws_s3_bucket_versioning", "versioning"),
            ("aws_s3_bucket_server_side_encryption_configuration", "encryption"),
            ("aws_s3_bucket_policy", "policy"),
            ("aws_s3_bucket_lifecycle_configuration", "lifecycle"),
        ):
            assert prod.resource(type_, f"storage/{key}_replica/{part}")["provider"] == "aws.disaster_recovery"


def test_replica_key_lives_in_the_dr_region(prod: Stack) -> None:
    key = prod.resource("aws_kms_key", "storage/replica_key")
    assert key["provider"] == "aws.disaster_recovery"
    assert key["enable_key_rotation"] is True
    assert key["lifecycle"] == {"prevent_destroy": True}
    admin = statement(policy(key), "AccountAdministration")
    assert admin["Principal"] == {
        "AWS": f"arn:aws:iam::{prod.data_ref('aws_caller_identity', 'caller', 'account_id')}:root"
    }
    for replica in KMS_BUCKETS:
        (rule,) = prod.resource(
            "aws_s3_bucket_server_side_encryption_configuration", f"storage/{replica}_replica/encryption"
        )["rule"]
        assert rule["apply_server_side_encryption_by_default"]["kms_master_key_id"] == prod.ref(
            "aws_kms_key", "storage/replica_key", "arn"
        )
    (rule,) = prod.resource("aws_s3_bucket_server_side_encryption_configuration", "storage/logs_replica/encryption")[
        "rule"
    ]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}


def test_replication_rules(prod: Stack) -> None:
    role = prod.ref("aws_iam_role", "storage/replication_role", "arn")
    for key in BUCKETS:
        body = prod.resource("aws_s3_bucket_replication_configuration", f"storage/{key}_replication")
        assert body["bucket"] == bucket_ref(prod, key)
        assert body["role"] == role
        assert sorted(body["depends_on"]) == sorted(
            [
                prod.address("aws_s3_bucket_versioning", f"storage/{key}/versioning"),
                prod.address("aws_s3_bucket_versioning", f"storage/{key}_replica/versioning"),
            ]
        )
        (rule,) = body["rule"]
        assert rule["status"] == "Enabled"
        assert rule["filter"] == {"prefix": ""}
        # A delete in the source must not hide the object in the disaster-recovery copy.
        assert rule["delete_marker_replication"] == {"status": "Disabled"}
        assert rule["destination"]["bucket"] == bucket_ref(prod, f"{key}_replica", "arn")
        # The logs bucket holds the trail's SSE-KMS files in prod, and they are copied too.
        if key in KMS_BUCKETS or key == "logs":
            assert rule["source_selection_criteria"] == {"sse_kms_encrypted_objects": {"status": "Enabled"}}
            assert rule["destination"]["encryption_configuration"] == {
                "replica_kms_key_id": prod.ref("aws_kms_key", "storage/replica_key", "arn")
            }
        else:
            assert "source_selection_criteria" not in rule
            assert "encryption_configuration" not in rule["destination"]


def test_replicas_log_into_the_replica_of_the_logs_bucket(prod: Stack) -> None:
    for key in KMS_BUCKETS:
        logging = prod.resource("aws_s3_bucket_logging", f"storage/{key}_replica/logging")
        assert logging["target_bucket"] == bucket_ref(prod, "logs_replica")
        assert logging["provider"] == "aws.disaster_recovery"
    logging = statement(
        policy(prod.resource("aws_s3_bucket_policy", "storage/logs_replica/policy")), "S3ServerAccessLogs"
    )
    assert logging["Condition"]["ArnLike"]["aws:SourceArn"] == [
        bucket_ref(prod, "models_replica", "arn"),
        bucket_ref(prod, "backups_replica", "arn"),
    ]


def test_replication_role_has_least_privilege(prod: Stack) -> None:
    trust = policy(prod.resource("aws_iam_role", "storage/replication_role"), "assume_role_policy")
    assert trust["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    account = prod.data_ref("aws_caller_identity", "caller", "account_id")
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    body = prod.resource("aws_iam_role_policy", "storage/replication_policy")
    assert body["role"] == prod.ref("aws_iam_role", "storage/replication_role")
    document = policy(body)
    sources = [bucket_ref(prod, k, "arn") for k in BUCKETS]
    replicas = [bucket_ref(prod, f"{k}_replica", "arn") for k in BUCKETS]

    assert statement(document, "SourceBuckets")["Action"] == ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    assert statement(document, "SourceBuckets")["Resource"] == sources
    source_objects = statement(document, "SourceObjects")
    assert source_objects["Resource"] == [f"{arn}/*" for arn in sources]
    # Backups are locked: retention and legal hold travel with each version.
    assert {"s3:GetObjectVersionForReplication", "s3:GetObjectRetention", "s3:GetObjectLegalHold"} <= set(
        source_objects["Action"]
    )
    replica_objects = statement(document, "ReplicaObjects")
    assert replica_objects["Action"] == ["s3:ReplicateObject", "s3:ReplicateTags"]  # no ReplicateDelete
    assert replica_objects["Resource"] == [f"{arn}/*" for arn in replicas]

    decrypt = statement(document, "DecryptSources")
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Resource"] == [prod.ref("aws_kms_key", "kms/key", "arn")]
    assert decrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-west-2.amazonaws.com"}
    models, backups, logs = (bucket_ref(prod, k, "arn") for k in (*KMS_BUCKETS, "logs"))
    assert decrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:s3:arn": [models, f"{models}/*", backups, f"{backups}/*", logs, f"{logs}/*"]
    }
    encrypt = statement(document, "EncryptReplicas")
    assert encrypt["Action"] == ["kms:Encrypt", "kms:GenerateDataKey"]
    assert encrypt["Resource"] == [prod.ref("aws_kms_key", "storage/replica_key", "arn")]
    assert encrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    for item in document["Statement"]:
        assert "*" not in item["Resource"]
        assert not any(action.endswith(":*") for action in item["Action"])


def test_replication_copies_the_trails_files_through_both_keys(prod: Stack) -> None:
    """The trail writes SSE-KMS files into the logs bucket: S3 replication decrypts each with the
    environment key and encrypts its copy with the replica key, as the replication role, which
    both key policies admit as one of the environment's roles."""
    role = prod.resource("aws_iam_role", "storage/replication_role")
    account = prod.data_ref("aws_caller_identity", "caller", "account_id")
    caller = f"arn:aws:iam::{account}:role/{role['name']}"
    identity = [policy(prod.resource("aws_iam_role_policy", "storage/replication_policy"))]
    logs, logs_replica = bucket_ref(prod, "logs", "arn"), bucket_ref(prod, "logs_replica", "arn")
    trail_file = "cloudtrail/AWSLogs/123456789012/CloudTrail/us-west-2/2026/12/01/file.json.gz"
    for key, region, action, obj in (
        ("kms/key", "us-west-2", "kms:Decrypt", f"{logs}/{trail_file}"),
        ("storage/replica_key", "us-east-1", "kms:GenerateDataKey", f"{logs_replica}/{trail_file}"),
    ):
        decision = evaluate(
            Request(
                action,
                prod.ref("aws_kms_key", key, "arn"),
                principal={"AWS": caller},
                context={
                    "aws:PrincipalAccount": account,
                    "kms:ViaService": f"s3.{region}.amazonaws.com",
                    "kms:EncryptionContext:aws:s3:arn": obj,
                },
            ),
            identity,
            resource_policy=policy(prod.resource("aws_kms_key", key)),
            resource_policy_required=True,
        )
        assert decision.allowed, (key, decision.reason)
