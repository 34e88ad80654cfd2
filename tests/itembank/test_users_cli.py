"""`itembank users ...` through the real entry point."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from itembank.cli import app
from itembank.services import users
from itembank.storage.db import make_engine


def run(args: list[str], db: str, stdin: str | None = None):
    return CliRunner().invoke(app, [*args, "--db", db], input=stdin)


def test_an_administrator_manages_accounts_from_the_command_line(db_url: str) -> None:
    added = run(["users", "add", "m.jansen", "--role", "committee", "--name", "Marieke Jansen", "--password-stdin"],
                db_url, "een lang wachtwoord\n")
    assert added.exit_code == 0, added.output
    assert "user m.jansen created with role(s) committee" in added.output
    assert run(["users", "set-role", "m.jansen", "--role", "committee", "--role", "secretary"], db_url).exit_code == 0
    listing = run(["users", "list"], db_url).output
    assert "m.jansen" in listing and "committee, secretary" in listing
    engine = make_engine(db_url)
    with Session(engine) as s:
        assert users.authenticate(s, "m.jansen", "een lang wachtwoord").username == "m.jansen"
        s.commit()
    assert run(["users", "disable", "m.jansen"], db_url).exit_code == 0
    with Session(engine) as s:
        assert users.get_user(s, "m.jansen").active is False
    engine.dispose()


def test_user_mistakes_exit_2_with_one_message(tmp_path: Path, db_url: str) -> None:
    short = run(["users", "add", "x", "--role", "committee", "--password-stdin"], db_url, "kort\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output and "Traceback" not in short.output
    unknown_role = run(["users", "add", "y", "--role", "chair", "--no-password"], db_url)
    assert unknown_role.exit_code == 2 and "chair" in unknown_role.output
    nobody = run(["users", "disable", "nobody"], db_url)
    assert nobody.exit_code == 2 and "no user 'nobody'" in nobody.output
