"""Infrastructure of the F1 analytics platform, as CDKTF constructs."""

import os

# jsii's own runtime calls APIs that Node 22 reports as deprecated, on every run; the warnings
# are about jsii's code, not this project's, and drown the output users need to read.
os.environ.setdefault("NODE_OPTIONS", "--no-deprecation")
