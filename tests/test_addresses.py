"""Address guard: every Terraform resource address, per environment stack and per cluster services
stack, against a reviewed list.

A construct id is part of a resource's Terraform address. Renaming or moving a construct
gives its resource a new address, and `terraform apply` then destroys the old resource and
creates a new one: for a database, a bucket or a key, that is data loss. So an address that
appears or disappears fails the suite until someone has looked at it and run `make addresses`.
"""

import os
from pathlib import Path

import pytest

from f1_infra.settings.backend import SERVICES_SUFFIX
from tests.conftest import ENVIRONMENTS
from tests.synth import Stack

LISTS = Path(__file__).parent / "addresses"
UPDATE = os.environ.get("UPDATE_ADDRESSES") == "1"
# A renamed Helm release is uninstalled and installed again: the services stacks are guarded too.
GUARDED = (*ENVIRONMENTS, *(f"{name}{SERVICES_SUFFIX}" for name in ENVIRONMENTS))


def addresses(stack: Stack) -> list[str]:
    """`<type>.<name> <construct path>` for every resource and data source, sorted."""
    lines = []
    for block, prefix in (("resource", ""), ("data", "data.")):
        for type_, items in stack.doc.get(block, {}).items():
            for name, body in items.items():
                # cdktf's cross-stack remote state lookups carry no construct metadata.
                metadata = body.get("//", {}).get("metadata")
                path = metadata["path"].split("/", 1)[1] if metadata else "(cross-stack reference)"
                lines.append(f"{prefix}{type_}.{name} {path}")
    return sorted(lines)


@pytest.mark.parametrize("name", GUARDED)
def test_addresses_match_the_reviewed_list(stacks: dict[str, Stack], name: str) -> None:
    stack = stacks[name]
    current = addresses(stack)
    reviewed_file = LISTS / f"{stack.name}.txt"
    if UPDATE:
        LISTS.mkdir(exist_ok=True)
        reviewed_file.write_text("\n".join(current) + "\n")
        pytest.skip(f"rewrote {reviewed_file}")
    reviewed = reviewed_file.read_text().splitlines() if reviewed_file.exists() else []
    gone = sorted(set(reviewed) - set(current))
    new = sorted(set(current) - set(reviewed))
    if gone or new:
        pytest.fail(
            f"Terraform addresses of the {stack.name} stack changed.\n"
            + "".join(f"  - {line}   (would be DESTROYED)\n" for line in gone)
            + "".join(f"  + {line}   (would be created)\n" for line in new)
            + "A renamed or moved construct id gives a resource a new address: terraform destroys the old "
            "resource and creates a new one, which loses the data of a database, cache, bucket or key.\n"
            "If the change is intended: for a rename, keep the resource with `terraform state mv <old> <new>` "
            "(or a moved block) before applying; then review and run `make addresses` to accept the new list.",
            pytrace=False,
        )
