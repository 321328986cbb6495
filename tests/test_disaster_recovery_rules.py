"""The disaster-recovery region and what each section keeps there: refused before synthesis where
S3, RDS or ECR would refuse it at apply, or where a copy would have nowhere to go."""

from pathlib import Path

import pytest

from tests.envfiles import Mutation, delete, findings, set_at

PROD_CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "the environment's own region",
        set_at("disaster_recovery", "region", value="us-west-2"),
        "/disaster_recovery/region",
        "'us-west-2' is the environment's own region; copies belong in another region",
    ),
    (
        "another partition",
        set_at("disaster_recovery", "region", value="us-gov-west-1"),
        "/disaster_recovery/region",
        "'us-gov-west-1' is in the aws-us-gov partition and 'us-west-2' in aws; S3, RDS and ECR replicate only "
        "within one partition",
    ),
    (
        "a region AWS does not have",
        set_at("disaster_recovery", "region", value="us-west-9"),
        "/disaster_recovery/region",
        "'us-west-9' is not an AWS region in botocore's endpoint data; nearest: ",
    ),
    (
        "the old place of the region",
        set_at("storage", "replication", "region", value="us-east-1"),
        "/storage/replication/region",
        "unknown key 'region': the disaster-recovery region is shared by the buckets, the database backups and the "
        "container images: it moved to /disaster_recovery/region",
    ),
    (
        "replicated backups kept too long",
        set_at("database", "backup_replication", "retention_days", value=36),
        "/database/backup_replication/retention_days",
        "is 36; must be at most 35",
    ),
    (
        "replicated backups without backups",
        set_at("database", "backup_retention_days", value=0),
        "/database/backup_replication",
        "needs automated backups on the primary: backup_retention_days is 0; set it to 1 or more",
    ),
    (
        "image replication of no repository",
        set_at("registry", "repositories", value=[]),
        "/registry/replicate",
        "is true but registry.repositories lists no service to replicate",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "message"), [c[1:] for c in PROD_CASES], ids=[c[0] for c in PROD_CASES])
def test_each_disaster_recovery_rule_reports_pointer_and_message(
    tmp_path: Path, mutate: Mutation, where: str, message: str
) -> None:
    found = findings(tmp_path, mutate, "prod")
    assert any(p == where and message in m for p, m in found), found


def test_every_copy_without_a_region_is_reported_at_once(tmp_path: Path) -> None:
    found = dict(findings(tmp_path, delete("disaster_recovery"), "prod"))
    needs = "needs disaster_recovery.region, the region the copies go to; add a disaster_recovery section"
    assert found["/storage/replication"] == f"bucket replication {needs}"
    assert found["/database/backup_replication"] == f"backup replication {needs}"
    assert found["/registry/replicate"] == f"image replication {needs}"


REGISTRY_CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "a service name ECR refuses",
        set_at("registry", "repositories", value=["API"]),
        "/registry/repositories/0",
        '"API" is not in the expected form (^[a-z0-9]+([._-][a-z0-9]+)*$). a service name is lowercase',
    ),
    (
        "a repository name too long",
        set_at("registry", "repositories", value=["a" * 250]),
        "/registry/repositories/0",
        "has 267 characters; ECR allows 2 to 256",
    ),
    (
        "a project name ending with a hyphen",
        set_at("project", value="f1-analytics-"),
        "/registry/repositories/0",
        "repository name 'f1-analytics--dev/api' is not valid for ECR",
    ),
    (
        "the same service twice",
        set_at("registry", "repositories", value=["api", "api"]),
        "/registry/repositories",
        "lists the same item twice",
    ),
    (
        "no tagged image kept",
        set_at("registry", "tagged_images_kept", value=0),
        "/registry/tagged_images_kept",
        "is 0; must be at least 1",
    ),
    (
        "untagged images kept 0 days",
        set_at("registry", "untagged_expiry_days", value=0),
        "/registry/untagged_expiry_days",
        "is 0; must be at least 1",
    ),
    (
        "replicated images without a region",
        set_at("registry", "replicate", value=True),
        "/registry/replicate",
        "image replication needs disaster_recovery.region",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "where", "message"), [c[1:] for c in REGISTRY_CASES], ids=[c[0] for c in REGISTRY_CASES]
)
def test_each_registry_rule_reports_pointer_and_message(
    tmp_path: Path, mutate: Mutation, where: str, message: str
) -> None:
    found = findings(tmp_path, mutate, "dev")
    assert any(p == where and message in m for p, m in found), found


def test_copies_name_who_restores_them(tmp_path: Path) -> None:
    found = findings(tmp_path, set_at("disaster_recovery", "restore_principal_arn_patterns", value=[]), "prod")
    ((where, message),) = found
    assert where == "/disaster_recovery/restore_principal_arn_patterns"
    assert message.startswith("is empty, so nobody could restore from the copies")


def test_a_restorer_pattern_of_every_role_is_refused_in_production(tmp_path: Path) -> None:
    mutate = set_at("disaster_recovery", "restore_principal_arn_patterns", value=["arn:aws:iam::*:role/*"])
    ((where, message),) = findings(tmp_path, mutate, "prod")
    assert where == "/disaster_recovery/restore_principal_arn_patterns/0"
    assert "so any of them could decrypt the environment's copies" in message
