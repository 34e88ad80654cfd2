"""Benchmark for exam assembly (issue 6).

A synthetic bank of 2,000 items over 4 learning objectives x 4 cognitive levels (16 cells),
3PL parameters a ~ lognormal(0, 0.3), b ~ N(0, 1), c = 0.2, p-values uniform(0.3, 0.9), a
40-item blueprint (2 or 3 items per cell, 40 points); maximise information at theta = 0 with
pairwise overlap <= 10% (4 items). Prints, for 1, 4 and 8 parallel forms (and 4 forms with a
mean-p band, which switches off the dominance reduction), the status, solve time, relative
gap and the lowest test information at the cut over the forms.

Run: ``.venv/bin/python benchmarks/bench_assembly.py [--time-limit 10] [--gap 0.01]``.
Timings depend on the machine and on other load; the target is 4 forms optimal or within a
1 % gap in at most 10 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from itembank.assembly import AssemblyOptions, assemble, blueprint_from_cells

LEVELS = ["remember", "understand", "apply", "analyse"]


def make_bank(n: int = 2000, seed: int = 2026) -> pd.DataFrame:
    """The synthetic bank described in the module docstring (fixed seed: same bank every run)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "item_code": [f"I{i:05d}" for i in range(n)],
            "objective": [f"LO{k}" for k in rng.integers(1, 5, n)],
            "level": rng.choice(LEVELS, n),
            "topic": None,
            "points": 1.0,
            "p": rng.uniform(0.3, 0.9, n).round(3),
            "a": rng.lognormal(0.0, 0.3, n),
            "b": rng.normal(0.0, 1.0, n),
            "c": 0.2,
            "set_id": None,
            "times_used": rng.integers(0, 6, n),
            "forms_since_last_use": np.nan,
            "exposure_rate": 0.0,
        },
        index=pd.Index(np.arange(1, n + 1), name="item_version_id"),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--gap", type=float, default=0.01)
    args = ap.parse_args()
    pool = make_bank()
    cells = {(f"LO{o}", lvl): 2 + (o + i) % 2 for o in range(1, 5) for i, lvl in enumerate(LEVELS)}
    blueprint = blueprint_from_cells(cells, total_items=40, total_points=40)
    print(f"bank: {len(pool)} items, blueprint: {len(cells)} cells, {sum(cells.values())} items; "
          f"time limit {args.time_limit:g} s, mip_rel_gap {args.gap:g}")
    print(f"{'case':<28} {'status':<11} {'solve s':>8} {'wall s':>8} {'gap':>9} {'min info':>9}")
    cases = [("1 form", 1, None), ("4 forms, overlap<=10%", 4, None), ("8 forms, overlap<=10%", 8, None),
             ("4 forms, +mean-p band", 4, (0.55, 0.65))]
    for name, k, band in cases:
        opts = AssemblyOptions(forms=k, max_overlap=0.1, cut_theta=0.0, mean_p_band=band,
                               time_limit=args.time_limit, mip_rel_gap=args.gap)
        t0 = time.perf_counter()
        res = assemble(pool, blueprint, [], options=opts)
        wall = time.perf_counter() - t0
        gap = "n/a" if res.gap is None else f"{100 * res.gap:.3f}%"
        print(f"{name:<28} {res.status:<11} {res.solve_seconds:8.2f} {wall:8.2f} {gap:>9} {res.objective_value:9.3f}")


if __name__ == "__main__":
    main()
