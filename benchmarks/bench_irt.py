"""Benchmark: IRT calibration, itembank vs girth vs the Python ``mirt`` package, side by side.

Each fit runs in its own subprocess with every thread pool held to one thread
(OPENBLAS/OMP/MKL/NUMEXPR/VECLIB and RAYON, the Rust pool of mirt's backend), so the tools
are compared on equal terms; the process simulates the data (same seed for every tool),
then times only the calibration call. Repeats are interleaved (tool A, B, C, A, B, C, ...)
so that load from other processes hits all tools alike; the table shows the best of the
repeats, wall clock and CPU time of the process.

Data: theta ~ N(0, 1), a ~ U(0.7, 2); 2PL b ~ U(-2, 2); 3PL the same plus c ~ U(0.1, 0.3);
GRM four categories with sorted thresholds ~ U(-2, 2); 5% of the cells missing at random.

Tools:

* ``itembank``: ``analysis.irt.fit(X, model)`` with its defaults (EM engine, observed-
  information standard errors from Louis's identity, 61 nodes, tol 1e-4; 3PL with its
  default Beta(5, 17) prior on c).
* ``itembank-girth``: the same with ``engine="girth"`` (girth's estimates polished by the EM).
* ``girth``: ``girth.twopl_mml`` / ``grm_mml`` (no standard errors; its 3PL fails on
  current SciPy and is reported as such).
* ``mirt``: ``mirt.fit_mirt(X, model, n_quadpts=61, tol=1e-4)`` with its default standard
  errors (``se_method="auto"``, i.e. Oakes' observed information for these models); for
  3PL with the same Beta(5, 17) prior on the guessing parameter. Same number of nodes and
  the same parameter-change tolerance as itembank; mirt uses Gauss–Hermite nodes, itembank
  equally spaced nodes on [-6, 6] (as R mirt does).

Columns: best wall and CPU seconds, EM iterations, the ratio to mirt's time, the largest
absolute difference from mirt's a and b (b1..b3 for GRM, plus c for 3PL), the largest
relative differences from mirt's SEs of a and of b (b_k), and RMSE(a), RMSE(b) against the
generating values.

Run:  .venv/bin/python benchmarks/bench_irt.py [--cases 2pl:20000x60,grm:20000x60]
      [--tools itembank,girth,mirt] [--repeat 3]

mirt is not a dependency of itembank: install it for the benchmark only
(``pip install mirt==1.2.0`` or ``pip install -e .[bench]``); without it the mirt rows say so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_CASES = "2pl:5000x40,2pl:20000x60,2pl:100000x60,grm:20000x60,3pl:20000x60"
DEFAULT_TOOLS = "itembank,girth,mirt"
THREAD_VARS = (
    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS", "RAYON_NUM_THREADS", "POLARS_MAX_THREADS",
)
MIRT_MISSING = "mirt not installed: pip install mirt==1.2.0"


def simulate(model: str, n: int, k: int, seed: int = 1) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Scored matrix plus the generating a, b (k x thresholds) and, for 3PL, c."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    a = rng.uniform(0.7, 2.0, k)
    n_thr = 3 if model == "grm" else 1
    b = np.sort(rng.uniform(-2.0, 2.0, (k, n_thr)), axis=1)
    star = 1.0 / (1.0 + np.exp(-a[None, :, None] * (theta[:, None, None] - b[None, :, :])))
    truth = {"a": a, "b": b}
    if model == "3pl":
        c = rng.uniform(0.1, 0.3, k)
        star = c[None, :, None] + (1.0 - c[None, :, None]) * star
        truth["c"] = c
    x = (rng.random((n, k))[:, :, None] < star).sum(axis=2).astype(float)
    x[rng.random(x.shape) < 0.05] = np.nan
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(k)]), truth


# ----------------------------------------------------------------------------------------
# Worker: one fit in this process, result as JSON on stdout
# ----------------------------------------------------------------------------------------


def _fit_itembank(data: pd.DataFrame, model: str, engine: str | None) -> dict:
    from analysis import irt

    kwargs = {} if engine is None else {"engine": engine}
    t0, c0 = time.perf_counter(), time.process_time()
    res = irt.fit(data, model, **kwargs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    b_cols = ["b1", "b2", "b3"] if model == "grm" else ["b"]
    out = {"wall": wall, "cpu": cpu, "iterations": res.iterations, "a": res.items["a"].tolist(),
           "b": res.items[b_cols].to_numpy().tolist(), "se_a": res.items["se_a"].tolist(),
           "se_b": res.items[[f"se_{c}" for c in b_cols]].to_numpy().tolist()}
    if model == "3pl":
        out["c"] = res.items["c"].tolist()
    return out


def _fit_girth(data: pd.DataFrame, model: str) -> dict:
    import girth
    from girth.utilities import INVALID_RESPONSE

    x = data.to_numpy()
    resp = np.where(np.isnan(x), INVALID_RESPONSE, np.nan_to_num(x)).T.astype(int)
    fun = {"2pl": girth.twopl_mml, "grm": girth.grm_mml, "3pl": girth.threepl_mml}[model]
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        res = fun(resp)
    except Exception as exc:  # noqa: BLE001 - girth 0.8's 3PL fails on current SciPy; report it
        return {"error": f"girth {model} fails: {type(exc).__name__}: {str(exc)[:60]}"}
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    b = np.asarray(res["Difficulty"], dtype=float).reshape(x.shape[1], -1)
    return {"wall": wall, "cpu": cpu, "iterations": None, "a": np.asarray(res["Discrimination"]).tolist(),
            "b": b.tolist(), "se_a": None, "se_b": None}


def _fit_mirt(data: pd.DataFrame, model: str) -> dict:
    try:
        import mirt
    except ImportError:
        return {"error": MIRT_MISSING}
    kwargs: dict = {}
    if model == "3pl":
        from mirt.estimation import BetaPrior

        kwargs["priors"] = {"guessing": BetaPrior(5.0, 17.0)}
    x = data.to_numpy()
    t0, c0 = time.perf_counter(), time.process_time()
    res = mirt.fit_mirt(x, model=model.upper(), n_quadpts=61, tol=1e-4, max_iter=500, **kwargs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    par = res.model.parameters
    b_name = "thresholds" if model == "grm" else "difficulty"
    b = np.asarray(par[b_name], dtype=float).reshape(x.shape[1], -1)
    out = {"wall": wall, "cpu": cpu, "iterations": int(res.n_iterations),
           "a": np.asarray(par["discrimination"]).ravel().tolist(),
           "b": b.tolist(), "se_a": np.asarray(res.standard_errors["discrimination"]).ravel().tolist(),
           "se_b": np.asarray(res.standard_errors[b_name], dtype=float).reshape(x.shape[1], -1).tolist(),
           "se_method": str(res.se_method), "converged": bool(res.converged)}
    if model == "3pl":
        out["c"] = np.asarray(par["guessing"]).ravel().tolist()
    return out


def worker(tool: str, model: str, n: int, k: int) -> None:
    data, _ = simulate(model, n, k)
    if tool == "itembank":
        out = _fit_itembank(data, model, None)
    elif tool == "itembank-girth":
        out = _fit_itembank(data, model, "girth")
    elif tool == "girth":
        out = _fit_girth(data, model)
    elif tool == "mirt":
        out = _fit_mirt(data, model)
    else:
        raise SystemExit(f"unknown tool {tool!r}")
    print(json.dumps(out))


# ----------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------


def run_one(tool: str, model: str, n: int, k: int) -> dict:
    env = dict(os.environ)
    env.update({v: "1" for v in THREAD_VARS})
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", tool, model, str(n), str(k)],
        capture_output=True, text=True, env=env, check=False,
    )
    if proc.returncode != 0:
        return {"error": f"{tool} exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _max_abs(x: list | None, y: list | None) -> float:
    if x is None or y is None:
        return float("nan")
    return float(np.nanmax(np.abs(np.asarray(x, dtype=float) - np.asarray(y, dtype=float))))


def _max_rel(x: list | None, y: list | None) -> float:
    if x is None or y is None:
        return float("nan")
    return float(np.nanmax(np.abs(np.asarray(x, dtype=float) / np.asarray(y, dtype=float) - 1.0)))


def main() -> None:
    parser = argparse.ArgumentParser(description="IRT calibration: itembank vs girth vs mirt")
    parser.add_argument("--cases", default=DEFAULT_CASES, help="model:NxK,... (models 2pl, grm, 3pl)")
    parser.add_argument("--tools", default=DEFAULT_TOOLS, help="itembank, itembank-girth, girth, mirt")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (best is shown)")
    parser.add_argument("--worker", nargs=4, metavar=("TOOL", "MODEL", "N", "K"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        tool, model, n, k = args.worker
        worker(tool, model, int(n), int(k))
        return
    tools = args.tools.split(",")
    print(f"threads: {', '.join(THREAD_VARS)} = 1; best of {args.repeat}, repeats interleaved")
    header = (f"{'model':5} {'n x items':>12} {'tool':15} {'wall s':>7} {'cpu s':>7} {'iter':>5} "
              f"{'wall/mirt':>9} {'cpu/mirt':>8} {'|da| mirt':>9} {'|db| mirt':>9} {'|dc| mirt':>9} "
              f"{'se_a rel':>8} {'se_b rel':>8} {'rmse a':>7} {'rmse b':>7}")
    print(header)
    for case in args.cases.split(","):
        model, size = case.split(":")
        n, k = (int(v) for v in size.split("x"))
        _, truth = simulate(model, n, k)
        best: dict[str, dict] = {}
        for _ in range(args.repeat):
            for tool in tools:
                if tool in best and "error" in best[tool]:
                    continue
                out = run_one(tool, model, n, k)
                if "error" in out or tool not in best or out["wall"] < best[tool]["wall"]:
                    cpu = min(out.get("cpu", np.inf), best.get(tool, {}).get("cpu", np.inf))
                    best[tool] = out if "error" in out else {**out, "cpu": cpu}
                elif "cpu" in out:
                    best[tool]["cpu"] = min(best[tool]["cpu"], out["cpu"])
        ref = best.get("mirt") if "error" not in best.get("mirt", {"error": ""}) else None
        for tool in tools:
            out = best[tool]
            if "error" in out:
                print(f"{model:5} {n:>7}x{k:<4} {tool:15} {out['error']}")
                continue
            a, b = np.asarray(out["a"], dtype=float), np.asarray(out["b"], dtype=float)
            rmse_a = float(np.sqrt(np.mean((a - truth["a"]) ** 2)))
            rmse_b = float(np.sqrt(np.mean((b - truth["b"]) ** 2)))
            if ref is not None:
                w_ratio, c_ratio = out["wall"] / ref["wall"], out["cpu"] / ref["cpu"]
                da, db = _max_abs(out["a"], ref["a"]), _max_abs(out["b"], ref["b"])
                dc = _max_abs(out.get("c"), ref.get("c"))
                se_a, se_b = (_max_rel(out.get(c), ref.get(c)) for c in ("se_a", "se_b"))
            else:
                w_ratio = c_ratio = da = db = dc = se_a = se_b = float("nan")
            iters = "" if out["iterations"] is None else str(out["iterations"])
            print(f"{model:5} {n:>7}x{k:<4} {tool:15} {out['wall']:7.2f} {out['cpu']:7.2f} {iters:>5} "
                  f"{w_ratio:9.2f} {c_ratio:8.2f} {da:9.4f} {db:9.4f} {dc:9.4f} {se_a:8.4f} {se_b:8.4f} "
                  f"{rmse_a:7.3f} {rmse_b:7.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
