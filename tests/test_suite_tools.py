"""The test suite's own machinery: what `tests/conftest.py` adds to pytest, tested in a child run.

A child pytest runs a throwaway failing test under pytest-xdist with this suite's report hook, as
the everyday loop does (``-n auto``, README Development).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

FAILING = """
def test_quotes_a_lone_surrogate() -> None:
    value = "node \\ud800 of a hostile page"
    assert value == "node of a hostile page"
"""
# The hook under test, and nothing else of the suite's conftest.
CONFTEST = "from tests.conftest import pytest_report_to_serializable  # noqa: F401\n"


def test_a_failure_quoting_a_lone_surrogate_is_reported_under_xdist(tmp_path: Path) -> None:
    (tmp_path / "test_hostile.py").write_text(FAILING, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "1", "-p", "no:cacheprovider", "."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout + run.stderr
    # Without the hook execnet refuses the report and the run ends in an internal error.
    assert "INTERNALERROR" not in out, out[-2000:]
    assert run.returncode == 1 and "1 failed" in out, out[-2000:]
    assert "test_quotes_a_lone_surrogate" in out and "\\ud800" in out
