"""The alerts SNS topic every alarm of the environment notifies."""

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from f1_infra.iam import policy_document, statement
from f1_infra.settings.environment import EnvironmentConfig

OWNER_ACTIONS = (
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
    "sns:AddPermission",
    "sns:RemovePermission",
    "sns:DeleteTopic",
    "sns:Subscribe",
    "sns:ListSubscriptionsByTopic",
    "sns:Publish",
)


class Alerts(Construct):
    """A KMS-encrypted topic, publishable by this account's CloudWatch alarms and EventBridge
    rules and AWS Budgets, with the e-mail subscriptions of the environment file.

    Attributes: ``topic_arn``.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, account_id: str, kms_key_arn: str
    ) -> None:
        super().__init__(scope, id)
        topic = SnsTopic(self, "topic", name=f"{config.name_prefix}-alerts", kms_master_key_id=kms_key_arn)
        partition, region = config.partition, config.region
        SnsTopicPolicy(
            self,
            "policy",
            arn=topic.arn,
            policy=policy_document(
                statement(
                    "AccountOwner",
                    OWNER_ACTIONS,
                    [topic.arn],
                    principal={"AWS": f"arn:{partition}:iam::{account_id}:root"},
                ),
                statement(
                    "CloudWatchAlarms",
                    ["sns:Publish"],
                    [topic.arn],
                    principal={"Service": "cloudwatch.amazonaws.com"},
                    conditions={
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:*"},
                    },
                ),
                statement(
                    "EventBridgeRules",
                    ["sns:Publish"],
                    [topic.arn],
                    principal={"Service": "events.amazonaws.com"},
                    conditions={"StringEquals": {"aws:SourceAccount": account_id}},
                ),
                statement(
                    "BudgetNotifications",
                    ["sns:Publish"],
                    [topic.arn],
                    principal={"Service": "budgets.amazonaws.com"},
                    conditions={"StringEquals": {"aws:SourceAccount": account_id}},
                ),
            ),
        )
        for email in config.alerts.emails:
            SnsTopicSubscription(
                self,
                f"email_{email.lower()}",
                topic_arn=topic.arn,
                protocol="email",
                endpoint=email,
            )
        self.topic_arn: str = topic.arn
