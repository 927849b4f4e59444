"""How long the read commands take on the demo store, as a ratio to a bare Python start.

    make demo                       # builds demo/ (exports and demo/winback.db)
    .venv/bin/python bench/cli.py [--runs 5] [--dir demo] [--as-of 2026-12-07]

Each command runs ``--runs`` times in a fresh process (what a person waits for); the table
shows, per command, the median wall time and the median CPU time (user + system of the
process and its children, from ``getrusage(RUSAGE_CHILDREN)`` around each run), each also as
a multiple of ``python -c "import click"`` measured the same way on the same machine, so runs
on different machines compare. On a shared machine the wall time includes waiting for a core;
the CPU time of a single-threaded command is what its wall time would be on an idle machine.
A command whose CPU time exceeds its wall time ran on several threads at once (DuckDB and
Arrow may): the ``threads`` column says so. The machine's load average (``os.getloadavg``)
is printed before and after. Not a timed test: read it, do not assert on it.

Each command first runs once untimed, with ``PYTHONDONTWRITEBYTECODE`` removed from its
environment, so that Python's byte-code caches exist (as they do after ``pip install``) and
the files are in the page cache: a shell that sets ``PYTHONDONTWRITEBYTECODE`` would
otherwise time the compiling of every winback module on every run.

Every command must exit 0; the bench stops with the command's error otherwise (a fast
failure is not a fast command).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

COMMANDS: list[list[str]] = [
    ["--version"],
    ["--help"],
    ["status"],
    ["diagnose"],
    ["report", "--html", "bench-report.html"],
    ["dispatch", "--dry-run"],
    ["tasks"],
    ["actions"],
    ["customers"],
    ["customers", "top"],
    ["report", "recovery"],
    ["report", "nps"],
    ["coupons", "list"],
    ["webhooks"],
]


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    parallel: bool


def timing(argv: list[str], cwd: Path, runs: int, env: dict[str, str]) -> Timing:
    walls: list[float] = []
    cpus: list[float] = []
    parallel = False
    subprocess.run(argv, cwd=cwd, capture_output=True, check=False, env=env)  # warm-up
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, capture_output=True, check=False, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            sys.exit(f"{' '.join(argv)} exited {result.returncode}:\n{result.stderr.decode()}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        walls.append(wall)
        cpus.append(cpu)
        # More CPU than wall time: at least two threads ran at the same moment.
        parallel = parallel or cpu > wall * 1.05
    return Timing(statistics.median(walls), statistics.median(cpus), parallel)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("demo"))
    parser.add_argument("--as-of", help="WINBACK_AS_OF for every command (default: now)")
    args = parser.parse_args()
    folder = args.dir.resolve()
    if not (folder / "winback.db").exists():
        sys.exit(f"{folder / 'winback.db'} is missing: run `make demo` first")
    env = os.environ.copy()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.as_of:
        env["WINBACK_AS_OF"] = args.as_of
    winback = str(Path(sys.executable).with_name("winback"))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    base = timing([sys.executable, "-c", "import click"], folder, args.runs, env)
    print(
        f"baseline python -c 'import click': wall {base.wall:.3f} s, CPU {base.cpu:.3f} s "
        f"(median of {args.runs})\n"
    )
    print("| command | wall s | × baseline | CPU s | × baseline | threads |")
    print("|---|---:|---:|---:|---:|---|")
    for command in COMMANDS:
        t = timing([winback, *command], folder, args.runs, env)
        print(
            f"| `winback {' '.join(command)}` | {t.wall:.2f} | {t.wall / base.wall:.1f} "
            f"| {t.cpu:.2f} | {t.cpu / base.cpu:.1f} | {'several' if t.parallel else 'one'} |",
            flush=True,
        )
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
