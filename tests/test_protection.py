"""Nothing lost: what holds data cannot be destroyed by a mistaken plan in production.

Checked by resource type over whole stacks, so a module added later is held to the same rules.
"""

from typing import Any

from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack

DATA_BUCKETS = ("ml-models", "data-backup")


def prevent_destroy(body: dict[str, Any]) -> bool:
    return body.get("lifecycle", {}).get("prevent_destroy", False)


def test_production_is_the_protected_environment(configs: dict[str, EnvironmentConfig]) -> None:
    assert [name for name, c in configs.items() if c.production] == ["prod"]


def test_keys_survive_a_mistaken_destroy(stack: Stack, config: EnvironmentConfig) -> None:
    keys = stack.resources("aws_kms_key")
    assert keys
    for name, key in keys.items():
        assert prevent_destroy(key) is config.production, name
        if config.production:
            assert key["deletion_window_in_days"] == 30, name


def test_databases_keep_a_final_snapshot_and_refuse_deletion(stack: Stack, config: EnvironmentConfig) -> None:
    instances = stack.resources("aws_db_instance")
    primaries = {n: b for n, b in instances.items() if "replicate_source_db" not in b}
    assert len(primaries) == 1
    for name, db in primaries.items():
        assert db["deletion_protection"] is config.database.deletion_protection, name
        assert prevent_destroy(db) is config.production, name
        assert db["skip_final_snapshot"] is False, name
        assert db["final_snapshot_identifier"], name
        assert db["copy_tags_to_snapshot"] is True, name
        assert db["backup_retention_period"] == config.database.backup_retention_days, name
        # What validate refuses in production (rules/production.py), held here too.
        if config.production:
            assert db["backup_retention_period"] >= 7, name
    if config.production:
        assert config.database.deletion_protection


def test_cache_keeps_a_final_snapshot_and_refuses_deletion(stack: Stack, config: EnvironmentConfig) -> None:
    (group,) = stack.resources("aws_elasticache_replication_group").values()
    assert prevent_destroy(group) is config.production
    assert group["snapshot_retention_limit"] == config.cache.snapshot_retention_days
    if config.production:
        assert group["snapshot_retention_limit"] >= 1
        assert group["final_snapshot_identifier"]


def test_data_buckets_survive_and_are_never_emptied_by_terraform(stack: Stack, config: EnvironmentConfig) -> None:
    buckets = stack.resources("aws_s3_bucket")
    data = {n: b for n, b in buckets.items() if any(kind in b["bucket"] for kind in DATA_BUCKETS)}
    # models and backups, plus their disaster-recovery copies where replication is on
    assert len(data) >= 2
    for name, bucket in data.items():
        assert prevent_destroy(bucket) is config.production, name
    for name, bucket in buckets.items():
        if config.production:
            assert bucket.get("force_destroy", False) is False, name


def test_versioning_keeps_overwritten_objects(stack: Stack) -> None:
    versioned = {v["bucket"] for v in stack.resources("aws_s3_bucket_versioning").values()}
    for name, bucket in stack.resources("aws_s3_bucket").items():
        if any(kind in bucket["bucket"] for kind in DATA_BUCKETS):
            assert f"${{aws_s3_bucket.{name}.id}}" in versioned or f"${{aws_s3_bucket.{name}.bucket}}" in versioned


def test_secrets_can_be_recovered_after_deletion(stack: Stack, config: EnvironmentConfig) -> None:
    windows = {
        "cache/auth_secret": config.cache.auth_secret_recovery_days,
        "database/master_secret": config.database.master_secret_recovery_days,
    }
    assert stack.count("aws_secretsmanager_secret") == len(windows)
    for path, days in windows.items():
        window = stack.resource("aws_secretsmanager_secret", path).get("recovery_window_in_days", 30)
        assert window == days, path
        if config.production:
            assert window >= 7, path


def test_cluster_deletion_protection_follows_the_file(stack: Stack, config: EnvironmentConfig) -> None:
    (cluster,) = stack.resources("aws_eks_cluster").values()
    assert cluster["deletion_protection"] is config.cluster.deletion_protection
    if config.production:
        assert cluster["deletion_protection"] is True


def test_image_repositories_survive_and_keep_their_images(stack: Stack, config: EnvironmentConfig) -> None:
    repositories = stack.resources("aws_ecr_repository")
    assert repositories
    for name, repository in repositories.items():
        assert prevent_destroy(repository) is config.production, name
        if config.production:
            assert repository["force_delete"] is False, name
