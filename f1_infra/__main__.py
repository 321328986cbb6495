"""`python -m f1_infra validate FILE...`: check environment files without synthesizing.

Exit status 0 when every file is valid, 2 when any is not (each problem on stderr), so it
works as a pre-commit hook.
"""

import argparse
import sys
from pathlib import Path

from f1_infra.config import ConfigError, load_files, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m f1_infra")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate environment files")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)

    files = [f for f in args.files if f.name != "schema.json"]
    try:
        configs = load_files(files)
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    for config in configs:
        print(f"{config.source}: valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
