"""Settings and fixtures shared by the whole test suite: the database servers the tests use."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from gc3store.sql import DEFAULT_DRIVERS

# the kit's own tests run pytest inside pytest; declared here, at the root of the suite, so
# that it works whatever directory pytest is pointed at
pytest_plugins = ["pytester"]


@dataclasses.dataclass(frozen=True)
class Server:
    """A database server the tests use, and how to point them at it or start it."""

    backend: str
    variable: str
    default_url: str
    start: str

    @property
    def url(self) -> str:
        return os.environ.get(self.variable) or self.default_url


SERVERS = {
    "postgresql": Server(
        "postgresql", "GC3STORE_TEST_POSTGRESQL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"),
    "mysql": Server(
        "mysql", "GC3STORE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test",
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"),
}

_unreachable: dict[str, str | None] = {}
"""Per backend, why its server cannot be reached (None: it can), found once per process."""


def make_engine(url: str) -> sa.Engine:
    """An engine of the tests' own, independent of any store, with the driver SqlStore would use."""
    parsed = sa.make_url(url.partition("#")[0])
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername and backend in DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=f"{backend}+{DEFAULT_DRIVERS[backend]}")
    return sa.create_engine(parsed, poolclass=sa.pool.NullPool)


def server_url(backend: str) -> str:
    """The URL of `backend`'s test server; skip (fail under CI=true) if it is unreachable."""
    server = SERVERS[backend]
    if backend not in _unreachable:
        _unreachable[backend] = _why_unreachable(server.url)
    reason = _unreachable[backend]
    if reason is not None:
        message = (f"the {backend} test server {server.url} (set {server.variable} to use "
                   f"another) is unreachable: {reason}; start it with: {server.start}")
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return server.url


def _why_unreachable(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect():
            return None
    except sa.exc.SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def test_server_url() -> Callable[[str], str]:
    """``test_server_url("postgresql")``: the server's URL; skip, or fail under CI=true, if it
    cannot be reached."""
    return server_url


@pytest.fixture(scope="session")
def test_server_engine() -> Callable[[str], sa.Engine]:
    """``test_server_engine(url)``: an engine of the test's own on the database of `url`."""
    return make_engine
