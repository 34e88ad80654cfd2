"""Benchmark: score 100,000 candidates x 100 items with the scoring core (DESIGN §6).

Prints the wall-clock time of :func:`itembank.scoring.score` (best of a few runs) for
responses given as plain text columns and as categorical columns, plus the RESULTS table.
Run: ``.venv/bin/python benchmarks/bench_scoring.py [n_candidates] [n_items]``.
Timings are noisy on a shared machine; no threshold is asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from itembank.scoring import Decision, Form, Item, load_rule_set, score
from itembank.io.scoring_files import read_responses

RULES = """
name = "benchmark: 80 mc + 15 mr (partial) + 5 open with two graders"
[scoring]
multiple_response = "partial"
[scoring.open]
combine = "mean"
disagreement_threshold = 2
[parts.closed]
cut = { kind = "percent_guessing", value = 60 }
[parts.open]
[total.cut]
kind = "percent"
value = 55
[grade]
method = "linear"
[outcome]
rules = [{ label = "fail", grade_below = 6 }, { label = "resit closed", below = ["closed"] }]
[inspection]
min = 4.5
max = 5.4
"""


def build(n: int, n_items: int, seed: int = 20261121) -> tuple[Form, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n_open = max(1, n_items // 20)
    n_mr = max(1, n_items * 15 // 100)
    n_mc = n_items - n_open - n_mr
    items: list[Item] = []
    data: dict[str, np.ndarray] = {}
    labels = np.array(["A", "B", "C", "D", ""], dtype=object)
    # Each candidate knows a share of the answers (Beta(6, 3), mean 2/3) and guesses the rest.
    ability = rng.beta(6, 3, size=n)
    for j in range(n_mc):
        key = "ABCD"[j % 4]
        items.append(Item(f"Q{j + 1:03d}", "closed", "mc", ("A", "B", "C", "D"), (key,)))
        guess = labels[rng.choice(5, size=n, p=[0.24, 0.24, 0.24, 0.24, 0.04])]
        data[f"Q{j + 1:03d}"] = np.where(rng.random(n) < ability, key, guess)
    mr_labels = np.array(["A|B", "A|C", "B|C", "A|B|C", "A", ""], dtype=object)
    for j in range(n_mr):
        name = f"R{j + 1:03d}"
        items.append(Item(name, "closed", "mr", ("A", "B", "C", "D"), ("A", "B"), max_score=2))
        data[name] = mr_labels[rng.integers(0, 6, size=n)]
    for j in range(n_open):
        name = f"O{j + 1:03d}"
        items.append(Item(name, "open", "open", max_score=10))
        first = rng.binomial(10, ability)
        second = np.clip(first + rng.integers(-2, 3, size=n), 0, 10)
        data[name] = first.astype(str).astype(object)
        data[f"{name}#2"] = second.astype(str).astype(object)
    frame = pd.DataFrame(data, index=pd.Index([f"cand{i:06d}" for i in range(n)], name="candidate"))
    return Form(tuple(items)), frame


def timed(fn, repeat: int = 3) -> str:
    """Best wall-clock and best CPU time of ``repeat`` runs (CPU time is less disturbed by
    other work on a shared machine)."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return f"{wall:.3f} s wall, {cpu:.3f} s CPU (best of {repeat})"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    n_items = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    form, text = build(n, n_items)
    rules = load_rule_set(RULES, source="bench")
    decisions = [Decision("Q001", "void"), Decision("Q002", "accept", "B"), Decision("Q003", "weight", "2")]
    categorical = text.astype("category")
    result = score(form, categorical, rules=rules, decisions=decisions)
    print(f"{n} candidates x {len(form.items)} items ({sum(c.endswith('#2') for c in text.columns)} open items with 2 graders)")
    print(f"score(), categorical columns: {timed(lambda: score(form, categorical, rules=rules, decisions=decisions))}")
    print(f"score(), text columns:        {timed(lambda: score(form, text, rules=rules, decisions=decisions))}")
    print(f"results_table():              {timed(result.results_table)}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "RESPONSES.csv"
        text.to_csv(path)
        print(f"read_responses() of the CSV:  {timed(lambda: read_responses(path), repeat=1)}")
        from_file = read_responses(path)
        print(f"score() on read_responses():  {timed(lambda: score(form, from_file, rules=rules, decisions=decisions))}")
    print(f"distinct grades: {result.candidates['grade'].nunique()}, outcomes: {result.candidates['outcome'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
