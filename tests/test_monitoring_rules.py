"""The monitoring section of environment files: what ELB, CloudWatch or EventBridge would refuse
at apply, or what would make an alarm meaningless, is refused first."""

import json
from pathlib import Path
from typing import Any

import pytest

from f1_infra.config import ConfigError, load_environment, load_environments
from f1_infra.rules.monitoring import schedule_problem
from tests.envfiles import Mutation, delete, problems, set_at, shipped

CERTIFICATE = "arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"


def in_prod(mutate: Mutation) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        data.update(shipped("prod"))
        mutate(data)

    return apply


def in_china(mutate: Mutation) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        data["region"] = "cn-north-1"
        mutate(data)

    return apply


def schedule(expression: str) -> Mutation:
    return set_at("monitoring", "training", "schedule", value=expression)


def alarm(key: str, value: Any) -> Mutation:
    return set_at("monitoring", "alarms", key, value=value)


def certificate(**values: str) -> Mutation:
    return set_at("monitoring", "alb", "certificate", value=values)


SCHEDULE = "/monitoring/training/schedule"

CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "a composite over more than 100 critical alarms",
        set_at("cache", "shards", value=45),
        "/cache/shards",
        "the platform-health composite alarm would combine 190 critical alarms",
    ),
    (
        "rate of 1 in plural",
        schedule("rate(1 hours)"),
        SCHEDULE,
        "the unit is singular for 1, one of minute, hour, day",
    ),
    ("rate of 2 in singular", schedule("rate(2 hour)"), SCHEDULE, "the unit is plural for 2, one of minutes, hours"),
    ("rate of 0", schedule("rate(0 minutes)"), SCHEDULE, "the rate must be a positive whole number"),
    (
        "five-field cron",
        schedule("cron(0 3 * * *)"),
        SCHEDULE,
        "has 5 fields; EventBridge cron has exactly 6: minutes hours day-of-month month day-of-week year",
    ),
    (
        "cron with both day fields set",
        schedule("cron(0 3 1 * MON *)"),
        SCHEDULE,
        "exactly one of day-of-month (1) and day-of-week (MON) must be ?",
    ),
    (
        "cron with both day fields ?",
        schedule("cron(0 3 ? * ? *)"),
        SCHEDULE,
        "exactly one of day-of-month (?) and day-of-week (?) must be ?",
    ),
    ("not a schedule", schedule("daily"), SCHEDULE, "not in the expected form"),
    (
        "load balancer name over 32 characters",
        set_at("monitoring", "alb", "name", value="public-web-load-balancer"),
        "/monitoring/alb/name",
        "load balancer name 'f1-analytics-dev-public-web-load-balancer' has 41 characters; AWS allows at most 32",
    ),
    (
        "target group prefix over 6 characters",
        set_at("monitoring", "alb", "target_groups", "frontend", "name_prefix", value="frontend"),
        "/monitoring/alb/target_groups/frontend/name_prefix",
        "'frontend' has 8 characters; a target group name_prefix has at most 6",
    ),
    (
        "health check timeout not below the interval",
        set_at("monitoring", "alb", "target_groups", "api", "health_check", "timeout_seconds", value=30),
        "/monitoring/alb/target_groups/api/health_check/timeout_seconds",
        "is 30; it must be less than interval_seconds (30)",
    ),
    (
        "health check matcher outside 200-499",
        set_at("monitoring", "alb", "target_groups", "api", "health_check", "matcher", value="200-599"),
        "/monitoring/alb/target_groups/api/health_check/matcher",
        "'200-599' is not a code or ascending range from 200 to 499",
    ),
    (
        "deletion protection off in production",
        in_prod(set_at("monitoring", "alb", "deletion_protection", value=False)),
        "/monitoring/alb/deletion_protection",
        "must be true in a production environment (production is true)",
    ),
    (
        "certificate ARN malformed",
        certificate(arn="arn:aws:acm:us-west-2:123456789012:certificate/placeholder"),
        "/monitoring/alb/certificate/arn",
        "is not an ACM certificate ARN (arn:<partition>:acm:<region>:<account>:certificate/<uuid>)",
    ),
    (
        "certificate in another region",
        certificate(arn=CERTIFICATE.replace("us-west-2", "us-east-1")),
        "/monitoring/alb/certificate/arn",
        "the certificate is in us-east-1; a load balancer in us-west-2 can only use an ACM certificate of us-west-2",
    ),
    (
        "certificate ARN and a domain",
        certificate(arn=CERTIFICATE, domain="f1.example.com", hosted_zone_id="Z0123456789ABC"),
        "/monitoring/alb/certificate",
        "give either arn (an existing certificate) or domain and hosted_zone_id (a new one), not both",
    ),
    (
        "domain without a hosted zone",
        certificate(domain="f1.example.com"),
        "/monitoring/alb/certificate/hosted_zone_id",
        "is needed too: a created certificate needs domain and hosted_zone_id",
    ),
    (
        "hosted zone id of the wrong shape",
        certificate(domain="f1.example.com", hosted_zone_id="example.com"),
        "/monitoring/alb/certificate/hosted_zone_id",
        "not in the expected form",
    ),
    (
        "accuracy as a fraction",
        alarm("prediction_accuracy_min_percent", 0.85),
        "/monitoring/alarms/prediction_accuracy_min_percent",
        "is 0.85; PredictionAccuracy is a percentage (0 to 100), not a fraction: write 85 for 85 %",
    ),
    (
        "accuracy above 100 %",
        alarm("prediction_accuracy_min_percent", 150),
        "/monitoring/alarms/prediction_accuracy_min_percent",
        "is 150; must be at most 100",
    ),
    (
        "negative error rate",
        alarm("error_rate_percent", -5),
        "/monitoring/alarms/error_rate_percent",
        "must be more than 0",
    ),
    ("error rate over 100 %", alarm("error_rate_percent", 250), "/monitoring/alarms/error_rate_percent", "at most 100"),
    (
        "response time in milliseconds",
        alarm("response_time_p95_seconds", 500),
        "/monitoring/alarms/response_time_p95_seconds",
        "is 500; TargetResponseTime is in seconds and a request cannot take longer than the load balancer's "
        "idle timeout (60 s): milliseconds given?",
    ),
    (
        "p99 below p95",
        alarm("response_time_p99_seconds", 0.5),
        "/monitoring/alarms/response_time_p99_seconds",
        "is 0.5, below the p95 threshold (2); the 99th percentile is never lower than the 95th",
    ),
    (
        "zero training duration",
        alarm("training_duration_max_minutes", 0),
        "/monitoring/alarms/training_duration_max_minutes",
        "is 0; must be more than 0",
    ),
    ("negative error count", alarm("ingestion_errors", -1), "/monitoring/alarms/ingestion_errors", "at least 0"),
    (
        "alarm period CloudWatch refuses",
        alarm("period_seconds", 45),
        "/monitoring/alarms/period_seconds",
        "is 45; CloudWatch alarm periods are 10, 20, 30 or a multiple of 60 seconds",
    ),
    (
        "alarm window over a day",
        alarm("evaluation_periods", 1500),
        "/monitoring/alarms/evaluation_periods",
        "1500 periods of 60 s exceed one day; CloudWatch evaluates at most 86400 seconds",
    ),
    (
        "stalled-ingestion window over a day",
        alarm("ingestion_stalled_periods", 30),
        "/monitoring/alarms/ingestion_stalled_periods",
        "30 periods of 3600 s exceed one day",
    ),
    (
        "ingestion period not a multiple of a minute",
        alarm("ingestion_period_seconds", 90),
        "/monitoring/alarms/ingestion_period_seconds",
        "is 90; use a multiple of 60",
    ),
    (
        "namespace reserved for AWS",
        set_at("monitoring", "custom_metrics_namespace", value="AWS/F1"),
        "/monitoring/custom_metrics_namespace",
        "must not start with 'AWS/', which CloudWatch reserves for AWS services",
    ),
    (
        "rule group that needs configuration",
        set_at("monitoring", "alb", "waf", "managed_rule_groups", value=["AWSManagedRulesBotControlRuleSet"]),
        "/monitoring/alb/waf/managed_rule_groups/0",
        "'AWSManagedRulesBotControlRuleSet' is not an AWS managed rule group usable without extra configuration",
    ),
    ("budget missing", delete("monitoring", "budget"), "/monitoring/budget", "required setting is missing"),
    (
        "budget of zero",
        set_at("monitoring", "budget", "monthly_limit_usd", value=0),
        "/monitoring/budget/monthly_limit_usd",
        "is 0; must be more than 0",
    ),
    (
        "log retention CloudWatch refuses",
        set_at("monitoring", "log_retention_days", value=45),
        "/monitoring/log_retention_days",
        "allowed values: 1, 3, 5",
    ),
    (
        "billing alarm outside the aws partition",
        in_china(set_at("monitoring", "cost", value={"billing_alarm_usd": 100})),
        "/monitoring/cost/billing_alarm_usd",
        "needs us-east-1 of the aws partition, which cn-north-1 (aws-cn) cannot reach",
    ),
    (
        "anomaly monitor outside the aws partition",
        in_china(set_at("monitoring", "cost", value={"anomaly_monitor": "services"})),
        "/monitoring/cost/anomaly_monitor",
        "needs us-east-1 of the aws partition",
    ),
    (
        "tag activation outside the aws partition",
        in_china(set_at("monitoring", "cost", value={"activate_environment_tag": True})),
        "/monitoring/cost/activate_environment_tag",
        "needs us-east-1 of the aws partition",
    ),
    (
        "unknown anomaly monitor",
        set_at("monitoring", "cost", "anomaly_monitor", value="accounts"),
        "/monitoring/cost/anomaly_monitor",
        'allowed values: "none", "services", "environment_tag"',
    ),
]


@pytest.mark.parametrize(("mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_monitoring_rule_reports_pointer_and_message(
    tmp_path: Path, mutate: Mutation, where: str, message: str
) -> None:
    found = problems(tmp_path, mutate)
    assert any(p == where and message in m for p, m in found), found


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 3 * * ? *)",
        "cron(0/15 * ? * MON-FRI *)",
        "cron(0 12 1 * ? 2027)",
    ],
)
def test_valid_schedules_pass(expression: str) -> None:
    assert schedule_problem(expression) is None


def test_an_existing_certificate_in_the_region_is_accepted(tmp_path: Path) -> None:
    data = shipped()
    data["monitoring"]["alb"]["certificate"] = {"arn": CERTIFICATE}
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    assert load_environment(path).monitoring.alb.certificate.arn == CERTIFICATE


def test_only_one_environment_file_activates_the_environment_tag(tmp_path: Path) -> None:
    for name in ("qa", "uat"):
        data = shipped()
        data["monitoring"]["cost"] = {"activate_environment_tag": True}
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    found = sorted((Path(p.file).name, p.pointer, p.message) for p in caught.value.problems)
    assert [(file, where) for file, where, _ in found] == [
        ("qa.json", "/monitoring/cost/activate_environment_tag"),
        ("uat.json", "/monitoring/cost/activate_environment_tag"),
    ]
    assert found[0][2].startswith(f"{tmp_path / 'uat.json'} activates the Environment cost allocation tag too")


def test_the_composite_takes_up_to_100_alarms(tmp_path: Path) -> None:
    # dev: 10 critical alarms besides the cache's two per node, two nodes per shard: 98 with 22
    # shards, 102 with 23.
    data = shipped()
    data["cache"]["shards"] = 22
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    assert load_environment(path).cache.shards == 22
    found = problems(tmp_path, set_at("cache", "shards", value=23))
    assert [m for where, m in found if where == "/cache/shards"] == [
        "the platform-health composite alarm would combine 102 critical alarms in 5057 characters; CloudWatch "
        "allows at most 100 alarms and 10240 characters. The cache has two per node (shards x "
        "(replicas_per_shard + 1)): use fewer, larger nodes"
    ]
