"""verify.js agrees with lottery/draws/ and lottery/verify.py on every vector (under node)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.public import vectors

RUN = Path(__file__).with_name("run_vectors.js")


def test_the_vectors_fixture_is_what_draws_py_and_verify_py_compute():
    # UPDATE_VECTORS=1 rewrites it after a deliberate change; otherwise any drift fails here.
    expected = vectors.dumps(vectors.build())
    if os.environ.get("UPDATE_VECTORS"):
        vectors.FIXTURE.write_text(expected, encoding="utf-8")
    assert vectors.FIXTURE.read_text(encoding="utf-8") == expected


def assert_agrees(fixture: dict, got: dict) -> None:
    """Compare, vector by vector, what verify.js computed with the fixture's values."""
    assert got["leaves"] == [c["leaf"] for c in fixture["leaves"]]
    for case, result in zip(fixture["merkle"], got["merkle"], strict=True):
        assert result["root"] == case["root"]
        assert result["fromPaths"] == [case["root"]] * len(case["leaves"])
    assert got["commitment"] == [c["commitment"] for c in fixture["commitment"]]
    assert got["material"] == [c["material"] for c in fixture["material"]]
    assert got["picks"] == [c["picks"] for c in fixture["picks"]]
    for case, result in zip(fixture["outcomes"], got["outcomes"], strict=True):
        assert result == case["expected"], (case["tie_rule"], case["winners"], case["alternates"])
    for case, checks in zip(fixture["draws"], got["draws"], strict=True):
        assert checks == case["checks"], case["name"]
    assert got["inclusion"] == [c["ok"] for c in fixture["inclusion"]]


def test_verify_js_under_node_agrees_with_every_vector():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    run = subprocess.run([node, str(RUN)], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    fixture = json.loads(vectors.FIXTURE.read_text(encoding="utf-8"))
    assert_agrees(fixture, json.loads(run.stdout))
