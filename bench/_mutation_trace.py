"""pytest plugin of bench/mutation.py: which tests execute which lines of the mutated modules.

Loaded with `-p _mutation_trace` (bench/ on PYTHONPATH) and MUTATION_TRACE_FILES (the modules'
absolute paths, os.pathsep-separated) and MUTATION_TRACE_OUT (a JSON file) in the
environment. A line executed during a test's setup, call or teardown counts for that test;
lines executed outside any test (at import, at collection) are recorded under "" so the
runner knows which lines only run when the module is imported.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import pytest

_files = set(filter(None, os.environ.get("MUTATION_TRACE_FILES", "").split(os.pathsep)))
_hits: dict[str, dict[str, set[int]]] = {}  # test id ("" outside tests) -> file -> lines
_durations: dict[str, float] = {}
_current = [""]


def _local(frame, event, arg):
    if event == "line":
        _hits.setdefault(_current[0], {}).setdefault(frame.f_code.co_filename, set()).add(
            frame.f_lineno
        )
    return _local


def _global(frame, event, arg):
    if frame.f_code.co_filename in _files:
        return _local(frame, event, arg)
    return None


sys.settrace(_global)
threading.settrace(_global)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _current[0] = item.nodeid
    start = time.perf_counter()
    yield
    _durations[item.nodeid] = time.perf_counter() - start
    _current[0] = ""


def pytest_sessionfinish(session, exitstatus):
    sys.settrace(None)
    out = {
        "durations": _durations,
        "hits": {
            test: {name: sorted(lines) for name, lines in files.items()}
            for test, files in _hits.items()
        },
    }
    with open(os.environ["MUTATION_TRACE_OUT"], "w") as handle:
        json.dump(out, handle)
