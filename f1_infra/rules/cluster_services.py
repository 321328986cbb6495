"""Rules on the cluster services (envs/*.json `cluster_services`): chart versions the project knows,
and a Cluster Autoscaler built for the cluster's Kubernetes minor version."""

import datetime
from collections.abc import Iterator

from f1_infra.policies import LOAD_BALANCER_CONTROLLER_SOURCES
from f1_infra.problems import pointer
from f1_infra.rules.cluster import version_refused
from f1_infra.settings.environment import EnvironmentConfig

# cluster-autoscaler chart version -> the appVersion it ships (the controller release, and its
# Kubernetes minor version). From the chart repository's index,
# https://kubernetes.github.io/autoscaler/index.yaml (the gh-pages branch of kubernetes/autoscaler),
# as of 2026-07-26; each version's Chart.yaml is at the tag cluster-autoscaler-chart-<version>.
# The autoscaler's versions match Kubernetes minor releases, and it is meant for the control plane of
# its own minor ("We recommend using Cluster Autoscaler with the Kubernetes control plane ... version
# for which it was meant", kubernetes/autoscaler cluster-autoscaler/README.md, "Releases"). Add new
# chart versions here when they are published.
AUTOSCALER_CHARTS_AS_OF = datetime.date(2026, 7, 26)
AUTOSCALER_CHARTS: dict[str, str] = {
    "9.49.0": "1.33.0",
    "9.50.0": "1.33.0",
    "9.50.1": "1.33.0",
    "9.51.0": "1.33.0",
    "9.52.0": "1.34.1",
    "9.52.1": "1.34.1",
    "9.53.0": "1.34.2",
    "9.54.0": "1.35.0",
    "9.54.1": "1.35.0",
    "9.55.0": "1.35.0",
    "9.55.1": "1.35.0",
    "9.56.0": "1.35.0",
    "9.57.0": "1.35.0",
    "9.58.0": "1.35.0",
    "9.59.0": "1.35.0",
}


def minor(version: str) -> str:
    """`1.35` of `1.35.0` or `v1.35.2`."""
    return ".".join(version.lstrip("v").split(".")[:2])


def _charts_for(kubernetes: str) -> list[str]:
    return [chart for chart, app in AUTOSCALER_CHARTS.items() if minor(app) == kubernetes]


def check(config: EnvironmentConfig) -> Iterator[tuple[str, str]]:
    services = config.cluster_services
    controller = services.load_balancer_controller
    if controller.chart_version not in LOAD_BALANCER_CONTROLLER_SOURCES:
        known = ", ".join(LOAD_BALANCER_CONTROLLER_SOURCES)
        yield (
            pointer("cluster_services", "load_balancer_controller", "chart_version"),
            f"{controller.chart_version!r} has no IAM policy in the project (known: {known}); add the controller "
            "release's docs/install/iam_policy.json to f1_infra/policies first",
        )

    if version_refused(config):
        # The cluster's version is reported on its own; an autoscaler cannot be matched to it.
        return
    autoscaler, kubernetes = services.cluster_autoscaler, config.cluster.kubernetes_version
    base = ("cluster_services", "cluster_autoscaler")
    app = AUTOSCALER_CHARTS.get(autoscaler.chart_version)
    if app is None:
        yield (
            pointer(*base, "chart_version"),
            f"{autoscaler.chart_version!r} is not in the project's table of cluster-autoscaler charts (as of "
            f"{AUTOSCALER_CHARTS_AS_OF}); {_suggestion(kubernetes)}, or add the chart with its appVersion to "
            "f1_infra/rules/cluster_services.py",
        )
        return
    if autoscaler.image_tag is not None:
        if minor(autoscaler.image_tag) != kubernetes:
            yield (
                pointer(*base, "image_tag"),
                f"{autoscaler.image_tag!r} is Cluster Autoscaler {minor(autoscaler.image_tag)}, but the cluster runs "
                f"Kubernetes {kubernetes}; use a v{kubernetes}.x tag",
            )
    elif minor(app) != kubernetes:
        yield (
            pointer(*base, "chart_version"),
            f"chart {autoscaler.chart_version} runs Cluster Autoscaler {app}, built for Kubernetes {minor(app)}, "
            f"but the cluster runs Kubernetes {kubernetes}; {_suggestion(kubernetes)}, or set image_tag to a "
            f"v{kubernetes}.x release",
        )


def _suggestion(kubernetes: str) -> str:
    charts = _charts_for(kubernetes)
    if charts:
        return f"for Kubernetes {kubernetes} use chart {charts[-1]}"
    return f"no chart of the table carries Kubernetes {kubernetes}"
