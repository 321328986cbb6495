"""Security events: GuardDuty findings to the critical alerts topic, and the environment's own
CloudTrail trail when the organization does not record the account."""

import json
from typing import Any

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudtrail import Cloudtrail
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget, CloudwatchEventTargetRetryPolicy
from cdktf_cdktf_provider_aws.guardduty_detector import GuarddutyDetector
from constructs import Construct

from f1_infra.iam import statement
from f1_infra.settings.environment import EnvironmentConfig

CLOUDTRAIL = "cloudtrail.amazonaws.com"
TRAIL_PREFIX = "cloudtrail"
# GuardDuty sends a new finding within five minutes; this is how often it re-sends one that recurs.
FINDING_PUBLISHING_FREQUENCY = "FIFTEEN_MINUTES"
# An undeliverable finding is retried for a day: the longest EventBridge allows.
FINDING_MAX_AGE_SECONDS = 86400
FINDING_RETRIES = 185


def trail_name(config: EnvironmentConfig) -> str:
    return f"{config.name_prefix}-trail"


def trail_arn(config: EnvironmentConfig, account_id: str) -> str:
    """The ARN the trail will have: the bucket and key policies name it (aws:SourceArn) before it exists."""
    return f"arn:{config.partition}:cloudtrail:{config.region}:{account_id}:trail/{trail_name(config)}"


def finding_pattern(min_severity: float) -> dict[str, Any]:
    """The EventBridge pattern of GuardDuty findings of at least ``min_severity``
    (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html)."""
    return {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", min_severity]}]},
    }


def trail_bucket_statements(config: EnvironmentConfig, bucket_arn: str, account_id: str) -> list[dict[str, Any]]:
    """What the trail needs of the logs bucket, held to this trail (aws:SourceArn): read the
    bucket's ACL, and write under cloudtrail/AWSLogs/<account>/ with the bucket owner in full
    control (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html)."""
    source = {"aws:SourceArn": trail_arn(config, account_id)}
    return [
        statement(
            "CloudTrailAclCheck",
            ["s3:GetBucketAcl"],
            [bucket_arn],
            principal={"Service": CLOUDTRAIL},
            conditions={"StringEquals": source},
        ),
        statement(
            "CloudTrailWrite",
            ["s3:PutObject"],
            [f"{bucket_arn}/{TRAIL_PREFIX}/AWSLogs/{account_id}/*"],
            principal={"Service": CLOUDTRAIL},
            conditions={"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}},
        ),
    ]


def trail_key_statement(config: EnvironmentConfig, account_id: str) -> dict[str, Any]:
    """The trail may encrypt its log files with the key and describe it, and no other trail may
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html)."""
    return statement(
        "CloudTrailTrail",
        ["kms:GenerateDataKey*", "kms:DescribeKey"],
        ["*"],
        principal={"Service": CLOUDTRAIL},
        conditions={"StringEquals": {"aws:SourceArn": trail_arn(config, account_id)}},
    )


class SecurityEvents(Construct):
    """The GuardDuty detector (unless the account's is adopted), the rule sending its findings of
    ``security.guardduty.min_severity`` or more to the critical topic, and, when the file asks for
    it, a multi-region trail into the logs bucket.

    Attributes: ``detector_id`` (None when adopted), ``trail_arn`` (None without a trail).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        kms_key_arn: str,
        critical_topic_arn: str,
        logs_bucket_name: str,
        logs_bucket_policy: ITerraformDependable,
    ) -> None:
        super().__init__(scope, id)
        security, prefix = config.security, config.name_prefix
        self.detector_id: str | None = None
        if security.guardduty.detector == "create":
            detector = GuarddutyDetector(
                self,
                "detector",
                enable=True,
                finding_publishing_frequency=FINDING_PUBLISHING_FREQUENCY,
                # Deleting the detector deletes its findings.
                lifecycle=TerraformResourceLifecycle(prevent_destroy=config.production),
            )
            self.detector_id = detector.id
        # Findings reach the account's default bus whether this stack or the organization made the
        # detector, so the rule needs no reference to it.
        rule = CloudwatchEventRule(
            self,
            "guardduty_findings",
            name=f"{prefix}-guardduty-findings",
            description=f"{prefix}: GuardDuty findings of severity {security.guardduty.min_severity} or more",
            event_pattern=json.dumps(finding_pattern(security.guardduty.min_severity)),
        )
        CloudwatchEventTarget(
            self,
            "guardduty_target",
            rule=rule.name,
            target_id="critical-alerts",
            arn=critical_topic_arn,
            retry_policy=CloudwatchEventTargetRetryPolicy(
                maximum_event_age_in_seconds=FINDING_MAX_AGE_SECONDS, maximum_retry_attempts=FINDING_RETRIES
            ),
        )

        self.trail_arn: str | None = None
        if security.cloudtrail.enabled:
            trail = Cloudtrail(
                self,
                "trail",
                name=trail_name(config),
                s3_bucket_name=logs_bucket_name,
                s3_key_prefix=TRAIL_PREFIX,
                kms_key_id=kms_key_arn,
                enable_log_file_validation=True,
                is_multi_region_trail=True,
                include_global_service_events=True,
                enable_logging=True,
                # CloudTrail checks the bucket policy when the trail is created.
                depends_on=[logs_bucket_policy],
            )
            self.trail_arn = trail.arn
