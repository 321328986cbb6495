"""Security events: GuardDuty findings to the critical topic (detector created or adopted), the
WAF blocked-requests alarm, and the optional CloudTrail trail with what the bucket and key let it do."""

import json
from pathlib import Path

import pytest

from f1_infra.config import DEFAULT_ENVS_DIR, load_environments
from f1_infra.problems import ConfigError
from f1_infra.settings.environment import EnvironmentConfig
from tests.envfiles import shipped
from tests.synth import Stack, policy, statement

ACCOUNT = "${data.aws_caller_identity.caller.account_id}"


def trail_arn(stack: Stack) -> str:
    return f"arn:aws:cloudtrail:us-west-2:{ACCOUNT}:trail/f1-analytics-{stack.name}-trail"


def test_findings_of_the_files_severity_go_to_the_critical_topic(stack: Stack, config: EnvironmentConfig) -> None:
    rule = stack.resource("aws_cloudwatch_event_rule", "security/guardduty_findings")
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", config.security.guardduty.min_severity]}]},
    }
    # Findings arrive on the default bus.
    assert "event_bus_name" not in rule
    target = stack.resource("aws_cloudwatch_event_target", "security/guardduty_target")
    assert target["rule"] == stack.ref("aws_cloudwatch_event_rule", "security/guardduty_findings", "name")
    assert target["arn"] == stack.ref("aws_sns_topic", "alerts/topic", "arn")


def test_the_detector_is_created_only_where_the_file_says(stack: Stack, config: EnvironmentConfig) -> None:
    detectors = list(stack.resources("aws_guardduty_detector").values())
    if config.security.guardduty.detector == "create":
        assert [(d["enable"], d["lifecycle"]["prevent_destroy"]) for d in detectors] == [(True, config.production)]
    else:
        assert detectors == []


def test_shipped_files_create_one_detector_per_account(configs: dict[str, EnvironmentConfig]) -> None:
    # staging and prod have an account each; dev names none, so it may share one and adopts.
    assert {n: c.security.guardduty.detector for n, c in configs.items()} == {
        "dev": "adopt",
        "staging": "create",
        "prod": "create",
    }


def test_two_files_creating_a_detector_in_one_region_are_refused(tmp_path: Path) -> None:
    security = {"guardduty": {"detector": "create"}}
    for name in ("qa", "uat"):
        (tmp_path / f"{name}.json").write_text(json.dumps({**shipped("dev"), "security": security}))
    (tmp_path / "eu.json").write_text(json.dumps({**shipped("dev"), "security": security, "region": "eu-west-1"}))
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    found = sorted((Path(p.file).name, p.pointer) for p in caught.value.problems if "GuardDuty" in p.message)
    # Both files in us-west-2 are named; the one in another region is not.
    assert found == [("qa.json", "/security/guardduty/detector"), ("uat.json", "/security/guardduty/detector")]
    assert load_environments(DEFAULT_ENVS_DIR)


def test_waf_alarm_counts_every_rules_blocks(stack: Stack, config: EnvironmentConfig) -> None:
    alarm = stack.resource("aws_cloudwatch_metric_alarm", "monitoring/waf_blocked_requests_alarm")
    acl = stack.resource("aws_wafv2_web_acl", "monitoring/waf")
    assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == ("AWS/WAFV2", "BlockedRequests", "Sum")
    # A regional web ACL: WebACL (its metric name), Rule (ALL: every rule), Region.
    assert alarm["dimensions"] == {
        "WebACL": acl["visibility_config"]["metric_name"],
        "Rule": "ALL",
        "Region": config.region,
    }
    assert (alarm["period"], alarm["evaluation_periods"]) == (300, 1)
    assert alarm["threshold"] == config.monitoring.alarms.waf_blocked_requests
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["treat_missing_data"] == "notBreaching"
    assert alarm["alarm_actions"] == [stack.ref("aws_sns_topic", "alerts/warning_topic", "arn")]


def test_trail_is_validated_encrypted_and_in_the_logs_bucket(stack: Stack, config: EnvironmentConfig) -> None:
    trails = stack.resources("aws_cloudtrail")
    key_statements = [s.get("Sid") for s in policy(stack.resource("aws_kms_key", "kms/key"))["Statement"]]
    bucket_policy = policy(stack.resource("aws_s3_bucket_policy", "storage/logs/policy"))
    bucket_statements = [s.get("Sid") for s in bucket_policy["Statement"]]
    if not config.security.cloudtrail.enabled:
        assert trails == {}
        assert "CloudTrailTrail" not in key_statements
        assert "CloudTrailWrite" not in bucket_statements
        return
    trail = stack.resource("aws_cloudtrail", "security/trail")
    assert trail["name"] == f"f1-analytics-{stack.name}-trail"
    assert trail["s3_bucket_name"] == stack.ref("aws_s3_bucket", "storage/logs/bucket", "bucket")
    assert trail["s3_key_prefix"] == "cloudtrail"
    assert trail["kms_key_id"] == stack.ref("aws_kms_key", "kms/key", "arn")
    assert trail["enable_log_file_validation"] is True
    assert trail["is_multi_region_trail"] is True
    assert trail["include_global_service_events"] is True
    assert stack.address("aws_s3_bucket_policy", "storage/logs/policy") in trail["depends_on"]

    # The key statement is the last one, and admits this trail only.
    assert key_statements[-1] == "CloudTrailTrail"
    key = statement(policy(stack.resource("aws_kms_key", "kms/key")), "CloudTrailTrail")
    assert key["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert key["Action"] == ["kms:GenerateDataKey*", "kms:DescribeKey"]
    assert key["Condition"] == {"StringEquals": {"aws:SourceArn": trail_arn(stack)}}

    logs = stack.ref("aws_s3_bucket", "storage/logs/bucket", "arn")
    acl = statement(bucket_policy, "CloudTrailAclCheck")
    assert (acl["Action"], acl["Resource"]) == (["s3:GetBucketAcl"], [logs])
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": trail_arn(stack)}}
    write = statement(bucket_policy, "CloudTrailWrite")
    assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert (write["Action"], write["Resource"]) == (["s3:PutObject"], [f"{logs}/cloudtrail/AWSLogs/{ACCOUNT}/*"])
    assert write["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail_arn(stack), "s3:x-amz-acl": "bucket-owner-full-control"}
    }


def test_each_account_of_its_own_keeps_its_own_trail(configs: dict[str, EnvironmentConfig]) -> None:
    # The first trail of management events is free; dev may share an account whose trail it is in.
    assert {n: c.security.cloudtrail.enabled for n, c in configs.items()} == {
        "dev": False,
        "staging": True,
        "prod": True,
    }


def test_files_of_different_accounts_may_each_create_a_detector(tmp_path: Path) -> None:
    for name, account in (("qa", "111111111111"), ("uat", "222222222222")):
        data = {**shipped("dev"), "security": {"guardduty": {"detector": "create"}}, "account_id": account}
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    assert {c.name for c in load_environments(tmp_path)} == {"qa", "uat"}
