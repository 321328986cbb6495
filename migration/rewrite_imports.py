#!/usr/bin/env python3
"""Step 3 of the CDK Terrain migration (docs/decisions.md): cdktf's module names become
CDK Terrain's in every Python file below the given folders.

    python migration/rewrite_imports.py f1_infra tests main.py bench

`cdktf` becomes `cdktn`, `cdktf_cdktf_provider_<name>` becomes `cdktn_provider_<name>`, in
imports and in strings naming a module. The tfe provider keeps its name: CDK Terrain has no
build of it (docs/decisions.md, "The bootstrap stack"). Nothing else changes: resource
classes, arguments and construct ids are the same in both, and so is every value written into
the stacks (the `ManagedBy: cdktf` tag included: the rewrite leaves words that are not module
names alone). Prints each file it changed; exit status 0.
"""

import re
import sys
from pathlib import Path

# Providers CDK Terrain publishes a build of (PyPI: cdktn-provider-<name>).
PROVIDERS = ("aws", "helm", "random")
_PROVIDER = re.compile(r"\bcdktf_cdktf_provider_(" + "|".join(PROVIDERS) + r")\b")
# `cdktf` as a module: after `from`/`import`, or before `.<name>` in a dotted module path.
_CORE = re.compile(r"(?<=\bfrom )cdktf\b(?![._-]?out\b|\.json\b)|(?<=\bimport )cdktf\b(?=\s*$|\s*,|\s+as\b)", re.M)


def rewrite(source: str) -> str:
    return _CORE.sub("cdktn", _PROVIDER.sub(r"cdktn_provider_\1", source))


def python_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    for file in python_files([Path(arg) for arg in argv]):
        before = file.read_text(encoding="utf-8")
        after = rewrite(before)
        if after != before:
            file.write_text(after, encoding="utf-8")
            print(f"{file}: rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
