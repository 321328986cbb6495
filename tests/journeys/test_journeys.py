"""Every journey of tests/journeys/journeys.py works in every environment, and notices when a
resource it depends on is gone; the journeys nobody should be able to make are refused."""

import copy
import json

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.journeys.journeys import ACCOUNT, JOURNEYS, World, _allowed, _denied, _object, _workload, enablers, walk
from tests.synth import Stack


@pytest.fixture
def world(stack: Stack, stacks: dict[str, Stack], config: EnvironmentConfig) -> World:
    return World(stack=stack, stacks=stacks, config=config)


@pytest.mark.parametrize("journey", JOURNEYS)
def test_the_journey_works(world: World, journey: str) -> None:
    assert walk(JOURNEYS[journey], world) == []


def test_each_journey_breaks_without_a_resource_it_depends_on(world: World) -> None:
    """Remove one enabling resource at a time: the journey that needs it reports a broken link."""
    needed = list(enablers(world))
    assert {journey for journey, *_ in needed} >= set(JOURNEYS) - {"service_account_roles"}
    for journey, type_, path, stack in needed:
        assert walk(JOURNEYS[journey], world.without(type_, path, stack)), f"{journey} works without {path}"


def test_a_second_role_on_a_service_account_breaks_the_one_role_journey(world: World) -> None:
    doc = copy.deepcopy(world.stack.doc)
    roles = doc["resource"]["aws_iam_role"]
    name = world.stack.address("aws_iam_role", _workload("api")).split(".", 1)[1]
    roles["intruder"] = {**roles[name], "name": "intruder"}
    twice = World(stack=Stack(world.stack.name, doc), stacks=world.stacks, config=world.config)
    assert any("both trust" in line for line in walk(JOURNEYS["service_account_roles"], twice))


def test_an_undeclared_service_account_is_trusted_by_no_role(world: World) -> None:
    for role in world.stack.resources("aws_iam_role").values():
        text = role["assume_role_policy"]
        assert "f1-analytics:intruder" not in text
        for statement in json.loads(text)["Statement"]:
            if "Federated" in statement.get("Principal", {}):
                assert "StringEquals" in statement["Condition"], "a wildcard trust would admit any service account"


def test_the_api_cannot_write_models_or_read_backups(world: World) -> None:
    api = _workload("api")
    assert _object(world, api, "s3:GetObject", "models", "models/2026/model.bin") == []
    assert _object(world, api, "s3:PutObject", "models", "models/2026/model.bin")
    assert _object(world, api, "s3:GetObject", "backups", "ingestion/2026-12-01/laps.parquet")


def test_ingestion_writes_only_its_prefix_and_namespace(world: World) -> None:
    ingestion = _workload("ingestion")
    assert _object(world, ingestion, "s3:PutObject", "backups", "ingestion/x.parquet") == []
    assert _object(world, ingestion, "s3:PutObject", "backups", "database/x.dump")
    assert _object(world, ingestion, "s3:DeleteObject", "backups", "ingestion/x.parquet")
    other = {"cloudwatch:namespace": "AWS/EC2"}
    assert _denied(world, ingestion, "cloudwatch:PutMetricData", "*", context=other) == []


def test_only_the_api_connects_to_the_database_and_only_as_its_user(world: World) -> None:
    if not world.config.workloads.service_accounts["api"].database:
        pytest.skip("this environment's api has no database grant (no proxy)")
    proxy = world.stack.address("aws_db_proxy", "database/proxy")
    local = next(k for k, v in world.stack.doc["locals"].items() if proxy in v)
    base = f"arn:{world.config.partition}:rds-db:{world.config.region}:{ACCOUNT}:dbuser:${{local.{local}}}"
    assert _denied(world, _workload("api"), "rds-db:connect", f"{base}/someone_else") == []
    for name, account_settings in world.config.workloads.service_accounts.items():
        if not account_settings.database:
            user = world.stack.resource("aws_db_instance", "database/instance")["username"]
            assert _denied(world, _workload(name), "rds-db:connect", f"{base}/{user}") == []


def test_training_cannot_read_the_cache_token(world: World) -> None:
    secret = world.stack.ref("aws_secretsmanager_secret", "cache/auth_secret", "arn")
    assert _allowed(world, _workload("ml-training"), "secretsmanager:GetSecretValue", secret)
