"""Benchmark: full classical item analysis (item statistics + distractors + flags + reliability).

Prints, for 1,000 x 40, 20,000 x 60 and 100,000 x 100 four-option items, the best-of-N wall
time of the vectorised ``analysis.ctt`` / ``analysis.flags`` functions, and the time of a
straightforward per-item pandas/scipy implementation of the same statistics (which also
serves as a cross-check: the script stops if the two disagree).

Run:  .venv/bin/python benchmarks/bench_ctt.py [--repeat 5] [--labels int|str|cat] [--skip-naive]
                                               [--blas-threads N]

``--blas-threads N`` sets OPENBLAS_NUM_THREADS/OMP_NUM_THREADS before numpy is imported. On a
machine shared with other jobs, multi-threaded OpenBLAS can be many times slower than one
thread (its threads wait on each other), so the script prints a BLAS reference timing too.

Target (issue 4): <= 0.25 s for 100,000 x 100 on a 2-core machine. Timings are wall clock
and noisy when other work runs on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

if __name__ == "__main__" and "--blas-threads" in sys.argv:
    # Must happen before numpy loads OpenBLAS.
    _n = sys.argv[sys.argv.index("--blas-threads") + 1]
    os.environ["OPENBLAS_NUM_THREADS"] = _n
    os.environ["OMP_NUM_THREADS"] = _n

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis.ctt import distractors, item_statistics, reliability
from analysis.flags import item_flags

SIZES: tuple[tuple[int, int], ...] = ((1_000, 40), (20_000, 60), (100_000, 100))


def make_data(n: int, k: int, *, labels: str, seed: int = 1) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Simulated responses: a 2PL-like chance to know the key, else a random option; 1 % omitted."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(n, 1))
    b = rng.normal(scale=0.8, size=k)
    a = rng.uniform(0.5, 2.0, size=k)
    knows = rng.random((n, k)) < 1.0 / (1.0 + np.exp(-a * (theta - b)))
    key_codes = rng.integers(0, 4, size=k)
    guess = rng.integers(0, 4, size=(n, k))
    codes = np.where(knows, key_codes, guess).astype(float)
    codes[rng.random((n, k)) < 0.01] = np.nan
    items = [f"item{j + 1:03d}" for j in range(k)]
    cands = [f"cand{i:06d}" for i in range(n)]
    if labels == "int":
        choices = pd.DataFrame(codes + 1, index=cands, columns=items)
        key = {it: int(c) + 1 for it, c in zip(items, key_codes)}
    else:
        letters = np.array(["A", "B", "C", "D", None], dtype=object)
        idx = np.where(np.isnan(codes), 4, codes).astype(int)
        choices = pd.DataFrame(letters[idx], index=cands, columns=items)
        if labels == "cat":
            choices = choices.astype(pd.CategoricalDtype(list("ABCD")))
        key = {it: "ABCD"[c] for it, c in zip(items, key_codes)}
    scores = pd.DataFrame((codes == key_codes).astype(float), index=cands, columns=items)
    return choices, key, scores


def fast_analysis(choices: pd.DataFrame, key: dict, scores: pd.DataFrame) -> tuple:
    stats = item_statistics(scores)
    table = distractors(choices, key, scores)
    flags = item_flags(stats, table)
    rel = reliability(scores)
    return stats, table, flags, rel


def naive_analysis(choices: pd.DataFrame, key: dict, scores: pd.DataFrame) -> tuple:
    """Per-item loops with pandas and scipy.stats.pearsonr: the obvious way to write it."""
    total = scores.sum(axis=1)
    k = scores.shape[1]
    item_var = scores.var()
    rows = {}
    for item in scores.columns:
        x = scores[item]
        rest = total - x
        rows[item] = {
            "n": int(x.notna().sum()),
            "mean": x.mean(),
            "sd": x.std(),
            "p": x.mean(),
            "rit": sps.pearsonr(x, total)[0],
            "rir": sps.pearsonr(x, rest)[0],
            "alpha_if_deleted": (k - 1) / (k - 2) * (1 - (item_var.sum() - item_var[item]) / rest.var()),
        }
    stats = pd.DataFrame(rows).T
    alpha = k / (k - 1) * (1 - item_var.sum() / total.var())
    # Kelley groups with pandas ranks (mid-percentile rank, ties averaged).
    pr = (total.rank(method="average") - 0.5) / len(total)
    group = pd.Series(np.where(pr < 0.27, "low", np.where(pr > 0.73, "high", "mid")), index=total.index)
    out = []
    for item in choices.columns:
        # As strings so that "~omitted" sorts after every option label.
        ch = choices[item].astype(str).where(choices[item].notna(), "~omitted")
        rest = total - scores[item]
        tab = pd.crosstab(ch, group, normalize="columns")
        for option, chose in ch.groupby(ch):
            d = (ch == option).astype(float)
            out.append(
                {
                    "item": item,
                    "option": option,
                    "n": int(d.sum()),
                    "proportion": d.mean(),
                    "prop_low": tab.loc[option, "low"],
                    "prop_high": tab.loc[option, "high"],
                    "rar": sps.pearsonr(d, rest)[0] if 0 < d.sum() < len(d) else np.nan,
                    "mean_total": total[chose.index].mean(),
                }
            )
    return stats, pd.DataFrame(out), alpha


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs (fast path)")
    parser.add_argument("--labels", choices=("int", "str", "cat"), default="int",
                        help="option labels 1-4, A-D strings, or A-D categorical columns")
    parser.add_argument("--skip-naive", action="store_true", help="do not time the per-item implementation")
    parser.add_argument("--blas-threads", default=None, help="OpenBLAS threads (read before numpy loads)")
    args = parser.parse_args()

    ref = np.asfortranarray(np.random.default_rng(0).random((100_000, 100)))
    print(
        f"classical item analysis, four-option items, labels={args.labels}, best of {args.repeat}; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"machine reference: 100,000 x 100 float64 column sums {best_of(lambda: ref.sum(axis=0), 5):.3f} s, "
        f"X'X {best_of(lambda: ref.T @ ref, 3):.3f} s"
    )
    ref = None  # free its 80 MB before the timed runs
    print(
        f"{'candidates x items':>20} {'stats':>6} {'distr':>6} {'flags':>6} {'relia':>6} "
        f"{'total s':>8} {'per-item s':>11} {'speed-up':>9}"
    )
    for n, k in SIZES:
        choices, key, scores = make_data(n, k, labels=args.labels)
        stats, table, _flags, rel = fast_analysis(choices, key, scores)
        parts = [
            best_of(lambda: item_statistics(scores), args.repeat),
            best_of(lambda: distractors(choices, key, scores), args.repeat),
            best_of(lambda: item_flags(stats, table), args.repeat),
            best_of(lambda: reliability(scores), args.repeat),
        ]
        fast = best_of(lambda: fast_analysis(choices, key, scores), args.repeat)
        row = f"{n:>10,} x {k:<7} " + " ".join(f"{p:6.3f}" for p in parts) + f" {fast:8.3f}"
        if args.skip_naive:
            print(f"{row} {'-':>11} {'-':>9}")
            continue
        t0 = time.perf_counter()
        n_stats, n_table, n_alpha = naive_analysis(choices, key, scores)
        slow = time.perf_counter() - t0
        # The two implementations must agree, or the timing comparison is meaningless.
        np.testing.assert_allclose(stats["rir"], n_stats["rir"].astype(float), atol=1e-9)
        np.testing.assert_allclose(stats["alpha_if_deleted"], n_stats["alpha_if_deleted"].astype(float), atol=1e-9)
        assert abs(rel.alpha - n_alpha) < 1e-9
        opt = table[~table["is_omitted"]]
        n_opt = n_table[n_table["option"] != "~omitted"]
        np.testing.assert_allclose(opt["rar"].to_numpy(float), n_opt["rar"].to_numpy(float), atol=1e-9)
        np.testing.assert_allclose(opt["prop_high"].to_numpy(float), n_opt["prop_high"].to_numpy(float), atol=1e-12)
        print(f"{row} {slow:11.2f} {slow / fast:8.0f}x")


if __name__ == "__main__":
    main()
