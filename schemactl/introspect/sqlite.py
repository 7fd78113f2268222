"""SQLite catalog -> Catalog, from PRAGMA table_xinfo, index_list, index_xinfo,
foreign_key_list and the CREATE statements in sqlite_schema."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import replace

from ..catalog import (Catalog, CCheck, CColumn, CForeignKey, CIndex, CKey, CSearch, CTable, CTrigger, CView,
                       index_element)
from ..naming import derived_name, quote
from ..normalize import expr_key, sqlite_type, statements_key
from ..typekeys import fts5_shadow_tables, sqlite_rowid_alias
from ..render import search
from . import sqlite_ddl


def _pragma(conn, name: str, arg: str) -> list[tuple]:
    return conn.execute(f"PRAGMA {name}({quote(arg) if arg else ''})").fetchall()


class _Pragmas:
    """Every table's PRAGMA table_xinfo, index_list, index_xinfo and foreign_key_list rows, read with one
    query each over the pragma table functions (a query per table and index cost more than the rest of
    the catalog read); rows as the PRAGMA statements give them, in their order."""

    def __init__(self, conn):
        self.conn = conn
        self.rows = {}
        names = {"table": [], "index": []}
        for kind, name in conn.execute("SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'index')"):
            names[kind].append(name)
        tables = "SELECT name FROM sqlite_schema WHERE type = 'table'"
        queries = {
            "table_xinfo": f"SELECT m.name, p.* FROM ({tables}) m, pragma_table_xinfo(m.name) p "
                           "ORDER BY m.name, p.cid",
            "index_list": f"SELECT m.name, p.* FROM ({tables}) m, pragma_index_list(m.name) p ORDER BY m.name, p.seq",
            "index_xinfo": "SELECT m.name, p.* FROM (SELECT name FROM sqlite_schema WHERE type = 'index') m, "
                           "pragma_index_xinfo(m.name) p ORDER BY m.name, p.seqno",
            "foreign_key_list": f"SELECT m.name, p.* FROM ({tables}) m, pragma_foreign_key_list(m.name) p "
                                "ORDER BY m.name, p.id, p.seq",
        }
        for pragma, query in queries.items():
            found: dict[str, list] = {n: [] for n in names["index" if pragma == "index_xinfo" else "table"]}
            try:
                for row in conn.execute(query):
                    found.setdefault(row[0], []).append(row[1:])
            except Exception:   # noqa: BLE001 - an SQLite without the table functions: one PRAGMA at a time
                continue
            self.rows[pragma] = found

    def __call__(self, name: str, arg: str) -> list[tuple]:
        found = self.rows.get(name)
        if found is None or arg not in found:   # not read above (none, or another schema's): ask SQLite
            return _pragma(self.conn, name, arg)
        return found[arg]


def _view_columns(conn, name: str) -> tuple[str, ...] | None:
    """The columns of view ``name``; None where SQLite cannot compile the view now (a table it reads was dropped
    after it was made, a function SQLite allows in no view such as load_extension()): a database holding such
    a view is still read, and the view is one finding (diff) or one line not mapped (import), not the end."""
    try:
        return tuple(r[1] for r in _pragma(conn, "table_info", name))
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", sqlite3.SQLITE_ERROR) != sqlite3.SQLITE_ERROR:
            raise   # locked, busy, I/O: the database, not the view
        return None


def _options(sql: str) -> tuple[str, ...]:
    toks = sqlite_ddl.tokens(sql)
    close = max((i for i, t in enumerate(toks) if t.text == ")"), default=len(toks))
    words = [t.upper for t in toks[close + 1:]]
    out = []
    if "STRICT" in words:
        out.append("strict")
    if "WITHOUT" in words and "ROWID" in words:
        out.append("without_rowid")
    # ON CONFLICT REPLACE / IGNORE / … on a column or constraint: a statement that breaks the constraint then
    # replaces or skips rows instead of failing (nothing the manifest holds: diff and import name it)
    upper = [t.upper for t in toks[:close]]
    clauses = sorted({upper[i + 2].lower() for i in range(len(upper) - 2)
                      if upper[i] == "ON" and upper[i + 1] == "CONFLICT"})
    if clauses:
        out.append("on_conflict " + ", ".join(clauses))
    return tuple(out)


def introspect(conn, schema: str | None = None) -> Catalog:
    # SQLite's own tables begin with "sqlite_" in any case; '_' unescaped matched any character, so a table
    # named sqlitedata or SQLiteUsers was not read at all
    rows = conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                        "ESCAPE '\\' ORDER BY name").fetchall()
    index_sql = dict(conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'index'").fetchall())
    virtual = {name: sql for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")}
    shadow = fts5_shadow_tables(virtual)
    pragma = _Pragmas(conn)
    tables = []
    names = {n.lower(): n for n, _ in rows}   # SQLite finds a table by its name in any ASCII case
    for name, sql in rows:
        if name in virtual or name in shadow:
            continue
        tables.append(_table(pragma, name, sql, index_sql, names))
    # a trigger's tbl_name is spelled as its CREATE TRIGGER wrote it (ON users of table Users): the table's name
    spelled = dict(names)
    spelled.update((n.lower(), n) for (n,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'view'"))
    triggers = [(name, spelled.get(table.lower(), table), sql) for name, table, sql in
                conn.execute("SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger'")]
    by_name = {name: (table, sql) for name, table, sql in triggers}
    searches = [s for s in (fts5_search(name, sql, by_name) for name, sql in virtual.items()) if s is not None]
    views = []
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'view' ORDER BY name"):
        body = sqlite_ddl.view_body(sql)
        views.append(CView(name, _view_columns(conn, name), expr_key(body, "sqlite"), body,
                           column_list=sqlite_ddl.view_column_list(sql)))
    search_triggers = {f"{s.name}_{x}" for s in searches for x in search.SQLITE_TRIGGERS}
    user_triggers = []
    for name, table, sql in triggers:
        if name in search_triggers:
            continue
        timing, event, body = sqlite_ddl.trigger_parts(sql)
        when = _trigger_when(sql)
        user_triggers.append(CTrigger(name, table, timing, event, statements_key(body, "sqlite"), body,
                                      when=expr_key(when, "sqlite") if when else None, shown_when=when))
    beyond = tuple((t.name, kind, name, why) for t in tables for kind, read in BEYOND_MODEL.items()
                   for name, why in read(t))
    return Catalog("sqlite", tuple(tables), views=tuple(views), searches=tuple(searches),
                   triggers=tuple(sorted(user_triggers, key=lambda t: t.name)), beyond=beyond)


# What a SQLite table holds that no manifest can declare, as PostgreSQL's BEYOND_MODEL_SQL: per kind of object,
# (name, why) of each in a table's catalog; diff reports each as held beyond the manifest (SC105), import lists
# the same with the column.
BEYOND_MODEL = {
    "column": lambda t: ((c.name, f"COLLATE {c.shown_collation} left out: the manifest's column compares by BINARY")
                         for c in t.columns if c.shown_collation),
}


def _fts5_option(arg: str) -> tuple[str, str]:
    """An FTS5 option as name and value, the value unquoted (content='t', content="t" and content=t are one)."""
    name, value = arg.split("=", 1)
    toks = sqlite_ddl.tokens(value)
    return name.strip().lower(), toks[0].ident if len(toks) == 1 else value.strip()


def _sync_key(name: str, table: str, sql: str) -> str:
    """How an FTS5 sync trigger is compared: the words after its name up to BEGIN (timing, event, UPDATE OF,
    ON table, WHEN; FOR EACH ROW, which SQLite implies, left out), with its table and its statements' key."""
    toks = [t for t in sqlite_ddl.tokens(sql) if t.text != ";"]
    at = next((i for i, t in enumerate(toks) if t.upper == "TRIGGER"), 0)
    at = next((i for i in range(at + 1, len(toks)) if toks[i].ident.lower() == name.lower()), at)
    begin = next((i for i, t in enumerate(toks) if t.upper == "BEGIN"), len(toks))
    head = " ".join(t.ident.upper() if t.kind in ("word", "qid") else t.text for t in toks[at + 1:begin])
    head = head.replace(" FOR EACH ROW", "")
    return f"{head} [{table.lower()}]: {statements_key(sqlite_ddl.trigger_parts(sql)[2], 'sqlite')}"


def fts5_search(name: str, sql: str, triggers: dict) -> CSearch | None:
    """An FTS5 table (its CREATE VIRTUAL TABLE) with the sync triggers schemactl names for it (<name>_ai, _ad,
    _au) among ``triggers`` ({name: (table, CREATE TRIGGER …)}); None for another module."""
    args = sqlite_ddl.fts5_args(sql)
    if args is None:
        return None
    columns = [a for a in args if "=" not in a]
    options = dict(_fts5_option(a) for a in args if "=" in a)
    content = options.pop("content", "")
    mine = [n for n in (f"{name}_{x}" for x in search.SQLITE_TRIGGERS) if n in triggers]
    key = search.sqlite_key(columns, content)
    return CSearch(name, content, key, key, options=tuple(sorted(f"{k}={v}" for k, v in options.items())),
                   sync=tuple((n, _sync_key(n, *triggers[n])) for n in mine),
                   shown_sync=tuple((n, triggers[n][1].strip().rstrip(";")) for n in mine))


def _trigger_when(sql: str) -> str | None:
    """The WHEN condition of a stored CREATE TRIGGER (between WHEN and BEGIN), or None."""
    toks = sqlite_ddl.tokens(sql)
    begin = next((i for i, t in enumerate(toks) if t.upper == "BEGIN"), len(toks))
    when = next((i for i, t in enumerate(toks[:begin]) if t.upper == "WHEN"), None)
    if when is None or when + 1 >= begin:
        return None
    return sql[toks[when + 1].start:toks[begin].start].strip()


# Bare words a DEFAULT reads as themselves (sqlite's grammar: DEFAULT term, and TRUE/FALSE among its ids)
_DEFAULT_WORDS = frozenset({"TRUE", "FALSE", "NULL", "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"})


def _dq_strings(sql: str, columns: set[str]) -> str:
    """``sql`` with each double-quoted word that names none of ``columns`` (lower-cased) as the string SQLite
    reads it as (CHECK (kind IN ("a", "b")) is kind IN ('a', 'b'), which import writes: diff called the
    imported check missing and the database's undeclared)."""
    toks = sqlite_ddl.tokens(sql)
    out, at = [], 0
    for i, t in enumerate(toks):
        after = toks[i + 1].text if i + 1 < len(toks) else ""
        if t.kind == "qid" and t.text.startswith('"') and t.ident.lower() not in columns and after not in ("(", "."):
            out += [sql[at:t.start], "'" + t.ident.replace("'", "''") + "'"]
            at = t.start + len(t.text)
    return "".join(out) + sql[at:] if out else sql


def _identifier_default(default: str | None) -> str | None:
    """A DEFAULT that is one identifier ("active", active, [a b], `a`) as the string SQLite stores for it, quoted
    as a string: a default reads no column, so SQLite takes the name itself (import read "active" as a column
    and left the default out; diff held it apart from the manifest's 'active')."""
    toks = sqlite_ddl.tokens(default) if default else ()
    if len(toks) == 1 and (toks[0].kind == "qid" or toks[0].kind == "word" and toks[0].upper not in _DEFAULT_WORDS):
        return "'" + toks[0].ident.replace("'", "''") + "'"
    return default


def _collated(key: str, collation: str, column: str | None) -> str:
    """An index key with the collation SQLite compares it by: a key that is a column declared COLLATE NOCASE
    compares by NOCASE without saying so (its index_xinfo does); an expression says its own.  ``key`` is the
    key's text without its order (a column's name unquoted), ``column`` the column it is, if one."""
    if (collation or "BINARY").upper() == "BINARY":
        return key
    if column is not None and key in (column, quote(column)):
        return f"{quote(column)} COLLATE {collation}"
    return f"{key} COLLATE {collation}" if len(sqlite_ddl.tokens(key)) == 1 else key


def _table(pragma, name: str, sql: str, index_sql: dict, names: dict | None = None) -> CTable:
    ddl = sqlite_ddl.parse_table(sql)
    named = defaultdict(list)
    for clause in ddl.clauses:
        named[clause.kind].append(clause)

    columns, pk_cols = [], []
    generated = dict(ddl.generated)
    # (every column, the generated too: a double-quoted word naming none of them is a string, see _dq_strings)
    column_names = {row[1].lower() for row in pragma("table_xinfo", name)}
    collations = {c: coll for c, coll in ddl.collations if coll.upper() != "BINARY"}
    for cid, col, typ, notnull, default, pk, hidden in pragma("table_xinfo", name):
        if hidden not in (0, 2, 3):     # 2, 3: generated columns (virtual, stored)
            continue
        if pk:
            pk_cols.append((pk, col))
        if hidden in (2, 3) and col in generated:
            columns.append(CColumn(col, sqlite_type(typ or ""), not notnull, None, False,
                                   generated=expr_key(_dq_strings(generated[col], column_names), "sqlite"),
                                   stored=hidden == 3,
                                   shown_generated=generated[col], shown_collation=collations.get(col)))
            continue
        default = _identifier_default(default)
        columns.append(CColumn(col, sqlite_type(typ or ""), not notnull, default, False, shown_default=default,
                               shown_collation=collations.get(col)))
    pk_columns = tuple(c for _, c in sorted(pk_cols))
    options = _options(sql)
    columns = [replace(c, nullable=False)
               if sqlite_rowid_alias(pk_columns, c.name, c.type, "without_rowid" in options) else c for c in columns]
    if ddl.autoincrement and len(pk_columns) == 1:
        columns = [replace(c, identity=c.name == pk_columns[0])
                   for c in columns]
    pk_name = next((c.name for c in named["primary key"] if c.columns == pk_columns), None)
    primary_key = CKey(pk_name, pk_columns) if pk_columns else None

    def name_for(kind: str, cols: tuple[str, ...]):
        return next((c.name for c in named[kind] if tuple(c.columns) == cols), None)

    uniques, indexes = [], []
    for _, iname, unique, origin, partial in pragma("index_list", name):
        # a key with a collation of its own (e COLLATE NOCASE) compares otherwise than its column: it is read
        # from the DDL as an expression, as the manifest would write it
        info = [r for r in pragma("index_xinfo", iname) if r[5]]
        keys = [(r[2] if (r[4] or "BINARY").upper() == "BINARY" else None, bool(r[3])) for r in info]
        if origin == "u" and all(k is not None for k, _ in keys):
            cols = tuple(k for k, _ in keys)
            uniques.append(CKey(name_for("unique", cols), cols))
            continue
        if origin not in ("c", "u"):
            continue
        # a UNIQUE constraint with a collated key (a COLLATE in it, or its column's own) is that unique index
        texts, where = sqlite_ddl.index_parts(index_sql.get(iname) or "") if origin == "c" else \
            ([quote(r[2]) if r[2] is not None else "" for r in info], None)
        if origin == "u":
            iname = name_for("unique", tuple(r[2] for r in info)) or \
                derived_name(name, *(r[2] or "expr" for r in info), suffix="collate_key")   # not a plain key's
            unique = 1
        shown = tuple(k for k, _ in keys)
        if any(k is None for k, _ in keys) and len(texts) == len(keys):   # expressions: read from the DDL
            shown = tuple(k if k is not None else _collated(sqlite_ddl.strip_order(texts[i])[0], info[i][4],
                                                            info[i][2])
                          for i, (k, _) in enumerate(keys))
            keys = [(k if k is not None else index_element(expr_key(shown[i], "sqlite")), d)
                    for i, (k, d) in enumerate(keys)]
        indexes.append(CIndex(iname, tuple(keys), bool(unique),
                              expr_key(_dq_strings(where, column_names), "sqlite") if where else None, where,
                              shown_columns=shown))

    groups = defaultdict(list)
    for fid, seq, ref_table, frm, to, on_update, on_delete, _match in pragma("foreign_key_list", name):
        groups[fid].append((seq, ref_table, frm, to, on_update.lower(), on_delete.lower()))
    fks = []
    for fid in sorted(groups):
        parts = sorted(groups[fid])
        cols = tuple(p[2] for p in parts)
        # SQLite finds the table and its columns in any case (REFERENCES users(ID) of table Users): named
        # as they are, a key of the table was read as one to a table the database does not hold
        ref_table = (names or {}).get(parts[0][1].lower(), parts[0][1])
        ref_cols = tuple(p[3] for p in parts)
        target = pragma("table_xinfo", ref_table) if ref_table != parts[0][1] or any(
            c is None for c in ref_cols) else []
        if any(c is None for c in ref_cols):  # REFERENCES t without columns: the target's primary key
            ref_cols = tuple(r[1] for r in sorted((r for r in target if r[5]), key=lambda r: r[5]))
        elif target:
            spelled = {r[1].lower(): r[1] for r in target}
            ref_cols = tuple(spelled.get(c.lower(), c) for c in ref_cols)
        clause = next((c for c in named["foreign key"] if tuple(c.columns) == cols), None)
        fks.append(CForeignKey(clause.name if clause else None, cols, ref_table, ref_cols, parts[0][5], parts[0][4],
                               "deferred" if clause and clause.deferred else None))

    checks = tuple(CCheck(c.name, expr_key(_dq_strings(c.expr, column_names), "sqlite"), c.expr)
                   for c in named["check"])
    return CTable(name, tuple(columns), primary_key, tuple(uniques), tuple(fks), checks, tuple(indexes), options)
