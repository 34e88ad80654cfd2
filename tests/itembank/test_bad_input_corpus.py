"""The bad-input corpus (issue 17, item 6): realistic mistakes, each through the real CLI.

Every case is a command line a secretary or committee member could type, with the files a
spreadsheet program could have saved (wrong encoding, semicolons, a header only, a product
code in the max-score column, ...). Each case asserts, through :func:`itembank.cli.main`
(so the top-level error handler is part of what is tested):

* exit code 2;
* no traceback on the screen and no exception escaping ``main``;
* a message naming what it must name (file, row, column, what was expected), as substrings,
  compared case-insensitively;
* the bank unchanged: every table's row count and a hash of its rows, before and after;
* no output file left behind where the command would have written one.

The bank is the demo bank (``demo_db``) plus, built once per module: a sitting ``EMPTY-1``
of the demo form without responses, a release of the demo sitting (for objections and
annulments), and a small form ``SMALL-F`` (two MC items and one open item worth 3 points)
with an empty sitting ``SMALL-1`` (for graders' points). Each case works on its own copy.

Cases the product does not handle yet are listed in one table, ``PENDING`` (test id -> what is
missing), and run as ``xfail(strict=True)`` with the reason "issue 17: ..."; a fix shows up as
XPASS(strict) and its entry is then removed.

A few files must be *accepted* (a Dutch Excel CSV: semicolons and decimal commas; UTF-8 with
a BOM; UTF-16 with a BOM): :func:`test_accepted_file` checks those import, change the bank and
store a decimal comma as a point. :func:`test_mistake_changes_nothing_on_either_database`
repeats a dozen writing mistakes on SQLite and, when ``ITEMBANK_TEST_POSTGRES_URL`` is set,
PostgreSQL. :func:`test_corpus_covers_every_input_kind` keeps the corpus at 100 cases or more,
at least 10 per input kind.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("bad_input_helpers", Path(__file__).with_name("bad_input_helpers.py"))
assert _spec is not None and _spec.loader is not None
helpers = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bad_input_helpers", helpers)
_spec.loader.exec_module(helpers)

DATA = Path(__file__).parent.parent / "data"
FLEX = DATA / "scoring" / "flextoets"
ADM = "VCA-B-2025-11-ROT"  # the demo sitting: 600 candidates, rule set assigned, released here
EMPTY = "EMPTY-1"  # a sitting of the demo form without responses
SMALL = "SMALL-1"  # a sitting of SMALL-F (Q1, Q2 MC; O1 open, 3 points), without responses
FORM = "VCA-B-2025-A"
SPEC = "VCA-BASIS-2025"
BLUEPRINT = "VCA-BASIS-40"


# --------------------------------------------------------------------------- the bank


@dataclass(frozen=True)
class Bank:
    path: Path
    form_items: tuple[str, ...]  # the demo form's item codes, in order
    candidate: str  # a candidate of the demo sitting
    item: str  # an item of the demo form (max score 1)
    tables: dict[str, tuple[int, str]]  # helpers.fingerprint of the file at ``path``

    def unchanged(self, copy: Path) -> bool:
        """Whether every table of ``copy`` (a copy of this bank after a command) is as it was;
        a byte-identical file needs no hashing."""
        return copy.read_bytes() == self.path.read_bytes() or helpers.fingerprint(copy) == self.tables


@pytest.fixture(scope="module")
def corpus_bank(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Bank:
    from itembank.services import administrations, bank, forms, results
    from itembank.services.bank import ItemContent
    from itembank.storage.db import open_bank, session_scope

    path = tmp_path_factory.mktemp("corpus") / "bank.db"
    shutil.copy(demo_db, path)
    engine = open_bank(str(path))
    try:
        with session_scope(engine) as session:
            administrations.add_administration(session, EMPTY, FORM, on=date(2026, 1, 15), actor="sec")
            entries = []
            for code in ("SMALL-Q1", "SMALL-Q2", "SMALL-O1"):
                content = (ItemContent(stem="Explain the risk.", item_type="open", max_score=3) if code.endswith("O1")
                           else ItemContent(stem=f"{code}?", options=tuple((x, x.lower()) for x in "ABCD"), key=("A",)))
                version = bank.add_item(session, code, content, author="w")
                bank.set_status(session, code, 1, "in_review", actor="w")
                bank.set_status(session, code, 1, "approved", actor="c")
                entries.append(forms.FormEntry(version.id, part="theory"))
            forms.freeze_form(session, "SMALL-F", entries, actor="c")
            administrations.add_administration(session, SMALL, "SMALL-F", on=date(2026, 1, 16), actor="sec")
        with session_scope(engine) as session:
            results.release_results(session, ADM, actor="sec")
        with session_scope(engine) as session:
            form = administrations.scoring_form(session, ADM)
            items = tuple(form.item_ids)
            candidate = str(administrations.get_responses(session, ADM).index[0])
    finally:
        engine.dispose()
    return Bank(path, items, candidate, items[0], helpers.fingerprint(path))


# --------------------------------------------------------------------------- cases

Files = Mapping[str, bytes]


@dataclass(frozen=True)
class Case:
    """One mistake: the command line (``@DB`` = the bank, ``@/`` = the case's folder), the
    files it needs (built from the bank's facts), what the message must name, and — when the
    product does not handle it yet — why it is expected to fail."""

    id: str
    kind: str
    argv: tuple[str, ...]
    files: Callable[[Bank], Files] = lambda bank: {}
    expect: tuple[str, ...] = ()
    db: bool = True  # append --db @DB
    absent: tuple[str, ...] = ()  # files that must not exist afterwards (an output not written)


CASES: list[Case] = []


def case(id: str, kind: str, *argv: str, files: Callable[[Bank], Files] | Files | None = None,
         expect: tuple[str, ...] | str = (), db: bool = True,
         absent: tuple[str, ...] = ()) -> None:
    make = files if callable(files) else (lambda bank, f=dict(files or {}): f)
    CASES.append(Case(id, kind, tuple(argv), make, (expect,) if isinstance(expect, str) else tuple(expect),
                      db, absent))


def lines(*rows: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return helpers.csv_bytes(rows, encoding=encoding, newline=newline)


# ---- items import (CSV and XLSX) ---------------------------------------------------------

ITEM_HEADER = "code,status,item_type,language,stem,option_A,option_B,option_C,option_D,key,max_score,specification,objective,level"
ITEM_ROW = "NEW-01,draft,mc,nl,Wat is een PBM?,helm,fiets,boek,stoel,A,1,VCA-BASIS-2025,LO1,K"


def items_file(*rows: str, header: str = ITEM_HEADER, name: str = "items.csv", **kw: str) -> Files:
    return {name: lines(header, *rows, **kw)}


def item_row(**cells: str) -> str:
    values = dict(zip(ITEM_HEADER.split(","), ITEM_ROW.split(",")))
    values.update(cells)
    return ",".join(values.values())


def items(id: str, files: Files, expect: tuple[str, ...] | str, *, name: str = "items.csv") -> None:
    case(id, "items import", "items", "import", f"@/{name}", files=files, expect=expect)


items("items-header-only", items_file(), ("items.csv", "no"))
items("items-empty-file", {"items.csv": b""}, ("items.csv", "empty"))
items("items-blank-lines-only", {"items.csv": b"\n\n\n"}, ("items.csv", "empty"))
items("items-unknown-column-typo", items_file(ITEM_ROW.replace(",LO1,", ",LO1,") , header=ITEM_HEADER.replace("objective", "objectiv")),
      ("items.csv", "row 1", "objectiv", "unknown column"))
items("items-missing-stem-column", items_file("NEW-01,A", header="code,key"), ("items.csv", "stem", "required column is missing"))
items("items-duplicate-column", items_file(ITEM_ROW + ",again", header=ITEM_HEADER + ",stem"),
      ("items.csv", "stem", "more than once"))
items("items-cp1252-excel-csv", items_file(item_row(stem="Wat is een veiligheidsbril (€)? Café"), encoding="cp1252"),
      ("items.csv", "utf-8"))
items("items-utf16-without-bom", {"items.csv": ("\n".join([ITEM_HEADER, ITEM_ROW]) + "\n").encode("utf-16-le")},
      ("items.csv",))
items("items-status-typo", items_file(item_row(status="aproved")), ("items.csv", "row 2", "status", "aproved", "approved"))
items("items-type-typo", items_file(item_row(item_type="multiple")), ("items.csv", "row 2", "item_type", "multiple", "mc"))
items("items-variant-typo", {"items.csv": lines(ITEM_HEADER + ",variant", ITEM_ROW + ",voorlezen")},
      ("items.csv", "row 2", "variant", "voorlezen", "read_aloud"))
items("items-key-not-an-option", items_file(item_row(key="E")), ("items.csv", "row 2", "key", "E"))
items("items-mc-with-two-keys", items_file(item_row(key="A|B")), ("items.csv", "row 2", "key", "mr"))
items("items-open-item-with-key", items_file(item_row(item_type="open", key="A")), ("items.csv", "row 2", "key"))
items("items-only-one-option", {"items.csv": lines("code,stem,option_A,key", "NEW-01,Vraag?,ja,A")},
      ("items.csv", "row 2", "option_A", "at least two options"))
items("items-empty-code", items_file(item_row(code="")), ("items.csv", "row 2", "code", "empty"))
items("items-empty-stem", items_file(item_row(stem="")), ("items.csv", "row 2", "stem", "empty"))
items("items-max-score-word", items_file(item_row(max_score="een")), ("items.csv", "row 2", "max_score", "een"))
items("items-max-score-negative", items_file(item_row(max_score="-1")), ("items.csv", "row 2", "max_score", "positive"))
items("items-max-score-zero", items_file(item_row(max_score="0")), ("items.csv", "row 2", "max_score", "positive"))
items("items-max-score-thousands-separator", items_file(item_row(max_score='"1.000,5"')),
      ("items.csv", "row 2", "max_score", "1.000,5"))
items("items-max-score-four-decimals", items_file(item_row(max_score="0.1234")), ("items.csv", "row 2", "max_score", "3 decimals"))
items("items-max-score-product-code", items_file(item_row(max_score="8712345678906")), ("items.csv", "row 2", "max_score"))
items("items-unknown-specification", items_file(item_row(specification="VCA-BASIC-2025")),
      ("items.csv", "row 2", "specification", "VCA-BASIC-2025"))
items("items-unknown-objective", items_file(item_row(objective="LO9")), ("items.csv", "row 2", "objective", "LO9", "LO1"))
items("items-unknown-level", items_file(item_row(level="X")), ("items.csv", "row 2", "level", "'X'"))
items("items-tag-without-specification", items_file(item_row(specification="")),
      ("items.csv", "row 2", "objective", "specification"))
items("items-unknown-item-set", {"items.csv": lines(ITEM_HEADER + ",item_set", ITEM_ROW + ",SET-99")},
      ("items.csv", "row 2", "item_set", "SET-99"))
items("items-unknown-language", items_file(item_row(language="dutch")), ("items.csv", "row 2", "language", "dutch"))
items("items-duplicate-code-in-file", items_file(ITEM_ROW, ITEM_ROW), ("items.csv", "row 3", "NEW-01", "row 2"))
items("items-bad-created-at", {"items.csv": lines(ITEM_HEADER + ",created_at", ITEM_ROW + ",15-01-2026")},
      ("items.csv", "row 2", "created_at", "15-01-2026"))
items("items-version-zero", {"items.csv": lines(ITEM_HEADER + ",version", ITEM_ROW + ",0")},
      ("items.csv", "row 2", "version", "0"))
items("items-version-word", {"items.csv": lines(ITEM_HEADER + ",version", ITEM_ROW + ",twee")},
      ("items.csv", "row 2", "version", "twee"))
items("items-version-gap-against-bank",
      lambda bank: {"items.csv": lines(ITEM_HEADER + ",version", item_row(code=bank.item) + ",7")},
      ("items.csv", "row 2", "version", "expected version"))
items("items-version-clash-against-bank",
      lambda bank: {"items.csv": lines(ITEM_HEADER + ",version", item_row(code=bank.item) + ",1")},
      ("items.csv", "row 2", "version", "already exists"))
items("items-row-longer-than-header", items_file(ITEM_ROW + ",extra,cells"), ("items.csv", "row 2", "fields"))
items("items-unclosed-quote", items_file('NEW-01,draft,mc,nl,"Wat is een PBM?,helm,fiets,boek,stoel,A,1,VCA-BASIS-2025,LO1,K'),
      ("items.csv", "row 2", "quote"))
items("items-many-bad-rows-listed-up-to-limit",
      items_file(*(item_row(code=f"NEW-{i:02d}", status="aproved") for i in range(25))),
      ("items.csv", "row 2", "row 21", "and 5 more problems"))
items("items-mixed-separators", {"items.csv": lines(ITEM_HEADER.replace(",", ";"), ITEM_ROW)}, ("items.csv",))
items("items-binary-file-named-csv", {"items.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))},
      ("items.csv",))
items("items-text-file-extension", {"items.txt": lines(ITEM_HEADER, ITEM_ROW)}, ("items.txt", ".csv or .xlsx"), name="items.txt")
case("items-file-not-found", "items import", "items", "import", "@/itmes.csv", expect=("itmes.csv", "not found"))
case("items-folder-given", "items import", "items", "import", "@/", expect=("folder",))
items("items-xlsx-that-is-a-csv", {"items.xlsx": lines(ITEM_HEADER, ITEM_ROW)}, ("items.xlsx", "xlsx"), name="items.xlsx")
items("items-xlsx-unknown-column",
      {"items.xlsx": helpers.xlsx_bytes([ITEM_HEADER.replace("objective", "objectiv").split(","), ITEM_ROW.split(",")])},
      ("items.xlsx", "row 1", "objectiv"), name="items.xlsx")
items("items-xlsx-status-typo",
      {"items.xlsx": helpers.xlsx_bytes([ITEM_HEADER.split(","), item_row(status="goedgekeurd").split(",")])},
      ("items.xlsx", "row 2", "status", "goedgekeurd"), name="items.xlsx")
items("items-xlsx-max-score-text-cell",
      {"items.xlsx": helpers.xlsx_bytes([ITEM_HEADER.split(","), item_row(max_score="1 punt").split(",")])},
      ("items.xlsx", "row 2", "max_score", "1 punt"), name="items.xlsx")
items("items-xlsx-header-only", {"items.xlsx": helpers.xlsx_bytes([ITEM_HEADER.split(",")])}, ("items.xlsx", "no"),
      name="items.xlsx")
items("items-semicolon-file-with-typo-column",
      {"items.csv": lines(ITEM_HEADER.replace(",", ";").replace("objective", "objectiv"), ITEM_ROW.replace(",", ";"))},
      ("items.csv", "objectiv", "unknown column"))


# ---- responses import -----------------------------------------------------------------------


def responses(id: str, files: Callable[[Bank], Files] | Files, expect: tuple[str, ...] | str, *, admin: str = EMPTY,
              name: str = "responses.csv", extra: tuple[str, ...] = ()) -> None:
    case(id, "responses import", "responses", "import", admin, f"@/{name}", *extra, files=files, expect=expect)


def demo_responses(bank: Bank, *, header: list[str] | None = None, rows: list[list[str]] | None = None,
                   sep: str = ",", encoding: str = "utf-8") -> Files:
    header = header if header is not None else ["candidate", *bank.form_items]
    rows = rows if rows is not None else [[f"K{i}", *(["A"] * len(bank.form_items))] for i in range(1, 4)]
    return {"responses.csv": lines(sep.join(header), *(sep.join(r) for r in rows), encoding=encoding)}


def small(*rows: str, header: str = "candidate,SMALL-Q1,SMALL-Q2,SMALL-O1,SMALL-O1#2") -> Files:
    return {"responses.csv": lines(header, *rows)}


responses("responses-header-only", lambda b: demo_responses(b, rows=[]), ("responses.csv", "no candidates"))
responses("responses-empty-file", {"responses.csv": b""}, ("responses.csv", "empty"))
responses("responses-misspelt-item-column",
          lambda b: demo_responses(b, header=["candidate", b.form_items[0] + "X", *b.form_items[1:]]),
          ("responses.csv", "row 1", "not an item"))
responses("responses-item-column-missing",
          lambda b: demo_responses(b, header=["candidate", *b.form_items[1:]],
                                   rows=[["K1", *(["A"] * (len(b.form_items) - 1))]]),
          ("responses.csv",))
responses("responses-file-of-another-form",
          {"responses.csv": lines("candidate,F01,F02,F03", "c1,A,B,C")},
          ("responses.csv", "F01", "not an item"))
responses("responses-another-form-lists-missing-items",
          lambda b: {"responses.csv": lines("candidate,F01,F02,F03", "c1,A,B,C")},
          ("responses.csv", "F01", "no column for this item"))
responses("responses-no-candidate-column",
          lambda b: demo_responses(b, header=["kandidaat", *b.form_items]), ("responses.csv", "candidate"))
responses("responses-empty-candidate-id",
          lambda b: demo_responses(b, rows=[["K1", *["A"] * 40], ["", *["B"] * 40]]),
          ("responses.csv", "row 3", "candidate", "empty"))
responses("responses-repeated-candidate",
          lambda b: demo_responses(b, rows=[["K1", *["A"] * 40], ["K1", *["B"] * 40]]),
          ("responses.csv", "row 3", "candidate", "row 2"))
responses("responses-attribute-not-in-file", lambda b: demo_responses(b), ("responses.csv", "regio", "--attribute"),
          extra=("--attribute", "regio"))
responses("responses-attribute-column-not-declared",
          lambda b: demo_responses(b, header=["candidate", *b.form_items, "language"],
                                   rows=[["K1", *["A"] * 40, "nl"]]),
          ("responses.csv", "language", "--attribute"))
responses("responses-unknown-administration", lambda b: demo_responses(b), ("VCA-2026-XX",), admin="VCA-2026-XX")
responses("responses-sitting-has-responses-already",
          lambda b: demo_responses(b, rows=[[b.candidate, *["A"] * 40]]), ("responses.csv", "already"),
          admin=ADM)
responses("responses-cp1252", lambda b: demo_responses(b, header=["candidate", *b.form_items, "école"],
                                                       rows=[["K1", *["A"] * 40, "é"]], encoding="cp1252"),
          ("responses.csv", "utf-8"), extra=("--attribute", "école"))
responses("responses-duplicate-column",
          lambda b: demo_responses(b, header=["candidate", *b.form_items, b.form_items[0]],
                                   rows=[["K1", *["A"] * 41]]), ("responses.csv", "more than once"))
responses("responses-row-longer-than-header",
          lambda b: demo_responses(b, rows=[["K1", *["A"] * 40], ["K2", *["A"] * 42]]), ("responses.csv", "row 3"))
responses("responses-text-extension", {"responses.txt": b"candidate\nK1\n"}, ("responses.txt", ".csv or .xlsx"),
          name="responses.txt")
case("responses-file-not-found", "responses import", "responses", "import", EMPTY, "@/antwoorden.csv",
     expect=("antwoorden.csv", "not found"))
responses("responses-xlsx-that-is-a-csv", {"responses.xlsx": b"candidate,Q1\nK1,A\n"}, ("responses.xlsx", "xlsx"),
          name="responses.xlsx")
responses("responses-xlsx-misspelt-item",
          lambda b: {"responses.xlsx": helpers.xlsx_bytes([["candidate", "VCA-LO1-A-1"], ["K1", "A"]])},
          ("responses.xlsx", "VCA-LO1-A-1", "not an item"), name="responses.xlsx")
responses("responses-points-as-word", small("c1,A,B,drie,3"), ("responses.csv", "row 2", "SMALL-O1", "drie"), admin=SMALL)
responses("responses-points-above-maximum", small("c1,A,B,5,3"), ("responses.csv", "row 2", "SMALL-O1", "5"), admin=SMALL)
responses("responses-points-negative", small("c1,A,B,-1,0"), ("responses.csv", "row 2", "SMALL-O1", "-1"), admin=SMALL)
responses("responses-points-thousands-separator", small('c1,A,B,"1.000,5",1'), ("responses.csv", "row 2", "SMALL-O1"),
          admin=SMALL)
responses("responses-second-grader-blank", small("c1,A,B,2,", "c2,A,B,1,1"), ("responses.csv", "row 2", "SMALL-O1#2"),
          admin=SMALL)
responses("responses-grader-of-unknown-item", small("c1,A,B,2,2,1", header="candidate,SMALL-Q1,SMALL-Q2,SMALL-O1,SMALL-O1#2,SMALL-O9#2"),
          ("responses.csv", "SMALL-O9#2", "not an item"), admin=SMALL)
responses("responses-semicolon-points-as-word",
          {"responses.csv": lines("candidate;SMALL-Q1;SMALL-Q2;SMALL-O1;SMALL-O1#2", "c1;A;B;twee;2")},
          ("responses.csv", "row 2", "SMALL-O1", "twee"), admin=SMALL)


# ---- blueprint import -----------------------------------------------------------------------

BP_HEADER = "id,type,counts,condition,lower,upper,on"


def blueprint(id: str, files: Files, expect: tuple[str, ...] | str, *, name: str = "blueprint.csv",
              spec: str = SPEC, extra: tuple[str, ...] = ()) -> None:
    case(id, "blueprint import", "blueprint", "import", spec, "NEW-BP", f"@/{name}", *extra, files=files,
         expect=expect)


def bp(*rows: str, header: str = BP_HEADER, **kw: str) -> Files:
    return {"blueprint.csv": lines(header, *rows, **kw)}


BP_OK = "total_items,count,items,,40,40,yes"
blueprint("blueprint-header-only", bp(), ("blueprint.csv", "no constraint rows"))
blueprint("blueprint-empty-file", {"blueprint.csv": b""}, ("blueprint.csv", "empty"))
blueprint("blueprint-missing-upper-column", bp("total,count,items,,40,yes", header="id,type,counts,condition,lower,on"),
          ("blueprint.csv", "upper", "missing"))
blueprint("blueprint-type-typo", bp("LO1,counted,items,objective=LO1,2,2,yes"), ("blueprint.csv", "row 2", "type", "counted"))
blueprint("blueprint-lower-above-upper", bp("LO1,count,items,objective=LO1,5,3,yes"),
          ("blueprint.csv", "row 2", "upper", "below lower"))
blueprint("blueprint-no-bound", bp("LO1,count,items,objective=LO1,,,yes"), ("blueprint.csv", "row 2", "neither"))
blueprint("blueprint-bound-as-word", bp("LO1,count,items,objective=LO1,vijf,5,yes"), ("blueprint.csv", "row 2", "lower", "vijf"))
blueprint("blueprint-bound-thousands-separator", bp('LO1,count,items,objective=LO1,"1.000,5",2000,yes'),
          ("blueprint.csv", "row 2", "lower", "1.000,5"))
blueprint("blueprint-duplicate-id", bp(BP_OK, BP_OK), ("blueprint.csv", "row 3", "id", "already used"))
blueprint("blueprint-empty-id", bp(",count,items,,40,40,yes"), ("blueprint.csv", "row 2", "id", "empty"))
blueprint("blueprint-sum-of-items", bp("points,sum,items,,40,40,yes"), ("blueprint.csv", "row 2", "counts"))
blueprint("blueprint-count-of-points", bp("n,count,points,,40,40,yes"), ("blueprint.csv", "row 2", "counts", "points"))
blueprint("blueprint-switch-typo", bp("total_items,count,items,,40,40,misschien"), ("blueprint.csv", "row 2", "on", "misschien"))
blueprint("blueprint-condition-without-operator", bp("LO1,count,items,objective LO1,2,2,yes"),
          ("blueprint.csv", "row 2", "condition"))
blueprint("blueprint-condition-unknown-attribute", bp(BP_OK, "LO2,count,items,objectiv=LO2,2,2,yes"),
          ("blueprint.csv", "row 3", "condition", "objectiv"))
blueprint("blueprint-sum-of-unknown-column", bp(BP_OK, "minutes,sum,duration,,60,60,yes"),
          ("blueprint.csv", "row 3", "counts", "duration"))
blueprint("blueprint-count-bound-not-whole", bp("LO1,count,items,objective=LO1,\"2,5\",3,yes"),
          ("blueprint.csv", "row 2", "lower", "2.5"))
blueprint("blueprint-bound-product-code", bp("total_items,count,items,,40,8712345678906,yes"),
          ("blueprint.csv", "row 2", "upper", "8712345678906"))
blueprint("blueprint-unknown-attribute-in-set-clause", bp(BP_OK, 'LOx,count,items,"level in K, X; onderwerp=hygiene",1,2,yes'),
          ("blueprint.csv", "row 3", "condition", "onderwerp"))
blueprint("blueprint-unknown-specification", bp(BP_OK), ("VCA-BASIS-2052",), spec="VCA-BASIS-2052")
blueprint("blueprint-cp1252", bp("LO1,count,items,objective=LO1; level=K,2,2,ja", "tëst,count,items,,1,1,ja",
                                 encoding="cp1252"), ("blueprint.csv", "utf-8"))
blueprint("blueprint-xlsx-lower-above-upper",
          {"blueprint.xlsx": helpers.xlsx_bytes([BP_HEADER.split(","), ["LO1", "count", "items", "objective=LO1", 5, 3, "yes"]])},
          ("blueprint.xlsx", "row 2", "upper"), name="blueprint.xlsx")
blueprint("blueprint-duration-not-a-number", bp(BP_OK), ("--duration", "integer"), extra=("--duration", "zestig"))
case("blueprint-file-not-found", "blueprint import", "blueprint", "import", SPEC, "NEW-BP", "@/matrijs.csv",
     expect=("matrijs.csv", "not found"))


# ---- rule sets (rules add) ------------------------------------------------------------------


def flextoets_toml() -> str:
    from importlib import resources

    return resources.files("itembank").joinpath("rules/flextoets.toml").read_text(encoding="utf-8")


def rules(id: str, text: Callable[[str], str] | bytes, expect: tuple[str, ...] | str, *,
          name: str = "rules.toml") -> None:
    def files(bank: Bank) -> Files:
        return {name: text if isinstance(text, bytes) else text(flextoets_toml()).encode("utf-8")}

    case(id, "rules add", "rules", "add", "NEW-RULES", f"@/{name}", files=files, expect=expect)


rules("rules-toml-syntax-error", lambda t: t.replace('value = 65', 'value = 65 %'), ("rules.toml", "line"))
rules("rules-unclosed-string", lambda t: t.replace('"linear"', '"linear'), ("rules.toml",))
rules("rules-unknown-key", lambda t: t.replace('void = "drop"', 'voids = "drop"'), ("rules.toml", "scoring.voids"))
rules("rules-cut-kind-typo", lambda t: t.replace('kind = "percent"', 'kind = "procent"'),
      ("rules.toml", "total.cut.kind", "procent", "percent"))
rules("rules-percent-above-100", lambda t: t.replace("value = 65", "value = 650"), ("rules.toml", "total.cut.value", "650"))
rules("rules-cut-value-as-text", lambda t: t.replace("value = 65", 'value = "65%"'), ("rules.toml", "total.cut.value"))
rules("rules-grade-method-typo", lambda t: t.replace('method = "linear"', 'method = "lineair"'),
      ("rules.toml", "grade.method", "lineair"))
rules("rules-void-policy-typo", lambda t: t.replace('void = "drop"', 'void = "skip"'), ("rules.toml", "scoring.void", "skip"))
rules("rules-inspection-min-above-max", lambda t: t.replace("min = 4.5", "min = 5.4").replace("max = 5.4", "max = 4.5"),
      ("rules.toml", "inspection"))
rules("rules-outcome-below-unknown-part", lambda t: t.replace('grade_below = 6 }', 'below = ["theroy"] }'),
      ("rules.toml", "theroy"))
rules("rules-empty-file", lambda t: "", ("rules.toml",))
rules("rules-cp1252", 'name = "Flextoets café"\n[parts.theory]\n'.encode("cp1252"), ("rules.toml", "utf-8"))
rules("rules-utf16-without-bom", flextoets_toml().encode("utf-16-le"), ("rules.toml",))
rules("rules-json-instead-of-toml", lambda t: '{"total": {"cut": {"kind": "percent", "value": 65}}}', ("rules.toml",))
case("rules-file-not-found", "rules add", "rules", "add", "NEW-RULES", "@/regels.toml", expect=("regels.toml", "not found"))
case("rules-folder-given", "rules add", "rules", "add", "NEW-RULES", "@/", expect=("folder",))


# ---- file mode: score --form --responses --rules [--decisions] --out -------------------------

FLEX_FORM = (FLEX / "FORM.csv").read_text(encoding="utf-8").splitlines()
FLEX_RESPONSES = (FLEX / "RESPONSES.csv").read_text(encoding="utf-8").splitlines()
FLEX_DECISIONS = (FLEX / "DECISIONS.csv").read_text(encoding="utf-8").splitlines()


def file_mode(id: str, *, form: list[str] | bytes | None = None, responses: list[str] | bytes | None = None,
              rules: str | bytes | None = None, decisions: list[str] | bytes | None = None,
              expect: tuple[str, ...] | str, argv: tuple[str, ...] | None = None) -> None:
    def as_bytes(value: list[str] | bytes | str) -> bytes:
        if isinstance(value, bytes):
            return value
        return value.encode("utf-8") if isinstance(value, str) else lines(*value)

    def files(bank: Bank) -> Files:
        out = {"FORM.csv": as_bytes(form if form is not None else FLEX_FORM),
               "RESPONSES.csv": as_bytes(responses if responses is not None else FLEX_RESPONSES),
               "RULES.toml": as_bytes(rules if rules is not None else flextoets_toml())}
        if decisions is not None:
            out["DECISIONS.csv"] = as_bytes(decisions)
        return out

    base = ("score", "--form", "@/FORM.csv", "--responses", "@/RESPONSES.csv", "--rules", "@/RULES.toml")
    if decisions is not None:
        base += ("--decisions", "@/DECISIONS.csv")
    CASES.append(Case(id, "file mode", argv or base + ("--out", "@/RESULTS.csv"), files,
                      (expect,) if isinstance(expect, str) else expect, db=False, absent=("RESULTS.csv",)))


def form_with(row: int, cell: str, value: str) -> list[str]:
    """FLEX_FORM with one cell of data row ``row`` (1 = first item) replaced."""
    header = FLEX_FORM[0].split(",")
    out = list(FLEX_FORM)
    cells = out[row].split(",")
    cells[header.index(cell)] = value
    out[row] = ",".join(cells)
    return out


file_mode("form-type-typo", form=form_with(1, "type", "multi"), expect=("FORM.csv", "row 2", "type", "multi", "mc"))
file_mode("form-key-not-an-option", form=form_with(1, "key", "E"), expect=("FORM.csv", "row 2", "key", "E"))
file_mode("form-duplicate-item", form=[*FLEX_FORM, FLEX_FORM[1]], expect=("FORM.csv", f"row {len(FLEX_FORM) + 1}", "F01", "row 2"))
file_mode("form-max-score-word", form=form_with(1, "max_score", "een"), expect=("FORM.csv", "row 2", "max_score", "een"))
file_mode("form-weight-word", form=form_with(1, "weight", "dubbel"), expect=("FORM.csv", "row 2", "weight", "dubbel"))
file_mode("form-max-score-product-code", form=form_with(1, "max_score", "8712345678906"), expect=("FORM.csv", "row 2", "max_score"))
file_mode("form-weight-negative", form=form_with(1, "weight", "-1"), expect=("FORM.csv", "row 2", "weight"))
file_mode("form-weight-product-code", form=form_with(1, "weight", "8712345678906"), expect=("FORM.csv", "row 2", "weight"))
file_mode("decisions-weight-product-code", decisions=[FLEX_DECISIONS[0], "F01,weight,8712345678906,typo"],
          expect=("DECISIONS.csv", "row 2", "value", "8712345678906"))
file_mode("form-header-only", form=FLEX_FORM[:1], expect=("FORM.csv", "no item"))
file_mode("form-unknown-column", form=[FLEX_FORM[0] + ",punten", *(r + ",1" for r in FLEX_FORM[1:])],
          expect=("FORM.csv", "row 1", "punten", "unknown column"))
file_mode("form-missing-type-column", form=[",".join(c for c in r.split(",")[:2]) for r in FLEX_FORM],
          expect=("FORM.csv", "type", "missing"))
file_mode("form-part-not-in-rules", form=form_with(1, "part", "theroy"), expect=("theroy",))
file_mode("form-empty-item-id", form=form_with(1, "item", ""), expect=("FORM.csv", "row 2", "item", "empty"))
file_mode("form-cp1252", form=lines(*FLEX_FORM, "F99,théorie,mc,A|B,A,1,1", encoding="cp1252"),
          expect=("FORM.csv", "utf-8"))
file_mode("responses-first-column-not-candidate", responses=[FLEX_RESPONSES[0].replace("candidate", "kandidaat"), *FLEX_RESPONSES[1:]],
          expect=("RESPONSES.csv", "row 1", "candidate"))
file_mode("responses-unknown-item-column", responses=[FLEX_RESPONSES[0].replace("F20", "F21"), *FLEX_RESPONSES[1:]],
          expect=("RESPONSES.csv", "F21"))
file_mode("responses-missing-item-column",
          responses=[",".join(r.split(",")[:-1]) for r in FLEX_RESPONSES], expect=("RESPONSES.csv", "F20"))
file_mode("responses-repeated-candidate", responses=[*FLEX_RESPONSES, FLEX_RESPONSES[1]],
          expect=("RESPONSES.csv", f"row {len(FLEX_RESPONSES) + 1}", "row 2"))
file_mode("responses-empty-candidate", responses=[*FLEX_RESPONSES, "," + FLEX_RESPONSES[1].split(",", 1)[1]],
          expect=("RESPONSES.csv", f"row {len(FLEX_RESPONSES) + 1}", "candidate", "empty"))
file_mode("responses-cp1252", responses=lines(*FLEX_RESPONSES, "é1" + FLEX_RESPONSES[1][3:], encoding="cp1252"),
          expect=("RESPONSES.csv", "utf-8"))
file_mode("responses-header-only", responses=FLEX_RESPONSES[:1], expect=("RESPONSES.csv", "no candidates"))
file_mode("decisions-action-typo", decisions=[FLEX_DECISIONS[0], "F20,cancel,,typo"],
          expect=("DECISIONS.csv", "row 2", "action", "cancel", "void"))
file_mode("decisions-unknown-item", decisions=[FLEX_DECISIONS[0], "F42,void,,no such item"],
          expect=("DECISIONS.csv", "row 2", "item", "F42"))
file_mode("decisions-accept-label-not-an-option", decisions=[FLEX_DECISIONS[0], "F01,accept,E,typo"],
          expect=("DECISIONS.csv", "row 2", "value", "E"))
file_mode("decisions-weight-as-word", decisions=[FLEX_DECISIONS[0], "F01,weight,twee,double weight"],
          expect=("DECISIONS.csv", "row 2", "value", "twee"))
file_mode("decisions-missing-action-column", decisions=["item,value,reason", "F20,,x"],
          expect=("DECISIONS.csv", "action", "missing"))
file_mode("rules-unknown-key", rules=flextoets_toml().replace('void = "drop"', 'voids = "drop"'),
          expect=("RULES.toml", "scoring.voids"))
file_mode("rules-inspection-min-above-max",
          rules=flextoets_toml().replace("min = 4.5", "min = 5.4").replace("max = 5.4", "max = 4.5"),
          expect=("RULES.toml", "inspection"))
file_mode("rules-cut-above-maximum", rules=flextoets_toml().replace('kind = "percent"\nvalue = 65', 'kind = "points"\nvalue = 25'),
          expect=("25", "20"))
file_mode("rules-cut-above-maximum-without-grade",
          rules=('name = "pass at 25 points"\n[parts.theory]\n[total.cut]\nkind = "points"\nvalue = 25\n'
                 '[grade]\nmethod = "none"\n[outcome]\nrules = [{ label = "fail", below = ["total"] }]\n'),
          expect=("RULES.toml", "25", "20"))
file_mode("rules-utf16-without-bom", rules=flextoets_toml().encode("utf-16-le"), expect=("RULES.toml",))
file_mode("missing-out", expect=("--out",),
          argv=("score", "--form", "@/FORM.csv", "--responses", "@/RESPONSES.csv", "--rules", "@/RULES.toml"))
file_mode("missing-rules-and-out", expect=("--rules", "--out"), argv=("score", "--form", "@/FORM.csv", "--responses", "@/RESPONSES.csv"))
file_mode("out-folder-does-not-exist", expect=("--out", "does not exist"),
          argv=("score", "--form", "@/FORM.csv", "--responses", "@/RESPONSES.csv", "--rules", "@/RULES.toml",
                "--out", "@/nieuw/RESULTS.csv"))
file_mode("form-file-not-found", expect=("FROM.csv", "not found"),
          argv=("score", "--form", "@/FROM.csv", "--responses", "@/RESPONSES.csv", "--rules", "@/RULES.toml",
                "--out", "@/RESULTS.csv"))
file_mode("admin-and-files-together", expect=("not both",),
          argv=("score", ADM, "--form", "@/FORM.csv", "--responses", "@/RESPONSES.csv", "--rules", "@/RULES.toml",
                "--out", "@/RESULTS.csv"))


# ---- command-line arguments of every command --------------------------------------------------


def cli(id: str, *argv: str, expect: tuple[str, ...] | str, db: bool = True,
        absent: tuple[str, ...] = ()) -> None:
    case(id, "command line", *argv, expect=expect, db=db, absent=absent)


cli("unknown-command", "improt", expect=("improt",), db=False)
cli("items-import-without-file", "items", "import", expect=("missing argument",))
cli("items-list-status-typo", "items", "list", "--status", "aproved", expect=("aproved", "approved"))
cli("items-list-unknown-spec", "items", "list", "--spec", "VCA-NOPE", expect=("VCA-NOPE",))
cli("items-show-unknown-code", "items", "show", "VCA-LO9-K-01", expect=("VCA-LO9-K-01",))
cli("items-show-unknown-version", "items", "show", "VCA-LO1-A-01", "--version", "99", expect=("99",))
cli("items-show-version-not-a-number", "items", "show", "VCA-LO1-A-01", "--version", "twee", expect=("--version", "integer"))
cli("items-history-unknown-code", "items", "history", "VCA-LO9-K-01", expect=("VCA-LO9-K-01",))
cli("items-export-text-extension", "items", "export", "@/items.txt", expect=("items.txt", ".csv or .xlsx"), absent=("items.txt",))
cli("items-export-folder-missing", "items", "export", "@/nieuw/items.csv", expect=("items.csv", "does not exist"))
cli("blueprint-status-typo", "blueprint", "status", BLUEPRINT, "1", "aproved", expect=("aproved", "approved"))
cli("blueprint-status-version-word", "blueprint", "status", BLUEPRINT, "een", "approved", expect=("version", "integer"))
cli("blueprint-status-unknown-blueprint", "blueprint", "status", "VCA-BASIS-41", "1", "retired", expect=("VCA-BASIS-41",))
cli("blueprint-export-unknown", "blueprint", "export", "VCA-BASIS-41", "@/bp.csv", expect=("VCA-BASIS-41",), absent=("bp.csv",))
cli("blueprint-gap-unknown-spec", "blueprint", "gap", "VCA-NOPE", BLUEPRINT, expect=("VCA-NOPE",))
cli("assemble-objective-typo", "assemble", "--spec", SPEC, "--blueprint", BLUEPRINT, "--objective", "fastest",
    expect=("--objective", "fastest", "spread_exposure"))
cli("assemble-no-forms", "assemble", "--spec", SPEC, "--blueprint", BLUEPRINT, "--forms", "0", "--dry-run",
    expect=("forms", "1"))
cli("assemble-overlap-above-one", "assemble", "--spec", SPEC, "--blueprint", BLUEPRINT, "--forms", "2", "--max-overlap", "1.5",
    "--dry-run", expect=("overlap", "1"))
cli("blueprint-gap-negative-forms", "blueprint", "gap", SPEC, BLUEPRINT, "--forms", "-1", expect=("forms", "1"))
cli("assemble-unknown-blueprint", "assemble", "--spec", SPEC, "--blueprint", "VCA-BASIS-41", "--dry-run",
    expect=("VCA-BASIS-41",))
cli("assemble-forms-not-a-number", "assemble", "--spec", SPEC, "--blueprint", BLUEPRINT, "--forms", "twee",
    expect=("--forms", "integer"))
cli("administration-date-dutch-order", "administration", "add", "VCA-2026-01", "--form", FORM, "--date", "15-01-2026",
    expect=("--date", "YYYY-MM-DD", "15-01-2026"))
cli("administration-date-impossible", "administration", "add", "VCA-2026-01", "--form", FORM, "--date", "2026-02-30",
    expect=("--date", "2026-02-30"))
cli("administration-unknown-form", "administration", "add", "VCA-2026-01", "--form", "VCA-B-2025-Z", "--date", "2026-01-15",
    expect=("VCA-B-2025-Z",))
cli("administration-code-exists", "administration", "add", ADM, "--form", FORM, "--date", "2026-01-15", expect=(ADM,))
cli("administration-language-not-a-code", "administration", "add", "VCA-2026-01", "--form", FORM, "--date", "2026-01-15",
    "--language", "Nederlands", expect=("language code", "Nederlands", "ISO 639-1"))
cli("administration-missing-date", "administration", "add", "VCA-2026-01", "--form", FORM, expect=("--date",))
cli("responses-export-unknown-admin", "responses", "export", "VCA-2026-XX", "@/out.csv", expect=("VCA-2026-XX",),
    absent=("out.csv",))
cli("rules-assign-unknown-rule-set", "rules", "assign", EMPTY, "VCA-BASSI", expect=("VCA-BASSI",))
cli("rules-assign-unknown-admin", "rules", "assign", "VCA-2026-XX", "VCA-BASIS", expect=("VCA-2026-XX",))
cli("rules-assign-unknown-version", "rules", "assign", EMPTY, "VCA-BASIS", "--version", "9", expect=("9",))
cli("rules-assign-version-word", "rules", "assign", EMPTY, "VCA-BASIS", "--version", "twee", expect=("--version", "integer"))
cli("decide-unknown-action", "decide", "cancel", ADM, "X", expect=("cancel",), db=False)
cli("decide-void-unknown-admin", "decide", "void", "VCA-2026-XX", "VCA-LO1-A-01", "--reason", "r", expect=("VCA-2026-XX",))
cli("decide-void-item-not-on-form", "decide", "void", ADM, "VCA-LO9-K-01", "--reason", "r", expect=("VCA-LO9-K-01", "not on form"))
cli("decide-void-without-reason", "decide", "void", ADM, "VCA-LO1-A-01", expect=("--reason",))
cli("decide-void-empty-reason", "decide", "void", ADM, "VCA-LO1-A-01", "--reason", " ", expect=("reason",))
cli("decide-accept-label-not-an-option", "decide", "accept", ADM, "VCA-LO1-A-01", "E", "--reason", "r", expect=("E",))
cli("decide-rekey-label-not-an-option", "decide", "rekey", ADM, "VCA-LO1-A-01", "Z", "--reason", "r", expect=("Z",))
cli("decide-weight-as-word", "decide", "weight", ADM, "VCA-LO1-A-01", "twee", "--reason", "r", expect=("twee",))
cli("decide-weight-negative-as-option", "decide", "weight", ADM, "VCA-LO1-A-01", "-2", "--reason", "r", expect=("-2",))
cli("decide-weight-negative", "decide", "weight", ADM, "VCA-LO1-A-01", "--reason", "r", "--db", "@DB", "--", "-2",
    expect=("weight", "-2"), db=False)
cli("decide-weight-product-code", "decide", "weight", ADM, "VCA-LO1-A-01", "8712345678906", "--reason", "r",
    expect=("weight", "8712345678906"))
cli("decide-withdraw-unknown", "decide", "withdraw", "99999", "--reason", "r", expect=("99999",))
cli("decide-withdraw-not-a-number", "decide", "withdraw", "D12", "--reason", "r", expect=("decision", "integer"))
cli("decide-cut-not-json", "decide", "cut", ADM, "70%", "--reason", "r", expect=("JSON",))
cli("decide-cut-json-list", "decide", "cut", ADM, "[70]", "--reason", "r", expect=("JSON object",))
cli("decide-cut-kind-typo", "decide", "cut", ADM, '{"kind": "procent", "value": 70}', "--reason", "r", expect=("procent",))
cli("decide-cut-percent-above-100", "decide", "cut", ADM, '{"kind": "percent", "value": 170}', "--reason", "r", expect=("170",))
cli("decide-cut-above-form-maximum", "decide", "cut", ADM, '{"kind": "points", "value": 45}', "--reason", "r",
    expect=("45", "40"))
cli("decide-cut-without-value", "decide", "cut", ADM, '{"kind": "percent"}', "--reason", "r", expect=("value",))
cli("decide-cut-negative-percent", "decide", "cut", ADM, '{"kind": "percent", "value": -5}', "--reason", "r", expect=("value", "-5"))
cli("decide-cut-unknown-part", "decide", "cut", ADM, '{"kind": "percent", "value": 70}', "--reason", "r", "--part", "theroy",
    expect=("theroy",))
cli("release-unknown-admin", "release", "VCA-2026-XX", expect=("VCA-2026-XX",))
cli("release-sitting-without-rule-set", "release", EMPTY, expect=(EMPTY,))
cli("results-unknown-admin", "results", "VCA-2026-XX", expect=("VCA-2026-XX",))
cli("results-not-released", "results", EMPTY, expect=(EMPTY,))
cli("results-format-typo", "results", ADM, "--format", "xlsx", expect=("--format", "xlsx", "csv"))
cli("results-out-folder-missing", "results", ADM, "--out", "@/nieuw/results.csv", expect=("results.csv", "does not exist"))
cli("analyze-format-typo", "analyze", ADM, "--format", "html", expect=("--format", "html", "table"))
cli("analyze-unknown-admin", "analyze", "VCA-2026-XX", expect=("VCA-2026-XX",))
cli("score-unknown-admin", "score", "VCA-2026-XX", expect=("VCA-2026-XX",))
cli("score-nothing-given", "score", expect=("--form", "--responses", "--rules", "--out"))
cli("objection-points-as-word", "objection", ADM, "@CANDIDATE", "@ITEM", "een", "--reason", "r", expect=("een",))
cli("objection-points-above-maximum", "objection", ADM, "@CANDIDATE", "@ITEM", "5", "--reason", "r", expect=("5",))
cli("objection-points-negative", "objection", ADM, "@CANDIDATE", "@ITEM", "--reason", "r", "--db", "@DB", "--", "-1",
    expect=("-1", "0..1"), db=False)
cli("objection-points-thousands-separator", "objection", ADM, "@CANDIDATE", "@ITEM", "1.000,5", "--reason", "r",
    expect=("1.000,5",))
cli("objection-without-reason", "objection", ADM, "@CANDIDATE", "@ITEM", "1", expect=("--reason",))
cli("annul-without-reason", "annul", ADM, "@CANDIDATE", expect=("--reason",))
cli("objection-unknown-candidate", "objection", ADM, "C99999", "@ITEM", "1", "--reason", "r", expect=("C99999",))
cli("objection-unknown-item", "objection", ADM, "@CANDIDATE", "VCA-LO9-K-01", "1", "--reason", "r", expect=("VCA-LO9-K-01",))
cli("objection-before-release", "objection", EMPTY, "C1", "@ITEM", "1", "--reason", "r", expect=(EMPTY,))
cli("annul-unknown-candidate", "annul", ADM, "C99999", "--reason", "fraud", expect=("C99999",))
cli("annul-unknown-admin", "annul", "VCA-2026-XX", "@CANDIDATE", "--reason", "fraud", expect=("VCA-2026-XX",))
cli("demo-onto-existing-bank", "demo", expect=("exists already", "--replace"))
cli("init-db-folder-missing", "init", "--db", "@/nieuw/bank.db", expect=("bank.db",), db=False)
cli("db-does-not-exist", "items", "list", "--db", "@/itembank-typo.db", expect=("itembank-typo.db", "itembank init"), db=False,
    absent=("itembank-typo.db",))
cli("db-is-a-text-file", "items", "list", "--db", "@/notes.db", expect=("notes.db",), db=False)
cli("db-is-an-xlsx-file", "release", ADM, "--db", "@/items.xlsx", expect=("items.xlsx",), db=False)
cli("db-is-a-folder", "items", "list", "--db", "@/", expect=("files",), db=False)
cli("db-server-unreachable", "items", "list", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/bank",
    expect=("127.0.0.1", "connect"), db=False)
cli("db-is-an-empty-sqlite-file", "items", "list", "--db", "@/empty.db", expect=("empty.db", "itembank init"), db=False)
cli("db-unknown-url-scheme", "items", "list", "--db", "mysql+nodriver://localhost/bank", expect=("mysql",), db=False)


# --------------------------------------------------------------------------- the test


PENDING: dict[str, str] = {
    # test id -> what the product does not do yet (issue 17); a fix turns the case into XPASS(strict)
    "items-import:items-unclosed-quote": (
        "an unclosed quote swallows the rest of the row; the message blames the options and the key instead"),
}


def _case_id(c: Case) -> str:
    return f"{c.kind.replace(' ', '-')}:{c.id}"


def _pending(test_id: str) -> list[pytest.MarkDecorator]:
    reason = PENDING.get(test_id)
    return [pytest.mark.xfail(strict=True, reason=f"issue 17: {reason}")] if reason else []


def _param(c: Case) -> object:
    return pytest.param(c, id=_case_id(c), marks=_pending(_case_id(c)))


def _prepare(c: Case, bank: Bank, tmp_path: Path) -> tuple[list[str], Path]:
    db = tmp_path / "bank.db"
    shutil.copy(bank.path, db)
    work = tmp_path / "files"
    work.mkdir()
    for name, content in c.files(bank).items():
        (work / name).write_bytes(content)
    # Files some --db cases point at: a text file, a workbook, an empty file
    (work / "notes.db").write_text("meeting notes, not a database\n", encoding="utf-8")
    if not (work / "items.xlsx").exists():
        (work / "items.xlsx").write_bytes(helpers.xlsx_bytes([["code"], ["X"]]))
    (work / "empty.db").write_bytes(b"")
    argv = [a.replace("@DB", str(db)).replace("@/", f"{work}/").replace("@CANDIDATE", bank.candidate)
            .replace("@ITEM", bank.item) for a in c.argv]
    if c.db:
        argv += ["--db", str(db)]
    return argv, db


@pytest.mark.parametrize("c", [_param(c) for c in CASES])
def test_mistake_gets_a_clear_answer_and_changes_nothing(c: Case, corpus_bank: Bank, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a default ./itembank.db or a log file lands here, never in the repository
    argv, db = _prepare(c, corpus_bank, tmp_path)
    others = {p: p.read_bytes() for p in (tmp_path / "files").iterdir() if p.is_file()}
    run = helpers.run_main(argv)
    assert run.escaped is None, f"an exception escaped main: {run.escaped!r}\n{run.output}"
    assert "Traceback" not in run.output, run.output
    assert run.exit_code == 2, run.output
    message = run.output.lower()
    missing = [e for e in c.expect if e.lower() not in message]
    assert not missing, f"the message does not name {missing}:\n{run.output}"
    assert corpus_bank.unchanged(db), "the bank changed"
    for p, content in others.items():
        assert p.read_bytes() == content, f"{p.name} was changed"
    for name in c.absent:
        assert not (tmp_path / "files" / name).exists(), f"{name} was written"


def test_corpus_covers_every_input_kind() -> None:
    """At least 100 cases, and every input kind of issue 17 has its share."""
    counts: dict[str, int] = {}
    for c in CASES:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    assert len(CASES) >= 100, counts
    assert len({_case_id(c) for c in CASES}) == len(CASES), "case ids must be unique"
    assert set(PENDING) <= {_case_id(c) for c in CASES} | {f"accepted:{a.id}" for a in ACCEPTED}, "stale PENDING entry"
    for kind in ("items import", "responses import", "blueprint import", "rules add", "file mode", "command line"):
        assert counts.get(kind, 0) >= 10, (kind, counts)


# --------------------------------------------------------------------------- files that must be accepted


@dataclass(frozen=True)
class Accepted:
    """A file as a spreadsheet program saves it that must be read: the import succeeds, the
    named tables change, and a follow-up command (``then``) shows the value as stored (a decimal
    comma comes back as a decimal point); ``@/back.csv`` written by ``then`` is read too."""

    id: str
    argv: tuple[str, ...]
    files: Callable[[Bank], Files]
    changed: tuple[str, ...]  # tables that must have changed
    then: tuple[str, ...] = ()
    shows: tuple[str, ...] = ()


def _dutch_items(bank: Bank) -> Files:
    values = dict(zip(ITEM_HEADER.split(","), ITEM_ROW.split(",")))
    values["max_score"] = "1,5"
    return {"items.csv": lines(";".join(values), ";".join(values.values()), newline="\r\n")}


ACCEPTED = [
    Accepted("items-dutch-excel-semicolons-decimal-comma", ("items", "import", "@/items.csv"), _dutch_items,
             ("item_versions",), then=("items", "show", "NEW-01"), shows=("max score 1.5",)),
    Accepted("items-utf8-with-bom", ("items", "import", "@/items.csv"),
             lambda b: {"items.csv": b"\xef\xbb\xbf" + lines(ITEM_HEADER, item_row(stem="Wat doet een café-eigenaar?"))},
             ("item_versions",), then=("items", "show", "NEW-01"), shows=("Wat doet een café-eigenaar?",)),
    Accepted("items-utf16-with-bom", ("items", "import", "@/items.csv"),
             lambda b: {"items.csv": ("\n".join([ITEM_HEADER, item_row(stem="Wat is een café?")]) + "\n").encode("utf-16")},
             ("item_versions",), then=("items", "show", "NEW-01"), shows=("Wat is een café?",)),
    Accepted("responses-dutch-excel-semicolons-decimal-comma", ("responses", "import", SMALL, "@/responses.csv"),
             lambda b: {"responses.csv": lines("candidate;SMALL-Q1;SMALL-Q2;SMALL-O1;SMALL-O1#2", "c1;A;B;2,5;1,5",
                                               "c2;B;;0;0,5", newline="\r\n")},
             ("response_sets",), then=("responses", "export", SMALL, "@/back.csv"), shows=("c1,A,B,2.5,1.5",)),
    Accepted("blueprint-dutch-excel-semicolons-decimal-comma", ("blueprint", "import", SPEC, "NEW-BP", "@/blueprint.csv"),
             lambda b: {"blueprint.csv": lines("id;type;counts;condition;lower;upper;on",
                                               "total_items;count;items;;40;40;ja", "p_mean;mean;p;;0,4;0,8;ja")},
             ("blueprints",), then=("blueprint", "export", "NEW-BP", "@/back.csv"), shows=("p_mean,mean,p,,0.4,0.8,yes",)),
    Accepted("rules-utf16-with-bom", ("rules", "add", "NEW-RULES", "@/rules.toml"),
             lambda b: {"rules.toml": flextoets_toml().encode("utf-16")}, ("rule_sets",)),
]


@pytest.mark.parametrize("a", [pytest.param(a, id=f"accepted:{a.id}", marks=_pending(f"accepted:{a.id}"))
                               for a in ACCEPTED])
def test_accepted_file(a: Accepted, corpus_bank: Bank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv, db = _prepare(Case(a.id, "accepted", a.argv, a.files), corpus_bank, tmp_path)
    run = helpers.run_main(argv)
    assert run.escaped is None and "Traceback" not in run.output, run.output
    assert run.exit_code == 0, run.output
    after = helpers.fingerprint(db)
    unchanged = [t for t in a.changed if after.get(t) == corpus_bank.tables.get(t)]
    assert not unchanged, f"{unchanged} did not change:\n{run.output}"
    if a.then:
        work = tmp_path / "files"
        shown = helpers.run_main([x.replace("@/", f"{work}/") for x in a.then] + ["--db", str(db)])
        assert shown.exit_code == 0, shown.output
        back = work / "back.csv"
        text = shown.output + (back.read_text(encoding="utf-8") if back.exists() else "")
        missing = [x for x in a.shows if x not in text]
        assert not missing, f"{missing} not shown:\n{text}"


# --------------------------------------------------------------------------- SQLite and PostgreSQL
# The same promise on both databases: a handful of mistakes whose success path would write,
# run against a small exam stored through the services (flextoets_exam: Q01..Q05 on form F,
# sitting ADM released, sitting ADM2 of F without responses or rule set) in a freshly migrated
# bank of each backend (conftest db_url). The fingerprint reads every table of the models.


def _tables(url: str) -> dict[str, tuple[int, str]]:
    import hashlib

    from sqlalchemy import select

    from itembank.storage.db import make_engine
    from itembank.storage.models import Base

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in Base.metadata.sorted_tables:
                rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                out[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest())
            return out
    finally:
        engine.dispose()


BACKEND_CASES: list[tuple[str, tuple[str, ...], Files, tuple[str, ...]]] = [
    ("items-status-typo", ("items", "import", "@/items.csv"),
     {"items.csv": lines("code,stem,option_A,option_B,key,status", "N1,Vraag?,ja,nee,A,aproved")},
     ("items.csv", "row 2", "status", "aproved")),
    ("items-header-only", ("items", "import", "@/items.csv"), {"items.csv": lines("code,stem,option_A,option_B,key")},
     ("items.csv", "no item rows")),
    ("responses-misspelt-item", ("responses", "import", "ADM2", "@/responses.csv"),
     {"responses.csv": lines("candidate,Q01,Q02,Q03,Q04,Q5", "k1,A,A,A,A,A")}, ("responses.csv", "Q5", "Q05")),
    ("responses-duplicate-candidate", ("responses", "import", "ADM2", "@/responses.csv"),
     {"responses.csv": lines("candidate,Q01,Q02,Q03,Q04,Q05", "k1,A,A,A,A,A", "k1,B,B,B,B,B")},
     ("responses.csv", "row 3", "candidate")),
    ("rules-unknown-key", ("rules", "add", "FLEX", "@/rules.toml"),
     {"rules.toml": b'name = "x"\n[parts.theory]\n[scoring]\nvoids = "drop"\n'}, ("scoring.voids",)),
    ("decide-cut-percent-above-100", ("decide", "cut", "ADM", '{"kind": "percent", "value": 170}', "--reason", "r"), {},
     ("170",)),
    ("decide-void-unknown-item", ("decide", "void", "ADM", "Q99", "--reason", "r"), {}, ("Q99",)),
    ("objection-points-as-word", ("objection", "ADM", "c1", "Q01", "een", "--reason", "r"), {}, ("een",)),
    ("objection-unknown-candidate", ("objection", "ADM", "c9", "Q01", "1", "--reason", "r"), {}, ("c9",)),
    ("annul-unknown-candidate", ("annul", "ADM", "c9", "--reason", "fraud"), {}, ("c9",)),
    ("release-without-rule-set", ("release", "ADM2"), {}, ("ADM2", "rule set")),
    ("administration-code-exists", ("administration", "add", "ADM", "--form", "F", "--date", "2026-01-15"), {}, ("ADM",)),
]


@pytest.fixture
def small_exam(db_url: str, flextoets_exam: Callable[..., None]) -> str:
    import pandas as pd

    from itembank.services import administrations, results
    from itembank.storage.db import make_engine, session_scope

    codes = [f"Q{j:02d}" for j in range(1, 6)]
    frame = pd.DataFrame([["A"] * 5, ["A", "A", "B", "B", "B"]], index=["c1", "c2"], columns=codes)
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            flextoets_exam(session, codes, frame)
            administrations.add_administration(session, "ADM2", "F", on=date(2025, 11, 2), actor="sec")
        with session_scope(engine) as session:
            results.release_results(session, "ADM", actor="sec")
    finally:
        engine.dispose()
    return db_url


@pytest.mark.parametrize("name, argv, files, expect", [pytest.param(*c, id=c[0]) for c in BACKEND_CASES])
def test_mistake_changes_nothing_on_either_database(name: str, argv: tuple[str, ...], files: Files,
                                                    expect: tuple[str, ...], small_exam: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for file_name, content in files.items():
        (tmp_path / file_name).write_bytes(content)
    before = _tables(small_exam)
    run = helpers.run_main([a.replace("@/", f"{tmp_path}/") for a in argv] + ["--db", small_exam])
    assert run.escaped is None and "Traceback" not in run.output, run.output
    assert run.exit_code == 2, run.output
    missing = [e for e in expect if e.lower() not in run.output.lower()]
    assert not missing, f"the message does not name {missing}:\n{run.output}"
    assert _tables(small_exam) == before, "the bank changed"
