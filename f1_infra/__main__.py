"""`python -m f1_infra validate FILE...`: check environment files without synthesizing.
`python -m f1_infra docs [--check]`: regenerate docs/architecture.md and docs/environments.md.

validate exits 0 when every file is valid, 2 when any is not (each problem on stderr), so it
works as a pre-commit hook. docs --check exits 1 when a generated document is out of date.
"""

import argparse
import sys
from pathlib import Path

from f1_infra.config import ConfigError, environments_dir, load_environments, load_files, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m f1_infra")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate environment files")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    docs = commands.add_parser("docs", help="regenerate the generated documents in docs/")
    docs.add_argument("--check", action="store_true", help="only report out-of-date documents (exit 1)")
    args = parser.parse_args(argv)
    if args.command == "docs":
        return _docs(check=args.check)

    files = [f for f in args.files if f.name != "schema.json"]
    try:
        configs = load_files(files)
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    for config in configs:
        print(f"{config.source}: valid")
    return 0


def _docs(*, check: bool) -> int:
    import json
    import tempfile

    from f1_infra import docs
    from f1_infra.config import PROJECT_ROOT, SCHEMA_FILE

    envs = environments_dir()
    try:
        configs = load_environments(envs)
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    schema = json.loads((envs / SCHEMA_FILE).read_text(encoding="utf-8"))
    if not check:
        for path in docs.write(configs, schema):
            print(f"{path}: regenerated")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        stale = docs.write(configs, schema, root=Path(scratch))
        stale = [p for p in stale if (PROJECT_ROOT / p).read_text(encoding="utf-8") != (Path(scratch) / p).read_text()]
    for path in stale:
        print(f"{path}: out of date; run `make docs`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
