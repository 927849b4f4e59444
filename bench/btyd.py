"""Benchmark winback's BTYD fitters against lifetimes and pymc-marketing (MAP).

    .venv/bin/python bench/btyd.py                     # 1,000,000 customers
    .venv/bin/python bench/btyd.py --customers 100000
    .venv/bin/python bench/btyd.py --quick             # 20,000 customers, a smoke test
    .venv/bin/python bench/btyd.py --anchors lifetimes # skip pymc-marketing

The anchors are optional: ``pip install -e '.[bench]'`` installs both (lifetimes is also in
``dev``); a missing one is reported as "not installed" and skipped.

The lifetimes anchor is the strongest setup its documentation offers: the customers are
condensed into their distinct ``(frequency, recency, T)`` rows (pandas ``groupby``, inside the
clock: winback does the same inside its ``fit``), fitted with ``weights=`` (the count of
customers per row, as lifetimes' ``fit`` docstring describes it), predicted once per
distinct row and spread back to every customer; ``import lifetimes`` and a warm-up fit on
1,000 customers happen before the clock starts. Gamma-Gamma likewise on the distinct
``(frequency, monetary_value)`` pairs of the repeaters.

Customers are drawn (seeded) from BG/NBD with the CDNOW estimates, first purchases spread
over 78 weeks of days, recency and T on a daily grid in weeks; spend from Gamma-Gamma with
the CDNOW estimates. Each method runs in its own subprocess (fit, then predict P(alive) and
52-week expected purchases for every customer, or expected spend for every repeater), so
peak memory (VmHWM: bench/_measure.py) is per method; wall-clock and CPU time are printed,
ratios are anchor ÷ winback. pymc-marketing is fitted by MAP with flat (HalfFlat) priors, i.e. by
maximum likelihood; its pytensor functions are compiled (and cached) by a warm-up fit on
1,000 customers in the same subprocess before the clock starts. Every optimum is scored
with the same (winback's) log-likelihood.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import warnings
from dataclasses import astuple
from pathlib import Path
from typing import Any

import numpy as np
from _measure import Usage, emit, machine_load, measuring, python_child, ratio, run_child

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
ANCHORS = {"lifetimes": "lifetimes", "pymc-marketing": "pymc_marketing"}


def simulate(n: int, seed: int = 2024) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t_days = rng.integers(0, 78 * 7, n)  # days from first purchase to the end of data
    T = t_days / 7.0
    frequency, recency = simulate_bgnbd(CDNOW_BG, T, rng)
    recency = np.minimum(np.floor(recency * 7.0), t_days) / 7.0  # purchases fall on days
    recency[frequency == 0] = 0.0
    spend = simulate_spend(CDNOW_SPEND, frequency, rng)
    repeaters = frequency > 0  # Gamma-Gamma's input for every contender, made before the clock
    return {
        "frequency": frequency,
        "recency": recency,
        "T": T,
        "monetary_value": spend,
        "repeat_frequency": frequency[repeaters],
        "repeat_monetary_value": spend[repeaters],
    }


def run_ours(model: str, d: dict[str, np.ndarray]) -> list[float]:
    """Fit, then predict for every customer it was fitted on (the documented fast path:
    predictions without arguments are computed once per distinct summary row)."""
    f, r, t = d["frequency"], d["recency"], d["T"]
    if model == "gammagamma":
        x, spend = d["repeat_frequency"], d["repeat_monetary_value"]
        gg = GammaGammaFitter().fit(x, spend)
        gg.conditional_expected_average_profit(x, spend)
        return list(astuple(gg.params_))
    fitter = BetaGeoFitter() if model == "bgnbd" else ParetoNBDFitter()
    fitted = fitter.fit(f, r, t)
    fitted.p_alive()
    fitted.conditional_expected_purchases(52.0)
    return list(astuple(fitted.params_))


def run_lifetimes(model: str, d: dict[str, np.ndarray]) -> list[float]:
    """lifetimes at its best: distinct rows with ``weights=``, predictions per distinct row."""
    import lifetimes
    import pandas as pd

    f, r, t = d["frequency"], d["recency"], d["T"]
    if model == "gammagamma":
        x, spend = d["repeat_frequency"], d["repeat_monetary_value"]
        rows, inverse = _distinct(pd, {"frequency": x, "monetary_value": spend})
        gg = lifetimes.GammaGammaFitter().fit(
            rows["frequency"], rows["monetary_value"], weights=rows["weights"]
        )
        spend = gg.conditional_expected_average_profit(rows["frequency"], rows["monetary_value"])
        np.asarray(spend)[inverse]
        return [float(v) for v in gg.params_[["p", "q", "v"]]]
    rows, inverse = _distinct(pd, {"frequency": f, "recency": r, "T": t})
    x, tx, age = (rows[name].to_numpy() for name in ("frequency", "recency", "T"))
    if model == "bgnbd":
        fitted = lifetimes.BetaGeoFitter().fit(x, tx, age, weights=rows["weights"].to_numpy())
        names = ["r", "alpha", "a", "b"]
    else:
        fitted = lifetimes.ParetoNBDFitter().fit(x, tx, age, weights=rows["weights"].to_numpy())
        names = ["r", "alpha", "s", "beta"]
    np.asarray(fitted.conditional_probability_alive(x, tx, age))[inverse]
    expected = fitted.conditional_expected_number_of_purchases_up_to_time(52.0, x, tx, age)
    np.asarray(expected)[inverse]
    return [float(v) for v in fitted.params_[names]]


def _distinct(pd: Any, columns: dict[str, np.ndarray]) -> tuple[Any, np.ndarray]:
    """The distinct rows with a ``weights`` column (customers per row), and each customer's
    row: pandas ``groupby(...).size()`` and ``ngroup()`` (same order, ``sort=False``)."""
    groups = pd.DataFrame(columns).groupby(list(columns), sort=False)
    inverse = groups.ngroup().to_numpy()
    return groups.size().reset_index(name="weights"), inverse


def run_pymc(model: str, d: dict[str, np.ndarray]) -> list[float]:
    """pymc-marketing's MAP fit with flat priors (= maximum likelihood), then predictions."""
    warnings.simplefilter("ignore")
    import pandas as pd
    from pymc_extras.prior import Prior
    from pymc_marketing import clv

    f, r, t, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    flat = Prior("HalfFlat")
    if model == "gammagamma":
        rep = f > 0
        frame = pd.DataFrame(
            {
                "customer_id": np.arange(int(rep.sum())),
                "frequency": f[rep],
                "monetary_value": m[rep],
            }
        )
        config = {"p": flat, "q": flat, "v": flat}
        gg = clv.GammaGammaModel(data=frame, model_config=config)
        gg.fit(method="map", progressbar=False)
        gg.expected_customer_spend(data=frame)
        return [float(gg.fit_result[name].values.ravel()[0]) for name in ("p", "q", "v")]
    frame = pd.DataFrame({"customer_id": np.arange(f.size), "frequency": f, "recency": r, "T": t})
    if model == "bgnbd":
        names = ["r", "alpha", "a", "b"]
        fitted = clv.BetaGeoModel(data=frame, model_config=dict.fromkeys(names, flat))
    else:
        names = ["r", "alpha", "s", "beta"]
        fitted = clv.ParetoNBDModel(data=frame, model_config=dict.fromkeys(names, flat))
    fitted.fit(method="map", progressbar=False)
    fitted.expected_probability_alive()
    fitted.expected_purchases(future_t=52)
    return [float(fitted.fit_result[name].values.ravel()[0]) for name in names]


RUNNERS = {"winback": run_ours, "lifetimes": run_lifetimes, "pymc-marketing": run_pymc}


def worker(method: str, model: str, data_path: str) -> None:
    """One measurement in this process; prints a JSON line. Imports, and a warm-up run on
    1,000 customers (pymc-marketing compiles its functions then), come before the clock."""
    warnings.simplefilter("ignore")
    d = dict(np.load(data_path))
    RUNNERS[method](model, {name: column[:1_000] for name, column in d.items()})
    with measuring() as usage:
        params = RUNNERS[method](model, d)
    emit(usage, params=params)


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
    return run_child(python_child(__file__, "--worker", method, model, data_path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 customers")
    parser.add_argument("--anchors", default=",".join(ANCHORS), help="comma-separated, or ''")
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
    print(machine_load())
    anchors = []
    for anchor in filter(None, args.anchors.split(",")):
        if importlib.util.find_spec(ANCHORS[anchor]) is None:
            print(f"{anchor}: not installed, not measured (pip install -e '.[bench]')")
        else:
            anchors.append(anchor)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "customers.npz")
        np.savez(path, **data)
        for model in args.models.split(","):
            ours = measure("winback", model, path)
            ll_ours = log_likelihood(model, ours["params"], data)
            print(f"{model}: {describe('winback', ours, ll_ours)}", flush=True)
            for anchor in anchors:
                try:
                    theirs = measure(anchor, model, path)
                except RuntimeError as error:
                    print(f"  {anchor}: failed: {str(error).strip().splitlines()[-1:]}")
                    continue
                ll_theirs = log_likelihood(model, theirs["params"], data)
                print(f"  {describe(anchor, theirs, ll_theirs)}")
                print(
                    f"    {ratio(Usage.of(theirs), Usage.of(ours))};"
                    f" LL winback - {anchor} {ll_ours - ll_theirs:+.3f}",
                    flush=True,
                )
            print(f"  {machine_load()}", flush=True)


def describe(method: str, result: dict[str, Any], ll: float) -> str:
    return (
        f"{method:14s} {Usage.of(result).describe()}  LL {ll:,.2f}"
        f"  params {np.round(result['params'], 4).tolist()}"
    )


if __name__ == "__main__":
    main()
