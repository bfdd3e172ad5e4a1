"""Switching: which company a signed-in user acts for on this request, and how they change it.

The session remembers the linked company a team member switched into; every request checks the grant
again (one indexed query), so revoking access or un-linking takes effect on the next request. A
`?company=<id>` on any page URL (the "copy company link") switches a team member with access and lands
on that page; without access it is a 404, like any other company's page.

A linked company that requires two-factor authentication requires it of the team members who act in
it too: without 2FA they cannot switch in, and are moved out on their next request if it is turned on
while they work there.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app import audit, htmx, tenancy
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
            return _refuse_change()
        if two_factor_missing(user, company):
            session.pop(SESSION_KEY, None)
            return _moved_out_for_two_factor(company, home)
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
            # The same 404 as any page of a company that is not yours, so it says nothing about that
            # company; but a shared link deserves a word on why it does not open.
            message = _("This link opens a page of a company you cannot work in: it does not exist, or you have "
                        "no access to it. Ask an administrator of your company for access, then open the link again.")
            return render_template("errors/error.html", status=404, message=message), 404
        if two_factor_missing(user, company):
            return refuse_two_factor(company)
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


# -- two-factor authentication and changes under a switched session -----------------------------------

def two_factor_missing(user, company) -> bool:
    """The company requires 2FA and this user (a team member acting in it) has not set it up."""
    return bool(company.require_2fa) and not user.two_factor_enabled


def refuse_two_factor(company):
    """Not switching into a company that requires 2FA: say why, and offer the setup page."""
    flash(_("%(company)s requires two-factor authentication of everyone who works in it. Set it up for your account "
            "below, then switch into %(company)s again.", company=company.name), "warning")
    return htmx.redirect(url_for("accounts.two_factor"))


# Requests about the user rather than the company they act in: carried out even when that company's access
# just ended (signing out, setting up 2FA, choosing another company).
_SWITCHING_ENDPOINTS = frozenset({"companies.switch", "companies.switch_back"})


def _about_the_user() -> bool:
    from app.accounts.views import SETUP_ENDPOINTS

    return request.endpoint in SETUP_ENDPOINTS or request.endpoint in _SWITCHING_ENDPOINTS


def _moved_out_for_two_factor(company, home):
    """The company started requiring 2FA while this team member worked in it: they are back home; this request
    is refused (it was meant for the other company) unless it only signs out, sets 2FA up or switches."""
    if _about_the_user():
        flash(_("%(company)s now requires two-factor authentication, so you are back in %(home)s.",
                company=company.name, home=home.name), "warning")
        return None
    if request.path.startswith(_NOT_LINKS):
        return None  # the inbound API and files act for no signed-in company
    flash(_("%(company)s now requires two-factor authentication, so you are back in %(home)s. Set it up for your "
            "account below, then switch into %(company)s again.", company=company.name, home=home.name), "warning")
    return htmx.redirect(url_for("accounts.two_factor"))


def _refuse_change():
    """A change sent while switched into a company the user may no longer act in is not carried out: it was
    meant for that company, and running it in their own company would edit the wrong one."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith(_NOT_LINKS) or _about_the_user():
        return None
    return htmx.redirect(url_for("dashboard.index"))


# -- responses that outlive their request (the live-log stream) ----------------------------------------

SIGNED_OUT = "signed_out"
ACCESS_ENDED = "access_ended"
TWO_FACTOR = "two_factor"


def still_allowed(user_key: str, company_id: int, area: str, action: str) -> str | None:
    """None while the session's user may still do (area, action) acting for company_id, else why not
    (SIGNED_OUT, ACCESS_ENDED or TWO_FACTOR). The same rules a new request meets: the account is active and its sessions
    are not ended, the grant to a linked company stands, 2FA is set up where required, and role and tier allow
    it. A few primary-key reads; the caller closes the session afterwards."""
    from app.accounts.services import load_user

    user = load_user(user_key)
    if user is None:
        return SIGNED_OUT
    home = user.company
    company = home if company_id == home.id else access.access_company(user, company_id)
    if company is None:
        return ACCESS_ENDED
    if two_factor_missing(user, home) or two_factor_missing(user, company):
        return TWO_FACTOR
    if not tenancy.allowed(user, company, area, action):
        return ACCESS_ENDED
    return None
