"""Benchmark for decision accuracy and consistency at the cut (issue 14, item 5).

``analysis.classification.livingston_lewis`` runs in every administration analysis (the CLI,
the report) and on the cut-score page for the cut in force and for each proposed cut, so it
should cost little next to the scoring. Simulated whole-point totals (beta true scores,
binomial error) for 600, 20,000 and 200,000 candidates on 40 and 120 points, with the
reliability of the simulation and one cut at 65 %; prints the median time of a call over
repeats, the effective length and the true-score model the fit chose.

Run: ``.venv/bin/python benchmarks/bench_classification.py [--repeats 20]``. Timings depend on
the machine and on other load.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from analysis.classification import livingston_lewis


def simulated(n: int, points: int, seed: int = 14) -> tuple[np.ndarray, float]:
    """n totals on 0..points from a Beta(5, 3) true score with binomial error, and their
    population reliability n^2 var(tau) / var(X)."""
    rng = np.random.default_rng(seed)
    a, b = 5.0, 3.0
    tau = rng.beta(a, b, n)
    mean, var = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    var_x = points**2 * var + points * (mean - var - mean**2)
    return rng.binomial(points, tau).astype(float), points**2 * var / var_x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"{'candidates':>10} {'points':>6} {'median ms':>10} {'n eff':>6} {'model':>6} {'consistency':>11}")
    for n in (600, 20_000, 200_000):
        for points in (40, 120):
            x, rho = simulated(n, points)
            livingston_lewis(x, reliability=rho, cuts=0.65 * points, max_score=points, score_step=1)  # warm up
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                r = livingston_lewis(x, reliability=rho, cuts=0.65 * points, max_score=points, score_step=1)
                times.append(time.perf_counter() - start)
            print(f"{n:>10} {points:>6} {1000 * statistics.median(times):>10.1f} {r.effective_length:>6} "
                  f"{r.model.parameters:>6} {r.consistency:>11.4f}")


if __name__ == "__main__":
    main()
