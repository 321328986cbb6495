"""The CDK Terrain migration's pieces (migration/): the import rewrite and the stack comparison.
`make migration-check` runs the migration itself, with CDK Terrain installed."""

import copy
import re
import subprocess

from f1_infra.config import PROJECT_ROOT
from migration.rewrite_imports import rewrite
from migration.terrain import REWRITTEN, compare
from tests.synth import Stack


def test_rewrite_renames_modules_only() -> None:
    source = (
        "from cdktf import App, TerraformStack\n"
        "import cdktf\n"
        "from cdktf_cdktf_provider_aws.vpc import Vpc\n"
        "from cdktf_cdktf_provider_random.password import Password\n"
        "from cdktf_cdktf_provider_helm.release import Release\n"
        "from cdktf_cdktf_provider_tfe.workspace import Workspace\n"
        'PACKAGES = ("cdktf_cdktf_provider_aws",)\n'
        'TAGS = {"ManagedBy": "cdktf"}  # written to cdktf.out by `cdktf synth`\n'
    )
    assert rewrite(source) == (
        "from cdktn import App, TerraformStack\n"
        "import cdktn\n"
        "from cdktn_provider_aws.vpc import Vpc\n"
        "from cdktn_provider_random.password import Password\n"
        "from cdktn_provider_helm.release import Release\n"
        "from cdktf_cdktf_provider_tfe.workspace import Workspace\n"
        'PACKAGES = ("cdktn_provider_aws",)\n'
        'TAGS = {"ManagedBy": "cdktf"}  # written to cdktf.out by `cdktf synth`\n'
    )


def test_rewrite_leaves_no_cdktf_import_but_the_tfe_provider() -> None:
    listed = subprocess.run(["git", "ls-files", *REWRITTEN], cwd=PROJECT_ROOT, capture_output=True, text=True)
    files = [PROJECT_ROOT / name for name in listed.stdout.split() if name.endswith(".py")]
    assert files
    left = {
        f"{file.relative_to(PROJECT_ROOT)}: {line.strip()}"
        for file in files
        for line in rewrite(file.read_text()).splitlines()
        if re.match(r"\s*(from|import) cdktf(\b|_cdktf_provider_(?!tfe))", line)
    }
    assert left == set()


def cdktn_like(stack: Stack) -> dict:
    """What CDK Terrain writes for the same stack (the differences measured in docs/decisions.md)."""
    document = copy.deepcopy(stack.doc)
    document["//"]["metadata"]["version"] = "0.24.0"
    providers = document["terraform"]["required_providers"]
    providers["aws"] = {**providers["aws"], "source": "hashicorp/aws", "version": "6.69.1"}
    return document


def test_comparison_lists_what_differs_by_construction_and_nothing_else(stacks: dict[str, Stack]) -> None:
    expected, semantic = compare(stacks["dev"].doc, cdktn_like(stacks["dev"]))
    assert semantic == []
    assert [line.split(":")[0] for line in expected] == ["framework version", "provider source", "provider pin"]
    assert expected[0] == "framework version: /~1~1/metadata/version: '0.21.0' -> '0.24.0'"


def test_comparison_fails_on_any_other_difference(stacks: dict[str, Stack]) -> None:
    changed = cdktn_like(stacks["dev"])
    vpc = next(iter(changed["resource"]["aws_vpc"].values()))
    vpc["enable_dns_hostnames"] = not vpc["enable_dns_hostnames"]
    del changed["output"][next(iter(changed["output"]))]
    _, semantic = compare(stacks["dev"].doc, changed)
    assert len(semantic) == 2
    assert any("/enable_dns_hostnames: " in line for line in semantic)
    assert any(line.startswith("/output/") and line.endswith("-> '<absent>'") for line in semantic)
