"""`winback --help` and `--version` import none of the heavy libraries (issue 10, point 8)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("scipy", "sklearn", "jieba", "duckdb", "pyarrow", "numpy")
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
