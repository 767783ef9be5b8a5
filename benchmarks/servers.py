"""The PostgreSQL and MariaDB servers: raw driver connections, scratch tables, reachability."""

from __future__ import annotations

import os
import secrets
from typing import Any

import sqlalchemy as sa

DEFAULT_POSTGRESQL = os.environ.get("GC3STORE_TEST_POSTGRESQL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEFAULT_MARIADB = os.environ.get("GC3STORE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
CONNECT_TIMEOUT_S = 5


def connect_postgresql(url: str) -> Any:
    """A psycopg connection in autocommit mode (writes open their own transaction)."""
    import psycopg

    parts = sa.make_url(url)
    return psycopg.connect(host=parts.host, port=parts.port or 5432, user=parts.username,
                           password=parts.password, dbname=parts.database, autocommit=True,
                           connect_timeout=CONNECT_TIMEOUT_S)


def connect_mariadb(url: str) -> Any:
    """A PyMySQL connection in autocommit mode, sending bytes as gc3store does (``_binary''``)."""
    import pymysql  # type: ignore[import-untyped]

    parts = sa.make_url(url)
    return pymysql.connect(host=parts.host, port=parts.port or 3306, user=parts.username,
                           password=parts.password or "", database=parts.database,
                           autocommit=True, binary_prefix=True,
                           connect_timeout=CONNECT_TIMEOUT_S)


CONNECT = {"postgresql": connect_postgresql, "mariadb": connect_mariadb}


def unreachable(server: str, url: str) -> str | None:
    """Why `server` at `url` cannot be used, or None when it answers."""
    try:
        connection = CONNECT[server](url)
    except Exception as exc:  # a missing driver, a refused connection, a bad password
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    connection.close()
    return None


def scratch_table() -> str:
    """A table name of its own for each run, so that runs never meet."""
    return f"gc3store_bench_{secrets.token_hex(4)}"


def drop_table(server: str, url: str, table: str) -> None:
    connection = CONNECT[server](url)
    try:
        connection.cursor().execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        connection.close()
