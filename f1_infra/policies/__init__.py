"""IAM policies published by the projects whose software the platform runs, kept verbatim.

Each JSON file here is a byte-for-byte copy of the upstream file at a release tag; `SOURCES` names
the tag, the URL and the file's SHA-256 (tests/test_load_balancer_controller.py checks the bytes).
To take a new release: download the file of the new tag next to the old one, add its line to
`SOURCES`, point the chart version at it, and run the tests. The policies are read once, when this
module is imported, so that constructs receive them as plain values and read no file themselves.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PublishedPolicy:
    """An upstream IAM policy: which release it belongs to and where it comes from."""

    app_version: str
    url: str
    sha256: str
    file: str

    @property
    def path(self) -> Path:
        return HERE / self.file


# aws-load-balancer-controller chart version -> the controller release's docs/install/iam_policy.json.
# The chart's appVersion is the controller's tag (aws/eks-charts, stable/aws-load-balancer-controller/Chart.yaml).
LOAD_BALANCER_CONTROLLER_SOURCES: dict[str, PublishedPolicy] = {
    "3.5.0": PublishedPolicy(
        app_version="v3.5.0",
        url="https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/v3.5.0/docs/install/iam_policy.json",
        sha256="16f232c9d9f79366fe949c4550ad517a202380058a9e48d45a4e215044a20a6a",
        file="aws-load-balancer-controller-v3.5.0.json",
    ),
}

# The policy documents themselves, by chart version, as published (partition `aws`).
LOAD_BALANCER_CONTROLLER_POLICIES: MappingProxyType[str, dict[str, Any]] = MappingProxyType(
    {chart: json.loads(source.path.read_text()) for chart, source in LOAD_BALANCER_CONTROLLER_SOURCES.items()}
)


def in_partition(document: dict[str, Any], partition: str) -> str:
    """A published policy as a JSON string for another partition. The upstream variants for aws-cn
    and aws-us-gov differ from the aws one only in the partition of their ARNs."""
    return json.dumps(document).replace('"arn:aws:', f'"arn:{partition}:')
