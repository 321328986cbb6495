"""Identifier rules shared by RDS and ElastiCache (instances, replication groups, snapshots)."""

import re

_CHARACTERS = re.compile(r"^[A-Za-z0-9-]+$")


def identifier_problem(value: str, maximum: int, what: str) -> str | None:
    """Why AWS would refuse `value` as an identifier, or None: 1 to `maximum` letters, digits and
    hyphens, starting with a letter, with no trailing or doubled hyphen."""
    allowed = (
        f"{what} must have 1 to {maximum} letters, digits or hyphens, start with a letter, "
        "and neither end with a hyphen nor contain two hyphens in a row"
    )
    if not value or len(value) > maximum:
        return f"{what} {value!r} has {len(value)} characters; {allowed}"
    if not _CHARACTERS.match(value) or not value[0].isalpha() or value.endswith("-") or "--" in value:
        return f"{what} {value!r} is not valid; {allowed}"
    return None
