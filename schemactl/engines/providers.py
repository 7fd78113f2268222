"""Where a throwaway PostgreSQL comes from.

Tried in order unless one is chosen with ``--postgres``:

``url``     an existing server: ``--postgres-url`` or ``SCHEMACTL_POSTGRES_URL``; schemactl creates and
            drops its own scratch databases there (the role needs CREATEDB), each used through a role of its
            own without rights when the given role may create one (CREATEROLE), else as the given role;
``docker``  testcontainers' PostgreSQL module with a pinned image, only when a Docker engine answers;
``local``   the machine's own server binaries (schemactl.engines.postgres_local).

Each provider is a context manager yielding a ``Server`` whose ``scratch()``
makes a new empty database, and a role without rights that owns it, and removes
both afterwards (user input runs there: never as a superuser).  Nothing is left
running or on disk when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import Callable, Iterator

from ..errors import EngineUnavailable
from . import ENGINES

DOCKER_IMAGE = "postgres:16.4-alpine"
ENV_URL = "SCHEMACTL_POSTGRES_URL"


class _Made:
    """What one ``scratch()`` made, recorded as it is made so that its end removes exactly that."""
    dbname: str = ""
    drop_database = False      # a database this call created (never the throwaway's own ``postgres``)
    role: str | None = None    # the scratch role, None when the server's own role is used
    password: str = ""
    keep_role = False          # it owns the throwaway's ``postgres`` database, which goes with the server


def _scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677: what ``CREATE ROLE …
    PASSWORD`` hashes on the server, done here so the password itself is never sent or logged).

    One PBKDF2 iteration: the password is 32 random bytes, which no count of iterations makes any harder to
    guess, and both this and every log-in (the client derives the key with the server's count) stay instant.
    Its characters are ASCII letters, digits, '-' and '_', which SASLprep leaves as they are."""
    import base64
    import hashlib
    import hmac
    salt, iterations = secrets.token_bytes(16), 1
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server = hmac.digest(salted, b"Server Key", "sha256")
    b64 = lambda b: base64.b64encode(b).decode()   # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"


def _unused_name(what: str, taken, create) -> str:
    """A new random scratch name that ``create(name)`` could make (a name another process took, ``taken``,
    is tried again with another)."""
    for _ in range(5):
        name = f"schemactl_scratch_{secrets.token_hex(8)}"
        try:
            create(name)
            return name
        except taken:
            continue
    raise EngineUnavailable(f"cannot find an unused scratch {what} name")  # pragma: no cover - 2**64 names


class Server:
    """A reachable PostgreSQL server in which scratch databases can be made."""

    def __init__(self, admin_conninfo: str, label: str, throwaway: bool = False):
        self.admin_conninfo, self.label = admin_conninfo, label
        # A server started for this process alone (and removed with it): its first scratch database is the
        # empty ``postgres`` database initdb made, used as it is (no CREATE DATABASE, no DROP).
        self._own_database = throwaway
        # The database the admin connection uses: the conninfo's own, until the throwaway's ``postgres`` is
        # handed to a scratch role (whatever ran there may have set things for the next connection to it).
        self._admin_dbname: str | None = None
        self._roles: set[str] = set()   # roles known to exist on the server
        self._delegate: bool | None = None   # scratch roles can be made (None: not asked yet)
        # a scratch role's log-in is known to work: a throwaway server (ours) trusts its socket; on any other
        # the first one is tried (pg_hba.conf may admit only some roles)
        self._login_checked = throwaway

    def conninfo(self, dbname: str, **params) -> str:
        from psycopg.conninfo import conninfo_to_dict, make_conninfo
        from ..dburl import literal_strings
        options = literal_strings(conninfo_to_dict(self.admin_conninfo).get("options"))
        return make_conninfo(self.admin_conninfo, dbname=dbname, options=options, **params)

    def _admin(self):
        import psycopg
        info = self.admin_conninfo if self._admin_dbname is None else self.conninfo(self._admin_dbname)
        return psycopg.connect(info, autocommit=True)

    def ensure_roles(self, roles) -> None:
        """Create each of ``roles`` the server lacks, without LOGIN or any right: a manifest's policies name
        roles the deployment provides (a role is the server's, not one database's), and its DDL applies only
        where they exist.  A role another process creates meanwhile is taken as it is."""
        missing = sorted(set(roles) - self._roles)
        if missing:
            with self._admin() as admin:
                self._create_roles(admin, missing)

    def _create_roles(self, admin, missing: list[str]) -> None:
        import psycopg
        from psycopg import sql
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
        database this call created is ever dropped: a name that exists is never reused or removed.

        What runs there is the user's input (imported DDL, function bodies, migrations), so the conninfo is
        that of a role made for this database alone, with a random name and password: it owns the database
        (schemas, tables, functions in trusted languages, trusted extensions) and has no other right -- not
        a superuser, no CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS, a member of no role (so no server
        files, no programs, no untrusted languages).  It is dropped after the database.  The server's own
        role never connects to a database a scratch role owned while it exists: the throwaway server's
        ``postgres`` database, handed over as its first scratch database, is left to go with the server,
        and the admin connection uses ``template1`` from then on.

        On a ``--postgres-url`` server where the given role may not create roles (neither a superuser nor
        CREATEROLE), the given role is used as it is, without an error: the server and the role are the
        user's own, they decide what that role may do, and it is no superuser.  A role that may create roles
        makes one per scratch database (a CREATEROLE role without superuser becomes a member of it, as
        PostgreSQL requires to give it a database); on the first, schemactl checks that it can log in (with
        its password: pg_hba.conf may admit only some roles) and says so when it cannot -- it never falls
        back to a role that may create roles, which can be a superuser."""
        from ..output import signals_held
        made = _Made()
        try:
            # Ctrl-C, SIGTERM or SIGHUP wait until the database and role exist and `made` says so: a signal
            # in between would leave a database or a role nobody drops.
            with signals_held():
                self._make(made, sorted(set(roles) - self._roles))
            if made.role is not None and not self._login_checked:
                self._check_log_in(made)
                self._login_checked = True
            if made.role is None:
                yield self.conninfo(made.dbname)
            else:
                yield self.conninfo(made.dbname, user=made.role, password=made.password)
        finally:
            with signals_held():   # a second signal must not cut the drop short either
                self._remove(made)

    def _make(self, made: _Made, missing_roles: list[str]) -> None:
        import psycopg
        from psycopg import sql
        with self._admin() as admin:
            if missing_roles:
                self._create_roles(admin, missing_roles)
            version = admin.info.server_version
            superuser = admin.info.parameter_status("is_superuser") == b"on"
            if self._delegate is None:
                self._delegate = superuser or admin.execute(
                    "SELECT rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone() == (True,)
            if self._delegate:
                self._make_role(admin, made, superuser)
            owner = sql.SQL("") if made.role is None else sql.SQL(" OWNER {}").format(sql.Identifier(made.role))
            if self._own_database:
                self._own_database = False
                made.dbname = "postgres"
                if made.role is not None:
                    admin.execute(sql.SQL("ALTER DATABASE postgres OWNER TO {}").format(sql.Identifier(made.role)))
                    made.keep_role, self._admin_dbname = True, "template1"
                    self._give_public_schema(admin, made)
                return
            # FILE_COPY (PostgreSQL 15+) is the quicker way to copy a tiny template.
            strategy = sql.SQL(" STRATEGY FILE_COPY" if version >= 150000 else "")
            try:
                made.dbname = _unused_name("database", psycopg.errors.DuplicateDatabase, lambda name: admin.execute(
                    sql.SQL("CREATE DATABASE {}{}{}").format(sql.Identifier(name), owner, strategy)))
                made.drop_database = True
            except psycopg.Error as exc:
                raise EngineUnavailable(
                    f"cannot create a scratch database on the {self.label} PostgreSQL server: "
                    f"{' '.join(str(exc).split())}; schemactl needs a role with CREATEDB there") from None
        if made.role is not None and version < 150000:
            with psycopg.connect(self.conninfo(made.dbname), autocommit=True) as fresh:
                self._give_public_schema(fresh, made)

    def _make_role(self, admin, made: _Made, superuser: bool) -> None:
        import psycopg
        from psycopg import sql
        password = secrets.token_urlsafe(32)
        try:
            made.role = _unused_name("role", psycopg.errors.DuplicateObject, lambda name: admin.execute(sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
            ).format(sql.Identifier(name), sql.Literal(_scram_verifier(password)))))
            made.password = password
        except psycopg.errors.InsufficientPrivilege:   # CREATEROLE taken away meanwhile: as documented
            self._delegate = False
            return
        except psycopg.Error as exc:
            raise EngineUnavailable(
                f"cannot create a scratch role on the {self.label} PostgreSQL server: "
                f"{' '.join(str(exc).split())}") from None
        if not superuser:
            # a CREATEROLE role makes a database another role owns only as a member of it (PostgreSQL 16+:
            # one that may SET ROLE to it); the membership goes with the role
            admin.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(made.role)))

    @staticmethod
    def _give_public_schema(conn, made: _Made) -> None:
        """Before PostgreSQL 15 the ``public`` schema belongs to the bootstrap superuser, not to whoever owns
        the database (15+: pg_database_owner): the scratch role gets it, as on 15+."""
        if conn.info.server_version < 150000:
            from psycopg import sql
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(made.role)))

    def _check_log_in(self, made: _Made) -> None:
        import psycopg
        try:
            psycopg.connect(self.conninfo(made.dbname, user=made.role, password=made.password),
                            connect_timeout=10).close()
        except psycopg.OperationalError as exc:
            raise EngineUnavailable(
                f"the role schemactl made to use its scratch database on the {self.label} PostgreSQL server "
                f"cannot log in: {' '.join(str(exc).split())}; let new roles log in with a password there "
                "(pg_hba.conf), or connect as a role without CREATEROLE (then that role is used)") from None

    def _remove(self, made: _Made) -> None:
        """Drop what ``made`` records: the database, then its role (which nothing else can hold)."""
        from psycopg import sql
        import psycopg
        drop_role = made.role is not None and not made.keep_role
        if not (made.drop_database or drop_role):
            return
        with self._admin() as admin:
            if made.drop_database:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(made.dbname)))
                made.drop_database = False
            if drop_role:
                try:
                    admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(made.role)))
                except psycopg.Error as exc:
                    raise EngineUnavailable(
                        f"cannot drop the scratch role {made.role} on the {self.label} PostgreSQL server: "
                        f"{' '.join(str(exc).split())}; drop it there (DROP ROLE)") from None
                made.role = None


# Each provider is called as provider(url, meanwhile): ``meanwhile`` (or None) is work for the starting thread
# that needs no server, done while the server boots where a provider waits for one (see early_postgres).

@contextlib.contextmanager
def _url(url: str | None, meanwhile: Callable | None = None) -> Iterator[Server]:
    url = url or os.environ.get(ENV_URL)
    if not url:
        raise EngineUnavailable(f"no PostgreSQL URL given (--postgres-url or {ENV_URL})")
    if meanwhile is not None:
        meanwhile()
    from ..dburl import connect_postgres   # a bad URL or a failed connection: one line, no secret in it
    connect_postgres(url, "the given PostgreSQL URL", conninfo=True, connect_timeout=5).close()
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
def _docker(url: str | None, meanwhile: Callable | None = None) -> Iterator[Server]:
    ok, why = docker_available()
    if not ok:
        raise EngineUnavailable(why)
    if meanwhile is not None:
        meanwhile()
    from testcontainers.postgres import PostgresContainer
    with PostgresContainer(DOCKER_IMAGE, driver=None) as container:
        yield Server(container.get_connection_url(), "docker")


@contextlib.contextmanager
def _local(url: str | None, meanwhile: Callable | None = None) -> Iterator[Server]:
    from .postgres_local import LocalPostgres
    with LocalPostgres(meanwhile=meanwhile) as pg:
        yield Server(pg.conninfo(), "local", throwaway=True)


PROVIDERS: dict[str, Callable] = {"url": _url, "docker": _docker, "local": _local}
CHOICES = ("auto",) + tuple(PROVIDERS)


@contextlib.contextmanager
def postgres(choice: str = "auto", url: str | None = None, meanwhile: Callable | None = None) -> Iterator[Server]:
    """A PostgreSQL server from the chosen provider, or the first that works.  ``meanwhile``: work that
    needs no server, done by the starting thread while the server boots (it may run more than once when
    ``auto`` tries a provider that then fails)."""
    if choice != "auto":
        with PROVIDERS[choice](url, meanwhile) as server:
            yield server
        return
    if url or os.environ.get(ENV_URL):  # a URL the user gave is used, never silently replaced
        with _url(url, meanwhile) as server:
            yield server
        return
    tried = []
    order = ["docker", "local"]
    for name in order:
        stack = contextlib.ExitStack()
        try:
            server = stack.enter_context(PROVIDERS[name](url, meanwhile))
        except EngineUnavailable as exc:
            stack.close()
            tried.append(f"{name}: {exc}")
            continue
        with stack:
            yield server
        return
    raise EngineUnavailable("no PostgreSQL available; tried\n  " + "\n  ".join(tried))


@contextlib.contextmanager
def early_postgres(engines=ENGINES, provider: str = "auto", url: str | None = None):
    """Begin PostgreSQL's start in a worker thread, before anything else (the server's start is mostly
    waiting for its processes; a command imports its modules and loads its manifests meanwhile: this
    module is light, so the start can begin before the heavy ones are imported).  Yields the start's
    Future (None when PostgreSQL is not among ``engines``); on the way out, whatever happened, the start is
    waited for and a server that started is stopped (a start's error is raised by whoever asks for it)."""
    if "postgres" not in engines:
        yield None
        return
    from concurrent.futures import ThreadPoolExecutor
    # psycopg is imported by the start's thread while the server boots (a tenth of a second of Python work
    # the server's start would otherwise be followed by), and in any case before the Future is done: no
    # other thread imports it at the same time
    provider_cm = postgres(provider, url, meanwhile=_import_psycopg)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schemactl-postgres-start")

    def start():
        server = provider_cm.__enter__()
        _import_psycopg()
        return server
    starting = pool.submit(start)
    try:
        yield starting
    finally:
        pool.shutdown()
        if starting.exception() is None:
            provider_cm.__exit__(None, None, None)


def _import_psycopg() -> None:
    """psycopg's import (a tenth of a second), made in the start's thread rather than when the first
    connection needs it; missing, it is said where the command connects, with the fix.  Whoever uses
    psycopg asks for the server first: two threads importing psycopg at once can see it half-initialised
    (importlib's deadlock avoidance; "cannot import name ... from partially initialized module")."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pass
