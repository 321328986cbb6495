"""The environment's customer-managed KMS key."""

from typing import Any

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from f1_infra.constructs.security import trail_key_statement
from f1_infra.iam import policy_document, statement
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.terraform_cloud import run_role_names

# The account root keeps control of the key through IAM, listed action by action so that no
# policy of the project grants a service-wide wildcard. Administration only: CreateAlias rather
# than Create*, which would include CreateGrant, a way to use the key.
KEY_ADMINISTRATION_ACTIONS = (
    "kms:CreateAlias",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
)
# Using the key: directly, or through a service that creates a grant with the caller's rights
# (RDS, ElastiCache, EKS, Secrets Manager).
KEY_USE_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "kms:RetireGrant",
)

LOGS_KEY_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")

# CloudWatch alarms, EventBridge and AWS Budgets publish to the KMS-encrypted alerts topic (and
# EventBridge to the training queue); without these grants their messages are dropped silently.
# No aws:SourceAccount / aws:SourceArn condition: the SNS guide says EventBridge's requests to the key
# for an encrypted topic do not carry them, so the condition would drop every event notification; the
# topic and queue policies carry the confused-deputy conditions instead.
PUBLISHER_SERVICES = (
    "cloudwatch.amazonaws.com",
    "events.amazonaws.com",
    "budgets.amazonaws.com",
    # RDS event subscriptions (the info tier): https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    "events.rds.amazonaws.com",
)
PUBLISHER_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")


def account_administration(partition: str, account_id: str) -> dict[str, Any]:
    """The key-policy statement that keeps a key manageable by the account through IAM; every
    customer-managed key of the project starts with it. It hands out no use of the key."""
    return statement(
        "AccountAdministration",
        KEY_ADMINISTRATION_ACTIONS,
        ["*"],
        principal={"AWS": f"arn:{partition}:iam::{account_id}:root"},
    )


def environment_principals(config: EnvironmentConfig, account_id: str) -> list[str]:
    """ARN patterns (aws:PrincipalArn) of who in the account acts for the environment: the roles its
    stacks create (`<prefix>-*`), its Terraform Cloud runs' roles, the service-linked roles AWS
    services act through, and the file's kms.key_user_arn_patterns."""
    roles = f"arn:{config.partition}:iam::{account_id}:role"
    return [
        f"{roles}/{config.name_prefix}-*",
        *(f"{roles}/{name}" for name in run_role_names(config)),
        f"{roles}/aws-service-role/*",
        *config.kms.key_user_arn_patterns,
    ]


def environment_key_use(config: EnvironmentConfig, account_id: str, *also: str) -> dict[str, Any]:
    """The key-policy statement that lets the environment's principals (and `also`) use a key, and
    nobody else of the account, whatever their IAM policies allow."""
    return statement(
        "EnvironmentKeyUse",
        KEY_USE_ACTIONS,
        ["*"],
        principal={"AWS": f"arn:{config.partition}:iam::{account_id}:root"},
        conditions={"ArnLike": {"aws:PrincipalArn": [*environment_principals(config, account_id), *also]}},
    )


class EnvironmentKey(Construct):
    """One symmetric key per environment, rotated yearly, usable by CloudWatch Logs, SNS,
    CloudWatch alarms, EventBridge and AWS Budgets.

    Attributes: ``arn``, ``key_id``.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, account_id: str) -> None:
        super().__init__(scope, id)
        partition, region = config.partition, config.region
        policy = policy_document(
            account_administration(partition, account_id),
            environment_key_use(config, account_id),
            statement(
                "CloudWatchLogs",
                LOGS_KEY_ACTIONS,
                ["*"],
                principal={"Service": f"logs.{region}.amazonaws.com"},
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
                    }
                },
            ),
            statement(
                "AlarmAndEventPublishers",
                PUBLISHER_KEY_ACTIONS,
                ["*"],
                principal={"Service": list(PUBLISHER_SERVICES)},
            ),
            # Whoever may call the Performance Insights API (IAM decides) needs the key for the data
            # it encrypts with it, and for nothing else (RDS user guide, "Changing an AWS KMS policy
            # for Performance Insights").
            statement(
                "PerformanceInsightsViewers",
                ["kms:Decrypt", "kms:GenerateDataKey"],
                ["*"],
                principal={"AWS": f"arn:{partition}:iam::{account_id}:root"},
                conditions={
                    "StringEquals": {"kms:ViaService": f"rds.{region}.amazonaws.com"},
                    "ForAnyValue:StringEquals": {"kms:EncryptionContext:aws:pi:service": "rds"},
                },
            ),
            # --- CloudTrail (security.cloudtrail.enabled): a statement of its own, last, for this
            # environment's trail only (constructs/security.py).
            *([trail_key_statement(config, account_id)] if config.security.cloudtrail.enabled else []),
        )
        key = KmsKey(
            self,
            "key",
            description=f"{config.name_prefix}: logs, alerts and data stores",
            enable_key_rotation=True,
            deletion_window_in_days=config.kms.deletion_window_days,
            policy=policy,
            lifecycle=TerraformResourceLifecycle(prevent_destroy=config.production),
        )
        KmsAlias(self, "alias", name=f"alias/{config.name_prefix}", target_key_id=key.key_id)
        self.arn: str = key.arn
        self.key_id: str = key.key_id
