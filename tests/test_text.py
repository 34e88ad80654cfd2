"""All wording lives in one dict (itembank/text.py): a key written twice silently keeps only the
second wording, so a page using the first would get the other page's text (or its fields)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import itembank.text


def test_no_wording_key_is_defined_twice() -> None:
    tree = ast.parse(Path(itembank.text.__file__).read_text(encoding="utf-8"))
    (text,) = [node.value for node in ast.walk(tree)
               if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "TEXT"]
    counts = Counter(k.value for k in text.keys if isinstance(k, ast.Constant))
    assert [key for key, n in counts.items() if n > 1] == []
    assert len(counts) == len(itembank.text.TEXT)
