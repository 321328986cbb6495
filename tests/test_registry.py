"""The ECR repositories, per environment: one per service of the file, immutable tags, scan on
push, the environment key, the lifecycle, and prod's replication into the DR region."""

import json

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack

REPOSITORY = "aws_ecr_repository"
SERVICES = ("api", "frontend", "ml-training", "ingestion")


def repositories(stack: Stack, where: str) -> dict[str, dict]:
    """Service -> repository body, of the primary region (`primary`) or the DR region (`replica`)."""
    prefix = f"{stack.name and 'f1-analytics-' + stack.name}/"
    found = {}
    for name, body in stack.resources(REPOSITORY).items():
        if body["//"]["metadata"]["path"].split("/")[2] == where:
            found[body["name"].removeprefix(prefix)] = body | {"address": f"{REPOSITORY}.{name}"}
    return found


def test_one_repository_per_service_named_in_the_file(stack: Stack, config: EnvironmentConfig) -> None:
    assert tuple(config.registry.repositories) == SERVICES
    found = repositories(stack, "primary")
    assert sorted(found) == sorted(SERVICES)
    for service, body in found.items():
        assert body["name"] == f"{config.name_prefix}/{service}"
        assert "provider" not in body


def test_tags_are_immutable_pushes_scanned_and_images_encrypted_with_the_environment_key(stack: Stack) -> None:
    for service, body in repositories(stack, "primary").items():
        assert body["image_tag_mutability"] == "IMMUTABLE", service
        assert body["image_scanning_configuration"] == {"scan_on_push": True}, service
        assert body["encryption_configuration"] == [
            {"encryption_type": "KMS", "kms_key": stack.ref("aws_kms_key", "kms/key", "arn")}
        ], service


def test_lifecycle_keeps_tagged_images_and_expires_untagged_ones(stack: Stack, config: EnvironmentConfig) -> None:
    policies = {b["repository"]: json.loads(b["policy"]) for b in stack.resources("aws_ecr_lifecycle_policy").values()}
    settings = config.registry
    for body in [*repositories(stack, "primary").values(), *repositories(stack, "replica").values()]:
        rules = policies[f"${{{body['address']}.name}}"]["rules"]
        untagged, tagged = sorted(rules, key=lambda r: r["rulePriority"])
        assert untagged["selection"] == {
            "tagStatus": "untagged",
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": settings.untagged_expiry_days,
        }
        # ECR requires a tag pattern (or prefix) list on a `tagged` rule.
        assert tagged["selection"] == {
            "tagStatus": "tagged",
            "tagPatternList": ["*"],
            "countType": "imageCountMoreThan",
            "countNumber": settings.tagged_images_kept,
        }
        assert {r["action"]["type"] for r in rules} == {"expire"}


@pytest.mark.parametrize(("env", "kept", "days"), [("dev", 20, 1), ("staging", 50, 7), ("prod", 100, 7)])
def test_lifecycle_numbers_per_environment(stacks: dict[str, Stack], env: str, kept: int, days: int) -> None:
    for body in stacks[env].resources("aws_ecr_lifecycle_policy").values():
        counts = sorted((r["rulePriority"], r["selection"]["countNumber"]) for r in json.loads(body["policy"])["rules"])
        assert counts == [(1, days), (2, kept)]


def test_prod_replicates_into_repositories_it_creates_in_the_dr_region(stacks: dict[str, Stack]) -> None:
    prod = stacks["prod"]
    replicas = repositories(prod, "replica")
    assert sorted(replicas) == sorted(SERVICES)
    for service, body in replicas.items():
        assert body["provider"] == "aws.disaster_recovery"
        assert body["name"] == f"f1-analytics-prod/{service}"
        assert body["image_tag_mutability"] == "IMMUTABLE"
        assert body["image_scanning_configuration"] == {"scan_on_push": True}
        # A key of the replica's own region: ECR accepts no other.
        assert body["encryption_configuration"] == [
            {"encryption_type": "KMS", "kms_key": prod.ref("aws_kms_key", "disaster_recovery/key", "arn")}
        ]
    (replication,) = prod.resources("aws_ecr_replication_configuration").values()
    assert "provider" not in replication  # the source region's registry setting
    (rule,) = replication["replication_configuration"]["rule"]
    assert rule["destination"] == [
        {"region": "us-east-1", "registry_id": prod.data_ref("aws_caller_identity", "caller", "account_id")}
    ]
    # The registry's one configuration replicates only this environment's repositories.
    assert rule["repository_filter"] == [{"filter": "f1-analytics-prod/", "filter_type": "PREFIX_MATCH"}]
    # The replicas exist before the first replicated push: ECR would otherwise create its own.
    assert sorted(replication["depends_on"]) == sorted(b["address"] for b in replicas.values())


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_no_image_replication_outside_prod(stacks: dict[str, Stack], env: str) -> None:
    assert not stacks[env].resources("aws_ecr_replication_configuration")
    assert repositories(stacks[env], "replica") == {}


def test_repository_urls_and_arns_are_outputs(stack: Stack, config: EnvironmentConfig) -> None:
    outputs = stack.doc["output"]
    found = repositories(stack, "primary")
    assert outputs["registry_repository_urls"]["value"] == {
        s: f"${{{b['address']}.repository_url}}" for s, b in found.items()
    }
    assert outputs["registry_repository_arns"]["value"] == {s: f"${{{b['address']}.arn}}" for s, b in found.items()}
    replicas = repositories(stack, "replica")
    if config.registry.replicate:
        assert outputs["registry_replica_repository_urls"]["value"] == {
            s: f"${{{b['address']}.repository_url}}" for s, b in replicas.items()
        }
    else:
        assert "registry_replica_repository_urls" not in outputs


def test_repositories_of_throw_away_environments_can_be_destroyed_with_their_images(
    stack: Stack, config: EnvironmentConfig
) -> None:
    for body in stack.resources(REPOSITORY).values():
        assert body["force_delete"] is (not config.production)


def test_no_repository_nor_output_without_services(custom: Stack) -> None:
    assert not [t for t in custom.doc["resource"] if t.startswith("aws_ecr_")]
    assert not [o for o in custom.doc["output"] if o.startswith("registry_")]
