"""Each environment is synthesized once per test session, the way `cdktf synth` does it."""

import json

import pytest

from f1_infra.config import DEFAULT_ENVS_DIR, EnvironmentConfig, load_environments
from tests.synth import Stack

ENVIRONMENTS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def configs() -> dict[str, EnvironmentConfig]:
    return {c.name: c for c in load_environments(DEFAULT_ENVS_DIR)}


@pytest.fixture(scope="session")
def stacks(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Stack]:
    from f1_infra.app import build

    outdir = tmp_path_factory.mktemp("cdktf.out")
    build(list(configs.values()), outdir=str(outdir)).synth()
    # Every synthesized stack: the environments, and the bootstrap stack when one is synthesized.
    return {p.parent.name: Stack(p.parent.name, json.loads(p.read_text())) for p in outdir.glob("stacks/*/cdk.tf.json")}


@pytest.fixture(params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def stack(stacks: dict[str, Stack], env: str) -> Stack:
    return stacks[env]


@pytest.fixture
def config(configs: dict[str, EnvironmentConfig], env: str) -> EnvironmentConfig:
    return configs[env]
