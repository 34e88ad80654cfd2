"""The flag sentences a committee reads about the demo sitting: they say what was measured,
agree with the option table shown beside them, do not name the item under its own heading,
and say each thing once (issue 12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from analysis import ctt
from analysis.flags import item_messages
from itembank import demo
from itembank.cli import app
from itembank.display import rounded_percent, shown
from itembank.services.administration_data import (
    AdministrationData,
    load_administration,
)
from itembank.services.item_analysis import AdministrationAnalysis, analyze
from itembank.storage.db import make_engine


@pytest.fixture(scope="module")
def loaded(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> AdministrationData:
    db = tmp_path_factory.mktemp("sentences") / "demo.db"
    shutil.copy(demo_db, db)
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        return load_administration(session, demo.ADMIN_CODE)


@pytest.fixture(scope="module")
def analysis(loaded: AdministrationData) -> AdministrationAnalysis:
    return analyze(loaded)


def test_the_two_answer_item_sentence_agrees_with_its_option_table(loaded: AdministrationData,
                                                                   analysis: AdministrationAnalysis) -> None:
    item = demo.TWO_ANSWERS
    # What was measured, computed here independently: the Pearson correlation of the item
    # score with the rest score T - x over the 600 candidates.
    x = analysis.result.scored[item].astype(float)
    total = analysis.result.total.astype(float).reindex(x.index)
    rir = np.corrcoef(x, total - x)[0, 1]
    assert rir == pytest.approx(analysis.statistics.loc[item, "rir"], abs=1e-12)
    assert -0.035 < rir < -0.034 and shown(rir, "rir") == "-0.03"
    # the correlation with the total (the item included) is positive: Rit 0.05
    assert np.corrcoef(x, total)[0, 1] == pytest.approx(0.0518, abs=5e-5)

    # The option table beside the sentence: the key C in 36.9 % of the high group (58 of 157)
    # and 29.1 % of the low group (43 of 148), groups formed on the total score.
    table = analysis.distractors[analysis.distractors["item"] == item].set_index("option")
    key = table[table["is_key"]]
    assert key.index.tolist() == ["C"]
    assert (rounded_percent(key["prop_high"].iloc[0]), rounded_percent(key["prop_low"].iloc[0])) == (36.9, 29.1)

    (sentence,) = analysis.flags.loc[(analysis.flags["item"] == item) & (analysis.flags["code"] == "rir_negative"),
                                     "message"]
    assert "did worse" not in sentence and item not in sentence
    assert sentence.startswith("The item score correlates -0.03 with the score on the rest of the exam")
    # the sentence quotes the table's two shares and says why they do not contradict the Rir
    assert sentence.endswith("so they can still show the key C chosen more often by the high group (36.9%) "
                             "than by the low group (29.1%).")

    # ... and that reason holds: with the groups formed on the rest score instead, the key is
    # chosen less often by the high group than by the low group (29.8 % against 34.8 %).
    choices = loaded.responses.reindex(index=x.index)[[item]]
    rest_groups = ctt.distractors(choices, {item: ["C"]}, analysis.result.scored[[item]], total=total - x,
                                  options={item: ["A", "B", "C", "D"]})
    by_rest = rest_groups.set_index("option").loc["C"]
    assert (rounded_percent(by_rest["prop_high"]), rounded_percent(by_rest["prop_low"])) == (29.8, 34.8)


def test_every_item_says_each_thing_once_without_its_code(analysis: AdministrationAnalysis) -> None:
    flags = analysis.flags
    for item in dict.fromkeys(flags["item"]):
        messages = item_messages(flags, item)
        assert len({m for _, m in messages}) == len(messages) == flags.loc[flags["item"] == item, "code"].nunique()
        assert not [m for _, m in messages if item in m or m.startswith("Item")]
    # the miskeyed item: A, B and C were each chosen more often than the key D, one sentence
    # (45, 31, 494 and 25 of 600: 7.5 %, 5.2 %, 82.3 % and 4.2 %, as the option table shows them)
    popular = [m for _, m in item_messages(flags, demo.MISKEYED) if "chosen more often" in m and "high" not in m]
    assert popular == ["Options A, B and C were each chosen more often (7.5%, 5.2% and 82.3%) than the key D (4.2%)."]


def test_analyze_prints_each_item_code_once_above_its_sentences(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "analyze.db"
    shutil.copy(demo_db, db)
    result = CliRunner().invoke(app, ["analyze", demo.ADMIN_CODE, "--db", str(db)])
    assert result.exit_code == 0, result.output
    flags_part = result.output.split("Flags for the committee:\n", 1)[1].splitlines()
    start = flags_part.index(f"  {demo.MISKEYED}")
    block = []
    for line in flags_part[start + 1:]:
        if not line.startswith("    "):
            break
        block.append(line)
    assert block[0].startswith("    [critical] The item score correlates -0.13 with the score on the rest")
    assert sum("were each chosen more often" in line for line in block) == 1
    assert len(block) == 5  # rir_negative, miskey_rar, miskey_high_group, p_low, key_less_popular
    assert "Item VCA" not in result.output
