"""Each environment is synthesized once per test session, the way `cdktf synth` does it."""

import json
from pathlib import Path

import pytest

from f1_infra.config import DEFAULT_ENVS_DIR, EnvironmentConfig, load_environments
from f1_infra.runtime import collector_paused
from tests.processes import MainRun, MainRuns
from tests.synth import Stack

# Before any test module imports cdktf or a provider, as main.py does: the provider submodules
# load on demand, and the import's million objects stay out of every later collection.
with collector_paused():
    from f1_infra.app import build

ENVIRONMENTS = ("dev", "staging", "prod")

MAIN_RUNS = MainRuns()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Starts the `main.py` runs the selected tests use, so they run while the others do."""
    used = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    for name in MainRuns.NAMES:
        if name in used:
            MAIN_RUNS.get(name).start()


def pytest_sessionfinish() -> None:
    MAIN_RUNS.close()


@pytest.fixture(scope="session")
def main_qa() -> MainRun:
    """`main.py` on a folder holding dev's file as qa.json."""
    return MAIN_RUNS.get("main_qa")


@pytest.fixture(scope="session")
def main_unwritable_outdir() -> MainRun:
    """`main.py` on valid files, with an output folder that cannot be created."""
    return MAIN_RUNS.get("main_unwritable_outdir")


@pytest.fixture(scope="session")
def configs() -> dict[str, EnvironmentConfig]:
    return {c.name: c for c in load_environments(DEFAULT_ENVS_DIR)}


@pytest.fixture(scope="session")
def synth_dir(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cdktf.out folder of one synth of every shipped environment."""
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
