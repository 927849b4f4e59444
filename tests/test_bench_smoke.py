"""The benchmark scripts run end to end at a tiny size (they are not timed tests: the
figures are in docs/benchmarks.md), and the measuring helper they share measures."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from _measure import Usage, measuring, ratio  # noqa: E402


def run(script: str, *arguments: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=os.environ,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_measuring_counts_the_cpu_of_children_and_the_wall_time() -> None:
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    with measuring() as usage:
        subprocess.run([sys.executable, "-c", burn], check=True)
        time.sleep(0.1)
    assert usage.cpu_s >= 0.3  # the child's CPU is counted
    assert usage.wall_s >= usage.cpu_s - 0.05 + 0.1 - 0.05
    assert usage.peak_mb >= usage.baseline_mb > 0


def test_ratio_says_how_far_ahead_ours_is() -> None:
    anchor, ours = Usage(10.0, 8.0, 400.0), Usage(2.0, 4.0, 100.0)
    assert ratio(anchor, ours) == (
        "anchor/ours: wall 5.00x, CPU 2.00x; peak memory ours/anchor 0.25x"
    )


@pytest.mark.skipif(importlib.util.find_spec("lifetimes") is None, reason="lifetimes absent")
def test_btyd_bench_runs_and_scores_the_same_optimum(tmp_path: Path) -> None:
    out = run(
        "btyd.py", "--customers", "3000", "--anchors", "lifetimes",
        "--models", "bgnbd,gammagamma", tmp_path=tmp_path,
    )  # fmt: skip
    assert out.count("anchor/ours: wall") == 2, out
    assert "LL winback - lifetimes +0.00" in out or "LL winback - lifetimes -0.00" in out, out


def test_diagnose_bench_runs_and_the_three_agree(tmp_path: Path) -> None:
    out = run("diagnose.py", "--orders", "3000", "--dir", str(tmp_path), tmp_path=tmp_path)
    assert "All three agree" in out, out
    assert "pandas (Arrow dtypes) vs ours: anchor/ours: wall" in out, out


def test_plan_bench_runs_on_sqlite(tmp_path: Path) -> None:
    out = run("plan.py", "--orders", "300", "--skip-postgres", tmp_path=tmp_path)
    assert "the floor (CPU" in out, out
