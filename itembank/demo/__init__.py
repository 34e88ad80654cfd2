"""The demo bank: a safety-certificate item bank with one administered exam.

What it holds (all deterministic, from a fixed random seed):

* one test specification, ``VCA-BASIS-2025`` — 8 learning objectives x 2 cognitive levels
  (K = knowledge, A = application) and about 20 topics;
* 320 four-option MC items in Dutch (``demo/data/vca_items.csv``, written for this demo),
  reviewed and approved; a handful revised once, a few enemy pairs;
* a 40-item blueprint (60 minutes, seed 002 §4.4), approved, and one form assembled from
  it by the optimiser (:mod:`itembank.assembly`) and frozen;
* after the form was frozen, an English translation of 38 of its items and a read-aloud
  variant (voorleesversie: short sentences, no abbreviations) of 10, stored as later
  versions of the same items (``demo/data/vca_versions.csv``; DESIGN §3 rule 8), reviewed
  and approved. The two planted items are not translated, so their newest version is the
  Dutch one the candidates saw;
* a history in time (:data:`TIMELINE`): written in January 2025, reviewed in February, the
  blueprint approved in April, the form frozen in September, the sitting on 14 November 2025
  and its responses imported three days later — every review and approval precedes the
  sitting;
* users for every role, each holding one (three item writers, two committee members, a
  secretary and an admin);
* one administration of 600 simulated candidates. Responses follow a 3PL model (logistic
  metric, D = 1) with known item parameters, and distractor choice depends on ability.
  Two items are planted for the committee to find:

  - a **miskeyed item**: the bank records a wrong option as its key, while candidates who
    know the answer choose the right one — so the item's Rir is negative and the right
    option, a "distractor" for the bank, has a positive Rar;
  - an item with **two defensible answers**: able candidates split between the key and one
    distractor, which the committee should accept as an extra answer. Its content supports
    that: the oxygen-poor tank needs respiratory protection independent of the ambient air,
    and besides the key (a self-contained breathing apparatus) the "distractor" — a
    fresh-air hose apparatus fed from outside the tank — is such protection too.

  The true parameters (``true_parameters``) are written next to the database as
  ``<db>.true-parameters.csv`` so analysis results can be checked against them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itembank.display import shown
from itembank.io.tables import write_text
from itembank.services import administrations
from itembank.services import blueprints
from itembank.services import committee
from itembank.services import forms
from itembank.services import bank
from itembank.services import users
from itembank.assembly import AssemblyOptions
from itembank.services.bank import ItemContent
from itembank.storage.models import (
    Item, ItemVersion, ReviewState, ReviewStatus, Role, Variant, recorded_at,
)

__all__ = ["build_demo", "DemoSummary", "OBJECTIVES", "LEVELS", "BLUEPRINT", "SEED",
           "SPEC_CODE", "FORM_CODE", "ADMIN_CODE", "MISKEYED", "TWO_ANSWERS", "N_CANDIDATES",
           "SITTING", "TIMELINE", "LANGUAGE"]

SEED = 20251114
SPEC_CODE = "VCA-BASIS-2025"
BLUEPRINT_CODE = "VCA-BASIS-40"
FORM_CODE = "VCA-B-2025-A"
ADMIN_CODE = "VCA-B-2025-11-ROT"
RULE_SET_CODE = "VCA-BASIS"
N_CANDIDATES = 600
LANGUAGE = "nl"  # the items' primary language: the exams of the seeds are Dutch
SITTING = date(2025, 11, 14)
_UTC = timezone.utc
# When each step of the bank's history happened (UTC). Everything a committee reviews or
# approves is dated before the sitting; only the responses come in after it.
TIMELINE: dict[str, datetime] = {
    "setup": datetime(2025, 1, 2, 9, 0, tzinfo=_UTC),         # users, specification
    "written": datetime(2025, 1, 6, 9, 0, tzinfo=_UTC),       # item n at +n hours
    "revised": datetime(2025, 2, 3, 9, 0, tzinfo=_UTC),       # stems made unambiguous
    "reviewed": datetime(2025, 2, 10, 9, 0, tzinfo=_UTC),     # item n at +20n minutes
    "enemies": datetime(2025, 3, 3, 9, 0, tzinfo=_UTC),
    "blueprint": datetime(2025, 4, 7, 9, 0, tzinfo=_UTC),
    "frozen": datetime(2025, 9, 1, 9, 0, tzinfo=_UTC),        # form assembled and frozen
    "translated": datetime(2025, 9, 15, 9, 0, tzinfo=_UTC),   # English and read-aloud versions
    "registered": datetime(2025, 10, 13, 9, 0, tzinfo=_UTC),  # sitting registered, rules fixed
    "responses": datetime(2025, 11, 17, 9, 0, tzinfo=_UTC),   # after the sitting
}

OBJECTIVES = [
    ("LO1", "Legislation, roles and responsibilities"),
    ("LO2", "Hazards, risks and prevention"),
    ("LO3", "Accidents, incidents and reporting"),
    ("LO4", "Hazardous substances"),
    ("LO5", "Fire and explosion"),
    ("LO6", "Personal protective equipment"),
    ("LO7", "Work equipment, tools and working at height"),
    ("LO8", "Special work: confined spaces, electricity, lifting"),
]
LEVELS = [("K", "Knowledge (kennis)"), ("A", "Application (toepassing)")]
# 5 items per objective, 40 in all; knowledge and application alternate 3/2 and 2/3.
BLUEPRINT = {
    (lo, lvl): (3 if (i % 2 == 0) == (lvl == "K") else 2)
    for i, (lo, _) in enumerate(OBJECTIVES)
    for lvl, _ in LEVELS
}
WRITERS = ["a.dekker", "j.visser", "r.smit"]
USERS = [
    ("a.dekker", "Anne Dekker", Role.ITEM_WRITER),
    ("j.visser", "Joost Visser", Role.ITEM_WRITER),
    ("r.smit", "Rana Smit", Role.ITEM_WRITER),
    ("m.jansen", "Marieke Jansen", Role.COMMITTEE),
    ("p.dewit", "Pieter de Wit", Role.COMMITTEE),
    ("s.bakker", "Sanne Bakker", Role.SECRETARY),
    ("admin", "Administrator", Role.ADMIN),
]


def demo_password(username: str) -> str:
    """The demo's password of ``username`` (printed by ``itembank demo``; a demo bank is not
    for real candidates, and a real installation sets passwords with ``itembank users``)."""
    return f"{username.split('.')[-1]}-demo-2026"
# Mean and SD of the true 3PL difficulty b per difficulty label of the item writer.
DIFFICULTY_B = {"easy": (-1.3, 0.45), "medium": (-0.2, 0.45), "hard": (0.9, 0.45)}
THETA_MEAN, THETA_SD = 0.6, 1.0  # candidates' ability: a prepared cohort, above the items' centre
GUESSING = 0.20  # 3PL lower asymptote for four-option items (a bit under 1/4: good distractors)
MISKEYED = "VCA-LO4-K-03"  # both planted items are always put on the demo form
TWO_ANSWERS = "VCA-LO6-A-02"


def _read_data(name: str) -> list[dict[str, str]]:
    text = resources.files("itembank").joinpath(f"demo/data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _item_rows() -> list[dict[str, str]]:
    """The items in their primary language (Dutch), one row per item."""
    return _read_data("vca_items.csv")


def _version_rows() -> list[dict[str, str]]:
    """Translations and read-aloud variants (code, language, variant, stem, A-D), added as
    later versions of the items; the key is the item's (the bank's) key."""
    return _read_data("vca_versions.csv")


@dataclass(frozen=True)
class DemoSummary:
    db: str
    n_items: int
    n_approved: int
    cells: dict[tuple[str, str], int]
    blueprint: str
    form: str
    administration: str
    n_candidates: int
    mean_score: float
    truth_file: str
    second_answer: str = ""
    n_translated: int = 0
    n_read_aloud: int = 0

    def text(self) -> str:
        lines = [
            f"Demo item bank written to {self.db}",
            "",
            f"  Test specification  {SPEC_CODE}: {len(OBJECTIVES)} learning objectives x {len(LEVELS)} cognitive levels",
            f"  Items               {self.n_items} (approved: {self.n_approved}), in Dutch",
            (f"  Other versions      {self.n_translated} English translations, {self.n_read_aloud} "
             "read-aloud variants (voorleesversie) of form items"),
            "  Approved items per cell (objective x level):",
        ]
        header = "      " + "".join(f"{lo:>6}" for lo, _ in OBJECTIVES)
        lines.append(header)
        for lvl, _ in LEVELS:
            lines.append(f"    {lvl:<2}" + "".join(f"{self.cells.get((lo, lvl), 0):>6}" for lo, _ in OBJECTIVES))
        lines += [
            f"  Blueprint           {self.blueprint}: 40 items, 40 points, 60 minutes",
            f"  Frozen form         {self.form}: 40 item versions with their keys",
            (f"  Administration      {self.administration} on {SITTING:%Y-%m-%d}: {self.n_candidates} candidates, "
             f"mean raw score {shown(self.mean_score, 'mean_total')} / 40"),
            f"  True IRT parameters {self.truth_file}",
            "",
            "  Planted for the committee to find:",
            f"    {MISKEYED}  is miskeyed in the bank (candidates who know the answer choose another option)",
            f"    {TWO_ANSWERS}  has two defensible answers",
            "",
            "Log in to the dashboard as (user name / password):",
            *(f"    {name:<10} {demo_password(name):<22} {role.value}" for name, _, role in USERS),
            "",
            "Next commands to try (in another terminal while `make demo` serves the dashboard):",
            f"  .venv/bin/itembank items list --db {self.db} --tag objective:LO4",
            f"  .venv/bin/itembank items show {MISKEYED} --db {self.db}",
            f"  .venv/bin/itembank items history VCA-LO2-K-01 --db {self.db}",
            f"  .venv/bin/itembank items export --db {self.db} items.xlsx",
            f"  .venv/bin/itembank score {ADMIN_CODE} --db {self.db}",
            f"  .venv/bin/itembank analyze {ADMIN_CODE} --db {self.db}",
            f"  .venv/bin/itembank decide accept {ADMIN_CODE} {TWO_ANSWERS} {self.second_answer} --reason 'two defensible answers' --db {self.db}",
            f"  .venv/bin/itembank release {ADMIN_CODE} --db {self.db}",
        ]
        return "\n".join(lines)


def true_parameters(rows: list[dict[str, str]] | None = None, seed: int = SEED) -> pd.DataFrame:
    """The generating 3PL parameters per item code (a, b, c; logistic metric, D = 1)."""
    rows = rows if rows is not None else _item_rows()
    rng = np.random.default_rng(seed)
    a = np.exp(rng.normal(0.1, 0.25, len(rows)))
    b = np.array([rng.normal(*DIFFICULTY_B[r["difficulty"]]) for r in rows])
    frame = pd.DataFrame({"a": a.round(3), "b": b.round(3), "c": GUESSING},
                         index=pd.Index([r["code"] for r in rows], name="item"))
    return frame


def build_demo(session: Session, *, seed: int = SEED, n_candidates: int = N_CANDIDATES) -> DemoSummary:
    """Fill an empty, migrated bank with the demo (see module docstring).

    Each step runs under :func:`~itembank.storage.models.recorded_at` with its moment of
    :data:`TIMELINE`, so versions, review steps, the blueprint's approval, the frozen form and
    the audit trail carry dates a committee would expect (before the sitting)."""
    rng = np.random.default_rng(seed + 1)
    rows = _item_rows()
    truth = true_parameters(rows, seed)
    when = TIMELINE

    with recorded_at(when["setup"], session):
        for username, display, role in USERS:
            users.add_user(session, username, roles=[role], display_name=display,
                           password=demo_password(username), actor="setup")
        topics = sorted({r["topic"] for r in rows})
        bank.add_specification(
            session, SPEC_CODE, "VCA Basis 2025 (demo)",
            objectives=OBJECTIVES, levels=LEVELS,
            topics=[(t, t.replace("-", " ")) for t in topics],
            description="Basisveiligheid VCA (Veiligheid, Gezondheid en Milieu Checklist Aannemers) — "
                        "demo specification.",
            actor="admin",
        )
    bank_keys = {r["code"]: r["key"] for r in rows}
    bank_keys[MISKEYED] = _wrong_key(bank_keys[MISKEYED])
    for n, r in enumerate(rows):
        writer = WRITERS[n % len(WRITERS)]
        content = ItemContent(
            stem=r["stem"], options=tuple((lab, r[lab]) for lab in "ABCD"), key=(bank_keys[r["code"]],),
            language=LANGUAGE,
        )
        written = when["written"] + timedelta(hours=n)
        with recorded_at(written, session):
            bank.add_item(
                session, r["code"], content, author=writer, specification=SPEC_CODE,
                tags=[("objective", r["objective"]), ("level", r["level"]), ("topic", r["topic"])],
                change_note="new item", created_at=written,
            )
    # A few items were revised during review (a clearer stem); the newest version is reviewed.
    revised = [r["code"] for r in rows[7::40]]
    with recorded_at(when["revised"], session):
        for code in revised:
            v1 = bank.get_version(session, code, 1)
            bank.revise_item(session, code, based_on=1, author="m.jansen",
                             change_note="review: stem made unambiguous",
                             stem=v1.stem.rstrip() + (" (Kies het beste antwoord.)" if not v1.stem.endswith(")") else ""))
            bank.set_status(session, code, 1, ReviewStatus.RETIRED, actor="m.jansen",
                            comment="replaced by version 2")
    for n, r in enumerate(rows):
        with recorded_at(when["reviewed"] + timedelta(minutes=20 * n), session):
            newest = bank.get_item(session, r["code"]).current_number
            bank.set_status(session, r["code"], newest, ReviewStatus.IN_REVIEW,
                            actor=WRITERS[0], comment="ready for review")
            # four-eyes rule: the items m.jansen revised are approved by the other committee member
            reviewer = "p.dewit" if r["code"] in revised else "m.jansen"
            bank.set_status(session, r["code"], newest, ReviewStatus.APPROVED,
                            actor=reviewer, comment="approved by the committee")
    # Enemy pairs: items of one topic and objective that give each other away.
    by_cell_topic: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        by_cell_topic.setdefault((r["objective"], r["topic"]), []).append(r["code"])
    pairs = 0
    with recorded_at(when["enemies"], session):
        for codes in by_cell_topic.values():
            if len(codes) >= 2 and pairs < 6:
                bank.add_enemy_pair(session, codes[0], codes[1], reason="same fact asked twice", actor="m.jansen")
                pairs += 1

    with recorded_at(when["blueprint"], session):
        blueprint = blueprints.add_blueprint(session, SPEC_CODE, BLUEPRINT_CODE, cells=BLUEPRINT,
                                             total_points=40, duration_minutes=60,
                                             name="VCA Basis — 40 items, 60 minutes", actor="m.jansen")
        for status in (ReviewStatus.IN_REVIEW, ReviewStatus.APPROVED):
            blueprints.set_blueprint_status(session, BLUEPRINT_CODE, blueprint.version, status,
                                            actor="m.jansen", comment="blueprint agreed by the committee")
    with recorded_at(when["frozen"], session):
        assembled = forms.assemble_forms(
            session, SPEC_CODE, BLUEPRINT_CODE, codes=[FORM_CODE], actor="m.jansen", language=LANGUAGE,
            options=AssemblyOptions(forms=1, include=(MISKEYED, TWO_ANSWERS), objective="spread_exposure"),
        )
    form_codes = [fi.item_version.item.code for fi in forms.get_form(session, assembled.forms[0]).items]
    n_translated, n_read_aloud = _add_other_versions(session, set(form_codes))
    with recorded_at(when["registered"], session):
        administrations.add_administration(session, ADMIN_CODE, FORM_CODE, on=SITTING,
                                           location="Rotterdam", language=LANGUAGE, actor="s.bakker")
        rule_text = resources.files("itembank").joinpath("rules/vca_basis.toml").read_text(encoding="utf-8")
        committee.add_rule_set(session, RULE_SET_CODE, rule_text, actor="s.bakker")
        committee.assign_rule_set(session, ADMIN_CODE, RULE_SET_CODE, actor="s.bakker",
                                  reason="fixed before the exam (seed 004 §5.25)")
    true_keys = {r["code"]: r["key"] for r in rows}
    choices, attributes = simulate_choices(form_codes, true_keys, truth, n_candidates, rng)
    with recorded_at(when["responses"], session):
        administrations.add_responses(session, ADMIN_CODE, choices, attributes=attributes, actor="s.bakker")

    cells: dict[tuple[str, str], int] = {}
    for r in rows:
        cells[(r["objective"], r["level"])] = cells.get((r["objective"], r["level"]), 0) + 1
    n_items = session.scalar(select(func.count(Item.id))) or 0
    # items whose version in the primary language is approved (translations are counted apart)
    n_approved = session.scalar(
        select(func.count(func.distinct(ItemVersion.item_id)))
        .join(ReviewState, ReviewState.item_version_id == ItemVersion.id)
        .where(ReviewState.status == ReviewStatus.APPROVED, ItemVersion.language == LANGUAGE,
               ItemVersion.variant == Variant.STANDARD)) or 0
    correct = np.column_stack([choices[code].to_numpy() == bank_keys[code] for code in choices.columns])
    return DemoSummary(
        db="", n_items=n_items, n_approved=n_approved, cells=cells,
        blueprint=f"{BLUEPRINT_CODE} v{blueprint.version}", form=FORM_CODE, administration=ADMIN_CODE,
        n_candidates=n_candidates, mean_score=float(correct.sum(axis=1).mean()), truth_file="",
        second_answer=second_answer(true_keys[TWO_ANSWERS]),
        n_translated=n_translated, n_read_aloud=n_read_aloud,
    )


def _add_other_versions(session: Session, form_codes: set[str]) -> tuple[int, int]:
    """Add the English translations and read-aloud variants of ``vca_versions.csv`` as the
    next versions of their items (same key, tags carried over), reviewed and approved before
    the sitting; returns (translations, read-aloud variants)."""
    counts = {Variant.STANDARD: 0, Variant.READ_ALOUD: 0}
    for n, r in enumerate(_version_rows()):
        code, variant = r["code"], Variant(r["variant"])
        if code not in form_codes or code in (MISKEYED, TWO_ANSWERS):
            raise ValueError(f"vca_versions.csv: {code} is not a translatable item of the demo form")
        what = ("English translation" if variant is Variant.STANDARD
                else "read-aloud variant (voorleesversie)")
        with recorded_at(TIMELINE["translated"] + timedelta(hours=n), session):
            item = bank.get_item(session, code)
            primary = next(v.number for v in sorted(item.versions, key=lambda v: -v.number)
                           if v.language == LANGUAGE and v.variant is Variant.STANDARD)
            version = bank.revise_item(
                session, code, based_on=item.current_number, author=WRITERS[1 + n % 2],
                change_note=f"{what} of version {primary}",
                language=r["language"], variant=variant, stem=r["stem"],
                options=tuple((lab, r[lab]) for lab in "ABCD"))
        with recorded_at(TIMELINE["translated"] + timedelta(days=14, hours=n), session):
            bank.set_status(session, code, version.number, ReviewStatus.IN_REVIEW,
                            actor=WRITERS[1 + n % 2], comment="ready for review")
            bank.set_status(session, code, version.number, ReviewStatus.APPROVED, actor="p.dewit",
                            comment=f"{what} checked against version {primary}")
        counts[variant] += 1
    return counts[Variant.STANDARD], counts[Variant.READ_ALOUD]


def second_answer(key: str) -> str:
    """The second defensible answer of the two-answer item: the first other option."""
    return next(label for label in "ABCD" if label != key)


def _wrong_key(key: str) -> str:
    """The option the demo bank wrongly records as the key of the miskeyed item."""
    return "ABCD"[("ABCD".index(key) + 1) % 4]


def simulate_choices(
    form_codes: list[str],
    keys: dict[str, str],
    truth: pd.DataFrame,
    n: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated chosen options (candidate x item) under the 3PL ``truth``.

    ``keys`` are the *true* answers. A candidate who answers correctly chooses the true
    answer; otherwise a distractor, the
    first distractor being more attractive to weaker candidates (so distractor analysis shows
    a realistic pattern). About 1% of responses are omitted.
    """
    theta = rng.normal(THETA_MEAN, THETA_SD, n)
    language = np.where(rng.random(n) < 0.8, "nl", "en")
    attempt = np.where(rng.random(n) < 0.75, "first", "resit")
    codes = [f"C{10001 + i}" for i in range(n)]
    out = {}
    for code in form_codes:
        a, b, c = truth.loc[code, ["a", "b", "c"]]
        p = c + (1 - c) / (1 + np.exp(-a * (theta - b)))
        correct = rng.random(n) < p
        true_answer = keys[code]
        distractors = [lab for lab in "ABCD" if lab != true_answer]
        chosen = np.empty(n, dtype=object)
        chosen[correct] = true_answer
        if code == TWO_ANSWERS:
            # able candidates split between the key and a second defensible answer, which
            # weak candidates do not pick as a wrong guess
            alt = second_answer(true_answer)
            distractors = [lab for lab in distractors if lab != alt]
            # the better the candidate, the likelier they see the second reading
            p_alt = 0.6 / (1 + np.exp(-1.5 * (theta - 0.5)))
            chosen[correct & (rng.random(n) < p_alt)] = alt
        wrong = ~correct
        # weaker candidates favour the first distractor; the others share the rest
        w1 = 1 / (1 + np.exp(theta[wrong]))
        u = rng.random(wrong.sum())
        p_first = 0.2 + 0.4 * w1
        rest = np.minimum(((u - p_first) / (1 - p_first) * (len(distractors) - 1)).astype(int),
                          len(distractors) - 2) + 1
        index = np.where(u < p_first, 0, rest)
        chosen[wrong] = np.asarray(distractors, dtype=object)[index]
        omitted = rng.random(n) < 0.01
        chosen[omitted] = None
        out[code] = chosen
    choices = pd.DataFrame(out, index=pd.Index(codes, name="candidate"))
    attributes = pd.DataFrame({"language": language, "attempt": attempt}, index=choices.index)
    return choices, attributes


def write_truth(path: Path) -> None:
    """Write the generating parameters next to the database, with the planted flaws."""
    rows = _item_rows()
    truth = true_parameters(rows)
    truth["true_key"] = [r["key"] for r in rows]
    truth["bank_key"] = truth["true_key"]
    truth.loc[MISKEYED, "bank_key"] = _wrong_key(truth.loc[MISKEYED, "true_key"])
    truth["planted"] = ""
    truth.loc[MISKEYED, "planted"] = "miskeyed in the bank"
    truth.loc[TWO_ANSWERS, "planted"] = (
        f"two defensible answers: {truth.loc[TWO_ANSWERS, 'true_key']} and "
        f"{second_answer(truth.loc[TWO_ANSWERS, 'true_key'])}")
    write_text(path, truth.to_csv())  # atomic, like every output file
