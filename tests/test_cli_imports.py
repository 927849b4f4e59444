"""`winback --help` and `--version` import none of the heavy libraries (issue 10, point 8)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("scipy", "sklearn", "jieba", "duckdb", "pyarrow", "numpy", "pandas", "alembic")
PROBE = """
import sys
from winback.cli import cli
try:
    cli.main(args={args!r}, prog_name="winback")
except SystemExit:
    pass
print("heavy:" + ",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["diagnose", "--help"]])
def test_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    probe = PROBE.format(args=args, heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "heavy:"


def test_pyarrow_asked_without_pandas_still_converts_and_hands_pandas_over_on_request() -> None:
    """`winback` answers pyarrow's "is pandas installed?" with no (0.25 s saved per command);
    lists still convert, and an explicit ``to_pandas`` still finds pandas when installed."""
    probe = """
import sys
from winback.cli.base import pyarrow_without_pandas
pyarrow_without_pandas()
import pyarrow as pa
values = pa.array([1, None, 3]).to_pylist()
print("before:" + str("pandas" in sys.modules) + ":" + str(values))
try:
    import pandas  # noqa: F401
except ImportError:
    print("no pandas installed")
else:
    print("to_pandas:" + str(pa.table({"a": [1, 2]}).to_pandas()["a"].tolist()))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "before:False:[1, None, 3]"
    assert lines[1] in ("no pandas installed", "to_pandas:[1, 2]")
