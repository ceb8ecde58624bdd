"""Shared fixtures. Tests run on the database DATABASE_URL names (SQLite in memory by default)."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "Yiwang@2026"


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="仅在 PostgreSQL 上运行（需要真实并发）")
    skip_sqlite = pytest.mark.skip(reason="仅在 SQLite 上运行")
    for item in items:
        if "postgres_only" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "sqlite_only" in item.keywords and on_postgres:
            item.add_marker(skip_sqlite)


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def client_for(client):
    """Log a user into the Django test client: ``client_for(user)``."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def network(db):
    """A small network: a city school with two branches, a far school, an alliance and a partnership."""
    from tests.factories import build_small_network

    return build_small_network()
