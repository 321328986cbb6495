"""Each environment is synthesized once per test session, the way `cdktf synth` does it."""

import json
from pathlib import Path

import pytest

from f1_infra.config import DEFAULT_ENVS_DIR, load_environments
from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack

ENVIRONMENTS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def configs() -> dict[str, EnvironmentConfig]:
    return {c.name: c for c in load_environments(DEFAULT_ENVS_DIR)}


@pytest.fixture(scope="session")
def synth_dir(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cdktf.out folder of one synth of every shipped environment."""
    from f1_infra.app import build

    outdir = tmp_path_factory.mktemp("cdktf.out")
    build(list(configs.values()), outdir=str(outdir)).synth()
    return outdir


@pytest.fixture(scope="session")
def stacks(synth_dir: Path) -> dict[str, Stack]:
    """Every synthesized stack: the environments, and the bootstrap stack when one is synthesized."""
    return {
        p.parent.name: Stack(p.parent.name, json.loads(p.read_text())) for p in synth_dir.glob("stacks/*/cdk.tf.json")
    }


@pytest.fixture(params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def stack(stacks: dict[str, Stack], env: str) -> Stack:
    return stacks[env]


@pytest.fixture
def config(configs: dict[str, EnvironmentConfig], env: str) -> EnvironmentConfig:
    return configs[env]
