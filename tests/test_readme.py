"""The README's rule table points to real functions: every `path/to/module.py:name` in it
names a file of this repository that defines ``name`` (a function, class, method or constant)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`([\w/]+\.py):([\w.]+)`")


def defined_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names |= {f"{node.name}.{m.name}" for m in node.body
                          if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_every_rule_reference_in_the_readme_names_a_real_definition() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("**Where each rule lives**"):]
    references = REFERENCE.findall(table)
    assert len(references) >= 20  # the table itself, not an accidental match
    missing = [f"{path}:{name}" for path, name in references
               if not (ROOT / path).is_file() or name not in defined_names(ROOT / path)]
    assert missing == []
