"""State backends: chosen per environment file, validated like every other setting."""

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack

from f1_infra.config import DEFAULT_ENVS_DIR, load_environment, load_environments
from f1_infra.problems import ConfigError
from f1_infra.stack import state_backend
from tests.envfiles import Mutation, for_the_cloud, problems, set_at, shipped
from tests.synth import Stack

S3 = {"type": "s3", "bucket": "f1-analytics-terraform-state", "key": "f1-analytics/qa.tfstate", "region": "us-east-1"}


def test_dev_keeps_local_state_and_needs_no_login(stacks: dict[str, Stack]) -> None:
    terraform = stacks["dev"].doc["terraform"]
    assert "cloud" not in terraform
    assert terraform["backend"] == {"local": {"path": "../../../terraform-state/dev.tfstate"}}


# prod's project is its own: team access granted on staging's project does not reach it.
@pytest.mark.parametrize(("env", "project"), [("staging", "f1-analytics"), ("prod", "f1-analytics-prod")])
def test_staging_and_prod_run_in_their_terraform_cloud_workspace(
    stacks: dict[str, Stack], env: str, project: str
) -> None:
    terraform = stacks[env].doc["terraform"]
    assert "backend" not in terraform
    assert terraform["cloud"] == {
        "hostname": "app.terraform.io",
        "organization": "f1-analytics",
        "workspaces": {"name": f"f1-analytics-{env}", "project": project},
    }


def test_an_environment_switched_to_s3_gets_an_encrypted_locked_s3_backend(tmp_path: Path) -> None:
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "qa.json").write_text(json.dumps({**shipped("dev"), "backend": S3}))
    (config,) = load_environments(envs)
    assert config.backend.use_lockfile is True  # the schema's default

    app = App(outdir=str(tmp_path / "out"))
    state_backend(TerraformStack(app, "qa"), "qa", config.backend)
    app.synth()
    terraform = json.loads((tmp_path / "out" / "stacks" / "qa" / "cdk.tf.json").read_text())["terraform"]
    assert terraform["backend"] == {
        "s3": {
            "bucket": "f1-analytics-terraform-state",
            "key": "f1-analytics/qa.tfstate",
            "region": "us-east-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


def test_backend_defaults_to_local(tmp_path: Path) -> None:
    data = shipped("dev")
    del data["backend"]
    path = tmp_path / "qa.json"
    path.write_text(json.dumps(data))
    assert load_environment(path).backend.type == "local"


def cloud(**changes: Any) -> Mutation:
    backend = {"type": "cloud", "organization": "f1-analytics", "workspace": "f1-analytics-qa", **changes}

    def mutate(data: dict[str, Any]) -> None:
        cloudy = for_the_cloud(data, {k: v for k, v in backend.items() if v is not None})
        data.clear()
        data.update(cloudy)

    return mutate


def s3(**changes: Any) -> Mutation:
    return set_at("backend", value={k: v for k, v in {**S3, **changes}.items() if v is not None})


CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "unknown kind",
        set_at("backend", value={"type": "gcs"}),
        "/backend/type",
        'is "gcs"; allowed values: "local", "cloud", "s3"',
    ),
    ("kind missing", set_at("backend", value={}), "/backend/type", "required setting is missing. Kind of state"),
    (
        "key of another kind",
        cloud(bucket="state"),
        "/backend/bucket",
        "unknown key 'bucket'; allowed keys here: agent, bootstrap_role, hostname, notifications, organization, "
        "project, terraform_version, type, workspace",
    ),
    ("local has no keys", set_at("backend", value={"type": "local", "path": "x"}), "/backend/path", "unknown key"),
    (
        "cloud without organization",
        cloud(organization=None),
        "/backend/organization",
        "required setting is missing. Terraform Cloud organization",
    ),
    ("cloud without workspace", cloud(workspace=None), "/backend/workspace", "required setting is missing"),
    (
        "workspace characters",
        cloud(workspace="f1 analytics/qa"),
        "/backend/workspace",
        "not in the expected form (^[A-Za-z0-9_-]+$). Workspace name",
    ),
    ("workspace length", cloud(workspace="w" * 91), "/backend/workspace", "has 91 characters; must have at most 90"),
    ("organization characters", cloud(organization="f1.analytics"), "/backend/organization", "not in the expected"),
    ("project length", cloud(project="p" * 41), "/backend/project", "has 41 characters; must have at most 40"),
    ("terraform version", cloud(terraform_version="latest"), "/backend/terraform_version", "not in the expected"),
    (
        "terraform without write-only arguments",
        cloud(terraform_version="1.10.5"),
        "/backend/terraform_version",
        "is 1.10.5; the stacks need Terraform 1.11.0 or later",
    ),
    ("hostname", cloud(hostname="https://app.terraform.io"), "/backend/hostname", "not in the expected form"),
    ("s3 without bucket", s3(bucket=None), "/backend/bucket", "required setting is missing. Name of the existing"),
    ("s3 without region", s3(region=None), "/backend/region", "required setting is missing"),
    ("s3 key slash", s3(key="/f1/qa.tfstate"), "/backend/key", "must not start or end with /"),
    ("s3 lock off", s3(use_lockfile=False), "/backend/use_lockfile", "is false; the only allowed value is true"),
    ("bucket uppercase", s3(bucket="F1-State"), "/backend/bucket", "not in the expected form"),
    ("bucket dots", s3(bucket="f1..state"), "/backend/bucket", "state bucket 'f1..state' contains '..'"),
    ("bucket ip", s3(bucket="192.168.10.12"), "/backend/bucket", "is shaped like an IP address"),
    ("bucket reserved", s3(bucket="state-s3alias"), "/backend/bucket", "ends with '-s3alias', a suffix S3 reserves"),
    ("bucket demo", s3(bucket="amzn-s3-demo-state"), "/backend/bucket", "starts with 'amzn-s3-demo-'"),
]


@pytest.mark.parametrize(("mutate", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_backend_rule_reports_pointer_and_message(
    tmp_path: Path, mutate: Mutation, where: str, message: str
) -> None:
    found = problems(tmp_path, mutate)
    assert any(p == where and message in m for p, m in found), found


def test_errors_of_one_kind_do_not_leak_into_another(tmp_path: Path) -> None:
    # Only the branch of the chosen kind speaks: a cloud backend is not told about S3 keys.
    found = problems(tmp_path, cloud(workspace=None))
    assert found == [("/backend/workspace", found[0][1])]


@pytest.mark.parametrize(
    ("backend", "field"),
    [
        ({"type": "cloud", "organization": "f1-analytics", "workspace": "shared"}, "/backend/workspace"),
        (S3, "/backend/key"),
    ],
)
def test_two_environments_cannot_share_one_state(tmp_path: Path, backend: dict[str, Any], field: str) -> None:
    for name in ("qa", "uat"):
        (tmp_path / f"{name}.json").write_text(json.dumps(for_the_cloud(shipped("dev"), backend)))
    with pytest.raises(ConfigError) as caught:
        load_environments(tmp_path)
    found = sorted((Path(p.file).name, p.pointer, p.message) for p in caught.value.problems)
    # Both files are named: either may be the one whose backend should change.
    assert [(file, where) for file, where, _ in found] == [("qa.json", field), ("uat.json", field)]
    suffix = "; every environment needs its own state"
    assert found[0][2].endswith(f"is also the state of {tmp_path / 'uat.json'}{suffix}")
    assert found[1][2].endswith(f"is also the state of {tmp_path / 'qa.json'}{suffix}")


def test_shipped_files_keep_separate_state() -> None:
    backends = {c.name: c.backend for c in load_environments(DEFAULT_ENVS_DIR)}
    assert backends["dev"].type == "local"
    assert {backends[e].workspace for e in ("staging", "prod")} == {"f1-analytics-staging", "f1-analytics-prod"}
