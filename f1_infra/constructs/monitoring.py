"""The platform's front door and its watch: the public load balancer (with WAF), log groups,
dashboard, alarms, the ML training schedule and the cost budget."""

import json
from typing import Any

from cdktf import (
    TerraformIterator,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
    Token,
)
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetCostFilter, BudgetsBudgetNotification
from cdktf_cdktf_provider_aws.cloudwatch_composite_alarm import CloudwatchCompositeAlarm
from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import LbListener, LbListenerDefaultAction, LbListenerDefaultActionRedirect
from cdktf_cdktf_provider_aws.lb_listener_rule import (
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleCondition,
    LbListenerRuleConditionPathPattern,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupEgress, SecurityGroupIngress
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import Wafv2WebAclLoggingConfiguration
from constructs import Construct

from f1_infra.constructs.cache import Cache
from f1_infra.constructs.database import Database
from f1_infra.constructs.irsa import OidcProvider, ServiceAccountRole
from f1_infra.constructs.network import Network
from f1_infra.constructs.storage import Storage
from f1_infra.iam import policy_document, statement
from f1_infra.rules.monitoring import load_balancer_name
from f1_infra.settings.environment import EnvironmentConfig

# The current AWS-recommended policy: TLS 1.3 and 1.2 with hybrid post-quantum key exchange.
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
CERTIFICATE_VARIABLE = "alb_certificate_arn"
LOG_GROUPS = ("application", "api", "ml-pipeline", "ingestion")
API_PATHS = ("/api/*",)
# A dead letter waits the longest SQS allows, so that someone can look at it.
DEAD_LETTER_RETENTION_SECONDS = 1209600
# An EventBridge delivery that fails is retried for up to an hour, then goes to the dead-letter queue.
EVENT_MAX_AGE_SECONDS = 3600
EVENT_RETRIES = 10
DASHBOARD_PERIOD = 300
CONSUMER_QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
)


def _cidr_rule(description: str, port: int, cidrs: list[str]) -> dict[str, Any]:
    # Every attribute is given: Terraform reads inline rules as objects whose attributes are all set.
    return {
        "description": description,
        "from_port": port,
        "to_port": port,
        "protocol": "tcp",
        "cidr_blocks": cidrs,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self_attribute": False,
    }


class Monitoring(Construct):
    """The internet-facing ALB (HTTP redirects to HTTPS; /api/* to the api target group, the rest
    to frontend) behind a WAF web ACL, the application log groups, the system overview dashboard,
    the alarms and the composite platform-health alarm, the ML training schedule (EventBridge ->
    SQS with a dead-letter queue) and the monthly cost budget.

    Attributes: ``alb_dns_name``, ``alb_arn``, ``alb_security_group_id``, ``target_group_arns``
    (name -> ARN), ``dashboard_name``, ``dashboard_url``, ``training_queue_url``,
    ``training_queue_arn``, ``alarm_names`` (key -> alarm name), ``training_consumer_role_arn``
    (None until :meth:`add_training_consumer_role`). :meth:`admit_to_targets` opens the pods'
    security group to the load balancer.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        account_id: str,
        kms_key_arn: str,
        alerts_topic_arn: str,
        network: Network,
        storage: Storage,
        database: Database,
        cache: Cache,
    ) -> None:
        super().__init__(scope, id)
        self._config = config
        self._kms_key_arn = kms_key_arn
        self._topic = alerts_topic_arn
        mon, prefix = config.monitoring, config.name_prefix

        self.log_group_names: dict[str, str] = {}
        for key in LOG_GROUPS:
            group = CloudwatchLogGroup(
                self,
                f"{key.replace('-', '_')}_logs",
                name=f"/{prefix}/{key}",
                retention_in_days=mon.log_retention_days,
                kms_key_id=kms_key_arn,
            )
            self.log_group_names[key] = group.name

        lb, target_groups = self._load_balancer(config, network, storage)
        self._waf(config, lb.arn)
        self.alarm_names: dict[str, str] = {}
        critical = self._alb_alarms(config, lb, target_groups)
        self._business_alarms(config)
        queue = self._training_queue(config, account_id)

        rule = " OR ".join(
            f'ALARM("{name}")' for name in [*critical, *database.critical_alarm_names, *cache.critical_alarm_names]
        )
        CloudwatchCompositeAlarm(
            self,
            "platform_health",
            alarm_name=f"{prefix}-platform-health",
            alarm_description=f"{prefix}: a critical load balancer, database or cache alarm is firing",
            alarm_rule=rule,
            alarm_actions=[alerts_topic_arn],
            ok_actions=[alerts_topic_arn],
        )

        dashboard_name = f"{prefix}-system-overview"
        CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=dashboard_name,
            dashboard_body=json.dumps(
                self._dashboard(config, lb.arn_suffix, target_groups, database.identifier, cache.replication_group_id)
            ),
        )
        self._budget(config)

        self.alb_dns_name: str = lb.dns_name
        self.alb_arn: str = lb.arn
        self.target_group_arns: dict[str, str] = {k: g.arn for k, g in target_groups.items()}
        self.dashboard_name: str = dashboard_name
        self.dashboard_url: str = (
            f"https://{config.region}.console.aws.amazon.com/cloudwatch/home?region={config.region}"
            f"#dashboards/dashboard/{dashboard_name}"
        )
        self.training_queue_url: str = queue.url
        self.training_queue_arn: str = queue.arn
        self.training_consumer_role_arn: str | None = None

    # ------------------------------------------------------------------ load balancer

    def _load_balancer(
        self, config: EnvironmentConfig, network: Network, storage: Storage
    ) -> tuple[Lb, dict[str, LbTargetGroup]]:
        alb, prefix = config.monitoring.alb, config.name_prefix
        name = load_balancer_name(config)
        cidrs = list(alb.ingress_cidrs)
        ports = sorted({g.port for _, g in alb.target_groups.items()})
        security_group = SecurityGroup(
            self,
            "alb_security_group",
            name=f"{name}-sg",
            description=f"{name}: HTTP and HTTPS from the allowed CIDRs, out to the pods in the VPC only",
            vpc_id=network.vpc_id,
            ingress=[
                SecurityGroupIngress(**_cidr_rule("HTTP, redirected to HTTPS", 80, cidrs)),
                SecurityGroupIngress(**_cidr_rule("HTTPS", 443, cidrs)),
            ],
            egress=[
                SecurityGroupEgress(**_cidr_rule(f"Pods on {port} in the VPC", port, [network.vpc_cidr]))
                for port in ports
            ],
            tags={"Name": f"{name}-sg"},
        )
        self.alb_security_group_id: str = security_group.id

        lb = Lb(
            self,
            "alb",
            name=name,
            load_balancer_type="application",
            internal=False,
            subnets=network.public_subnet_ids,
            security_groups=[security_group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=alb.deletion_protection,
            idle_timeout=alb.idle_timeout_seconds,
            access_logs=LbAccessLogs(bucket=storage.logs_bucket_name, prefix=storage.alb_log_prefix, enabled=True),
            # ELB checks that it may write to the bucket when access logs are switched on (rule 8).
            depends_on=[storage.logs_bucket_policy],
            tags={"Name": name},
        )

        target_groups: dict[str, LbTargetGroup] = {}
        for key, group in alb.target_groups.items():
            health = group.health_check
            target_groups[key] = LbTargetGroup(
                self,
                f"{key}_target_group",
                name_prefix=group.name_prefix,
                port=group.port,
                protocol="HTTP",
                target_type="ip",
                vpc_id=network.vpc_id,
                deregistration_delay=str(group.deregistration_delay_seconds),
                health_check=LbTargetGroupHealthCheck(
                    enabled=True,
                    path=health.path,
                    port=health.port,
                    protocol="HTTP",
                    interval=health.interval_seconds,
                    timeout=health.timeout_seconds,
                    healthy_threshold=health.healthy_threshold,
                    unhealthy_threshold=health.unhealthy_threshold,
                    matcher=health.matcher,
                ),
                # A replacement (new port, say) is created before the listener lets go of the old group.
                lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
                tags={"Name": f"{prefix}-{key}"},
            )

        LbListener(
            self,
            "http_listener",
            load_balancer_arn=lb.arn,
            port=80,
            protocol="HTTP",
            default_action=[
                LbListenerDefaultAction(
                    type="redirect",
                    redirect=LbListenerDefaultActionRedirect(port="443", protocol="HTTPS", status_code="HTTP_301"),
                )
            ],
        )
        https = LbListener(
            self,
            "https_listener",
            load_balancer_arn=lb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=SSL_POLICY,
            certificate_arn=self._certificate_arn(config, lb),
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=target_groups["frontend"].arn)],
        )
        LbListenerRule(
            self,
            "api_rule",
            listener_arn=https.arn,
            priority=10,
            action=[LbListenerRuleAction(type="forward", target_group_arn=target_groups["api"].arn)],
            condition=[
                LbListenerRuleCondition(path_pattern=LbListenerRuleConditionPathPattern(values=list(API_PATHS)))
            ],
        )
        return lb, target_groups

    def _certificate_arn(self, config: EnvironmentConfig, lb: Lb) -> str:
        certificate = config.monitoring.alb.certificate
        if certificate.arn is not None:
            return certificate.arn
        if certificate.domain is not None and certificate.hosted_zone_id is not None:
            created = AcmCertificate(
                self,
                "certificate",
                domain_name=certificate.domain,
                validation_method="DNS",
                key_algorithm="EC_prime256v1",
                lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
                tags={"Name": f"{config.name_prefix}-{certificate.domain}"},
            )
            options = TerraformIterator.from_complex_list(created.domain_validation_options, "domain_name")
            records = Route53Record(
                self,
                "certificate_validation_record",
                for_each=options,
                zone_id=certificate.hosted_zone_id,
                name=options.get_string("resource_record_name"),
                type=options.get_string("resource_record_type"),
                records=[options.get_string("resource_record_value")],
                ttl=60,
                allow_overwrite=True,
            )
            validation = AcmCertificateValidation(
                self,
                "certificate_validation",
                certificate_arn=created.arn,
                validation_record_fqdns=Token.as_list(TerraformIterator.from_resources(records).pluck_property("fqdn")),
            )
            Route53Record(
                self,
                "alias_record",
                zone_id=certificate.hosted_zone_id,
                name=certificate.domain,
                type="A",
                alias=Route53RecordAlias(name=lb.dns_name, zone_id=lb.zone_id, evaluate_target_health=True),
            )
            # The listener takes the ARN from the validation, so it waits until the certificate is issued.
            return validation.certificate_arn
        variable = TerraformVariable(
            TerraformStack.of(self),
            CERTIFICATE_VARIABLE,
            type="string",
            description=(
                f"ARN of the issued ACM certificate (in {config.region}) of the {config.name} load balancer's "
                "HTTPS listener. Set it as a Terraform Cloud workspace variable, or with -var for a local deploy."
            ),
            validation=[
                TerraformVariableValidationConfig(
                    condition=(
                        f'${{can(regex("^arn:{config.partition}:acm:{config.region}:[0-9]{{12}}:certificate/'
                        f'[0-9a-f-]{{36}}$", var.{CERTIFICATE_VARIABLE}))}}'
                    ),
                    error_message=f"Must be an ACM certificate ARN in {config.region}: "
                    f"arn:{config.partition}:acm:{config.region}:<account>:certificate/<uuid>.",
                )
            ],
        )
        return variable.string_value

    def _waf(self, config: EnvironmentConfig, lb_arn: str) -> None:
        waf, prefix = config.monitoring.alb.waf, config.name_prefix
        name = f"{prefix}-alb"

        def visibility(metric: str) -> dict[str, Any]:
            return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}

        rules = [
            Wafv2WebAclRule(
                name=group,
                priority=index,
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement={"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
                visibility_config=Wafv2WebAclRuleVisibilityConfig(**visibility(f"{name}-{group}")),
            )
            for index, group in enumerate(waf.managed_rule_groups, start=1)
        ]
        rules.append(
            Wafv2WebAclRule(
                name="rate-limit-per-ip",
                priority=len(rules) + 1,
                action=Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock()),
                statement={"rate_based_statement": {"limit": waf.rate_limit_per_5_minutes, "aggregate_key_type": "IP"}},
                visibility_config=Wafv2WebAclRuleVisibilityConfig(**visibility(f"{name}-rate-limit")),
            )
        )
        acl = Wafv2WebAcl(
            self,
            "waf",
            name=name,
            description=f"{name}: AWS managed rule groups and a per-IP rate limit",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(**visibility(name)),
        )
        Wafv2WebAclAssociation(self, "waf_association", resource_arn=lb_arn, web_acl_arn=acl.arn)
        # WAF delivers only to log groups whose name starts with aws-waf-logs-.
        log_group = CloudwatchLogGroup(
            self,
            "waf_logs",
            name=f"aws-waf-logs-{prefix}",
            retention_in_days=waf.log_retention_days,
            kms_key_id=self._kms_key_arn,
        )
        Wafv2WebAclLoggingConfiguration(
            self, "waf_logging", resource_arn=acl.arn, log_destination_configs=[log_group.arn]
        )

    # ------------------------------------------------------------------ alarms

    def _alarm(self, key: str, description: str, **arguments: Any) -> CloudwatchMetricAlarm:
        alarm = CloudwatchMetricAlarm(
            self,
            f"{key.replace('-', '_')}_alarm",
            alarm_name=f"{self._config.name_prefix}-{key}",
            alarm_description=f"{self._config.name_prefix}: {description}",
            alarm_actions=[self._topic],
            ok_actions=[self._topic],
            **arguments,
        )
        self.alarm_names[key] = alarm.alarm_name
        return alarm

    def _alb_alarms(self, config: EnvironmentConfig, lb: Lb, target_groups: dict[str, LbTargetGroup]) -> list[str]:
        """The load balancer's alarms; returns the names of the critical ones."""
        limits = config.monitoring.alarms
        timing = {"period": limits.period_seconds, "evaluation_periods": limits.evaluation_periods}
        alb_dimensions = {"LoadBalancer": lb.arn_suffix}
        for percentile, threshold in (
            ("p95", limits.response_time_p95_seconds),
            ("p99", limits.response_time_p99_seconds),
        ):
            self._alarm(
                f"alb-response-time-{percentile}",
                f"{percentile} target response time above {threshold} s",
                namespace="AWS/ApplicationELB",
                metric_name="TargetResponseTime",
                dimensions=alb_dimensions,
                extended_statistic=percentile,
                comparison_operator="GreaterThanThreshold",
                threshold=threshold,
                # No requests, no response times: a quiet period is not a slow one.
                treat_missing_data="notBreaching",
                **timing,
            )

        def metric(id_: str, name: str) -> CloudwatchMetricAlarmMetricQuery:
            return CloudwatchMetricAlarmMetricQuery(
                id=id_,
                metric=CloudwatchMetricAlarmMetricQueryMetric(
                    namespace="AWS/ApplicationELB",
                    metric_name=name,
                    dimensions=alb_dimensions,
                    stat="Sum",
                    period=limits.period_seconds,
                ),
            )

        self._alarm(
            "alb-5xx-rate",
            f"more than {limits.error_rate_percent} % of requests answered with a target 5xx",
            metric_query=[
                metric("errors", "HTTPCode_Target_5XX_Count"),
                metric("requests", "RequestCount"),
                CloudwatchMetricAlarmMetricQuery(
                    id="error_rate",
                    expression="IF(requests > 0, 100 * errors / requests, 0)",
                    label="Target 5xx rate (%)",
                    return_data=True,
                ),
            ],
            comparison_operator="GreaterThanThreshold",
            threshold=limits.error_rate_percent,
            # ELB publishes no 5xx count when there were none: missing data is a healthy period.
            treat_missing_data="notBreaching",
            evaluation_periods=limits.evaluation_periods,
        )
        critical = [self.alarm_names["alb-response-time-p99"], self.alarm_names["alb-5xx-rate"]]
        for key, group in target_groups.items():
            self._alarm(
                f"alb-{key}-unhealthy-hosts",
                f"more than {limits.unhealthy_hosts} unhealthy {key} targets",
                namespace="AWS/ApplicationELB",
                metric_name="UnHealthyHostCount",
                dimensions={"TargetGroup": group.arn_suffix, "LoadBalancer": lb.arn_suffix},
                statistic="Maximum",
                comparison_operator="GreaterThanThreshold",
                threshold=limits.unhealthy_hosts,
                # A group with no registered targets publishes nothing; that is no unhealthy host.
                treat_missing_data="notBreaching",
                **timing,
            )
            critical.append(self.alarm_names[f"alb-{key}-unhealthy-hosts"])
        return critical

    def _business_alarms(self, config: EnvironmentConfig) -> None:
        mon = config.monitoring
        limits = mon.alarms
        custom = {"namespace": mon.custom_metrics_namespace, "period": limits.ingestion_period_seconds}
        self._alarm(
            "prediction-accuracy",
            f"prediction accuracy below {limits.prediction_accuracy_min_percent} %",
            metric_name="PredictionAccuracy",
            statistic="Average",
            comparison_operator="LessThanThreshold",
            threshold=limits.prediction_accuracy_min_percent,
            evaluation_periods=1,
            # Accuracy is published once per evaluation run: between runs the last verdict stands.
            treat_missing_data="ignore",
            **custom,
        )
        self._alarm(
            "model-training-duration",
            f"model training took more than {limits.training_duration_max_minutes} minutes",
            metric_name="ModelTrainingDuration",
            statistic="Maximum",
            comparison_operator="GreaterThanThreshold",
            threshold=limits.training_duration_max_minutes * 60,
            evaluation_periods=1,
            # Published once per training run: between runs the last verdict stands.
            treat_missing_data="ignore",
            **custom,
        )
        self._alarm(
            "ingestion-errors",
            f"more than {limits.ingestion_errors} ingestion errors in {limits.ingestion_period_seconds} s",
            metric_name="IngestionErrors",
            statistic="Sum",
            comparison_operator="GreaterThanThreshold",
            threshold=limits.ingestion_errors,
            evaluation_periods=1,
            # Workers publish errors only when they happen: no data is no error.
            treat_missing_data="notBreaching",
            **custom,
        )
        self._alarm(
            "ingestion-stalled",
            f"no records ingested for {limits.ingestion_stalled_periods} periods "
            f"of {limits.ingestion_period_seconds} s",
            metric_name="IngestionRecords",
            statistic="Sum",
            comparison_operator="LessThanThreshold",
            threshold=1,
            evaluation_periods=limits.ingestion_stalled_periods,
            # A stalled pipeline publishes nothing at all: no data is exactly what this alarm is for.
            treat_missing_data="breaching",
            **custom,
        )

    # ------------------------------------------------------------------ training schedule

    def _training_queue(self, config: EnvironmentConfig, account_id: str) -> SqsQueue:
        training, prefix = config.monitoring.training, config.name_prefix
        name = f"{prefix}-ml-training"
        encryption = {"kms_master_key_id": self._kms_key_arn, "kms_data_key_reuse_period_seconds": 300}
        dead_letters = SqsQueue(
            self,
            "training_dead_letter_queue",
            name=f"{name}-dlq",
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            tags={"Name": f"{name}-dlq"},
            **encryption,
        )
        queue = SqsQueue(
            self,
            "training_queue",
            name=name,
            visibility_timeout_seconds=training.visibility_timeout_seconds,
            message_retention_seconds=training.message_retention_seconds,
            redrive_policy=json.dumps(
                {"deadLetterTargetArn": dead_letters.arn, "maxReceiveCount": training.max_receive_count}
            ),
            tags={"Name": name},
            **encryption,
        )
        rule = CloudwatchEventRule(
            self,
            "training_schedule",
            name=name,
            description=f"{prefix}: start an ML training run ({training.schedule}, UTC)",
            schedule_expression=training.schedule,
            state="ENABLED" if training.enabled else "DISABLED",
        )
        for key, target in (("training_queue_policy", queue), ("training_dead_letter_policy", dead_letters)):
            SqsQueuePolicy(
                self,
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
            self,
            "training_target",
            rule=rule.name,
            target_id="training-queue",
            arn=queue.arn,
            input=json.dumps({"job": "model-training", "environment": config.name}),
            retry_policy=CloudwatchEventTargetRetryPolicy(
                maximum_event_age_in_seconds=EVENT_MAX_AGE_SECONDS, maximum_retry_attempts=EVENT_RETRIES
            ),
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(arn=dead_letters.arn),
        )
        self._alarm(
            "ml-training-dead-letters",
            "training messages in the dead-letter queue",
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
        return queue

    def admit_to_targets(self, security_group_id: str) -> None:
        """Let the load balancer reach the pods of the security group (the EKS nodes' group, which
        the VPC CNI gives every pod) on the target groups' ports."""
        ports = sorted({g.port for _, g in self._config.monitoring.alb.target_groups.items()})
        for port in ports:
            VpcSecurityGroupIngressRule(
                self,
                f"targets_from_alb_{port}",
                security_group_id=security_group_id,
                referenced_security_group_id=self.alb_security_group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"Load balancer to pods on {port}",
            )

    def add_training_consumer_role(self, oidc: OidcProvider) -> ServiceAccountRole:
        """The IRSA role of the training workers: receive and delete the queue's messages, decrypt
        them with the environment key. Needs the cluster's OIDC provider."""
        training = self._config.monitoring.training
        role = ServiceAccountRole(
            self,
            "training_consumer",
            name=f"{self._config.name_prefix}-ml-training-consumer",
            oidc=oidc,
            namespace=training.namespace,
            service_account=training.service_account,
            policy=policy_document(
                statement("ConsumeTrainingQueue", CONSUMER_QUEUE_ACTIONS, [self.training_queue_arn]),
                statement("DecryptTrainingMessages", ["kms:Decrypt"], [self._kms_key_arn]),
            ),
        )
        self.training_consumer_role_arn = role.arn
        return role

    # ------------------------------------------------------------------ dashboard and cost

    def _dashboard(
        self,
        config: EnvironmentConfig,
        lb_suffix: str,
        target_groups: dict[str, LbTargetGroup],
        database_id: str,
        cache_group_id: str,
    ) -> dict[str, Any]:
        region, namespace = config.region, config.monitoring.custom_metrics_namespace
        nodes = [f"{cache_group_id}-{node}" for node, _ in config.cache.member_cluster_ids]

        def widget(title: str, metrics: list[list[Any]], stat: str = "Average", **extra: Any) -> dict[str, Any]:
            properties = {"title": title, "region": region, "view": "timeSeries", "stat": stat}
            return {
                "type": "metric",
                "width": 8,
                "height": 6,
                "properties": {**properties, "period": DASHBOARD_PERIOD, "metrics": metrics, **extra},
            }

        elb = "AWS/ApplicationELB"
        widgets = [
            widget("ALB requests", [[elb, "RequestCount", "LoadBalancer", lb_suffix]], "Sum"),
            widget(
                "ALB target response time (s)",
                [
                    [elb, "TargetResponseTime", "LoadBalancer", lb_suffix, {"stat": "p95", "label": "p95"}],
                    [elb, "TargetResponseTime", "LoadBalancer", lb_suffix, {"stat": "p99", "label": "p99"}],
                ],
            ),
            widget(
                "ALB 5xx",
                [
                    [elb, "HTTPCode_Target_5XX_Count", "LoadBalancer", lb_suffix],
                    [elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", lb_suffix],
                ],
                "Sum",
            ),
            widget(
                "Unhealthy targets",
                [
                    [elb, "UnHealthyHostCount", "TargetGroup", g.arn_suffix, "LoadBalancer", lb_suffix, {"label": k}]
                    for k, g in target_groups.items()
                ],
                "Maximum",
            ),
            widget("RDS CPU (%)", [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", database_id]]),
            widget("RDS connections", [["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", database_id]]),
            widget("RDS free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", database_id]]),
            widget(
                "Redis engine CPU (%)",
                [["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", n] for n in nodes],
            ),
            widget(
                "Redis memory (%)",
                [["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", n] for n in nodes],
            ),
            widget("Redis evictions", [["AWS/ElastiCache", "Evictions", "CacheClusterId", n] for n in nodes], "Sum"),
            widget(
                "EKS nodes (Container Insights)",
                [
                    ["ContainerInsights", "node_cpu_utilization", "ClusterName", config.cluster_name],
                    ["ContainerInsights", "node_memory_utilization", "ClusterName", config.cluster_name],
                    [
                        "ContainerInsights",
                        "cluster_node_count",
                        "ClusterName",
                        config.cluster_name,
                        {"stat": "Maximum"},
                    ],
                ],
            ),
            widget("Prediction accuracy (%)", [[namespace, "PredictionAccuracy"]]),
            widget("Model training duration (s)", [[namespace, "ModelTrainingDuration"]], "Maximum"),
            widget(
                "Ingestion",
                [[namespace, "IngestionRecords"], [namespace, "IngestionErrors", {"yAxis": "right"}]],
                "Sum",
            ),
        ]
        sources = " | ".join(f"SOURCE '{name}'" for name in self.log_group_names.values())
        widgets.append(
            {
                "type": "log",
                "width": 24,
                "height": 6,
                "properties": {
                    "title": "Recent errors",
                    "region": region,
                    "view": "table",
                    "query": f"{sources} | fields @timestamp, @log, @message "
                    "| filter @message like /(?i)(error|exception)/ | sort @timestamp desc | limit 100",
                },
            }
        )
        return {"widgets": widgets}

    def _budget(self, config: EnvironmentConfig) -> None:
        budget = config.monitoring.budget
        BudgetsBudget(
            self,
            "budget",
            name=f"{config.name_prefix}-monthly-cost",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{budget.monthly_limit_usd:.2f}",
            limit_unit="USD",
            # Only this environment's resources, which the provider tags with Environment; the tag
            # must be activated as a cost allocation tag (docs/modules/monitoring.md).
            cost_filter=(
                [BudgetsBudgetCostFilter(name="TagKeyValue", values=[f"user:Environment${config.name}"])]
                if budget.filter_by_environment_tag
                else None
            ),
            notification=[
                BudgetsBudgetNotification(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=threshold,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[self._topic],
                )
                for kind, threshold in (
                    ("ACTUAL", budget.actual_threshold_percent),
                    ("FORECASTED", budget.forecast_threshold_percent),
                )
            ],
        )
