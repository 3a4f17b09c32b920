"""A throwaway PostgreSQL database for a benchmark: created empty, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def admin_execute(database_url: str, statement: str) -> None:
    """Run ``statement`` on the server of ``database_url``, connected to its ``postgres``
    database (a database cannot be created or dropped from inside itself)."""
    import psycopg

    parts = urlsplit(database_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        db.execute(statement)


@contextmanager
def fresh_database(database_url: str) -> Iterator[str]:
    """The database ``database_url`` names, dropped if it was there and created empty; dropped
    again at the end (Django's connections to it are closed first)."""
    name = urlsplit(database_url).path.lstrip("/")
    admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_execute(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield database_url
    finally:
        from django.db import connections

        connections.close_all()
        admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}"')
