"""Switching: which company a signed-in user acts for on this request, and how they change it.

The session remembers the linked company a team member switched into; every request checks the grant
again (one indexed query), so revoking access or un-linking takes effect on the next request. A
`?company=<id>` on any page URL (the "copy company link") switches a team member with access and lands
on that page; without access it is a 404, like any other company's page.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from app import audit
from app.companies import access
from app.extensions import db

SESSION_KEY = "acting_company_id"
LINK_PARAM = "company"
_NOT_LINKS = ("/api/", "/static/")


def resolve(user):
    """Sets g.company (acting), g.home_company and g.switched; may answer a company link with a redirect."""
    home = user.company
    g.home_company = home
    g.company = home
    g.switched = False
    if request.endpoint == "static":
        return None  # files are the same for every company: no grant to check
    wanted = session.get(SESSION_KEY)
    if wanted and wanted != home.id:
        company = access.access_company(user, wanted)
        if company is None:
            # Revoked, un-linked or no longer a manager: back home, and say so once.
            session.pop(SESSION_KEY, None)
            flash(_("Your access to the company you were working in has ended, so you are back in %(company)s.",
                    company=home.name), "warning")
        else:
            g.company = company
            g.switched = True
    if LINK_PARAM in request.args and request.method in ("GET", "HEAD") and not request.path.startswith(_NOT_LINKS):
        return _follow_link(user, home)
    return None


def _follow_link(user, home):
    raw = request.args.get(LINK_PARAM, "")
    try:
        target = int(raw)
    except ValueError:
        abort(404)
    if target == home.id:
        leave()
    elif target != g.company.id:
        company = access.access_company(user, target)
        if company is None:
            abort(404)  # the same answer as any page of a company that is not yours
        enter(user, company)
        flash(_("You are now working in %(company)s.", company=company.name), "info")
    args = request.args.to_dict(flat=False)
    args.pop(LINK_PARAM, None)
    return redirect(request.path + ("?" + urlencode(args, doseq=True) if args else ""), code=303)


def enter(user, company) -> None:
    """Act for `company` from the next request on (the caller has checked access)."""
    session[SESSION_KEY] = company.id
    g.company = company
    g.switched = company.id != user.company_id
    audit.record(user, company, "company.switched_in", user.email, name=user.name, home=user.company.name)
    db.session.commit()


def leave() -> None:
    session.pop(SESSION_KEY, None)
    if getattr(g, "home_company", None) is not None:
        g.company = g.home_company
    g.switched = False


def company_link(company_id: int) -> str:
    """This page's URL with ?company=<id>: opened by a team member with access, it switches them here."""
    if request.method not in ("GET", "HEAD"):
        base, args = url_for("dashboard.index", _external=True), {}
    else:
        base, args = request.base_url, request.args.to_dict(flat=False)
    args[LINK_PARAM] = [str(company_id)]
    return base + "?" + urlencode(args, doseq=True)
