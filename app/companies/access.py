"""Team access: which partner team members may switch into which linked company, and who may change that.

The rules (seeds, "Granting & revoking permission for an existing team member"):
- only team members of the partner with the manager or administrator role can hold access;
- administrators and managers who themselves have access to a company grant and revoke it for others;
- nobody revokes their own access (so a company is never left without a team member who can manage it),
  and only an administrator revokes an administrator's access.
Lowering someone below manager, or deleting them, ends their access at once without deleting the rows.

Every lookup here is cross-tenant by nature: it joins a user of the partner to a company that is not
theirs, always through Company.parent_id == the user's company.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select

from app import audit
from app.accounts.errors import AccountError
from app.accounts.models import User
from app.accounts.roles import role_name
from app.companies.models import Company, TeamAccess
from app.extensions import db
from app.tenancy import role_at_least

ACCESS_ROLE = "manager"


def eligible(user) -> bool:
    """Holds the role that linked-company access needs, on an account that can sign in."""
    return role_at_least(user.role, ACCESS_ROLE) and user.deleted_at is None


def access_company(user, company_id: int) -> Company | None:
    """The linked company if `user` may act in it right now, else None: one indexed query.

    Checked on every request of a switched user, so a revoked grant ends access mid-session."""
    home = user.company
    if not (home.is_partner and eligible(user)):
        return None
    query = (select(Company)
             .join(TeamAccess, and_(TeamAccess.company_id == Company.id, TeamAccess.user_id == user.id))
             .where(Company.id == company_id, Company.parent_id == home.id))
    return db.session.execute(query).scalar_one_or_none()


def has_access(user, company: Company) -> bool:
    return company.parent_id == user.company_id and access_company(user, company.id) is not None


def accessible(user, query: str | None = None, limit: int | None = None) -> list[Company]:
    """Linked companies the user may switch into, by name (the top bar's switch list)."""
    home = user.company
    if not (home.is_partner and eligible(user)):
        return []
    stmt = (select(Company).join(TeamAccess, TeamAccess.company_id == Company.id)
            .where(TeamAccess.user_id == user.id, Company.parent_id == home.id))
    if query and query.strip():
        stmt = stmt.where(Company.name.ilike(f"%{query.strip()}%"))
    stmt = stmt.order_by(func.lower(Company.name))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def accessible_ids(user, company_ids: list[int]) -> set[int]:
    """Which of these companies the user may switch into (one query for a page of the list)."""
    if not company_ids or not (user.company.is_partner and eligible(user)):
        return set()
    return set(db.session.execute(select(TeamAccess.company_id).where(
        TeamAccess.user_id == user.id, TeamAccess.company_id.in_(company_ids))).scalars())


def team_members(partner: Company) -> list[User]:
    """The partner's own users (not deleted), highest role first."""
    rows = db.session.execute(select(User).where(User.company_id == partner.id, User.deleted_at.is_(None))
                              .order_by(func.lower(User.name))).scalars()
    order = {"administrator": 0, "manager": 1, "user": 2, "read-only": 3}
    return sorted(rows, key=lambda u: order.get(u.role, 9))


def team_with_access(company: Company) -> list[tuple[User, TeamAccess | None]]:
    """Every team member of the company's partner, with their grant for this company (or None)."""
    if company.parent_id is None:
        return []
    grants = {g.user_id: g for g in db.session.execute(
        select(TeamAccess).where(TeamAccess.company_id == company.id)).scalars()}
    return [(user, grants.get(user.id)) for user in team_members(company.parent)]


def holders(company: Company) -> int:
    """Team members who can manage the company now (eligible, with a grant)."""
    return db.session.execute(select(func.count(TeamAccess.id)).join(User, User.id == TeamAccess.user_id).where(
        TeamAccess.company_id == company.id, User.company_id == company.parent_id, User.deleted_at.is_(None),
        or_(User.role == "manager", User.role == "administrator"))).scalar_one()


def can_manage_access(actor, company: Company) -> bool:
    return company.parent_id == actor.company_id and eligible(actor) and has_access(actor, company)


def _check_manager(actor, company: Company) -> None:
    if company.parent_id != actor.company_id:
        raise AccountError(_("%(company)s is not linked to your company.", company=company.name))
    if not eligible(actor):
        raise AccountError(_("Only administrators and managers can change team access."))
    if not has_access(actor, company):
        raise AccountError(_("You need access to %(company)s yourself to change who else has it.",
                             company=company.name))


def grant(actor, company: Company, user: User) -> TeamAccess:
    _check_manager(actor, company)
    if user.company_id != company.parent_id or user.deleted_at is not None:
        raise AccountError(_("Only members of your own team can be given access."))
    if not eligible(user):
        raise AccountError(_("%(name)s has the %(role)s role: only managers and administrators can manage linked "
                             "companies. Change their role first.", name=user.name, role=role_name(user.role)))
    existing = db.session.execute(select(TeamAccess).where(
        TeamAccess.company_id == company.id, TeamAccess.user_id == user.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    row = TeamAccess(user_id=user.id, company_id=company.id, granted_by_id=actor.id)
    db.session.add(row)
    _record(actor, company, "team_access.granted", user)
    db.session.commit()
    return row


def revoke(actor, company: Company, user: User) -> None:
    _check_manager(actor, company)
    if user.id == actor.id:
        raise AccountError(_("You cannot remove your own access. Ask another team member with access to do it."))
    if user.role == "administrator" and actor.role != "administrator":
        raise AccountError(_("Only an administrator can remove an administrator's access."))
    removed = db.session.execute(delete(TeamAccess).where(
        TeamAccess.company_id == company.id, TeamAccess.user_id == user.id)).rowcount
    if not removed:
        raise AccountError(_("%(name)s does not have access to %(company)s.", name=user.name, company=company.name))
    _record(actor, company, "team_access.revoked", user)
    db.session.commit()


def grant_whole_team(actor, company: Company, partner: Company) -> int:
    """A new linked company: every eligible team member gets access (the caller commits)."""
    members = [u for u in team_members(partner) if eligible(u)]
    for user in members:
        db.session.add(TeamAccess(user_id=user.id, company_id=company.id, granted_by_id=getattr(actor, "id", None)))
    return len(members)


def drop_all(company: Company) -> int:
    """Un-linking: nobody on the team keeps access (the caller commits)."""
    return db.session.execute(delete(TeamAccess).where(TeamAccess.company_id == company.id)).rowcount


def _record(actor, company: Company, action: str, user: User) -> None:
    # Both sides keep the trail: the linked company's own audit log and the partner's.
    audit.record(actor, company, action, user.email, company_name=company.name, name=user.name)
    audit.record(actor, company.parent_id, action, user.email, company_name=company.name, name=user.name)
