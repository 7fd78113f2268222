"""The target of copy and restore: one transaction whose tables must be empty, and the check of either
database's schema against the manifest before any row moves."""

from __future__ import annotations

import sqlite3

from .errors import SchemactlError
from .manifest.model import Manifest
from .naming import quote
from .render.ddl import Renderer, schema_of


def engine_errors() -> tuple:
    errors: tuple = (sqlite3.Error,)
    try:
        import psycopg
        errors += (psycopg.Error,)
    except ImportError:    # pragma: no cover - psycopg is a dependency
        pass
    return errors


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _sqlite_begin(conn, m: Manifest | None):
    conn.isolation_level = None
    conn.execute("PRAGMA foreign_keys = ON")         # enforced (outside the transaction: a no-op inside)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA defer_foreign_keys = ON")   # checked at COMMIT, so tables load in any order
    return m


# Kinds copy and restore write to SQLite as text, and what SQLite may store instead under a declared type of
# another affinity without changing the value.  numeric: a column of NUMERIC, INTEGER or REAL affinity is given
# the number itself (an integer, or a REAL 12.5 for 12.50) where that number reads back as the decimal;
# datastorage._sqlite_decimal refuses any other value before it is written.
_WRITTEN_AS_TEXT = {"text": ("text",), "tsvector": ("text",), "char": ("text",), "enum": ("text",),
                    "uuid": ("text",), "json": ("text",), "date": ("text",), "time": ("text",),
                    "timestamp": ("text",), "numeric": ("text", "integer", "real")}


def _sqlite_converted(conn, m: Manifest) -> str | None:
    """The first value written as text that SQLite stored as a number, as a refusal: a column spelled with
    NUMERIC, INTEGER or REAL affinity (sqlite.spell text: STRING, json: JSON, numeric: DECIMAL(10,2)) turns the
    text '0012' into 12 and '1.50' into 1.5 on its own, and copy said it copied the rows."""
    from . import datavalues as dv
    from .typekeys import sqlite_affinity
    for t in m.tables:
        declared = {r[1]: r[2] for r in conn.execute(f"PRAGMA table_xinfo({quote(t.name)})") if r[6] == 0}
        for col in dv.columns(m, t):
            kept = ("text",) if col.array else _WRITTEN_AS_TEXT.get(col.base)
            if col.base == "timestamptz" and m.time_storage == "iso_text":
                kept = ("text",)
            if kept is None or sqlite_affinity(declared.get(col.name) or "TEXT") in ("TEXT", "BLOB"):
                continue
            allowed = ", ".join(f"'{k}'" for k in kept + ("null",))
            found = conn.execute(f"SELECT rowid, {quote(col.name)} FROM {quote(t.name)} "
                                 f"WHERE typeof({quote(col.name)}) NOT IN ({allowed}) LIMIT 1").fetchone()
            if found is not None:
                where = _sqlite_row(conn, m, t.name, found[0])
                return (f"table {t.name}, {where}, column {col.name}: SQLite stored the text written to it as the "
                        f"number {found[1]!r}, as the column's declared type {declared[col.name]} (of "
                        f"{sqlite_affinity(declared[col.name])} affinity) converts it; nothing was written: spell "
                        "the column with TEXT affinity (sqlite.spell or its sqlite_type, e.g. TEXT)")
    return None


def _sqlite_end(conn, ok: bool, state) -> None:
    if not ok:
        conn.execute("ROLLBACK")
        return
    converted = _sqlite_converted(conn, state) if state is not None else None
    if converted:
        conn.execute("ROLLBACK")
        raise SchemactlError(converted)
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:   # orphan rows: refused whole, never committed
        where = _sqlite_row(conn, state, broken[0][0], broken[0][1])
        conn.execute("ROLLBACK")
        raise SchemactlError(f"{len(broken)} row(s) would violate foreign keys (first: table {broken[0][0]}, "
                             f"{where}, referencing {broken[0][2]}); nothing was written: add the missing rows to "
                             f"{broken[0][2]} at the source, or remove the orphans")
    conn.execute("COMMIT")


def _sqlite_row(conn, m: Manifest | None, table: str, rowid) -> str:
    """A SQLite row named by its primary key (by its rowid when the manifest does not say)."""
    t = m.table(table) if m is not None else None
    if t is None or t.primary_key is None or rowid is None:
        return f"rowid {rowid}"
    cols = t.primary_key.columns
    found = conn.execute(f"SELECT {', '.join(quote(c) for c in cols)} FROM {quote(table)} WHERE rowid = ?",
                         (rowid,)).fetchone()
    if found is None:
        return f"rowid {rowid}"
    shown = ", ".join(f"{c}={v!r}" for c, v in zip(cols, found))
    return f"row {shown}" if len(cols) == 1 else f"row ({shown})"


def pg_read_path_transaction(conn, force_rollback: bool = False):
    """(the transaction entered, the search_path it replaced): a transaction (a savepoint in a caller's, whether
    the connection is in autocommit or not) with the search_path the schema checks read the catalog under
    (introspect.postgres.READ_PATH), so that "t" is the table they checked, never a same-named one a role's or
    database's search_path = other, public finds first (other.t).  Set for this transaction only: a rollback
    takes it back by itself; set the old one back before the transaction ends otherwise (_pg_end).  The caller
    leaves the transaction with ``tx.__exit__``; one that cannot be set up is left here."""
    from .introspect.postgres import READ_PATH
    tx = conn.transaction(force_rollback=force_rollback)
    tx.__enter__()
    try:
        old = conn.execute("SELECT current_setting('search_path'), set_config('search_path', %s, true)",
                           (READ_PATH,)).fetchone()[0]
    except BaseException as exc:
        tx.__exit__(type(exc), exc, exc.__traceback__)
        raise
    return tx, old


def _pg_begin(conn, m: Manifest | None):
    return pg_read_path_transaction(conn)


def _pg_end(conn, ok: bool, state) -> None:
    tx, old = state
    if ok:
        conn.execute("SELECT set_config('search_path', %s, true)", (old,))
        tx.__exit__(None, None, None)
    else:
        tx.__exit__(SchemactlError, SchemactlError("rolled back"), None)


def _pg_triggers_off(conn, m: Manifest, names: set) -> list:
    """Disabled for this transaction (foreign keys are still checked), and what is deferrable deferred (a cycle
    of foreign keys loads in any order); the tables whose triggers went off."""
    conn.execute("SET CONSTRAINTS ALL DEFERRED")
    r = Renderer(m, "postgres")
    tables = sorted({tr.table for tr in m.triggers if tr.name in names})
    for table in tables:
        conn.execute(f"ALTER TABLE {r.q(table)} DISABLE TRIGGER USER")
    return tables


def _pg_triggers_on(conn, m: Manifest, tables: list) -> None:
    if tables:   # the deferred checks now: PostgreSQL alters no table with trigger events pending
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    r = Renderer(m, "postgres")
    for table in tables:
        conn.execute(f"ALTER TABLE {r.q(table)} ENABLE TRIGGER USER")


def _sqlite_triggers_off(conn, m: Manifest, names: set) -> list:
    """Dropped in the transaction; (name, CREATE statement) of each, created again before the commit (a
    rollback brings them back by itself)."""
    saved = [(n, sql) for n, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                                 "ORDER BY name") if n in names]
    for name, _ in saved:
        conn.execute(f"DROP TRIGGER {quote(name)}")
    return saved


def _sqlite_triggers_on(conn, m: Manifest, saved: list) -> None:
    for _, sql in saved:
        conn.execute(sql)


BEGIN = {"sqlite": _sqlite_begin, "postgres": _pg_begin}
TRIGGERS_OFF = {"sqlite": _sqlite_triggers_off, "postgres": _pg_triggers_off}
TRIGGERS_ON = {"sqlite": _sqlite_triggers_on, "postgres": _pg_triggers_on}
END = {"sqlite": _sqlite_end, "postgres": _pg_end}


class Target:
    """One transaction on the target database: all rows or none; its tables must be empty, or with
    ``replace`` are emptied first in the same transaction (a failure then keeps the old rows)."""

    def __init__(self, conn, engine: str, m: Manifest | None = None, replace: bool = False):
        self.conn, self.engine, self.m, self.replace = conn, engine, m, replace

    def __enter__(self):
        try:
            self.state = BEGIN[self.engine](self.conn, self.m)
        except engine_errors() as exc:
            raise SchemactlError(f"cannot start writing to the target: {first_line(exc)}; nothing was "
                                 "written") from None
        self.triggers: list = []
        if self.m is not None:
            try:
                try:
                    self._triggers_off()
                except engine_errors() as exc:
                    raise SchemactlError(f"cannot keep the target's triggers from firing while rows load: "
                                         f"{first_line(exc)}; nothing was written: copy as the owner of the "
                                         "tables (ALTER TABLE … DISABLE TRIGGER needs it)") from None
                self._empty_tables() if self.replace else self._check_empty()
            except BaseException:
                self._end(False)
                raise
        return self

    def _triggers_off(self) -> None:
        """The manifest's triggers do not fire while rows are loaded (as pg_restore --disable-triggers): rows
        arrive as the source holds them, not stamped again nor logged twice (TRIGGERS_OFF: per engine)."""
        names = {tr.name for tr in self.m.triggers if tr.on(self.engine)}
        self.triggers = TRIGGERS_OFF[self.engine](self.conn, self.m, names)

    def _triggers_on(self) -> None:
        if self.m is not None:
            TRIGGERS_ON[self.engine](self.conn, self.m, self.triggers)

    def _check_empty(self) -> None:
        r = Renderer(self.m, self.engine)
        for t in self.m.tables:
            cur = self.conn.cursor()
            cur.execute(f"SELECT 1 FROM {r.q(t.name)} LIMIT 1")
            if cur.fetchone() is not None:
                raise SchemactlError(f"table {t.name} of the target already holds rows; copy and restore fill "
                                     "empty tables only (nothing was written): empty the target's tables or use "
                                     "a new database, or pass --truncate to replace its rows")

    def _empty_tables(self) -> None:
        r = Renderer(self.m, self.engine)
        for t in reversed(self.m.tables):      # referencing tables first
            cur = self.conn.cursor()
            try:
                cur.execute(f"DELETE FROM {r.q(t.name)}")
            except engine_errors() as exc:
                raise SchemactlError(f"cannot empty table {t.name} of the target: {first_line(exc)}; nothing "
                                     "was written") from None

    def _end(self, ok: bool) -> None:
        try:
            if ok:
                self._triggers_on()
            END[self.engine](self.conn, ok, self.state)
        except engine_errors() as exc:
            if ok:
                raise SchemactlError(f"the target refused the rows at commit: {first_line(exc)}; nothing was "
                                     "written") from None

    def __exit__(self, kind, exc, tb):
        self._end(kind is None)
        if kind is not None and issubclass(kind, engine_errors()):
            raise SchemactlError(f"the target refused the rows: {first_line(exc)}; nothing was written") from None
        return False


# Findings that make a source unreadable as the manifest says: a missing table or column.
SOURCE_CODES = frozenset({"SC101", "SC201"})


def check_schema(conn, engine: str, m: Manifest, role: str = "target") -> frozenset:
    """Refuse a database whose schema differs from the manifest (the parity gate's diff), exit 1 with the
    findings: any finding for the target; for the source a missing table or column.  A source column of
    another type (an import's approximation: citext for text, a domain for its base type) is returned as
    (table, column): its values are read as they are and each checked against the manifest's type."""
    from .diff import diff
    from .expect import expect
    from .introspect import introspect
    # psycopg opens a transaction for the catalog read, ended here; a transaction the caller had open
    # (sqlite3 or psycopg) is left as it was, with whatever it holds that is not committed yet
    ours = engine == "postgres" and conn.info.transaction_status == conn.info.transaction_status.IDLE
    try:
        findings = diff(expect(m, engine), introspect(conn, engine, schema_of(m, engine)))
        if ours:
            conn.rollback()
    except engine_errors() as exc:
        raise SchemactlError(f"cannot read the {role}'s schema: {first_line(exc)}; nothing was written") from None
    # what no manifest can declare (SC105: an EXCLUDE constraint, a DEFERRABLE key, a column's collation) does not
    # stop a copy: the target holds the manifest's tables and columns, and a row such a constraint refuses is
    # refused by the load with its table and row
    findings = [f for f in findings if f.code != "SC105"]
    loose = frozenset()
    if role == "source":
        loose = frozenset(f.manifest_path[1:4:2] for f in findings if f.code == "SC203" and
                          len(f.manifest_path) == 4)
        findings = [f for f in findings if f.code in SOURCE_CODES]
    if findings:
        listed = "\n  ".join(f"{f.code} {f.message}" for f in findings[:20])
        err = SchemactlError(f"the {role} schema differs from the manifest; nothing was "
                             f"{'read' if role == 'source' else 'written'}:\n  {listed}")
        err.exit_code = 1
        raise err
    return loose


def check_target(conn, engine: str, m: Manifest) -> None:
    check_schema(conn, engine, m, "target")
