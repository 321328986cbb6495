#!/usr/bin/env python
"""CDKTF entry point: one stack per environment file in envs/ (or $ENVS_DIR).

When any environment file is invalid, every problem is printed and nothing is synthesized,
for any environment (exit status 2).
"""

import sys

from f1_infra.config import environments_dir, load_environments, report
from f1_infra.problems import ConfigError


def main() -> int:
    try:
        configs = load_environments(environments_dir())
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    # Imported only once the files are valid: loading the AWS provider takes seconds.
    from f1_infra.app import build

    build(configs).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
