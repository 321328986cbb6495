"""The ML training schedule: an EventBridge rule that puts a message on an encrypted SQS queue
(with a dead-letter queue for what cannot be delivered or processed), and what the workers that
consume it may do (their role is made with the other workload roles, f1_infra/constructs/workloads.py)."""

import json
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from f1_infra.constructs.observability import DASHBOARD_PERIOD, Alarms
from f1_infra.iam import policy_document, statement
from f1_infra.settings.monitoring import TrainingConfig

# A dead letter waits the longest SQS allows, so that someone can look at it.
DEAD_LETTER_RETENTION_SECONDS = 1209600
# An EventBridge delivery that fails is retried for up to an hour, then goes to the dead-letter queue.
EVENT_MAX_AGE_SECONDS = 3600
EVENT_RETRIES = 10
CONSUMER_QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
)


def consumer_statements(queue_arn: str, kms_key_arn: str, region: str) -> list[dict[str, Any]]:
    """What the training workers may do: receive and delete the queue's messages, change their
    visibility, and decrypt them with the key the queue is encrypted with. SQS decrypts for the
    receiver, so the key is held to requests SQS makes (kms:ViaService): the role's other grants of
    the same key stay limited to their own services."""
    return [
        statement("ConsumeTrainingQueue", CONSUMER_QUEUE_ACTIONS, [queue_arn]),
        statement(
            "DecryptTrainingMessages",
            ["kms:Decrypt"],
            [kms_key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
        ),
    ]


class TrainingSchedule:
    """Built into ``scope`` (the monitoring construct), so that Terraform addresses stay as they
    were. Attributes: ``queue_url``, ``queue_arn``, ``queue_name``, ``dead_letter_queue_name``,
    ``rule_name``, ``kms_key_arn`` (the queue's key)."""

    def __init__(
        self,
        scope: Construct,
        *,
        settings: TrainingConfig,
        name_prefix: str,
        environment: str,
        kms_key_arn: str,
        alarms: Alarms,
    ) -> None:
        name = f"{name_prefix}-ml-training"
        encryption = {"kms_master_key_id": kms_key_arn, "kms_data_key_reuse_period_seconds": 300}
        dead_letters = SqsQueue(
            scope,
            "training_dead_letter_queue",
            name=f"{name}-dlq",
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            tags={"Name": f"{name}-dlq"},
            **encryption,
        )
        queue = SqsQueue(
            scope,
            "training_queue",
            name=name,
            visibility_timeout_seconds=settings.visibility_timeout_seconds,
            message_retention_seconds=settings.message_retention_seconds,
            redrive_policy=json.dumps(
                {"deadLetterTargetArn": dead_letters.arn, "maxReceiveCount": settings.max_receive_count}
            ),
            tags={"Name": name},
            **encryption,
        )
        rule = CloudwatchEventRule(
            scope,
            "training_schedule",
            name=name,
            description=f"{name_prefix}: start an ML training run ({settings.schedule}, UTC)",
            schedule_expression=settings.schedule,
            state="ENABLED" if settings.enabled else "DISABLED",
        )
        for key, target in (("training_queue_policy", queue), ("training_dead_letter_policy", dead_letters)):
            SqsQueuePolicy(
                scope,
                key,
                queue_url=target.url,
                policy=policy_document(
                    statement(
                        "TrainingSchedule",
                        ["sqs:SendMessage"],
                        [target.arn],
                        principal={"Service": "events.amazonaws.com"},
                        conditions={"ArnEquals": {"aws:SourceArn": rule.arn}},
                    ),
                    statement(
                        "DenyInsecureTransport",
                        ["sqs:*"],
                        [target.arn],
                        principal={"AWS": "*"},
                        conditions={"Bool": {"aws:SecureTransport": "false"}},
                        effect="Deny",
                    ),
                ),
            )
        CloudwatchEventTarget(
            scope,
            "training_target",
            rule=rule.name,
            target_id="training-queue",
            arn=queue.arn,
            input=json.dumps({"job": "model-training", "environment": environment}),
            retry_policy=CloudwatchEventTargetRetryPolicy(
                maximum_event_age_in_seconds=EVENT_MAX_AGE_SECONDS, maximum_retry_attempts=EVENT_RETRIES
            ),
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(arn=dead_letters.arn),
        )
        alarms.add(
            "ml-training-dead-letters",
            "training messages in the dead-letter queue",
            # Critical: a training run was lost, and nothing retries it.
            tier="critical",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dead_letters.name},
            statistic="Maximum",
            period=DASHBOARD_PERIOD,
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            # SQS stops publishing for an idle, empty queue.
            treat_missing_data="notBreaching",
        )
        self.queue_url: str = queue.url
        self.queue_arn: str = queue.arn
        self.queue_name: str = queue.name
        self.dead_letter_queue_name: str = dead_letters.name
        self.rule_name: str = rule.name
        self.kms_key_arn: str = kms_key_arn
