"""Monitoring code paths the shipped environments do not take: a certificate created for a domain
(DNS validation in a Route 53 zone) and applications that publish (`applications_live`). One small
synth of the construct alone, with stand-ins for the modules it reads attributes from."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy

from f1_infra.constructs.alerts import AlertTopics
from f1_infra.constructs.monitoring import Monitoring
from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.settings.monitoring import CertificateConfig
from tests.synth import Stack

DOMAIN = "f1.example.com"
ZONE = "Z0123456789ABCDEFGHIJ"


@pytest.fixture(scope="module")
def options(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> Stack:
    base = configs["dev"]
    alb = base.monitoring.alb.model_copy(
        update={"certificate": CertificateConfig(arn=None, domain=DOMAIN, hosted_zone_id=ZONE)}
    )
    alarms = base.monitoring.alarms.model_copy(update={"applications_live": True})
    config = base.model_copy(update={"monitoring": base.monitoring.model_copy(update={"alb": alb, "alarms": alarms})})
    app = App(outdir=str(tmp_path_factory.mktemp("options")))
    stack = TerraformStack(app, "options")
    AwsProvider(stack, "aws", region=config.region)
    logs_policy = S3BucketPolicy(stack, "logs_policy", bucket="logs", policy="{}")
    Monitoring(
        stack,
        "monitoring",
        config=config,
        kms_key_arn="arn:aws:kms:us-west-2:123456789012:key/example",
        alert_topics=AlertTopics(
            critical="arn:aws:sns:us-west-2:123456789012:alerts",
            warning="arn:aws:sns:us-west-2:123456789012:alerts-warning",
            info="arn:aws:sns:us-west-2:123456789012:alerts-info",
        ),
        network=SimpleNamespace(vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", public_subnet_ids=["subnet-a", "subnet-b"]),
        storage=SimpleNamespace(
            models_bucket_name="models",
            backup_bucket_name="backups",
            logs_bucket_name="logs",
            alb_log_prefix="alb",
            logs_bucket_policy=logs_policy,
        ),
        cluster=SimpleNamespace(critical_alarm_names=["eks-pods"]),
        database=SimpleNamespace(identifier="db", critical_alarm_names=["db-cpu"]),
        cache=SimpleNamespace(replication_group_id="cache", critical_alarm_names=["cache-cpu"]),
    )
    app.synth()
    return Stack("options", json.loads(Path(app.outdir, "stacks", "options", "cdk.tf.json").read_text()))


def test_created_certificate_is_dns_validated_before_the_listener_uses_it(options: Stack) -> None:
    certificate = options.resource("aws_acm_certificate", "monitoring/certificate")
    assert certificate["domain_name"] == DOMAIN
    assert certificate["validation_method"] == "DNS"
    assert certificate["lifecycle"] == {"create_before_destroy": True}
    records = options.resource("aws_route53_record", "monitoring/certificate_validation_record")
    assert records["zone_id"] == ZONE
    certificate_address = options.address("aws_acm_certificate", "monitoring/certificate")
    assert f"tolist({certificate_address}.domain_validation_options)" in records["for_each"]
    assert records["name"] == "${each.value.resource_record_name}"
    assert records["records"] == ["${each.value.resource_record_value}"]
    validation = options.resource("aws_acm_certificate_validation", "monitoring/certificate_validation")
    assert validation["certificate_arn"] == options.ref("aws_acm_certificate", "monitoring/certificate", "arn")
    records_address = options.address("aws_route53_record", "monitoring/certificate_validation_record")
    assert records_address in validation["validation_record_fqdns"]
    assert ".fqdn" in validation["validation_record_fqdns"]
    # Rule 31: the listener waits for the validation, not just the certificate request.
    listener = options.resource("aws_lb_listener", "monitoring/https_listener")
    assert listener["certificate_arn"] == options.ref(
        "aws_acm_certificate_validation", "monitoring/certificate_validation", "certificate_arn"
    )
    assert "variable" not in options.doc


def test_domain_points_at_the_load_balancer(options: Stack) -> None:
    alias = options.resource("aws_route53_record", "monitoring/alias_record")
    assert (alias["zone_id"], alias["name"], alias["type"]) == (ZONE, DOMAIN, "A")
    assert alias["alias"] == {
        "name": options.ref("aws_lb", "monitoring/alb", "dns_name"),
        "zone_id": options.ref("aws_lb", "monitoring/alb", "zone_id"),
        "evaluate_target_health": True,
    }


def test_composite_alarm_names_the_other_modules_alarms(options: Stack) -> None:
    rule = options.resource("aws_cloudwatch_composite_alarm", "monitoring/platform_health")["alarm_rule"]
    assert rule.endswith(' OR ALARM("eks-pods") OR ALARM("db-cpu") OR ALARM("cache-cpu")')


def test_live_applications_make_an_unserved_target_group_critical(options: Stack) -> None:
    rule = options.resource("aws_cloudwatch_composite_alarm", "monitoring/platform_health")["alarm_rule"]
    for key in ("api", "frontend"):
        path = f"monitoring/alb_{key}_no_healthy_hosts_alarm"
        assert options.ref("aws_cloudwatch_metric_alarm", path, "alarm_name") in rule
        assert options.resource("aws_cloudwatch_metric_alarm", path)["alarm_actions"]
    stalled = options.resource("aws_cloudwatch_metric_alarm", "monitoring/ingestion_stalled_alarm")
    assert stalled["alarm_actions"] == stalled["ok_actions"] != []
