"""The RDS PostgreSQL module, per environment: what `terraform apply` would create."""

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack, policy, statement

INSTANCE = "aws_db_instance"
KEY_ARN = ("aws_kms_key", "kms/key", "arn")
TOPIC_ARN = ("aws_sns_topic", "alerts/topic", "arn")


def primary(stack: Stack) -> dict:
    return stack.resource(INSTANCE, "database/instance")


@pytest.mark.parametrize(
    ("env", "instance_class", "multi_az", "backups", "protected", "pi_days", "replicas", "proxy"),
    [
        ("dev", "db.r5.large", False, 7, False, 7, 0, True),
        ("staging", "db.r5.xlarge", True, 14, True, 7, 0, True),
        ("prod", "db.r5.2xlarge", True, 30, True, 31, 1, True),
    ],
)
def test_sizes_and_protection_per_environment(
    stacks: dict[str, Stack],
    env: str,
    instance_class: str,
    multi_az: bool,
    backups: int,
    protected: bool,
    pi_days: int,
    replicas: int,
    proxy: bool,
) -> None:
    stack = stacks[env]
    db = primary(stack)
    assert db["instance_class"] == instance_class
    assert db["multi_az"] is multi_az
    assert db["backup_retention_period"] == backups
    assert db["deletion_protection"] is protected
    assert db["performance_insights_retention_period"] == pi_days
    assert db["lifecycle"] == {"prevent_destroy": env == "prod"}
    assert stack.count(INSTANCE, "database/replica_") == replicas
    assert stack.count("aws_db_proxy") == int(proxy)


def test_engine_storage_and_encryption(stack: Stack) -> None:
    db = primary(stack)
    assert db["identifier"] == f"f1-analytics-{stack.name}-postgres"
    assert (db["engine"], db["engine_version"]) == ("postgres", "15")
    assert db["auto_minor_version_upgrade"] is True
    assert db["allow_major_version_upgrade"] is False
    assert (db["storage_type"], db["allocated_storage"], db["max_allocated_storage"]) == ("gp3", 100, 1000)
    assert db["storage_encrypted"] is True
    assert db["kms_key_id"] == stack.ref(*KEY_ARN)
    assert db["publicly_accessible"] is False
    assert db["port"] == 5432
    assert db["ca_cert_identifier"] == "rds-ca-rsa2048-g1"


def test_master_password_never_reaches_state_or_plan(stack: Stack, config: EnvironmentConfig) -> None:
    """Rule 23: no manage_master_user_password (RDS refuses read replicas of such a source); the
    password is an ephemeral value sent only to write-only arguments."""
    db = primary(stack)
    assert "manage_master_user_password" not in db
    assert "password" not in db
    # The database takes the password back from the secret: the two never disagree, even after an
    # apply that failed between them.
    read = stack.doc["ephemeral"]["aws_secretsmanager_secret_version"]["database_master_secret"]
    assert read["secret_id"] == stack.ref("aws_secretsmanager_secret", "database/master_secret")
    assert read["depends_on"] == [stack.address("aws_secretsmanager_secret_version", "database/master_secret_value")]
    assert db["password_wo"] == (
        "${jsondecode(ephemeral.aws_secretsmanager_secret_version.database_master_secret.secret_string).password}"
    )
    assert db["password_wo_version"] == config.database.master_password_version
    generator = stack.doc["ephemeral"]["random_password"]["database_master_password"]
    assert generator["length"] >= 32
    # RDS refuses / @ " and spaces in a master password (rule 17).
    assert not set('/@" ') & set(generator["override_special"])
    assert db["username"] == "f1_master"
    assert db["db_name"] == "f1_analytics"

    secret = stack.resource("aws_secretsmanager_secret", "database/master_secret")
    assert secret["kms_key_id"] == stack.ref(*KEY_ARN)
    assert secret["name_prefix"] == f"f1-analytics-{stack.name}-postgres-master-"
    assert secret["recovery_window_in_days"] == config.database.master_secret_recovery_days
    value = stack.resource("aws_secretsmanager_secret_version", "database/master_secret_value")
    assert value["secret_id"] == stack.ref("aws_secretsmanager_secret", "database/master_secret")
    assert "secret_string" not in value
    assert value["secret_string_wo"] == (
        '${jsonencode({username = "f1_master", password = ephemeral.random_password.database_master_password.result})}'
    )
    # One version for both: a rotation writes the new password to the database and the secret.
    assert value["secret_string_wo_version"] == db["password_wo_version"]
    output = stack.doc["output"]["database_master_secret_arn"]
    assert output["value"] == stack.ref("aws_secretsmanager_secret", "database/master_secret", "arn")
    assert stack.doc["output"]["database_endpoint"]["value"] == stack.ref(INSTANCE, "database/instance", "address")


def test_backups_snapshots_and_windows(stack: Stack, config: EnvironmentConfig) -> None:
    db = primary(stack)
    assert db["backup_window"] == "03:00-04:00"
    assert db["maintenance_window"] == "sun:04:30-sun:05:30"
    assert db["copy_tags_to_snapshot"] is True
    assert db["skip_final_snapshot"] is False
    assert db["final_snapshot_identifier"] == f"f1-analytics-{stack.name}-postgres-final"
    assert db["delete_automated_backups"] is (not config.production)


def test_network_placement(stack: Stack) -> None:
    db = primary(stack)
    assert db["db_subnet_group_name"] == stack.ref("aws_db_subnet_group", "network/db_subnet_group", "name")
    assert db["vpc_security_group_ids"] == [stack.ref("aws_security_group", "database/security_group")]


def ingress_sources(group: dict) -> list[tuple[int, list[str]]]:
    rules = group["ingress"]
    for rule in rules:
        assert rule["protocol"] == "tcp"
        assert rule["from_port"] == rule["to_port"]
        assert (rule["cidr_blocks"], rule["ipv6_cidr_blocks"], rule["prefix_list_ids"], rule["self"]) == (
            [],
            [],
            [],
            False,
        )
    return [(rule["from_port"], rule["security_groups"]) for rule in rules]


def test_security_group_admits_only_allowed_groups(stack: Stack, config: EnvironmentConfig) -> None:
    group = stack.resource("aws_security_group", "database/security_group")
    assert group["name"] == f"f1-analytics-{stack.name}-postgres"
    assert group["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    nodes = stack.ref("aws_security_group", "cluster/node_security_group")
    expected = [(5432, [nodes])]
    if config.database.proxy.enabled:
        # The proxy has its own group; the database admits it by reference, not by membership.
        expected.append((5432, [stack.ref("aws_security_group", "database/proxy_security_group")]))
    assert ingress_sources(group) == expected
    # The database opens no connection itself.
    assert group["egress"] == []


def test_iam_authentication_performance_insights_and_logs(stack: Stack) -> None:
    db = primary(stack)
    assert db["iam_database_authentication_enabled"] is True
    assert db["performance_insights_enabled"] is True
    assert db["performance_insights_kms_key_id"] == stack.ref(*KEY_ARN)
    assert db["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    for log in ("postgresql", "upgrade"):
        group = stack.resource("aws_cloudwatch_log_group", f"database/instance_{log}_logs")
        assert group["name"] == f"/aws/rds/instance/f1-analytics-{stack.name}-postgres/{log}"
        assert group["kms_key_id"] == stack.ref(*KEY_ARN)
        assert stack.address("aws_cloudwatch_log_group", f"database/instance_{log}_logs") in db["depends_on"]


@pytest.mark.parametrize(("env", "retention"), [("dev", 30), ("staging", 90), ("prod", 365)])
def test_log_retention_per_environment(stacks: dict[str, Stack], env: str, retention: int) -> None:
    group = stacks[env].resource("aws_cloudwatch_log_group", "database/instance_postgresql_logs")
    assert group["retention_in_days"] == retention


def test_enhanced_monitoring_role(stack: Stack) -> None:
    db = primary(stack)
    assert db["monitoring_interval"] == 60
    assert db["monitoring_role_arn"] == stack.ref("aws_iam_role", "database/monitoring_role", "arn")
    role = stack.resource("aws_iam_role", "database/monitoring_role")
    trust = statement(policy(role, "assume_role_policy"), "AssumeRole")
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]
    attachment = stack.resource("aws_iam_role_policy_attachment", "database/monitoring_policy")
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert attachment["role"] == stack.ref("aws_iam_role", "database/monitoring_role", "name")
    # The instance waits for the policy: RDS checks the role's permissions when it is created.
    assert stack.address("aws_iam_role_policy_attachment", "database/monitoring_policy") in db["depends_on"]


def test_parameter_group(stack: Stack) -> None:
    group = stack.resource("aws_db_parameter_group", "database/parameter_group")
    assert group["family"] == "postgres15"
    assert group["name_prefix"] == f"f1-analytics-{stack.name}-postgres15-"
    assert "name" not in group
    assert group["lifecycle"] == {"create_before_destroy": True}
    parameters = {p["name"]: (p["value"], p["apply_method"]) for p in group["parameter"]}
    assert parameters["rds.force_ssl"] == ("1", "immediate")
    assert parameters["log_min_duration_statement"] == ("1000", "immediate")
    assert parameters["shared_preload_libraries"] == ("pg_stat_statements", "pending-reboot")
    assert primary(stack)["parameter_group_name"] == stack.ref(
        "aws_db_parameter_group", "database/parameter_group", "name"
    )


def test_read_replica_in_prod(stacks: dict[str, Stack]) -> None:
    stack = stacks["prod"]
    replica = stack.resource(INSTANCE, "database/replica_1")
    assert replica["identifier"] == "f1-analytics-prod-postgres-replica-1"
    assert replica["replicate_source_db"] == stack.ref(INSTANCE, "database/instance", "identifier")
    for credential in ("username", "password", "manage_master_user_password", "db_name", "backup_retention_period"):
        assert credential not in replica
    assert replica["skip_final_snapshot"] is True
    # Same-region replica: encrypted with the source's key; RDS refuses a KMS key parameter
    # ("InvalidParameterCombination: Your request does not require the KMS key parameter").
    assert "kms_key_id" not in replica
    # Ignored by RDS for a replica, but without it Terraform reads back true and plans a replacement.
    assert replica["storage_encrypted"] is True
    assert replica["performance_insights_kms_key_id"] == stack.ref(*KEY_ARN)
    assert replica["publicly_accessible"] is False
    assert replica["multi_az"] is True
    assert replica["performance_insights_enabled"] is True
    assert replica["vpc_security_group_ids"] == [stack.ref("aws_security_group", "database/security_group")]
    lag = stack.resource("aws_cloudwatch_metric_alarm", "database/replica_1_lag_alarm")
    assert lag["metric_name"] == "ReplicaLag"
    assert lag["dimensions"] == {"DBInstanceIdentifier": stack.ref(INSTANCE, "database/replica_1", "identifier")}
    assert lag["threshold"] == 120
    assert lag["alarm_actions"] == [stack.ref(*TOPIC_ARN)]


def test_no_replica_lag_alarm_without_replicas(stacks: dict[str, Stack]) -> None:
    for env in ("dev", "staging"):
        assert stacks[env].count("aws_cloudwatch_metric_alarm", "database/replica_") == 0


def test_proxy_requires_tls_and_reads_only_the_master_secret(stacks: dict[str, Stack]) -> None:
    stack = stacks["prod"]
    secret = stack.ref("aws_secretsmanager_secret", "database/master_secret", "arn")
    proxy = stack.resource("aws_db_proxy", "database/proxy")
    assert proxy["name"] == "f1-analytics-prod-postgres"
    assert proxy["engine_family"] == "POSTGRESQL"
    assert proxy["require_tls"] is True
    assert proxy["vpc_subnet_ids"] == [stack.ref("aws_subnet", f"network/database_{x}") for x in "abc"]
    assert proxy["vpc_security_group_ids"] == [stack.ref("aws_security_group", "database/proxy_security_group")]
    # The proxy reads the secret when it is created; the role's policy and the password must exist.
    assert proxy["depends_on"] == [
        stack.address("aws_iam_role_policy", "database/proxy_policy"),
        stack.address("aws_secretsmanager_secret_version", "database/master_secret_value"),
    ]
    (auth,) = proxy["auth"]
    assert (auth["auth_scheme"], auth["secret_arn"], auth["iam_auth"]) == ("SECRETS", secret, "REQUIRED")
    assert proxy["role_arn"] == stack.ref("aws_iam_role", "database/proxy_role", "arn")
    trust = statement(policy(stack.resource("aws_iam_role", "database/proxy_role"), "assume_role_policy"), "AssumeRole")
    assert trust["Principal"] == {"Service": "rds.amazonaws.com"}
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    document = policy(stack.resource("aws_iam_role_policy", "database/proxy_policy"))
    read = statement(document, "ReadMasterSecret")
    assert (read["Action"], read["Resource"]) == (["secretsmanager:GetSecretValue"], [secret])
    decrypt = statement(document, "DecryptMasterSecret")
    assert (decrypt["Action"], decrypt["Resource"]) == (["kms:Decrypt"], [stack.ref(*KEY_ARN)])
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"}}
    target = stack.resource("aws_db_proxy_target", "database/proxy_target")
    assert target["db_instance_identifier"] == stack.ref(INSTANCE, "database/instance", "identifier")
    assert target["target_group_name"] == stack.ref(
        "aws_db_proxy_default_target_group", "database/proxy_target_group", "name"
    )
    pool = stack.resource("aws_db_proxy_default_target_group", "database/proxy_target_group")
    assert pool["connection_pool_config"]["max_connections_percent"] == 90


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_proxy_reaches_the_database_and_secrets_manager_only(stacks: dict[str, Stack], env: str) -> None:
    stack = stacks[env]
    nodes = stack.ref("aws_security_group", "cluster/node_security_group")
    proxy_group_ref = stack.ref("aws_security_group", "database/proxy_security_group")
    endpoint_group_ref = stack.ref("aws_security_group", "database/secrets_endpoint_security_group")
    proxy_group = stack.resource("aws_security_group", "database/proxy_security_group")
    assert proxy_group["name"] == f"f1-analytics-{env}-postgres-proxy"
    assert proxy_group["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    assert ingress_sources(proxy_group) == [(5432, [nodes])]
    # Its egress refers to groups that refer back to it: separate rules, never inline (a cycle).
    assert "egress" not in proxy_group
    egress = {
        body["//"]["metadata"]["path"].rsplit("/", 1)[-1]: body
        for body in stack.resources("aws_vpc_security_group_egress_rule").values()
        if body["security_group_id"] == proxy_group_ref
    }
    assert {
        key: (r["ip_protocol"], r["from_port"], r["to_port"], r["referenced_security_group_id"])
        for key, r in egress.items()
    } == {
        "proxy_to_database": ("tcp", 5432, 5432, stack.ref("aws_security_group", "database/security_group")),
        "proxy_to_secrets_endpoint": ("tcp", 443, 443, endpoint_group_ref),
    }
    assert all("cidr_ipv4" not in r for r in egress.values())

    endpoint = stack.resource("aws_vpc_endpoint", "database/secrets_endpoint")
    assert endpoint["service_name"] == "com.amazonaws.us-west-2.secretsmanager"
    assert endpoint["vpc_endpoint_type"] == "Interface"
    # The proxy calls the regional host name: only private DNS sends it to the endpoint.
    assert endpoint["private_dns_enabled"] is True
    assert endpoint["vpc_id"] == stack.ref("aws_vpc", "network/vpc")
    assert endpoint["subnet_ids"] == [stack.ref("aws_subnet", f"network/database_{x}") for x in "abc"]
    assert endpoint["security_group_ids"] == [endpoint_group_ref]
    # Private DNS sends every Secrets Manager call of the VPC here: only this account's secrets,
    # read by this account's principals, pass.
    account = stack.data_ref("aws_caller_identity", "caller", "account_id")
    (only,) = policy(endpoint)["Statement"]
    assert only["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    assert only["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert only["Resource"] == [f"arn:aws:secretsmanager:us-west-2:{account}:secret:*"]
    endpoint_group = stack.resource("aws_security_group", "database/secrets_endpoint_security_group")
    assert endpoint_group["name"] == f"f1-analytics-{env}-postgres-secretsmanager-endpoint"
    # Private DNS covers the whole VPC, so the pods that read secrets come through it too, and the
    # Terraform Cloud agent's task, which reads its token (tests/test_services_stack.py).
    agent = stack.ref("aws_security_group", "terraform_agent/security_group")
    assert ingress_sources(endpoint_group) == [(443, [proxy_group_ref, nodes, agent])]
    assert endpoint_group["egress"] == []


def test_no_proxy_resources_without_the_proxy(custom: Stack) -> None:
    stack = custom
    assert stack.count("aws_db_proxy") == stack.count("aws_db_proxy_target") == 0
    assert stack.count("aws_iam_role", "database/proxy") == 0
    assert stack.count("aws_security_group", "database/proxy") == 0
    assert stack.count("aws_security_group", "database/secrets_endpoint") == 0
    assert stack.count("aws_vpc_endpoint", "database/") == 0
    assert stack.count("aws_vpc_security_group_egress_rule", "database/") == 0


@pytest.mark.parametrize(
    ("env", "connections", "memory_bytes"),
    [
        # 80 % of LEAST(memory / 9531392, 5000); 10 % of memory.
        ("dev", 1441, 1638 * 2**20),
        ("staging", 2883, 3276 * 2**20),
        ("prod", 4000, 6553 * 2**20),
    ],
)
def test_alarms_thresholds_follow_the_instance_size(
    stacks: dict[str, Stack], env: str, connections: int, memory_bytes: int
) -> None:
    stack = stacks[env]
    instance = stack.ref(INSTANCE, "database/instance", "identifier")
    expected = {
        "cpu": ("CPUUtilization", "GreaterThanThreshold", 80),
        "connections": ("DatabaseConnections", "GreaterThanThreshold", connections),
        "freeable_memory": ("FreeableMemory", "LessThanThreshold", memory_bytes),
        "free_storage": ("FreeStorageSpace", "LessThanThreshold", 10 * 10**9),
    }
    for key, (metric, operator, threshold) in expected.items():
        alarm = stack.resource("aws_cloudwatch_metric_alarm", f"database/{key}_alarm")
        assert alarm["alarm_name"] == f"f1-analytics-{env}-postgres-{key.replace('_', '-')}"
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/RDS", metric)
        assert alarm["dimensions"] == {"DBInstanceIdentifier": instance}
        assert (alarm["comparison_operator"], alarm["threshold"]) == (operator, threshold)
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [stack.ref(*TOPIC_ARN)]


# ------------------------------------------------------------------ backups in the disaster-recovery region


@pytest.mark.parametrize(("env", "region", "days"), [("prod", "us-east-1", 14), ("staging", "us-east-1", 3)])
def test_automated_backups_replicate_into_the_dr_region_with_a_key_there(
    stacks: dict[str, Stack], env: str, region: str, days: int
) -> None:
    stack = stacks[env]
    (replication,) = stack.resources("aws_db_instance_automated_backups_replication").values()
    # Of the primary only: RDS for PostgreSQL keeps no automated backups of read replicas.
    assert replication["source_db_instance_arn"] == stack.ref(INSTANCE, "database/instance", "arn")
    assert replication["retention_period"] == days
    # Created through the DR region's provider, encrypted with a key made by that same provider:
    # RDS refuses a key of another region for the copy of an encrypted instance.
    (dr,) = [p for p in stack.doc["provider"]["aws"] if p.get("alias") == "disaster_recovery"]
    assert dr["region"] == region
    assert replication["provider"] == "aws.disaster_recovery"
    assert replication["kms_key_id"] == stack.ref("aws_kms_key", "disaster_recovery/key", "arn")
    key = stack.resource("aws_kms_key", "disaster_recovery/key")
    assert key["provider"] == "aws.disaster_recovery"
    assert key["enable_key_rotation"] is True
    # The source keeps automated backups: RDS replicates nothing without them.
    assert primary(stack)["backup_retention_period"] > 0
    assert stack.resource("aws_kms_alias", "disaster_recovery/key_alias")["provider"] == "aws.disaster_recovery"


def test_no_backup_replication_nor_dr_region_in_dev(stacks: dict[str, Stack]) -> None:
    dev = stacks["dev"]
    assert not dev.resources("aws_db_instance_automated_backups_replication")
    assert [p for p in dev.doc["provider"]["aws"] if "alias" in p] == []


def test_the_backup_replication_is_an_output_where_there_is_one(stacks: dict[str, Stack]) -> None:
    assert stacks["prod"].doc["output"]["database_backup_replication_arn"]["value"] == stacks["prod"].ref(
        "aws_db_instance_automated_backups_replication", "database/backup_replication"
    )
    assert "database_backup_replication_arn" not in stacks["dev"].doc["output"]
