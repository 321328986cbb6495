"""Each environment is synthesized once per test session, the way `cdktf synth` does it.

The processes some tests wait for (checkov, `main.py` runs) start as early as they can and run
on the second core while the in-process tests use the first; the tests waiting for them run last.
The first `main.py` run of a whole-suite run starts before this process imports the provider.
"""

import gc
import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from f1_infra import docs
from f1_infra.config import DEFAULT_ENVS_DIR, PROJECT_ROOT, environment_files, load_environment, load_environments
from f1_infra.runtime import collector_paused, exit_now
from f1_infra.settings.environment import EnvironmentConfig
from tests import options
from tests.processes import Checkov, MainRun, MainRuns, Render
from tests.synth import Stack

if TYPE_CHECKING:
    from cdktf import App

# Every environment file is first-class: a file added to envs/ gets every per-environment test
# (address guard, protection, IAM, checkov, invariants) without a change here.
ENVIRONMENTS = tuple(path.stem for path in environment_files(DEFAULT_ENVS_DIR))

MAIN_RUNS = MainRuns()
CHECKOV = Checkov()
RENDER = Render(PROJECT_ROOT / docs.ARCHITECTURE)
BACKGROUND_FIXTURES = ("checkov_scan", "diagram_render", *MainRuns.NAMES)
# The fixtures the selected tests use, known once collection is done.
USED_FIXTURES: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    """Starts the first `main.py` run when a whole folder of tests runs, then imports the app.

    The run uses the second core while this process imports the provider, so it starts first; one
    run, not both, so that this process keeps a core to itself during the import. The other, and
    the runs of a narrower selection (a file, a test, `-k`), start once collection is done.
    """
    if not config.option.keyword and all(Path(arg.split("::")[0]).is_dir() for arg in config.args):
        MAIN_RUNS.get(MainRuns.NAMES[0]).start()
    # Before any test module imports cdktf or a provider, as main.py does: the provider submodules
    # load on demand, and the objects of the import stay out of every later garbage collection.
    with collector_paused():
        import f1_infra.app  # noqa: F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that wait for a background process run last, when it has most likely finished."""
    waiting = [item for item in items if set(getattr(item, "fixturenames", ())) & set(BACKGROUND_FIXTURES)]
    items[:] = [item for item in items if item not in waiting] + waiting


def pytest_collection_finish(session: pytest.Session) -> None:
    """Starts the `main.py` runs the selected tests use."""
    USED_FIXTURES.update(name for item in session.items for name in getattr(item, "fixturenames", ()))
    for name in MainRuns.NAMES:
        if name in USED_FIXTURES:
            MAIN_RUNS.get(name).start()
        else:
            MAIN_RUNS.stop(name)
    if "diagram_render" in USED_FIXTURES:
        RENDER.start()


# pytest's exit status, known at the end of the session.
EXIT_STATUS: list[int] = []


def pytest_sessionfinish(exitstatus: int) -> None:
    CHECKOV.stop()
    RENDER.stop()
    MAIN_RUNS.close()
    EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure() -> None:
    """The report is written: end the process as main.py does, without freeing the provider
    bindings' objects one by one (f1_infra/runtime.py), with pytest's exit status."""
    if EXIT_STATUS:
        exit_now(EXIT_STATUS[-1])


@pytest.fixture(scope="session")
def diagram_render() -> Render:
    """mermaid-cli drawing docs/architecture.md, started once collection is done."""
    return RENDER


@pytest.fixture(scope="session")
def main_qa() -> MainRun:
    """`main.py` on a folder holding staging's file as qa.json, started as on a laptop."""
    return MAIN_RUNS.get("main_qa")


@pytest.fixture(scope="session")
def main_unwritable_outdir() -> MainRun:
    """`main.py` on valid files, with an output folder that cannot be created."""
    return MAIN_RUNS.get("main_unwritable_outdir")


@pytest.fixture(scope="session")
def configs() -> dict[str, EnvironmentConfig]:
    return {c.name: c for c in load_environments(DEFAULT_ENVS_DIR)}


@pytest.fixture(scope="session")
def app(configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory) -> "App":
    """The app of every shipped environment, synthesized once into its own cdktf.out folder."""
    from f1_infra.app import build

    synthesized = build(list(configs.values()), outdir=str(tmp_path_factory.mktemp("cdktf.out")))
    synthesized.synth()
    # The app lives as long as the session: no later collection needs to walk its objects.
    gc.freeze()
    return synthesized


@pytest.fixture(scope="session")
def synth_dir(app: "App") -> Path:
    """The cdktf.out folder of one synth of every shipped environment."""
    outdir = Path(app.outdir)
    if "checkov_scan" in USED_FIXTURES:
        CHECKOV.start(outdir / "stacks")
    return outdir


@pytest.fixture(scope="session")
def checkov_scan(synth_dir: Path) -> subprocess.CompletedProcess[str]:
    """checkov's run over every stack of `synth_dir` (tests/test_checkov.py reads it)."""
    return CHECKOV.result(synth_dir / "stacks")


@pytest.fixture(scope="session")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """dev's file with the options the shipped files do not use, in an app of its own: a public
    endpoint, operator networks and principals, pinned add-ons, Graviton Spot nodes, no RDS Proxy,
    no operator role, no image repositories."""
    from f1_infra.app import build

    folder = tmp_path_factory.mktemp("custom")
    outdir = folder / "out"
    data = json.loads((DEFAULT_ENVS_DIR / "dev.json").read_text())
    data["cluster"].update(
        allow_extended_support=True,
        public_access_cidrs=["203.0.113.0/24"],
        api_access={"cidrs": ["10.250.0.0/20", "192.168.8.0/24"], "security_group_ids": [options.BASTION]},
        admin_principal_arns=[options.ADMIN],
        namespace_access=[
            {"principal_arn": options.ANALYST, "namespaces": ["f1-analytics"], "level": "view"},
            {"principal_arn": options.DEVELOPER, "namespaces": ["f1-analytics", "ml-training"], "level": "edit"},
        ],
        addon_versions={"coredns": "v1.12.4-eksbuild.1", "metrics_server": "v0.8.0-eksbuild.1"},
    )
    # No operator role: the setting is optional.
    del data["cluster"]["operator_role"]
    data["cluster"]["node_groups"]["ml_workload"]["instance_types"] = ["m6g.large", "m7g.large"]
    data["database"]["proxy"] = {"enabled": False}
    data["workloads"]["service_accounts"]["api"]["database"] = False
    # No registry section: the default lists no repository.
    del data["registry"]
    (folder / "qa.json").write_text(json.dumps(data))
    build([load_environment(folder / "qa.json")], outdir=str(outdir)).synth()
    return Stack("qa", json.loads((outdir / "stacks" / "qa" / "cdk.tf.json").read_text()))


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
