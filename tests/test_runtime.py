"""`main.py`'s fast path (f1_infra/runtime.py): the same files as a normal synth, a non-zero exit
on any error, no process left behind; and the on-demand provider loading it relies on."""

import importlib
import re
import sys
from pathlib import Path

import pytest

from f1_infra.app import build
from f1_infra.config import load_environment
from f1_infra.runtime import PROVIDER_PACKAGES, jsii_submodule
from tests.processes import MainRun, files


def test_fast_exit_writes_exactly_what_a_normal_synth_writes(main_qa: MainRun, tmp_path: Path) -> None:
    result = main_qa.result()
    assert result.returncode == 0, result.stderr
    build([load_environment(main_qa.envs / "qa.json")], outdir=str(tmp_path)).synth()
    written = main_qa.written()
    assert "stacks/qa/cdk.tf.json" in written
    assert written == files(tmp_path)


def test_an_error_while_synthesizing_exits_non_zero_with_its_traceback(main_unwritable_outdir: MainRun) -> None:
    result = main_unwritable_outdir.result()
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "ENOTDIR" in result.stderr
    assert not main_unwritable_outdir.outdir.exists()


@pytest.mark.parametrize("name", ["main_qa", "main_unwritable_outdir"])
def test_no_process_outlives_main(name: str, request: pytest.FixtureRequest) -> None:
    run: MainRun = request.getfixturevalue(name)
    run.result()
    assert not run.outlived_by_a_process()


def test_only_the_provider_submodules_in_use_are_loaded() -> None:
    aws = [m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.") and m.count(".") == 1]
    assert 10 < len(aws) < 200


@pytest.mark.parametrize("package", PROVIDER_PACKAGES)
def test_every_submodule_has_the_jsii_name_the_loader_registers(package: str) -> None:
    """jsii finds a type's Python module through these names when Node.js hands it an object of a
    type Python has not imported yet."""
    module = importlib.import_module(package)
    assembly = importlib.import_module(f"{package}._jsii").__jsii_assembly__.name
    folder = Path(module.__file__).parent
    submodules = [name for name in module.__all__ if not name.startswith("_")]
    assert submodules
    for name in submodules:
        types = re.findall(r'jsii_type="([^"]+)\.[^."]+"', (folder / name / "__init__.py").read_text())
        assert set(types) == {f"{assembly}.{jsii_submodule(name)}"}, name


def test_binding_stub_hints_are_evaluated_once_and_arguments_still_checked() -> None:
    import typing

    from cdktf_cdktf_provider_aws import s3_bucket

    # The module's own namespace: the published module shows only its public names.
    namespace = s3_bucket.S3Bucket.__init__.__globals__
    stubs = [value for name, value in namespace.items() if name.startswith("_typecheckingstub__")]
    assert stubs
    original = typing.get_type_hints.__wrapped__  # type: ignore[attr-defined]
    for stub in stubs:
        assert typing.get_type_hints(stub) == original(stub)
        assert typing.get_type_hints(stub) is not typing.get_type_hints(stub)
    with pytest.raises(TypeError, match="bucket"):
        s3_bucket.S3BucketConfig(bucket=42)  # type: ignore[arg-type]
