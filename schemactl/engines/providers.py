"""Where a throwaway PostgreSQL comes from.

Tried in order unless one is chosen with ``--postgres``:

``url``     an existing server: ``--postgres-url`` or ``SCHEMACTL_POSTGRES_URL``; schemactl creates and
            drops its own scratch databases there (the role needs CREATEDB);
``docker``  testcontainers' PostgreSQL module with a pinned image, only when a Docker engine answers;
``local``   the machine's own server binaries (schemactl.engines.postgres_local).

Each provider is a context manager yielding a ``Server`` whose ``scratch()``
makes a new empty database and removes it afterwards.  Nothing is left
running or on disk when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import Callable, Iterator

from ..errors import EngineUnavailable

DOCKER_IMAGE = "postgres:16.4-alpine"
ENV_URL = "SCHEMACTL_POSTGRES_URL"


class Server:
    """A reachable PostgreSQL server in which scratch databases can be made."""

    def __init__(self, admin_conninfo: str, label: str, throwaway: bool = False):
        self.admin_conninfo, self.label = admin_conninfo, label
        # A server started for this process alone (and removed with it): its first scratch database is the
        # empty ``postgres`` database initdb made, used as it is (no CREATE DATABASE, no DROP).
        self._own_database = throwaway
        self._roles: set[str] = set()   # roles known to exist on the server

    def conninfo(self, dbname: str) -> str:
        from psycopg.conninfo import make_conninfo
        return make_conninfo(self.admin_conninfo, dbname=dbname)

    def ensure_roles(self, roles) -> None:
        """Create each of ``roles`` the server lacks, without LOGIN or any right: a manifest's policies name
        roles the deployment provides (a role is the server's, not one database's), and its DDL applies only
        where they exist.  A role another process creates meanwhile is taken as it is."""
        missing = sorted(set(roles) - self._roles)
        if not missing:
            return
        import psycopg
        from psycopg import sql
        with psycopg.connect(self.admin_conninfo, autocommit=True) as admin:
            have = {r for (r,) in admin.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [missing])}
            for role in missing:
                if role in have:
                    continue
                try:
                    admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
                except psycopg.errors.DuplicateObject:
                    pass
                except psycopg.Error as exc:
                    raise EngineUnavailable(
                        f"cannot create role {sql.Identifier(role).as_string(admin)}, which the manifest's policies "
                        f"name, on the {self.label} PostgreSQL server: {' '.join(str(exc).split())}; create it "
                        "there (CREATE ROLE … NOLOGIN) or connect as a role with CREATEROLE") from None
        self._roles.update(missing)

    @contextlib.contextmanager
    def scratch(self, roles=()) -> Iterator[str]:
        """conninfo of a new, empty database; dropped on exit.  ``roles``: created on the server first when
        missing (ensure_roles).

        The name is random (processes in different containers often have the same pid), and only a
        database this call created is ever dropped: a name that exists is never reused or removed."""
        self.ensure_roles(roles)
        if self._own_database:
            self._own_database = False
            yield self.conninfo("postgres")
            return
        import psycopg
        from psycopg import sql
        from ..output import signals_held
        name = None
        try:
            # Ctrl-C, SIGTERM or SIGHUP wait until the database exists and `name` says so: a signal in
            # between would leave a database nobody drops.
            with signals_held(), psycopg.connect(self.admin_conninfo, autocommit=True) as admin:
                # FILE_COPY (PostgreSQL 15+) is the quicker way to copy a tiny template.
                strategy = sql.SQL(" STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else "")
                for _ in range(5):
                    candidate = f"schemactl_scratch_{secrets.token_hex(8)}"
                    try:
                        admin.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(candidate), strategy))
                        name = candidate
                        break
                    except psycopg.errors.DuplicateDatabase:
                        continue
                    except psycopg.Error as exc:
                        raise EngineUnavailable(
                            f"cannot create a scratch database on the {self.label} PostgreSQL server: "
                            f"{' '.join(str(exc).split())}; schemactl needs a role with CREATEDB there") from None
                else:  # pragma: no cover - 2**64 names
                    raise EngineUnavailable("cannot find an unused scratch database name")
            yield self.conninfo(name)
        finally:
            if name is not None:     # a second signal must not cut the drop short either
                with signals_held(), psycopg.connect(self.admin_conninfo, autocommit=True) as admin:
                    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def _url(url: str | None) -> Iterator[Server]:
    url = url or os.environ.get(ENV_URL)
    if not url:
        raise EngineUnavailable(f"no PostgreSQL URL given (--postgres-url or {ENV_URL})")
    import psycopg
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        raise EngineUnavailable(f"cannot connect to the given PostgreSQL URL: {str(exc).strip()}") from None
    yield Server(url, "url")


def docker_available() -> tuple[bool, str]:
    """(True, "") when a Docker engine answers a ping; else (False, why)."""
    try:
        import docker  # installed with testcontainers
    except ImportError:
        return False, "the docker/testcontainers Python packages are not installed (pip install 'schemactl[docker]')"
    try:
        client = docker.from_env(timeout=3)
        client.ping()
        client.close()
        return True, ""
    except Exception as exc:  # docker raises many kinds: no socket, refused, permission
        return False, f"no Docker engine answers ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"


@contextlib.contextmanager
def _docker(url: str | None) -> Iterator[Server]:
    ok, why = docker_available()
    if not ok:
        raise EngineUnavailable(why)
    from testcontainers.postgres import PostgresContainer
    with PostgresContainer(DOCKER_IMAGE, driver=None) as container:
        yield Server(container.get_connection_url(), "docker")


@contextlib.contextmanager
def _local(url: str | None) -> Iterator[Server]:
    from .postgres_local import LocalPostgres
    with LocalPostgres() as pg:
        yield Server(pg.conninfo(), "local", throwaway=True)


PROVIDERS: dict[str, Callable] = {"url": _url, "docker": _docker, "local": _local}
CHOICES = ("auto",) + tuple(PROVIDERS)


@contextlib.contextmanager
def postgres(choice: str = "auto", url: str | None = None) -> Iterator[Server]:
    """A PostgreSQL server from the chosen provider, or the first that works."""
    if choice != "auto":
        with PROVIDERS[choice](url) as server:
            yield server
        return
    if url or os.environ.get(ENV_URL):  # a URL the user gave is used, never silently replaced
        with _url(url) as server:
            yield server
        return
    tried = []
    order = ["docker", "local"]
    for name in order:
        stack = contextlib.ExitStack()
        try:
            server = stack.enter_context(PROVIDERS[name](url))
        except EngineUnavailable as exc:
            stack.close()
            tried.append(f"{name}: {exc}")
            continue
        with stack:
            yield server
        return
    raise EngineUnavailable("no PostgreSQL available; tried\n  " + "\n  ".join(tried))
