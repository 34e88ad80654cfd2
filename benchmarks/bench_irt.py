"""Benchmark: IRT calibration times (``analysis.irt.fit``) for 2PL and GRM.

Simulates 5,000 x 40 and 20,000 x 60 response matrices (2PL: a ~ U(0.7, 2), b ~ U(-2, 2);
GRM: four categories, sorted thresholds ~ U(-2, 2); theta ~ N(0, 1); 5% of cells missing
at random) and prints the wall time of a calibration per engine without standard errors,
then with the EM engine and each standard-error method (the difference to the "em / none"
row is the cost of the SEs), the EM iterations, and RMSE(a), RMSE(b) against the
generating values as a sanity check.

Run:  .venv/bin/python benchmarks/bench_irt.py [--sizes 5000x40,20000x60] [--engines girth,em]
      [--se crossprod,observed]

Timings are wall clock on whatever else the machine is doing; single runs, not best-of-N,
because one 20,000 x 60 girth calibration takes minutes.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analysis import irt


def simulate(model: str, n: int, k: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Scored matrix plus the generating slopes and thresholds (k x m)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    a = rng.uniform(0.7, 2.0, k)
    n_thr = 1 if model == "2pl" else 3
    b = np.sort(rng.uniform(-2.0, 2.0, (k, n_thr)), axis=1)
    star = 1.0 / (1.0 + np.exp(-a[None, :, None] * (theta[:, None, None] - b[None, :, :])))
    x = (rng.random((n, k))[:, :, None] < star).sum(axis=2).astype(float)
    x[rng.random(x.shape) < 0.05] = np.nan
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(k)]), a, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="5000x40,20000x60")
    parser.add_argument("--models", default="2pl,grm")
    parser.add_argument("--engines", default="girth,em")
    parser.add_argument("--se", default="crossprod,observed", help="SE methods to time on top of the fit")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    print(f"{'model':5} {'n x items':>11} {'engine':8} {'se':9} {'seconds':>8} {'iter':>5} {'rmse a':>7} {'rmse b':>7}")
    runs = [(e, "none") for e in args.engines.split(",")] + [("em", s) for s in args.se.split(",") if s]
    for model in args.models.split(","):
        for n, k in sizes:
            data, a, b = simulate(model, n, k)
            cols = ["b"] if model == "2pl" else ["b1", "b2", "b3"]
            for engine, se in runs:
                t0 = time.perf_counter()
                res = irt.fit(data, model, engine=engine, se=se)
                seconds = time.perf_counter() - t0
                rmse_a = float(np.sqrt(np.mean((res.items["a"].to_numpy() - a) ** 2)))
                rmse_b = float(np.sqrt(np.mean((res.items[cols].to_numpy() - b) ** 2)))
                print(f"{model:5} {n:>6}x{k:<4} {engine:8} {se:9} {seconds:8.1f} {res.iterations:5d} "
                      f"{rmse_a:7.3f} {rmse_b:7.3f}", flush=True)

if __name__ == "__main__":
    main()
