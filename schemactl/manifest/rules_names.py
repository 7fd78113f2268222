"""Names an engine would refuse: empty names, PostgreSQL's system columns, SQLite's reserved
prefix and rowid aliases, the migration bookkeeping tables' names, and names that differ only in
case (SQLite ignores the case of ASCII letters in identifiers, and keeps tables, views and indexes
in one namespace, triggers in another)."""

from __future__ import annotations

from .model import Manifest

# Every PostgreSQL table has these columns; a user column of the same name is refused.
PG_SYSTEM_COLUMNS = ("tableoid", "xmin", "cmin", "xmax", "cmax", "ctid")
# Every SQLite table but a WITHOUT ROWID one has a rowid under these names; a column of that name hides
# it, and a table rebuild (INSERT … SELECT of the columns) renumbers the real rowid.
SQLITE_ROWID_NAMES = ("rowid", "_rowid_", "oid")

# The migration history table schemactl keeps beside the schema (docs/runtime-protocol.md, section 1),
# and the tables of the runners that may apply the chain: a relation of the schema with one of these
# names collides with it (the chain can never apply) or is skipped by deep verify.
VERSION_TABLE = "schema_version"
BOOKKEEPING_TABLES = {VERSION_TABLE: "schemactl's migration history table, which every migration creates",
                      "_sqlx_migrations": "the table sqlx records the migrations it applied in",
                      "__drizzle_migrations": "the table drizzle-orm's migrator records the migrations it applied in"}


def fold(name: str) -> str:
    """A name as SQLite compares it: ASCII letters without case (other characters as they are)."""
    return name.lower() if name.isascii() else name.encode("utf-8").lower().decode("utf-8")


def check(m: Manifest, problems) -> None:
    _empty(m, problems)
    for t in m.tables:
        _columns(t, problems)
    _sqlite_namespace(m, problems)
    _bookkeeping(m, problems)


def _empty(m: Manifest, problems) -> None:
    def need(name: str, what: str, path, key: bool = True) -> None:
        if name == "":
            problems.add(path, f"{what} has an empty name; PostgreSQL and SQLite need at least one character: "
                               "name it", key=key)

    if m.pg_schema == "":
        need("", "postgres.schema", ("postgres", "schema"), key=False)
    for e in m.enums:
        need(e.name, "an enum", e.path)
    for t in m.tables:
        need(t.name, "a table", t.path)
        for c in t.columns:
            need(c.name, f'a column of table "{t.name}"', c.path)
        for obj in [x for x in (t.primary_key, t.search) if x] + list(t.uniques) + list(t.foreign_keys) \
                + list(t.checks) + list(t.indexes):
            need(obj.name, f'a constraint or index of table "{t.name}"', obj.path + ("name",), key=False)
    for kind, items in (("a view", m.views), ("a trigger", m.triggers), ("a function", m.functions),
                        ("a sequence", m.sequences)):
        for x in items:
            need(x.name, kind, x.path)
    for p in m.policies:
        need(p.name, f'a policy of table "{p.table}"', p.path)


def _columns(t, problems) -> None:
    seen: dict[str, str] = {}
    for c in t.columns:
        folded = fold(c.name)
        if c.name in PG_SYSTEM_COLUMNS:
            problems.add(c.path, f'table "{t.name}": column "{c.name}" has the name of a PostgreSQL system column '
                                 f"({', '.join(PG_SYSTEM_COLUMNS)}); rename it", key=True)
        if not t.without_rowid and folded in SQLITE_ROWID_NAMES:
            problems.add(c.path, f'table "{t.name}": column "{c.name}" has a name of SQLite\'s rowid '
                                 f"({', '.join(SQLITE_ROWID_NAMES)}): it hides the real rowid, which a table "
                                 "rebuild renumbers; rename it (or make the table sqlite: {without_rowid: true})",
                         key=True)
        other = seen.setdefault(folded, c.name)
        if other != c.name:
            problems.add(c.path, f'table "{t.name}": columns "{other}" and "{c.name}" differ only in case; SQLite '
                                 "ignores the case of identifiers (duplicate column name): rename one", key=True)


def _sqlite_namespace(m: Manifest, problems) -> None:
    """Tables, views, indexes and full-text searches: one namespace on SQLite, without case; triggers
    another."""
    objects = []        # (name, what, path, key)
    for t in m.tables:
        objects.append((t.name, "table", t.path, True))
    for v in m.views:
        objects.append((v.name, "view", v.path, True))
    for t in m.tables:
        if t.search:
            objects.append((t.search.name, "search", t.search.path + ("name",), False))
        for i in t.indexes:
            if i.on("sqlite"):
                objects.append((i.name, "index", i.path + ("name",), False))
    _one_namespace(objects, "tables, views and indexes", problems)
    _one_namespace([(tr.name, "trigger", tr.path, True) for tr in m.triggers if tr.on("sqlite")], "triggers",
                   problems)


def _one_namespace(objects, kinds: str, problems) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for name, what, path, key in objects:
        if not name:
            continue
        folded = fold(name)
        if folded.startswith("sqlite_"):
            problems.add(path, f'{what} "{name}": SQLite reserves names beginning with "sqlite_" for itself; '
                               "rename it", key=key)
            continue
        if folded not in seen:
            seen[folded] = (name, what)
            continue
        other, other_what = seen[folded]
        if other == name:
            continue     # the same name twice: reported by the rules for PostgreSQL's one namespace
        problems.add(path, f'{what} "{name}" and {other_what} "{other}" differ only in case; SQLite ignores '
                           f"the case of identifiers and keeps {kinds} in one namespace: rename one", key=key)


def _bookkeeping(m: Manifest, problems) -> None:
    """Tables, views, indexes, searches and sequences share the version table's namespace (one per schema
    on PostgreSQL, one per database without case on SQLite)."""
    objects = [(t.name, "table", t.path, True) for t in m.tables]
    objects += [(v.name, "view", v.path, True) for v in m.views]
    objects += [(s.name, "sequence", s.path, True) for s in m.sequences]
    for t in m.tables:
        objects += [(i.name, "index", i.path + ("name",), False) for i in t.indexes]
        if t.search:
            objects.append((t.search.name, "search", t.search.path + ("name",), False))
    for name, what, path, key in objects:
        taken = BOOKKEEPING_TABLES.get(fold(name))
        if taken:
            problems.add(path, f'{what} "{name}" has the name of {taken}; rename it', key=key)
