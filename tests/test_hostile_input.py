"""Hostile input: mutated environment files either synthesize a sound stack or fail cleanly.

"Cleanly" is what `make synth` shows a user: only ConfigError escapes the loader (anything
else would be a traceback), and each problem reads `<file>: <JSON pointer>: <message>`.
"""

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from cdktf import App
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from f1_infra.config import DEFAULT_ENVS_DIR, load_environment
from f1_infra.problems import ConfigError
from f1_infra.stack import PlatformStack
from tests.conftest import ENVIRONMENTS
from tests.invariants import dangling_references, literal_secrets
from tests.synth import Stack

# Derandomized: the same files every run. About one in nine is accepted and synthesizes a whole
# environment (most of this test's time), so the count is what the suite's 30-second budget allows.
EXAMPLES = 40
POINTER = re.compile(r"^(/([^~/]|~[01])*)*$")
ODD_STRINGS = [
    "",
    " ",
    "é",
    "x" * 300,
    "${aws_vpc.other.id}",
    "../../etc/passwd",
    "0.0.0.0/0",
    "null",
    "\u0000",
    "🏎️",
    "-1",
    "1e309",
    "us-west-2a",
    "10.0.0.0/8",
]
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=20),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, Any]:
    env = draw(st.sampled_from(ENVIRONMENTS))
    doc: Any = json.loads((DEFAULT_ENVS_DIR / f"{env}.json").read_text())
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        operation = draw(st.sampled_from(["drop", "replace", "scale", "duplicate"]))
        current = parent[path[-1]]
        if operation == "drop":
            del parent[path[-1]]
        elif operation == "scale" and isinstance(current, int | float) and not isinstance(current, bool):
            parent[path[-1]] = current * draw(st.sampled_from([-1, 0, 1000, 10**12]))
        elif operation == "duplicate" and isinstance(current, list) and current:
            current.append(current[0])
        else:
            parent[path[-1]] = draw(ANY_VALUE)
    return env, doc


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=mutated_files())
def test_mutated_files_synthesize_soundly_or_fail_cleanly(case: tuple[str, Any]) -> None:
    env, doc = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"{env}.json")
        path.write_text(json.dumps(doc))
        try:
            config = load_environment(path)
        except ConfigError as error:
            problems = error.problems
        else:
            problems = ()
        for problem in problems:
            assert problem.file == str(path)
            assert POINTER.match(problem.pointer), problem
            assert problem.message.strip(), problem
            assert "\n" not in str(problem)
            assert str(problem).startswith(f"{path}: /")
        event("refused with problems" if problems else "synthesized")
        if problems:
            return
        outdir = Path(folder, "out")
        # The environment's own stack: a mutated file says nothing new about the bootstrap stack.
        # What is checked here is the JSON; cdktf's own validations (which start `terraform
        # version` wherever terraform is installed) are tests/test_app.py's, on the shipped files.
        app = App(outdir=str(outdir), skip_validation=True)
        PlatformStack(app, env, config=config)
        app.synth()
        stack = Stack(env, json.loads(Path(outdir, "stacks", env, "cdk.tf.json").read_text()))
        assert dangling_references(stack) == []
        assert literal_secrets(stack) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"region": "us-west-2", "region": "eu-west-1"}', "key 'region' appears twice in one object"),
        ("", "not valid JSON: Expecting value at line 1, column 1"),
        ('{"region": "us-west-2",}', "not valid JSON"),
        ("\u00ff\u00fe", "not valid JSON"),
    ],
)
def test_pathological_documents(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "dev.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    assert any(message in p.message for p in caught.value.problems), caught.value.problems


def test_a_repeated_key_is_located_by_its_object_and_line(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text('{\n  "network": {\n    "vpc_cidr": "10.0.0.0/16",\n    "vpc_cidr": "10.1.0.0/16"\n  }\n}\n')
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    assert (
        "/network",
        "key 'vpc_cidr' appears twice in one object (again at line 4); JSON would silently keep only the last",
    ) in {(p.pointer, p.message) for p in caught.value.problems}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_numbers_json_cannot_hold_are_refused_where_they_stand(tmp_path: Path, literal: str) -> None:
    # Python's json reads NaN and Infinity, and 1e400 as infinity; none is a number AWS accepts.
    shipped = (DEFAULT_ENVS_DIR / "dev.json").read_text()
    assert '"monthly_limit_usd": 800' in shipped
    path = tmp_path / "dev.json"
    path.write_text(shipped.replace('"monthly_limit_usd": 800', f'"monthly_limit_usd": {literal}'))
    with pytest.raises(ConfigError) as caught:
        load_environment(path)
    found = {(p.pointer, p.message) for p in caught.value.problems}
    assert ("", f"{literal} is not a finite number; JSON numbers here must be finite") in found, found
    assert ("/monitoring/budget/monthly_limit_usd", "is null; expected number") in found, found


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_bytes(b"\xef\xbb\xbf" + (DEFAULT_ENVS_DIR / "dev.json").read_bytes())
    assert load_environment(path).region == "us-west-2"
