"""``analyze_administration`` on a stored form that mixes MC items and an open question.

Eight candidates, MC items Q1..Q3 keyed A and an open question O1 worth 3 points. The
distractor table must measure the rest score over the whole test (MC and open), the way the
item statistics' Rir does; so for the single-key item Q1 its key row's Rar equals Q1's Rir,
and every Rar equals a direct Pearson correlation computed here.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from itembank.services.item_analysis import analyze_administration

RESPONSES = pd.DataFrame(
    {
        "Q1": ["A", "A", "B", "A", "C", "B", "A", None],
        "Q2": ["A", "B", "A", "A", "B", "C", "A", "B"],
        "Q3": ["A", "A", "A", "B", "B", "B", "C", "A"],
        "O1": ["3", "2", "3", "0", "1", "0", "2", "1"],
    },
    index=[f"c{i}" for i in range(1, 9)],
)


@pytest.fixture
def session(engine: Engine, flextoets_exam):
    with Session(engine) as s:
        flextoets_exam(s, RESPONSES.columns, RESPONSES)
        s.commit()
        yield s


def test_distractor_rest_score_covers_the_open_question(session: Session) -> None:
    analysis = analyze_administration(session, "ADM")
    mc = RESPONSES[["Q1", "Q2", "Q3"]]
    x = (mc == "A").astype(float)
    total = x.sum(axis=1) + RESPONSES["O1"].astype(float)
    assert total.tolist() == [6, 4, 5, 2, 1, 0, 4, 2]
    table = analysis.distractors
    assert set(table["item"]) == {"Q1", "Q2", "Q3"}  # the open question has no options
    for row in table[~table["is_omitted"] & (table["n"] > 0)].itertuples():
        chose = (mc[row.item] == row.option).astype(float)
        rest = total - x[row.item]
        assert row.rar == pytest.approx(np.corrcoef(chose, rest)[0, 1], abs=1e-12), (row.item, row.option)
        assert row.mean_total == pytest.approx(total[chose == 1].mean())
    keys = table[table["is_key"]].set_index("item")["rar"]
    np.testing.assert_allclose(keys, analysis.statistics.loc[keys.index, "rir"], atol=1e-12)
