"""``itembank users ...``: accounts for the dashboard's log-in (add, list, set-role, disable,
enable, password). Whoever can run these commands has the bank's database in hand, so they act
as its administrator; every change is an audit event under ``--user``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from itembank.cli.common import DbOption, UserOption, bank_session, current_user, echo_table, fail

__all__ = ["register"]

users_app = typer.Typer(help="Accounts and roles for the dashboard's log-in.", no_args_is_help=True)

RoleOption = Annotated[list[str], typer.Option(
    "--role", help="item_writer, committee, secretary or admin; repeat for several roles")]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from standard input (for scripts) instead of asking")]


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add_cli(username: str, role: RoleOption, name: Annotated[str, typer.Option(help="Display name")] = "",
            password_stdin: PasswordStdin = False, no_password: Annotated[bool, typer.Option(
                "--no-password", help="Create the account without a password (it cannot log in yet)")] = False,
            db: DbOption = None, user: UserOption = None) -> None:
    """Create an account with one or more roles and (unless --no-password) a password."""
    from itembank.services import users

    password = None if no_password else _password(password_stdin)
    with bank_session(db) as session:
        users.add_user(session, username, roles=role, display_name=name, password=password, actor=current_user(user))
    typer.echo(f"user {username} created with role(s) {', '.join(role)}")


@users_app.command("list")
def list_cli(db: DbOption = None) -> None:
    """Every account with its roles, whether it is active, and its last log-in."""
    from itembank.services import users

    with bank_session(db) as session:
        rows = [[u.username, u.display_name, ", ".join(sorted(r.value for r in u.roles)),
                 "yes" if u.active else "no", "yes" if u.password_hash else "no",
                 f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "-"] for u in users.list_users(session)]
    echo_table(rows, ["user", "name", "roles", "active", "password", "last log-in (UTC)"])


@users_app.command("set-role")
def set_role_cli(username: str, role: RoleOption, db: DbOption = None, user: UserOption = None) -> None:
    """Replace the roles of an account."""
    from itembank.services import users

    with bank_session(db) as session:
        users.set_roles(session, username, role, actor=current_user(user))
    typer.echo(f"user {username} now has role(s) {', '.join(role)}")


@users_app.command("disable")
def disable_cli(username: str, db: DbOption = None, user: UserOption = None) -> None:
    """Disable an account: it can no longer log in; its history stays."""
    from itembank.services import users

    with bank_session(db) as session:
        users.disable_user(session, username, actor=current_user(user))
    typer.echo(f"user {username} disabled")


@users_app.command("enable")
def enable_cli(username: str, db: DbOption = None, user: UserOption = None) -> None:
    """Enable a disabled account again."""
    from itembank.services import users

    with bank_session(db) as session:
        users.enable_user(session, username, actor=current_user(user))
    typer.echo(f"user {username} enabled")


@users_app.command("password")
def password_cli(username: str, password_stdin: PasswordStdin = False, db: DbOption = None,
                 user: UserOption = None) -> None:
    """Set a new password for an account (and unlock it after failed log-ins)."""
    from itembank.services import users

    password = _password(password_stdin)
    if not password:
        raise fail("the password is empty")
    with bank_session(db) as session:
        users.set_password(session, username, password, actor=current_user(user))
    typer.echo(f"password of {username} set")
