"""The acting company, company-scoped queries and permission checks: the one place they live.

Every tenant-owned model inherits TenantMixin and is read through scoped() / get_or_404(), so an
id from another company is a 404 (never a 403 that would confirm it exists).
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from functools import wraps

from flask import abort, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.extensions import db

TENANT_MODELS: list[type] = []

ROLES = ("read-only", "user", "manager", "administrator")
ROLE_LABELS = {"administrator": "Administrator", "manager": "Manager", "user": "User", "read-only": "Read-only"}

# (area, action) -> minimum role; can() intersects it with the tier's features ("tier trumps role").
PERMISSIONS: dict[tuple[str, str], str] = {
    ("dashboard", "view"): "read-only",
    ("flows", "view"): "read-only",
    ("flows", "edit"): "user",
    ("flows", "run"): "user",
    ("flows", "deploy"): "manager",
    ("flows", "delete"): "manager",
    ("runs", "view"): "read-only",
    ("runs", "control"): "user",
    ("connectors", "view"): "read-only",
    ("connectors", "edit"): "manager",
    ("marketplace", "view"): "read-only",
    ("settings", "view"): "read-only",
    ("settings", "edit"): "administrator",
    ("users", "manage"): "manager",
    ("company", "edit"): "manager",
    ("audit", "view"): "administrator",
    ("scripts", "view"): "read-only",
    ("scripts", "edit"): "manager",
    ("lookups", "view"): "read-only",
    ("lookups", "edit"): "manager",
    ("lookups", "values"): "manager",
    ("caches", "view"): "read-only",
    ("caches", "edit"): "manager",
    # Linked companies (partners): always about the user's own company, see HOME_AREAS.
    ("companies", "view"): "manager",
    ("companies", "add"): "manager",
    ("companies", "access"): "manager",
    ("companies", "subscription"): "administrator",
    ("companies", "unlink"): "administrator",
}
# Areas that concern the signed-in user's own (partner) company rather than the one they switched into,
# so the tier check uses that company.
HOME_AREAS = frozenset({"companies"})


class TenantMixin:
    """Marks a model as owned by one company; registering it makes the cross-company test cover it."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        TENANT_MODELS.append(cls)

    @declared_attr
    def company_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True, nullable=False)


_acting: contextvars.ContextVar[int | None] = contextvars.ContextVar("weft_acting_company", default=None)


@contextmanager
def acting_as(company_id: int):
    """Off-request code (workers, CLI) states the company it acts for explicitly."""
    token = _acting.set(company_id)
    try:
        yield
    finally:
        _acting.reset(token)


def current_company_id() -> int:
    explicit = _acting.get()
    if explicit is not None:
        return explicit
    if has_request_context() and getattr(g, "company", None) is not None:
        return g.company.id
    raise RuntimeError("no acting company: call inside a request or tenancy.acting_as()")


def resolve_acting_company():
    """Sets g.company for the signed-in user: their own company, or a linked one they were granted access
    to and switched into (the grant is checked on every request). May answer a company link."""
    from app.companies import switching

    g.company = None
    if _cookieless_inbound_call():
        return None
    if not current_user.is_authenticated:
        return None
    return switching.resolve(current_user)


def _cookieless_inbound_call() -> bool:
    """A webhook or callback call that carries no cookie, as machines send them: nobody is signed in
    (people sign in only through the session or remember-me cookie), so loading the anonymous user would
    be wasted work on the inbound hot path."""
    return request.blueprint == "api" and not request.cookies


def scoped(model):
    """A select() of model restricted to the acting company."""
    return select(model).where(model.company_id == current_company_id())


def get_or_404(model, ident):
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    row = db.session.execute(scoped(model).where(model.id == ident)).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def role_at_least(role: str | None, minimum: str) -> bool:
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(minimum)


def allowed(user, company, area: str, action: str) -> bool:
    """May `user`, acting for `company`, do (area, action)? Their role, then the company's tier."""
    minimum = PERMISSIONS.get((area, action))
    if minimum is None:
        raise KeyError(f"unknown permission {area}.{action}")
    if not role_at_least(user.role, minimum):
        return False
    from app.companies.tiers import allows

    return allows(user.company if area in HOME_AREAS or company is None else company, area, action)


def can(area: str, action: str) -> bool:
    if not (has_request_context() and current_user.is_authenticated):
        return False
    return allowed(current_user, getattr(g, "company", None), area, action)


def requires(area: str, action: str):
    """View decorator: signed in, and role and tier allow (area, action); otherwise login or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from app.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(area, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
