"""The storage section of environment files: what S3 or IAM would refuse at apply is refused first."""

import json
from pathlib import Path
from typing import Any

import pytest

from f1_infra.config import load_environment
from f1_infra.rules.names import bucket_name_problems
from tests.envfiles import Mutation, accepted, problems, set_at, shipped


def lifecycle(bucket: str, **values: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["storage"]["buckets"][bucket]["lifecycle"].update(values)

    return mutate


def steps(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
    return [{"storage_class": c, "days": d} for c, d in pairs]


def in_prod(mutate: Mutation) -> Mutation:
    def apply(data: dict[str, Any]) -> None:
        data.update(shipped("prod"))
        mutate(data)

    return apply


CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "standard-ia at 7 days (the seed)",
        lifecycle("backups", transitions=steps(("STANDARD_IA", 7), ("GLACIER", 37))),
        "/storage/buckets/backups/lifecycle/transitions/0",
        "transition to STANDARD_IA after 7 days; S3 requires at least 30 days for STANDARD_IA",
    ),
    (
        "one zone ia below 30 days",
        lifecycle("logs", transitions=steps(("ONEZONE_IA", 20))),
        "/storage/buckets/logs/lifecycle/transitions/0",
        "S3 requires at least 30 days for ONEZONE_IA",
    ),
    (
        "noncurrent standard-ia below 30 days",
        lifecycle("models", noncurrent_transitions=steps(("STANDARD_IA", 10))),
        "/storage/buckets/models/lifecycle/noncurrent_transitions/0",
        "noncurrent transition to STANDARD_IA after 10 days; S3 requires at least 30 days",
    ),
    (
        "glacier less than 30 days after standard-ia",
        lifecycle("logs", transitions=steps(("STANDARD_IA", 30), ("GLACIER", 45))),
        "/storage/buckets/logs/lifecycle/transitions/1",
        "GLACIER after 45 days leaves objects only 15 days in STANDARD_IA; S3 requires at least 30 days there "
        "(so at least 60)",
    ),
    (
        "the same class twice",
        lifecycle("models", transitions=steps(("STANDARD_IA", 30), ("GLACIER", 90), ("GLACIER", 200))),
        "/storage/buckets/models/lifecycle/transitions/2",
        "GLACIER already appears at transition 1; S3 allows each storage class once per rule",
    ),
    (
        "classes out of order",
        lifecycle("models", transitions=steps(("GLACIER", 90), ("STANDARD_IA", 120))),
        "/storage/buckets/models/lifecycle/transitions/1",
        "STANDARD_IA comes after GLACIER, but S3 moves objects only along STANDARD_IA -> INTELLIGENT_TIERING",
    ),
    (
        "days not increasing",
        lifecycle("models", transitions=steps(("GLACIER_IR", 90), ("GLACIER", 90))),
        "/storage/buckets/models/lifecycle/transitions/1",
        "GLACIER after 90 days is not later than GLACIER_IR after 90 days",
    ),
    (
        "deep archive too soon after glacier",
        lifecycle("models", transitions=steps(("STANDARD_IA", 30), ("GLACIER", 90), ("DEEP_ARCHIVE", 120))),
        "/storage/buckets/models/lifecycle/transitions/2",
        "DEEP_ARCHIVE after 120 days leaves objects only 30 days in GLACIER; keep at least 90 days there "
        "(so at least 180)",
    ),
    (
        "expiration before a transition",
        lifecycle("backups", expiration_days=100),
        "/storage/buckets/backups/lifecycle/expiration_days",
        "100 days is not after the transition to DEEP_ARCHIVE at 150 days; expiration must come after every transition",
    ),
    (
        "noncurrent expiration before a noncurrent transition",
        lifecycle("models", noncurrent_transitions=steps(("STANDARD_IA", 30)), noncurrent_expiration_days=30),
        "/storage/buckets/models/lifecycle/noncurrent_expiration_days",
        "30 days is not after the transition to STANDARD_IA at 30 days",
    ),
    (
        "expiration at day 0",
        lifecycle("logs", expiration_days=0),
        "/storage/buckets/logs/lifecycle/expiration_days",
        "is 0; must be at least 1",
    ),
    (
        "a date instead of days (rule 5: dates are not accepted at all)",
        lifecycle("logs", transitions=[{"storage_class": "GLACIER", "date": "2027-01-01T00:00:00Z"}]),
        "/storage/buckets/logs/lifecycle/transitions/0/date",
        "unknown key 'date'; allowed keys here: days, storage_class",
    ),
    (
        "unknown storage class",
        lifecycle("logs", transitions=steps(("COLD", 30))),
        "/storage/buckets/logs/lifecycle/transitions/0/storage_class",
        'is "COLD"; allowed values: "STANDARD_IA"',
    ),
    (
        "bucket name over 63 characters",
        set_at("storage", "buckets", "models", "name", value="machine-learning-model-artifacts-archive"),
        "/storage/buckets/models/name",
        "bucket name 'f1-analytics-dev-machine-learning-model-artifacts-archive-00000000' has 66 characters; "
        "S3 allows 3 to 63",
    ),
    (
        "upper-case name",
        set_at("storage", "buckets", "models", "name", value="ML-Models"),
        "/storage/buckets/models/name",
        "contains 'LM'; S3 allows only lowercase letters, digits, dots and hyphens",
    ),
    (
        "adjacent dots",
        set_at("storage", "buckets", "logs", "name", value="logs..old"),
        "/storage/buckets/logs/name",
        "contains '..'; S3 refuses adjacent dots",
    ),
    (
        "underscore",
        set_at("storage", "buckets", "logs", "name", value="app_logs"),
        "/storage/buckets/logs/name",
        "contains '_'; S3 allows only lowercase letters",
    ),
    (
        "replica name over 63 characters",
        in_prod(set_at("storage", "buckets", "backups", "name", value="database-backups-and-exports-archive")),
        "/storage/buckets/backups/name",
        "bucket name 'f1-analytics-dev-database-backups-and-exports-archive-dr-00000000' has 65 characters",
    ),
    (
        "force_destroy in production",
        in_prod(set_at("storage", "force_destroy", value=True)),
        "/storage/force_destroy",
        "force_destroy would let a destroy delete every object; it is refused when production is true",
    ),
    (
        "replication without the logs bucket",
        in_prod(set_at("storage", "replication", "buckets", value=["backups"])),
        "/storage/replication/buckets",
        "list 'logs' too: the replicas' server access logs go to the replica of the logs bucket",
    ),
    (
        "alb prefix containing AWSLogs",
        set_at("storage", "alb_log_prefix", value="alb/AWSLogs"),
        "/storage/alb_log_prefix",
        "must not contain 'AWSLogs'; the load balancer appends it itself",
    ),
    (
        "alb prefix with a leading slash",
        set_at("storage", "alb_log_prefix", value="/alb"),
        "/storage/alb_log_prefix",
        "not in the expected form",
    ),
    (
        "object lock retention",
        set_at("storage", "buckets", "backups", "object_lock", value={"retention_days": 0}),
        "/storage/buckets/backups/object_lock/retention_days",
        "is 0; must be at least 1",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_storage_rule_reports_pointer_and_message(
    tmp_path: Path, mutate: Mutation, where: str, message: str
) -> None:
    found = problems(tmp_path, mutate)
    assert any(p == where and message in m for p, m in found), found


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ab", "has 2 characters; S3 allows 3 to 63"),
        ("-logs", "must start and end with a lowercase letter or a digit"),
        ("192.168.1.10", "is shaped like an IP address"),
        ("xn--logs", "starts with 'xn--', a prefix S3 reserves"),
        ("sthree-logs", "starts with 'sthree-'"),
        ("amzn-s3-demo-logs", "starts with 'amzn-s3-demo-'"),
        ("logs-s3alias", "ends with '-s3alias', a suffix S3 reserves"),
        ("logs--ol-s3", "ends with '--ol-s3'"),
        ("logs.mrap", "ends with '.mrap'"),
        ("logs--x-s3", "ends with '--x-s3'"),
    ],
)
def test_s3_naming_rules(name: str, message: str) -> None:
    assert any(message in m for m in bucket_name_problems(name))


def test_valid_names_pass() -> None:
    assert list(bucket_name_problems("f1-analytics-prod-data-backup-dr-0a1b2c3d")) == []


def test_the_longest_environment_names_still_fit(tmp_path: Path) -> None:
    # A 24-character prefix (the most rules/general allows) leaves room for every default name.
    data = shipped("prod")
    data["project"] = "f1-analytics-plat"
    path = tmp_path / "prodeu.json"
    path.write_text(json.dumps(data))
    config = load_environment(path)
    assert len(config.name_prefix) == 24


def test_defaults_follow_the_seed_where_s3_allows_it(tmp_path: Path) -> None:
    data = shipped("dev")
    del data["storage"]
    path = tmp_path / "qa.json"
    path.write_text(json.dumps(data))
    storage = load_environment(path).storage
    assert storage.force_destroy is False
    assert storage.replication is None
    models, backups, logs = (b.lifecycle for _, b in storage.buckets.items())
    assert [(t.storage_class, t.days) for t in models.transitions] == [
        ("STANDARD_IA", 30),
        ("GLACIER", 90),
        ("DEEP_ARCHIVE", 365),
    ]
    assert [(t.storage_class, t.days) for t in backups.transitions] == [
        ("STANDARD_IA", 30),
        ("GLACIER", 60),
        ("DEEP_ARCHIVE", 150),
    ]
    assert backups.expiration_days == 2557
    assert [(t.storage_class, t.days) for t in logs.transitions] == [("STANDARD_IA", 30), ("GLACIER", 60)]
    assert logs.expiration_days == 365
    assert all(lc.abort_incomplete_multipart_days == 7 for lc in (models, backups, logs))
    assert storage.buckets.models.name == "ml-models"
    assert storage.alb_log_prefix == "alb"


def test_intelligent_tiering_takes_the_place_of_standard_ia(tmp_path: Path) -> None:
    """The models bucket with Intelligent-Tiering from day 0 (docs/modules/storage.md) is valid; it
    may not follow the IA class it replaces, as S3 orders INTELLIGENT_TIERING after STANDARD_IA."""
    tiered = steps(("INTELLIGENT_TIERING", 0), ("GLACIER", 90), ("DEEP_ARCHIVE", 365))
    accepted(tmp_path, lifecycle("models", transitions=tiered))
    backwards = steps(("INTELLIGENT_TIERING", 0), ("STANDARD_IA", 30))
    found = problems(tmp_path, lifecycle("models", transitions=backwards))
    assert any("STANDARD_IA comes after INTELLIGENT_TIERING" in m for _, m in found), found
