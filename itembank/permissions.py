"""Who may do what: the one table of roles and permissions (DESIGN §7).

Every page, dashboard callback, CLI command acting as a user and writing service asks
:func:`allowed` or :func:`require` with the user's roles and one :class:`Permission`; nothing
else in itembank decides access. Separation of duties is in the table: whoever writes an item
does not approve it (enforced per version in the review service), and the admin runs the
installation but sees no item content and takes no exam decisions.

>>> allowed({Role.SECRETARY}, Permission.RELEASE)
True
>>> allowed({Role.ADMIN}, Permission.READ_ITEMS)
False
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from itembank.errors import UserError
from itembank.storage.models import Role

__all__ = ["Permission", "PERMISSIONS", "AccessDenied", "allowed", "require", "permissions_of"]


class Permission(str, enum.Enum):
    """The actions of DESIGN §7, one per row of its table."""

    READ_ITEMS = "read_items"  # item text, tags, history, an item's statistics history
    EDIT_ITEMS = "edit_items"  # create and edit item versions, tags, enemies, sets
    REVIEW_ITEMS = "review_items"  # review and approve a version (never one's own)
    ASSEMBLE = "assemble"  # edit and approve blueprints; assemble and freeze forms
    MANAGE_SITTINGS = "manage_sittings"  # register sittings, import responses, assign rule sets
    SEE_ANALYSIS = "see_analysis"  # a sitting's item statistics, distractors, DIF, IRT
    DECIDE = "decide"  # void, accept, rekey, weight, withdraw
    PROPOSE_CUT = "propose_cut"  # propose a cut score; run standard-setting methods
    RELEASE = "release"  # fix the cut score; release; objections; annulments; results download
    READ_AUDIT = "read_audit"  # read the audit trail
    MANAGE_USERS = "manage_users"  # manage users and roles


W, C, S, A = Role.ITEM_WRITER, Role.COMMITTEE, Role.SECRETARY, Role.ADMIN

#: DESIGN §7, row by row: the roles that may do each action.
PERMISSIONS: Mapping[Permission, frozenset[Role]] = {
    Permission.READ_ITEMS: frozenset({W, C, S}),
    Permission.EDIT_ITEMS: frozenset({W, C}),
    Permission.REVIEW_ITEMS: frozenset({W, C}),
    Permission.ASSEMBLE: frozenset({C}),
    Permission.MANAGE_SITTINGS: frozenset({S}),
    Permission.SEE_ANALYSIS: frozenset({C, S}),
    Permission.DECIDE: frozenset({C}),
    Permission.PROPOSE_CUT: frozenset({C, S}),
    Permission.RELEASE: frozenset({S}),
    Permission.READ_AUDIT: frozenset({C, S, A}),
    Permission.MANAGE_USERS: frozenset({A}),
}


class AccessDenied(UserError):
    """The user's roles do not allow this action."""


def allowed(roles: Iterable[Role | str], permission: Permission) -> bool:
    """Whether any of ``roles`` may do ``permission``."""
    return bool(PERMISSIONS[permission] & {Role(r) for r in roles})


def require(roles: Iterable[Role | str], permission: Permission, *, who: str = "you") -> None:
    """Raise :class:`AccessDenied` unless one of ``roles`` may do ``permission``."""
    roles = {Role(r) for r in roles}
    if not allowed(roles, permission):
        may = ", ".join(sorted(r.value for r in PERMISSIONS[permission]))
        held = ", ".join(sorted(r.value for r in roles)) or "no role"
        raise AccessDenied(f"{who} may not {permission.value.replace('_', ' ')} (needs the role {may}; "
                           f"{who} {'have' if who == 'you' else 'has'} {held})")


def permissions_of(roles: Iterable[Role | str]) -> frozenset[Permission]:
    """Everything ``roles`` may do together (a person may hold several roles)."""
    roles = {Role(r) for r in roles}
    return frozenset(p for p, may in PERMISSIONS.items() if may & roles)
