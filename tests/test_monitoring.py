"""The monitoring module, per environment: load balancer, WAF, logs, dashboard, alarms, training
schedule and budget as `terraform apply` would create them."""

import json
import re
from typing import Any

import pytest

from f1_infra.constructs.load_balancer import SSL_POLICY
from f1_infra.constructs.observability import LOG_GROUPS
from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack, policy, statement

ELB = "AWS/ApplicationELB"


def alarm(stack: Stack, key: str) -> dict[str, Any]:
    return stack.resource("aws_cloudwatch_metric_alarm", f"monitoring/{key.replace('-', '_')}_alarm")


def alarm_ref(stack: Stack, key: str) -> str:
    return stack.ref("aws_cloudwatch_metric_alarm", f"monitoring/{key.replace('-', '_')}_alarm", "alarm_name")


def topic(stack: Stack) -> str:
    return stack.ref("aws_sns_topic", "alerts/topic", "arn")


def alb_ref(stack: Stack, attribute: str) -> str:
    return stack.ref("aws_lb", "monitoring/alb", attribute)


def target_group_ref(stack: Stack, key: str, attribute: str = "arn") -> str:
    return stack.ref("aws_lb_target_group", f"monitoring/{key}_target_group", attribute)


# ---------------------------------------------------------------------------- load balancer


def test_load_balancer_is_public_hardened_and_logs_to_the_logs_bucket(stack: Stack, config: EnvironmentConfig) -> None:
    lb = stack.resource("aws_lb", "monitoring/alb")
    assert lb["name"] == f"f1-analytics-{stack.name}-alb"
    assert len(lb["name"]) <= 32
    assert lb["internal"] is False
    assert lb["load_balancer_type"] == "application"
    assert lb["subnets"] == [stack.ref("aws_subnet", f"network/public_{x}") for x in "abc"]
    assert lb["security_groups"] == [stack.ref("aws_security_group", "monitoring/alb_security_group")]
    assert lb["drop_invalid_header_fields"] is True
    assert lb["enable_deletion_protection"] is config.monitoring.alb.deletion_protection
    assert lb["access_logs"] == {
        "bucket": stack.ref("aws_s3_bucket", "storage/logs/bucket", "bucket"),
        "prefix": config.storage.alb_log_prefix,
        "enabled": True,
    }
    # Rule 8: ELB tests its write access when logging is switched on.
    assert stack.address("aws_s3_bucket_policy", "storage/logs/policy") in lb["depends_on"]


@pytest.mark.parametrize(("env", "protected"), [("dev", False), ("staging", True), ("prod", True)])
def test_deletion_protection_per_environment(stacks: dict[str, Stack], env: str, protected: bool) -> None:
    assert stacks[env].resource("aws_lb", "monitoring/alb")["enable_deletion_protection"] is protected


def test_security_group_admits_web_traffic_and_reaches_only_the_vpc(stack: Stack, config: EnvironmentConfig) -> None:
    group = stack.resource("aws_security_group", "monitoring/alb_security_group")
    assert group["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    assert sorted((r["from_port"], r["to_port"], tuple(r["cidr_blocks"])) for r in group["ingress"]) == [
        (port, port, config.monitoring.alb.ingress_cidrs) for port in (80, 443)
    ]
    ports = sorted({g.port for _, g in config.monitoring.alb.target_groups.items()})
    assert [(r["from_port"], r["cidr_blocks"]) for r in group["egress"]] == [
        (p, [config.network.vpc_cidr]) for p in ports
    ]
    assert all(r["protocol"] == "tcp" and r["ipv6_cidr_blocks"] == [] for r in group["ingress"] + group["egress"])


def test_http_listener_only_redirects_to_https(stack: Stack) -> None:
    listener = stack.resource("aws_lb_listener", "monitoring/http_listener")
    assert listener["load_balancer_arn"] == alb_ref(stack, "arn")
    assert (listener["port"], listener["protocol"]) == (80, "HTTP")
    assert listener["default_action"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}
    ]


def test_https_listener_uses_current_tls_and_forwards_to_frontend(stack: Stack) -> None:
    listener = stack.resource("aws_lb_listener", "monitoring/https_listener")
    assert (listener["port"], listener["protocol"]) == (443, "HTTPS")
    assert listener["ssl_policy"] == SSL_POLICY == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    assert listener["default_action"] == [{"type": "forward", "target_group_arn": target_group_ref(stack, "frontend")}]


def test_certificate_comes_from_the_file_in_the_cloud_and_from_a_validated_variable_locally(
    stack: Stack, config: EnvironmentConfig
) -> None:
    listener = stack.resource("aws_lb_listener", "monitoring/https_listener")
    if config.backend.is_cloud:
        # A Terraform Cloud workspace plans with nothing set by hand: staging and prod name a domain.
        assert config.monitoring.alb.certificate.domain
        assert listener["certificate_arn"] == stack.ref(
            "aws_acm_certificate_validation", "monitoring/certificate_validation", "certificate_arn"
        )
        assert "alb_certificate_arn" not in stack.doc.get("variable", {})
        return
    assert listener["certificate_arn"] == "${var.alb_certificate_arn}"
    variable = stack.doc["variable"]["alb_certificate_arn"]
    assert variable["type"] == "string"
    assert "-var for a local deploy" in variable["description"]
    (validation,) = variable["validation"]
    pattern = re.search(r'regex\("([^"]+)"', validation["condition"]).group(1)
    region = stack.doc["provider"]["aws"][0]["region"]
    good = f"arn:aws:acm:{region}:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    assert re.match(pattern, good)
    assert not re.match(pattern, good.replace(region, "eu-central-1"))
    assert not re.match(pattern, "arn:aws:acm:placeholder")
    assert "aws_acm_certificate" not in stack.doc["resource"]


def test_api_paths_go_to_the_api_target_group(stack: Stack) -> None:
    rule = stack.resource("aws_lb_listener_rule", "monitoring/api_rule")
    assert rule["listener_arn"] == stack.ref("aws_lb_listener", "monitoring/https_listener", "arn")
    assert rule["condition"] == [{"path_pattern": {"values": ["/api/*"]}}]
    assert rule["action"] == [{"type": "forward", "target_group_arn": target_group_ref(stack, "api")}]


@pytest.mark.parametrize("key", ["api", "frontend"])
def test_target_groups_take_pod_ips_and_health_checks_from_the_file(
    stack: Stack, config: EnvironmentConfig, key: str
) -> None:
    group = stack.resource("aws_lb_target_group", f"monitoring/{key}_target_group")
    expected = getattr(config.monitoring.alb.target_groups, key)
    health = expected.health_check
    assert group["target_type"] == "ip"
    assert group["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    assert (group["port"], group["protocol"]) == (expected.port, "HTTP")
    # Rule 33: a prefix (AWS completes the name) and create-before-destroy make replacement safe.
    assert "name" not in group
    assert group["name_prefix"] == expected.name_prefix
    assert len(group["name_prefix"]) <= 6
    assert group["lifecycle"] == {"create_before_destroy": True}
    assert group["deregistration_delay"] == str(expected.deregistration_delay_seconds)
    assert group["health_check"] == {
        "enabled": True,
        "path": health.path,
        "port": health.port,
        "protocol": "HTTP",
        "interval": health.interval_seconds,
        "timeout": health.timeout_seconds,
        "healthy_threshold": health.healthy_threshold,
        "unhealthy_threshold": health.unhealthy_threshold,
        "matcher": health.matcher,
    }


def test_waf_guards_the_load_balancer_and_logs(stack: Stack, config: EnvironmentConfig) -> None:
    acl = stack.resource("aws_wafv2_web_acl", "monitoring/waf")
    waf = config.monitoring.alb.waf
    assert acl["scope"] == "REGIONAL"
    assert acl["default_action"] == {"allow": {}}
    managed = [r for r in acl["rule"] if "managed_rule_group_statement" in r["statement"]]
    assert [r["statement"]["managed_rule_group_statement"] for r in managed] == [
        {"name": g, "vendor_name": "AWS"} for g in waf.managed_rule_groups
    ]
    assert all(r["override_action"] == {"none": {}} for r in managed)
    (rate,) = [r for r in acl["rule"] if "rate_based_statement" in r["statement"]]
    assert rate["statement"]["rate_based_statement"] == {
        "limit": waf.rate_limit_per_5_minutes,
        "aggregate_key_type": "IP",
    }
    assert rate["action"] == {"block": {}}
    assert len({r["priority"] for r in acl["rule"]}) == len(acl["rule"])
    association = stack.resource("aws_wafv2_web_acl_association", "monitoring/waf_association")
    assert association["resource_arn"] == alb_ref(stack, "arn")
    assert association["web_acl_arn"] == stack.ref("aws_wafv2_web_acl", "monitoring/waf", "arn")
    logging = stack.resource("aws_wafv2_web_acl_logging_configuration", "monitoring/waf_logging")
    assert logging["log_destination_configs"] == [stack.ref("aws_cloudwatch_log_group", "monitoring/waf_logs", "arn")]
    log_group = stack.resource("aws_cloudwatch_log_group", "monitoring/waf_logs")
    assert log_group["name"].startswith("aws-waf-logs-")
    assert log_group["retention_in_days"] == waf.log_retention_days


# ---------------------------------------------------------------------------- logs and dashboard


def test_application_log_groups_expire_and_are_encrypted(stack: Stack, config: EnvironmentConfig) -> None:
    for key in LOG_GROUPS:
        group = stack.resource("aws_cloudwatch_log_group", f"monitoring/{key.replace('-', '_')}_logs")
        assert group["name"] == f"/f1-analytics-{stack.name}/{key}"
        assert group["retention_in_days"] == config.monitoring.log_retention_days
        assert group["kms_key_id"] == stack.ref("aws_kms_key", "kms/key", "arn")


def dashboard(stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    resource = stack.resource("aws_cloudwatch_dashboard", "monitoring/dashboard")
    return resource, json.loads(resource["dashboard_body"])


def test_dashboard_body_is_valid_for_cloudwatch(stack: Stack, config: EnvironmentConfig) -> None:
    resource, body = dashboard(stack)
    assert resource["dashboard_name"] == f"f1-analytics-{stack.name}-system-overview"
    assert body["widgets"]
    for widget in body["widgets"]:
        assert widget["type"] in ("metric", "log")
        properties = widget["properties"]
        # Rule 38: a region on every widget, metrics as an array of arrays.
        assert properties["region"] == config.region
        if widget["type"] == "metric":
            assert properties["metrics"]
            assert all(isinstance(m, list) for m in properties["metrics"])
            for metric in properties["metrics"]:
                names = metric[:-1] if isinstance(metric[-1], dict) else metric
                assert all(isinstance(part, str) for part in names)
                assert len(names) % 2 == 0  # namespace, name, then dimension name/value pairs


def test_dashboard_shows_every_layer(stack: Stack, config: EnvironmentConfig) -> None:
    _, body = dashboard(stack)
    metrics = {(m[0], m[1]) for w in body["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]}
    namespace = config.monitoring.custom_metrics_namespace
    assert {
        (ELB, "RequestCount"),
        (ELB, "TargetResponseTime"),
        (ELB, "HTTPCode_Target_5XX_Count"),
        ("AWS/RDS", "CPUUtilization"),
        ("AWS/RDS", "DatabaseConnections"),
        ("AWS/RDS", "FreeStorageSpace"),
        ("AWS/ElastiCache", "EngineCPUUtilization"),
        ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage"),
        ("AWS/ElastiCache", "Evictions"),
        ("ContainerInsights", "node_cpu_utilization"),
        (namespace, "PredictionAccuracy"),
        (namespace, "ModelTrainingDuration"),
        (namespace, "IngestionRecords"),
        (namespace, "IngestionErrors"),
    } <= metrics


def test_dashboard_refers_to_the_resources_it_shows(stack: Stack, config: EnvironmentConfig) -> None:
    _, body = dashboard(stack)
    rows = [m for w in body["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]]
    dimensions = {(m[0], m[2], m[3]) for m in rows if len(m) >= 4}
    assert (ELB, "LoadBalancer", alb_ref(stack, "arn_suffix")) in dimensions
    assert (
        "AWS/RDS",
        "DBInstanceIdentifier",
        stack.ref("aws_db_instance", "database/instance", "identifier"),
    ) in dimensions
    group = stack.ref("aws_elasticache_replication_group", "cache/replication_group")
    nodes = {m[3] for m in rows if m[0] == "AWS/ElastiCache"}
    assert nodes == {f"{group}-{node}" for node in config.cache.member_cluster_ids}
    assert ("ContainerInsights", "ClusterName", config.cluster_name) in dimensions


def test_dashboard_has_a_logs_insights_widget_on_errors(stack: Stack) -> None:
    _, body = dashboard(stack)
    (logs,) = [w for w in body["widgets"] if w["type"] == "log"]
    query = logs["properties"]["query"]
    for key in LOG_GROUPS:
        log_group = stack.ref("aws_cloudwatch_log_group", f"monitoring/{key.replace('-', '_')}_logs", "name")
        assert f"SOURCE '{log_group}'" in query
    assert "filter @message like /(?i)(error|exception)/" in query


# ---------------------------------------------------------------------------- alarms


def expected_alarms(config: EnvironmentConfig) -> dict[str, tuple[str, str, str, float, str]]:
    """key -> (metric, statistic, comparison, threshold, treat_missing_data)"""
    limits = config.monitoring.alarms
    above, below, quiet = "GreaterThanThreshold", "LessThanThreshold", "notBreaching"
    unhealthy = ("UnHealthyHostCount", "Maximum", above, limits.unhealthy_hosts, quiet)
    unserved = ("HealthyHostCount", "Minimum", below, 1, "breaching")
    return {
        "alb-response-time-p95": ("TargetResponseTime", "p95", above, limits.response_time_p95_seconds, quiet),
        "alb-response-time-p99": ("TargetResponseTime", "p99", above, limits.response_time_p99_seconds, quiet),
        "alb-api-unhealthy-hosts": unhealthy,
        "alb-frontend-unhealthy-hosts": unhealthy,
        "alb-api-no-healthy-hosts": unserved,
        "alb-frontend-no-healthy-hosts": unserved,
        "prediction-accuracy": (
            "PredictionAccuracy",
            "Average",
            below,
            limits.prediction_accuracy_min_percent,
            "ignore",
        ),
        "model-training-duration": (
            "ModelTrainingDuration",
            "Maximum",
            above,
            limits.training_duration_max_minutes * 60,
            "ignore",
        ),
        "ingestion-errors": ("IngestionErrors", "Sum", above, limits.ingestion_errors, quiet),
        "ingestion-stalled": ("IngestionRecords", "Sum", below, 1, "breaching"),
        "ml-training-dead-letters": ("ApproximateNumberOfMessagesVisible", "Maximum", above, 0, quiet),
    }


def test_every_alarm_watches_the_right_metric(stack: Stack, config: EnvironmentConfig) -> None:
    for key, (metric, statistic, comparison, threshold, missing) in expected_alarms(config).items():
        body = alarm(stack, key)
        assert body["alarm_name"] == f"f1-analytics-{stack.name}-{key}"
        assert body["metric_name"] == metric, key
        assert body.get("extended_statistic", body.get("statistic")) == statistic, key
        assert body["comparison_operator"] == comparison, key
        assert body["threshold"] == threshold, key
        assert body["treat_missing_data"] == missing, key


def test_load_balancer_alarms_use_its_dimensions_and_periods(stack: Stack, config: EnvironmentConfig) -> None:
    limits = config.monitoring.alarms
    for key in ("alb-response-time-p95", "alb-response-time-p99"):
        body = alarm(stack, key)
        assert body["dimensions"] == {"LoadBalancer": alb_ref(stack, "arn_suffix")}
        assert (body["period"], body["evaluation_periods"]) == (limits.period_seconds, limits.evaluation_periods)
    for key in ("api", "frontend"):
        for kind in ("unhealthy-hosts", "no-healthy-hosts"):
            body = alarm(stack, f"alb-{key}-{kind}")
            assert body["dimensions"] == {
                "TargetGroup": target_group_ref(stack, key, "arn_suffix"),
                "LoadBalancer": alb_ref(stack, "arn_suffix"),
            }
            assert (body["period"], body["evaluation_periods"]) == (limits.period_seconds, limits.evaluation_periods)


APPLICATION_FED = ("prediction-accuracy", "model-training-duration", "ingestion-errors", "ingestion-stalled")


def test_application_fed_alarms_notify_once_the_file_says_the_applications_publish(
    stack: Stack, config: EnvironmentConfig
) -> None:
    """Before any service runs, the custom metrics and healthy targets do not exist: those alarms
    notify nobody, and stay out of the composite, until `applications_live` is true. Every other
    alarm notifies from the first apply."""
    live = config.monitoring.alarms.applications_live
    fed = {*APPLICATION_FED, "alb-api-no-healthy-hosts", "alb-frontend-no-healthy-hosts"}
    for body in stack.resources("aws_cloudwatch_metric_alarm").values():
        if body.get("provider") == "aws.billing":
            continue  # the billing alarm notifies the billing topic in us-east-1 (tests/test_cost.py)
        key = body["alarm_name"].removeprefix(f"f1-analytics-{stack.name}-")
        notified = live if key in fed else True
        assert bool(body["alarm_actions"]) == bool(body["ok_actions"]) == notified, key
        assert body.get("actions_enabled", True) is True, key
    children = stack.resource("aws_cloudwatch_composite_alarm", "monitoring/platform_health")["alarm_rule"]
    for key in ("api", "frontend"):
        assert (alarm_ref(stack, f"alb-{key}-no-healthy-hosts") in children) is live


def test_custom_metric_alarms_read_the_files_namespace(stack: Stack, config: EnvironmentConfig) -> None:
    limits = config.monitoring.alarms
    for key in ("prediction-accuracy", "model-training-duration", "ingestion-errors", "ingestion-stalled"):
        body = alarm(stack, key)
        assert body["namespace"] == config.monitoring.custom_metrics_namespace
        assert body["period"] == limits.ingestion_period_seconds
    assert alarm(stack, "ingestion-stalled")["evaluation_periods"] == limits.ingestion_stalled_periods


def test_error_rate_counts_target_and_load_balancer_5xx(stack: Stack, config: EnvironmentConfig) -> None:
    body = alarm(stack, "alb-5xx-rate")
    assert "metric_name" not in body
    queries = {q["id"]: q for q in body["metric_query"]}
    for id_, metric in (
        ("errors", "HTTPCode_Target_5XX_Count"),
        ("elb_errors", "HTTPCode_ELB_5XX_Count"),
        ("requests", "RequestCount"),
    ):
        assert queries[id_]["metric"] == {
            "namespace": ELB,
            "metric_name": metric,
            "dimensions": {"LoadBalancer": alb_ref(stack, "arn_suffix")},
            "stat": "Sum",
            "period": config.monitoring.alarms.period_seconds,
        }
        assert queries[id_].get("return_data") in (None, False)
    # The load balancer's own 503s (no healthy target) are not in RequestCount: they join both
    # sides. The IF guard keeps a period without requests from dividing by zero.
    assert queries["error_rate"]["expression"] == (
        "IF(FILL(requests, 0) + FILL(elb_errors, 0) > 0, 100 * (FILL(errors, 0) + FILL(elb_errors, 0)) / "
        "(FILL(requests, 0) + FILL(elb_errors, 0)), 0)"
    )
    assert queries["error_rate"]["return_data"] is True
    assert body["threshold"] == config.monitoring.alarms.error_rate_percent
    assert body["comparison_operator"] == "GreaterThanThreshold"
    assert body["treat_missing_data"] == "notBreaching"
    assert body["alarm_actions"] == body["ok_actions"] == [topic(stack)]


def test_alarm_names_are_unique(stack: Stack) -> None:
    # Rule 35: a second alarm of the same name silently replaces the first.
    names = [
        b["alarm_name"]
        for t in ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
        for b in stack.resources(t).values()
    ]
    assert len(names) == len(set(names))


def test_platform_health_combines_the_critical_alarms_by_reference(stack: Stack) -> None:
    composite = stack.resource("aws_cloudwatch_composite_alarm", "monitoring/platform_health")
    assert composite["alarm_name"] == f"f1-analytics-{stack.name}-platform-health"
    assert composite["alarm_actions"] == composite["ok_actions"] == [topic(stack)]
    rule = composite["alarm_rule"]
    # Rule 34: no stray whitespace; children named through references, so they exist first.
    assert rule == rule.strip()
    children = re.findall(r'ALARM\("(\$\{[^}]+\})"\)', rule)
    assert rule == " OR ".join(f'ALARM("{c}")' for c in children)
    assert all(c.startswith("${aws_cloudwatch_metric_alarm.") and c.endswith(".alarm_name}") for c in children)
    for key in ("alb-response-time-p99", "alb-5xx-rate", "alb-api-unhealthy-hosts", "alb-frontend-unhealthy-hosts"):
        assert alarm_ref(stack, key) in children
    assert stack.ref("aws_cloudwatch_metric_alarm", "database/cpu_alarm", "alarm_name") in children
    assert stack.ref("aws_cloudwatch_metric_alarm", "cache/cpu_alarm_0001_001", "alarm_name") in children
    assert alarm_ref(stack, "prediction-accuracy") not in children


# ---------------------------------------------------------------------------- training schedule


def test_schedule_puts_a_message_on_the_training_queue(stack: Stack, config: EnvironmentConfig) -> None:
    rule = stack.resource("aws_cloudwatch_event_rule", "monitoring/training_schedule")
    assert rule["schedule_expression"] == config.monitoring.training.schedule
    assert rule["state"] == "ENABLED"
    assert "event_bus_name" not in rule  # schedules run on the default bus only (rule 39)
    target = stack.resource("aws_cloudwatch_event_target", "monitoring/training_target")
    assert target["rule"] == stack.ref("aws_cloudwatch_event_rule", "monitoring/training_schedule", "name")
    assert target["arn"] == stack.ref("aws_sqs_queue", "monitoring/training_queue", "arn")
    assert target["dead_letter_config"] == {
        "arn": stack.ref("aws_sqs_queue", "monitoring/training_dead_letter_queue", "arn")
    }
    assert json.loads(target["input"]) == {"job": "model-training", "environment": stack.name}


@pytest.mark.parametrize(
    ("env", "schedule"),
    [("dev", "cron(0 3 ? * MON *)"), ("staging", "cron(0 3 * * ? *)"), ("prod", "cron(0 2 * * ? *)")],
)
def test_schedule_per_environment(stacks: dict[str, Stack], env: str, schedule: str) -> None:
    rule = stacks[env].resource("aws_cloudwatch_event_rule", "monitoring/training_schedule")
    assert rule["schedule_expression"] == schedule


def test_queues_are_encrypted_with_the_environment_key_and_redrive(stack: Stack, config: EnvironmentConfig) -> None:
    key = stack.ref("aws_kms_key", "kms/key", "arn")
    queue = stack.resource("aws_sqs_queue", "monitoring/training_queue")
    dead = stack.resource("aws_sqs_queue", "monitoring/training_dead_letter_queue")
    training = config.monitoring.training
    assert queue["name"] == f"f1-analytics-{stack.name}-ml-training"
    assert queue["kms_master_key_id"] == dead["kms_master_key_id"] == key
    assert json.loads(queue["redrive_policy"]) == {
        "deadLetterTargetArn": stack.ref("aws_sqs_queue", "monitoring/training_dead_letter_queue", "arn"),
        "maxReceiveCount": training.max_receive_count,
    }
    assert queue["visibility_timeout_seconds"] == training.visibility_timeout_seconds
    assert queue["message_retention_seconds"] == training.message_retention_seconds
    # Dead letters outlive the messages they came from.
    assert dead["message_retention_seconds"] == 1209600 >= training.message_retention_seconds


@pytest.mark.parametrize("queue", ["training_queue", "training_dead_letter_queue"])
def test_only_the_schedule_may_send_to_the_queues(stack: Stack, queue: str) -> None:
    key = {"training_queue": "training_queue_policy", "training_dead_letter_queue": "training_dead_letter_policy"}[
        queue
    ]
    body = stack.resource("aws_sqs_queue_policy", f"monitoring/{key}")
    assert body["queue_url"] == stack.ref("aws_sqs_queue", f"monitoring/{queue}", "url")
    send = statement(policy(body), "TrainingSchedule")
    assert send["Principal"] == {"Service": "events.amazonaws.com"}
    assert send["Action"] == ["sqs:SendMessage"]
    assert send["Resource"] == [stack.ref("aws_sqs_queue", f"monitoring/{queue}", "arn")]
    assert send["Condition"] == {
        "ArnEquals": {"aws:SourceArn": stack.ref("aws_cloudwatch_event_rule", "monitoring/training_schedule", "arn")}
    }
    deny = statement(policy(body), "DenyInsecureTransport")
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_key_lets_eventbridge_encrypt_queue_messages(stack: Stack) -> None:
    document = policy(stack.resource("aws_kms_key", "kms/key"))
    grant = statement(document, "AlarmAndEventPublishers")
    assert "events.amazonaws.com" in grant["Principal"]["Service"]
    assert {"kms:GenerateDataKey*", "kms:Decrypt"} <= set(grant["Action"])


# ---------------------------------------------------------------------------- cost


@pytest.mark.parametrize(("env", "limit"), [("dev", "800.00"), ("staging", "2000.00"), ("prod", "6000.00")])
def test_monthly_budget_per_environment(
    stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig], env: str, limit: str
) -> None:
    stack = stacks[env]
    budget = stack.resource("aws_budgets_budget", "monitoring/budget")
    assert budget["name"] == f"f1-analytics-{env}-monthly-cost"
    assert (budget["budget_type"], budget["time_unit"], budget["limit_unit"]) == ("COST", "MONTHLY", "USD")
    assert budget["limit_amount"] == limit
    assert [(n["notification_type"], n["threshold"]) for n in budget["notification"]] == [
        ("ACTUAL", 80),
        ("FORECASTED", 100),
    ]
    for notification in budget["notification"]:
        assert notification["threshold_type"] == "PERCENTAGE"
        assert notification["comparison_operator"] == "GREATER_THAN"
        assert notification["subscriber_sns_topic_arns"] == [stack.ref("aws_sns_topic", "alerts/warning_topic", "arn")]
    # An environment with an account of its own counts the account; dev, which may share one, its tag.
    if configs[env].account_id is None:
        assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": [f"user:Environment${env}"]}]
    else:
        assert "cost_filter" not in budget


def test_budgets_may_publish_to_the_encrypted_topic(stack: Stack) -> None:
    # Rule 42: both the topic policy and the key policy must let AWS Budgets in; the budget
    # notifies the warning tier.
    topic_policy = policy(stack.resource("aws_sns_topic_policy", "alerts/warning_policy"))
    grant = statement(topic_policy, "BudgetNotifications")
    assert grant["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert grant["Action"] == ["sns:Publish"]
    assert grant["Resource"] == [stack.ref("aws_sns_topic", "alerts/warning_topic", "arn")]
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    assert grant["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    key_grant = statement(policy(stack.resource("aws_kms_key", "kms/key")), "AlarmAndEventPublishers")
    assert "budgets.amazonaws.com" in key_grant["Principal"]["Service"]


def test_outputs(stack: Stack, config: EnvironmentConfig) -> None:
    outputs = stack.doc["output"]
    assert outputs["alb_dns_name"]["value"] == alb_ref(stack, "dns_name")
    assert outputs["training_queue_url"]["value"] == stack.ref("aws_sqs_queue", "monitoring/training_queue", "url")
    assert outputs["dashboard_url"]["value"] == (
        f"https://{config.region}.console.aws.amazon.com/cloudwatch/home?region={config.region}"
        f"#dashboards/dashboard/f1-analytics-{stack.name}-system-overview"
    )
    assert outputs["alerts_topic_arn"]["value"] == topic(stack)
