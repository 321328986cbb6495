"""A fifth environment file is first-class: copied from a shipped one with its own name, network
and state, it loads next to the shipped files and its stack holds every whole-stack property."""

import json
import shutil
from pathlib import Path

import pytest

from f1_infra.app import new_app
from f1_infra.config import DEFAULT_ENVS_DIR, environment_files, load_environments
from f1_infra.problems import ConfigError
from f1_infra.stack import PlatformStack
from tests.invariants import dangling_references, literal_secrets, unattached_security_groups
from tests.synth import Stack

NEW = "perf"


@pytest.fixture(scope="module")
def new_stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    envs = tmp_path_factory.mktemp("envs")
    for path in environment_files(DEFAULT_ENVS_DIR):
        shutil.copy(path, envs / path.name)
    data = json.loads((DEFAULT_ENVS_DIR / "prod.json").read_text())
    data["network"]["vpc_cidr"] = "10.9.0.0/16"
    data["backend"]["workspace"] = f"f1-analytics-{NEW}"
    # prod's account may be this one too: one GuardDuty detector per account and region.
    data["security"]["guardduty"]["detector"] = "adopt"
    (envs / f"{NEW}.json").write_text(json.dumps(data))
    configs = load_environments(envs)
    assert NEW in [c.name for c in configs]
    outdir = tmp_path_factory.mktemp("out")
    # The stack alone: the bootstrap stack's workspace per cloud file is tested in test_bootstrap.py.
    app = new_app(str(outdir))
    PlatformStack(app, NEW, config=next(c for c in configs if c.name == NEW))
    app.synth()
    return Stack(NEW, json.loads((outdir / "stacks" / NEW / "cdk.tf.json").read_text()))


def test_the_new_environment_holds_the_whole_stack_properties(new_stack: Stack) -> None:
    assert dangling_references(new_stack) == []
    assert literal_secrets(new_stack) == []
    assert unattached_security_groups(new_stack) == []


def test_the_new_environment_is_named_and_protected_by_its_own_file(new_stack: Stack) -> None:
    (vpc,) = new_stack.resources("aws_vpc").values()
    assert vpc["cidr_block"] == "10.9.0.0/16"
    for provider in new_stack.doc["provider"]["aws"]:
        assert provider["default_tags"][0]["tags"]["Environment"] == NEW
    # Copied from prod, it is production too: protection follows the file, not the name.
    (database,) = [d for d in new_stack.resources("aws_db_instance").values() if "replicate_source_db" not in d]
    assert database["deletion_protection"] is True
    assert database["lifecycle"] == {"prevent_destroy": True}


def test_state_location_must_differ_from_the_shipped_files(tmp_path: Path) -> None:
    for path in environment_files(DEFAULT_ENVS_DIR):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(DEFAULT_ENVS_DIR / "staging.json", tmp_path / f"{NEW}.json")
    with pytest.raises(ConfigError, match="is also the state of") as caught:
        load_environments(tmp_path)
    named = {Path(p.file).name for p in caught.value.problems}
    assert named == {"staging.json", f"{NEW}.json"}
