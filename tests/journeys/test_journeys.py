"""Every journey of tests/journeys/journeys.py works in every environment, and notices when a
resource it depends on is gone; the journeys nobody should be able to make are refused."""

import copy
import json

import pytest

from f1_infra.settings.environment import EnvironmentConfig
from tests.journeys.journeys import ACCOUNT, JOURNEYS, World, _allowed, _denied, _object, _workload, enablers, walk
from tests.journeys.policy import Request, evaluate
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


def _web_identity(role: dict, subject: str) -> bool:
    """Whether a cluster token for `subject` may assume a role, by the role's trust policy."""
    trust = json.loads(role["assume_role_policy"])
    federated = [s for s in trust["Statement"] if "Federated" in s.get("Principal", {})]
    if not federated:
        return False
    (issuer_key,) = [k for k in federated[0]["Condition"]["StringEquals"] if k.endswith(":sub")]
    issuer = issuer_key.removesuffix(":sub")
    request = Request(
        "sts:AssumeRoleWithWebIdentity",
        "*",
        principal={"Federated": federated[0]["Principal"]["Federated"]},
        context={f"{issuer}:sub": subject, f"{issuer}:aud": "sts.amazonaws.com"},
    )
    return evaluate(request, resource_policy=trust, resource_policy_required=True).allowed


def test_an_undeclared_service_account_gets_no_role(world: World) -> None:
    """A pod with a service account nobody declared can assume no role; the api's can assume its own."""
    roles = world.stack.resources("aws_iam_role")
    api = world.stack.resource("aws_iam_role", _workload("api"))
    assert _web_identity(api, "system:serviceaccount:f1-analytics:api")
    for name, role in roles.items():
        assert not _web_identity(role, "system:serviceaccount:f1-analytics:intruder"), name
        assert not _web_identity(role, "system:serviceaccount:default:api"), name


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


def _without_key_publisher(world: World, service: str) -> World:
    """The world with ``service`` taken out of the key policy's publishers."""
    doc = copy.deepcopy(world.stack.doc)
    name = world.stack.address("aws_kms_key", "kms/key").split(".", 1)[1]
    key = doc["resource"]["aws_kms_key"][name]
    document = json.loads(key["policy"])
    for statement in document["Statement"]:
        if statement.get("Sid") == "AlarmAndEventPublishers":
            statement["Principal"]["Service"].remove(service)
    key["policy"] = json.dumps(document)
    return World(stack=Stack(world.stack.name, doc), stacks=world.stacks, config=world.config)


def test_rds_events_need_the_key_to_admit_rds(world: World) -> None:
    """The topic policy alone is not enough: RDS must also be able to use the topic's key."""
    broken = walk(JOURNEYS["rds_events_to_info"], _without_key_publisher(world, "events.rds.amazonaws.com"))
    assert any("events.rds.amazonaws.com: kms:GenerateDataKey" in line for line in broken), broken


def test_findings_need_the_key_to_admit_eventbridge(world: World) -> None:
    broken = walk(JOURNEYS["finding_to_critical"], _without_key_publisher(world, "events.amazonaws.com"))
    assert any("events.amazonaws.com: kms:GenerateDataKey" in line for line in broken), broken
