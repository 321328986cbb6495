"""Generated documents stay current: `make docs` rewrites them from the stacks and env files."""

import json
from pathlib import Path

from f1_infra import docs
from f1_infra.config import PROJECT_ROOT, environment_schema
from f1_infra.settings.environment import EnvironmentConfig
from tests.synth import Stack

SCHEMA = environment_schema()


def rendered(stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig]) -> dict[str, str]:
    return docs.render({name: s.doc for name, s in stacks.items()}, list(configs.values()), SCHEMA)


def test_generated_documents_are_current(stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig]) -> None:
    for path, text in rendered(stacks, configs).items():
        on_disk = PROJECT_ROOT / path
        assert on_disk.is_file(), f"{path} is missing; run `make docs`"
        assert on_disk.read_text() == text, f"{path} is out of date; run `make docs`"


def test_architecture_shows_modules_and_references(
    stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig]
) -> None:
    text = rendered(stacks, configs)[docs.ARCHITECTURE]
    assert "```mermaid\nflowchart LR" in text
    assert "m_network -->|aws_kms_key| m_kms" in text
    assert "| network | `aws_nat_gateway` | 1 | 3 | 3 |" in text
    assert "## Bootstrap stack" in text


def test_environment_table_follows_the_files(configs: dict[str, EnvironmentConfig]) -> None:
    ordered = [configs[n] for n in ("dev", "staging", "prod")]
    text = docs.environments(ordered, SCHEMA)
    assert "| setting | dev | staging | prod | default | meaning |" in text
    assert "| `network.nat_gateways` | `single` | `one_per_az` | `one_per_az` | `one_per_az` |" in text
    assert "| `backend.workspace` | — | `f1-analytics-staging` | `f1-analytics-prod` | required for cloud |" in text

    changed = ordered[0].model_copy(update={"kms": ordered[0].kms.model_copy(update={"deletion_window_days": 14})})
    assert "| `kms.deletion_window_days` | `14` | `30` | `30` |" in docs.environments([changed, *ordered[1:]], SCHEMA)


def test_every_setting_of_every_file_is_a_row(configs: dict[str, EnvironmentConfig]) -> None:
    text = docs.environments(list(configs.values()), SCHEMA)
    for config in configs.values():
        data = json.loads(Path(config.source).read_text())
        for key, value in data.items():
            if key == "$schema":
                continue
            leaves = value.keys() if isinstance(value, dict) else [None]
            for leaf in leaves:
                setting = key if leaf is None else f"{key}.{leaf}"
                assert f"| `{setting}" in text, setting
