"""Migrations build exactly the schema the models describe, on SQLite and (when tested) PostgreSQL."""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.extensions import db


def _fresh_postgres_url() -> str:
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database}_migrations"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _databases():
    yield "sqlite"
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        yield "postgresql"


@pytest.mark.parametrize("kind", list(_databases()))
def test_migrations_match_the_models(kind, redis_server, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}" if kind == "sqlite" else _fresh_postgres_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_server, "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        engine.dispose()
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
