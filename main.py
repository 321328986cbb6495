#!/usr/bin/env python
"""CDKTF entry point: one stack per environment file in envs/ (or $ENVS_DIR).

When any environment file is invalid, every problem is printed and nothing is synthesized,
for any environment (exit status 2). Warnings are printed to stderr and synthesis goes on.
Any error while synthesizing ends with its traceback and exit status 1, as for any Python program.
"""

import sys

from f1_infra.config import environments_dir, load_environments, report, report_warnings, warnings
from f1_infra.problems import ConfigError
from f1_infra.runtime import collector_paused, exit_now


def main() -> int:
    try:
        configs = load_environments(environments_dir())
    except ConfigError as exc:
        report(exc, sys.stderr)
        return 2
    report_warnings(warnings(configs), sys.stderr)
    # Imported only once the files are valid: loading the AWS provider takes seconds.
    with collector_paused():
        from f1_infra.app import build

    build(configs).synth()
    return 0


if __name__ == "__main__":
    status = main()
    if status == 0:
        # Every stack is written; skip the interpreter's teardown (docs/performance.md).
        exit_now(status)
    sys.exit(status)
