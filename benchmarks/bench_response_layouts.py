"""``itembank responses import`` of one sitting written in each layout: wide, long, string.

For each size (default 100,000 candidates x 40 items) the same simulated responses (those of
``bench_storage.py``: 2PL, wrong answers a random distractor, 1 % omitted) are written as a
wide CSV, a long CSV (one row per answer; an omitted answer has no row) and a response-string
CSV, and each is imported into a fresh SQLite bank by the real service
(:func:`itembank.io.response_files.import_responses`: read, check, pivot, code, store). Each
import runs in its own process, so its peak memory (``ru_maxrss``) is its own; the stored
matrices are checked to be equal.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_response_layouts.py
    .venv/bin/python benchmarks/bench_response_layouts.py --sizes 20000x60 100000x100
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_storage import ADMIN, _build_bank, _write_csv  # noqa: E402  (a sibling script)


def _write_layouts(folder: Path, n: int, n_items: int) -> dict[str, Path]:
    import numpy as np
    import pandas as pd

    wide = folder / "wide.csv"
    _write_csv(wide, n, n_items)
    frame = pd.read_csv(wide, dtype=str, keep_default_na=False)
    items = list(frame.columns[1:])
    long = frame.melt(id_vars="candidate", value_vars=items, var_name="item", value_name="response")
    long = long[long["response"] != ""]
    long["order"] = long["item"].map({c: k for k, c in enumerate(items)})
    long = long.sort_values(["candidate", "order"], kind="stable").drop(columns="order")
    long.to_csv(folder / "long.csv", index=False)
    strings = frame[items].replace("", "-").to_numpy(dtype=str)
    pd.DataFrame({"candidate": frame["candidate"],
                  "responses": np.array(["".join(row) for row in strings], dtype=object)}).to_csv(
        folder / "string.csv", index=False)
    return {"wide": wide, "long": folder / "long.csv", "string": folder / "string.csv"}


def stage(url: str, csv: str, layout: str) -> dict[str, float]:
    from itembank.io import response_files
    from itembank.services import administrations
    from itembank.storage.db import open_bank, session_scope

    engine = open_bank(url)
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        report = response_files.import_responses(session, ADMIN, csv, actor="s", layout=layout)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the check below
    with session_scope(engine) as session:
        stored = administrations.get_responses(session, ADMIN)
    digest = __import__("hashlib").sha256(stored.to_csv().encode()).hexdigest()
    return {"import": seconds, "candidates": report.candidates, "digest": digest, "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["100000x40"])
    parser.add_argument("--stage", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(stage(*args.stage)))
        return
    for size in args.sizes:
        n, n_items = map(int, size.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            files = _write_layouts(folder, n, n_items)
            digests = set()
            for layout, csv in files.items():
                url = f"sqlite:///{folder / layout}.db"
                _build_bank(url, n_items)
                done = subprocess.run([sys.executable, __file__, "--stage", url, str(csv), layout],
                                      capture_output=True, text=True, check=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                digests.add(result["digest"])
                mb = csv.stat().st_size / 1e6
                print(f"{n:,} x {n_items} {layout:>6}: file {mb:6.1f} MB, import {result['import']:5.1f} s, "
                      f"peak {result['peak_mb']:.0f} MB")
            print(f"{n:,} x {n_items}: stored matrices {'identical' if len(digests) == 1 else 'DIFFER'}")


if __name__ == "__main__":
    main()
