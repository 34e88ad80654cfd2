"""Database mode equals file mode on randomly generated sittings.

For several seeds a form is drawn (single-answer MC with three to five options, multiple
response, open questions graded twice, item weights), responses are simulated with
omissions and invalid answers, and committee decisions of every kind are drawn. The same
sitting is then scored twice:

* file mode: FORM.csv, RESPONSES.csv, DECISIONS.csv and the rule set, through
  ``itembank.io.scoring_files.score_files`` (no database);
* database mode: the form frozen in a bank, RESPONSES.csv imported with the real importer,
  the decisions recorded by the committee service, scored from the stored response matrix.

Every cell of the results table must agree, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.io import response_files
from itembank.io.scoring_files import score_files
from itembank.services import administrations, bank, committee, forms, results
from itembank.services.bank import ItemContent

RULES = """name = "equivalence check"
[scoring]
void = "drop"
multiple_response = "partial"
[scoring.open]
combine = "mean"
[parts.theory]
[total.cut]
kind = "percent_guessing"
value = 60
[grade]
method = "linear"
anchor = "zero"
[outcome]
pass = "pass"
rules = [{ label = "fail", grade_below = 6 }]
"""


def draw_sitting(seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    items = []
    for j in range(int(rng.integers(6, 12))):
        kind = rng.choice(["mc", "mc", "mc", "mr", "open"])
        labels = "ABCDE"[: int(rng.integers(3, 6))]
        weight = str(rng.choice(["1", "1", "2", "0.5"]))
        if kind == "mc":
            items.append(dict(item=f"M{j:02d}", type="mc", options=labels, key=str(rng.choice(list(labels))),
                              max_score="1", weight=weight))
        elif kind == "mr":
            key = sorted(rng.choice(list(labels), size=2, replace=False))
            items.append(dict(item=f"R{j:02d}", type="mr", options=labels, key="|".join(key), max_score="2",
                              weight=weight))
        else:
            items.append(dict(item=f"O{j:02d}", type="open", options="", key="", max_score=str(rng.integers(2, 6)),
                              weight=weight))
    form = pd.DataFrame(items)
    n = int(rng.integers(15, 40))
    cells: dict[str, list[str]] = {}
    for it in items:
        if it["type"] == "open":
            top = int(it["max_score"])
            for grader in ("", "#2"):
                # whole and half points, as graders give them
                cells[it["item"] + grader] = [f"{rng.integers(0, 2 * top + 1) / 2:g}" for _ in range(n)]
        else:
            labels = list(it["options"])
            column = []
            for _ in range(n):
                u = rng.random()
                if u < 0.08:
                    column.append("")  # omitted
                elif u < 0.12:
                    column.append("Z" if it["type"] == "mc" else "A|Z")  # invalid
                elif it["type"] == "mr":
                    k = int(rng.integers(1, 4))
                    column.append("|".join(sorted(rng.choice(labels, size=min(k, len(labels)), replace=False))))
                else:
                    column.append(str(rng.choice(labels)))
            cells[it["item"]] = column
    responses = pd.DataFrame(cells, index=pd.Index([f"k{seed}-{i:03d}" for i in range(n)], name="candidate"))
    closed = [it for it in items if it["type"] != "open"]
    mc = [it for it in items if it["type"] == "mc"]
    decisions = []
    if closed:
        decisions.append(dict(item=closed[0]["item"], action="void", value="", reason="drawn"))
    if len(mc) > 1:
        other = [x for x in mc[1]["options"] if x != mc[1]["key"]][0]
        decisions.append(dict(item=mc[1]["item"], action="accept", value=other, reason="drawn"))
    if len(mc) > 2:
        decisions.append(dict(item=mc[2]["item"], action="rekey", value=mc[2]["options"][0], reason="drawn"))
    decisions.append(dict(item=items[-1]["item"], action="weight", value="3", reason="drawn"))
    return {"form": form, "responses": responses, "decisions": pd.DataFrame(decisions)}


def write_files(sitting: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    form = sitting["form"].assign(part="theory", options=sitting["form"]["options"].map(lambda s: "|".join(s)))
    paths = {name: folder / f"{name}.csv" for name in ("form", "responses", "decisions")}
    form[["item", "part", "type", "options", "key", "max_score", "weight"]].to_csv(paths["form"], index=False)
    sitting["responses"].to_csv(paths["responses"])
    sitting["decisions"].to_csv(paths["decisions"], index=False)
    paths["rules"] = folder / "rules.toml"
    paths["rules"].write_text(RULES, encoding="utf-8")
    return paths


def store_sitting(session: Session, sitting: dict[str, pd.DataFrame], paths: dict[str, Path], seed: int) -> str:
    entries = []
    for it in sitting["form"].to_dict(orient="records"):
        code = f"S{seed}-{it['item']}"
        if it["type"] == "open":
            content = ItemContent(stem="Explain.", item_type="open", max_score=Decimal(it["max_score"]))
        else:
            content = ItemContent(stem="?", item_type=it["type"], options=tuple((x, x.lower()) for x in it["options"]),
                                  key=tuple(it["key"].split("|")), max_score=Decimal(it["max_score"]))
        version = bank.add_item(session, code, content, author="w")
        bank.set_status(session, code, 1, "in_review", actor="w")
        bank.set_status(session, code, 1, "approved", actor="c")
        entries.append(forms.FormEntry(version.id, weight=Decimal(it["weight"]), part="theory"))
    form_code, admin = f"F{seed}", f"ADM{seed}"
    forms.freeze_form(session, form_code, entries, actor="c")
    administrations.add_administration(session, admin, form_code, on=date(2026, 1, 1), actor="s")
    # The bank's item codes carry the seed; the file's columns are renamed to match.
    renamed = paths["responses"].with_name("responses_db.csv")
    frame = pd.read_csv(paths["responses"], dtype=str, keep_default_na=False)
    frame.columns = ["candidate"] + [f"S{seed}-{c}" for c in frame.columns[1:]]
    frame.to_csv(renamed, index=False)
    response_files.import_responses(session, admin, renamed, actor="s")
    committee.add_rule_set(session, "EQ", RULES, actor="s")
    committee.assign_rule_set(session, admin, "EQ", actor="s")
    for d in sitting["decisions"].to_dict(orient="records"):
        committee.add_decision(session, admin, f"S{seed}-{d['item']}", d["action"], d["value"] or "",
                               reason=d["reason"], actor="c")
    return admin


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_database_mode_equals_file_mode_on_a_random_sitting(engine: Engine, tmp_path: Path, seed: int) -> None:
    sitting = draw_sitting(seed)
    paths = write_files(sitting, tmp_path)
    out = tmp_path / "RESULTS.csv"
    score_files(form=paths["form"], responses=paths["responses"], rules=paths["rules"],
                decisions=paths["decisions"], out=out)
    from_files = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("candidate")
    with Session(engine) as session:
        admin = store_sitting(session, sitting, paths, seed)
        session.commit()
    with Session(engine) as session:
        from_db = results.score_administration(session, admin).results_table().set_index("candidate")
    assert len(from_files) == len(sitting["responses"]) and from_files["outcome"].isin(["pass", "fail"]).all()
    pd.testing.assert_frame_equal(from_files, from_db.loc[from_files.index, from_files.columns])
