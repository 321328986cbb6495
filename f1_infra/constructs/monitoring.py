"""The monitoring module of the seed: the load balancer with its WAF (load_balancer.py), log
groups, alarms and the dashboard (observability.py), the ML training schedule (events.py) and the
cost budget (cost.py), under one construct whose id every one of their addresses starts with."""

import json

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from f1_infra.constructs.alerts import AlertTopics
from f1_infra.constructs.cache import Cache
from f1_infra.constructs.cluster import Cluster
from f1_infra.constructs.cost import monthly_budget
from f1_infra.constructs.database import Database
from f1_infra.constructs.events import TrainingSchedule
from f1_infra.constructs.load_balancer import LoadBalancer
from f1_infra.constructs.network import Network
from f1_infra.constructs.observability import (
    Alarms,
    business_alarms,
    dashboard_body,
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
    the system overview dashboard, the ML training schedule (EventBridge -> SQS with a dead-letter
    queue) and the monthly cost budget.

    Attributes: ``alb_dns_name``, ``alb_arn``, ``alb_security_group_id``, ``target_group_arns``
    (name -> ARN), ``log_group_names``, ``dashboard_name``, ``dashboard_url``,
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

        dashboard_name = f"{prefix}-system-overview"
        body = dashboard_body(
            region=config.region,
            namespace=mon.custom_metrics_namespace,
            cluster_name=config.cluster_name,
            log_group_names=list(self.log_group_names.values()),
            lb_suffix=lb.arn_suffix,
            target_groups=target_groups,
            database_id=database.identifier,
            cache_node_ids=[f"{cache.replication_group_id}-{n}" for n in config.cache.member_cluster_ids],
        )
        CloudwatchDashboard(self, "dashboard", dashboard_name=dashboard_name, dashboard_body=json.dumps(body))
        # Spending is for working hours: the warning tier.
        monthly_budget(
            self, settings=mon.budget, name_prefix=prefix, environment=config.name, topic_arn=alert_topics.warning
        )

        self.alarm_names: dict[str, str] = alarms.names
        self.alb_dns_name: str = lb.dns_name
        self.alb_arn: str = lb.arn
        self.alb_security_group_id: str = self._load_balancer.security_group_id
        self.target_group_arns: dict[str, str] = {k: g.arn for k, g in target_groups.items()}
        self.dashboard_name: str = dashboard_name
        self.dashboard_url: str = (
            f"https://{config.region}.console.aws.amazon.com/cloudwatch/home?region={config.region}"
            f"#dashboards/dashboard/{dashboard_name}"
        )
        self.training_queue_url: str = self._training.queue_url
        self.training_queue_arn: str = self._training.queue_arn
        self.training_queue_key_arn: str = self._training.kms_key_arn

    def admit_to_targets(self, security_group_id: str) -> None:
        """Let the load balancer reach the pods of the security group (the EKS nodes' group, which
        the VPC CNI gives every pod) on the target groups' ports."""
        self._load_balancer.admit_to_targets(security_group_id)
