"""Who may grant which role, and who may manage whom: the seeds' rules in one place.

An administrator assigns manager and lower roles to non-administrators; a manager assigns user and
lower roles to users below manager. Administrators are made only by registration (or by support),
so nobody here can grant that role or change an administrator's.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.tenancy import ROLES

ROLE_NAMES = {"administrator": _l("Administrator"), "manager": _l("Manager"), "user": _l("User"),
              "read-only": _l("Read-only")}
STATUS_NAMES = {"active": _l("Active"), "pending": _l("Awaiting password"), "inactive": _l("Inactive"),
                "deleted": _l("Deleted")}

# actor role -> (the highest role it may grant, the highest role a user it manages may hold)
_GRANTS = {
    "administrator": "manager",
    "manager": "user",
}


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def _rank(role: str | None) -> int:
    return ROLES.index(role) if role in ROLES else -1


def grantable_roles(actor_role: str) -> list[str]:
    """Roles the actor may hand out, lowest first (empty for users and read-only)."""
    ceiling = _GRANTS.get(actor_role)
    return [] if ceiling is None else [r for r in ROLES if _rank(r) <= _rank(ceiling)]


def can_manage(actor_role: str, target_role: str) -> bool:
    """May the actor edit, delete, restore or reset the password of an account holding target_role?"""
    ceiling = _GRANTS.get(actor_role)
    return ceiling is not None and 0 <= _rank(target_role) <= _rank(ceiling)


def can_assign(actor_role: str, target_role: str, new_role: str) -> bool:
    """May the actor move an account from target_role to new_role?"""
    return can_manage(actor_role, target_role) and new_role in grantable_roles(actor_role)


def can_create(actor_role: str) -> bool:
    # New accounts start as `user`, so creating one is granting that role.
    return "user" in grantable_roles(actor_role)
