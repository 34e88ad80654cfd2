"""log-in: users get several roles (user_roles), a password hash and a failed-log-in back-off;
app_settings holds the secret that signs session cookies, generated here (never in git)

Existing users keep their one role as their first row in user_roles.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ROLES = ('item_writer', 'committee', 'secretary', 'admin')


def _user_roles_table() -> None:
    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table('app_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_settings'))
    )
    bind.execute(sa.text("INSERT INTO app_settings (key, value) VALUES ('session_secret', :s)"),
                 {"s": secrets.token_hex(32)})
    # Read the one role of each user before SQLite's batch mode rebuilds the users table (a
    # table referencing users would block that rebuild, so user_roles is made afterwards).
    roles = [{"user_id": uid, "role": role} for uid, role in bind.execute(sa.text("SELECT id, role FROM users"))]
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.drop_column('role')
    _user_roles_table()
    if roles:
        bind.execute(sa.text("INSERT INTO user_roles (user_id, role) VALUES (:user_id, :role)"), roles)


def downgrade() -> None:
    bind = op.get_bind()
    roles: dict[int, str] = {}
    for uid, role in bind.execute(sa.text("SELECT user_id, role FROM user_roles")):
        # a user's first role in the order of ROLES becomes the one role again
        if uid not in roles or ROLES.index(role) < ROLES.index(roles[uid]):
            roles[uid] = role
    op.drop_table('user_roles')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, create_constraint=True,
                                                      length=20), nullable=False, server_default='item_writer'))
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('password_hash')
    for uid, role in roles.items():
        bind.execute(sa.text("UPDATE users SET role = :r WHERE id = :u"), {"r": role, "u": uid})
    op.drop_table('app_settings')
