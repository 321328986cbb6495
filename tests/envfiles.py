"""Building invalid environment files in tests: mutations of the shipped files, and the
problems the loader reports for them."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from f1_infra.config import DEFAULT_ENVS_DIR, load_environment
from f1_infra.problems import ConfigError

Mutation = Callable[[dict[str, Any]], None]


def shipped(name: str = "dev") -> dict[str, Any]:
    return json.loads((DEFAULT_ENVS_DIR / f"{name}.json").read_text())


def for_the_cloud(data: dict[str, Any], backend: dict[str, Any]) -> dict[str, Any]:
    """`data` with a cloud `backend` and what a cloud backend requires besides (its account and the
    load balancer's certificate), taken from the shipped staging file."""
    staging = shipped("staging")
    monitoring = {**data["monitoring"], "alb": {**data["monitoring"].get("alb", {})}}
    monitoring["alb"]["certificate"] = staging["monitoring"]["alb"]["certificate"]
    return {**data, "backend": backend, "account_id": staging["account_id"], "monitoring": monitoring}


def findings(
    tmp_path: Path, mutate: Mutation, env: str = "dev", *, file_name: str | None = None
) -> list[tuple[str, str]]:
    """(pointer, message) of every problem of the shipped `env` file after `mutate`, saved as
    `<file_name or env>.json`."""
    data = shipped(env)
    mutate(data)
    path = tmp_path / f"{file_name or env}.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    assert all(p.file == str(path) for p in caught.value.problems)
    return [(p.pointer, p.message) for p in caught.value.problems]


def accepted(tmp_path: Path, mutate: Mutation, env: str = "dev") -> None:
    """Loads the shipped `env` file after `mutate`, failing the test with its problems if any."""
    data = shipped(env)
    mutate(data)
    path = tmp_path / f"{env}.json"
    path.write_text(json.dumps(data))
    load_environment(path)


def problems(tmp_path: Path, mutate: Mutation, name: str = "dev") -> list[tuple[str, str]]:
    """The problems of the shipped dev file after `mutate`, saved as `<name>.json`."""
    return findings(tmp_path, mutate, "dev", file_name=name)


def set_at(*keys: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value

    return mutate


def delete(*keys: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return mutate


def combine(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


def on_kubernetes(version: str) -> Mutation:
    """The cluster on another Kubernetes minor, with the newest Cluster Autoscaler chart built for it
    (f1_infra/rules/cluster_services.py): what an upgrade of a file changes together."""
    from f1_infra.rules.cluster_services import AUTOSCALER_CHARTS, minor

    charts = [chart for chart, app in AUTOSCALER_CHARTS.items() if minor(app) == version]
    return combine(
        set_at("cluster", "kubernetes_version", value=version),
        set_at("cluster_services", "cluster_autoscaler", "chart_version", value=charts[-1]),
    )
