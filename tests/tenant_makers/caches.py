"""Makers for the caches room's tenant models: cache definitions, data pools and pool values."""
from __future__ import annotations

import itertools

from app.caches import pools, services
from app.caches.models import CacheDefinition, DataPool, PoolValue
from app.extensions import db

_seq = itertools.count(1)


def make_pool(company):
    # A fresh name per call: the isolation tests make every model in one company.
    return pools.create_pool(company, f"Orders {next(_seq)}")


def make_value(company):
    pool = make_pool(company)
    pools.DedupeService(company.id).claim(pool, ["A1"])
    return db.session.query(PoolValue).filter_by(pool_id=pool.id).one()


MAKERS = {
    CacheDefinition: lambda c: services.create(c, "customers", "company", None, None),
    DataPool: make_pool,
    PoolValue: make_value,
}
