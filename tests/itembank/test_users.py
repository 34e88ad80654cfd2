"""Users, roles and log-in (the groundwork of the committee's workspace, issue 12), on SQLite
and PostgreSQL. The permission table is checked against DESIGN §7 written out here by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from itembank.errors import UserError
from itembank.permissions import AccessDenied, Permission, allowed, permissions_of, require
from itembank.services import users
from itembank.storage.db import alembic_config, make_engine, migrate
from itembank.storage.models import AuditEvent, Role, User, utcnow

W, C, S, A = Role.ITEM_WRITER, Role.COMMITTEE, Role.SECRETARY, Role.ADMIN


@pytest.fixture
def session(engine: Engine):
    with Session(engine) as s:
        yield s


# DESIGN §7, copied row by row: ✔ for item_writer, committee, secretary, admin.
DESIGN_7 = {
    Permission.READ_ITEMS: "✔✔✔✖",
    Permission.EDIT_ITEMS: "✔✔✖✖",
    Permission.REVIEW_ITEMS: "✔✔✖✖",
    Permission.ASSEMBLE: "✖✔✖✖",
    Permission.MANAGE_SITTINGS: "✖✖✔✖",
    Permission.SEE_ANALYSIS: "✖✔✔✖",
    Permission.DECIDE: "✖✔✖✖",
    Permission.PROPOSE_CUT: "✖✔✔✖",
    Permission.RELEASE: "✖✖✔✖",
    Permission.READ_AUDIT: "✖✔✔✔",
    Permission.MANAGE_USERS: "✖✖✖✔",
}


@pytest.mark.parametrize("permission", list(Permission))
def test_the_permission_table_is_design_section_7(permission: Permission) -> None:
    marks = "".join("✔" if allowed({role}, permission) else "✖" for role in (W, C, S, A))
    assert marks == DESIGN_7[permission]


def test_a_person_with_several_roles_may_do_what_either_may() -> None:
    both = permissions_of({W, S})
    assert Permission.EDIT_ITEMS in both and Permission.RELEASE in both and Permission.DECIDE not in both
    with pytest.raises(AccessDenied, match=r"j\.visser may not decide \(needs the role committee; j\.visser has item_writer\)"):
        require({W}, Permission.DECIDE, who="j.visser")


def test_passwords_are_stored_as_a_salted_kdf_hash(session: Session) -> None:
    users.add_user(session, "m.jansen", roles=["committee"], password="correct horse 1", actor="admin")
    users.add_user(session, "p.dewit", roles=["committee"], password="correct horse 1", actor="admin")
    hashes = session.scalars(select(User.password_hash).order_by(User.username)).all()
    assert all(h.startswith("scrypt:") and "correct horse" not in h for h in hashes)
    assert hashes[0] != hashes[1]  # salted
    with pytest.raises(UserError, match="at least 10 characters"):
        users.add_user(session, "x", roles=["committee"], password="short", actor="admin")
    with pytest.raises(UserError, match="unknown role 'chair'; expected one of item_writer, committee"):
        users.add_user(session, "y", roles=["chair"], actor="admin")


def test_log_in_gives_the_roles_and_is_audited(session: Session) -> None:
    users.add_user(session, "s.bakker", roles=["secretary", "committee"], display_name="Sanne Bakker",
                   password="tien tekens!", actor="admin")
    who = users.authenticate(session, "s.bakker", "tien tekens!")
    assert (who.username, who.display_name, who.roles) == ("s.bakker", "Sanne Bakker", frozenset({S, C}))
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == "s.bakker")).all()
    assert actions == ["create", "login"]


def test_a_failed_log_in_never_says_whether_the_user_exists(session: Session) -> None:
    users.add_user(session, "m.jansen", roles=["committee"], password="correct horse 1", actor="admin")
    for name, password in (("m.jansen", "wrong password"), ("nobody", "whatever password")):
        with pytest.raises(users.LoginFailed) as err:
            users.authenticate(session, name, password)
        assert str(err.value) == "wrong user name or password"


def test_repeated_failures_lock_the_account_for_a_doubling_time(session: Session) -> None:
    users.add_user(session, "m.jansen", roles=["committee"], password="correct horse 1", actor="admin")
    now = utcnow()
    for _ in range(users.FREE_FAILURES):
        with pytest.raises(users.LoginFailed, match="wrong user name or password"):
            users.authenticate(session, "m.jansen", "guess", now=now)
    # The fifth failure locked it for 30 s: even the right password is refused meanwhile.
    with pytest.raises(users.LoginFailed, match=r"too many failed log-ins: try again in (30|31) s"):
        users.authenticate(session, "m.jansen", "correct horse 1", now=now)
    later = now + timedelta(seconds=31)
    with pytest.raises(users.LoginFailed, match="wrong user name or password"):
        users.authenticate(session, "m.jansen", "guess", now=later)  # sixth failure: 60 s
    with pytest.raises(users.LoginFailed, match=r"try again in (60|61) s"):
        users.authenticate(session, "m.jansen", "correct horse 1", now=later)
    assert users.authenticate(session, "m.jansen", "correct horse 1", now=later + timedelta(seconds=61)).username \
        == "m.jansen"
    session.expire_all()
    assert users.get_user(session, "m.jansen").failed_logins == 0


def test_a_disabled_account_cannot_log_in_and_roles_can_change(session: Session) -> None:
    users.add_user(session, "r.smit", roles=["item_writer"], password="schrijver 2026", actor="admin")
    users.set_roles(session, "r.smit", ["item_writer", "committee"], actor="admin")
    assert users.get_user(session, "r.smit").roles == frozenset({W, C})
    users.disable_user(session, "r.smit", actor="admin")
    with pytest.raises(users.LoginFailed, match="disabled"):
        users.authenticate(session, "r.smit", "schrijver 2026")
    with pytest.raises(AccessDenied, match="disabled"):
        users.require_user(session, "r.smit", Permission.READ_ITEMS)
    users.enable_user(session, "r.smit", actor="admin")
    users.set_password(session, "r.smit", "nieuw wachtwoord", actor="admin")
    assert users.authenticate(session, "r.smit", "nieuw wachtwoord").roles == frozenset({W, C})


def test_the_session_secret_is_a_stored_random_value(session: Session) -> None:
    secret = users.session_secret(session)
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert users.session_secret(session) == secret


def test_the_migration_keeps_each_users_role_and_gives_every_bank_its_own_secret(tmp_path) -> None:
    secrets_seen = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        migrate(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (username, display_name, role, active, created_at, lock_version) "
                              "VALUES ('m.jansen', 'Marieke Jansen', 'committee', 1, '2026-01-01 00:00:00', 1)"))
        migrate(engine)
        with Session(engine) as s:
            assert users.get_user(s, "m.jansen").roles == frozenset({C})
            secrets_seen.append(users.session_secret(s))
        from alembic import command

        command.downgrade(alembic_config(engine), "0002")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT role FROM users")).scalar_one() == "committee"
        engine.dispose()
    assert secrets_seen[0] != secrets_seen[1]


def test_demo_users_log_in_with_the_printed_passwords(demo_db, demo_output) -> None:
    from itembank import demo

    engine = make_engine(f"sqlite:///{demo_db}")
    with Session(engine) as s:
        for username, _, role in demo.USERS:
            assert f"{username:<10} {demo.demo_password(username)}" in demo_output
            assert users.authenticate(s, username, demo.demo_password(username)).roles == frozenset({role})
        s.rollback()  # leave the shared demo bank as it was
    engine.dispose()


def test_a_bank_of_an_older_schema_gets_a_message_and_upgrades_with_init(tmp_path) -> None:
    """Opening a bank made by an older itembank names the upgrade instead of failing later on a
    missing table; `itembank init` upgrades it, keeping its records."""
    from alembic.script import ScriptDirectory

    from itembank.errors import UserError
    from itembank.storage.db import SCHEMA_REVISION, open_bank

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == SCHEMA_REVISION
    migrate(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (username, display_name, active, created_at, lock_version) "
                          "VALUES ('m.jansen', 'Marieke Jansen', 1, '2026-01-01 00:00:00', 1)"))
    engine.dispose()
    with pytest.raises(UserError, match=f"has schema 0003, this itembank needs {SCHEMA_REVISION}: upgrade it with "
                                        "'itembank init --db"):
        open_bank(str(tmp_path / "old.db"))
    upgraded = open_bank(str(tmp_path / "old.db"), create=True)
    with Session(upgraded) as s:
        assert users.get_user(s, "m.jansen").display_name == "Marieke Jansen"
    upgraded.dispose()
    open_bank(str(tmp_path / "old.db")).dispose()  # now opens without a word
