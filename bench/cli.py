"""How long the read commands take on the demo store, as a ratio to a bare Python start.

    make demo                       # builds demo/ (exports and demo/winback.db)
    .venv/bin/python bench/cli.py [--runs 5] [--dir demo]

Each command runs ``--runs`` times in a fresh process (what a person waits for); the table
shows the median seconds and the median as a multiple of ``python -c "import click"`` on the
same machine, so runs on different machines compare. Not a timed test: read it, do not
assert on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS: list[list[str]] = [
    ["--version"],
    ["--help"],
    ["status"],
    ["diagnose"],
    ["dispatch", "--dry-run"],
    ["tasks"],
    ["actions"],
    ["customers"],
    ["report", "recovery"],
]


def seconds(argv: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, capture_output=True, check=False, env=os.environ.copy())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("demo"))
    args = parser.parse_args()
    folder = args.dir.resolve()
    if not (folder / "winback.db").exists():
        sys.exit(f"{folder / 'winback.db'} is missing: run `make demo` first")
    winback = str(Path(sys.executable).with_name("winback"))
    base = seconds([sys.executable, "-c", "import click"], folder, args.runs)
    print(f"baseline python -c 'import click': {base:.2f} s (median of {args.runs})\n")
    print("| command | median s | × baseline |")
    print("|---|---:|---:|")
    for command in COMMANDS:
        median = seconds([winback, *command], folder, args.runs)
        print(f"| `winback {' '.join(command)}` | {median:.2f} | {median / base:.1f} |")


if __name__ == "__main__":
    main()
