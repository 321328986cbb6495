"""The account an environment lives in, who may use its key, and how the bootstrap stack
reaches each account: refusals with their pointer and message."""

import json
from pathlib import Path

import pytest

from f1_infra.config import load_environments
from f1_infra.problems import ConfigError
from tests.envfiles import accepted, delete, findings, problems, set_at, shipped

SSO_ADMIN = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_PlatformAdmin_*"


def test_a_cloud_environment_without_an_account_is_refused(tmp_path: Path) -> None:
    assert findings(tmp_path, delete("account_id"), "staging") == [
        (
            "/account_id",
            "is required with a cloud backend: the bootstrap stack creates the workspace's roles in that account and "
            "the AWS provider refuses any other one before it changes anything; give the 12 digits of the "
            "environment's account",
        )
    ]


def test_a_cloud_environment_without_a_certificate_is_refused(tmp_path: Path) -> None:
    ((where, message),) = findings(tmp_path, delete("monitoring", "alb", "certificate"), "staging")
    assert where == "/monitoring/alb/certificate"
    assert message.startswith("is needed with a cloud backend: give arn")
    assert "so that the workspace plans with nothing set by hand" in message


def test_an_account_id_has_twelve_digits(tmp_path: Path) -> None:
    ((where, message),) = findings(tmp_path, set_at("account_id", value="1234"), "staging")
    assert where == "/account_id"
    assert "not in the expected form" in message


def test_a_certificate_of_another_account_is_refused(tmp_path: Path) -> None:
    arn = "arn:aws:acm:us-west-2:999988887777:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    mutate = set_at("monitoring", "alb", "certificate", value={"arn": arn})
    assert findings(tmp_path, mutate, "staging") == [
        (
            "/monitoring/alb/certificate/arn",
            "the certificate is in account 999988887777; a load balancer in the environment's account 111122223333 "
            "can only use a certificate of that account",
        )
    ]


def test_a_local_environment_names_who_deploys_it(tmp_path: Path) -> None:
    ((where, message),) = problems(tmp_path, set_at("kms", "key_user_arn_patterns", value=[]))
    assert where == "/kms/key_user_arn_patterns"
    assert message.startswith("is empty, but a local backend is deployed with the credentials of whoever runs")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("arn:aws:iam::*:role/*", "matches every role of the account, so any of them could decrypt the environment's"),
        ("arn:aws:sts::*:assumed-role/Admin/me", "is an STS session ARN"),
        ("arn:aws:iam::999988887777:role/Deployer", "names account 999988887777, but the key admits only principals"),
    ],
)
def test_key_users_of_production_are_named_precisely(tmp_path: Path, pattern: str, message: str) -> None:
    ((where, found),) = findings(tmp_path, set_at("kms", "key_user_arn_patterns", value=[pattern]), "prod")
    assert where == "/kms/key_user_arn_patterns/0"
    assert message in found


def test_a_role_session_of_the_permission_set_may_deploy_dev(tmp_path: Path) -> None:
    accepted(tmp_path, set_at("kms", "key_user_arn_patterns", value=[SSO_ADMIN]))


def write(folder: Path, name: str, account: str, role: str | None, project: str = "f1-analytics") -> None:
    data = shipped("staging")
    data["account_id"] = account
    data["project"] = project
    data["backend"]["workspace"] = f"f1-analytics-{name}"
    # One detector per account and region: these files may share an account.
    data["security"]["guardduty"]["detector"] = "adopt"
    if role is None:
        data["backend"].pop("bootstrap_role", None)
    else:
        data["backend"]["bootstrap_role"] = role
    (folder / f"{name}.json").write_text(json.dumps(data))


def test_the_bootstrap_reaches_one_account_with_its_own_credentials(tmp_path: Path) -> None:
    write(tmp_path, "qa", "111111111111", None)
    write(tmp_path, "uat", "222222222222", None)
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    found = sorted((Path(p.file).name, p.pointer, p.message) for p in caught.value.problems)
    assert [(file, where) for file, where, _ in found] == [
        ("qa.json", "/backend/bootstrap_role"),
        ("uat.json", "/backend/bootstrap_role"),
    ]
    assert found[0][2].startswith("is needed: environments in accounts 111111111111, 222222222222 name no role")


def test_one_account_is_reached_one_way(tmp_path: Path) -> None:
    write(tmp_path, "qa", "111111111111", "OrganizationAccountAccessRole")
    write(tmp_path, "uat", "111111111111", "Bootstrap")
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    ((file, where, message),) = [(Path(p.file).name, p.pointer, p.message) for p in caught.value.problems]
    assert (file, where) == ("uat.json", "/backend/bootstrap_role")
    assert message.startswith("is 'Bootstrap' but ")
    assert message.endswith(
        "with 'OrganizationAccountAccessRole'; the bootstrap stack reaches an account one way, so give both files "
        "the same role"
    )


def test_two_environments_may_share_an_account_reached_one_way(tmp_path: Path) -> None:
    write(tmp_path, "qa", "111111111111", None)
    write(tmp_path, "uat", "111111111111", None)
    write(tmp_path, "perf", "222222222222", "OrganizationAccountAccessRole")
    assert {c.name for c in load_environments(tmp_path)} == {"qa", "uat", "perf"}


def test_every_provider_refuses_any_other_account(stacks: dict, configs: dict) -> None:
    # The environment's, and the aliases of the disaster-recovery region and of the billing metrics.
    for name, config in configs.items():
        expected = [config.account_id] if config.account_id else None
        for stack_name in (name, f"{name}-services"):
            for provider in stacks[stack_name].doc["provider"]["aws"]:
                assert provider.get("allowed_account_ids") == expected, (stack_name, provider.get("alias"))
    for provider in stacks["bootstrap"].doc["provider"]["aws"]:
        if "alias" in provider:
            account = provider["alias"].removeprefix("account_")
            assert provider["allowed_account_ids"] == [account]
            role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            assert provider["assume_role"][0]["role_arn"] == role


def test_an_environment_whose_names_extend_another_ones_in_its_account_is_refused(tmp_path: Path) -> None:
    # Environment names are letters and digits, but a project name may hold a hyphen.
    write(tmp_path, "prod", "111111111111", None)
    write(tmp_path, "eu", "111111111111", None, project="f1-analytics-prod")
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    ((file, where, message),) = [(Path(p.file).name, p.pointer, p.message) for p in caught.value.problems]
    assert (file, where) == ("prod.json", "")
    assert message.startswith("the names of prod (f1-analytics-prod-*) also match those of eu")


def test_in_accounts_of_their_own_such_names_are_fine(tmp_path: Path) -> None:
    write(tmp_path, "prod", "111111111111", None)
    write(tmp_path, "eu", "222222222222", "OrganizationAccountAccessRole", project="f1-analytics-prod")
    assert {c.name for c in load_environments(tmp_path)} == {"prod", "eu"}
