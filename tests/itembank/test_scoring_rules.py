"""Rule sets: parsing with key-path errors, validation against a form, cut-score rules."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest

from itembank.errors import RuleError
from itembank.scoring import Decision, Form, Item, RuleSetError, apply_decisions, load_rule_set, parse_cut_rule
from itembank.scoring.rules import CutRule, chance_score, effective_maximum

RULES_DIR = Path(__file__).resolve().parents[2] / "itembank" / "rules"

MINIMAL = """
[parts.mc]
[total.cut]
kind = "percent"
value = 55
"""


def mc_form(n: int = 40, *, options: str = "ABCD") -> Form:
    return Form(tuple(Item(f"Q{i}", "mc", "mc", tuple(options), (options[i % len(options)],)) for i in range(1, n + 1)))


def cut(text: str, form: Form, decisions: list[Decision] | None = None, *, void: str = "drop") -> F:
    rules = load_rule_set(f"[scoring]\nvoid = '{void}'\n[parts.mc]\n[total.cut]\n{text}\n[grade]\nmethod = 'none'\n", source="t.toml")
    items = apply_decisions(form, decisions or [])
    assert rules.total_cut is not None
    return rules.total_cut.evaluate(list(items.values()), void=rules.void, where="t.toml: total.cut")


def test_percent_cut_over_all_items() -> None:
    # 55 % of 40 one-point items = 22
    assert cut("kind = 'percent'\nvalue = 55", mc_form()) == 22


def test_voided_item_is_left_out_of_the_cut_score() -> None:
    # seed 004 §5.26: 39 remaining items, 55 % of 39 = 21.45 exactly (not a float 21.450000000000003)
    assert cut("kind = 'percent'\nvalue = 55", mc_form(), [Decision("Q1", "void")]) == F("21.45")


def test_full_marks_convention_keeps_the_voided_item_in_the_maximum() -> None:
    # central-exam convention: the voided item gives everybody its point; 55 % of 40 = 22
    assert cut("kind = 'percent'\nvalue = 55", mc_form(), [Decision("Q1", "void")], void="full_marks") == 22


def test_round_up_gives_the_next_whole_score() -> None:
    assert cut("kind = 'percent'\nvalue = 55\nround_up = true", mc_form(), [Decision("Q1", "void")]) == 22  # ceil(21.45)


def test_percent_with_guessing_correction() -> None:
    # 40 four-option items: chance g = 40/4 = 10; cut = 10 + 0.60 * (40 - 10) = 28
    assert cut("kind = 'percent_guessing'\nvalue = 60", mc_form()) == 28
    # Q1 (key B) also accepts C: its chance is 2/4, g = 10.25;
    # cut = 10.25 + 0.6 * 29.75 = 28.1
    assert cut("kind = 'percent_guessing'\nvalue = 60", mc_form(), [Decision("Q1", "accept", "C")]) == F("28.1")
    # an explicit chance score overrides: 8 + 0.6 * 32 = 27.2
    assert cut("kind = 'percent_guessing'\nvalue = 60\nchance = 8", mc_form()) == F("27.2")


def test_item_ratings_sum_the_borderline_expectations_over_remaining_items() -> None:
    form = Form(
        (
            Item("A", "mc", "mc", ("x", "y"), ("x",)),
            Item("B", "mc", "mc", ("x", "y"), ("x",), weight=2),
            Item("C", "mc", "mc", ("x", "y"), ("x",)),
        )
    )
    ratings = "kind = 'item_ratings'\nratings = { A = 0.6, B = 0.4, C = 0.5 }"
    assert cut(ratings, form) == F("1.9")  # 0.6 + 2 * 0.4 + 0.5
    assert cut(ratings, form, [Decision("B", "void")]) == F("1.1")  # 0.6 + 0.5
    with pytest.raises(RuleSetError, match=r"t.toml: total.cut.ratings: no rating for item 'C'"):
        cut("kind = 'item_ratings'\nratings = { A = 0.6, B = 0.4 }", form)


def test_chance_and_maximum_follow_the_void_policy() -> None:
    form = Form((Item("A", "p", "mc", ("a", "b", "c", "d"), ("a",)), Item("B", "p", "mr", ("a", "b", "c", "d"), ("a", "b"), max_score=2), Item("C", "p", "open", max_score=5)))
    items = list(apply_decisions(form, [Decision("C", "void")]).values())
    # A: 1/4 * 1; B (mr, 2 keys of 4): 2/4 * 2 = 1; C open, voided
    assert chance_score(items, void="drop") == F(5, 4)
    assert effective_maximum(items, void="drop") == 3
    assert chance_score(items, void="full_marks") == F(5, 4) + 5
    assert effective_maximum(items, void="full_marks") == 8


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("[parts.mc]\n[parts.mc.cut]\nkind = 'pointz'\nvalue = 3\n[grade]\nmethod='none'", "parts.mc.cut.kind"),
        ("[parts.mc]\ncutt = 3\n[grade]\nmethod='none'", "parts.mc.cutt"),
        ("[parts.mc]\n[total.cut]\nkind = 'percent'\nvalue = 120", "total.cut.value"),
        ("[parts.mc]\n[grade]\nmethod = 'linear'", "grade.method"),
        ("[parts.mc]\n[grade]\nmethod = 'nterm'", "grade.n"),
        ("[parts.mc]\n[grade]\nmethod = 'table'\ntable = [[0, 1], [0, 2]]", "grade.table[1]"),
        (MINIMAL + "[outcome]\nrules = [{ label = 'x', below = ['open'] }]", "outcome.rules[0].below"),
        (MINIMAL + "[scoring.open]\ncombine = 'average'", "scoring.open.combine"),
        (MINIMAL + "[judicium]\nbands = [{ from = 65, label = 'a' }, { from = 55, label = 'b' }]", "judicium.bands[1].from"),
        ("[parts.mc]\n[total.cut]\nkind = 'points'\nvalue = 3\nchance = 1\n[grade]\nmethod='none'", "total.cut.chance"),
        ("[parts.mc]\n[total.cut]\nkind = 'item_ratings'\nvalue = 3\nratings = { Q1 = 1 }\n[grade]\nmethod='none'", "total.cut.value"),
        ("[parts.mc]\n[grade]\nmethod = 'none'\nanchor = 'zero'", "grade.anchor"),
        ("[parts.total]\n[grade]\nmethod = 'none'", "parts.total"),
        ("[grade]\nmethod = 'none'", "parts"),
        (MINIMAL + "[inspection]\nmin = 4.5\nmax = 5.4\ndecimals = 5", "inspection.decimals"),
        (MINIMAL + "[outcome]\nrules = [{ label = 'x', reached = ['mc'] }]", "outcome.rules[0].reached"),
    ],
)
def test_errors_name_the_toml_key_path(text: str, path: str) -> None:
    with pytest.raises(RuleSetError) as info:
        load_rule_set(text, source="exam.toml")
    assert str(info.value).startswith(f"exam.toml: {path}:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[parts.mc]\n[total.cut]\nkind = 'percent'\nvalue = 'sixty'", "total.cut.value: expected a number, got 'sixty'"),
        ("[parts.mc]\n[total.cut]\nkind = 'percent'\nvalue = 120", "total.cut.value: a percentage must be at most 100, got 120"),
        ("[parts.mc]\n[parts.mc.cut]\nkind = 'pointz'", "parts.mc.cut.kind: expected one of 'points', 'percent', 'percent_guessing', 'item_ratings', got 'pointz'"),
        ("[parts.mc]\ncutt = 3", "parts.mc.cutt: unknown key (known here: cut, items)"),
        ("[parts.mc]\n[grade]\nmethod = 'table'\ntable = [[0, 1], [10, 'x']]", "grade.table[1]: expected a number, got 'x'"),
        ("[parts.mc]\nitems = 'Q1'\n[grade]\nmethod = 'none'", "parts.mc.items: expected a list of names, got 'Q1'"),
        (MINIMAL + "[judicium]\nbands = [{ label = 'a' }]", "judicium.bands[0].from: missing number"),
        (MINIMAL + "[scoring.open]\ndisagreement_threshold = -1", "scoring.open.disagreement_threshold: must be 0 or more, got -1"),
    ],
)
def test_errors_say_what_was_expected_and_what_was_found(text: str, message: str) -> None:
    with pytest.raises(RuleSetError) as info:
        load_rule_set(text, source="exam.toml")
    assert str(info.value) == f"exam.toml: {message}"


def test_every_problem_is_listed_each_with_its_key_path() -> None:
    text = "[scoring]\nvoid = 'keep'\n[parts.mc]\n[total.cut]\nkind = 'percent'\nvalue = 120\n"
    with pytest.raises(RuleSetError) as info:
        load_rule_set(text, source="exam.toml")
    assert str(info.value).splitlines() == [
        "exam.toml: scoring.void: expected one of 'drop', 'full_marks', got 'keep'",
        "exam.toml: total.cut.value: a percentage must be at most 100, got 120",
    ]


def test_a_cut_score_decision_is_checked_by_the_same_schema() -> None:
    assert parse_cut_rule({"kind": "percent", "value": 70}, source="d") == CutRule(kind="percent", value=F(70))
    with pytest.raises(RuleSetError, match=r"^decision 7: value: missing number$"):
        parse_cut_rule({"kind": "percent"}, source="decision 7")
    with pytest.raises(RuleSetError, match=r"^d: expected a table such as"):
        parse_cut_rule(3, source="d")  # type: ignore[arg-type]


def test_invalid_toml_names_the_source() -> None:
    with pytest.raises(RuleSetError, match="exam.toml: not valid TOML"):
        load_rule_set("[parts.mc\n", source="exam.toml")


def test_rule_set_errors_are_user_errors() -> None:
    assert issubclass(RuleSetError, RuleError)


def test_check_requires_every_item_in_a_declared_part() -> None:
    rules = load_rule_set(MINIMAL, source="r.toml")
    form = Form((Item("Q1", "mc", "mc", ("A", "B"), ("A",)), Item("O1", "open", "open")))
    with pytest.raises(RuleSetError, match="item 'O1' belongs to part 'open', which the rule set does not declare"):
        rules.check(form)


def test_check_refuses_a_part_without_items_and_unknown_listed_items() -> None:
    form = Form((Item("Q1", "mc", "mc", ("A", "B"), ("A",)),))
    with pytest.raises(RuleSetError, match=r"parts.open: no item of the form"):
        load_rule_set(MINIMAL + "[parts.open]\n", source="r").check(form)
    with pytest.raises(RuleSetError, match=r"parts.mc.items: item 'Q9' is not on the form"):
        load_rule_set("[parts.mc]\nitems = ['Q1', 'Q9']\n[grade]\nmethod='none'", source="r").check(form)


def test_explicit_item_lists_override_the_form_parts() -> None:
    rules = load_rule_set("[parts.a]\nitems = ['Q1']\n[parts.b]\nitems = ['Q2']\n[grade]\nmethod='none'", source="r")
    form = Form((Item("Q1", "x", "mc", ("A", "B"), ("A",)), Item("Q2", "x", "mc", ("A", "B"), ("A",))))
    rules.check(form)
    assert rules.part_of(form) == {"Q1": "a", "Q2": "b"}
    twice = load_rule_set("[parts.a]\nitems = ['Q1']\n[parts.b]\nitems = ['Q1']\n[grade]\nmethod='none'", source="r")
    with pytest.raises(RuleSetError, match="also in part 'a'"):
        twice.check(form)


@pytest.mark.parametrize("name", ["seed001_art6.toml", "flextoets.toml", "central_exam_nterm.toml", "vca_basis.toml"])
def test_shipped_rule_files_parse(name: str) -> None:
    rules = load_rule_set((RULES_DIR / name).read_text(encoding="utf-8"), source=name)
    assert rules.text.startswith("#")  # the stored text is the file, comments included


def test_seed001_rule_file_encodes_article_6() -> None:
    rules = load_rule_set((RULES_DIR / "seed001_art6.toml").read_text(encoding="utf-8"), source="seed001")
    assert rules.part_names == ("mc", "open")
    assert [p.cut.value for p in rules.parts if p.cut] == [18, 37]
    assert rules.total_cut == CutRule(kind="points", value=F(55))
    assert [b.low for b in rules.judicium] == [55, 65, 75, 85, 95]


def test_a_decision_on_an_unknown_item_is_refused() -> None:
    with pytest.raises(RuleError, match="names item 'Q99', which is not on the form"):
        apply_decisions(mc_form(3), [Decision("Q99", "void")])
    with pytest.raises(RuleError, match=r"\['E'\] not among the options"):
        apply_decisions(mc_form(3), [Decision("Q1", "accept", "E")])
    with pytest.raises(RuleError, match="weight must be 0 or more"):
        apply_decisions(mc_form(3), [Decision("Q1", "weight", "-1")])
