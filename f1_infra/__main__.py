"""`python -m f1_infra validate FILE...`: check environment files without synthesizing.
`python -m f1_infra docs [--check]`: regenerate docs/architecture.md and docs/environments.md.
`python -m f1_infra cloud-environments`: the environments kept in Terraform Cloud, as a JSON list
(the matrix of the pull-request workflow's `cdktf diff` job).
`python -m f1_infra preflight ENV`: read-only checks of the AWS account (and Terraform Cloud
workspace) before the environment's first apply; see f1_infra/preflight.py.

validate exits 0 when every file is valid, 2 when any is not (each problem on stderr), so it
works as a pre-commit hook; warnings go to stderr too, prefixed "warning: ", and do not fail it.
docs --check exits 1 when a generated document is out of date. preflight exits 0 when every
check passes, 1 when any fails, 2 on an invalid file or without usable AWS credentials.
"""

import argparse
import json
import sys
from pathlib import Path

from f1_infra.config import environments_dir, load_environments, load_files, report, report_warnings, warnings
from f1_infra.problems import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m f1_infra")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate environment files")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    docs = commands.add_parser("docs", help="regenerate the generated documents in docs/")
    docs.add_argument("--check", action="store_true", help="only report out-of-date documents (exit 1)")
    commands.add_parser("cloud-environments", help="print the Terraform Cloud environments as a JSON list")
    preflight = commands.add_parser("preflight", help="check the AWS account before an environment's first apply")
    preflight.add_argument("environment", metavar="ENV")
    args = parser.parse_args(argv)
    if args.command == "preflight":
        return _preflight(args.environment)
    if args.command == "docs":
        return _docs(check=args.check)
    if args.command == "cloud-environments":
        return _cloud_environments()

    files = [f for f in args.files if f.name != "schema.json"]
    try:
        configs = load_files(files)
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    report_warnings(warnings(configs), sys.stderr)
    for config in configs:
        print(f"{config.source}: valid")
    return 0


def _preflight(name: str) -> int:
    # Only this environment's file: a problem in another file does not stop checking this one.
    try:
        (config,) = load_files([environments_dir() / f"{name}.json"])
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    # Imported here: validate and docs, which pre-commit runs, need no boto3.
    from f1_infra import preflight

    return preflight.command(config)


def _cloud_environments() -> int:
    try:
        configs = load_environments(environments_dir())
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    print(json.dumps([c.name for c in configs if c.backend.type == "cloud"]))
    return 0


def _docs(*, check: bool) -> int:
    import tempfile

    from f1_infra import docs
    from f1_infra.config import PROJECT_ROOT, environment_schema

    try:
        configs = load_environments(environments_dir())
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    schema = environment_schema()
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
