"""`itembank items review`: the review workflow from the command line, four-eyes rule included."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.cli import app
from itembank.services import bank
from itembank.services.bank import ItemContent


def test_review_steps_from_the_command_line(db_url: str, engine: Engine) -> None:
    with Session(engine) as s:
        bank.add_item(s, "Q1", ItemContent(stem="Which gloves?", options=(("A", "a"), ("B", "b")), key=("A",)),
                      author="ann")
        s.commit()
    runner = CliRunner()

    def review(status: str, user: str):
        return runner.invoke(app, ["items", "review", "Q1", "1", status, "--comment", "checked", "--user", user,
                                   "--db", db_url])

    assert review("in_review", "ann").output.strip() == "Q1 version 1 is now in_review"
    refused = review("approved", "ann")
    assert refused.exit_code == 2 and "own author (four-eyes rule)" in refused.output
    assert review("approved", "bob").exit_code == 0
    with Session(engine) as s:
        history = [(h.actor, h.detail) for h in bank.item_history(s, "Q1") if h.what == "status"]
    assert history == [("ann", "draft -> in_review: checked"), ("bob", "in_review -> approved: checked")]
