"""Generated documents stay current: `make docs` rewrites them from the stacks and env files."""

import json
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

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
    assert "## Cluster services stacks" in text
    controller = "`aws-load-balancer-controller`"
    assert f"| staging-services | {controller} | `kube-system` | {controller} | `3.5.0` |" in text


def test_environment_table_follows_the_files(configs: dict[str, EnvironmentConfig]) -> None:
    ordered = [configs[n] for n in ("dev", "staging", "prod")]
    text = docs.environments(ordered, SCHEMA)
    assert "| setting | dev | staging | prod | default |" in text
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


def test_one_table_per_section_and_each_description_once(configs: dict[str, EnvironmentConfig]) -> None:
    text = docs.environments([configs[n] for n in ("dev", "staging", "prod")], SCHEMA)
    sections = [key for key, value in json.loads(Path(configs["prod"].source).read_text()).items() if key != "$schema"]
    mappings = [key for key in sections if isinstance(getattr(configs["prod"], key), BaseModel | Mapping)]
    for section in mappings:
        assert text.count(f"\n## `{section}`\n") == 1, section
    assert text.count("| setting | dev | staging | prod | default |") == len(mappings) + 1
    assert text.count("Kubernetes labels on every node of the group") == 1
    assert "- `cluster.node_groups.<name>.min_size`: Fewest nodes" in text
    assert max(len(line) for line in text.splitlines() if not line.startswith("|")) <= 600


def test_computed_values_show_their_derivation(stacks: dict[str, Stack], configs: dict[str, EnvironmentConfig]) -> None:
    ordered = [configs[n] for n in ("dev", "staging", "prod")]
    text = docs.environments(ordered, SCHEMA)
    assert (
        "| `database.alarms.connections` | `1441` = 80 % of LEAST(16 GiB / 9531392, 5000) = 80 % of 1802 "
        "| `2883` = 80 % of LEAST(32 GiB / 9531392, 5000) = 80 % of 3604 "
        "| `4000` = 80 % of LEAST(64 GiB / 9531392, 5000) = 80 % of 5000 | — |"
    ) in text
    assert "| `database.alarms.freeable_memory_mb` | `1638` = 10 % of 16384 MiB (db.r5.large) |" in text
    assert (
        "| `network.subnets.public` | `10.0.128.0/24`, `10.0.129.0/24`, `10.0.130.0/24` = computed from vpc_cidr |"
        in text
    )
    # The documented numbers are the ones the stacks alarm on.
    for config in ordered:
        alarms = stacks[config.name].doc["resource"]["aws_cloudwatch_metric_alarm"].values()
        thresholds = {
            a["metric_name"]: a["threshold"]
            for a in alarms
            if a["//"]["metadata"]["path"].endswith(("/database/connections_alarm", "/database/freeable_memory_alarm"))
        }
        assert thresholds["DatabaseConnections"] == config.database.connections_threshold
        assert f"`{config.database.connections_threshold}` = 80 % of LEAST(" in text
        assert thresholds["FreeableMemory"] == config.database.freeable_memory_threshold_mb * 2**20
