"""The seeds' role rules as a full matrix: who may grant which role to whom, manage and create accounts."""
from __future__ import annotations

import itertools

import pytest

from app.accounts import roles
from app.tenancy import ROLES

ADMIN, MANAGER, USER, READ_ONLY = "administrator", "manager", "user", "read-only"

# (actor, target's current role, new role) -> allowed. Everything not listed is refused.
ALLOWED = {
    (ADMIN, MANAGER, USER), (ADMIN, MANAGER, READ_ONLY), (ADMIN, MANAGER, MANAGER),
    (ADMIN, USER, MANAGER), (ADMIN, USER, READ_ONLY), (ADMIN, USER, USER),
    (ADMIN, READ_ONLY, MANAGER), (ADMIN, READ_ONLY, USER), (ADMIN, READ_ONLY, READ_ONLY),
    (MANAGER, USER, READ_ONLY), (MANAGER, USER, USER),
    (MANAGER, READ_ONLY, USER), (MANAGER, READ_ONLY, READ_ONLY),
}


@pytest.mark.parametrize("actor,target,new", list(itertools.product(ROLES, ROLES, ROLES)),
                         ids=lambda v: v)
def test_role_assignment_matrix(actor, target, new):
    assert roles.can_assign(actor, target, new) is ((actor, target, new) in ALLOWED)


@pytest.mark.parametrize("actor,target", list(itertools.product(ROLES, ROLES)))
def test_who_manages_whom(actor, target):
    expected = (actor == ADMIN and target != ADMIN) or (actor == MANAGER and target in (USER, READ_ONLY))
    assert roles.can_manage(actor, target) is expected


def test_grantable_roles_per_actor():
    assert roles.grantable_roles(ADMIN) == [READ_ONLY, USER, MANAGER]
    assert roles.grantable_roles(MANAGER) == [READ_ONLY, USER]
    assert roles.grantable_roles(USER) == []
    assert roles.grantable_roles(READ_ONLY) == []


@pytest.mark.parametrize("actor,allowed", [(ADMIN, True), (MANAGER, True), (USER, False), (READ_ONLY, False)])
def test_who_creates_users(actor, allowed):
    assert roles.can_create(actor) is allowed


def test_nobody_grants_administrator_and_unknown_roles_are_refused():
    for actor in ROLES:
        assert ADMIN not in roles.grantable_roles(actor)
        assert not roles.can_assign(actor, USER, "owner")
        assert not roles.can_assign(actor, "owner", USER)
        assert not roles.can_manage(actor, "")
