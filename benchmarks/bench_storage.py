"""The data path of a stored sitting: import, cold analysis, re-analysis after a decision.

Prints, for SQLite (a file) and — when ``ITEMBANK_BENCH_POSTGRES_URL`` or ``--postgres URL``
is given — PostgreSQL, for each size (default 20,000 x 60 and 100,000 x 100):

* ``import``: ``itembank responses import`` of a CSV file (the real service: read, check,
  code, store), with the process's peak memory (``ru_maxrss``);
* ``analyse cold``: a fresh process opens the bank, loads the administration once
  (``load_administration``) and runs the full analysis (score + CTT + distractors + flags +
  reliability + score distribution); Python's own imports are timed separately;
* ``re-analyse``: in that process, after one new decision (commit), load + analyse again;
* ``baseline``: in the same run, a plain ``pandas.read_csv`` of the same responses plus a
  numpy pass (score against the key, item-total correlations) — what "reading the data and
  computing p and Rit" costs without any product around it.

Each stage runs in its own process, so peak memory and cold timings are honest.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_storage.py
    .venv/bin/python benchmarks/bench_storage.py --sizes 20000x60 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ADMIN = "BENCH"
LABELS = "ABCD"


def _build_bank(url: str, n_items: int) -> None:
    """A bank with one frozen form of ``n_items`` four-option MC items, an administration and
    the demo's rule set assigned."""
    from importlib import resources

    from itembank.services import administrations, bank, committee, forms
    from itembank.services.bank import ItemContent
    from itembank.storage.db import open_bank, session_scope

    engine = open_bank(url, create=True)
    with session_scope(engine) as session:
        entries = []
        for j in range(n_items):
            code = f"I{j + 1:03d}"
            content = ItemContent(stem=f"Question {j + 1}?", options=tuple((x, x.lower()) for x in LABELS),
                                  key=(LABELS[j % 4],))
            version = bank.add_item(session, code, content, author="w")
            bank.set_status(session, code, 1, "in_review", actor="w")
            bank.set_status(session, code, 1, "approved", actor="c")
            entries.append(forms.FormEntry(version.id, part="theory"))
        forms.freeze_form(session, "F", entries, actor="c")
        administrations.add_administration(session, ADMIN, "F", on=date(2026, 11, 1), actor="s")
        text = resources.files("itembank").joinpath("rules/vca_basis.toml").read_text(encoding="utf-8")
        committee.add_rule_set(session, "R", text, actor="s")
        committee.assign_rule_set(session, ADMIN, "R", actor="s")
    engine.dispose()


def _write_csv(path: Path, n: int, n_items: int, seed: int = 1) -> None:
    """Responses from a 2PL model: right answers get the key, wrong ones a random distractor,
    1 % omitted."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(n, 1))
    b = rng.normal(size=n_items)
    a = rng.uniform(0.7, 1.8, size=n_items)
    right = rng.random((n, n_items)) < 1 / (1 + np.exp(-a * (theta - b)))
    keys = np.array([j % 4 for j in range(n_items)])
    wrong = (keys + rng.integers(1, 4, size=(n, n_items))) % 4
    codes = np.where(right, keys, wrong)
    labels = np.array(list(LABELS), dtype=object)[codes]
    labels[rng.random((n, n_items)) < 0.01] = ""
    frame = pd.DataFrame(labels, columns=[f"I{j + 1:03d}" for j in range(n_items)])
    frame.insert(0, "candidate", [f"C{i:06d}" for i in range(n)])
    frame.to_csv(path, index=False)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_import(url: str, csv: Path) -> dict[str, float]:
    started = time.perf_counter()
    from itembank.io import response_files
    from itembank.storage.db import open_bank, session_scope

    imported = time.perf_counter()
    engine = open_bank(url)
    with session_scope(engine) as session:
        response_files.import_responses(session, ADMIN, csv, actor="s")
    done = time.perf_counter()
    return {"python_imports": imported - started, "import": done - imported, "peak_mb": _peak_mb()}


def stage_analyse(url: str) -> dict[str, float]:
    started = time.perf_counter()
    from itembank.services import committee
    from itembank.services.administration_data import load_administration
    from itembank.services.item_analysis import analyze
    from itembank.storage.db import open_bank, session_scope

    imported = time.perf_counter()
    engine = open_bank(url)
    with session_scope(engine) as session:
        t0 = time.perf_counter()
        data = load_administration(session, ADMIN)
        t1 = time.perf_counter()
        analysis = analyze(data)
        t2 = time.perf_counter()
    n = len(analysis.result.scored)
    with session_scope(engine) as session:
        committee.add_decision(session, ADMIN, "I002", "void", reason="benchmark", actor="c")
    with session_scope(engine) as session:
        t3 = time.perf_counter()
        again = analyze(load_administration(session, ADMIN))
        t4 = time.perf_counter()
    assert len(again.statistics) == len(analysis.statistics) - 1
    return {"python_imports": imported - started, "load": t1 - t0, "analyse": t2 - t1, "cold": t2 - t0,
            "reanalyse": t4 - t3, "candidates": n, "peak_mb": _peak_mb()}


def stage_baseline(csv: Path) -> dict[str, float]:
    import numpy as np
    import pandas as pd

    t0 = time.perf_counter()
    frame = pd.read_csv(csv, index_col="candidate", dtype=str, keep_default_na=False)
    t1 = time.perf_counter()
    keys = np.array([LABELS[j % 4] for j in range(frame.shape[1])], dtype=object)
    x = (frame.to_numpy(dtype=object) == keys).astype(np.float64)
    total = x.sum(axis=1)
    xc = x - x.mean(axis=0)
    tc = total - total.mean()
    rit = (xc * tc[:, None]).sum(axis=0) / np.sqrt((xc ** 2).sum(axis=0) * (tc ** 2).sum())
    p = x.mean(axis=0)
    t2 = time.perf_counter()
    assert np.isfinite(rit).all() and (p > 0).all()
    return {"read_csv": t1 - t0, "numpy": t2 - t1, "total": t2 - t0}


def _child(args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"stage {args[0]} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _postgres_url(base: str, schema: str) -> str:
    """A URL whose connections use ``schema`` (created fresh)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000x60,100000x100", help="candidates x items, comma-separated")
    parser.add_argument("--postgres", default=os.environ.get("ITEMBANK_BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL URL (a scratch schema is created and dropped)")
    parser.add_argument("stage", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("stage_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "import":
        print(json.dumps(stage_import(args.stage_args[0], Path(args.stage_args[1]))))
        return
    if args.stage == "analyse":
        print(json.dumps(stage_analyse(args.stage_args[0])))
        return
    if args.stage == "baseline":
        print(json.dumps(stage_baseline(Path(args.stage_args[0]))))
        return

    print(f"itembank storage benchmark, python {sys.version.split()[0]}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    print(f"{'backend':<11}{'size':>14}{'import':>9}{'peak MB':>9}{'cold':>8}{'(load':>8}{'+ stats)':>9}"
          f"{'re-an.':>8}{'baseline':>10}{'cold/base':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            n, k = (int(x) for x in size.lower().split("x"))
            csv = Path(tmp) / f"r{n}x{k}.csv"
            _write_csv(csv, n, k)
            base = _child(["baseline", str(csv)])
            backends = [("sqlite", f"sqlite:///{Path(tmp) / f'b{n}x{k}.db'}")]
            if args.postgres:
                backends.append(("postgresql", _postgres_url(args.postgres, f"itembank_bench_{n}x{k}")))
            for name, url in backends:
                _build_bank(url, k)
                imp = _child(["import", url, str(csv)])
                ana = _child(["analyse", url])
                print(f"{name:<11}{f'{n:,} x {k}':>14}{imp['import']:>8.1f}s{imp['peak_mb']:>9.0f}"
                      f"{ana['cold']:>7.2f}s{ana['load']:>7.2f}s{ana['analyse']:>8.2f}s{ana['reanalyse']:>7.2f}s"
                      f"{base['total']:>9.2f}s{ana['cold'] / base['total']:>9.1f}x")
            print(f"{'':<11}{'':>14}  baseline = read_csv {base['read_csv']:.2f} s + numpy {base['numpy']:.2f} s; "
                  f"python imports before a cold analysis {ana['python_imports']:.2f} s (not in 'cold')")
        if args.postgres:
            from sqlalchemy import create_engine, text

            engine = create_engine(args.postgres)
            with engine.begin() as conn:
                for size in args.sizes.split(","):
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "itembank_bench_{size.lower()}" CASCADE'))
            engine.dispose()


if __name__ == "__main__":
    main()
