"""Rules on the monitoring section (rules 31-42 of docs/aws-rules.md, and the cost controls' partition)."""

import re
from collections.abc import Iterator

from f1_infra.problems import pointer
from f1_infra.rules.cache import replication_group_id
from f1_infra.rules.database import identifier
from f1_infra.settings.environment import EnvironmentConfig

LOAD_BALANCER_NAME_MAX = 32
TARGET_GROUP_PREFIX_MAX = 6
# CloudWatch evaluates at most one day of data per alarm (period x evaluation periods).
ALARM_WINDOW_MAX_SECONDS = 86400
HIGH_RESOLUTION_PERIODS = (10, 20, 30)
HEALTHY_CODES = range(200, 500)
# An alarm rule names at most 100 alarms in at most 10240 characters
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html).
COMPOSITE_MAX_ALARMS = 100
COMPOSITE_RULE_MAX_CHARACTERS = 10240

RATE = re.compile(r"^rate\((?P<value>[0-9]+) (?P<unit>[a-z]+)\)$")
RATE_UNITS = ("minute", "hour", "day")
CRON = re.compile(r"^cron\((?P<fields>.*)\)$")
CRON_FIELDS = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
CERTIFICATE_ARN = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):acm:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
# AWS managed rule groups that work without a managed_rule_group_configs block (Bot Control,
# account takeover and account creation fraud prevention need one, and cost extra).
WAF_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesAdminProtectionRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesLinuxRuleSet",
    "AWSManagedRulesUnixRuleSet",
    "AWSManagedRulesWindowsRuleSet",
    "AWSManagedRulesPHPRuleSet",
    "AWSManagedRulesWordPressRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
)


def load_balancer_name(config: EnvironmentConfig) -> str:
    return f"{config.name_prefix}-{config.monitoring.alb.name}"


def platform_health_alarm_names(config: EnvironmentConfig) -> list[str]:
    """The names of the critical alarms the platform-health composite combines, as the constructs
    name them (tests/test_alerts.py holds the two to each other)."""
    prefix, alarms = config.name_prefix, config.monitoring.alarms
    names = [f"{prefix}-alb-response-time-p99", f"{prefix}-alb-5xx-rate"]
    for key, _ in config.monitoring.alb.target_groups.items():
        names.append(f"{prefix}-alb-{key}-unhealthy-hosts")
        if alarms.applications_live:
            names.append(f"{prefix}-alb-{key}-no-healthy-hosts")
    names += [f"{prefix}-ml-training-dead-letters", f"{config.cluster_name}-unschedulable-pods"]
    database = identifier(config)
    names += [f"{database}-{key}" for key in ("cpu", "connections", "freeable-memory", "free-storage")]
    names += [f"{database}-replica-{n}-lag" for n in range(1, config.database.read_replicas + 1)]
    group = replication_group_id(config)
    names += [f"{group}-{node}-{key}" for node in config.cache.member_cluster_ids for key in ("cpu", "memory")]
    return names


def composite_rule_length(names: list[str]) -> int:
    return len(" OR ".join(f'ALARM("{name}")' for name in names))


def schedule_problem(expression: str) -> str | None:
    """Why EventBridge would refuse a schedule expression (rule 39), or None."""
    rate = RATE.match(expression)
    if rate:
        value, unit = int(rate["value"]), rate["unit"]
        if value < 1:
            return f"{expression!r}: the rate must be a positive whole number"
        expected = RATE_UNITS if value == 1 else tuple(f"{u}s" for u in RATE_UNITS)
        if unit not in expected:
            number = "singular for 1" if value == 1 else f"plural for {value}"
            return f"{expression!r}: the unit is {number}, one of {', '.join(expected)}"
        return None
    cron = CRON.match(expression)
    if cron:
        fields = cron["fields"].split()
        if len(fields) != len(CRON_FIELDS):
            return f"{expression!r} has {len(fields)} fields; EventBridge cron has exactly 6: {' '.join(CRON_FIELDS)}"
        day_of_month, day_of_week = fields[2], fields[4]
        if (day_of_month == "?") == (day_of_week == "?"):
            return (
                f"{expression!r}: exactly one of day-of-month ({day_of_month}) "
                f"and day-of-week ({day_of_week}) must be ?"
            )
        return None
    return f"{expression!r} is neither rate(value unit) nor cron(6 fields)"


def _period_problem(seconds: int) -> str | None:
    if seconds in HIGH_RESOLUTION_PERIODS or (seconds >= 60 and seconds % 60 == 0):
        return None
    return f"is {seconds}; CloudWatch alarm periods are 10, 20, 30 or a multiple of 60 seconds"


def _matcher_problem(matcher: str) -> str | None:
    for part in matcher.split(","):
        low, _, high = part.partition("-")
        codes = (int(low), int(high or low))
        if any(c not in HEALTHY_CODES for c in codes) or codes[0] > codes[1]:
            return f"{part!r} is not a code or ascending range from 200 to 499, as the load balancer requires"
    return None


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    monitoring = config.monitoring
    alb, alarms = monitoring.alb, monitoring.alarms

    def at(*keys: str) -> str:
        return pointer("monitoring", *keys)

    name = load_balancer_name(config)
    if len(name) > LOAD_BALANCER_NAME_MAX:
        yield (
            at("alb", "name"),
            f"load balancer name {name!r} has {len(name)} characters; AWS allows at most {LOAD_BALANCER_NAME_MAX}",
        )
    if config.production and not alb.deletion_protection:
        yield at("alb", "deletion_protection"), "must be true in a production environment (production is true)"

    for key, group in alb.target_groups.items():
        if len(group.name_prefix) > TARGET_GROUP_PREFIX_MAX:
            yield (
                at("alb", "target_groups", key, "name_prefix"),
                f"{group.name_prefix!r} has {len(group.name_prefix)} characters; a target group name_prefix "
                f"has at most {TARGET_GROUP_PREFIX_MAX} (AWS appends 26 to reach the 32-character limit)",
            )
        health = group.health_check
        if health.timeout_seconds >= health.interval_seconds:
            yield (
                at("alb", "target_groups", key, "health_check", "timeout_seconds"),
                f"is {health.timeout_seconds}; it must be less than interval_seconds ({health.interval_seconds})",
            )
        problem = _matcher_problem(health.matcher)
        if problem:
            yield at("alb", "target_groups", key, "health_check", "matcher"), problem

    certificate = alb.certificate
    if certificate.arn is not None:
        match = CERTIFICATE_ARN.match(certificate.arn)
        if match is None:
            yield (
                at("alb", "certificate", "arn"),
                f"{certificate.arn!r} is not an ACM certificate ARN "
                "(arn:<partition>:acm:<region>:<account>:certificate/<uuid>)",
            )
        elif match["region"] != config.region or match["partition"] != config.partition:
            yield (
                at("alb", "certificate", "arn"),
                f"the certificate is in {match['region']}; a load balancer in {config.region} can only use "
                f"an ACM certificate of {config.region}",
            )
        elif config.account_id is not None and match["account"] != config.account_id:
            yield (
                at("alb", "certificate", "arn"),
                f"the certificate is in account {match['account']}; a load balancer in the environment's account "
                f"{config.account_id} can only use a certificate of that account",
            )
        if certificate.domain is not None or certificate.hosted_zone_id is not None:
            yield (
                at("alb", "certificate"),
                "give either arn (an existing certificate) or domain and hosted_zone_id (a new one), not both",
            )
    elif (certificate.domain is None) != (certificate.hosted_zone_id is None):
        missing = "hosted_zone_id" if certificate.hosted_zone_id is None else "domain"
        yield at("alb", "certificate", missing), "is needed too: a created certificate needs domain and hosted_zone_id"
    elif certificate.domain is None and config.backend.is_cloud:
        yield (
            at("alb", "certificate"),
            "is needed with a cloud backend: give arn (an issued ACM certificate in the environment's region) or "
            "domain and hosted_zone_id (a DNS-validated certificate is created), so that the workspace plans with "
            "nothing set by hand; only a local or s3 backend may leave the ARN to the Terraform variable "
            "alb_certificate_arn",
        )

    for index, group_name in enumerate(alb.waf.managed_rule_groups):
        if group_name not in WAF_RULE_GROUPS:
            yield (
                at("alb", "waf", "managed_rule_groups", str(index)),
                f"{group_name!r} is not an AWS managed rule group usable without extra configuration; "
                f"use one of {', '.join(WAF_RULE_GROUPS)}",
            )

    if monitoring.custom_metrics_namespace.startswith("AWS/"):
        yield at("custom_metrics_namespace"), "must not start with 'AWS/', which CloudWatch reserves for AWS services"

    problem = _period_problem(alarms.period_seconds)
    if problem:
        yield at("alarms", "period_seconds"), problem
    elif alarms.period_seconds * alarms.evaluation_periods > ALARM_WINDOW_MAX_SECONDS:
        yield (
            at("alarms", "evaluation_periods"),
            f"{alarms.evaluation_periods} periods of {alarms.period_seconds} s exceed one day; CloudWatch "
            f"evaluates at most {ALARM_WINDOW_MAX_SECONDS} seconds",
        )
    if alarms.ingestion_period_seconds % 60:
        yield at("alarms", "ingestion_period_seconds"), f"is {alarms.ingestion_period_seconds}; use a multiple of 60"
    elif alarms.ingestion_period_seconds * alarms.ingestion_stalled_periods > ALARM_WINDOW_MAX_SECONDS:
        yield (
            at("alarms", "ingestion_stalled_periods"),
            f"{alarms.ingestion_stalled_periods} periods of {alarms.ingestion_period_seconds} s exceed one day; "
            f"CloudWatch evaluates at most {ALARM_WINDOW_MAX_SECONDS} seconds",
        )

    for key in ("response_time_p95_seconds", "response_time_p99_seconds"):
        value = getattr(alarms, key)
        if value >= alb.idle_timeout_seconds:
            yield (
                at("alarms", key),
                f"is {value}; TargetResponseTime is in seconds and a request cannot take longer than the "
                f"load balancer's idle timeout ({alb.idle_timeout_seconds} s): milliseconds given?",
            )
    if alarms.response_time_p99_seconds < alarms.response_time_p95_seconds:
        yield (
            at("alarms", "response_time_p99_seconds"),
            f"is {alarms.response_time_p99_seconds}, below the p95 threshold ({alarms.response_time_p95_seconds}); "
            "the 99th percentile is never lower than the 95th",
        )
    if alarms.prediction_accuracy_min_percent <= 1:
        yield (
            at("alarms", "prediction_accuracy_min_percent"),
            f"is {alarms.prediction_accuracy_min_percent}; PredictionAccuracy is a percentage (0 to 100), "
            "not a fraction: write 85 for 85 %",
        )

    critical = platform_health_alarm_names(config)
    if len(critical) > COMPOSITE_MAX_ALARMS or composite_rule_length(critical) > COMPOSITE_RULE_MAX_CHARACTERS:
        yield (
            pointer("cache", "shards"),
            f"the platform-health composite alarm would combine {len(critical)} critical alarms in "
            f"{composite_rule_length(critical)} characters; CloudWatch allows at most {COMPOSITE_MAX_ALARMS} alarms "
            f"and {COMPOSITE_RULE_MAX_CHARACTERS} characters. The cache has two per node (shards x "
            "(replicas_per_shard + 1)): use fewer, larger nodes",
        )

    problem = schedule_problem(monitoring.training.schedule)
    if problem:
        yield at("training", "schedule"), problem

    # AWS/Billing, Cost Explorer and the cost allocation tags answer from us-east-1 of the aws
    # partition; an environment in aws-cn or aws-us-gov has no us-east-1 to reach.
    cost = monitoring.cost
    if config.partition != "aws":
        for key, used in (
            ("billing_alarm_usd", cost.billing_alarm_usd is not None),
            ("anomaly_monitor", cost.anomaly_monitor != "none"),
            ("activate_environment_tag", cost.activate_environment_tag),
        ):
            if used:
                yield (
                    at("cost", key),
                    f"needs us-east-1 of the aws partition, which {config.region} ({config.partition}) cannot reach; "
                    "leave it out (the budget works in every partition)",
                )
