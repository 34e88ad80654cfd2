"""The bank list (``itembank items list``, the dashboard's bank grid): :func:`list_items` with
its lines column against the plain search it is built on, in the same run.

Builds a SQLite bank (a file) of ``--items`` items (default 5,000), ``--translated`` of them
(default 20 %) with an English translation; of those, every third had its Dutch source revised
after the translation (the translation is *out of date*), and every fifth of the up-to-date ones
also has a read-aloud variant. Then prints, best of ``--repeat`` runs, each in a fresh session:

* ``find_versions``: the baseline, the newest version of every item, no lines column;
* ``list_items``: what the list shows (the source line's newest version of each item and its
  lines, out-of-date marks read for all items at once, :func:`itembank.services.bank.stale_lines`);
* ``per item``: the same lines column read item by item (``lines_text`` without the batched
  marks, one audit look-up per item with more than one line), the way the list worked before.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_bank_list.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_bank_list.py --items 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

NL = (("A", "Handschoenen"), ("B", "Een veiligheidsbril"), ("C", "Een helm"), ("D", "Oordoppen"))
EN = (("A", "Gloves"), ("B", "Safety goggles"), ("C", "A helmet"), ("D", "Earplugs"))


def build(url: str, n_items: int, translated: float) -> dict[str, int]:
    """The bank described in the module docstring; returns how many items of each kind."""
    from itembank.services import bank
    from itembank.services.bank import ItemContent
    from itembank.storage.db import open_bank, session_scope

    engine = open_bank(url, create=True)
    n_translated = round(n_items * translated)
    step = n_items / n_translated if n_translated else 0
    chosen = {int(k * step) for k in range(n_translated)}
    counts = {"items": n_items, "translated": 0, "out_of_date": 0, "read_aloud": 0}
    with session_scope(engine) as s:
        for j in range(n_items):
            code = f"I{j + 1:05d}"
            bank.add_item(s, code, ItemContent(stem=f"Vraag {j + 1}?", options=NL, key=("ABCD"[j % 4],),
                                               language="nl"), author="w")
            if j not in chosen:
                continue
            counts["translated"] += 1
            bank.revise_item(s, code, based_on=1, author="t", change_note="en", language="en",
                             stem=f"Question {j + 1}?", options=EN)
            if counts["translated"] % 3 == 0:  # the source changed after the translation
                bank.revise_item(s, code, based_on=1, author="w", change_note="nl", stem=f"Vraag {j + 1}, beter?")
                counts["out_of_date"] += 1
            elif counts["translated"] % 5 == 0:
                bank.revise_item(s, code, based_on=1, target_based_on=0, author="w", change_note="ra",
                                 variant="read_aloud")
                counts["read_aloud"] += 1
    engine.dispose()
    return counts


def best(url: str, repeat: int, run: Callable) -> tuple[float, object]:
    """The fastest of ``repeat`` runs of ``run(session)``, each in a new session (nothing cached)."""
    from sqlalchemy.orm import Session

    from itembank.storage.db import open_bank

    engine = open_bank(url)
    times, result = [], None
    for _ in range(repeat):
        with Session(engine) as s:
            start = time.perf_counter()
            result = run(s)
            times.append(time.perf_counter() - start)
    engine.dispose()
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--translated", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from itembank.services import bank

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bank.db'}"
        start = time.perf_counter()
        counts = build(url, args.items, args.translated)
        print(f"bank: {counts['items']} items, {counts['translated']} translated "
              f"({counts['out_of_date']} out of date, {counts['read_aloud']} with a read-aloud variant); "
              f"built in {time.perf_counter() - start:.1f} s")

        def per_item(s):  # noqa: ANN001, ANN202 - the lines column item by item, as before
            heads = bank.line_heads(s)
            source = {h.version_id for hs in heads.values() for h in hs if h.is_source}
            versions = [v for v in bank.find_versions(s, latest_only=False) if v.id in source]
            return [(v, bank.lines_text(s, v.item.code, heads[v.item.code])) for v in versions]

        base, found = best(url, args.repeat, lambda s: bank.find_versions(s))
        listed_t, listed = best(url, args.repeat, lambda s: bank.list_items(s))
        old_t, old = best(url, args.repeat, per_item)
        assert [(v.id, text) for v, text in listed] == [(v.id, text) for v, text in old]  # same answer
        stale = sum("(out of date)" in text for _, text in listed)
        print(f"find_versions (baseline): {base:.3f} s  ({len(found)} versions)")
        print(f"list_items:               {listed_t:.3f} s  ({len(listed)} rows, {stale} marked out of date)"
              f"  = {listed_t / base:.1f} x baseline")
        print(f"per item (before):        {old_t:.3f} s  = {old_t / base:.1f} x baseline")
        print(f"(best of {args.repeat} runs each, SQLite file)")


if __name__ == "__main__":
    main()
