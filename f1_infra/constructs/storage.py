"""S3: buckets for model artifacts, backups and logs; their replicas; what a service account's
access to them takes (its role is made with the other workload roles, f1_infra/constructs/workloads.py)."""

from collections.abc import Mapping, Sequence
from typing import Any

from cdktf import TerraformProvider, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from cdktf_cdktf_provider_aws.s3_bucket_object_lock_configuration import (
    S3BucketObjectLockConfigurationA,
    S3BucketObjectLockConfigurationRuleA,
    S3BucketObjectLockConfigurationRuleDefaultRetentionA,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from cdktf_cdktf_provider_random.id import Id
from constructs import Construct

from f1_infra.constructs.disaster_recovery import copies_key
from f1_infra.constructs.security import trail_bucket_statements
from f1_infra.iam import policy_document, service_trust_policy, statement
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.storage import (
    BUCKET_SUFFIX_BYTES,
    BucketConfig,
    BucketLifecycle,
    ReplicationConfig,
    bucket_name,
)
from f1_infra.settings.workloads import BucketGrant

# Buckets encrypted with the environment key; the logs bucket uses SSE-S3 (rules 8 and 43).
KMS_BUCKETS = ("models", "backups")
# Buckets whose server access logs go to the logs bucket (a bucket never logs into itself).
LOGGED_BUCKETS = ("models", "backups")
# Buckets holding business data: never destroyed by a plan in production. Logs can be lost.
PROTECTED_BUCKETS = ("models", "backups")
MIN_TLS_VERSION = "1.2"
ACCESS_LOG_PREFIX = "s3-access"
ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"
# Regions opened before August 2022 deliver load balancer logs from a regional Elastic Load
# Balancing account, not the log-delivery service principal; without that account in the bucket
# policy the load balancer's creation fails with "Access Denied for bucket". Newer regions have no
# such account (the provider's aws_elb_service_account refuses them).
ELB_ACCOUNT_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
        "eu-south-1", "eu-north-1", "me-south-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1",
        "cn-north-1", "cn-northwest-1",
    }
)  # fmt: skip
S3_LOG_DELIVERY = "logging.s3.amazonaws.com"

READ_ACTIONS = ("s3:GetObject",)
# Multipart uploads to an SSE-KMS bucket need kms:Decrypt as well as kms:GenerateDataKey.
WRITE_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload")
READ_KEY_ACTIONS = ("kms:Decrypt",)
WRITE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

REPLICATION_SOURCE_BUCKET_ACTIONS = ("s3:GetReplicationConfiguration", "s3:ListBucket")
REPLICATION_SOURCE_OBJECT_ACTIONS = (
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
)
# Object Lock settings travel with each replicated version.
REPLICATION_LOCK_ACTIONS = ("s3:GetObjectRetention", "s3:GetObjectLegalHold")
REPLICATION_DESTINATION_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateTags")


def tls_statements(arn: str) -> list[dict[str, Any]]:
    """Deny any request over plain HTTP or TLS older than 1.2, whoever makes it."""
    resources = [arn, f"{arn}/*"]
    return [
        statement(
            "DenyInsecureTransport",
            ["s3:*"],
            resources,
            principal={"AWS": "*"},
            conditions={"Bool": {"aws:SecureTransport": "false"}},
            effect="Deny",
        ),
        statement(
            "DenyOutdatedTls",
            ["s3:*"],
            resources,
            principal={"AWS": "*"},
            conditions={"NumericLessThan": {"s3:TlsVersion": MIN_TLS_VERSION}},
            effect="Deny",
        ),
    ]


def lifecycle_rules(lifecycle: BucketLifecycle) -> list[S3BucketLifecycleConfigurationRule]:
    """One rule for every object (explicit empty-prefix filter, rule 6) and one that removes
    delete markers left without versions once noncurrent versions have expired."""
    every_object = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
    transitions = [
        S3BucketLifecycleConfigurationRuleTransition(days=t.days, storage_class=t.storage_class)
        for t in lifecycle.transitions
    ]
    noncurrent_transitions = [
        S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition(
            noncurrent_days=t.days, storage_class=t.storage_class
        )
        for t in lifecycle.noncurrent_transitions
    ]
    expiration = (
        [S3BucketLifecycleConfigurationRuleExpiration(days=lifecycle.expiration_days)]
        if lifecycle.expiration_days is not None
        else None
    )
    objects = S3BucketLifecycleConfigurationRule(
        id="objects",
        status="Enabled",
        filter=every_object,
        transition=transitions or None,
        expiration=expiration,
        noncurrent_version_transition=noncurrent_transitions or None,
        noncurrent_version_expiration=[
            S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                noncurrent_days=lifecycle.noncurrent_expiration_days
            )
        ],
        abort_incomplete_multipart_upload=[
            S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                days_after_initiation=lifecycle.abort_incomplete_multipart_days
            )
        ],
    )
    markers = S3BucketLifecycleConfigurationRule(
        id="expired-delete-markers",
        status="Enabled",
        filter=every_object,
        expiration=[S3BucketLifecycleConfigurationRuleExpiration(expired_object_delete_marker=True)],
    )
    return [objects, markers]


class Bucket(Construct):
    """One private bucket: public access blocked, ACLs disabled, default encryption (SSE-KMS
    with ``kms_key_arn``, else SSE-S3), versioning, lifecycle, EventBridge notifications,
    optional Object Lock. Its policy is added with ``attach_policy`` once every principal it
    names exists.

    Attributes: ``name``, ``arn``, ``id``, ``versioning``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        settings: BucketConfig,
        kms_key_arn: str | None,
        force_destroy: bool,
        protect: bool,
        provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._provider = provider
        lock = settings.object_lock
        bucket = S3Bucket(
            self,
            "bucket",
            bucket=name,
            force_destroy=force_destroy,
            # Object Lock can only be enabled when the bucket is created.
            object_lock_enabled=lock is not None or None,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=protect),
            provider=provider,
        )
        self.name: str = bucket.bucket
        self.arn: str = bucket.arn
        self.id: str = bucket.id
        S3BucketPublicAccessBlock(
            self,
            "public_access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            provider=provider,
        )
        S3BucketOwnershipControls(
            self, "ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, provider=provider
        )
        default = S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
            sse_algorithm="aws:kms" if kms_key_arn else "AES256", kms_master_key_id=kms_key_arn
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=default, bucket_key_enabled=bool(kms_key_arn)
                )
            ],
            provider=provider,
        )
        self.versioning = S3BucketVersioningA(
            self, "versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, provider=provider
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket.id,
            rule=lifecycle_rules(settings.lifecycle),
            # Transitions and noncurrent rules act on versions: versioning must be on first.
            depends_on=[self.versioning],
            provider=provider,
        )
        S3BucketNotification(self, "notification", bucket=bucket.id, eventbridge=True, provider=provider)
        if lock is not None:
            S3BucketObjectLockConfigurationA(
                self,
                "object_lock",
                bucket=bucket.id,
                rule=S3BucketObjectLockConfigurationRuleA(
                    default_retention=S3BucketObjectLockConfigurationRuleDefaultRetentionA(
                        mode="GOVERNANCE", days=lock.retention_days
                    )
                ),
                depends_on=[self.versioning],
                provider=provider,
            )

    def attach_policy(self, *extra: Mapping[str, Any]) -> S3BucketPolicy:
        """The bucket policy: the TLS denials plus ``extra`` statements."""
        return S3BucketPolicy(
            self,
            "policy",
            bucket=self.id,
            policy=policy_document(*tls_statements(self.arn), *extra),
            provider=self._provider,
        )

    def log_to(self, target: "Bucket", target_policy: S3BucketPolicy, key: str) -> None:
        """Deliver server access logs to ``target`` under s3-access/<key>/, once its policy
        allows the delivery."""
        S3BucketLoggingA(
            self,
            "logging",
            bucket=self.id,
            target_bucket=target.id,
            target_prefix=f"{ACCESS_LOG_PREFIX}/{key}/",
            depends_on=[target_policy],
            provider=self._provider,
        )


def server_access_log_statement(target_arn: str, account_id: str, sources: Sequence[str]) -> dict[str, Any]:
    """S3 log delivery may write into s3-access/ of the target, for the given source buckets only."""
    return statement(
        "S3ServerAccessLogs",
        ["s3:PutObject"],
        [f"{target_arn}/{ACCESS_LOG_PREFIX}/*"],
        principal={"Service": S3_LOG_DELIVERY},
        conditions={"ArnLike": {"aws:SourceArn": list(sources)}, "StringEquals": {"aws:SourceAccount": account_id}},
    )


def elb_log_principal(scope: Construct, region: str) -> dict[str, Any]:
    """Who delivers load balancer access logs in a region (rule 8)."""
    principal: dict[str, Any] = {"Service": ELB_LOG_DELIVERY}
    if region in ELB_ACCOUNT_REGIONS:
        principal["AWS"] = DataAwsElbServiceAccount(scope, "elb_account").arn
    return principal


class Storage(Construct):
    """The environment's buckets: ML model artifacts, backups, and logs (load balancer access
    logs and S3 server access logs), named <prefix>-<name>-<random suffix>; and, when the file
    asks for it, their replicas in a disaster-recovery region.

    Attributes: ``models_bucket_name``, ``models_bucket_arn``, ``backup_bucket_name``,
    ``backup_bucket_arn``, ``logs_bucket_name``, ``logs_bucket_arn``, ``logs_bucket_policy``
    (the load balancer must depend on it), ``alb_log_prefix``, ``buckets`` (by key).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        account_id: str,
        kms_key_arn: str,
        replica_provider: TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        storage, prefix = config.storage, config.name_prefix
        suffix = Id(self, "suffix", byte_length=BUCKET_SUFFIX_BYTES).hex

        self.buckets: dict[str, Bucket] = {
            key: Bucket(
                self,
                key,
                name=bucket_name(prefix, settings.name, suffix),
                settings=settings,
                kms_key_arn=kms_key_arn if key in KMS_BUCKETS else None,
                force_destroy=storage.force_destroy,
                protect=config.production and key in PROTECTED_BUCKETS,
            )
            for key, settings in storage.buckets.items()
        }
        logs = self.buckets["logs"]
        alb_statement = statement(
            "ElbAccessLogs",
            ["s3:PutObject"],
            [f"{logs.arn}/{storage.alb_log_prefix}/AWSLogs/{account_id}/*"],
            principal=elb_log_principal(self, config.region),
        )
        sources = [self.buckets[k].arn for k in LOGGED_BUCKETS]
        trail = trail_bucket_statements(config, logs.arn, account_id) if config.security.cloudtrail.enabled else []
        logs_policy = logs.attach_policy(
            alb_statement, server_access_log_statement(logs.arn, account_id, sources), *trail
        )
        for key in KMS_BUCKETS:
            self.buckets[key].attach_policy()
        for key in LOGGED_BUCKETS:
            self.buckets[key].log_to(logs, logs_policy, key)

        self.replicas: dict[str, Bucket] = {}
        if storage.replication is not None:
            # The rules refuse replication without a disaster-recovery region (rules/disaster_recovery.py).
            assert replica_provider is not None
            assert config.disaster_recovery_region is not None
            self._replicate(
                config,
                storage.replication,
                config.disaster_recovery_region,
                replica_provider,
                account_id,
                kms_key_arn,
                suffix,
            )

        self.models_bucket_name: str = self.buckets["models"].name
        self.models_bucket_arn: str = self.buckets["models"].arn
        self.backup_bucket_name: str = self.buckets["backups"].name
        self.backup_bucket_arn: str = self.buckets["backups"].arn
        self.logs_bucket_name: str = logs.name
        self.logs_bucket_arn: str = logs.arn
        self.logs_bucket_policy: S3BucketPolicy = logs_policy
        self.alb_log_prefix: str = storage.alb_log_prefix
        self.kms_buckets: tuple[str, ...] = KMS_BUCKETS

    def _replicate(
        self,
        config: EnvironmentConfig,
        replication: ReplicationConfig,
        dr_region: str,
        provider: TerraformProvider,
        account_id: str,
        kms_key_arn: str,
        suffix: str,
    ) -> None:
        storage, prefix = config.storage, config.name_prefix
        replica_key = copies_key(
            self,
            "replica_key",
            config=config,
            account_id=account_id,
            provider=provider,
            purpose=f"replicas of the S3 buckets in {dr_region}",
            alias=f"{prefix}-s3-replica",
        )

        keys = [k for k, _ in storage.buckets.items() if k in replication.buckets]
        for key in keys:
            settings = getattr(storage.buckets, key)
            self.replicas[key] = Bucket(
                self,
                f"{key}_replica",
                name=bucket_name(prefix, settings.name, suffix, replica=True),
                settings=settings,
                kms_key_arn=replica_key.arn if key in KMS_BUCKETS else None,
                force_destroy=storage.force_destroy,
                protect=config.production and key in PROTECTED_BUCKETS,
                provider=provider,
            )
        logs_replica = self.replicas["logs"]
        logged = [k for k in keys if k in LOGGED_BUCKETS]
        logs_replica_policy = logs_replica.attach_policy(
            server_access_log_statement(logs_replica.arn, account_id, [self.replicas[k].arn for k in logged])
        )
        for key in keys:
            if key != "logs":
                self.replicas[key].attach_policy()
        for key in logged:
            self.replicas[key].log_to(logs_replica, logs_replica_policy, key)

        sources = [self.buckets[k] for k in keys]
        replicas = [self.replicas[k] for k in keys]
        # Buckets holding objects encrypted with the environment key: the KMS buckets, and the logs
        # bucket when the trail writes its files there (SSE-KMS, constructs/security.py). S3 replicates
        # such objects only when the rule selects them and names a key of the destination.
        kms_objects = [k for k in keys if k in KMS_BUCKETS or (k == "logs" and config.security.cloudtrail.enabled)]
        kms_sources = [self.buckets[k].arn for k in kms_objects]
        kms_replicas = [self.replicas[k].arn for k in kms_objects]
        locked = any(getattr(storage.buckets, k).object_lock is not None for k in keys)
        destination_actions = list(REPLICATION_DESTINATION_ACTIONS)
        if replication.replicate_delete_markers:
            destination_actions.append("s3:ReplicateDelete")
        statements = [
            statement("SourceBuckets", REPLICATION_SOURCE_BUCKET_ACTIONS, [b.arn for b in sources]),
            statement(
                "SourceObjects",
                [*REPLICATION_SOURCE_OBJECT_ACTIONS, *(REPLICATION_LOCK_ACTIONS if locked else ())],
                [f"{b.arn}/*" for b in sources],
            ),
            statement("ReplicaObjects", destination_actions, [f"{b.arn}/*" for b in replicas]),
        ]
        if kms_sources:
            statements += [
                statement(
                    "DecryptSources",
                    ["kms:Decrypt"],
                    [kms_key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"},
                        "StringLike": {"kms:EncryptionContext:aws:s3:arn": _arns_and_objects(kms_sources)},
                    },
                ),
                statement(
                    "EncryptReplicas",
                    ["kms:Encrypt", "kms:GenerateDataKey"],
                    [replica_key.arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{dr_region}.amazonaws.com"},
                        "StringLike": {"kms:EncryptionContext:aws:s3:arn": _arns_and_objects(kms_replicas)},
                    },
                ),
            ]
        role = IamRole(
            self,
            "replication_role",
            name=f"{prefix}-s3-replication",
            # Only S3 acting for this account's buckets (confused-deputy protection, S3 user guide).
            assume_role_policy=service_trust_policy(
                "s3.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account_id}}
            ),
        )
        IamRolePolicy(self, "replication_policy", role=role.id, name="replicate", policy=policy_document(*statements))

        delete_markers = "Enabled" if replication.replicate_delete_markers else "Disabled"
        for key in keys:
            source, replica = self.buckets[key], self.replicas[key]
            kms = key in kms_objects
            rule = S3BucketReplicationConfigurationRule(
                id=f"to-{dr_region}",
                status="Enabled",
                filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                    status=delete_markers
                ),
                source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                    sse_kms_encrypted_objects=(
                        S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                            status="Enabled"
                        )
                    )
                )
                if kms
                else None,
                destination=S3BucketReplicationConfigurationRuleDestination(
                    bucket=replica.arn,
                    encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                        replica_kms_key_id=replica_key.arn
                    )
                    if kms
                    else None,
                ),
            )
            S3BucketReplicationConfigurationA(
                self,
                f"{key}_replication",
                bucket=source.id,
                role=role.arn,
                rule=[rule],
                depends_on=[source.versioning, replica.versioning],
            )


def _arns_and_objects(arns: Sequence[str]) -> list[str]:
    # With S3 Bucket Keys the encryption context is the bucket ARN, without them the object ARN.
    return [value for arn in arns for value in (arn, f"{arn}/*")]


def bucket_access_statements(
    grants: Mapping[str, BucketGrant], buckets: Mapping[str, tuple[str, bool]], kms_key_arn: str, region: str
) -> list[dict[str, Any]]:
    """What one service account may do with the buckets: per bucket, ListBucket (limited to the
    prefix) when it reads, object actions on the prefix, and the environment key only for buckets
    encrypted with it. ``buckets`` maps a bucket key to (ARN, encrypted with the key)."""
    statements: list[dict[str, Any]] = []
    key_actions: set[str] = set()
    key_buckets: list[str] = []
    for key, grant in grants.items():
        arn, uses_key = buckets[key]
        prefix = grant.prefix or ""
        reads, writes = grant.access in ("read", "read_write"), grant.access in ("write", "read_write")
        name = key.capitalize()
        if reads:
            conditions = {"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None
            statements.append(statement(f"List{name}", ["s3:ListBucket"], [arn], conditions=conditions))
        actions = [*(READ_ACTIONS if reads else ()), *(WRITE_ACTIONS if writes else ())]
        statements.append(statement(f"Objects{name}", actions, [f"{arn}/{prefix}*"]))
        if uses_key:
            key_actions.update(READ_KEY_ACTIONS if reads else ())
            key_actions.update(WRITE_KEY_ACTIONS if writes else ())
            key_buckets.append(arn)
    if key_actions:
        statements.append(
            statement(
                "EnvironmentKey",
                sorted(key_actions),
                [kms_key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": _arns_and_objects(key_buckets)},
                },
            )
        )
    return statements
