"""Infrastructure of the F1 analytics platform, as CDKTF constructs."""

import os

# jsii's own runtime calls APIs that Node 22 reports as deprecated, on every run; the warnings
# are about jsii's code, not this project's, and drown the output users need to read. The cdktf
# CLI sets NODE_OPTIONS for the app itself, so the flag is added to what is there.
_node_options = os.environ.get("NODE_OPTIONS", "").split()
if "--no-deprecation" not in _node_options:
    os.environ["NODE_OPTIONS"] = " ".join([*_node_options, "--no-deprecation"])
