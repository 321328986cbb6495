"""Environment files: every invalid input is reported with its file, JSON pointer and a fix."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from f1_infra import __main__ as cli
from f1_infra.config import (
    DEFAULT_ENVS_DIR,
    PROJECT_ROOT,
    environment_files,
    environments_dir,
    load_environment,
    load_environments,
)
from f1_infra.problems import ConfigError
from tests.envfiles import Mutation, delete, problems, set_at, shipped
from tests.processes import MainRun


def subnets(public: list[str], private: list[str], database: list[str]) -> Mutation:
    return set_at("network", "subnets", value={"public": public, "private": private, "database": database})


PUBLIC = ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
PRIVATE = ["10.0.32.0/19", "10.0.64.0/19", "10.0.96.0/19"]
DATABASE = ["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"]

CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "unknown key",
        set_at("colour", value="red"),
        "/colour",
        "unknown key 'colour'; allowed keys here: $schema, account_id, alerts,",
    ),
    ("unknown nested key", set_at("network", "nat", value=1), "/network/nat", "allowed keys here: availability_zones,"),
    (
        "wrong type",
        set_at("network", "availability_zones", value="us-west-2a"),
        "/network/availability_zones",
        'is string "us-west-2a"; expected array',
    ),
    (
        "wrong type number",
        set_at("kms", "deletion_window_days", value="30"),
        "/kms/deletion_window_days",
        'is string "30"; expected integer',
    ),
    ("cidr shape", set_at("network", "vpc_cidr", value="10.0.0/16"), "/network/vpc_cidr", "not in the expected form"),
    (
        "cidr host bits",
        set_at("network", "vpc_cidr", value="10.0.0.1/16"),
        "/network/vpc_cidr",
        "is not a valid IPv4 CIDR block (10.0.0.1/16 has host bits set)",
    ),
    ("cidr octet", set_at("network", "vpc_cidr", value="300.0.0.0/16"), "/network/vpc_cidr", "not a valid IPv4 CIDR"),
    (
        "vpc too large",
        set_at("network", "vpc_cidr", value="10.0.0.0/12"),
        "/network/vpc_cidr",
        "/12 is not allowed; AWS accepts /16 to /28",
    ),
    (
        "vpc too small to compute",
        set_at("network", "vpc_cidr", value="10.0.0.0/24"),
        "/network/vpc_cidr",
        "subnets can be computed only for a VPC of /16 to /20",
    ),
    (
        "vpc public range",
        set_at("network", "vpc_cidr", value="8.8.0.0/16"),
        "/network/vpc_cidr",
        "not a private (RFC 1918) range",
    ),
    (
        "subnet outside vpc",
        subnets(["10.1.0.0/24", *PUBLIC[1:]], PRIVATE, DATABASE),
        "/network/subnets/public/0",
        "10.1.0.0/24 is outside the VPC 10.0.0.0/16",
    ),
    (
        "subnets overlap",
        subnets(PUBLIC, PRIVATE, [DATABASE[0], "10.0.1.0/24", DATABASE[2]]),
        "/network/subnets/database/1",
        "10.0.1.0/24 overlaps 10.0.1.0/24 at /network/subnets/public/1",
    ),
    (
        "subnet count",
        subnets(PUBLIC, PRIVATE[:2], DATABASE),
        "/network/subnets/private",
        "lists 2 subnets for 3 availability zones; give exactly one per zone",
    ),
    (
        "subnet size",
        subnets(PUBLIC, PRIVATE, [DATABASE[0], DATABASE[1], "10.0.12.0/29"]),
        "/network/subnets/database/2",
        "/29 is not allowed; AWS subnets are /16 to /28",
    ),
    (
        "subnet bad cidr",
        subnets(PUBLIC, PRIVATE, [DATABASE[0], DATABASE[1], "10.0.12.7/24"]),
        "/network/subnets/database/2",
        "not a valid IPv4 CIDR block",
    ),
    (
        "one zone",
        set_at("network", "availability_zones", value=["us-west-2a"]),
        "/network/availability_zones",
        "has 1 items; must have at least 2",
    ),
    (
        "zone twice",
        set_at("network", "availability_zones", value=["us-west-2a", "us-west-2a"]),
        "/network/availability_zones",
        "lists the same item twice",
    ),
    (
        "zone of another region",
        set_at("network", "availability_zones", value=["us-west-2a", "us-east-1b"]),
        "/network/availability_zones/1",
        "'us-east-1b' is not an availability zone of region 'us-west-2'",
    ),
    (
        "nat choice",
        set_at("network", "nat_gateways", value="two"),
        "/network/nat_gateways",
        'is "two"; allowed values: "one_per_az", "single"',
    ),
    (
        "retention",
        set_at("network", "flow_logs", "retention_days", value=10),
        "/network/flow_logs/retention_days",
        "is 10; allowed values: 1, 3, 5, 7, 14, 30",
    ),
    (
        "kms window",
        set_at("kms", "deletion_window_days", value=3),
        "/kms/deletion_window_days",
        "is 3; must be at least 7",
    ),
    ("reserved tag", set_at("tags", "Project", value="x"), "/tags/Project", "tag 'Project' is set by the project"),
    ("aws tag", set_at("tags", "aws:owner", value="x"), "/tags/aws:owner", "key 'aws:owner' is not allowed"),
    (
        "email",
        set_at("alerts", "tiers", "critical", "emails", value=["not-an-address"]),
        "/alerts/tiers/critical/emails/0",
        "not in the expected form",
    ),
    (
        "email twice",
        set_at("alerts", "tiers", "info", "emails", value=["Ops@example.com", "ops@example.com"]),
        "/alerts/tiers/info/emails/1",
        "repeats entry 0",
    ),
    (
        "the old alerts.emails",
        set_at("alerts", "emails", value=["ops@example.com"]),
        "/alerts/emails",
        "unknown key 'emails': it moved to /alerts/tiers/critical/emails",
    ),
    ("missing region", delete("region"), "/region", "required setting is missing. AWS region"),
    (
        "missing zones",
        delete("network", "availability_zones"),
        "/network/availability_zones",
        "required setting is missing",
    ),
    ("region shape", set_at("region", value="Oregon"), "/region", "not in the expected form"),
]


@pytest.mark.parametrize(("mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_reports_pointer_and_message(tmp_path: Path, mutate: Mutation, where: str, message: str) -> None:
    found = problems(tmp_path, mutate)
    assert any(p == where and message in m for p, m in found), found


def test_empty_object_names_every_required_setting(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text("{}")
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    assert [p.pointer for p in caught.value.problems] == [
        "/region",
        "/network",
        "/cluster",
        "/database",
        "/cache",
        "/monitoring",
        "/workloads",
    ]


def test_names_must_leave_room_for_resource_suffixes(tmp_path: Path) -> None:
    found = problems(tmp_path, set_at("project", value="f1-analytics-data"), name="staging")
    assert any(
        p == "/project" and m.startswith("resource name prefix 'f1-analytics-data-staging' has 25 characters")
        for p, m in found
    )


def test_truncated_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text((DEFAULT_ENVS_DIR / "dev.json").read_text()[:120])
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    (problem,) = caught.value.problems
    assert problem.pointer == ""
    assert problem.message.startswith("not valid JSON: ")
    assert "at line" in problem.message
    assert str(problem).startswith(f"{path}: /: not valid JSON")


def test_a_document_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text("[]")
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    assert [(p.pointer, p.message) for p in caught.value.problems] == [("", "is array []; expected object")]


@pytest.mark.parametrize(
    ("file_name", "message"),
    [
        ("Prod_1.json", "must be lowercase letters and digits"),
        ("bootstrap.json", "reserved for the bootstrap stack"),
        ("integration2024.json", "has 15 characters; at most 12"),
    ],
)
def test_environment_names_come_from_file_names(tmp_path: Path, file_name: str, message: str) -> None:
    path = tmp_path / file_name
    path.write_text(json.dumps(shipped()))
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    assert any(message in p.message for p in caught.value.problems)


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    for name, mutate in (
        ("dev", set_at("colour", value="red")),
        ("prod", set_at("kms", "deletion_window_days", value=1)),
    ):
        data = shipped(name)
        mutate(data)
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    (tmp_path / "staging.json").write_text(json.dumps(shipped("staging")))
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    assert [(Path(p.file).name, p.pointer) for p in caught.value.problems] == [
        ("dev.json", "/colour"),
        ("prod.json", "/kms/deletion_window_days"),
    ]


SIZES = {"min_size": 1, "max_size": 2, "desired_size": 1}


def test_defaults_are_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "qa.json"
    path.write_text(
        json.dumps(
            {
                "region": "eu-west-1",
                "kms": {"key_user_arn_patterns": ["arn:aws:iam::*:role/Deployer"]},
                "network": {"availability_zones": ["eu-west-1a", "eu-west-1b"]},
                "cluster": {"node_groups": {"general": {"instance_types": ["m5.large"], **SIZES}}},
                "database": {"instance_class": "db.t4g.micro", "multi_az": False, "backup_retention_days": 1},
                "cache": {"node_type": "cache.t4g.micro"},
                "monitoring": {
                    "log_retention_days": 30,
                    "custom_metrics_namespace": "F1Analytics/qa",
                    "budget": {"monthly_limit_usd": 100},
                },
                "workloads": {"service_accounts": {"ml-training": {"training_queue": True}}},
            }
        )
    )
    config = load_environment(path)
    assert config.name_prefix == "f1-analytics-qa"
    assert config.production is False
    assert config.kms.deletion_window_days == 30
    assert config.network.vpc_cidr == "10.0.0.0/16"
    assert config.network.nat_gateways == "one_per_az"
    assert config.network.flow_logs.retention_days == 365
    assert config.network.subnet_layout.private == ("10.0.0.0/19", "10.0.32.0/19")
    cluster = config.cluster
    assert cluster.kubernetes_version == "1.35"
    assert cluster.allow_extended_support is False
    assert cluster.public_access_cidrs == cluster.admin_principal_arns == ()
    assert cluster.deletion_protection is True
    assert cluster.log_types == ("api", "audit", "authenticator", "controllerManager", "scheduler")
    assert cluster.log_retention_days == 90
    assert cluster.addon_versions.vpc_cni is None
    general = cluster.node_groups["general"]
    assert (general.capacity_type, general.disk_size_gb, general.max_unavailable_percentage) == ("ON_DEMAND", 50, 33)
    assert dict(general.labels) == {}
    assert general.taints == ()
    assert config.database.engine_version == "15"
    assert config.database.max_allocated_storage_gb == 1000
    assert config.database.deletion_protection is True
    assert config.database.proxy.enabled is False
    assert config.cache.engine == "redis"
    assert (config.cache.shards, config.cache.replicas_per_shard) == (3, 1)
    assert config.cache.snapshot_retention_days == 5
    trainer = config.workloads.service_accounts["ml-training"]
    assert trainer.namespace == "f1-analytics"
    assert dict(trainer.buckets) == {}
    assert (trainer.database, trainer.cache, trainer.metrics) == (False, False, False)


def test_envs_dir_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ENVS_DIR", str(tmp_path))
    assert environments_dir() == tmp_path
    monkeypatch.delenv("ENVS_DIR")
    assert environments_dir() == DEFAULT_ENVS_DIR


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_synth_refuses_every_environment_when_one_file_is_invalid(tmp_path: Path) -> None:
    envs, outdir = tmp_path / "envs", tmp_path / "out"
    envs.mkdir()
    (envs / "dev.json").write_text(json.dumps(shipped("dev")))
    (envs / "prod.json").write_text('{"region": "us-west-2", "network": {"vpc_cidr": 10}')
    result = run(["main.py"], ENVS_DIR=str(envs), CDKTF_OUTDIR=str(outdir))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(f"{envs / 'prod.json'}: /: not valid JSON")
    assert not outdir.exists() or not any(outdir.rglob("cdk.tf.json"))


def test_synth_honours_envs_dir_and_outdir_quietly(main_qa: MainRun) -> None:
    result = main_qa.result()
    assert result.returncode == 0, result.stderr
    assert sorted(p.parent.name for p in main_qa.outdir.rglob("cdk.tf.json")) == ["bootstrap", "qa", "qa-services"]
    # Started with no terraform and the system's Node.js first on PATH, as on a laptop: the cloud
    # backend's terraform-version check is skipped, and jsii runs Node 22 from package.json (no
    # end-of-life banner, no deprecation noise).
    assert result.stderr == ""


def test_validate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped_files = [str(p) for p in sorted(DEFAULT_ENVS_DIR.glob("*.json"))]
    assert cli.main(["validate", *shipped_files]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.count(": valid") == len(environment_files(DEFAULT_ENVS_DIR))

    # A bad file, in a process of its own: the exit status and stderr a shell or hook sees.

    bad = tmp_path / "dev.json"
    bad.write_text(json.dumps({**shipped(), "colour": "red"}))
    failed = run(["-m", "f1_infra", "validate", str(bad)])
    assert failed.returncode == 2
    assert failed.stderr.splitlines()[0] == f"{bad}: /colour: unknown key 'colour'; allowed keys here: " + ", ".join(
        sorted(json.loads((DEFAULT_ENVS_DIR / "schema.json").read_text())["properties"])
    )
    assert "Traceback" not in failed.stderr


def test_cloud_environments_command_lists_terraform_cloud_stacks_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["cloud-environments"]) == 0
    clouds = [c.name for c in load_environments(DEFAULT_ENVS_DIR) if c.backend.type == "cloud"]
    assert clouds, "the shipped files keep staging and prod in Terraform Cloud"
    assert json.loads(capsys.readouterr().out) == clouds
