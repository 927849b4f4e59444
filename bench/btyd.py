"""Benchmark winback's BTYD fitters against lifetimes on simulated customers.

    .venv/bin/python bench/btyd.py                     # 1,000,000 customers
    .venv/bin/python bench/btyd.py --customers 100000
    .venv/bin/python bench/btyd.py --quick             # 20,000 customers, a smoke test

Customers are drawn (seeded) from BG/NBD with the CDNOW estimates, first purchases spread
over 78 weeks of days, recency and T on a daily grid in weeks; spend from Gamma-Gamma with
the CDNOW estimates. Each method runs in its own subprocess (fit, then predict P(alive) and
52-week expected purchases for every customer, or expected spend for every repeater), so
peak memory (ru_maxrss) is per method. Both optima are scored with the same (winback's)
log-likelihood.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import astuple
from pathlib import Path
from typing import Any

import numpy as np

from winback.analyse.btyd import (
    BetaGeoFitter,
    BetaGeoParams,
    GammaGammaFitter,
    GammaGammaParams,
    ParetoNBDFitter,
    bgnbd,
    gammagamma,
    paretonbd,
)
from winback.analyse.btyd.simulate import simulate_bgnbd, simulate_spend

CDNOW_BG = BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
CDNOW_SPEND = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
MODELS = ("bgnbd", "paretonbd", "gammagamma")


def simulate(n: int, seed: int = 2024) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t_days = rng.integers(0, 78 * 7, n)  # days from first purchase to the end of data
    T = t_days / 7.0
    frequency, recency = simulate_bgnbd(CDNOW_BG, T, rng)
    recency = np.minimum(np.floor(recency * 7.0), t_days) / 7.0  # purchases fall on days
    recency[frequency == 0] = 0.0
    spend = simulate_spend(CDNOW_SPEND, frequency, rng)
    return {"frequency": frequency, "recency": recency, "T": T, "monetary_value": spend}


def run_ours(model: str, d: dict[str, np.ndarray]) -> list[float]:
    f, r, t, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    if model == "gammagamma":
        rep = f > 0
        gg = GammaGammaFitter().fit(f[rep], m[rep])
        gg.conditional_expected_average_profit(f[rep], m[rep])
        return list(astuple(gg.params_))
    fitter = BetaGeoFitter() if model == "bgnbd" else ParetoNBDFitter()
    fitted = fitter.fit(f, r, t)
    fitted.p_alive(f, r, t)
    fitted.conditional_expected_purchases(52.0, f, r, t)
    return list(astuple(fitted.params_))


def run_lifetimes(model: str, d: dict[str, np.ndarray]) -> list[float]:
    warnings.simplefilter("ignore")
    import lifetimes

    f, r, t, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    if model == "gammagamma":
        rep = f > 0
        gg = lifetimes.GammaGammaFitter().fit(f[rep], m[rep])
        gg.conditional_expected_average_profit(f[rep], m[rep])
        return [float(v) for v in gg.params_[["p", "q", "v"]]]
    if model == "bgnbd":
        fitted = lifetimes.BetaGeoFitter().fit(f, r, t)
        names = ["r", "alpha", "a", "b"]
    else:
        fitted = lifetimes.ParetoNBDFitter().fit(f, r, t)
        names = ["r", "alpha", "s", "beta"]
    fitted.conditional_probability_alive(f, r, t)
    fitted.conditional_expected_number_of_purchases_up_to_time(52.0, f, r, t)
    return [float(v) for v in fitted.params_[names]]


def worker(method: str, model: str, data_path: str) -> None:
    """One measurement in this process; prints a JSON line."""
    d = dict(np.load(data_path))
    runner = run_ours if method == "winback" else run_lifetimes
    start = time.perf_counter()
    params = runner(model, d)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "params": params, "peak_mb": peak_mb}))


def log_likelihood(model: str, params: list[float], d: dict[str, np.ndarray]) -> float:
    """The same (winback's) log-likelihood for both optima."""
    theta = np.array(params)
    f, r, t, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    if model == "gammagamma":
        rep = f > 0
        return float(gammagamma.log_likelihood(theta, f[rep], m[rep]).sum())
    if model == "bgnbd":
        return float(bgnbd.log_likelihood(theta, f, r, t).sum())
    pairs = paretonbd._Pairs.of(f, r, t)
    return float(paretonbd.log_likelihood(theta, f, r, t, pairs).sum())


def measure(method: str, model: str, data_path: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", method, model, data_path]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 customers")
    parser.add_argument("--no-lifetimes", action="store_true", help="time winback only")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    n = 20_000 if args.quick else args.customers
    data = simulate(n)
    unique = np.unique(np.stack([data["frequency"], data["recency"], data["T"]]), axis=1)
    print(f"{n:,} customers, {unique.shape[1]:,} distinct (frequency, recency, T) rows")
    print("pymc-marketing: not measured (no separate venv in this run)")
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "customers.npz")
        np.savez(path, **data)
        for model in args.models.split(","):
            ours = measure("winback", model, path)
            row = f"{model:11s} winback {ours['seconds']:8.2f} s {ours['peak_mb']:7.0f} MB"
            ll_ours = log_likelihood(model, ours["params"], data)
            row += f"  LL {ll_ours:,.2f}"
            if not args.no_lifetimes:
                theirs = measure("lifetimes", model, path)
                ll_theirs = log_likelihood(model, theirs["params"], data)
                row += (
                    f" | lifetimes {theirs['seconds']:8.2f} s {theirs['peak_mb']:7.0f} MB"
                    f"  LL {ll_theirs:,.2f} | speed-up {theirs['seconds'] / ours['seconds']:5.1f}x"
                    f"  LL ours-theirs {ll_ours - ll_theirs:+.3f}"
                )
            print(row, flush=True)
            print(f"{'':11s} params winback {np.round(ours['params'], 4).tolist()}", end="")
            if not args.no_lifetimes:
                print(f" lifetimes {np.round(theirs['params'], 4).tolist()}", end="")
            print(flush=True)


if __name__ == "__main__":
    main()
