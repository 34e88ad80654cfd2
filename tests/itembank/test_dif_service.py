"""The review page's DIF view: MH DIF per attribute of a sitting (itembank.services.dif)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.dif import mantel_haenszel
from itembank import scoring
from itembank.services.administration_data import statistics_rules
from itembank.services.dif import MIN_GROUP, sitting_dif


def _sitting(n_per_group: int, *, shift: float, seed: int = 7) -> tuple[scoring.ScoringResult, pd.DataFrame]:
    """Two language groups of equal ability; Q05 is ``shift`` logits harder for the focal group."""
    rng = np.random.default_rng(seed)
    n = 2 * n_per_group
    theta = rng.normal(size=n)
    group = np.array(["nl"] * (n_per_group + 20) + ["en"] * (n_per_group - 20))
    b = np.linspace(-1.5, 1.5, 10)
    logits = theta[:, None] - b[None, :]
    logits[:, 4] -= shift * (group == "en")
    right = rng.random((n, 10)) < 1 / (1 + np.exp(-logits))
    codes = [f"Q{j:02d}" for j in range(1, 11)]
    candidates = [f"c{i:04d}" for i in range(n)]
    responses = pd.DataFrame(np.where(right, "A", "B"), index=candidates, columns=codes)
    form = scoring.Form(tuple(scoring.Item(c, "exam", "mc", options=("A", "B"), key=("A",)) for c in codes))
    result = scoring.score(form, responses, rules=statistics_rules(form))
    attributes = pd.DataFrame({"language": group, "attempt": ["first"] * (n - 30) + ["resit"] * 30},
                              index=pd.Index(candidates, name="candidate"))
    return result, attributes


def test_a_planted_dif_item_is_class_c_and_the_numbers_are_analysis_dif_s() -> None:
    result, attributes = _sitting(600, shift=1.5)
    dif = sitting_dif(result, attributes)
    language = dif.table[dif.table["attribute"] == "language"].set_index("item")
    # the largest group (nl: 620 against 580) is the reference
    assert set(language["reference"]) == {"nl"} and set(language["focal"]) == {"en"}
    assert language.loc["Q05", "ets_class"] == "C" and language.loc["Q05", "mh_d_dif"] < -1.5
    direct = mantel_haenszel(result.scored, attributes["language"], focal="en", reference="nl",
                             matching=result.total.astype(float))
    np.testing.assert_allclose(language["mh_d_dif"].to_numpy(float), direct["mh_d_dif"].to_numpy(float))
    assert dif.worst()["Q05"][0]["ets_class"] == "C"
    # 30 resits are too few to analyse: listed, not analysed
    assert dif.skipped == [("attempt", "resit", 30)] and 30 < MIN_GROUP
    assert "attempt" not in set(dif.table["attribute"])


def test_without_dif_no_item_is_class_c() -> None:
    result, attributes = _sitting(600, shift=0.0)
    classes = sitting_dif(result, attributes).table["ets_class"]
    assert "C" not in set(classes) and (classes == "A").mean() >= 0.8


def test_no_attributes_means_an_empty_view() -> None:
    result, attributes = _sitting(150, shift=0.0)
    assert sitting_dif(result, attributes.iloc[:, :0]).table.empty
