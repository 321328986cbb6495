"""Process-level speed-ups for synthesizing: what makes `main.py` faster than an empty cdktf app.

Nothing here changes what is synthesized; docs/performance.md has the measurements.

- Provider packages load their submodules on demand. Each prebuilt provider package's
  `__init__` imports every one of its submodules (2,212 for AWS) though a stack uses a few
  dozen; that import is most of the time an empty cdktf app takes.
- The garbage collector is paused while the bindings import (they create about a million
  objects, which would trigger full collections over and over) and those objects are then frozen,
  so later collections skip them.
- The bindings check every argument's type against a stub function's annotations, which
  `typing.get_type_hints` evaluates afresh on every call; the evaluated hints of those stubs are
  kept instead (a fifth of the time spent building the constructs).
- After a successful synth the process exits without freeing every object one by one.
"""

import atexit
import contextlib
import gc
import importlib.abc
import importlib.machinery
import os
import sys
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

# The prebuilt provider packages this project imports. Their `__init__` is a header (module
# docstring, the type-check helper, the jsii assembly load, `__all__`) and then one
# `from . import <submodule>` line per submodule, which is the part that is skipped.
PROVIDER_PACKAGES = (
    "cdktf_cdktf_provider_aws",
    "cdktf_cdktf_provider_helm",
    "cdktf_cdktf_provider_random",
    "cdktf_cdktf_provider_tfe",
)
_SUBMODULE_IMPORTS = "\nfrom . import "


def jsii_submodule(python_name: str) -> str:
    """The jsii name of a provider submodule: `eks_cluster` is `eksCluster` (tests/test_runtime.py
    checks the rule against every submodule's own type names)."""
    first, *rest = python_name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


class _HeaderOnlyLoader(importlib.machinery.SourceFileLoader):
    """Runs a provider package's `__init__` up to its submodule imports.

    The code is compiled from source each time and never cached: the shortened code must not
    end up in `__pycache__`, where a normal import of the package would pick it up.
    """

    def get_code(self, fullname: str):
        source = self.get_data(self.path).decode("utf-8")
        header, separator, _ = source.partition(_SUBMODULE_IMPORTS)
        self.shortened = bool(separator)
        # A package built for on-demand loading (CDK Terrain's) has no such imports: run it as is.
        return compile(header if self.shortened else source, self.path, "exec", dont_inherit=True)

    def exec_module(self, module: ModuleType) -> None:
        super().exec_module(module)
        if not self.shortened:
            return
        # jsii imports the module of a type it meets before Python did (an object created on the
        # Node.js side) when it knows where the type lives; packages built for on-demand loading
        # ship this table, the prebuilt ones do not.
        from jsii import _reference_map

        assembly = module.__jsii_assembly__.name
        submodules = [name for name in module.__all__ if not name.startswith("_")]
        _reference_map._submodule_fqn_map.update(
            {f"{assembly}.{jsii_submodule(name)}": f"{module.__name__}.{name}" for name in submodules}
        )


class _ProviderFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None):
        if fullname not in PROVIDER_PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.origin is not None:
            spec.loader = _HeaderOnlyLoader(fullname, spec.origin)
        return spec


def use_project_node(project_root: Path) -> None:
    """jsii runs the Node.js that package.json pins (node_modules/.bin/node, installed by the
    set-up), also when `main.py` or pytest is started directly with the system's, older Node.js
    first on PATH. A JSII_NODE set by the caller wins."""
    node = project_root / "node_modules" / ".bin" / "node"
    if node.is_file():
        os.environ.setdefault("JSII_NODE", str(node))


def load_providers_on_demand() -> None:
    """From now on, importing `cdktf_cdktf_provider_aws.vpc` loads that submodule, not all of them."""
    if not any(isinstance(finder, _ProviderFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ProviderFinder())


# The prefix jsii gives the functions whose annotations describe a method's parameters.
_TYPE_CHECKING_STUB = "_typecheckingstub__"


def keep_type_hints_of_binding_stubs() -> None:
    """`typing.get_type_hints` of a binding's type-checking stub is evaluated once per stub.

    The stubs are module-level functions that are never changed, so their hints never change;
    every other call goes to `typing.get_type_hints` unchanged. The arguments are still checked.
    """
    evaluate = typing.get_type_hints
    if getattr(evaluate, "keeps_stub_hints", False):
        return
    kept: dict[object, dict[str, object]] = {}

    def get_type_hints(obj: object, globalns=None, localns=None, include_extras: bool = False) -> dict[str, object]:
        plain = globalns is None and localns is None and not include_extras
        if plain and getattr(obj, "__name__", "").startswith(_TYPE_CHECKING_STUB):
            hints = kept.get(obj)
            if hints is None:
                hints = kept[obj] = evaluate(obj)
            # A copy: a caller may change what it is given.
            return dict(hints)
        return evaluate(obj, globalns, localns, include_extras)

    get_type_hints.keeps_stub_hints = True  # type: ignore[attr-defined]
    get_type_hints.__wrapped__ = evaluate  # type: ignore[attr-defined]
    typing.get_type_hints = get_type_hints  # type: ignore[assignment]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside the block; what it allocated is frozen afterwards (never
    collected: module-level objects live as long as the process anyway)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def exit_now(status: int = 0) -> None:
    """Ends the process at once, once everything it wrote is out.

    The exit handlers run first: the jsii kernel's handler stops the Node.js process and waits
    for it, so no Node.js process outlives this one. Only the interpreter's teardown is skipped
    (freeing about a million objects of the provider bindings, which takes seconds).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
