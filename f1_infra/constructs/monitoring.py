"""The monitoring module of the seed: the load balancer with its WAF (load_balancer.py), log
groups and alarms (observability.py), the four dashboards (dashboards.py), the ML training
schedule (events.py) and the cost budget (cost.py), under one construct whose id every one of
their addresses starts with."""

import json

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from f1_infra.constructs.alerts import AlertTopics
from f1_infra.constructs.cache import Cache
from f1_infra.constructs.cluster import Cluster
from f1_infra.constructs.cost import monthly_budget
from f1_infra.constructs.dashboards import DASHBOARDS, DashboardFacts
from f1_infra.constructs.database import Database
from f1_infra.constructs.events import TrainingSchedule
from f1_infra.constructs.load_balancer import LoadBalancer
from f1_infra.constructs.network import Network
from f1_infra.constructs.observability import (
    Alarms,
    business_alarms,
    load_balancer_alarms,
    log_groups,
    platform_health,
    waf_alarm,
)
from f1_infra.constructs.storage import Storage
from f1_infra.rules.monitoring import load_balancer_name
from f1_infra.settings.environment import EnvironmentConfig


class Monitoring(Construct):
    """The internet-facing ALB behind a WAF web ACL, the application log groups, the alarms (each
    notifying its tier's topic) and the composite platform-health alarm over every critical one,
    the seed's four dashboards (system health, which is the system overview, application
    performance, ML pipeline, cost monitoring), the ML training schedule (EventBridge -> SQS with a
    dead-letter queue) and the monthly cost budget.

    Attributes: ``alb_dns_name``, ``alb_arn``, ``alb_security_group_id``, ``target_group_arns``
    (name -> ARN), ``log_group_names``, ``dashboard_name``, ``dashboard_url`` (system health),
    ``dashboard_urls`` (key -> URL of each of the four),
    ``training_queue_url``, ``training_queue_arn``, ``training_queue_key_arn`` (the key its messages
    are encrypted with), ``alarm_names`` (key -> alarm name).
    :meth:`admit_to_targets` opens the pods' security group to the load balancer.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        kms_key_arn: str,
        alert_topics: AlertTopics,
        network: Network,
        storage: Storage,
        cluster: Cluster,
        database: Database,
        cache: Cache,
    ) -> None:
        super().__init__(scope, id)
        mon, prefix = config.monitoring, config.name_prefix

        self.log_group_names = log_groups(
            self, name_prefix=prefix, retention_days=mon.log_retention_days, kms_key_arn=kms_key_arn
        )
        self._load_balancer = LoadBalancer(
            self,
            settings=mon.alb,
            name=load_balancer_name(config),
            name_prefix=prefix,
            environment=config.name,
            region=config.region,
            partition=config.partition,
            kms_key_arn=kms_key_arn,
            network=network,
            storage=storage,
        )
        lb, target_groups = self._load_balancer.lb, self._load_balancer.target_groups
        alarms = Alarms(self, name_prefix=prefix, topics=alert_topics)
        load_balancer_alarms(alarms, mon.alarms, lb, target_groups)
        waf_alarm(alarms, mon.alarms, web_acl_metric_name=self._load_balancer.waf_metric_name, region=config.region)
        business_alarms(alarms, mon.alarms, mon.custom_metrics_namespace)
        self._training = TrainingSchedule(
            self,
            settings=mon.training,
            name_prefix=prefix,
            environment=config.name,
            kms_key_arn=kms_key_arn,
            alarms=alarms,
        )
        platform_health(
            self,
            name_prefix=prefix,
            topics=alert_topics,
            critical=[
                *alarms.critical,
                *cluster.critical_alarm_names,
                *database.critical_alarm_names,
                *cache.critical_alarm_names,
            ],
        )

        facts = DashboardFacts(
            region=config.region,
            namespace=mon.custom_metrics_namespace,
            cluster_name=config.cluster_name,
            log_groups=self.log_group_names,
            lb_suffix=lb.arn_suffix,
            target_groups={k: g.arn_suffix for k, g in target_groups.items()},
            waf_metric_name=self._load_balancer.waf_metric_name,
            database_id=database.identifier,
            cache_node_ids=[f"{cache.replication_group_id}-{n}" for n in config.cache.member_cluster_ids],
            training_queue=self._training.queue_name,
            training_dead_letter_queue=self._training.dead_letter_queue_name,
            training_rule=self._training.rule_name,
            buckets={
                "models": storage.models_bucket_name,
                "backups": storage.backup_bucket_name,
                "logs": storage.logs_bucket_name,
            },
            budget_name=f"{prefix}-monthly-cost",
            monthly_budget_usd=mon.budget.monthly_limit_usd,
            billing_alarm_usd=mon.cost.billing_alarm_usd,
        )
        self.dashboard_urls: dict[str, str] = {}
        for key, (construct_id, suffix, body) in DASHBOARDS.items():
            name = f"{prefix}-{suffix}"
            CloudwatchDashboard(self, construct_id, dashboard_name=name, dashboard_body=json.dumps(body(facts)))
            self.dashboard_urls[key] = (
                f"https://{config.region}.console.aws.amazon.com/cloudwatch/home?region={config.region}"
                f"#dashboards/dashboard/{name}"
            )
        # Spending is for working hours: the warning tier.
        monthly_budget(
            self, settings=mon.budget, name_prefix=prefix, environment=config.name, topic_arn=alert_topics.warning
        )

        self.alarm_names: dict[str, str] = alarms.names
        self.alb_dns_name: str = lb.dns_name
        self.alb_arn: str = lb.arn
        self.alb_security_group_id: str = self._load_balancer.security_group_id
        self.target_group_arns: dict[str, str] = {k: g.arn for k, g in target_groups.items()}
        self.dashboard_name: str = f"{prefix}-system-overview"
        self.dashboard_url: str = self.dashboard_urls["system_health"]
        self.training_queue_url: str = self._training.queue_url
        self.training_queue_arn: str = self._training.queue_arn
        self.training_queue_key_arn: str = self._training.kms_key_arn

    def admit_to_targets(self, security_group_id: str) -> None:
        """Let the load balancer reach the pods of the security group (the EKS nodes' group, which
        the VPC CNI gives every pod) on the target groups' ports."""
        self._load_balancer.admit_to_targets(security_group_id)
